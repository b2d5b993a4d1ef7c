"""`qabot bench --stores`: the same corpora and questions answered from each vector store, side by side.

For seeds/ (the standalone questions of eval/seeds.jsonl) and a slice of Reuters stories of about 5k
chunks (questions made by bench.reuters.make_questions): each store (`QABOT_VECTOR_STORE` faiss, then
milvus at a Milvus Lite file) is built by `rebuild_index` from the same corpus through one shared
embedder that remembers every vector (each sentence is embedded once, so both stores hold the same
vectors), loaded with `QABot.load`, and asked the same questions: warm search and answer p50/p95, and
how often the first passage's source agrees with FAISS's. `vectors_from` (an index built by the same
embedder over the same stories, e.g. the `--reuters` run's) fills the shared embedder beforehand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.measure import loadavg, ratio

Log = Callable[[str], None]
STORES = ("faiss", "milvus")


def store_settings(corpus: Path, work: Path, name: str, store: str, embedder: str) -> Any:
    from bot.settings import Settings

    if "vector_store" not in Settings.model_fields:
        raise RuntimeError("this qabot has no vector store setting (QABOT_VECTOR_STORE): nothing to compare")
    return Settings(
        corpus=corpus,
        index_dir=work / f"index-{name}-{store}",
        embedder=embedder,
        vector_store=store,  # type: ignore[call-arg]
        milvus_uri=str(work / f"{name}-milvus.db"),  # type: ignore[call-arg]
    )


def side_by_side(
    name: str, corpus: Path, questions: list[Any], embedder: Any, work: Path, spec: str, rounds: int, log: Log
) -> dict[str, object]:
    from bench.reuters import hits, warm
    from bot.core import QABot, rebuild_index

    out: dict[str, object] = {"corpus": str(corpus), "questions": len(questions)}
    firsts: dict[str, list[str]] = {}
    for store in STORES:
        settings = store_settings(corpus, work, name, store, spec)
        log(f"[stores] {name}: building the {store} store")
        report = rebuild_index(settings, embedder, rebuild=True)
        t = time.perf_counter()
        bot = QABot.load(settings)
        load_s = time.perf_counter() - t
        figures, ranked, _ = warm(bot, questions, rounds, settings.top_k)
        firsts[store] = [r[0] if r else "" for r in ranked]
        out[store] = {
            "chunks": report.chunks,
            "sentences": report.sentences,
            "build_seconds": round(report.seconds, 2),
            "load_seconds": round(load_s, 2),
            **figures,
            **(hits(ranked, questions) if all(q.source for q in questions) else {}),
            "loadavg": loadavg(),
        }
        close = getattr(getattr(bot.index, "store", None), "close", None)
        if callable(close):
            close()
        del bot
    same = sum(a == b for a, b in zip(firsts["faiss"], firsts["milvus"], strict=True))
    out["same_top1_source"] = round(same / max(len(questions), 1), 3)
    f, m = out["faiss"], out["milvus"]
    assert isinstance(f, dict) and isinstance(m, dict)
    out["milvus_over_faiss_answer_p50"] = ratio(m["answer_ms"]["p50"], f["answer_ms"]["p50"])
    return out


def run_stores(
    work: Path,
    data: Path,
    seeds: Path,
    stories: int = 1600,
    rounds: int = 2,
    embedder: str = "minilm-onnx",
    questions: int = 150,
    log: Log = print,
    vectors_from: Path | None = None,
) -> dict[str, object]:
    from bench.reuters import Question, machine, settings_for, write_stories
    from bench.reuters import stories as read_stories
    from bench.run import CachedEmbedder, seeds_questions
    from retrieval.embed import make_embedder

    started = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    spec = settings_for(seeds, work, embedder).embedder
    shared = CachedEmbedder(make_embedder(embedder, threads=2))
    if vectors_from is not None:  # an index built by the same embedder over these stories: reuse its vectors
        from retrieval.index import load_index

        known = load_index(vectors_from)
        rows = range(len(known.sentence_source))
        shared.add([known.sentence_text(r) for r in rows], np.asarray(known.vectors[0 : len(rows)]))
        del known
    result: dict[str, object] = {"machine_start": machine(), "embedder": embedder}
    seed_qs = [Question(q, "", "", "") for q in seeds_questions(seeds.parent / "eval" / "seeds.jsonl")[0]][:questions]
    result["seeds"] = side_by_side("seeds", seeds, seed_qs, shared, work, spec, rounds, log)
    corpus = work / "reuters-slice"
    write_stories(list(read_stories(data, stories)), corpus)
    result["reuters_slice"] = side_by_side_reuters(corpus, shared, work, spec, rounds, log, questions)
    result["sentences_embedded"] = shared.misses
    result["machine_end"] = machine()
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def side_by_side_reuters(
    corpus: Path, embedder: Any, work: Path, spec: str, rounds: int, log: Log, questions: int
) -> dict[str, object]:
    """The Reuters slice: FAISS is built first so that the questions can be made from its stored parses."""
    from bench.reuters import make_questions
    from bot.core import rebuild_index
    from retrieval.index import load_index

    settings = store_settings(corpus, work, "reuters", "faiss", spec)
    rebuild_index(settings, embedder, rebuild=True)
    made = make_questions(load_index(settings.index_dir), questions)
    return side_by_side("reuters", corpus, made, embedder, work, spec, rounds, log)
