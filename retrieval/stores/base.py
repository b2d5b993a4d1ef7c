"""Where the sentence vectors and chunk texts live. Two narrow interfaces, one implementation of each per
store (chosen by `QABOT_VECTOR_STORE`, see retrieval/stores/__init__.py):

VectorStore  search a loaded index: dense (sentence rows nearest a question vector), keyword (chunks by
             BM25), optionally hybrid (the store fuses both itself), count.
Backend      keep a store up to date with a corpus folder (`update`) and load it (`load`).

Ids are the loaded index's own: a sentence row indexes `Index.sentence_*` and `Index.vectors`, a chunk
id indexes `Index.chunks`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

import numpy as np

from retrieval.analysis import SentenceAnalyser
from retrieval.chunking import ChunkConfig, SentenceSplitter
from retrieval.embed import Embedder
from retrieval.loaded import Index
from retrieval.sentences import BuildReport


class VectorStore(ABC):
    name: str

    @abstractmethod
    def dense(self, qvec: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(sentence row, cosine) of the n sentences nearest the unit vector qvec, best first."""

    @abstractmethod
    def keyword(self, query: str, n: int) -> list[tuple[int, float]]:
        """(chunk id, score) of the n chunks that match the query's words best (BM25; larger is better)."""

    def hybrid(self, query: str, qvec: np.ndarray, n: int) -> list[tuple[int, float]] | None:
        """(chunk id, score) fused by the store itself, or None: the Retriever fuses dense and keyword."""
        return None

    @abstractmethod
    def count(self) -> int:
        """Sentence vectors held."""

    def warm(self) -> None:  # noqa: B027 (optional: most stores have nothing to build)
        """Build whatever the first search would otherwise build (called once by the Retriever)."""


class Backend(ABC):
    """A store as a whole: brought up to date with a corpus, and loaded for answering."""

    name: str

    @abstractmethod
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
        """Bring the store up to date with the corpus, embedding only what changed."""

    @abstractmethod
    def load(self) -> Index:
        """The store's index, loaded, with `Index.store` set."""
