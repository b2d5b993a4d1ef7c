"""Smoke test of the benchmark's building blocks on a tiny corpus with the hashing embedder.

No timing asserts (speed is measured by `qabot bench`, never asserted): the JSON structure, and that
every ratio is computed from the figures measured next to it."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench import corpora, faiss_scale, measure, report, run, tutorial
from bot.settings import ROOT, Settings
from retrieval.embed import HashEmbedder

SEEDS = ROOT / "seeds"


class RawHash:
    """Stands in for SentenceTransformer.encode in the raw-encoder measurement."""

    def __init__(self) -> None:
        self.embedder = HashEmbedder()

    def encode(self, texts: list[str], batch_size: int = 64, **_: object) -> np.ndarray:
        return self.embedder.embed(texts, batch_size=batch_size)


@pytest.fixture(scope="module")
def rgb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rgb") / "rgb.jsonl"
    records = [
        {"query": "Where was the 2021 Super Bowl?", "positive": ["It was played in Tampa, Florida. It was cold."],
         "negative": ["Tickets are on sale now for the next game in Las Vegas."]},
        {"query": "Who won the 2022 Nobel Prize in Literature?", "positive": ["Annie Ernaux won it in 2022."],
         "negative": ["It was played in Tampa, Florida. It was cold."]},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def test_corpora(tmp_path: Path, rgb_file: Path) -> None:
    assert corpora.rgb_passages(rgb_file) == [
        "It was played in Tampa, Florida. It was cold.",
        "Tickets are on sale now for the next game in Las Vegas.",
        "Annie Ernaux won it in 2022.",
    ]
    folder = corpora.write_rgb_corpus(rgb_file, tmp_path / "rgb")
    lines = (folder / "rgb_pool.jsonl").read_text().splitlines()
    assert [json.loads(line)["text"] for line in lines] == corpora.rgb_passages(rgb_file)

    sentences = corpora.real_sentences(SEEDS, rgb_file)
    assert len(sentences) == len(set(sentences)) > 50
    made = corpora.write_synthetic_corpus(tmp_path / "synthetic", sentences, target_chunks=40)
    files = sorted((tmp_path / "synthetic").rglob("*.txt"))
    assert made["files"] == len(files) and made["estimated_chunks"] >= 40
    assert made["sentences"] == made["files"] * 24


def test_qabot_build_tutorial_latency_and_report(tmp_path: Path) -> None:
    corpus = Path(shutil.copytree(SEEDS, tmp_path / "corpus"))  # the incremental step adds a file to it
    build, index = run.qabot_build(corpus, tmp_path / "index", HashEmbedder(), RawHash())
    assert build["sentences"] == len(index.sentence_source) > 0 and build["chunks"] == len(index.chunks)
    assert build["sentences_per_s"] == pytest.approx(build["sentences"] / build["seconds"], rel=0.01)  # type: ignore[operator]
    assert build["overhead_ratio"] == measure.ratio(build["sentences_per_s"], build["raw_sentences_per_s"])  # type: ignore[arg-type]
    assert build["raw_encoder"]["texts"] == 2 * build["sentences"]  # type: ignore[index,operator]  # before + after

    from langchain_core.embeddings import DeterministicFakeEmbedding

    models = run.Models(st=None, onnx=None, tutorial=DeterministicFakeEmbedding(size=384))
    tindex, stats = tutorial.build(corpus, models.tutorial)
    assert stats["documents"] == 5 and stats["chunks"] == len(tindex.texts) == tindex.index.ntotal
    assert all(len(t) <= 1000 for t in tindex.texts)
    tindex.save(tmp_path / "tutorial")
    again = tutorial.TutorialIndex.load(tmp_path / "tutorial")
    assert len(again.search(models.tutorial, "Who leads the NRF?")) == tutorial.K

    settings = Settings(corpus=corpus, index_dir=tmp_path / "index", embedder="hash")
    questions = ["Who leads the NRF?", "Did the Taliban capture Panjshir?"]
    lat = run.latency(settings, models, tindex, questions, rounds=2)
    assert lat["qabot_search_ms"]["n"] == lat["qabot_answer_ms"]["n"] == 4  # type: ignore[index]
    assert lat["tutorial_retrieval_ms"]["n"] == 4  # type: ignore[index]
    p50 = lat["qabot_answer_ms"]["p50"], lat["tutorial_retrieval_ms"]["p50"]  # type: ignore[index]
    assert lat["tutorial_over_answer_p50"] == measure.ratio(p50[1], p50[0])
    one_thread = lat["tutorial_retrieval_1thread_ms"]["p50"]  # type: ignore[index]
    assert lat["tutorial_1thread_over_answer_p50"] == measure.ratio(one_thread, p50[0])
    assert set(lat["answer_stages_p50_ms"]) >= {"retrieve_ms", "total_ms"}  # type: ignore[arg-type]

    inc = run.incremental(corpus, tmp_path / "index", HashEmbedder(), ["A new sentence here, for the test."] * 3)
    assert inc["add_one_article_embedded"] and inc["unchanged_up_to_date"] is True
    assert inc["add_one_article_appended"] is True  # an added file takes the append-only path
    stages = inc["add_one_article_stages_s"]
    assert isinstance(stages, dict) and set(stages) == {"splitting", "parsing", "embedding", "appending"}
    assert sum(stages.values()) <= inc["add_one_article_s"] + 0.01  # type: ignore[operator]
    assert not (corpus / "zz_added").exists()

    results: dict[str, Any] = {
        "machine": run.machine(),
        "corpora": {"seeds": {"qabot_build": build, "tutorial_build": stats, "latency": lat, "incremental": inc}},
    }
    floors = {f["floor"]: f for f in run.floors(results)}
    answer_floor = floors["warm answer p50 on seeds (ms)"]
    assert answer_floor["value"] == p50[0] and answer_floor["met"] == (p50[0] <= 50)
    assert floors["1M vectors: recall@10"]["met"] is None  # not measured: neither met nor missed
    results["floors"] = list(floors.values())
    text = report.to_markdown(json.loads(json.dumps(results)))
    assert "| floor | target | measured | met |" in text and "### seeds" in text


def test_cached_embedder_projects_the_encoder_share(tmp_path: Path) -> None:
    inner = HashEmbedder()
    cached = run.CachedEmbedder(inner)
    build, _ = run.qabot_build(SEEDS, tmp_path / "index", cached, RawHash())
    assert build["encoded_misses"] == build["sentences"] or build["encoded_misses"] <= build["sentences"]  # type: ignore[operator]
    encoder, total = build["projected_encoder_s"], build["projected_seconds"]
    assert total == pytest.approx(build["pipeline_without_encoder_s"] + encoder, abs=2e-3)  # type: ignore[operator]
    assert build["overhead_ratio"] == measure.ratio(encoder, total)  # type: ignore[arg-type]
    again = cached.embed(["Who leads the NRF?", "Who leads the NRF?"])
    assert np.array_equal(again[0], inner.embed(["Who leads the NRF?"])[0])


def test_faiss_scale_small() -> None:
    result = faiss_scale.run(2_000, "gaussian", None, nq=20, nlist=16, nprobes=(1, 16), latency_queries=5)
    sweep = {s["nprobe"]: s for s in result["sweep"]}  # type: ignore[attr-defined]
    assert sweep[16]["recall_at_10"] == 1.0  # every list probed: exact
    assert result["build_s"] == pytest.approx(result["train_s"] + result["add_s"], abs=0.02)  # type: ignore[operator]
    assert result["chosen"] in result["sweep"]  # type: ignore[operator]


def test_run_child_reports_its_own_peak() -> None:
    child = measure.run_child([sys.executable, "-c", "x = bytearray(60 * 2**20); print('ok')"])
    assert child["returncode"] == 0 and "ok" in str(child["stdout_tail"])
    assert float(child["peak_rss_mb"]) >= 60  # type: ignore[arg-type]
    assert measure.ratio(1.0, 0) is None and measure.ratio(3.0, 2.0) == 1.5
    assert measure.summarise([]) == {"n": 0, "p50": 0.0, "p95": 0.0, "mean": 0.0}


def test_seeds_questions_fallback(tmp_path: Path) -> None:
    questions, expected = run.seeds_questions(tmp_path / "missing.jsonl")
    assert questions and not expected
    cases = tmp_path / "q.jsonl"
    cases.write_text(
        '{"question": "Who?", "expected_sources": ["a.txt"]}\n{"question": "And?", "history": ["Who?"]}\n'
        '{"question": "Trivia?", "answerable": false}\n'
    )
    questions, expected = run.seeds_questions(cases)
    assert questions == ["Who?", "Trivia?"] and expected == {"Who?": ["a.txt"]}


def test_the_serving_figure_counts_every_reply_of_real_workers(tmp_path: Path, redis_url: str) -> None:
    """Real worker processes on one Redis (the fixture proves redis-server is here); no speed asserted."""
    from bench import serving

    results = serving.run_serving(
        serving.ServingOptions(embedder="hash", burst=6, rounds=1, work=tmp_path), log=lambda _: None
    )
    assert set(results["workers"]) == {"1", "2"}
    for figures in results["workers"].values():
        assert figures["replies"] == figures["questions"] == figures["ok"] == 6  # none lost, none doubled
        assert figures["latency_ms"]["n"] == 6 and figures["answers_per_s"] > 0
    rates = [results["workers"][k]["answers_per_s"] for k in ("2", "1")]
    assert results["speedup_2_over_1"] == round(rates[0] / rates[1], 2)
    assert "| 2 |" in serving.to_markdown(results)
