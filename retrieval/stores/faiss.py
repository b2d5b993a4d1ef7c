"""The embedded default store: sentence vectors in FAISS, chunks and articles in SQLite, BM25 by bm25s,
in versioned folders on disk (see retrieval/index.py for how versions are built and published).

Files of a version: vectors.npy / vectors-NNNN.npy (one L2-normalised float32 row per sentence, np.save),
chunks.sqlite / chunks-NNNN.sqlite (articles, chunks, sentence spans and parses) and, for HNSW and IVF,
index.faiss (faiss.write_index). A flat index is made from the vectors at load.

Index types: "flat" (exact), "ivf" (IVF-Flat, nlist ≈ √N, nprobe 16), "hnsw" (M 32); "auto" is flat
below IVF_THRESHOLD sentences and IVF from there. One question against a flat index (k = 150, one thread)
costs about 23 ms at 100k vectors on this machine under load and grows linearly, so past ~50k the dense
step alone would take a third of a 30 ms answer; IVF at 100k: 0.7 ms, recall@10 0.997 and recall@150
0.989 against exact search (mixtures of real MiniLM sentence vectors; bench/faiss_scale.py's generator).
IVF builds 1M vectors in minutes here (HNSW takes 15-20 min for 500k) and takes appends.

Memory: the loaded vectors are held once. Flat and HNSW: `Index.vectors` is a view of FAISS's own copy;
IVF: rows are read back from the index (`IvfRows`), which keeps them in its inverted lists.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.analysis import SentenceAnalyser, parses_from_json, parses_to_json
from retrieval.chunking import ChunkConfig, SentenceSplitter
from retrieval.embed import Embedder, sha256_file
from retrieval.errors import IndexCorrupt, IndexMissing, IndexOutdated
from retrieval.loaded import Index, sentence_rows
from retrieval.manifest import FORMAT, READABLE_FORMATS, faiss_file_of, read_manifest, segments_of
from retrieval.publish import checksum, publish
from retrieval.records import Article, Chunk, Span
from retrieval.sentences import BuildReport
from retrieval.stores.base import Backend, VectorStore

IVF_THRESHOLD = 50_000  # sentences; from here "auto" picks IVF (see the module's docstring)
INDEX_TYPES = ("auto", "flat", "ivf", "hnsw")
STORED_TYPES = ("ivf", "hnsw")  # kept as index.faiss (a flat index is made from the vectors at load)
IVF_NPROBE = 16


def choose_index_type(setting: str, n: int) -> str:
    if setting == "auto":
        return "ivf" if n >= IVF_THRESHOLD else "flat"
    if setting not in INDEX_TYPES:
        raise ValueError(f"unknown index type {setting!r}: use {', '.join(INDEX_TYPES)}")
    return setting


def ivf_lists(n: int) -> int:
    """Inverted lists for n vectors: about √n, and at least 39 training vectors per list (FAISS's minimum)."""
    return max(1, min(round(math.sqrt(n)), n // 39))


def make_faiss(kind: str, vectors: np.ndarray, hnsw_m: int = 32, ef_construction: int = 80, ef_search: int = 96) -> Any:
    import faiss

    dim = vectors.shape[1]
    index: Any
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.hnsw.efSearch = ef_search
    elif kind == "ivf":
        nlist = ivf_lists(len(vectors))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors
        if len(vectors) > 64 * nlist:  # k-means on a fixed sample: as good, and the build stays minutes
            sample = vectors[np.sort(np.random.default_rng(0).choice(len(vectors), 64 * nlist, replace=False))]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = min(IVF_NPROBE, nlist)
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


class _Memory:
    """A numpy view of FAISS-owned float32 memory that keeps its owner alive."""

    def __init__(self, owner: Any, pointer: Any, rows: int, dim: int) -> None:
        import faiss

        self.owner = owner
        view = faiss.rev_swig_ptr(pointer, rows * dim)
        self.__array_interface__ = {**view.__array_interface__, "shape": (rows, dim)}


class IvfRows:
    """The sentence vectors of an IVF index, read back row by row (the index holds the only copy)."""

    def __init__(self, index: Any, owner: Any = None) -> None:
        index.make_direct_map()
        self.index = index
        self.owner = owner  # the object that owns the index's memory
        self.shape = (int(index.ntotal), int(index.d))
        self.ndim = 2
        self.dtype = np.dtype(np.float32)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        n = self.shape[0]
        if isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step != 1:
                return np.asarray(self)[key]
            return np.asarray(self.index.reconstruct_n(start, max(0, stop - start)))
        if isinstance(key, (int, np.integer)):
            row = int(key) + n if key < 0 else int(key)
            if not 0 <= row < n:
                raise IndexError(f"row {key} of {n}")
            return np.asarray(self.index.reconstruct(row))
        return np.stack([self[int(r)] for r in np.asarray(key).ravel()]).reshape(*np.shape(key), self.shape[1])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        rows = np.asarray(self.index.reconstruct_n(0, self.shape[0]))
        return rows if dtype is None else rows.astype(dtype)


def rows_of(index: Any) -> Any:
    """The vectors a FAISS index holds, without a second copy: a view (flat, HNSW) or IvfRows (IVF)."""
    import faiss

    concrete = faiss.downcast_index(index)
    if isinstance(concrete, faiss.IndexIVF):
        return IvfRows(concrete, owner=index)
    flat = faiss.downcast_index(concrete.storage) if isinstance(concrete, faiss.IndexHNSW) else concrete
    if not isinstance(flat, faiss.IndexFlat):
        raise ValueError(f"{type(concrete).__name__} is not an index type this qabot writes")
    if flat.ntotal == 0:
        return np.zeros((0, flat.d), dtype=np.float32)
    return np.asarray(_Memory(index, flat.get_xb(), int(flat.ntotal), int(flat.d)))


@dataclass
class Lexical:
    """BM25 over chunk texts."""

    chunks: Sequence[Chunk]
    model: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        import bm25s
        import Stemmer

        self.stemmer = Stemmer.Stemmer("english")
        self.model = bm25s.BM25()
        tokens = bm25s.tokenize(
            [c.text for c in self.chunks], stopwords="en", stemmer=self.stemmer, show_progress=False
        )
        self.model.index(tokens, show_progress=False)  # type: ignore[attr-defined]

    def search(self, query: str, n: int) -> list[tuple[int, float]]:
        """(chunk id, BM25 score) of the best n chunks with a positive score, best first. The query is read
        as `bm25s.tokenize` reads the chunks (lower case, its word pattern and stop words, the same stemmer),
        its stems looked up in the model's vocabulary directly, repeats kept."""
        from bm25s.selection import topk

        if not self.chunks:
            return []
        ids = self.query_ids(query)
        if not ids:  # nothing but stop words, or words no chunk holds
            return []
        scores = self.model.get_scores_from_ids(ids)  # type: ignore[attr-defined]
        best, docs = topk(scores, k=min(n, len(self.chunks)), sorted=True, backend="numpy")
        return [(d, s) for d, s in zip(docs.tolist(), best.tolist(), strict=True) if s > 0]

    def query_ids(self, query: str) -> list[int]:
        """The query's token ids in the model's vocabulary, in order (words it does not know left out)."""
        stop = _bm25_stopwords()
        words = [w for w in BM25_TOKEN.findall(query.lower()) if w not in stop]
        vocab: dict[str, int] = self.model.vocab_dict  # type: ignore[attr-defined]
        return [vocab[s] for s in self.stemmer.stemWords(words) if s in vocab]


BM25_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s.tokenize's default token pattern


@lru_cache(maxsize=1)
def _bm25_stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)  # what bm25s.tokenize(stopwords="en") leaves out


class FaissStore(VectorStore):
    """Dense search in the loaded FAISS index; BM25 over the chunks (built on first use)."""

    name = "faiss"

    def __init__(self, faiss_index: Any, chunks: Sequence[Chunk]) -> None:
        self.faiss_index = faiss_index
        self.chunks = chunks
        self._lexical: Lexical | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        with self._lock:
            if self._lexical is None:
                self._lexical = Lexical(self.chunks)

    def count(self) -> int:
        return int(self.faiss_index.ntotal)

    def dense(self, qvec: np.ndarray, n: int) -> list[tuple[int, float]]:
        import faiss

        total = self.count()
        if total == 0:
            return []
        # One query on one OpenMP thread: the default pool (one thread per core) spins against the other
        # processes of a shared machine and made a 46k-vector flat search ~3x slower (BENCHMARKS.md). The
        # setting is the calling thread's own (an OpenMP ICV), restored after, so builds elsewhere keep theirs.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, rows = self.faiss_index.search(qvec.reshape(1, -1), min(n, total))
        finally:
            faiss.omp_set_num_threads(threads)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def keyword(self, query: str, n: int) -> list[tuple[int, float]]:
        self.warm()
        assert self._lexical is not None
        return self._lexical.search(query, n)


class FaissBackend(Backend):
    """Versioned FAISS + SQLite folders at `index_dir` (retrieval/index.py)."""

    name = "faiss"

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir

    def __str__(self) -> str:
        return str(self.index_dir)

    def update(
        self,
        corpus: Path,
        embedder: Embedder,
        config: ChunkConfig,
        *,
        rebuild: bool = False,
        index_type: str = "auto",
        progress: bool = False,
        on_stage: Callable[[str], None] | None = None,
        lock_wait: float | None = None,
        splitter: SentenceSplitter | None = None,
        analyser: SentenceAnalyser | None = None,
    ) -> BuildReport:
        from retrieval.index import LOCK_WAIT, build_index

        return build_index(
            corpus,
            self.index_dir,
            embedder,
            config,
            rebuild=rebuild,
            index_type=index_type,
            progress=progress,
            on_stage=on_stage,
            lock_wait=LOCK_WAIT if lock_wait is None else lock_wait,
            splitter=splitter,
            analyser=analyser,
        )

    def load(self) -> Index:
        from retrieval.index import load_index

        return load_index(self.index_dir)


# ---------------------------------------------------------------- a version's files


def load_version(index_dir: Path, version: Path, verify: bool) -> Index:
    import faiss

    manifest = read_manifest(index_dir, version)
    try:
        if manifest.get("format") not in READABLE_FORMATS:
            if isinstance(manifest.get("format"), int) and manifest["format"] < FORMAT:
                raise IndexOutdated(str(index_dir), f"format {manifest['format']}, this qabot writes {FORMAT}")
            raise IndexCorrupt(str(index_dir), f"format {manifest.get('format')} is not {FORMAT}")
        if verify:
            for name, (sha, size) in manifest["checksums"].items():
                file = version / name
                if not file.is_file() or file.stat().st_size != size or sha256_file(file) != sha:
                    raise IndexCorrupt(str(index_dir), f"{name} is missing, truncated or altered")
        segments = segments_of(manifest)
        dim = int(manifest["dim"])
        stored = faiss_file_of(manifest)
        faiss_index: Any = None if stored is not None else faiss.IndexFlatIP(dim)
        for segment in segments:  # a flat index takes each segment in turn: one copy of the vectors, no more
            part = np.load(version / segment["vectors"], allow_pickle=False, mmap_mode="r")
            if part.ndim != 2 or part.shape != (int(segment["sentences"]), dim):
                raise IndexCorrupt(str(index_dir), f"{segment['vectors']} does not hold the vectors it should")
            if faiss_index is not None and len(part):
                faiss_index.add(np.ascontiguousarray(part, dtype=np.float32))
            del part
        if stored is not None:
            faiss_index = faiss.read_index(str(version / stored))
        vectors = rows_of(faiss_index)
        articles, chunks = read_sqlite([version / segment["sqlite"] for segment in segments])
    except (IndexCorrupt, IndexMissing):
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError, sqlite3.Error) as err:
        raise IndexCorrupt(str(index_dir), f"{type(err).__name__}: {err}") from err
    sources, spans, containing = sentence_rows(articles, chunks)
    if vectors is None or vectors.ndim != 2 or vectors.shape != (len(sources), dim):
        raise IndexCorrupt(str(index_dir), "vector count or dimension does not match the sentences")
    return Index(
        path=index_dir,
        manifest=manifest,
        articles=articles,
        chunks=chunks,
        vectors=vectors,
        sentence_source=sources,
        sentence_span=spans,
        sentence_chunks=containing,
        faiss_index=faiss_index,
        store=FaissStore(faiss_index, chunks),
        version=version.name,
    )


def write_version(
    index_dir: Path, manifest: dict[str, object], articles: list[Article], chunks: list[Chunk], vectors: np.ndarray
) -> None:
    """A complete version as one segment (and, for HNSW and IVF, the FAISS index)."""
    import faiss

    kind = str(manifest["index_type"])
    manifest["segments"] = [
        {
            "vectors": "vectors.npy",
            "sqlite": "chunks.sqlite",
            "articles": len(articles),
            "chunks": len(chunks),
            "sentences": len(vectors),
        }
    ]
    manifest["faiss_file"] = "index.faiss" if kind in STORED_TYPES else None

    def write(tmp: Path) -> dict[str, list]:
        np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
        written = ["vectors.npy", "chunks.sqlite"]
        if kind in STORED_TYPES:
            faiss.write_index(make_faiss(kind, vectors), str(tmp / "index.faiss"))
            written.append("index.faiss")
        write_sqlite(tmp / "chunks.sqlite", articles, chunks)
        return {name: checksum(tmp / name) for name in written}

    publish(index_dir, manifest, write)


def _spans(raw: str) -> tuple[Span, ...]:
    return tuple(Span(start=a, end=b) for a, b in json.loads(raw))


def read_sqlite(paths: list[Path]) -> tuple[dict[str, Article], list[Chunk]]:
    """Articles and chunks of all segments, in order (ids and sentence rows run on across them)."""
    articles: dict[str, Article] = {}
    chunks: list[Chunk] = []
    shared: dict[str, dict[tuple[int, int], Span]] = {}
    for path in paths:
        if not path.is_file():  # sqlite would create an empty file (and then fail on the missing table)
            raise OSError(f"{path.name} is missing")
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            where = _read_files_table(db)
            for row in db.execute(
                "SELECT source, title, date, url, sha256, text, line_offset, boilerplate, sentences, paragraphs,"
                " parses FROM articles ORDER BY position"
            ):
                articles[row[0]] = Article(
                    source=row[0],
                    **where.get(row[0], _legacy_file_of(row[0])),
                    title=row[1],
                    date=row[2],
                    url=row[3],
                    sha256=row[4],
                    text=row[5],
                    line_offset=row[6],
                    boilerplate=_spans(row[7]),
                    sentences=_spans(row[8]),
                    paragraphs=_spans(row[9]),
                    parses=parses_from_json(json.loads(row[10])),
                )
            chunks.extend(
                Chunk(
                    id=row[0],
                    source=row[1],
                    ordinal=row[2],
                    text=row[3],
                    start=row[4],
                    end=row[5],
                    line_start=row[6],
                    line_end=row[7],
                    sentences=_shared_spans(articles, row[1], row[8], shared),
                    first_sentence=row[9],
                )
                for row in db.execute(
                    "SELECT id, source, ordinal, text, start, end, line_start, line_end, sentences, first_sentence"
                    " FROM chunks ORDER BY id"
                )
            )
        finally:
            db.close()
    if [c.id for c in chunks] != list(range(len(chunks))):
        raise ValueError("chunk ids are not contiguous")
    rows = 0
    firsts = {c.source: c.first_sentence for c in chunks if c.ordinal == 0}  # one pass, not one per article
    for article in articles.values():
        first = firsts.get(article.source)
        if first is not None and first != rows:
            raise ValueError("sentence rows are out of order")
        rows += len(article.sentences)
    return articles, chunks


def _shared_spans(
    articles: dict[str, Article], source: str, raw: str, shared: dict[str, dict[tuple[int, int], Span]]
) -> tuple[Span, ...]:
    """A chunk's sentence spans as its article's own Span objects (one object per sentence, not two)."""
    if source not in shared:
        shared[source] = {(s.start, s.end): s for s in articles[source].sentences} if source in articles else {}
    known = shared[source]
    return tuple(known.get((a, b)) or Span(start=a, end=b) for a, b in json.loads(raw))


def _read_files_table(db: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Article source -> its file and .jsonl record, as stored (an index written before they were is read by
    `_legacy_file_of`)."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'article_files'").fetchone():
        return {}
    return {
        row[0]: {"file": os.fsdecode(row[1]) if isinstance(row[1], bytes) else row[1], "record": row[2]}
        for row in db.execute("SELECT source, file, record FROM article_files")
    }


def _legacy_file_of(source: str) -> dict[str, Any]:
    """The file and record of an article stored before they were kept: only .jsonl articles were named
    "file.jsonl#N" (any other "#" is part of a file name)."""
    name, sep, number = source.rpartition("#")
    if sep and number.isdigit() and name.lower().endswith(".jsonl"):
        return {"file": name, "record": int(number)}
    return {"file": source, "record": None}


def _write_files_table(db: sqlite3.Connection, articles: list[Article]) -> None:
    db.execute("CREATE TABLE article_files (source TEXT PRIMARY KEY, file NOT NULL, record INTEGER)")
    db.executemany(  # the file name as its bytes (a BLOB): a name need not be UTF-8
        "INSERT INTO article_files VALUES (?,?,?)", [(a.source, os.fsencode(a.file), a.record) for a in articles]
    )


def write_sqlite(path: Path, articles: list[Article], chunks: list[Chunk], first_position: int = 0) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(
            """
            CREATE TABLE articles (source TEXT PRIMARY KEY, title TEXT, date TEXT, url TEXT, sha256 TEXT,
                text TEXT, line_offset INTEGER, boilerplate TEXT, sentences TEXT, position INTEGER,
                paragraphs TEXT, parses TEXT);
            CREATE TABLE chunks (id INTEGER PRIMARY KEY, source TEXT, ordinal INTEGER, text TEXT,
                start INTEGER, end INTEGER, line_start INTEGER, line_end INTEGER, sentences TEXT,
                first_sentence INTEGER);
            """
        )
        db.executemany(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    a.source,
                    a.title,
                    a.date,
                    a.url,
                    a.sha256,
                    a.text,
                    a.line_offset,
                    json.dumps([[s.start, s.end] for s in a.boilerplate]),
                    json.dumps([[s.start, s.end] for s in a.sentences]),
                    i,
                    json.dumps([[s.start, s.end] for s in a.paragraphs]),
                    json.dumps(parses_to_json(a.parses), separators=(",", ":")),
                )
                for i, a in enumerate(articles, start=first_position)
            ],
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    c.id,
                    c.source,
                    c.ordinal,
                    c.text,
                    c.start,
                    c.end,
                    c.line_start,
                    c.line_end,
                    json.dumps([[s.start, s.end] for s in c.sentences]),
                    c.first_sentence,
                )
                for c in chunks
            ],
        )
        _write_files_table(db, articles)
        db.commit()
    finally:
        db.close()
