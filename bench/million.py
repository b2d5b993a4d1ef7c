"""`qabot bench --million INDEX`: qabot answering over about 1M sentence vectors, end to end.

The corpus: every sentence of a built qabot index over real text (the Reuters run's, `--million
/tmp/.../index`), with its real vector and stored parse, plus generated sentences up to `total`:

- a generated sentence is a real sentence drawn uniformly at random (with replacement) from the source
  index, its text followed by the marker " [synthetic NNNNNNN]" (its number), its parse the real one's (the
  marker comes after every mention), its vector the real one's plus Gaussian noise of norm `noise`,
  renormalised: v = (r + noise·g/√384) / ‖r + noise·g/√384‖, g ~ N(0, I) (cosine to r about 0.89 at 0.5);
- files: each real story as `<source>` (its sentences, one per paragraph, in order); the generated ones as
  `synthetic/part-NNNN.jsonl`, 1,000 records of 20 sentences each.

The index is built by `build_index` itself, from the files to the published version (chunking, SQLite,
the auto index type), with three stand-ins so that nothing is embedded or parsed again: a splitter that
takes each paragraph as one sentence, an analyser that looks the parse up by text, and an embedder that
looks the vector up by text (`Precomputed`). Then a fresh process (`python -m bench.million measure`)
loads the index the way the bot does (`QABot.load`) and measures load time, memory, warm search and answer
latency over questions made from the real stories (bench.reuters.make_questions), and dense recall@10
against exact inner-product search over all vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.measure import loadavg, peak_rss_mb, rate, ratio, release_freed, reset_peak_rss, rss_mb, run_child
from retrieval.embed import Embedder
from retrieval.records import Mention, Parse, Span

Log = Callable[[str], None]
MARK = " [synthetic {:07d}]"
MARKED = re.compile(r" \[synthetic (\d{7})\]$")
PER_ARTICLE = 20
PER_FILE = 1000
BLOCK = 100_000
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class MillionOptions:
    source_index: Path  # a built qabot index over real text
    work: Path
    total: int = 1_000_000
    noise: float = 0.5
    questions: int = 200
    rounds: int = 2
    seed: int = 11
    embedder: str = "minilm"  # the query side (settings.embedder); "hash" in tests


def key(text: str) -> str:
    return " ".join(text.split())


class Precomputed(Embedder):
    """Vectors looked up by text: real sentences by their text, generated ones by their marker's number."""

    def __init__(self, model_id: str, real: dict[str, np.ndarray], generated: np.ndarray) -> None:
        self.model_id = model_id
        self.dim = generated.shape[1] if len(generated) else len(next(iter(real.values())))
        self.real = real
        self.generated = generated

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            marked = MARKED.search(text)
            out[row] = self.generated[int(marked.group(1))] if marked else self.real[key(text)]
        return out


def paragraph_splitter(blocks: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Each paragraph is one sentence (the files hold one sentence per paragraph)."""
    spans = []
    for block in blocks:
        start = len(block) - len(block.lstrip())
        end = len(block.rstrip())
        spans.append([(start, end)] if end > start else [])
    return spans


def lookup_analyser(parses: dict[str, Parse]) -> Callable[[Sequence[str]], list[Parse]]:
    def analyse(texts: Sequence[str]) -> list[Parse]:
        return [parses.get(key(MARKED.sub("", t)), Parse()) for t in texts]

    return analyse


def relative(parse: Parse, by: int) -> Parse:
    """A stored parse (article offsets) in the offsets of its sentence."""
    return Parse(
        mentions=tuple(Mention(start=m.start - by, end=m.end - by, label=m.label) for m in parse.mentions),
        verbs=parse.verbs,
        subject=Span(start=parse.subject.start - by, end=parse.subject.end - by) if parse.subject else None,
        subject_kind=parse.subject_kind,
    )


def perturbed(vectors: np.ndarray, rows: np.ndarray, noise: float, seed: int) -> np.ndarray:
    """v = normalise(r + noise·g/√dim) for each chosen real row r, block by block."""
    out = np.empty((len(rows), vectors.shape[1]), dtype=np.float32)
    rng = np.random.default_rng(seed)
    for start in range(0, len(rows), BLOCK):
        chunk = rows[start : start + BLOCK]
        x = vectors[chunk] + rng.standard_normal((len(chunk), vectors.shape[1]), dtype=np.float32) * (
            noise / np.sqrt(vectors.shape[1])
        )
        out[start : start + len(chunk)] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def write_corpus(opts: MillionOptions, log: Log) -> tuple[Path, Precomputed, Callable, dict[str, object], list[Any]]:
    """The corpus files, the stand-ins for the build, what was made, and questions from the real stories."""
    from bench.reuters import make_questions
    from retrieval.index import load_index

    source = load_index(opts.source_index)
    corpus = opts.work / "corpus-1m"
    corpus.mkdir(parents=True, exist_ok=True)
    texts: list[str] = []
    parses: dict[str, Parse] = {}
    for article in source.articles.values():
        lines = []
        for span, parse in zip(article.sentences, article.parses, strict=True):
            text = key(article.text[span.start : span.end])
            lines.append(text)
            parses.setdefault(text, relative(parse, span.start))
        texts.extend(lines)
        target = corpus / article.source
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    vectors = np.asarray(source.vectors[0 : len(texts)], dtype=np.float32)
    questions = make_questions(source, opts.questions)
    model_id = source.model_id
    del source
    real = {t: vectors[i] for i, t in enumerate(texts)}
    n_generated = max(opts.total - len(texts), 0)
    rows = np.random.default_rng(opts.seed).integers(0, len(texts), n_generated)
    log(f"[1M] {len(texts)} real sentences; generating {n_generated}")
    generated = perturbed(vectors, rows, opts.noise, opts.seed + 1)
    (corpus / "synthetic").mkdir(exist_ok=True)
    per_file = PER_ARTICLE * PER_FILE
    for part, start in enumerate(range(0, n_generated, per_file)):
        records = []
        for a in range(start, min(start + per_file, n_generated), PER_ARTICLE):
            body = [texts[rows[g]] + MARK.format(g) for g in range(a, min(a + PER_ARTICLE, n_generated))]
            records.append(json.dumps({"title": f"Synthetic {a // PER_ARTICLE}", "text": "\n\n".join(body)}))
        (corpus / "synthetic" / f"part-{part:04d}.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    made: dict[str, object] = {
        "real_sentences": len(texts),
        "generated_sentences": n_generated,
        "noise": opts.noise,
        "mean_cosine_generated_to_real": round(float(np.mean(np.sum(generated[:10000] * vectors[rows[:10000]], 1))), 4)
        if n_generated
        else None,
    }
    return corpus, Precomputed(model_id, real, generated), lookup_analyser(parses), made, questions


def build(opts: MillionOptions, log: Log) -> dict[str, object]:
    """Write the corpus and build its index (in its own process: `python -m bench.million build`)."""
    from bench.reuters import disk_mb
    from bot.settings import Settings
    from retrieval.index import build_index

    corpus, embedder, analyser, made, questions = write_corpus(opts, log)
    (opts.work / "questions-1m.json").write_text(json.dumps([asdict(q) for q in questions]))
    settings = Settings(corpus=corpus, index_dir=opts.work / "index-1m", embedder=opts.embedder)
    log("[1M] building")
    reset_peak_rss()
    report = build_index(
        corpus,
        settings.index_dir,
        embedder,
        settings.chunking,
        rebuild=True,
        index_type=settings.index_type,
        splitter=paragraph_splitter,
        analyser=analyser,
    )
    log(f"[1M] built {report.sentences} sentences ({report.index_type}) in {report.seconds:.0f} s")
    return {
        "corpus": made,
        "build": {
            "articles": report.articles,
            "chunks": report.chunks,
            "sentences": report.sentences,
            "index_type": report.index_type,
            "seconds": round(report.seconds, 1),
            "sentences_per_s": rate(report.sentences, report.seconds),
            "disk_mb": disk_mb(settings.index_dir),
            "peak_rss_mb": peak_rss_mb(),
            "loadavg": loadavg(),
        },
    }


def run_million(opts: MillionOptions, log: Log = print) -> dict[str, object]:
    """Build in one fresh process, measure in another (each one's memory its own); the results together."""
    from bench.reuters import machine

    started = time.perf_counter()
    opts.work.mkdir(parents=True, exist_ok=True)
    result: dict[str, object] = {"machine_start": machine(), "options": {k: str(v) for k, v in asdict(opts).items()}}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    common = [sys.executable, "-m", "bench.million"]
    built, measured = opts.work / "build-1m.json", opts.work / "measure-1m.json"
    build_cmd = [*common, "build", "--source-index", str(opts.source_index), "--work", str(opts.work)]
    build_cmd += ["--total", str(opts.total), "--noise", str(opts.noise), "--questions", str(opts.questions)]
    build_cmd += ["--seed", str(opts.seed), "--embedder", opts.embedder, "--out", str(built)]
    log("[1M] writing the corpus and building its index in a child process")
    child = run_child(build_cmd, cwd=ROOT, timeout=3 * 3600, env=env)
    result["build_child"] = {k: child[k] for k in ("seconds", "returncode", "peak_rss_mb", "stderr_tail")}
    if built.is_file():
        result.update(json.loads(built.read_text()))
        log("[1M] loading and measuring in a fresh process")
        measure_cmd = [*common, "measure", "--work", str(opts.work), "--rounds", str(opts.rounds)]
        measure_cmd += ["--embedder", opts.embedder, "--out", str(measured)]
        child = run_child(measure_cmd, cwd=ROOT, timeout=3 * 3600, env=env)
        result["measure_child"] = {k: child[k] for k in ("seconds", "returncode", "peak_rss_mb", "stderr_tail")}
        if measured.is_file():
            result["measure"] = json.loads(measured.read_text())
    result["floors"] = floors(result)
    result["machine_end"] = machine()
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def exact_top(vectors: Any, queries: np.ndarray, k: int = 10) -> np.ndarray:
    """Exact inner-product top-k rows for each query, block by block over the vectors."""
    best_rows = np.zeros((len(queries), 0), dtype=np.int64)
    best_scores = np.zeros((len(queries), 0), dtype=np.float32)
    n = len(vectors)
    for start in range(0, n, BLOCK):
        block = np.asarray(vectors[start : min(start + BLOCK, n)], dtype=np.float32)
        scores = queries @ block.T
        rows = np.broadcast_to(np.arange(start, start + len(block)), scores.shape)
        scores = np.concatenate([best_scores, scores], axis=1)
        rows = np.concatenate([best_rows, rows], axis=1)
        keep = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(scores, keep, axis=1)
        best_rows = np.take_along_axis(rows, keep, axis=1)
    return best_rows


def measure(corpus: Path, index_dir: Path, questions: list[Any], rounds: int, embedder: str) -> dict[str, object]:
    """In a fresh process: load as the bot does, then memory, warm latency, hits and dense recall@10."""
    import faiss  # noqa: F401  (imported before the baseline: libraries are not the index)

    from bench.reuters import answered, hits, warm
    from bot.core import QABot
    from bot.settings import Settings
    from retrieval.embed import make_embedder

    make_embedder("minilm-onnx" if embedder == "minilm" else embedder)  # its libraries too
    release_freed()  # the baseline counts what is in use, never garbage the index's loading would reuse
    baseline = rss_mb() or 0.0
    settings = Settings(corpus=corpus, index_dir=index_dir, embedder=embedder)
    t = time.perf_counter()
    bot = QABot.load(settings)
    load_s = time.perf_counter() - t
    loaded = rss_mb() or 0.0
    index = bot.index
    n, dim = len(index.sentence_source), int(str(index.manifest["dim"]))
    text_bytes = sum(len(a.text.encode("utf-8")) for a in index.articles.values())
    raw = n * dim * 4
    result: dict[str, object] = {
        "sentences": n,
        "index_type": index.manifest.get("index_type"),
        "load_seconds": round(load_s, 2),
        "rss_baseline_mb": baseline,
        "rss_loaded_mb": loaded,
        "index_memory_mb": round(loaded - baseline, 1),
        "raw_vector_mb": round(raw / 2**20, 1),
        "text_mb": round(text_bytes / 2**20, 1),
        "memory_over_vectors_plus_text": ratio(loaded - baseline, (raw + text_bytes) / 2**20),
        "loadavg_after_load": loadavg(),
    }
    t = time.perf_counter()
    bot.answer(questions[0].text)  # the first answer also gathers the engine's corpus statistics
    result["first_answer_seconds"] = round(time.perf_counter() - t, 2)
    figures, ranked, answers = warm(bot, questions, rounds, settings.top_k)
    answering = rss_mb() or 0.0  # the bot that has answered: the engine's statistics are held too
    result["rss_answering_mb"] = answering
    result["memory_answering_over_vectors_plus_text"] = ratio(answering - baseline, (raw + text_bytes) / 2**20)
    result.update(figures)
    result.update(hits(ranked, questions))
    result.update(answered(answers, questions))
    qvecs = np.stack([bot.retriever.embed_query(q.text).reshape(-1) for q in questions]).astype(np.float32)
    approx = [[row for row, _ in bot.retriever.dense_sentences(v.reshape(1, -1), 10)] for v in qvecs]
    t = time.perf_counter()
    exact = exact_top(index.vectors, qvecs)
    result["exact_search_ms_per_query"] = round((time.perf_counter() - t) * 1000 / max(len(questions), 1), 1)
    result["recall_at_10"] = round(
        float(np.mean([len(set(a) & set(e.tolist())) / 10 for a, e in zip(approx, exact, strict=True)])), 4
    )
    result["peak_rss_mb"] = peak_rss_mb()
    result["loadavg"] = loadavg()
    return result


def floors(result: dict[str, object]) -> list[dict[str, object]]:
    m = result.get("measure") or {}
    assert isinstance(m, dict)
    p50 = (m.get("answer_ms") or {}).get("p50")
    recall = m.get("recall_at_10")
    # the memory of a bot that has answered (index and the engine's statistics), else of the loaded index
    memory = m.get("memory_answering_over_vectors_plus_text", m.get("memory_over_vectors_plus_text"))
    return [
        {"floor": "warm answer p50 (ms)", "target": "<= 30", "value": p50, "met": None if p50 is None else p50 <= 30},
        {"floor": "dense recall@10 vs exact", "target": ">= 0.95", "value": recall,
         "met": None if recall is None else recall >= 0.95},
        {"floor": "memory / (raw vectors + text)", "target": "<= 1.3", "value": memory,
         "met": None if memory is None else memory <= 1.3},
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.million build|measure --work DIR ...` (run_million starts these)."""
    from bench.reuters import Question

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["build", "measure"])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--source-index", type=Path)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--noise", type=float, default=0.5)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    if args.what == "build":
        opts = MillionOptions(
            args.source_index, args.work, args.total, args.noise, args.questions, seed=args.seed, embedder=args.embedder
        )
        result = build(opts, log)
    else:
        questions = [Question(**q) for q in json.loads((args.work / "questions-1m.json").read_text())]
        result = measure(args.work / "corpus-1m", args.work / "index-1m", questions, args.rounds, args.embedder)
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
