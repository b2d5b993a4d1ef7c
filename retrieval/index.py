"""Articles -> sentence vectors in FAISS + chunks in SQLite, on disk, rebuilt incrementally.

Layout of an index folder:
  CURRENT            the name of the live version folder (replaced atomically)
  LOCK               the writer lock (flock; it names its holder): one build at a time
  v-<time>/          one complete version
    manifest.json    model, dimension, chunking, index type, per-file hashes, segments, checksums of the rest
    vectors.npy      segment 0: one L2-normalised float32 row per sentence (np.save, no pickle)
    chunks.sqlite    segment 0: articles, chunks and sentences: text, offsets, line spans
    vectors-0001.npy, chunks-0001.sqlite, ...   further segments, one per append (ids continue)
    index.faiss      HNSW only: the graph over all rows (faiss.write_index); a flat index is made
                     from the vectors at load (it is a copy of them)

The dense unit is the sentence (what the answer engine scores); the retrieval unit is the chunk
(sentences packed with overlap). A build writes a new version folder and only then points CURRENT
at it, so a crash mid-build leaves the previous index in use. Readers take no lock: a version that is no
longer current is kept for GRACE_SECONDS (a reader may have read CURRENT just before the switch), then
collected by the next build. A write error (full disk, read-only folder) leaves no temporary files and
is IndexNotWritable; the previous version stays live.

Adding files is append-only: the new version hard-links the previous version's segment files (their
recorded checksums carry over, so damage to them is still caught at load), writes one more segment
with only the new articles, and checksums only what it wrote. Changed or removed files, a different
index type, or too many segments take the full path (everything rewritten as one segment; unchanged
articles keep their vectors, only new text is embedded).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.analysis import SentenceAnalyser, analyse_articles, parses_from_json, parses_to_json, spacy_analyser
from retrieval.chunking import ChunkConfig, SentenceSplitter, chunk_article, spacy_splitter, split_sentences
from retrieval.embed import Embedder, sha256_file
from retrieval.errors import IndexCorrupt, IndexMissing, IndexNotWritable, IndexOutdated
from retrieval.files import display_name
from retrieval.ingest import file_hashes, load_corpus
from retrieval.locking import writer_lock
from retrieval.records import Article, Chunk, Span

log = logging.getLogger(__name__)

FORMAT = 4  # 4: paragraphs and per-sentence parses stored with the articles; 3: segments, no stored flat index
READABLE_FORMATS = (4,)  # an index of an older format is outdated: rebuilt like a missing one
MAX_SEGMENTS = 32  # past this an append rewrites everything as one segment
HNSW_THRESHOLD = 200_000  # sentences; past this "auto" picks an approximate index
GRACE_SECONDS = 600.0  # a version no longer live is kept this long for readers that may still be opening it
LOCK_WAIT = 600.0  # how long a build waits for another writer before giving up (IndexBusy)


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
    version: str = ""  # the version folder it was loaded from (what CURRENT named)

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
        return sorted(set().union(*file_changes(self.manifest, file_hashes(corpus))))


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
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason); a .jsonl line: "line N: ..."
    unread: set[str] = field(default_factory=set)  # files left out whole (not in the manifest)
    seconds: float = 0.0
    index_type: str = ""
    up_to_date: bool = False


# ---------------------------------------------------------------- load


def current_version(index_dir: Path) -> Path:
    pointer = index_dir / "CURRENT"
    if not pointer.exists() and not pointer.is_symlink():
        raise IndexMissing(str(index_dir))
    try:
        name = pointer.read_bytes().decode("utf-8").strip()
    except (OSError, UnicodeDecodeError) as err:
        why = "is not a file" if pointer.is_dir() else f"cannot be read ({type(err).__name__})"
        raise IndexCorrupt(str(index_dir), f"CURRENT {why}") from err
    if not VERSION_NAME.fullmatch(name):
        raise IndexCorrupt(str(index_dir), f"CURRENT holds {name[:40]!r}, not a version name")
    version = index_dir / name
    if not version.is_dir():
        raise IndexCorrupt(str(index_dir), f"CURRENT names {version.name}, which does not exist")
    return version


VERSION_NAME = re.compile(r"v-[\w.-]+")  # what _publish names a version: no separators, never ".."
FILE_NAME = re.compile(r"\w[\w.-]*")  # a data file of a version
MANIFEST_TYPES = {
    "files": dict,
    "checksums": dict,
    "chunking": dict,
    "counts": dict,
    "model_id": str,
    "dim": int,
    "index_type": str,
}


def read_manifest(index_dir: Path, version: Path) -> dict[str, Any]:
    """The version's manifest with the types the loader relies on; IndexCorrupt (naming the fix) otherwise."""
    try:
        manifest = json.loads((version / "manifest.json").read_bytes())
    except (OSError, ValueError, RecursionError) as err:
        raise IndexCorrupt(str(index_dir), f"manifest.json cannot be read ({type(err).__name__})") from err
    if not isinstance(manifest, dict):
        raise IndexCorrupt(str(index_dir), f"manifest.json holds {type(manifest).__name__}, not an object")
    for key, kind in MANIFEST_TYPES.items():
        if not isinstance(manifest.get(key), kind):
            raise IndexCorrupt(str(index_dir), f'manifest.json has no "{key}" {kind.__name__}')
    checksums = manifest["checksums"]
    if not all(_is_file_name(k) and _is_checksum(v) for k, v in checksums.items()):
        raise IndexCorrupt(str(index_dir), 'manifest.json "checksums" are not file names with [sha256, size]')
    if not all(isinstance(manifest["counts"].get(n), int) for n in ("articles", "chunks", "sentences")):
        raise IndexCorrupt(str(index_dir), 'manifest.json "counts" are not numbers')
    segments = manifest.get("segments")
    if manifest.get("format") != 2 and not (
        isinstance(segments, list)
        and segments
        and all(
            isinstance(s, dict)
            and _is_file_name(s.get("vectors"))
            and _is_file_name(s.get("sqlite"))
            and all(isinstance(s.get(n), int) for n in ("articles", "chunks", "sentences"))
            for s in segments
        )
    ):
        raise IndexCorrupt(str(index_dir), 'manifest.json "segments" are not what this qabot wrote')
    faiss_file = manifest.get("faiss_file")
    if faiss_file is not None and not _is_file_name(faiss_file):
        raise IndexCorrupt(str(index_dir), 'manifest.json "faiss_file" is not a file name')
    return manifest


def _is_file_name(name: object) -> bool:
    """A plain file name inside the version folder (no folder part, no "..")."""
    return isinstance(name, str) and FILE_NAME.fullmatch(name) is not None


def _is_checksum(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int)


def skipped_files(manifest: dict[str, Any], hashes: dict[str, str]) -> dict[str, str]:
    """Files the build read and left out whole (unreadable, too long, ...) that are still there unchanged:
    they are not read again until they change."""
    skipped = manifest.get("skipped")
    return {p: h for p, h in skipped.items() if hashes.get(p) == h} if isinstance(skipped, dict) else {}


def file_changes(manifest: dict[str, Any], hashes: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(added, changed, removed) files of the corpus (`hashes`) against an index's manifest."""
    files: dict[str, str] = manifest["files"]
    skipped = skipped_files(manifest, hashes)
    added = sorted(p for p in hashes if p not in files and p not in skipped)
    changed = sorted(p for p in hashes if p in files and files[p] != hashes[p])
    removed = sorted(p for p in files if p not in hashes)
    return added, changed, removed


def segments_of(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's segments in order; a format-2 manifest is one segment."""
    if manifest.get("format") == 2:
        counts = manifest["counts"]
        return [{"vectors": "vectors.npy", "sqlite": "chunks.sqlite", **counts}]
    segments = manifest["segments"]
    assert isinstance(segments, list)
    return segments


def faiss_file_of(manifest: dict[str, Any]) -> str | None:
    """The stored FAISS file, if any (format 2 always stored one; format 3 only for HNSW)."""
    if manifest.get("format") == 2:
        return "index.faiss"
    name = manifest.get("faiss_file")
    return str(name) if name else None


def load_index(index_dir: Path, verify: bool = True) -> Index:
    """The live version, whole. If a writer switched CURRENT while it was being read (and the version read
    has since been collected), the new live version is read instead."""
    for attempt in range(3):
        version = current_version(index_dir)
        try:
            return _load_version(index_dir, version, verify)
        except IndexCorrupt:
            if attempt == 2 or current_version(index_dir) == version:
                raise
            log.info("the index changed while it was being read: reading the new version")
    raise AssertionError("unreachable")


def _load_version(index_dir: Path, version: Path, verify: bool) -> Index:
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
        parts = []
        for segment in segments:
            part = np.load(version / segment["vectors"], allow_pickle=False)
            if part.ndim != 2 or part.shape != (int(segment["sentences"]), dim):
                raise IndexCorrupt(str(index_dir), f"{segment['vectors']} does not hold the vectors it should")
            parts.append(part)
        vectors = parts[0] if len(parts) == 1 else np.concatenate(parts)
        stored = faiss_file_of(manifest)
        if stored is not None:
            faiss_index = faiss.read_index(str(version / stored))
        else:
            faiss_index = make_faiss(str(manifest["index_type"]), vectors.reshape(-1, dim))
        articles, chunks, sentences = _read_sqlite([version / segment["sqlite"] for segment in segments])
    except (IndexCorrupt, IndexMissing):
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RuntimeError, sqlite3.Error) as err:
        raise IndexCorrupt(str(index_dir), f"{type(err).__name__}: {err}") from err
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
        version=version.name,
    )


def _spans(raw: str) -> tuple[Span, ...]:
    return tuple(Span(start=a, end=b) for a, b in json.loads(raw))


def _read_sqlite(paths: list[Path]) -> tuple[dict[str, Article], list[Chunk], list[tuple[str, Span]]]:
    """Articles, chunks and sentence rows of all segments, in order (ids and positions run on across them)."""
    articles: dict[str, Article] = {}
    chunks: list[Chunk] = []
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
                    sentences=_spans(row[8]),
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
    sentences: list[tuple[str, Span]] = []
    firsts = {c.source: c.first_sentence for c in chunks if c.ordinal == 0}  # one pass, not one per article
    for article in articles.values():
        first = firsts.get(article.source)
        if first is not None and first != len(sentences):
            raise ValueError("sentence rows are out of order")
        sentences.extend((article.source, span) for span in article.sentences)
    return articles, chunks, sentences


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
    analyser: SentenceAnalyser | None = None,
    progress: bool = False,
    batch_size: int = 64,
    on_stage: Callable[[str], None] | None = None,
    lock_wait: float = LOCK_WAIT,
) -> BuildReport:
    """Bring the index at index_dir up to date with the corpus, embedding only what changed.

    Only one process writes at a time: a build that has work to do takes the index's writer lock, waiting
    up to `lock_wait` seconds (IndexBusy names the holder after that). IndexNotWritable when the new
    version cannot be written (a full disk, a read-only folder): the previous version stays live."""
    with ExitStack() as held:

        def take_lock() -> None:
            held.enter_context(writer_lock(index_dir, lock_wait, on_wait=on_stage))

        return _build_index(
            corpus,
            index_dir,
            embedder,
            config,
            rebuild,
            index_type,
            splitter,
            analyser,
            progress,
            batch_size,
            on_stage,
            take_lock,
        )


def _build_index(
    corpus: Path,
    index_dir: Path,
    embedder: Embedder,
    config: ChunkConfig | None,
    rebuild: bool,
    index_type: str,
    splitter: SentenceSplitter | None,
    analyser: SentenceAnalyser | None,
    progress: bool,
    batch_size: int,
    on_stage: Callable[[str], None] | None,
    take_lock: Callable[[], None],
) -> BuildReport:
    started = time.perf_counter()
    config = config or ChunkConfig()
    report = BuildReport()
    hashes = file_hashes(corpus, report.skipped) if corpus.is_dir() else {}
    if not corpus.is_dir():
        load_corpus(corpus)  # raises the CorpusError with its message
    manifest = None if rebuild else _unchanged(index_dir, embedder, config, hashes)
    if manifest is None:  # work to do: one writer at a time, then look again (the one we waited for may have done it)
        take_lock()
        manifest = None if rebuild else _unchanged(index_dir, embedder, config, hashes)
        for path, reason in report.skipped:  # links out of the corpus (file_hashes never reads them)
            log.warning("skipping %s: %s", display_name(path), reason)
    if manifest is not None:  # nothing to do, decided from the manifest alone: no index data read
        _report_counts(report, manifest, len(hashes))
        report.up_to_date = True
        report.seconds = time.perf_counter() - started
        return report
    work = _Work(embedder, splitter, analyser, batch_size, progress, on_stage)
    if not rebuild and _append(corpus, index_dir, config, index_type, hashes, work, report):
        report.seconds = time.perf_counter() - started
        return report
    previous = None if rebuild else _compatible_previous(index_dir, embedder, config)
    if previous is not None:
        report.added, report.changed, report.removed = file_changes(previous.manifest, hashes)
    else:
        report.added = sorted(hashes)
    if previous is not None and not (report.added or report.changed or report.removed):
        report.up_to_date = True
        report.files = len(hashes)
        report.articles, report.chunks = len(previous.articles), len(previous.chunks)
        report.sentences = len(previous.sentence_source)
        report.index_type = str(previous.manifest["index_type"])
        report.seconds = time.perf_counter() - started
        return report

    todo = set(report.added) | set(report.changed) if previous else set(hashes)
    new_articles, new_vectors = work.articles_and_vectors(corpus, todo, report)

    # Keep unchanged articles (and their vectors) from the previous build, in their old order.
    kept: list[tuple[Article, np.ndarray]] = []
    if previous is not None:
        keep_files = {p for p in hashes if p not in todo}
        row = 0
        for article in previous.articles.values():
            n = len(article.sentences)
            if article.file in keep_files:
                kept.append((article, previous.vectors[row : row + n]))
            row += n

    articles = [a for a, _ in kept] + new_articles
    vectors = np.concatenate([v for _, v in kept] + [new_vectors]).astype(np.float32, copy=False)
    vectors = vectors.reshape(-1, embedder.dim)
    chunks = _chunks(articles, config, first_id=0, first_sentence=0)

    kind = choose_index_type(index_type, len(vectors))
    skipped = {
        **(skipped_files(previous.manifest, hashes) if previous else {}),
        **{p: hashes[p] for p in report.unread if p in hashes},
    }
    manifest = {
        "format": FORMAT,
        "model_id": embedder.model_id,
        "dim": embedder.dim,
        "chunking": config.describe(),
        "index_type": kind,
        "corpus": str(corpus.resolve()),
        "files": {p: h for p, h in hashes.items() if p not in skipped},
        "skipped": skipped,  # read and left out whole: not read again until they change
        "counts": {"articles": len(articles), "chunks": len(chunks), "sentences": len(vectors)},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if on_stage:
        on_stage(f"writing a {kind} index of {len(vectors)} vectors")
    _write_version(index_dir, manifest, articles, chunks, vectors)

    _report_counts(report, manifest, len(manifest["files"]))  # type: ignore[arg-type]
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _Work:
    """What a build needs to turn files into articles with sentences and their vectors."""

    embedder: Embedder
    splitter: SentenceSplitter | None
    analyser: SentenceAnalyser | None
    batch_size: int
    progress: bool
    on_stage: Callable[[str], None] | None

    def articles_and_vectors(self, corpus: Path, files: set[str], report: BuildReport) -> tuple[list[Article], Any]:
        """The files' articles with their sentences, and one vector per sentence (only these are embedded)."""
        fresh = load_corpus(corpus, only=files)
        report.skipped += fresh.skipped
        report.unread |= fresh.unread
        if self.on_stage:
            self.on_stage(f"splitting {len(fresh.articles)} articles into sentences")
        articles = split_sentences(fresh.articles, self.splitter or spacy_splitter()) if fresh.articles else []
        if articles:
            if self.on_stage:
                self.on_stage(f"parsing {sum(len(a.sentences) for a in articles)} sentences")
            articles = analyse_articles(articles, self.analyser or spacy_analyser())
        texts = [a.text[s.start : s.end] for a in articles for s in a.sentences]
        if self.on_stage:
            self.on_stage(f"embedding {len(texts)} sentences")
        vectors = (
            self.embedder.embed(texts, batch_size=self.batch_size, progress=self.progress)
            if texts
            else np.zeros((0, self.embedder.dim), dtype=np.float32)
        )
        report.embedded = len(texts)
        return articles, np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.embedder.dim)


def _chunks(articles: list[Article], config: ChunkConfig, first_id: int, first_sentence: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    row = first_sentence
    for article in articles:
        chunks.extend(chunk_article(article, config, first_id=first_id + len(chunks), first_sentence=row))
        row += len(article.sentences)
    return chunks


def _report_counts(report: BuildReport, manifest: dict[str, Any], files: int) -> None:
    counts = manifest["counts"]
    report.files = files
    report.articles, report.chunks, report.sentences = counts["articles"], counts["chunks"], counts["sentences"]
    report.index_type = str(manifest["index_type"])


def _append(
    corpus: Path,
    index_dir: Path,
    config: ChunkConfig,
    index_type: str,
    hashes: dict[str, str],
    work: _Work,
    report: BuildReport,
) -> bool:
    """Files were only added: write a version that links the previous segments and adds one segment.

    False (and nothing written) when the full path must run instead: no usable previous index, files
    changed or removed, another model, chunking or index type, a data file missing or of the wrong
    size, or too many segments. The previous data is not re-read: its checksums carry over and are
    verified when the index is loaded."""
    try:
        version = current_version(index_dir)
        old = read_manifest(index_dir, version)
        if old.get("format") not in READABLE_FORMATS:
            return False
        old_files: dict[str, str] = old["files"]
        segments = segments_of(old)
        checksums: dict[str, list] = old["checksums"]
        counts = old["counts"]
        added, changed, removed = file_changes(old, hashes)
        same = (
            old.get("model_id") == work.embedder.model_id
            and int(old.get("dim", -1)) == work.embedder.dim
            and old.get("chunking") == config.describe()
            and not changed
            and not removed
            and len(segments) < MAX_SEGMENTS
        )
        carried = [segment[key] for segment in segments for key in ("vectors", "sqlite")]
        stored = faiss_file_of(old)
        same = same and all(
            name in checksums and (version / name).is_file() and (version / name).stat().st_size == checksums[name][1]
            for name in carried + ([stored] if stored else [])
        )
    except (IndexMissing, IndexCorrupt, OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    if not same or not added:
        return False
    kind = str(old.get("index_type"))
    if choose_index_type(index_type, int(counts["sentences"])) != kind or (kind == "hnsw" and stored is None):
        return False
    if kind == "hnsw" and _checksum(version / str(stored)) != list(checksums[str(stored)]):
        return False  # the graph is read and extended, not linked: check it first (the full path then rebuilds)

    report.added = added
    articles, vectors = work.articles_and_vectors(corpus, set(added), report)
    if choose_index_type(index_type, int(counts["sentences"]) + len(vectors)) != kind:
        return False  # this append crosses the "auto" threshold: the full path builds the other type
    files = {**old_files, **{p: hashes[p] for p in added if p not in report.unread}}
    skipped = {**skipped_files(old, hashes), **{p: hashes[p] for p in added if p in report.unread}}
    if not articles:  # every added file was skipped (empty, unreadable): only the manifest changes
        remembered = {**old, "corpus": str(corpus.resolve()), "files": files, "skipped": skipped}
        carried_all = carried + ([str(stored)] if stored else [])
        _publish(index_dir, remembered, lambda tmp: _link_carried(version, tmp, carried_all, checksums))
        _report_counts(report, old, len(files))
        return True
    first_article, first_chunk, first_sentence = (int(counts[k]) for k in ("articles", "chunks", "sentences"))
    chunks = _chunks(articles, config, first_id=first_chunk, first_sentence=first_sentence)
    vectors_file, sqlite_file = f"vectors-{len(segments):04d}.npy", f"chunks-{len(segments):04d}.sqlite"
    segment = {
        "vectors": vectors_file,
        "sqlite": sqlite_file,
        "articles": len(articles),
        "chunks": len(chunks),
        "sentences": len(vectors),
    }
    manifest = {
        **old,
        "format": FORMAT,
        "corpus": str(corpus.resolve()),
        "files": files,
        "skipped": skipped,
        "counts": {
            "articles": first_article + len(articles),
            "chunks": first_chunk + len(chunks),
            "sentences": first_sentence + len(vectors),
        },
        "segments": [*segments, segment],
        "faiss_file": "index.faiss" if kind == "hnsw" else None,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }

    def write(tmp: Path) -> dict[str, list]:
        import faiss

        sums = {}
        for name in carried:  # unchanged: linked, checksum carried over (verified at load)
            _link_or_copy(version / name, tmp / name)
            sums[name] = checksums[name]
        np.save(tmp / vectors_file, vectors, allow_pickle=False)
        _write_sqlite(tmp / sqlite_file, articles, chunks, first_article)
        written = [vectors_file, sqlite_file]
        if kind == "hnsw":  # the stored graph grows by the new vectors only
            assert stored is not None
            graph = faiss.read_index(str(version / stored))
            if graph.ntotal != first_sentence:
                raise IndexCorrupt(str(index_dir), f"{stored} holds {graph.ntotal} vectors, not {first_sentence}")
            graph.add(vectors)
            faiss.write_index(graph, str(tmp / "index.faiss"))
            written.append("index.faiss")
        sums.update({name: _checksum(tmp / name) for name in written})
        return sums

    if work.on_stage:
        work.on_stage(f"appending {len(articles)} articles ({len(vectors)} vectors) to the {kind} index")
    _publish(index_dir, manifest, write)
    _report_counts(report, manifest, len(files))
    return True


def _link_carried(version: Path, tmp: Path, names: list[str], checksums: dict[str, list]) -> dict[str, list]:
    """The previous version's data files linked into the new one, their checksums carried over."""
    for name in names:
        _link_or_copy(version / name, tmp / name)
    return {name: checksums[name] for name in names}


def _unchanged(index_dir: Path, embedder: Embedder, config: ChunkConfig, hashes: dict[str, str]) -> dict | None:
    """The live manifest when the index was built with this model and chunking from exactly these files and
    its data files are all present at their recorded sizes; else None (and the full check runs). Cheap: the
    content checksums are verified when the index is loaded, which names `qabot index --rebuild` on a mismatch."""
    try:
        version = current_version(index_dir)
        manifest = read_manifest(index_dir, version)
        same = (
            manifest.get("format") in READABLE_FORMATS
            and manifest.get("model_id") == embedder.model_id
            and int(manifest.get("dim", -1)) == embedder.dim
            and manifest.get("chunking") == config.describe()
            and not any(file_changes(manifest, hashes))
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


def _checksum(path: Path) -> list:
    return [sha256_file(path), path.stat().st_size]


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link (versions are never modified in place, so sharing the data is safe), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _publish(index_dir: Path, manifest: dict[str, object], write: Callable[[Path], dict[str, list]]) -> None:
    """Write a version folder (write() fills it and returns the checksums of its data files), then switch
    CURRENT to it atomically and collect the versions retired more than GRACE_SECONDS ago. A failure leaves
    the previous version live and no temporary files; a write error (full disk, read-only folder) is
    IndexNotWritable. The caller holds the writer lock."""
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**6}"
    version = index_dir / name
    tmp = index_dir / f".tmp-{name}"
    pointer = index_dir / ".CURRENT.tmp"
    try:
        previous = current_version(index_dir).name
    except (IndexMissing, IndexCorrupt):
        previous = None
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        manifest["checksums"] = write(tmp)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        os.replace(tmp, version)
        pointer.write_text(name)
        with pointer.open("rb") as fh:
            os.fsync(fh.fileno())
        if (index_dir / "CURRENT").is_dir() and not (index_dir / "CURRENT").is_symlink():
            shutil.rmtree(index_dir / "CURRENT")  # damage (load_index reports it): a rebuild repairs it
        os.replace(pointer, index_dir / "CURRENT")  # the switch: atomic on POSIX
    except BaseException as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if not _names(index_dir, version.name):  # written but never made live
            shutil.rmtree(version, ignore_errors=True)
        pointer.unlink(missing_ok=True)
        if isinstance(err, (OSError, sqlite3.Error)) and not isinstance(err, IndexCorrupt):
            raise IndexNotWritable(str(index_dir), err) from err
        raise
    if previous is not None:
        _retire(index_dir / previous)
    collect_versions(index_dir, keep=name)


def _names(index_dir: Path, name: str) -> bool:
    try:
        return current_version(index_dir).name == name
    except (IndexMissing, IndexCorrupt):
        return False


def _retire(version: Path) -> None:
    """Mark when a version stopped being live: its folder's time is the start of its grace period."""
    with suppress(OSError):
        os.utime(version)


def collect_versions(index_dir: Path, keep: str, grace: float | None = None) -> list[str]:
    """Remove versions retired more than `grace` seconds ago (a reader that read CURRENT just before the
    switch may still be opening one) and leftovers of interrupted builds. Needs the writer lock."""
    grace = GRACE_SECONDS if grace is None else grace
    removed = []
    for old in index_dir.iterdir():
        if not old.is_dir() or old.is_symlink() or old.name == keep:
            continue
        try:
            expired = time.time() - old.stat().st_mtime > grace
        except OSError:
            continue
        if old.name.startswith(".tmp-") or (old.name.startswith("v-") and expired):
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old.name)
    return removed


def _write_version(
    index_dir: Path, manifest: dict[str, object], articles: list[Article], chunks: list[Chunk], vectors: np.ndarray
) -> None:
    """A complete version as one segment (and, for HNSW, the graph)."""
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
    manifest["faiss_file"] = "index.faiss" if kind == "hnsw" else None

    def write(tmp: Path) -> dict[str, list]:
        np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
        written = ["vectors.npy", "chunks.sqlite"]
        if kind == "hnsw":
            faiss.write_index(make_faiss(kind, vectors), str(tmp / "index.faiss"))
            written.append("index.faiss")
        _write_sqlite(tmp / "chunks.sqlite", articles, chunks)
        return {name: _checksum(tmp / name) for name in written}

    _publish(index_dir, manifest, write)


def _write_sqlite(path: Path, articles: list[Article], chunks: list[Chunk], first_position: int = 0) -> None:
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
