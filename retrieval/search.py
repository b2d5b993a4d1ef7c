"""A question -> ranked passages: dense (sentence vectors) and BM25 (chunks), fused and de-duplicated.

Dense: the query vector against the sentence vectors (the index's store: FAISS or Milvus); a chunk
scores the best of its sentences. Lexical: BM25 over chunk texts (the store's: bm25s with Snowball
stemming and English stop words, or Milvus's BM25 function). The two
scores are fused as a weighted sum (BM25 scaled by the query's best; on eval/seeds.jsonl this beat
reciprocal rank fusion, hit@1 51/56 against 50/56; `fusion="rrf"` picks RRF, the store's own hybrid search
where it has one); chunks that overlap a better one of the same article
by more than half are dropped, so the top k are k different places.
"""

from __future__ import annotations

import numpy as np

from retrieval.embed import Embedder
from retrieval.errors import IndexCorrupt
from retrieval.loaded import Index
from retrieval.records import Chunk, Passage
from retrieval.registry import UnknownChoice
from retrieval.stores.base import VectorStore

FUSIONS = ("weighted", "rrf")
RRF_K = 60


class Retriever:
    """Hybrid search over a loaded index. Build once, query many times (thread-safe reads)."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        candidates: int = 50,
        lexical_weight: float = 0.3,
        fusion: str = "weighted",
    ) -> None:
        if embedder.model_id != index.model_id or embedder.dim != index.vectors.shape[1]:
            raise IndexCorrupt(
                str(index.path),
                f"it was built with {index.model_id}, but the embedder is {embedder.model_id}",
            )
        if index.store is None:
            raise ValueError("the index was loaded without a store to search")
        self.index = index
        self.store: VectorStore = index.store
        self.embedder = embedder
        self.candidates = candidates
        self.lexical_weight = lexical_weight
        if fusion not in FUSIONS:
            raise UnknownChoice(f"Unknown fusion {fusion!r}. Choose one of: {', '.join(FUSIONS)}.")
        self.fusion = fusion
        self.store.warm()

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def dense_sentences(self, qvec: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(sentence row, cosine) of the n nearest sentences."""
        return self.store.dense(qvec, n)

    def search(self, query: str, k: int = 5, qvec: np.ndarray | None = None) -> list[Passage]:
        if qvec is None:
            qvec = self.embed_query(query)
        dense: dict[int, float] = {}
        for row, score in self.dense_sentences(qvec, self.candidates * 3):
            for chunk_id in self.index.sentence_chunks[row]:
                dense[chunk_id] = max(dense.get(chunk_id, -1.0), score)
        lexical = dict(self.store.keyword(query, self.candidates))
        if self.fusion == "rrf":
            fused = self._rrf(query, qvec, dense, lexical)
        else:  # relative score fusion: cosine (already in [0, 1] for related text) and BM25 scaled by its best
            top = max(lexical.values(), default=1.0) or 1.0
            w = self.lexical_weight
            fused = {
                chunk_id: (1 - w) * max(dense.get(chunk_id, 0.0), 0.0) + w * lexical.get(chunk_id, 0.0) / top
                for chunk_id in set(dense) | set(lexical)
            }
        order = sorted(fused, key=lambda c: (-fused[c], -dense.get(c, -1.0)))
        chosen: list[Chunk] = []
        for chunk_id in order:
            chunk = self.index.chunks[chunk_id]
            if not any(_overlaps(chunk, other) for other in chosen):
                chosen.append(chunk)
            if len(chosen) == k:
                break
        return [
            Passage(
                chunk=chunk,
                title=self.index.articles[chunk.source].title,
                date=self.index.articles[chunk.source].date,
                rank=rank,
                score=fused[chunk.id],
                dense=dense.get(chunk.id),
                lexical=lexical.get(chunk.id),
            )
            for rank, chunk in enumerate(chosen, start=1)
        ]

    def _rrf(
        self, query: str, qvec: np.ndarray, dense: dict[int, float], lexical: dict[int, float]
    ) -> dict[int, float]:
        """Reciprocal rank fusion: the store's own hybrid search where it has one (Milvus's RRFRanker), else
        qabot's over the dense and BM25 rankings. Chunks only one side found keep that side's share."""
        own = self.store.hybrid(query, qvec, self.candidates)
        if own is not None:
            return dict(own)
        fused: dict[int, float] = {}
        for ranking in (dense, lexical):
            for rank, chunk_id in enumerate(sorted(ranking, key=lambda c: -ranking[c]), start=1):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1 / (RRF_K + rank)
        return fused


def _overlaps(a: Chunk, b: Chunk) -> bool:
    if a.source != b.source:
        return False
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared > 0.5 * min(a.end - a.start, b.end - b.start)
