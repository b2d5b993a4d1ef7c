"""A question -> ranked passages: dense (sentence vectors) and BM25 (chunks), fused and de-duplicated.

Dense: the query vector against every sentence vector (FAISS); a chunk scores the best of its
sentences. Lexical: BM25 over chunk texts (bm25s, Snowball stemming, English stop words). The two
scores are fused as a weighted sum (BM25 scaled by the query's best; on eval/seeds.jsonl this beat
reciprocal rank fusion, hit@1 51/56 against 50/56); chunks that overlap a better one of the same article
by more than half are dropped, so the top k are k different places.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval.embed import Embedder
from retrieval.index import Index
from retrieval.records import Chunk, Passage

_TOKEN = re.compile(r"\w+")


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
        import bm25s

        if not self.chunks:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self.stemmer, show_progress=False)
        if not any(len(t) for t in tokens.ids):  # nothing but stop words
            return []
        docs, scores = self.model.retrieve(tokens, k=min(n, len(self.chunks)), show_progress=False)  # type: ignore[attr-defined]
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


class Retriever:
    """Hybrid search over a loaded index. Build once, query many times (thread-safe reads)."""

    def __init__(self, index: Index, embedder: Embedder, candidates: int = 50, lexical_weight: float = 0.3) -> None:
        if embedder.model_id != index.model_id or embedder.dim != index.vectors.shape[1]:
            from retrieval.errors import IndexCorrupt

            raise IndexCorrupt(
                str(index.path),
                f"it was built with {index.model_id}, but the embedder is {embedder.model_id}",
            )
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.lexical_weight = lexical_weight
        self.lexical = Lexical(index.chunks)

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def dense_sentences(self, qvec: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(sentence row, cosine) of the n nearest sentences."""
        import faiss

        total = len(self.index.sentence_source)
        if total == 0:
            return []
        # One query on one OpenMP thread: the default pool (one thread per core) spins against the other
        # processes of a shared machine and made a 46k-vector flat search ~3x slower (BENCHMARKS.md). The
        # setting is the calling thread's own (an OpenMP ICV), restored after, so builds elsewhere keep theirs.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, rows = self.index.faiss_index.search(qvec.reshape(1, -1), min(n, total))  # type: ignore[attr-defined]
        finally:
            faiss.omp_set_num_threads(threads)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def search(self, query: str, k: int = 5, qvec: np.ndarray | None = None) -> list[Passage]:
        if qvec is None:
            qvec = self.embed_query(query)
        dense: dict[int, float] = {}
        for row, score in self.dense_sentences(qvec, self.candidates * 3):
            for chunk_id in self.index.sentence_chunks[row]:
                dense[chunk_id] = max(dense.get(chunk_id, -1.0), score)
        lexical = dict(self.lexical.search(query, self.candidates))
        # Relative score fusion: cosine (already in [0, 1] for related text) and BM25 scaled by its best.
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


def _overlaps(a: Chunk, b: Chunk) -> bool:
    if a.source != b.source:
        return False
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared > 0.5 * min(a.end - a.start, b.end - b.start)


def as_langchain_retriever(retriever: Retriever, k: int = 5) -> object:
    """The same search as a LangChain BaseRetriever (Documents with source, lines and score)."""
    from retrieval.langchain import QabotRetriever

    return QabotRetriever(retriever=retriever, k=k)
