"""`qabot bench --reuters PATH`: the Reuters-21578 stories end to end, qabot and the tutorial side by side.

Each story of the data file (one JSON record a line, gzipped or not) becomes `<id>.txt` as the evaluation
writes it (bot.evaluation.corpora.record_article: title line, date line, empty line, the hard-wrapped text).
All but the last `added` stories are indexed from scratch (reading, sentence splitting, spaCy parses, real
embeddings, writing); then the held-back stories are added (the incremental path) and the unchanged corpus
is indexed once more. The encoder alone runs on a sample of the same sentences just before and after the
build, so the build rate is compared with the raw encoder rate of the same run.

Questions are made mechanically from the stories (`make_questions`), so the expected story is known: hit@1 is
the share whose first passage comes from it, for qabot and for the tutorial pipeline over the same files.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.measure import loadavg, peak_rss_mb, rate, ratio, reset_peak_rss, rss_mb, summarise
from retrieval.embed import Embedder

Log = Callable[[str], None]

# The wh-phrase that stands in for a mention of each kind when a sentence is turned into a question.
WH = {
    "PERSON": "who",
    "ORG": "which organisation",
    "GPE": "where",
    "MONEY": "how much",
    "PERCENT": "what percentage",
    "CARDINAL": "how many",
    "DATE": "when",
}
MIN_WORDS, MAX_WORDS = 8, 40


@dataclass
class ReutersOptions:
    data: Path
    work: Path
    limit: int | None = None  # the first N stories of the file (all when None)
    embedder: str = "minilm-onnx"  # what embeds the corpus: the int8 ONNX twin (minilm: fp32, hash: tests)
    threads: int = 2  # the ONNX twin's threads for the bulk build
    questions: int = 200
    rounds: int = 2
    added: int = 10  # stories held back and then added incrementally
    raw_sample: int = 3000  # sentences the bare encoder embeds before and after the build
    tutorial: bool = True
    tutorial_dir: Path | None = None  # a tutorial index saved by `python -m bench.reuters tutorial`: used, not rebuilt
    resume: bool = False  # reuse the index and build figures of an earlier run in `work` (its partial JSON)


@dataclass(frozen=True)
class Question:
    text: str
    source: str  # the story the sentence came from
    answer: str  # the mention the wh-phrase replaced
    label: str


def stories(data: Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The records of the data file in order (those with an id and a non-empty text)."""
    opener = gzip.open if data.name.endswith(".gz") else open
    count = 0
    with opener(data, "rt", encoding="utf-8") as lines:
        for line in lines:
            if limit is not None and count >= limit:
                return
            if not line.strip():
                continue
            record = json.loads(line)
            if isinstance(record, dict) and record.get("id") and str(record.get("text") or "").strip():
                count += 1
                yield record


def write_stories(records: Sequence[dict[str, Any]], folder: Path) -> list[str]:
    """`<id>.txt` per record, as the evaluation materialises Reuters stories; the file names written."""
    from bot.evaluation.corpora import record_article

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for record in records:
        name = f"{record['id']}.txt"
        (folder / name).write_text(record_article(record), encoding="utf-8")
        names.append(name)
    return names


def make_questions(index: Any, n: int, seed: int = 7, leave_out: Sequence[str] = ()) -> list[Question]:
    """One question from each of up to n randomly chosen stories, made from a sentence and its stored parse.

    The sentence: the story's first sentence after its title/date lines with 8-40 words and a mention of a
    kind in WH. The question: that sentence, line breaks made spaces, its first such mention replaced by
    the wh-phrase for its kind ("... were how many bags of 60 kilos?"), the final full stop dropped, a
    question mark added and the first letter capitalised. The replaced mention is the expected short answer."""
    sources = sorted(set(index.articles) - set(leave_out))
    random.Random(seed).shuffle(sources)
    made: list[Question] = []
    for source in sources:
        article = index.articles[source]
        for number, (span, parse) in enumerate(zip(article.sentences, article.parses, strict=False)):
            text = article.text[span.start : span.end]
            if number == 0 or not MIN_WORDS <= len(text.split()) <= MAX_WORDS:
                continue
            mention = next((m for m in parse.mentions if m.label in WH), None)
            if mention is None:
                continue
            a, b = mention.start - span.start, mention.end - span.start
            question = " ".join(f"{text[:a]}{WH[mention.label]}{text[b:]}".split()).rstrip(" .") + "?"
            question = question[0].upper() + question[1:]
            made.append(Question(question, source, " ".join(text[a:b].split()), mention.label))
            break
        if len(made) >= n:
            break
    return made


def disk_mb(index_dir: Path) -> float:
    """Bytes of the live version's files (what a load reads), in MB."""
    from retrieval.index import current_version

    version = current_version(index_dir)
    return round(sum(p.stat().st_size for p in version.rglob("*") if p.is_file()) / 2**20, 1)


def machine() -> dict[str, object]:
    import os

    return {"nproc": os.cpu_count(), "loadavg": loadavg(), "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def raw_rate(embedder: Any, texts: Sequence[str]) -> dict[str, float | int | None]:
    """The bare encoder on these texts (no reading, splitting, parsing, storing)."""
    started = time.perf_counter()
    embedder.embed(list(texts), batch_size=64)
    seconds = time.perf_counter() - started
    return {"texts": len(texts), "seconds": round(seconds, 3), "per_s": rate(len(texts), seconds)}


def settings_for(corpus: Path, index_dir: Path, embedder: str) -> Any:
    """qabot's defaults for this corpus and index; an index embedded by the int8 twin is queried by it too."""
    from bot.settings import Settings

    return Settings(corpus=corpus, index_dir=index_dir, embedder="minilm" if embedder == "minilm-onnx" else embedder)


def hits(ranked: Sequence[Sequence[str]], questions: Sequence[Question]) -> dict[str, float]:
    n = max(len(questions), 1)
    return {
        "hit_at_1": round(sum(bool(r) and r[0] == q.source for r, q in zip(ranked, questions, strict=True)) / n, 3),
        "hit_at_4": round(sum(q.source in r[:4] for r, q in zip(ranked, questions, strict=True)) / n, 3),
    }


def warm(
    bot: Any, questions: Sequence[Question], rounds: int, k: int
) -> tuple[dict[str, object], list[list[str]], list[Any]]:
    """Warm search and answer p50/p95 (ms), interleaved per question; the first round's rankings and answers."""
    for q in questions[:5]:
        bot.answer(q.text)
    search_ms: list[float] = []
    answer_ms: list[float] = []
    ranked: list[list[str]] = []
    answers: list[Any] = []
    for round_ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            passages = bot.retriever.search(q.text, k=k)
            search_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            answer = bot.answer(q.text)
            answer_ms.append((time.perf_counter() - t) * 1000)
            if round_ == 0:
                ranked.append([p.chunk.source for p in passages])
                answers.append(answer)
    return {"search_ms": summarise(search_ms), "answer_ms": summarise(answer_ms)}, ranked, answers


def answered(answers: Sequence[Any], questions: Sequence[Question]) -> dict[str, float]:
    """Share of answers citing the story first, and whose short answer (or, without one, text) holds the mention."""
    n = max(len(questions), 1)
    pairs = list(zip(answers, questions, strict=True))
    cited = sum(bool(a.citations) and a.citations[0].source == q.source for a, q in pairs)
    holds = sum(q.answer.lower() in (a.short_answer or a.text).lower() for a, q in pairs)
    return {"first_citation_from_story": round(cited / n, 3), "short_answer_holds_mention": round(holds / n, 3)}


def run_reuters(opts: ReutersOptions, log: Log = print, tutorial_embeddings: Any = None) -> dict[str, object]:
    """Every Reuters figure in one run (see the module docstring); tutorial_embeddings stands in for the
    tutorial's HuggingFaceEmbeddings in tests."""
    from bot.core import QABot
    from retrieval.index import load_index

    started = time.perf_counter()
    result: dict[str, object] = {"machine_start": machine(), "data": str(opts.data), "embedder": opts.embedder}
    records = list(stories(opts.data, opts.limit))
    held = min(opts.added, max(len(records) - 1, 0))
    held_sources = [f"{r['id']}.txt" for r in records[len(records) - held :]]
    corpus, index_dir = opts.work / "corpus", opts.work / "index"
    settings = settings_for(corpus, index_dir, opts.embedder)
    partial = opts.work / "reuters.partial.json"
    if opts.resume and partial.is_file() and "incremental" in json.loads(partial.read_text()):
        earlier = json.loads(partial.read_text())
        result.update({k: earlier[k] for k in ("stories", "build", "incremental", "machine_start") if k in earlier})
        result["resumed_from"] = str(partial)
        log("[reuters] build figures and index from the earlier run")
    else:
        build_and_add(opts, records, held, corpus, index_dir, settings, result, log)
    questions = make_questions(load_index(index_dir), opts.questions, leave_out=held_sources)
    result["questions"] = {
        "count": len(questions),
        "by_kind": {label: sum(q.label == label for q in questions) for label in WH},
        "examples": [{"question": q.text, "source": q.source, "answer": q.answer} for q in questions[:5]],
    }

    t = time.perf_counter()
    bot = QABot.load(settings)
    result["load_seconds"] = round(time.perf_counter() - t, 2)
    result["rss_loaded_mb"] = rss_mb()
    log(f"[reuters] warm latency over {len(questions)} questions x {opts.rounds}")
    figures, ranked, answers = warm(bot, questions, opts.rounds, settings.top_k)
    result["qabot"] = {
        **figures,
        **hits(ranked, questions),
        **answered(answers, questions),
        "rounds": opts.rounds,
        "loadavg": loadavg(),
    }
    del bot
    save_partial(opts, result)
    if opts.tutorial:
        result["tutorial"] = tutorial_side(corpus, opts, questions, tutorial_embeddings, log)
        tq, qq = result["tutorial"], result["qabot"]
        assert isinstance(tq, dict) and isinstance(qq, dict)
        result["tutorial_search_over_qabot_answer_p50"] = ratio(tq["search_ms"]["p50"], qq["answer_ms"]["p50"])  # type: ignore[index]
    result["floors"] = floors(result)
    result["machine_end"] = machine()
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def save_partial(opts: ReutersOptions, result: dict[str, object]) -> None:
    """What is measured so far, in the work folder (a long run keeps its figures if it is stopped later)."""
    (opts.work / "reuters.partial.json").write_text(json.dumps(result, indent=2, default=str))


def build_and_add(
    opts: ReutersOptions,
    records: Sequence[dict[str, Any]],
    held: int,
    corpus: Path,
    index_dir: Path,
    settings: Any,
    result: dict[str, object],
    log: Log,
) -> None:
    """The full build of all but the held-back stories (against the raw encoder), then their incremental add."""
    from bench.run import sentence_texts
    from retrieval.embed import make_embedder
    from retrieval.index import build_index

    write_stories(records[: len(records) - held], corpus)
    result["stories"] = len(records)
    log(f"[reuters] {len(records)} stories written to {corpus}")

    embedder = make_embedder(opts.embedder, threads=opts.threads)
    sample = sentence_texts(corpus, settings, opts.raw_sample)  # same reader and splitter as the build
    raw_before = raw_rate(embedder, sample)
    reset_peak_rss()
    rss_before = rss_mb()
    timed = TimedEmbedder(embedder)
    report = build_index(corpus, index_dir, timed, settings.chunking, rebuild=True, index_type=settings.index_type)
    build_peak = peak_rss_mb()
    raw_after = raw_rate(embedder, sample)
    log(f"[reuters] built: {report.sentences} sentences in {report.seconds:.1f} s")
    raw_seconds = float(raw_before["seconds"] or 0) + float(raw_after["seconds"] or 0)  # type: ignore[arg-type]
    raw_per_s = rate(2 * len(sample), raw_seconds)
    build: dict[str, object] = {
        "stories": len(records) - held,
        "articles": report.articles,
        "chunks": report.chunks,
        "sentences": report.sentences,
        "index_type": report.index_type,
        "seconds": round(report.seconds, 2),
        "sentences_per_s": rate(report.sentences, report.seconds),
        "raw_encoder_per_s": raw_per_s,
        "raw_encoder_before_after_per_s": [raw_before["per_s"], raw_after["per_s"]],
        "raw_sample": len(sample),
        "build_over_raw_rate": ratio(rate(report.sentences, report.seconds), raw_per_s),
        # the same ratio against the faster of the two samples (the conservative reading when the load moved)
        "build_over_fastest_raw_rate": ratio(
            rate(report.sentences, report.seconds), max(float(raw_before["per_s"] or 0), float(raw_after["per_s"] or 0))
        ),
        # the encoder inside the build, under the build's own load: its rate, and the build's rate over it
        # (= the share of the build's time spent embedding)
        "encoder_in_build_seconds": round(timed.seconds, 4),
        "encoder_in_build_texts": timed.texts,
        "encoder_in_build_per_s": rate(timed.texts, timed.seconds),
        "build_over_encoder_in_build": ratio(timed.seconds, report.seconds),
        "disk_mb": disk_mb(index_dir),
        "peak_rss_mb": build_peak,
        "rss_before_build_mb": rss_before,
        "loadavg": loadavg(),
    }
    result["build"] = build
    if held:
        write_stories(records[len(records) - held :], corpus)
        stages: list[str] = []
        added = build_index(
            corpus, index_dir, embedder, settings.chunking, index_type=settings.index_type, on_stage=stages.append
        )
        same = build_index(corpus, index_dir, embedder, settings.chunking, index_type=settings.index_type)
        result["incremental"] = {
            "stories_added": held,
            "seconds": round(added.seconds, 3),
            "sentences_embedded": added.embedded,
            "appended": any(s.startswith("appending") for s in stages),
            "unchanged_seconds": round(same.seconds, 3),
            "unchanged_up_to_date": same.up_to_date,
            "chunks_after": added.chunks,
            "loadavg": loadavg(),
        }
        log(f"[reuters] added {held} stories in {added.seconds:.2f} s")
    save_partial(opts, result)


def tutorial_built(corpus: Path, embeddings: Any, folder: Path, log: Log) -> tuple[Any, dict[str, object]]:
    """The tutorial pipeline over the story files, saved to `folder` with its build figures (build.json)."""
    from bench.tutorial import build

    log("[reuters] tutorial build")
    started = machine()
    reset_peak_rss()
    tindex, stats = build(corpus, embeddings)
    out: dict[str, object] = dict(stats)
    out["chunks_per_s"] = rate(int(stats["chunks"]), float(stats["seconds"]))
    out["peak_rss_mb"] = peak_rss_mb()
    out["machine_start"], out["machine_end"] = started, machine()
    tindex.save(folder)
    (folder / "build.json").write_text(json.dumps(out, indent=2))
    return tindex, out


def tutorial_side(
    corpus: Path, opts: ReutersOptions, questions: Sequence[Question], embeddings: Any, log: Log
) -> dict[str, object]:
    """The tutorial over the same story files (built here, or loaded from opts.tutorial_dir): its build,
    warm retrieval p50/p95, hit@1 and hit@4."""
    from bench.tutorial import TutorialIndex, tutorial_embeddings

    embeddings = embeddings or tutorial_embeddings()
    folder = opts.tutorial_dir or opts.work / "tutorial"
    if opts.tutorial_dir and (folder / "build.json").is_file():
        tindex = TutorialIndex.load(folder)
        out: dict[str, object] = {**json.loads((folder / "build.json").read_text()), "built_by": str(folder)}
    else:
        tindex, out = tutorial_built(corpus, embeddings, folder, log)
    for q in questions[:5]:
        tindex.search(embeddings, q.text)
    ms: list[float] = []
    ranked: list[list[str]] = []
    for round_ in range(opts.rounds):
        for q in questions:
            t = time.perf_counter()
            found = tindex.search(embeddings, q.text)
            ms.append((time.perf_counter() - t) * 1000)
            if round_ == 0:
                ranked.append([Path(source).name for source, _, _ in found])
    out["search_ms"] = summarise(ms)
    out.update(hits(ranked, questions))
    out["loadavg"] = loadavg()
    return out


class TimedEmbedder(Embedder):
    """An embedder that adds up the seconds and texts of its calls: how long a build spends encoding."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self.seconds, self.texts = 0.0, 0

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.inner.embed(texts, batch_size=batch_size, progress=progress)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)


def floors(result: dict[str, object]) -> list[dict[str, object]]:
    """The issue's Reuters floors with the measured figure: reported, never asserted."""
    build, qabot = result.get("build") or {}, result.get("qabot") or {}
    assert isinstance(build, dict) and isinstance(qabot, dict)
    p50 = (qabot.get("answer_ms") or {}).get("p50")
    # the encoder's rate measured inside the build (same texts, same load) when the run has it
    build_ratio = build.get("build_over_encoder_in_build", build.get("build_over_raw_rate"))
    return [
        {"floor": "build rate / encoder rate", "target": ">= 0.8", "value": build_ratio,
         "met": None if build_ratio is None else build_ratio >= 0.8},
        {"floor": "warm answer p50 (ms)", "target": "<= 30", "value": p50, "met": None if p50 is None else p50 <= 30},
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.reuters tutorial --data FILE --folder DIR [--limit N]`: the tutorial's index over the
    stories, built and saved on its own (for `qabot bench --reuters ... --tutorial-dir DIR`)."""
    import argparse
    import sys

    from bench.tutorial import tutorial_embeddings

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("what", choices=["tutorial"])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)
    write_stories(list(stories(args.data, args.limit)), args.folder / "corpus")
    tutorial_built(args.folder / "corpus", tutorial_embeddings(), args.folder, lambda m: print(m, file=sys.stderr))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
