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


def _bm25s_reference(lexical, query: str, n: int) -> list[tuple[int, float]]:  # type: ignore[no-untyped-def]
    """What bm25s's own query path gives over a model of the same texts (with its vocabulary dict):
    bm25s.tokenize (a vocabulary built for the query) and retrieve."""
    import bm25s

    from retrieval.stores.faiss import bm25_model

    tokens = bm25s.tokenize([query], stopwords="en", stemmer=lexical.stemmer, show_progress=False)
    if not any(len(t) for t in tokens.ids):
        return []
    model = bm25_model([c.text for c in lexical.chunks])
    docs, scores = model.retrieve(tokens, k=min(n, len(lexical.chunks)), show_progress=False)  # type: ignore[attr-defined]
    return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


def test_bm25_query_tokens_rank_as_bm25s_tokenize_does() -> None:
    from retrieval.records import Chunk
    from retrieval.stores.faiss import Lexical, bm25_model

    texts = [
        "Oil prices rose sharply after OPEC cut its output.",
        "OPEC ministers met in Vienna to discuss oil output quotas.",
        "Brazil said it would not give up its coffee export share.",
        "Coffee prices fell as Brazil's exports grew.",
        "Oil prices rose sharply after OPEC cut its output.",  # a twin: the same score as chunk 0
        "The central bank raised interest rates to curb inflation.",
        "Shares of the oil company fell 5 pct on Monday.",
    ]
    chunks = [
        Chunk(id=i, source=f"s{i}.txt", ordinal=0, text=t, start=0, end=len(t), line_start=1, line_end=1, sentences=())
        for i, t in enumerate(texts)
    ]
    lexical = Lexical(chunks)
    queries = [
        "Why did oil prices rise?",
        "OIL oil Oil output",  # case folded, a repeated word counted each time
        "Brazil's coffee exports",
        "the of and",  # stop words only
        "zeppelin quasar",  # words no chunk holds
        "rates inflation zeppelin",
        "",
    ]
    for query in queries:
        for n in (2, 3, 50):
            assert lexical.search(query, n) == _bm25s_reference(lexical, query, n), (query, n)
    best = lexical.search("Why did oil prices rise?", 3)
    assert {best[0][0], best[1][0]} == {0, 4} and best[0][1] == best[1][1] > best[2][1] > 0
    assert lexical.search("the of and", 5) == [] and lexical.search("zeppelin", 5) == []
    # the vocabulary is held compactly and looks every stem of the texts up as the model's dict did
    vocab = bm25_model(texts).vocab_dict  # type: ignore[attr-defined]
    assert len(lexical.vocabulary) == len(vocab) and all(lexical.vocabulary.get(s) == i for s, i in vocab.items())
    assert lexical.vocabulary.get("zeppelin") is None
