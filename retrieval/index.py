"""Articles -> sentence vectors in FAISS + chunks in SQLite, on disk, rebuilt incrementally.

Layout of an index folder:
  CURRENT            the name of the live version folder (replaced atomically)
  v-<time>/          one complete build
    manifest.json    model, dimension, chunking, index type, per-file hashes, checksums of the rest
    vectors.npy      one L2-normalised float32 row per sentence (np.save, no pickle)
    index.faiss      the search structure over those rows (faiss.write_index)
    chunks.sqlite    articles, chunks and sentences: text, offsets, line spans

The dense unit is the sentence (what the answer engine scores); the retrieval unit is the chunk
(sentences packed with overlap). A build writes a new version folder and only then points CURRENT
at it, so a crash mid-build leaves the previous index in use.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.chunking import ChunkConfig, SentenceSplitter, chunk_article, spacy_splitter, split_sentences
from retrieval.embed import Embedder, sha256_file
from retrieval.errors import IndexCorrupt, IndexMissing
from retrieval.ingest import file_hashes, load_corpus
from retrieval.records import Article, Chunk, Span

log = logging.getLogger(__name__)

FORMAT = 2
HNSW_THRESHOLD = 200_000  # sentences; past this "auto" picks an approximate index


@dataclass
class Index:
    """A loaded index: everything in memory, ready to search."""

    path: Path
    manifest: dict[str, object]
    articles: dict[str, Article]
    chunks: list[Chunk]
    vectors: np.ndarray  # (sentences, dim)
    sentence_source: list[str]  # per sentence row: its article's source
    sentence_span: list[Span]  # per sentence row: its span in the article text
    sentence_chunks: list[tuple[int, ...]]  # per sentence row: the chunks that contain it
    faiss_index: Any = field(repr=False)

    @property
    def model_id(self) -> str:
        return str(self.manifest["model_id"])

    @property
    def files(self) -> dict[str, str]:
        files = self.manifest["files"]
        assert isinstance(files, dict)
        return files

    def sentence_text(self, row: int) -> str:
        span = self.sentence_span[row]
        return self.articles[self.sentence_source[row]].text[span.start : span.end]

    def stale_files(self, corpus: Path) -> list[str]:
        """Files added, changed or removed since the build."""
        now = file_hashes(corpus)
        return sorted(p for p in set(now) | set(self.files) if now.get(p) != self.files.get(p))


@dataclass
class BuildReport:
    files: int = 0
    articles: int = 0
    chunks: int = 0
    sentences: int = 0
    embedded: int = 0  # sentences embedded by this run
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    index_type: str = ""
    up_to_date: bool = False


# ---------------------------------------------------------------- load


def current_version(index_dir: Path) -> Path:
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        raise IndexMissing(str(index_dir))
    version = index_dir / pointer.read_text().strip()
    if not version.is_dir():
        raise IndexCorrupt(str(index_dir), f"CURRENT names {version.name}, which does not exist")
    return version


def load_index(index_dir: Path, verify: bool = True) -> Index:
    import faiss

    version = current_version(index_dir)
    try:
        manifest = json.loads((version / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise IndexCorrupt(str(index_dir), f"format {manifest.get('format')} is not {FORMAT}")
        if verify:
            for name, (sha, size) in manifest["checksums"].items():
                file = version / name
                if not file.is_file() or file.stat().st_size != size or sha256_file(file) != sha:
                    raise IndexCorrupt(str(index_dir), f"{name} is missing, truncated or altered")
        vectors = np.load(version / "vectors.npy", allow_pickle=False)
        faiss_index = faiss.read_index(str(version / "index.faiss"))
        articles, chunks, sentences = _read_sqlite(version / "chunks.sqlite")
    except IndexCorrupt:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, sqlite3.Error) as err:
        raise IndexCorrupt(str(index_dir), f"{type(err).__name__}: {err}") from err
    dim = int(manifest["dim"])
    if vectors.ndim != 2 or vectors.shape != (len(sentences), dim) or faiss_index.ntotal != len(sentences):
        raise IndexCorrupt(str(index_dir), "vector count or dimension does not match the sentences")
    sentence_chunks: list[list[int]] = [[] for _ in sentences]
    for chunk in chunks:
        for i in range(len(chunk.sentences)):
            sentence_chunks[chunk.first_sentence + i].append(chunk.id)
    return Index(
        path=index_dir,
        manifest=manifest,
        articles=articles,
        chunks=chunks,
        vectors=vectors,
        sentence_source=[s for s, _ in sentences],
        sentence_span=[span for _, span in sentences],
        sentence_chunks=[tuple(c) for c in sentence_chunks],
        faiss_index=faiss_index,
    )


def _spans(raw: str) -> tuple[Span, ...]:
    return tuple(Span(start=a, end=b) for a, b in json.loads(raw))


def _read_sqlite(path: Path) -> tuple[dict[str, Article], list[Chunk], list[tuple[str, Span]]]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        articles = {}
        for row in db.execute(
            "SELECT source, title, date, url, sha256, text, line_offset, boilerplate, sentences FROM articles"
            " ORDER BY position"
        ):
            articles[row[0]] = Article(
                source=row[0],
                title=row[1],
                date=row[2],
                url=row[3],
                sha256=row[4],
                text=row[5],
                line_offset=row[6],
                boilerplate=_spans(row[7]),
                sentences=_spans(row[8]),
            )
        chunks = [
            Chunk(
                id=row[0],
                source=row[1],
                ordinal=row[2],
                text=row[3],
                start=row[4],
                end=row[5],
                line_start=row[6],
                line_end=row[7],
                sentences=_spans(row[8]),
                first_sentence=row[9],
            )
            for row in db.execute(
                "SELECT id, source, ordinal, text, start, end, line_start, line_end, sentences, first_sentence"
                " FROM chunks ORDER BY id"
            )
        ]
    finally:
        db.close()
    if [c.id for c in chunks] != list(range(len(chunks))):
        raise ValueError("chunk ids are not contiguous")
    sentences: list[tuple[str, Span]] = []
    firsts = {c.source: c.first_sentence for c in chunks if c.ordinal == 0}  # one pass, not one per article
    for article in articles.values():
        first = firsts.get(article.source)
        if first is not None and first != len(sentences):
            raise ValueError("sentence rows are out of order")
        sentences.extend((article.source, span) for span in article.sentences)
    return articles, chunks, sentences


def article_first_sentence(chunks: list[Chunk], source: str) -> int | None:
    return next((c.first_sentence for c in chunks if c.source == source and c.ordinal == 0), None)


# ---------------------------------------------------------------- build


def build_index(
    corpus: Path,
    index_dir: Path,
    embedder: Embedder,
    config: ChunkConfig | None = None,
    rebuild: bool = False,
    index_type: str = "auto",
    splitter: SentenceSplitter | None = None,
    progress: bool = False,
    batch_size: int = 64,
    on_stage: Callable[[str], None] | None = None,
) -> BuildReport:
    """Bring the index at index_dir up to date with the corpus, embedding only what changed."""
    started = time.perf_counter()
    config = config or ChunkConfig()
    report = BuildReport()
    hashes = file_hashes(corpus) if corpus.is_dir() else {}
    if not corpus.is_dir():
        load_corpus(corpus)  # raises the CorpusError with its message
    manifest = None if rebuild else _unchanged(index_dir, embedder, config, hashes)
    if manifest is not None:  # nothing to do, decided from the manifest alone: no index data read
        counts = manifest["counts"]
        report.up_to_date = True
        report.files = len(hashes)
        report.articles, report.chunks, report.sentences = counts["articles"], counts["chunks"], counts["sentences"]
        report.index_type = str(manifest["index_type"])
        report.seconds = time.perf_counter() - started
        return report
    previous = None if rebuild else _compatible_previous(index_dir, embedder, config)
    old_files = previous.files if previous else {}
    report.added = sorted(p for p in hashes if p not in old_files)
    report.changed = sorted(p for p in hashes if p in old_files and old_files[p] != hashes[p])
    report.removed = sorted(p for p in old_files if p not in hashes)
    if previous is not None and not (report.added or report.changed or report.removed):
        report.up_to_date = True
        report.files = len(hashes)
        report.articles, report.chunks = len(previous.articles), len(previous.chunks)
        report.sentences = len(previous.sentence_source)
        report.index_type = str(previous.manifest["index_type"])
        report.seconds = time.perf_counter() - started
        return report

    todo = set(report.added) | set(report.changed) if previous else set(hashes)
    fresh = load_corpus(corpus, only=todo)
    report.skipped = fresh.skipped
    if on_stage:
        on_stage(f"splitting {len(fresh.articles)} articles into sentences")
    new_articles = split_sentences(fresh.articles, splitter or spacy_splitter())

    # Keep unchanged articles (and their vectors) from the previous build, in their old order.
    kept: list[tuple[Article, np.ndarray]] = []
    if previous is not None:
        keep_files = {p for p in hashes if p not in todo}
        row = 0
        for article in previous.articles.values():
            n = len(article.sentences)
            if _file_of(article.source) in keep_files:
                kept.append((article, previous.vectors[row : row + n]))
            row += n
    texts = [a.text[s.start : s.end] for a in new_articles for s in a.sentences]
    if on_stage:
        on_stage(f"embedding {len(texts)} sentences")
    new_vectors = (
        embedder.embed(texts, batch_size=batch_size, progress=progress)
        if texts
        else np.zeros((0, embedder.dim), dtype=np.float32)
    )
    report.embedded = len(texts)

    articles = [a for a, _ in kept] + new_articles
    vectors = np.concatenate([v for _, v in kept] + [new_vectors]).astype(np.float32, copy=False)
    vectors = vectors.reshape(-1, embedder.dim)
    chunks: list[Chunk] = []
    sentence_row = 0
    for article in articles:
        chunks.extend(chunk_article(article, config, first_id=len(chunks), first_sentence=sentence_row))
        sentence_row += len(article.sentences)

    kind = choose_index_type(index_type, len(vectors))
    manifest = {
        "format": FORMAT,
        "model_id": embedder.model_id,
        "dim": embedder.dim,
        "chunking": config.describe(),
        "index_type": kind,
        "corpus": str(corpus.resolve()),
        "files": {p: h for p, h in hashes.items() if p not in dict(fresh.skipped)},
        "counts": {"articles": len(articles), "chunks": len(chunks), "sentences": len(vectors)},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if on_stage:
        on_stage(f"writing a {kind} index of {len(vectors)} vectors")
    _write_version(index_dir, manifest, articles, chunks, vectors)

    report.files = len(manifest["files"])  # type: ignore[arg-type]
    report.articles, report.chunks, report.sentences = len(articles), len(chunks), len(vectors)
    report.index_type = kind
    report.seconds = time.perf_counter() - started
    return report


def _file_of(source: str) -> str:
    return source.split("#", 1)[0]


def _unchanged(index_dir: Path, embedder: Embedder, config: ChunkConfig, hashes: dict[str, str]) -> dict | None:
    """The live manifest when the index was built with this model and chunking from exactly these files and
    its data files are all present at their recorded sizes; else None (and the full check runs). Cheap: the
    content checksums are verified when the index is loaded, which names `qabot index --rebuild` on a mismatch."""
    try:
        version = current_version(index_dir)
        manifest = json.loads((version / "manifest.json").read_text())
        same = (
            manifest.get("format") == FORMAT
            and manifest.get("model_id") == embedder.model_id
            and int(manifest.get("dim", -1)) == embedder.dim
            and manifest.get("chunking") == config.describe()
            and manifest.get("files") == hashes
            and all(
                (version / name).is_file() and (version / name).stat().st_size == size
                for name, (_, size) in manifest["checksums"].items()
            )
        )
    except (IndexMissing, IndexCorrupt, OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return manifest if same else None


def _compatible_previous(index_dir: Path, embedder: Embedder, config: ChunkConfig) -> Index | None:
    """The existing index if it can be extended; None if absent, corrupt or built differently."""
    try:
        previous = load_index(index_dir)
    except IndexMissing:
        return None
    except IndexCorrupt as err:
        log.warning("ignoring the previous index: %s", err)
        return None
    same = (
        previous.model_id == embedder.model_id
        and int(str(previous.manifest["dim"])) == embedder.dim
        and previous.manifest["chunking"] == config.describe()
    )
    if not same:
        log.info("the embedding model or chunking changed: rebuilding everything")
    return previous if same else None


def choose_index_type(setting: str, n: int) -> str:
    if setting == "auto":
        return "hnsw" if n >= HNSW_THRESHOLD else "flat"
    if setting not in {"flat", "hnsw"}:
        raise ValueError(f"unknown index type {setting!r}: use auto, flat or hnsw")
    return setting


def make_faiss(kind: str, vectors: np.ndarray, hnsw_m: int = 32, ef_construction: int = 80, ef_search: int = 96) -> Any:
    import faiss

    dim = vectors.shape[1]
    index: Any
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.hnsw.efSearch = ef_search
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def _write_version(
    index_dir: Path, manifest: dict[str, object], articles: list[Article], chunks: list[Chunk], vectors: np.ndarray
) -> None:
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**6}"
    version = index_dir / name
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    try:
        np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
        faiss.write_index(make_faiss(str(manifest["index_type"]), vectors), str(tmp / "index.faiss"))
        _write_sqlite(tmp / "chunks.sqlite", articles, chunks)
        manifest["checksums"] = {
            f: [sha256_file(tmp / f), (tmp / f).stat().st_size] for f in ("vectors.npy", "index.faiss", "chunks.sqlite")
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        os.replace(tmp, version)
        pointer = index_dir / ".CURRENT.tmp"
        pointer.write_text(name)
        with pointer.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(pointer, index_dir / "CURRENT")  # the switch: atomic on POSIX
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in index_dir.iterdir():
        if old.is_dir() and old.name != name and (old.name.startswith("v-") or old.name.startswith(".tmp-")):
            shutil.rmtree(old, ignore_errors=True)


def _write_sqlite(path: Path, articles: list[Article], chunks: list[Chunk]) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(
            """
            CREATE TABLE articles (source TEXT PRIMARY KEY, title TEXT, date TEXT, url TEXT, sha256 TEXT,
                text TEXT, line_offset INTEGER, boilerplate TEXT, sentences TEXT, position INTEGER);
            CREATE TABLE chunks (id INTEGER PRIMARY KEY, source TEXT, ordinal INTEGER, text TEXT,
                start INTEGER, end INTEGER, line_start INTEGER, line_end INTEGER, sentences TEXT,
                first_sentence INTEGER);
            """
        )
        db.executemany(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?)",
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
                )
                for i, a in enumerate(articles)
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
        db.commit()
    finally:
        db.close()
