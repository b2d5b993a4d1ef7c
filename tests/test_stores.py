"""The vector stores: the Milvus store (Milvus Lite) answers as FAISS does and follows the corpus file by
file; FAISS index types and memory; the registries name their choices."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.settings import Settings
from retrieval.embed import EMBEDDERS, HashEmbedder, make_embedder
from retrieval.errors import EngineError
from retrieval.index import build_index, load_index, write_index
from retrieval.registry import UnknownChoice
from retrieval.search import Retriever
from retrieval.stores import STORES, open_store
from tests.conftest import SEEDS, make_settings

# ---------------------------------------------------------------- Milvus


def test_milvus_holds_what_faiss_holds(fast_bot, milvus_bot) -> None:  # type: ignore[no-untyped-def]
    faiss_index, milvus_index = fast_bot.index, milvus_bot.index
    assert list(milvus_index.articles) == list(faiss_index.articles)
    assert milvus_index.articles == faiss_index.articles  # text, sentences, paragraphs and parses, all of it
    assert milvus_index.chunks == faiss_index.chunks  # held in memory (Milvus), made when asked (FAISS)
    assert list(milvus_index.chunks) == list(faiss_index.chunks) and milvus_index.chunks[-1] == faiss_index.chunks[-1]
    for rows in ("sentence_source", "sentence_span", "sentence_chunks"):
        assert list(getattr(milvus_index, rows)) == list(getattr(faiss_index, rows))
    assert np.allclose(milvus_index.vectors, np.asarray(faiss_index.vectors))
    assert milvus_index.store.count() == faiss_index.store.count() == len(faiss_index.sentence_source)
    assert milvus_index.manifest["files"] == faiss_index.manifest["files"]
    qvec = fast_bot.retriever.embed_query("Who leads the NRF?")
    milvus_hits, faiss_hits = (bot.retriever.dense_sentences(qvec, 10) for bot in (milvus_bot, fast_bot))
    assert [r for r, _ in milvus_hits[:5]] == [r for r, _ in faiss_hits[:5]]
    assert np.allclose([s for _, s in milvus_hits], [s for _, s in faiss_hits], atol=1e-5)  # (ties may swap)


def test_milvus_hybrid_search_fuses_with_rrf(milvus_bot) -> None:  # type: ignore[no-untyped-def]
    question = "Which district did the Taliban tweet they had overrun on Sunday?"
    fused = milvus_bot.retriever.store.hybrid(question, milvus_bot.retriever.embed_query(question), 5)
    assert fused and len(fused) <= 5
    assert all(0 < score <= 2 / 61 for _, score in fused)  # reciprocal ranks, k = 60
    assert milvus_bot.index.chunks[fused[0][0]].source == "002_3a15821f95648dd1.txt"


def _chunks_of(bot_index, source: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.text for c in bot_index.chunks if c.source == source]


def test_milvus_follows_changed_and_removed_files(tmp_path: Path) -> None:
    pytest.importorskip("pymilvus")
    from bot.core import ensure_index

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    settings = make_settings(tmp_path, corpus=corpus, vector_store="milvus", milvus_uri=str(tmp_path / "m.db"))
    before = ensure_index(settings)
    names = sorted(before.articles)
    changed, removed = names[0], names[1]
    store = open_store(settings)
    report = store.update(corpus, HashEmbedder(), settings.chunking)
    assert report.up_to_date and report.embedded == 0

    text = (corpus / changed).read_text(encoding="utf-8")
    (corpus / changed).write_text(text + "\nThe quartermaster counted 417 blue umbrellas at the depot.\n")
    (corpus / removed).unlink()
    (corpus / "new.txt").write_text("Fresh news\n\nA brand new article arrived in the valley today.\n")
    report = store.update(corpus, HashEmbedder(), settings.chunking)
    assert (report.added, report.changed, report.removed) == (["new.txt"], [changed], [removed])
    assert 0 < report.embedded < len(before.sentence_source)  # only the new and changed files

    after = ensure_index(settings)
    assert removed not in after.articles and "new.txt" in after.articles
    assert any("417 blue umbrellas" in t for t in _chunks_of(after, changed))
    assert not any("417 blue umbrellas" in t for t in _chunks_of(before, changed))
    # nothing of the removed file or the old version of the changed one is left in the collections
    assert after.store.count() == len(after.sentence_source) == report.sentences
    assert store._count("chunks") == len(after.chunks)
    hits = Retriever(after, HashEmbedder()).search("How many blue umbrellas did the quartermaster count?", k=3)
    assert hits[0].chunk.source == changed and "417" in hits[0].chunk.text
    assert removed not in {p.chunk.source for p in Retriever(after, HashEmbedder()).search("Taliban", k=10)}


def test_missing_pymilvus_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.stores.milvus import MilvusUnavailable

    monkeypatch.setitem(sys.modules, "pymilvus", None)  # import fails as if not installed
    settings = make_settings(tmp_path, vector_store="milvus")
    with pytest.raises(MilvusUnavailable, match=r"pip install 'qabot\[milvus\]'"):
        open_store(settings).load()


@pytest.mark.model
def test_milvus_answers_the_seed_questions_as_faiss_does(real_bot, real_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """eval/seeds.jsonl with the real embedder: the same top-1 source on >= 95% of the questions and the
    same share of right answers within 2 points."""
    pytest.importorskip("pymilvus")
    from bot.core import QABot
    from bot.evaluation.cases import load_cases
    from bot.evaluation.harness import run_cases
    from bot.settings import ROOT

    settings = real_settings.model_copy(update={"vector_store": "milvus", "milvus_uri": str(tmp_path / "seeds.db")})
    milvus = QABot.load(settings)
    cases = load_cases(ROOT / "eval" / "seeds.jsonl").cases
    rows = {
        name: run_cases(bot, cases, SEEDS, progress=False) for name, bot in (("faiss", real_bot), ("milvus", milvus))
    }
    pairs = list(zip(rows["faiss"], rows["milvus"], strict=True))
    asked = [(f, m) for f, m in pairs if f["retrieved_sources"]]
    same_top1 = sum(f["retrieved_sources"][0] == (m["retrieved_sources"] or [None])[0] for f, m in asked) / len(asked)
    assert same_top1 >= 0.95, same_top1
    answerable = [(f, m) for f, m in pairs if f["answerable"]]
    right = {
        name: sum(bool(row["metrics"]["correct"]) for row in column) / len(answerable)
        for name, column in (("faiss", [f for f, _ in answerable]), ("milvus", [m for _, m in answerable]))
    }
    assert abs(right["faiss"] - right["milvus"]) <= 0.02, right


# ---------------------------------------------------------------- FAISS index types and memory


def test_a_flat_index_holds_its_vectors_once(tmp_path: Path) -> None:
    import gc

    build_index(SEEDS, tmp_path / "idx", HashEmbedder())
    index = load_index(tmp_path / "idx")
    stored = np.load(next((tmp_path / "idx").glob("v-*/vectors.npy")))
    view = index.vectors
    assert np.array_equal(view, stored)
    assert not view.flags.owndata  # a view of the FAISS index's own copy, not a second one
    view_of_faiss = np.asarray(index.faiss_index.reconstruct_n(0, len(stored)))
    assert np.array_equal(view, view_of_faiss)
    del index
    gc.collect()
    assert np.array_equal(view, stored)  # the view keeps the FAISS index alive


def test_ivf_index_searches_appends_and_reads_rows_back(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    build_index(corpus, tmp_path / "idx", HashEmbedder(), index_type="ivf")
    index = load_index(tmp_path / "idx")
    assert index.manifest["index_type"] == "ivf" and type(index.faiss_index).__name__ == "IndexIVFFlat"
    stored = np.load(next((tmp_path / "idx").glob("v-*/vectors.npy")))
    assert np.array_equal(index.vectors[3:9], stored[3:9]) and np.array_equal(index.vectors[5], stored[5])
    assert index.vectors.shape == stored.shape and np.array_equal(np.asarray(index.vectors), stored)
    top = Retriever(index, HashEmbedder()).search("Which district did the Taliban overrun?", k=3)
    assert top[0].chunk.source == "002_3a15821f95648dd1.txt"
    (corpus / "new.txt").write_text("Fresh news\n\nA brand new article arrived in the valley today.\n")
    report = build_index(corpus, tmp_path / "idx", HashEmbedder(), index_type="ivf")
    after = load_index(tmp_path / "idx")
    assert report.embedded == 2 and len(after.manifest["segments"]) == 2  # type: ignore[arg-type]
    assert after.faiss_index.ntotal == len(after.sentence_source) == report.sentences


def test_write_index_takes_given_vectors(tmp_path: Path) -> None:
    build_index(SEEDS, tmp_path / "a", HashEmbedder())
    source = load_index(tmp_path / "a")
    articles = list(source.articles.values())
    vectors = np.asarray(source.vectors)
    index = write_index(tmp_path / "b", articles, vectors, model_id="hash-384", index_type="flat")
    assert index.chunks == source.chunks and np.array_equal(index.vectors, vectors)
    assert Retriever(index, HashEmbedder()).search("Who leads the NRF?", k=1)
    with pytest.raises(ValueError, match="one vector row per sentence"):
        write_index(tmp_path / "c", articles, vectors[:-1], model_id="hash-384")


# ---------------------------------------------------------------- registries


def test_registries_name_their_choices(tmp_path: Path) -> None:
    from bot.engines import make_engine

    with pytest.raises(UnknownChoice, match=r"Unknown vector store 'chroma'\. Choose one of: faiss, milvus\."):
        open_store(make_settings(tmp_path, vector_store="chroma"))
    assert STORES.choices() == ["faiss", "milvus"]
    assert "hash" not in EMBEDDERS.choices() and isinstance(make_embedder("hash"), HashEmbedder)  # a test double
    settings = make_settings(tmp_path)
    with pytest.raises(EngineError, match=r"Unknown engine 'abstractive'\. Choose one of: extractive, llm:…\."):
        make_engine("abstractive", settings)
    with pytest.raises(EngineError) as err:
        make_engine("llm:gpt9", settings)
    assert str(err.value) == "Unknown LLM engine 'llm:gpt9'. Choose one of: llm:local, llm:openai, llm:ollama."
    assert isinstance(Settings(vector_store="milvus").milvus_db, str)


@pytest.mark.parametrize("store", ["faiss", "milvus"])
def test_rrf_fusion_uses_the_store_hybrid_search_where_there_is_one(store: str, request: pytest.FixtureRequest) -> None:
    bot = request.getfixturevalue("fast_bot" if store == "faiss" else "milvus_bot")
    retriever = Retriever(bot.index, bot.retriever.embedder, fusion="rrf")
    question = "Which district did the Taliban tweet they had overrun on Sunday?"
    passages = retriever.search(question, k=3)
    assert passages[0].chunk.source == "002_3a15821f95648dd1.txt"
    assert all(p.score <= 2 / 61 for p in passages)  # reciprocal ranks, not weighted scores
    own = bot.index.store.hybrid(question, retriever.embed_query(question), 50)
    assert (own is None) == (store == "faiss")  # FAISS has none: qabot fuses the two rankings itself
    with pytest.raises(UnknownChoice, match="Choose one of: weighted, rrf"):
        Retriever(bot.index, bot.retriever.embedder, fusion="borda")


def test_milvus_without_its_bm25_function_falls_back_to_qabots_own(fast_bot, milvus_bot) -> None:  # type: ignore[no-untyped-def]
    from retrieval.stores.milvus import MilvusStore

    store = milvus_bot.index.store
    older = MilvusStore(store.client, milvus_bot.settings.milvus_collection, milvus_bot.index, bm25=False)
    question = "Which district did the Taliban tweet they had overrun on Sunday?"
    assert older.keyword(question, 10) == fast_bot.index.store.keyword(question, 10)  # bm25s over the same chunks
    assert older.hybrid(question, fast_bot.retriever.embed_query(question), 10) is None  # qabot fuses
    milvus, own = store.keyword(question, 5), fast_bot.index.store.keyword(question, 5)  # BM25 on the same terms
    assert [i for i, _ in milvus] == [i for i, _ in own]
    ratios = [m / o for (_, m), (_, o) in zip(milvus, own, strict=True)]
    assert np.allclose(ratios, ratios[0], rtol=1e-3)  # the same scores up to a constant (k1 + 1 = 2.5): the
    # Retriever scales BM25 by the query's best, so both stores fuse alike


def test_a_worker_needs_only_the_milvus_uri(tmp_path: Path) -> None:
    """`qabot index` writes the store; `qabot ask` elsewhere, with no corpus and no index folder, answers from it."""
    pytest.importorskip("pymilvus")
    import json

    from tests.test_cli import env_for, invoke

    settings = make_settings(tmp_path, corpus=tmp_path / "corpus")
    shutil.copytree(SEEDS, settings.corpus)
    env = env_for(settings, QABOT_VECTOR_STORE="milvus", QABOT_MILVUS_URI=str(tmp_path / "shared.db"))
    built = invoke(env, "index")
    assert built.exit_code == 0, built.output
    worker = {**env, "QABOT_CORPUS": str(tmp_path / "absent"), "QABOT_INDEX_DIR": str(tmp_path / "absent-index")}
    asked = invoke(worker, "ask", "--json", "Who leads the NRF?")
    assert asked.exit_code == 0, asked.output
    answer = json.loads(asked.stdout)
    assert "Massoud" in answer["short_answer"] and answer["citations"]
    assert not (tmp_path / "absent-index").exists()


def test_a_milvus_store_opened_anew_is_loaded_before_it_is_read(milvus_settings: Settings, milvus_bot) -> None:  # type: ignore[no-untyped-def]
    from retrieval.stores.milvus import MilvusUnavailable

    store = open_store(milvus_settings)
    for part in ("sentences", "chunks", "docs"):  # as another process finds them
        store.client.release_collection(f"{milvus_settings.milvus_collection}_{part}")
    index = store.load()
    assert len(index.chunks) == len(milvus_bot.index.chunks)
    assert Retriever(index, HashEmbedder()).search("Who leads the NRF?", k=1)
    from retrieval.stores.milvus import MilvusBackend

    broken = MilvusBackend(milvus_settings.milvus_db, collection="broken")
    broken._create(384, "flat")
    broken._put_manifest(dict(milvus_bot.index.manifest))
    broken.client.drop_collection("broken_sentences")  # a collection gone from the server
    with pytest.raises(MilvusUnavailable, match=r"^The Milvus store at .* failed: "):  # one line, no traceback
        broken.load()


def test_ivf_rows_read_back_exactly_by_range_by_row_and_by_list() -> None:
    """IvfRows (an IVF index's only copy of the vectors): short ranges and lists of rows go through the direct
    map, long ranges through one pass over the lists; every way gives the rows that were added."""
    from retrieval.stores.faiss import SCAN_ROWS, make_faiss, rows_of

    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((SCAN_ROWS + 500, 16)).astype(np.float32)
    rows = rows_of(make_faiss("ivf", vectors))
    assert rows.shape == vectors.shape
    assert np.array_equal(rows[10:16], vectors[10:16])
    assert np.array_equal(rows[0 : SCAN_ROWS + 100], vectors[0 : SCAN_ROWS + 100])
    assert np.array_equal(rows[[5, -1, 7]], vectors[[5, -1, 7]])
    assert np.array_equal(rows[np.array([[1, 2], [3, 4]])], vectors[np.array([[1, 2], [3, 4]])])
    assert np.array_equal(rows[-3], vectors[-3]) and rows[5:5].shape == (0, 16)
    assert np.array_equal(np.asarray(rows), vectors)
    with pytest.raises(IndexError):
        rows[[0, len(vectors)]]
