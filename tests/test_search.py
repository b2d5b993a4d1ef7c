"""Hybrid search: passages with line spans that match the file, de-duplication, LangChain adapter."""

from __future__ import annotations

import itertools

import pytest

from retrieval.ingest import normalise
from retrieval.langchain import as_langchain_retriever
from tests.conftest import SEEDS


def _check_spans(passages) -> None:  # type: ignore[no-untyped-def]
    for p in passages:
        lines = (SEEDS / p.chunk.source).read_text(encoding="utf-8").split("\n")
        assert p.chunk.text in normalise("\n".join(lines[p.chunk.line_start - 1 : p.chunk.line_end]))


def test_search_ranks_and_dedupes(store_bot) -> None:  # type: ignore[no-untyped-def]
    passages = store_bot.retriever.search("Which district did the Taliban tweet they had overrun on Sunday?", k=5)
    assert [p.rank for p in passages] == [1, 2, 3, 4, 5]
    assert passages[0].chunk.source == "002_3a15821f95648dd1.txt" and "Rokha" in passages[0].chunk.text
    assert all(a.score >= b.score for a, b in itertools.pairwise(passages))
    for i, a in enumerate(passages):
        for b in passages[i + 1 :]:
            if a.chunk.source == b.chunk.source:
                shared = min(a.chunk.end, b.chunk.end) - max(a.chunk.start, b.chunk.start)
                assert shared <= 0.5 * min(a.chunk.end - a.chunk.start, b.chunk.end - b.chunk.start)
    _check_spans(passages)


def test_stopword_only_query_still_answers_densely(store_bot) -> None:  # type: ignore[no-untyped-def]
    assert store_bot.retriever.store.keyword("the of and", 5) == []
    assert len(store_bot.retriever.search("the of and", k=3)) == 3


def test_langchain_retriever(store_bot) -> None:  # type: ignore[no-untyped-def]
    retriever = as_langchain_retriever(store_bot.retriever, k=3)
    docs = retriever.invoke("Who condemned the offensive?")  # type: ignore[attr-defined]
    assert len(docs) == 3
    assert {"source", "title", "line_start", "line_end", "score"} <= set(docs[0].metadata)


@pytest.mark.model
def test_real_model_finds_the_answering_article(real_bot) -> None:  # type: ignore[no-untyped-def]
    passages = real_bot.retriever.search("Who is the deputy leader of the Taliban?", k=5)
    assert passages[0].chunk.source == "004_d43c2334b4d5c13b.txt" and "Baradar" in passages[0].chunk.text
    _check_spans(passages)


def test_dense_search_leaves_the_threads_setting_as_it_was(fast_bot) -> None:  # type: ignore[no-untyped-def]
    import faiss

    before = faiss.omp_get_max_threads()
    qvec = fast_bot.retriever.embed_query("Who leads the NRF?")
    one = fast_bot.retriever.dense_sentences(qvec, 20)
    assert faiss.omp_get_max_threads() == before  # the single-query thread count is not left behind
    faiss.omp_set_num_threads(max(before, 2))
    try:  # and the result does not depend on it (exact search; no ties in this corpus)
        _, rows = fast_bot.retriever.index.faiss_index.search(qvec.reshape(1, -1), 20)
    finally:
        faiss.omp_set_num_threads(before)
    assert [r for r, _ in one] == [int(r) for r in rows[0]]


@pytest.mark.model
def test_question_embedding_twin_agrees_with_the_index_model() -> None:
    """Questions are embedded by the int8 ONNX twin (on 1 or 2 threads); the index by the fp32 model."""
    from retrieval.embed import make_embedder

    questions = ["Who leads the NRF?", "Did the Taliban take all 34 provinces?", "When was Splatoon 2 released?"]
    fp32 = make_embedder("minilm").embed(questions)
    one, two = (make_embedder("minilm-onnx", threads=t).embed(questions) for t in (1, 2))
    assert (one * fp32).sum(axis=1).min() > 0.998
    assert (one * two).sum(axis=1).min() > 0.99999  # the thread count changes only summation order
