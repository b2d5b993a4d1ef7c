"""The embedded default store: sentence vectors in FAISS, chunks and articles in SQLite, BM25 by bm25s,
in versioned folders on disk (see retrieval/index.py for how versions are built and published).

Files of a version: vectors.npy / vectors-NNNN.npy (one L2-normalised float32 row per sentence, np.save),
chunks.sqlite / chunks-NNNN.sqlite (articles, chunks, sentence spans and parses), bm25-* (the BM25 model over
all chunk texts, bm25s's save format; made again by every build, appends included) and, for HNSW and IVF,
index.faiss (faiss.write_index). A flat index is made from the vectors at load.

Index types: "flat" (exact), "ivf" (IVF-Flat, nlist ≈ √N, nprobe 16), "hnsw" (M 32); "auto" is flat
below IVF_THRESHOLD sentences and IVF from there. One question against a flat index (k = 150, one thread)
costs about 23 ms at 100k vectors on this machine under load and grows linearly, so past ~50k the dense
step alone would take a third of a 30 ms answer; IVF at 100k: 0.7 ms, recall@10 0.997 and recall@150
0.989 against exact search (mixtures of real MiniLM sentence vectors; bench/faiss_scale.py's generator).
IVF builds 1M vectors in minutes here (HNSW takes 15-20 min for 500k) and takes appends.

Memory of a loaded version: the raw vectors plus about 85 bytes a sentence, and the BM25 vocabulary (1M sentences
in 50k articles: 1,549 MB for 1,465 MB of vectors, and 165 MB for a vocabulary of 1M terms); the article text
stays on disk.
- vectors, held once. Flat and HNSW: `Index.vectors` is a view of FAISS's own copy; IVF: rows are read back
  from the index (`IvfRows`), which keeps them in its inverted lists.
- articles (`StoredArticles`): the sources, a dict source -> ordinal, per article its segment and SQLite row
  id; an article is read and decoded when asked, the last ARTICLE_CACHE kept (LRU). One read-only connection
  per segment file, opened at load and shared by all threads under a lock.
- chunks (`StoredChunks`): per chunk 8 int32 columns (article ordinal, ordinal, start, end, line_start,
  line_end, first sentence row, sentence count); a Chunk is made from them and its article when asked.
- sentence rows (`retrieval.loaded.SentenceRows`): article ordinal, start and end (int32) and CSR chunk
  membership per row.
- BM25: the stored arrays memory-mapped (pages are read as queries touch them); the vocabulary in memory.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence, ValuesView
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, overload

import numpy as np

from retrieval.analysis import SentenceAnalyser, parses_from_json, parses_to_json
from retrieval.chunking import ChunkConfig, SentenceSplitter
from retrieval.embed import Embedder, sha256_file
from retrieval.errors import IndexCorrupt, IndexMissing, IndexOutdated
from retrieval.hashed import HashedKeys
from retrieval.loaded import Index, SentenceRows
from retrieval.manifest import FORMAT, READABLE_FORMATS, faiss_file_of, read_manifest, segments_of
from retrieval.publish import checksum, publish
from retrieval.records import Article, Chunk, Span
from retrieval.sentences import BuildReport
from retrieval.stores.base import Backend, VectorStore

log = logging.getLogger(__name__)

IVF_THRESHOLD = 50_000  # sentences; from here "auto" picks IVF (see the module's docstring)
INDEX_TYPES = ("auto", "flat", "ivf", "hnsw")
STORED_TYPES = ("ivf", "hnsw")  # kept as index.faiss (a flat index is made from the vectors at load)
IVF_NPROBE = 16
SCAN_ROWS = 4096  # an IVF range longer than this is read in one pass over its lists, a shorter one row by row


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
            if stop - start > SCAN_ROWS:  # a long range: one pass over the inverted lists
                return np.asarray(self.index.reconstruct_n(start, stop - start))
            return self._rows(np.arange(start, max(start, stop)))
        if isinstance(key, (int, np.integer)):
            row = int(key) + n if key < 0 else int(key)
            if not 0 <= row < n:
                raise IndexError(f"row {key} of {n}")
            return np.asarray(self.index.reconstruct(row))
        rows = np.asarray(key, dtype=np.int64)
        rows = np.where(rows < 0, rows + n, rows)
        if rows.size and not (rows.min() >= 0 and rows.max() < n):
            raise IndexError(f"rows out of {n}")
        return self._rows(rows.ravel()).reshape(*rows.shape, self.shape[1])

    def _rows(self, rows: np.ndarray) -> np.ndarray:
        """Rows by the direct map, each one lookup (a range read through reconstruct_n scans every list)."""
        if not rows.size:
            return np.zeros((0, self.shape[1]), dtype=np.float32)
        return np.asarray(self.index.reconstruct_batch(np.ascontiguousarray(rows, dtype=np.int64)))

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


BM25_FILES = {  # bm25s's arrays and vocabulary, as files of a version (bm25s.BM25.save / load)
    "data_name": "bm25-data.npy",
    "indices_name": "bm25-indices.npy",
    "indptr_name": "bm25-indptr.npy",
    "vocab_name": "bm25-vocab.json",
    "params_name": "bm25-params.json",
    "nnoc_name": "bm25-nonoccurrence.npy",
}


def bm25_model(texts: list[str]) -> object:
    """bm25s's BM25 (Lucene scoring) over the texts: Snowball-stemmed, English stop words left out."""
    import bm25s
    import Stemmer

    model = bm25s.BM25()
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False)
    model.index(tokens, show_progress=False)  # type: ignore[attr-defined]
    return model


def save_bm25(folder: Path, texts: list[str]) -> list[str]:
    """The BM25 model over the chunk texts written into a version folder; the names of the files written."""
    model = bm25_model(texts)
    model.save(folder, show_progress=False, **BM25_FILES)  # type: ignore[attr-defined]
    return [name for name in BM25_FILES.values() if (folder / name).is_file()]


def load_bm25(folder: Path) -> object:
    """The stored BM25 model, its arrays memory-mapped (read-only; pages are read as queries touch them)."""
    import bm25s

    return bm25s.BM25.load(folder, mmap=True, show_progress=False, **BM25_FILES)


@dataclass
class Lexical:
    """BM25 over chunk texts: the stored model when given, else built from the chunks' texts."""

    chunks: Sequence[Chunk]
    model: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        import Stemmer

        self.stemmer = Stemmer.Stemmer("english")
        if self.model is None:
            self.model = bm25_model([c.text for c in self.chunks])
        # the model's vocabulary as two arrays instead of a dict (12 bytes a stem, not about 120); queries
        # only look stems up, through query_ids
        vocab: dict[str, int] = self.model.vocab_dict  # type: ignore[attr-defined]
        self.vocabulary = HashedKeys(vocab, vocab.values())
        self.model.vocab_dict = {}  # type: ignore[attr-defined]

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
        found = (self.vocabulary.get(s) for s in self.stemmer.stemWords(words))
        return [i for i in found if i is not None]


BM25_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s.tokenize's default token pattern


@lru_cache(maxsize=1)
def _bm25_stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)  # what bm25s.tokenize(stopwords="en") leaves out


class FaissStore(VectorStore):
    """Dense search in the loaded FAISS index; BM25 over the chunks (the version's stored model, memory-mapped,
    else built from the chunk texts on first use)."""

    name = "faiss"

    def __init__(self, faiss_index: Any, chunks: Sequence[Chunk], bm25: Path | None = None) -> None:
        self.faiss_index = faiss_index
        self.chunks = chunks
        self.bm25 = bm25  # the version folder holding the stored BM25 model, if it has one
        self._lexical: Lexical | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        with self._lock:
            if self._lexical is None:
                self._lexical = Lexical(self.chunks, load_bm25(self.bm25) if self.bm25 is not None else None)

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
        articles, chunks, rows = open_sqlite([version / segment["sqlite"] for segment in segments])
    except (IndexCorrupt, IndexMissing):
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError, sqlite3.Error) as err:
        raise IndexCorrupt(str(index_dir), f"{type(err).__name__}: {err}") from err
    if vectors is None or vectors.ndim != 2 or vectors.shape != (len(rows), dim):
        raise IndexCorrupt(str(index_dir), "vector count or dimension does not match the sentences")
    bm25 = version if manifest.get("bm25") else None
    if bm25 is None and len(chunks):
        log.info("%s keeps no BM25 model (format %s): it is built at load", index_dir, manifest.get("format"))
    sources, spans, containing = rows.views()
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
        store=FaissStore(faiss_index, chunks, bm25),
        version=version.name,
    )


def write_version(
    index_dir: Path, manifest: dict[str, object], articles: list[Article], chunks: list[Chunk], vectors: np.ndarray
) -> None:
    """A complete version as one segment, its BM25 model and, for HNSW and IVF, the FAISS index."""
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
    manifest["bm25"] = bool(chunks)

    def write(tmp: Path) -> dict[str, list]:
        np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
        written = ["vectors.npy", "chunks.sqlite"]
        if kind in STORED_TYPES:
            faiss.write_index(make_faiss(kind, vectors), str(tmp / "index.faiss"))
            written.append("index.faiss")
        write_sqlite(tmp / "chunks.sqlite", articles, chunks)
        if chunks:
            written += save_bm25(tmp, [c.text for c in chunks])
        return {name: checksum(tmp / name) for name in written}

    publish(index_dir, manifest, write)


# ---------------------------------------------------------------- the loaded corpus, read from SQLite

ARTICLE_CACHE = 2048  # decoded articles a loaded index keeps (the least recently used go first)
BLOCK = 65_536  # rows fetched at a time while the columns are read
ARTICLE_SQL = (
    "SELECT a.source, a.title, a.date, a.url, a.sha256, a.text, a.line_offset, a.boilerplate, a.sentences,"
    " a.paragraphs, a.parses, {file} FROM articles a {join} WHERE a.rowid = ?"
)


class _Databases:
    """Read-only connections to a version's SQLite files, one per segment, opened at load (a version collected
    later stays readable) and shared by all threads under one lock."""

    def __init__(self, paths: list[Path]) -> None:
        self.lock = threading.Lock()
        self.connections: list[sqlite3.Connection] = []
        self.article_sql: list[str] = []
        for path in paths:
            if not path.is_file():  # sqlite would create an empty file (and then fail on the missing table)
                raise OSError(f"{path.name} is missing")
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            self.connections.append(db)
            files = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'article_files'")
            if files.fetchone():
                sql = ARTICLE_SQL.format(file="f.file, f.record", join="LEFT JOIN article_files f USING (source)")
            else:  # written before files were kept: `_legacy_file_of`
                sql = ARTICLE_SQL.format(file="NULL, NULL", join="")
            self.article_sql.append(sql)

    def headings(self, segment: int) -> dict[int, tuple[str, str | None]]:
        """Row id -> (title, date) of every article of one segment, without reading their texts."""
        with self.lock:
            rows = self.connections[segment].execute("SELECT rowid, title, date FROM articles").fetchall()
        return {int(rowid): (title, date) for rowid, title, date in rows}

    def article(self, segment: int, rowid: int) -> tuple[Any, ...]:
        with self.lock:
            row = self.connections[segment].execute(self.article_sql[segment], (rowid,)).fetchone()
        if row is None:
            raise KeyError(f"article row {rowid} is missing")
        return tuple(row)


def _article(row: tuple[Any, ...]) -> Article:
    file, record = row[11], row[12]
    where = (
        _legacy_file_of(row[0])
        if file is None
        else {"file": os.fsdecode(file) if isinstance(file, bytes) else file, "record": record}
    )
    return Article(
        source=row[0],
        **where,
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


class StoredArticles(Mapping[str, Article]):
    """The articles of a version, source -> Article, in corpus order, read from its SQLite files when asked.

    In memory: the sources (and a dict from source to ordinal), each article's segment and row id, and the
    last ARTICLE_CACHE articles decoded. Thread-safe."""

    def __init__(self, databases: _Databases, sources: list[str], segment: np.ndarray, rowid: np.ndarray) -> None:
        self.databases = databases
        self.sources = sources
        self.ordinals = {source: i for i, source in enumerate(sources)}
        if len(self.ordinals) != len(sources):
            raise ValueError("two articles have the same source")
        self.segment, self.rowid = segment, rowid
        self._cache: OrderedDict[int, Article] = OrderedDict()
        self._lock = threading.Lock()

    def at(self, ordinal: int, keep: bool = True) -> Article:
        """The article at this position of the corpus order (kept in the cache unless `keep` is False)."""
        with self._lock:
            article = self._cache.get(ordinal)
            if article is not None and keep:
                self._cache.move_to_end(ordinal)
        if article is not None:
            return article
        article = _article(self.databases.article(int(self.segment[ordinal]), int(self.rowid[ordinal])))
        if keep:
            with self._lock:
                self._cache[ordinal] = article
                while len(self._cache) > ARTICLE_CACHE:
                    self._cache.popitem(last=False)
        return article

    def headings(self) -> list[tuple[str, str, str | None]]:
        """(source, title, date) of every article, in corpus order, read without decoding the articles."""
        by_segment = {int(seg): self.databases.headings(int(seg)) for seg in np.unique(self.segment)}
        return [
            (source, *by_segment[int(self.segment[i])][int(self.rowid[i])]) for i, source in enumerate(self.sources)
        ]

    def __getitem__(self, source: str) -> Article:
        return self.at(self.ordinals[source])

    def values(self) -> ValuesView[Article]:
        """Every article in corpus order, read one by one without filling the cache: a pass over the whole
        corpus neither holds it in memory nor pushes out the articles answers come back to."""
        return _Passing(self)

    def __contains__(self, source: object) -> bool:
        return source in self.ordinals

    def __iter__(self) -> Iterator[str]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)


class _Passing(ValuesView[Article]):
    _mapping: StoredArticles

    def __iter__(self) -> Iterator[Article]:
        return (self._mapping.at(i, keep=False) for i in range(len(self._mapping)))


class StoredChunks(Sequence[Chunk]):
    """The chunks of a version, chunk id -> Chunk, made when asked from numpy columns (per chunk: its article's
    ordinal, its position in the article, start, end, line_start, line_end, first sentence row, sentence count)
    and its article (the text and sentence spans are the article's: a chunk is a run of its sentences)."""

    def __init__(self, articles: StoredArticles, columns: np.ndarray, first_row: np.ndarray) -> None:
        self.articles = articles
        self.columns = columns  # (chunks, 8) int32, in the order above
        self.first_row = first_row  # per article: its first sentence row
        self.bounds = np.searchsorted(columns[:, 0], np.arange(len(articles) + 1))  # per article: its first chunk

    def __len__(self) -> int:
        return len(self.columns)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...
    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...
    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        j = int(i) + n if i < 0 else int(i)
        if not 0 <= j < n:
            raise IndexError(f"chunk {i} of {n}")
        a, ordinal, start, end, line_start, line_end, first, count = self.columns[j].tolist()
        article = self.articles.at(a)
        k = first - int(self.first_row[a])
        return Chunk.model_construct(  # from a validated article and checked columns
            id=j,
            source=article.source,
            ordinal=ordinal,
            text=article.text[start:end],
            start=start,
            end=end,
            line_start=line_start,
            line_end=line_end,
            sentences=article.sentences[k : k + count],
            first_sentence=first,
        )

    def __iter__(self) -> Iterator[Chunk]:
        return (self[j] for j in range(len(self)))

    def __eq__(self, other: object) -> bool:  # like a list: the same chunks in the same order
        return isinstance(other, Sequence) and len(other) == len(self) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def count_of(self, source: str) -> int:
        """How many chunks one article has (from the columns: nothing is read)."""
        a = self.articles.ordinals.get(source)
        return 0 if a is None else int(self.bounds[a + 1] - self.bounds[a])

    def of_article(self, source: str) -> list[Chunk]:
        a = self.articles.ordinals.get(source)
        if a is None:
            return []
        return [self[j] for j in range(int(self.bounds[a]), int(self.bounds[a + 1]))]


def open_sqlite(paths: list[Path]) -> tuple[StoredArticles, StoredChunks, SentenceRows]:
    """The articles and chunks of all segments, in order (ids and sentence rows run on across them), and the
    sentence rows. Only the columns are read now (no text, no parses); the articles are read when asked."""
    databases = _Databases(paths)
    sources: list[str] = []
    segment_of: list[int] = []
    rowids: list[int] = []
    spans: list[np.ndarray] = []
    for s, db in enumerate(databases.connections):
        for rowid, source, raw in db.execute("SELECT rowid, source, sentences FROM articles ORDER BY position"):
            sources.append(source)
            segment_of.append(s)
            rowids.append(rowid)
            spans.append(np.array(json.loads(raw), dtype=np.int32).reshape(-1, 2))
    counts = np.array([len(s) for s in spans], dtype=np.int64)
    span = np.concatenate(spans) if spans else np.zeros((0, 2), dtype=np.int32)
    del spans
    first_row = np.cumsum(counts) - counts
    ordinals = {source: i for i, source in enumerate(sources)}
    blocks: list[np.ndarray] = []
    for db in databases.connections:
        cursor = db.execute(
            "SELECT source, ordinal, start, end, line_start, line_end, first_sentence, json_array_length(sentences),"
            " id FROM chunks ORDER BY id"
        )
        while block := cursor.fetchmany(BLOCK):
            blocks.append(np.array([(ordinals[r[0]], *r[1:]) for r in block], dtype=np.int64).reshape(-1, 9))
    table = np.concatenate(blocks) if blocks else np.zeros((0, 9), dtype=np.int64)
    del blocks
    _check_chunks(table, first_row, counts, span)
    if len(table) and (table.min() < 0 or table.max() > np.iinfo(np.int32).max):
        raise ValueError("chunk columns out of range")
    columns = table[:, :8].astype(np.int32)
    del table
    articles = StoredArticles(
        databases, sources, np.array(segment_of, dtype=np.int16), np.array(rowids, dtype=np.int64)
    )
    chunks = StoredChunks(articles, columns, first_row)
    rows = SentenceRows.build(
        sources,
        np.repeat(np.arange(len(sources), dtype=np.int32), counts),
        span[:, 0].copy(),
        span[:, 1].copy(),
        columns[:, 6],
        columns[:, 7],
    )
    return articles, chunks, rows


def _check_chunks(table: np.ndarray, first_row: np.ndarray, counts: np.ndarray, span: np.ndarray) -> None:
    """What the chunk columns must hold for a chunk to be made from its article: ids 0..n-1; an article's chunks
    consecutive and numbered from 0, its first one at the article's first row; each a run of its article's
    sentences from its start to its end."""
    article, ordinal, start, end, _, _, first, count, ids = table.T
    n = len(table)
    if not np.array_equal(ids, np.arange(n)):
        raise ValueError("chunk ids are not contiguous")
    if n == 0:
        return
    if np.any(np.diff(article) < 0):
        raise ValueError("the chunks of an article are not together")
    if np.any(ordinal != np.arange(n) - np.searchsorted(article, article)):
        raise ValueError("chunk ordinals are out of order")
    if np.any(first[ordinal == 0] != first_row[article[ordinal == 0]]):
        raise ValueError("sentence rows are out of order")
    last = first + count - 1
    if np.any(count < 1) or np.any(first < first_row[article]) or np.any(last >= first_row[article] + counts[article]):
        raise ValueError("a chunk holds sentences of another article")
    if np.any(span[first, 0] != start) or np.any(span[last, 1] != end):
        raise ValueError("a chunk's offsets are not its sentences'")


def chunk_texts(paths: list[Path]) -> list[str]:
    """The chunk texts of SQLite files written by `write_sqlite`, in id order (what BM25 is built from)."""
    texts: list[str] = []
    for path in paths:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            texts.extend(row[0] for row in db.execute("SELECT text FROM chunks ORDER BY id"))
        finally:
            db.close()
    return texts


def _spans(raw: str) -> tuple[Span, ...]:
    return tuple(Span(start=a, end=b) for a, b in json.loads(raw))


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
