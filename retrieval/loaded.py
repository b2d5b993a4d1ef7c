"""A loaded index: the corpus (articles, chunks, sentence rows), the sentence vectors and the store that
searches them. Whatever the store, the engines read this one object (through Evidence)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retrieval.ingest import file_hashes
from retrieval.manifest import file_changes
from retrieval.records import Article, Chunk, Span

if TYPE_CHECKING:
    from retrieval.stores.base import VectorStore


@dataclass
class Index:
    """A loaded index: everything the engines read in memory; dense and keyword search through `store`."""

    path: Path
    manifest: dict[str, object]
    articles: dict[str, Article]
    chunks: list[Chunk]
    vectors: Any  # (sentences, dim) float32 rows: a numpy array, or rows read back from an IVF index
    sentence_source: list[str]  # per sentence row: its article's source
    sentence_span: list[Span]  # per sentence row: its span in the article text
    sentence_chunks: list[tuple[int, ...]]  # per sentence row: the chunks that contain it
    faiss_index: Any = field(default=None, repr=False)  # the FAISS index (the faiss store), else None
    store: VectorStore | None = field(default=None, repr=False)  # what `Retriever` searches
    version: str = ""  # the version folder it was loaded from (what CURRENT named); "" for a Milvus store

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
        return sorted(set().union(*file_changes(self.manifest, file_hashes(corpus))))  # type: ignore[arg-type]


def sentence_rows(
    articles: dict[str, Article], chunks: list[Chunk]
) -> tuple[list[str], list[Span], list[tuple[int, ...]]]:
    """Per sentence row (articles in order, their sentences in order): its source, its span, its chunks."""
    sources = [a.source for a in articles.values() for _ in a.sentences]
    spans = [s for a in articles.values() for s in a.sentences]
    containing: list[list[int]] = [[] for _ in sources]
    for chunk in chunks:
        for i in range(len(chunk.sentences)):
            containing[chunk.first_sentence + i].append(chunk.id)
    return sources, spans, [tuple(c) for c in containing]
