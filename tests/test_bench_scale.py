"""The Reuters and 1M parts of `qabot bench` on a small slice (30 stories, hashing embedder).

Structure and sane values only: no timing asserts (speed is measured by `qabot bench`, never asserted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench import million, report, reuters
from retrieval.index import load_index

DATA = Path("/work/shared/data/reuters21578.jsonl.gz")
STORIES = [
    {"id": f"story-{n:03d}", "title": f"COMPANY {n} RESULTS", "date": "26-FEB-1987 15:01:01.79",
     "text": f"Acme Holdings {n} Inc said its profit rose to {n + 3} mln dlrs in\nthe first quarter, "
             f"chairman John Smith{n} told analysts in Chicago.\n    The company expects sales of {n * 7} "
             f"mln dlrs in 1988, up from {n * 5} mln dlrs.\n"}
    for n in range(30)
]  # fmt: skip


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 30 real stories when the data file is here, else 30 made-up stories in the same format."""
    path = tmp_path_factory.mktemp("data") / "stories.jsonl"
    records = list(reuters.stories(DATA, limit=30)) if DATA.is_file() else STORIES
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


@pytest.fixture(scope="module")
def reuters_run(data_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    from langchain_core.embeddings import DeterministicFakeEmbedding

    work = tmp_path_factory.mktemp("reuters")
    opts = reuters.ReutersOptions(
        data=data_file, work=work, limit=30, embedder="hash", questions=20, rounds=1, raw_sample=100
    )
    return reuters.run_reuters(opts, log=lambda _: None, tutorial_embeddings=DeterministicFakeEmbedding(size=384)), work


def test_stories_are_written_as_the_evaluation_writes_them(data_file: Path, tmp_path: Path) -> None:
    from bot.evaluation.corpora import record_article

    records = list(reuters.stories(data_file, limit=3))
    names = reuters.write_stories(records, tmp_path)
    assert names == [f"{r['id']}.txt" for r in records]
    assert (tmp_path / names[0]).read_text() == record_article(records[0])


def test_reuters_report(reuters_run: tuple[dict[str, Any], Path]) -> None:
    result, work = reuters_run
    build, inc, ours, theirs = result["build"], result["incremental"], result["qabot"], result["tutorial"]
    assert result["stories"] == 30 and build["stories"] == 20 == build["articles"]
    assert build["sentences"] > build["articles"] and build["chunks"] > 0 and build["disk_mb"] > 0
    assert build["build_over_raw_rate"] == pytest.approx(
        build["sentences_per_s"] / build["raw_encoder_per_s"], abs=1e-2
    )
    assert build["peak_rss_mb"] > 0 and build["raw_sample"] > 0
    # the encoder timed inside the build embedded every sentence, and took part of the build's time
    assert build["encoder_in_build_texts"] == build["sentences"] and build["encoder_in_build_per_s"] > 0
    assert 0 < build["build_over_encoder_in_build"] <= 1
    # the faster sample gives the lower ratio (up to the rounding of each sample's rate and of each ratio)
    assert build["build_over_fastest_raw_rate"] <= build["build_over_raw_rate"] + 1e-3
    assert inc["stories_added"] == 10 and inc["appended"] and inc["sentences_embedded"] > 0
    assert inc["unchanged_up_to_date"] and inc["chunks_after"] > build["chunks"]
    assert len(load_index(work / "index").articles) == 30
    n = result["questions"]["count"]
    assert 10 <= n <= 20 and sum(result["questions"]["by_kind"].values()) == n
    assert ours["answer_ms"]["n"] == n == theirs["search_ms"]["n"]
    for side in (ours, theirs):
        assert 0 <= side["hit_at_1"] <= side["hit_at_4"] <= 1
    assert ours["hit_at_1"] >= 0.5  # the questions are near-verbatim sentences: BM25 alone finds most
    assert 0 <= ours["short_answer_holds_mention"] <= 1
    assert theirs["documents"] == 30 and theirs["chunks"] >= 30
    assert [f["floor"] for f in result["floors"]] == ["build rate / encoder rate", "warm answer p50 (ms)"]
    assert json.loads((work / "reuters.partial.json").read_text())["build"] == build
    text = report.reuters_markdown(result)
    assert "| story hit@1 / hit@4" in text and f"{ours['hit_at_1']:.2f} / {ours['hit_at_4']:.2f}" in text


def test_reuters_resumed_from_an_earlier_run(reuters_run: tuple[dict[str, Any], Path]) -> None:
    from langchain_core.embeddings import DeterministicFakeEmbedding

    first, work = reuters_run
    opts = reuters.ReutersOptions(
        data=Path(first["data"]), work=work, limit=30, embedder="hash", questions=20, rounds=1, resume=True,
        tutorial_dir=work / "tutorial",
    )  # fmt: skip
    again = reuters.run_reuters(opts, log=lambda _: None, tutorial_embeddings=DeterministicFakeEmbedding(size=384))
    assert again["resumed_from"] and again["build"] == first["build"] and again["incremental"] == first["incremental"]
    assert again["questions"] == first["questions"]  # the added stories are left out either way
    assert again["tutorial"]["built_by"] == str(work / "tutorial")
    assert again["tutorial"]["hit_at_1"] == first["tutorial"]["hit_at_1"]


def test_questions_come_from_their_story(reuters_run: tuple[dict[str, Any], Path]) -> None:
    _, work = reuters_run
    index = load_index(work / "index")
    questions = reuters.make_questions(index, 10)
    assert questions and len({q.source for q in questions}) == len(questions)
    for q in questions:
        assert q.text.endswith("?") and q.text[0].isupper() and reuters.WH[q.label] in q.text.lower()
        assert q.answer in " ".join(index.articles[q.source].text.split())
    assert questions == reuters.make_questions(index, 10)  # the same seed gives the same questions


def test_generated_vectors_are_perturbed_unit_copies() -> None:
    rng = np.random.default_rng(0)
    real = rng.standard_normal((50, 384)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    rows = rng.integers(0, 50, 400)
    made = million.perturbed(real, rows, noise=0.5, seed=1)
    assert np.allclose(np.linalg.norm(made, axis=1), 1, atol=1e-5)
    cos = np.sum(made * real[rows], axis=1)
    assert 0.8 < cos.mean() < 0.95 and cos.min() > 0.7
    assert million.paragraph_splitter(["  One sentence here. ", ""]) == [[(2, 20)], []]
    top = million.exact_top(real, real[:3], k=2)
    assert top[:, 0].tolist() == [0, 1, 2]


def test_million_end_to_end(reuters_run: tuple[dict[str, Any], Path], tmp_path: Path) -> None:
    _, work = reuters_run
    real = len(load_index(work / "index").sentence_source)
    opts = million.MillionOptions(
        source_index=work / "index", work=tmp_path, total=real + 700, questions=10, rounds=1, embedder="hash"
    )
    result = million.run_million(opts, log=lambda _: None)
    assert result["build_child"]["returncode"] == 0, result["build_child"]
    assert result["measure_child"]["returncode"] == 0, result["measure_child"]
    corpus, build, m = result["corpus"], result["build"], result["measure"]
    assert corpus["real_sentences"] == real and corpus["generated_sentences"] == 700
    assert build["sentences"] == real + 700 == m["sentences"] and build["index_type"] == "flat"
    assert m["recall_at_10"] >= 0.9  # flat is exact: only the order of tied scores can differ
    assert m["raw_vector_mb"] == pytest.approx((real + 700) * 384 * 4 / 2**20, abs=0.1)
    assert m["index_memory_mb"] > 0 and m["memory_over_vectors_plus_text"] > 0
    assert m["first_answer_seconds"] >= 0 and m["memory_answering_over_vectors_plus_text"] > 0
    assert m["answer_ms"]["n"] == 10 and 0 <= m["hit_at_1"] <= 1
    texts = list((tmp_path / "corpus-1m" / "synthetic").glob("part-*.jsonl"))
    first = json.loads(texts[0].read_text().splitlines()[0])["text"].split("\n\n")
    assert len(first) == million.PER_ARTICLE and million.MARKED.search(first[0])
    assert "| dense recall@10 vs exact search |" in report.million_markdown(result)


def test_stores_side_by_side(data_file: Path, tmp_path: Path) -> None:
    from bot.settings import Settings

    if "vector_store" not in Settings.model_fields:
        pytest.skip("no vector store setting in this qabot")
    pytest.importorskip("pymilvus")
    from bench import stores

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    result = stores.run_stores(
        tmp_path, data_file, seeds, stories=20, rounds=1, embedder="hash", questions=8, log=lambda _: None
    )
    for name in ("seeds", "reuters_slice"):
        part = result[name]
        assert part["faiss"]["chunks"] == part["milvus"]["chunks"] > 0
        assert part["faiss"]["answer_ms"]["n"] == part["milvus"]["answer_ms"]["n"] == part["questions"] > 0
        assert 0.5 <= part["same_top1_source"] <= 1  # same vectors, same corpus: mostly the same first source
    assert result["sentences_embedded"] > 0
    assert "| reuters_slice | milvus |" in report.stores_markdown(result)
