"""Milvus as the store: everything a worker needs lives in three collections at one URI, so bot workers
on other machines need only `QABOT_MILVUS_URI` (and `QABOT_MILVUS_TOKEN`).

  <name>_sentences  one row per sentence: its vector (dense search), its article and position
  <name>_chunks     one row per chunk: its text (BM25 through Milvus's BM25 function, the sparse field) and
                    the mean of its sentence vectors (the dense side of Milvus's own hybrid search)
  <name>_docs       each article as JSON (text, sentences, paragraphs, per-sentence parses, metadata), split
                    in parts of at most 60,000 ASCII characters; and the manifest (model, chunking, files)

Every row carries the hash of its corpus file (`file_key`), so a changed or removed file is one delete by
filter; updates embed only new or changed files (the content hashes in the manifest, as with FAISS).
Loading reads the articles and vectors back into an `Index` (the engines read it as with FAISS);
searches go to Milvus. Milvus Lite (a path ending in .db) runs in-process: one process at a time may
open a file, and its search cost grows with the rows (a test and small-deployment store).

Needs `pip install qabot[milvus]` (pymilvus, milvus-lite); imported only when selected.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.analysis import SentenceAnalyser
from retrieval.chunking import ChunkConfig, SentenceSplitter
from retrieval.embed import Embedder
from retrieval.errors import IndexMissing, QabotError
from retrieval.ingest import file_hashes, load_corpus
from retrieval.loaded import Index, sentence_rows
from retrieval.manifest import FORMAT, READABLE_FORMATS, file_changes, skipped_files
from retrieval.records import Article, Chunk
from retrieval.sentences import BuildReport, SentenceWork, make_chunks, report_counts
from retrieval.stores.base import Backend, VectorStore

log = logging.getLogger(__name__)

INSTALL_HINT = "The milvus store needs pymilvus: `pip install 'qabot[milvus]'` (pymilvus, milvus-lite)."
PART = 60_000  # characters of a doc part (VARCHAR holds 65,535 bytes; the JSON is ASCII)
BATCH = 2_000  # rows per insert
INDEXES = {
    "flat": ("FLAT", {}),
    "ivf": ("IVF_FLAT", {"nlist": 1024}),
    "hnsw": ("HNSW", {"M": 32, "efConstruction": 80}),
}


class MilvusUnavailable(QabotError):
    pass


def _client(uri: str, token: str) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError as err:
        raise MilvusUnavailable(INSTALL_HINT) from err
    if uri.endswith(".db"):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
        # Milvus Lite lacks the timestamp call pymilvus's query iterator tries first (which then carries on
        # with its own): keep the warning and the in-process server's stack trace out of the log
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    try:
        return MilvusClient(uri, token=token) if token else MilvusClient(uri)
    except Exception as err:  # pymilvus raises its own MilvusException, ConnectionError, ...
        raise MilvusUnavailable(f"Cannot open the Milvus store at {uri}: {err}") from err


@contextmanager
def _milvus_errors(store: object) -> Iterator[None]:
    """A Milvus error (an unreachable server, a refused request) as one line naming the store."""
    try:
        yield
    except QabotError:
        raise
    except Exception as err:
        if type(err).__module__.split(".")[0] != "pymilvus":
            raise
        raise MilvusUnavailable(f"The Milvus store at {store} failed: {getattr(err, 'message', err)}") from err


def key_of(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()


def _terms(texts: list[str]) -> list[list[str]]:
    """The texts' words as qabot's own BM25 indexes them: Snowball stems, English stop words left out.
    (Milvus's analyzers could do this on a server; Milvus Lite tokenizes only.)"""
    import bm25s
    import Stemmer

    if not texts:
        return []
    return bm25s.tokenize(
        texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), return_ids=False, show_progress=False
    )  # type: ignore[return-value]


class MilvusStore(VectorStore):
    """Searches of a loaded Milvus index. Ids come back as Milvus keys and are mapped to the index's rows."""

    name = "milvus"

    def __init__(self, client: Any, name: str, index: Index, bm25: bool) -> None:
        self.client = client
        self.sentences, self.chunk_rows = f"{name}_sentences", f"{name}_chunks"
        self.first_row: dict[str, int] = {}  # article key -> its first sentence row
        self.first_chunk: dict[str, int] = {}  # article key -> its first chunk id
        for chunk in index.chunks:
            if chunk.ordinal == 0:
                key = key_of(chunk.source)
                self.first_chunk[key] = chunk.id
                self.first_row[key] = chunk.first_sentence
        self.total = len(index.sentence_source)
        self._lexical: Any = None
        if not bm25:  # a server without the BM25 function: qabot's own BM25 over the loaded chunks
            from retrieval.stores.faiss import Lexical

            self._lexical = Lexical(index.chunks)

    def count(self) -> int:
        return self.total

    def _rows(self, hits: list[dict], first: dict[str, int]) -> list[tuple[int, float]]:
        out = []
        for hit in hits:
            key, _, position = str(hit["id"]).rpartition(":")
            if key in first:  # a row written after this index was loaded is not in it: skipped
                out.append((first[key] + int(position), float(hit["distance"])))
        return out

    def dense(self, qvec: np.ndarray, n: int) -> list[tuple[int, float]]:
        if not self.total:
            return []
        hits = self.client.search(
            self.sentences,
            data=[qvec.astype(np.float32).tolist()],
            anns_field="vector",
            limit=min(n, self.total),
            output_fields=["id"],
        )
        return self._rows(hits[0], self.first_row)

    def keyword(self, query: str, n: int) -> list[tuple[int, float]]:
        if self._lexical is not None:
            return self._lexical.search(query, n)
        words = _terms([query])[0]
        if not self.total or not words:  # nothing but stop words: no keyword match, as with qabot's own BM25
            return []
        hits = self.client.search(
            self.chunk_rows,
            data=[" ".join(words)],
            anns_field="sparse",
            limit=min(n, 16_384),
            search_params={"metric_type": "BM25"},
            output_fields=["id"],
        )
        # Milvus Lite gives BM25 scores negated; the order is the same: larger |score| is the better match
        return [(c, abs(s)) for c, s in self._rows(hits[0], self.first_chunk) if s != 0]

    def hybrid(self, query: str, qvec: np.ndarray, n: int) -> list[tuple[int, float]] | None:
        """Milvus's own hybrid search (chunk vectors and BM25, fused by RRFRanker); None where unsupported."""
        if self._lexical is not None or not self.total:
            return None
        try:
            from pymilvus import AnnSearchRequest, RRFRanker

            requests = [
                AnnSearchRequest(data=[qvec.astype(np.float32).tolist()], anns_field="vector", param={}, limit=n),
                AnnSearchRequest(
                    data=[" ".join(_terms([query])[0]) or query],
                    anns_field="sparse",
                    param={"metric_type": "BM25"},
                    limit=n,
                ),
            ]
            hits = self.client.hybrid_search(
                self.chunk_rows, requests, ranker=RRFRanker(60), limit=n, output_fields=["id"]
            )
        except Exception as err:  # an older server (Milvus < 2.4) has no hybrid search
            log.info("Milvus hybrid search is unavailable (%s): qabot fuses the results itself", err)
            return None
        return self._rows(hits[0], self.first_chunk)


class MilvusBackend(Backend):
    name = "milvus"

    def __init__(self, uri: str, token: str = "", collection: str = "qabot") -> None:
        self.uri, self.token, self.prefix = uri, token, collection
        self._connected: Any = None

    def __str__(self) -> str:
        return f"{self.uri} (Milvus, collection {self.prefix})"

    @property
    def client(self) -> Any:
        if self._connected is None:
            self._connected = _client(self.uri, self.token)
        return self._connected

    def _name(self, part: str) -> str:
        return f"{self.prefix}_{part}"

    # ------------------------------------------------------------ writing

    def _create(self, dim: int, index_type: str) -> bool:
        """Fresh collections; True when the server has the BM25 function (else qabot's own BM25 is used)."""
        from pymilvus import DataType, Function, FunctionType

        for part in ("sentences", "chunks", "docs"):
            self.client.drop_collection(self._name(part))
        kind, params = INDEXES.get(index_type, INDEXES["flat"])

        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
        schema.add_field("file_key", DataType.VARCHAR, max_length=40)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        index = self.client.prepare_index_params()
        index.add_index(field_name="vector", index_type=kind, metric_type="IP", params=params)
        self.client.create_collection(
            self._name("sentences"), schema=schema, index_params=index, consistency_level="Strong"
        )

        def chunk_schema(bm25: bool) -> tuple[Any, Any]:
            schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
            schema.add_field("file_key", DataType.VARCHAR, max_length=40)
            schema.add_field("text", DataType.VARCHAR, max_length=65_535)
            # the words as qabot's own BM25 sees them (stemmed, no stop words), so the scores agree
            schema.add_field("terms", DataType.VARCHAR, max_length=65_535, enable_analyzer=bm25)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
            index = self.client.prepare_index_params()
            index.add_index(field_name="vector", index_type=kind, metric_type="IP", params=params)
            if bm25:
                schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
                schema.add_function(
                    Function(
                        name="bm25",
                        function_type=FunctionType.BM25,
                        input_field_names=["terms"],
                        output_field_names=["sparse"],
                    )
                )
                index.add_index(
                    field_name="sparse",
                    index_type="SPARSE_INVERTED_INDEX",
                    metric_type="BM25",
                    params={"bm25_k1": 1.5, "bm25_b": 0.75},  # bm25s's defaults
                )
            return schema, index

        bm25 = True
        try:
            schema, index = chunk_schema(True)
            self.client.create_collection(
                self._name("chunks"), schema=schema, index_params=index, consistency_level="Strong"
            )
        except Exception as err:  # Milvus < 2.5 has no BM25 function
            log.info("this Milvus has no BM25 function (%s): qabot's own BM25 is used", err)
            bm25 = False
            self.client.drop_collection(self._name("chunks"))
            schema, index = chunk_schema(False)
            self.client.create_collection(
                self._name("chunks"), schema=schema, index_params=index, consistency_level="Strong"
            )

        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
        schema.add_field("file_key", DataType.VARCHAR, max_length=40)
        schema.add_field("key", DataType.VARCHAR, max_length=40)
        schema.add_field("part", DataType.INT64)
        schema.add_field("data", DataType.VARCHAR, max_length=65_535)
        schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # a collection needs a vector field
        index = self.client.prepare_index_params()
        index.add_index(field_name="unused", index_type="FLAT", metric_type="L2")
        self.client.create_collection(self._name("docs"), schema=schema, index_params=index, consistency_level="Strong")
        return bm25

    def _insert(self, part: str, rows: Iterator[dict[str, Any]]) -> None:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                self.client.insert(self._name(part), batch)
                batch = []
        if batch:
            self.client.insert(self._name(part), batch)

    def _doc_rows(self, key: str, file_key: str, payload: object) -> Iterator[dict[str, Any]]:
        data = json.dumps(payload, separators=(",", ":"))  # ASCII: characters are bytes
        for i, start in enumerate(range(0, max(len(data), 1), PART)):
            yield {"id": f"{key}:{i}", "file_key": file_key, "key": key, "part": i, "data": data[start : start + PART]}

    def add(self, articles: list[Article], chunks: list[Chunk], vectors: np.ndarray) -> None:
        """The articles (with their sentences and parses), their chunks (`make_chunks(articles)`: sentence
        rows from 0) and one vector per sentence, in order."""
        files = {a.source: key_of(a.file) for a in articles}
        self._insert(
            "docs",
            (
                {**row, "unused": [1.0, 0.0]}
                for a in articles
                for row in self._doc_rows(key_of(a.source), files[a.source], a.model_dump(mode="json"))
            ),
        )
        rows = ((a, i) for a in articles for i in range(len(a.sentences)))
        self._insert(
            "sentences",
            (
                {"id": f"{key_of(a.source)}:{i}", "file_key": files[a.source], "vector": vectors[row].tolist()}
                for row, (a, i) in enumerate(rows)
            ),
        )

        terms = iter(_terms([c.text for c in chunks]))

        def chunk_row(chunk: Chunk) -> dict[str, Any]:
            mean = vectors[chunk.first_sentence : chunk.first_sentence + len(chunk.sentences)].mean(axis=0)
            mean /= max(float(np.linalg.norm(mean)), 1e-12)
            return {
                "id": f"{key_of(chunk.source)}:{chunk.ordinal}",
                "file_key": files[chunk.source],
                "text": chunk.text,
                "terms": " ".join(next(terms))[:65_000],
                "vector": mean.astype(np.float32).tolist(),
            }

        self._insert("chunks", (chunk_row(c) for c in chunks))

    def _put_manifest(self, manifest: dict[str, Any]) -> None:
        self.client.delete(self._name("docs"), filter='key == "manifest"')
        self._insert("docs", ({**row, "unused": [1.0, 0.0]} for row in self._doc_rows("manifest", "", manifest)))

    def delete(self, files: list[str]) -> None:
        """Every row of these corpus files."""
        if not files:
            return
        keys = json.dumps([key_of(f) for f in files])
        for part in ("sentences", "chunks", "docs"):
            self.client.delete(self._name(part), filter=f"file_key in {keys}")

    def _count(self, part: str) -> int:
        result = self.client.query(self._name(part), filter="", output_fields=["count(*)"])
        return int(result[0]["count(*)"])

    def update(self, corpus: Path, embedder: Embedder, config: ChunkConfig, **options: Any) -> BuildReport:
        with _milvus_errors(self):
            return self._update(corpus, embedder, config, **options)

    def load(self) -> Index:
        with _milvus_errors(self):
            return self._load()

    def _update(
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
        started = time.perf_counter()
        report = BuildReport()
        if not corpus.is_dir():
            load_corpus(corpus)  # raises the CorpusError with its message
        hashes = file_hashes(corpus, report.skipped)
        old = None if rebuild else self._manifest()
        same = (
            old is not None
            and old.get("format") in READABLE_FORMATS
            and old.get("model_id") == embedder.model_id
            and old.get("dim") == embedder.dim
            and old.get("chunking") == config.describe()
        )
        if old is not None and same:
            report.added, report.changed, report.removed = file_changes(old, hashes)
            if not (report.added or report.changed or report.removed):
                report_counts(report, old, len(old["files"]))
                report.up_to_date = True
                report.seconds = time.perf_counter() - started
                return report
            todo = set(report.added) | set(report.changed)
            bm25 = bool(old.get("bm25", True))
            kind = str(old["index_type"])
        else:
            old = None
            report.added = sorted(hashes)
            todo = set(hashes)
            kind = "flat" if index_type == "auto" else index_type
            bm25 = self._create(embedder.dim, kind)
        work = SentenceWork(embedder, splitter, analyser, progress=progress, on_stage=on_stage)
        articles, vectors = work.articles_and_vectors(corpus, todo, report)
        chunks = make_chunks(articles, config)
        if on_stage:
            on_stage(f"writing {len(articles)} articles ({len(vectors)} vectors) to {self}")
        self.delete(report.changed + report.removed)
        self.add(articles, chunks, vectors)
        kept = {p: h for p, h in (old["files"] if old else {}).items() if p in hashes and p not in todo}
        skipped = {
            **(skipped_files(old, hashes) if old else {}),
            **{p: hashes[p] for p in report.unread if p in hashes},
        }
        files = {**kept, **{p: hashes[p] for p in todo if p not in skipped}}
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "store": "milvus",
            "model_id": embedder.model_id,
            "dim": embedder.dim,
            "chunking": config.describe(),
            "index_type": kind,
            "bm25": bm25,
            "corpus": str(corpus.resolve()),
            "files": files,
            "skipped": skipped,
            "counts": {
                "articles": len(self._doc_keys()),
                "chunks": self._count("chunks"),
                "sentences": self._count("sentences"),
            },
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        self._put_manifest(manifest)
        report_counts(report, manifest, len(files))
        report.seconds = time.perf_counter() - started
        return report

    # ------------------------------------------------------------ reading

    def _manifest(self) -> dict[str, Any] | None:
        if not self.client.has_collection(self._name("docs")):
            return None
        for part in ("sentences", "chunks", "docs"):  # a store opened anew holds them released
            if self.client.has_collection(self._name(part)):
                self.client.load_collection(self._name(part))
        rows = self.client.query(self._name("docs"), filter='key == "manifest"', output_fields=["part", "data"])
        if not rows:
            return None
        manifest = json.loads("".join(r["data"] for r in sorted(rows, key=lambda r: r["part"])))
        return manifest if isinstance(manifest, dict) else None

    def _doc_keys(self) -> set[str]:
        return {r["key"] for r in self._all("docs", ["key"], 'part == 0 and key != "manifest"')}

    def _all(self, part: str, fields: list[str], filter: str = "") -> Iterator[dict[str, Any]]:
        iterator = self.client.query_iterator(self._name(part), batch_size=BATCH, filter=filter, output_fields=fields)
        try:
            while batch := iterator.next():
                yield from batch
        finally:
            iterator.close()

    def _load(self) -> Index:
        manifest = self._manifest()
        if manifest is None:
            raise IndexMissing(str(self))
        parts: dict[str, list[tuple[int, str]]] = {}
        for row in self._all("docs", ["key", "part", "data"], 'key != "manifest"'):
            parts.setdefault(row["key"], []).append((int(row["part"]), row["data"]))
        loaded = [Article.model_validate(json.loads("".join(d for _, d in sorted(p)))) for p in parts.values()]
        loaded.sort(key=lambda a: (a.file, a.record if a.record is not None else -1, a.source))
        articles = {a.source: a for a in loaded}
        chunking = manifest["chunking"]
        config = ChunkConfig(
            chunk_size=chunking["chunk_size"], overlap=chunking["overlap"], splitter=chunking["splitter"]
        )
        chunks = make_chunks(loaded, config)
        sources, spans, containing = sentence_rows(articles, chunks)
        first: dict[str, int] = {}
        at = 0
        for article in loaded:
            first[key_of(article.source)] = at
            at += len(article.sentences)
        vectors = np.zeros((len(sources), int(manifest["dim"])), dtype=np.float32)
        for hit in self._all("sentences", ["id", "vector"]):
            key, _, position = str(hit["id"]).rpartition(":")
            if key in first:
                vectors[first[key] + int(position)] = hit["vector"]
        index = Index(
            path=Path(self.uri),
            manifest=manifest,
            articles=articles,
            chunks=chunks,
            vectors=vectors,
            sentence_source=sources,
            sentence_span=spans,
            sentence_chunks=containing,
        )
        index.store = MilvusStore(self.client, self.prefix, index, bool(manifest.get("bm25", True)))
        return index
