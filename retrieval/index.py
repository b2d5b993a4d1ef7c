"""Articles -> sentence vectors in FAISS + chunks in SQLite, on disk, rebuilt incrementally: the default
store's builder. The parts: the manifest (retrieval/manifest.py), ingest to sentences
(retrieval/sentences.py), publishing versions (retrieval/publish.py), the files of a version
(retrieval/stores/faiss.py); this module decides what a build does and loads the live version.

Layout of an index folder:
  CURRENT            the name of the live version folder (replaced atomically)
  LOCK               the writer lock (flock; it names its holder): one build at a time
  v-<time>/          one complete version
    manifest.json    model, dimension, chunking, index type, per-file hashes, segments, checksums of the rest
    vectors.npy      segment 0: one L2-normalised float32 row per sentence (np.save, no pickle)
    chunks.sqlite    segment 0: articles, chunks and sentences: text, offsets, line spans
    bm25-*           the BM25 model over all chunk texts (bm25s), made again by every build
    vectors-0001.npy, chunks-0001.sqlite, ...   further segments, one per append (ids continue)
    index.faiss      IVF and HNSW only: the index over all rows (faiss.write_index); a flat index is made
                     from the vectors at load (and then holds the only copy of them)

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

A caller with vectors of its own (a benchmark, another embedder run elsewhere) writes an index from
them with `write_index`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from retrieval.analysis import SentenceAnalyser
from retrieval.chunking import ChunkConfig, SentenceSplitter
from retrieval.embed import Embedder
from retrieval.errors import IndexCorrupt, IndexMissing
from retrieval.files import display_name
from retrieval.ingest import file_hashes, load_corpus
from retrieval.loaded import Index
from retrieval.locking import writer_lock
from retrieval.manifest import (
    FORMAT,
    READABLE_FORMATS,
    current_version,
    faiss_file_of,
    file_changes,
    read_manifest,
    segments_of,
    skipped_files,
)
from retrieval.publish import GRACE_SECONDS, checksum, collect_versions, link_carried, link_or_copy, publish
from retrieval.records import Article
from retrieval.sentences import BuildReport, SentenceWork, make_chunks, report_counts
from retrieval.stores.faiss import (
    BM25_FILES,
    IVF_THRESHOLD,
    STORED_TYPES,
    choose_index_type,
    chunk_texts,
    load_version,
    make_faiss,
    save_bm25,
    write_sqlite,
    write_version,
)

__all__ = [
    "FORMAT",
    "GRACE_SECONDS",
    "IVF_THRESHOLD",
    "LOCK_WAIT",
    "BuildReport",
    "Index",
    "build_index",
    "choose_index_type",
    "collect_versions",
    "current_version",
    "load_index",
    "make_faiss",
    "write_index",
]

log = logging.getLogger(__name__)

MAX_SEGMENTS = 32  # past this an append rewrites everything as one segment
LOCK_WAIT = 600.0  # how long a build waits for another writer before giving up (IndexBusy)


def load_index(index_dir: Path, verify: bool = True) -> Index:
    """The live version, whole. If a writer switched CURRENT while it was being read (and the version read
    has since been collected), the new live version is read instead."""
    for attempt in range(3):
        version = current_version(index_dir)
        try:
            return load_version(index_dir, version, verify)
        except IndexCorrupt:
            if attempt == 2 or current_version(index_dir) == version:
                raise
            log.info("the index changed while it was being read: reading the new version")
    raise AssertionError("unreachable")


def write_index(
    index_dir: Path,
    articles: list[Article],
    vectors: np.ndarray,
    model_id: str,
    config: ChunkConfig | None = None,
    index_type: str = "auto",
    corpus: Path | None = None,
    files: dict[str, str] | None = None,
) -> Index:
    """An index written from articles that already carry their sentences (and parses) and one vector per
    sentence, in order: no corpus read, nothing embedded. `files` (path -> sha256) is what a later
    `build_index` compares the corpus with; empty, any corpus looks new to it."""
    config = config or ChunkConfig()
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != sum(len(a.sentences) for a in articles):
        raise ValueError("write_index needs one vector row per sentence of the articles")
    chunks = make_chunks(articles, config)
    kind = choose_index_type(index_type, len(vectors))
    manifest: dict[str, object] = {
        "format": FORMAT,
        "model_id": model_id,
        "dim": int(vectors.shape[1]),
        "chunking": config.describe(),
        "index_type": kind,
        "corpus": str(corpus.resolve()) if corpus else "",
        "files": dict(files or {}),
        "skipped": {},
        "counts": {"articles": len(articles), "chunks": len(chunks), "sentences": len(vectors)},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    with writer_lock(index_dir, LOCK_WAIT):
        write_version(index_dir, manifest, articles, chunks, vectors)
    return load_index(index_dir, verify=False)


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
        report_counts(report, manifest, len(hashes))
        report.up_to_date = True
        report.seconds = time.perf_counter() - started
        return report
    work = SentenceWork(embedder, splitter, analyser, batch_size, progress, on_stage)
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
    chunks = make_chunks(articles, config, first_id=0, first_sentence=0)

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
    write_version(index_dir, manifest, articles, chunks, vectors)

    report_counts(report, manifest, len(manifest["files"]))  # type: ignore[arg-type]
    report.seconds = time.perf_counter() - started
    return report


def _append(
    corpus: Path,
    index_dir: Path,
    config: ChunkConfig,
    index_type: str,
    hashes: dict[str, str],
    work: SentenceWork,
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
    if choose_index_type(index_type, int(counts["sentences"])) != kind or (kind in STORED_TYPES and stored is None):
        return False
    if kind in STORED_TYPES and checksum(version / str(stored)) != list(checksums[str(stored)]):
        return False  # the graph is read and extended, not linked: check it first (the full path then rebuilds)

    report.added = added
    articles, vectors = work.articles_and_vectors(corpus, set(added), report)
    if choose_index_type(index_type, int(counts["sentences"]) + len(vectors)) != kind:
        return False  # this append crosses the "auto" threshold: the full path builds the other type
    files = {**old_files, **{p: hashes[p] for p in added if p not in report.unread}}
    skipped = {**skipped_files(old, hashes), **{p: hashes[p] for p in added if p in report.unread}}
    if not articles:  # every added file was skipped (empty, unreadable): only the manifest changes
        remembered = {**old, "corpus": str(corpus.resolve()), "files": files, "skipped": skipped}
        bm25 = [name for name in BM25_FILES.values() if old.get("bm25") and name in checksums]
        carried_all = carried + ([str(stored)] if stored else []) + bm25
        publish(index_dir, remembered, lambda tmp: link_carried(version, tmp, carried_all, checksums))
        report_counts(report, old, len(files))
        return True
    first_article, first_chunk, first_sentence = (int(counts[k]) for k in ("articles", "chunks", "sentences"))
    chunks = make_chunks(articles, config, first_id=first_chunk, first_sentence=first_sentence)
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
        "faiss_file": "index.faiss" if kind in STORED_TYPES else None,
        "bm25": True,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }

    def write(tmp: Path) -> dict[str, list]:
        import faiss

        sums = {}
        for name in carried:  # unchanged: linked, checksum carried over (verified at load)
            link_or_copy(version / name, tmp / name)
            sums[name] = checksums[name]
        np.save(tmp / vectors_file, vectors, allow_pickle=False)
        write_sqlite(tmp / sqlite_file, articles, chunks, first_article)
        written = [vectors_file, sqlite_file]
        # BM25 weighs every chunk by the whole collection: the model is made again over all chunk texts
        texts = chunk_texts([version / segment["sqlite"] for segment in segments]) + [c.text for c in chunks]
        written += save_bm25(tmp, texts)
        del texts
        if kind in STORED_TYPES:  # the stored index grows by the new vectors only (IVF keeps its lists)
            assert stored is not None
            graph = faiss.read_index(str(version / stored))
            if graph.ntotal != first_sentence:
                raise IndexCorrupt(str(index_dir), f"{stored} holds {graph.ntotal} vectors, not {first_sentence}")
            graph.add(vectors)
            faiss.write_index(graph, str(tmp / "index.faiss"))
            written.append("index.faiss")
        sums.update({name: checksum(tmp / name) for name in written})
        return sums

    if work.on_stage:
        work.on_stage(f"appending {len(articles)} articles ({len(vectors)} vectors) to the {kind} index")
    publish(index_dir, manifest, write)
    report_counts(report, manifest, len(files))
    return True


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
