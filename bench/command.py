"""`qabot bench`: speed figures of issue 7, qabot and the LangChain tutorial pipeline side by side.

Imports nothing heavy at the top: the benchmark modules load when the command runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def bench_command(
    out: Annotated[Path, typer.Option(help="Where the JSON results go.")] = Path("results/bench.json"),
    quick: Annotated[bool, typer.Option(help="seeds/ and the RGB pool only, one round (a few minutes).")] = False,
    seeds_only: Annotated[
        bool, typer.Option(help="seeds/ only: build, warm latency, encoder agreement, cold start (minutes).")
    ] = False,
    with_10k: Annotated[
        bool, typer.Option("--with-10k/--skip-10k", help="The 10k-chunk synthetic corpus and incremental update.")
    ] = True,
    real_10k: Annotated[
        bool, typer.Option(help="Embed the 10k corpus with the real encoder (slow) and build the tutorial on it too.")
    ] = False,
    with_100k: Annotated[
        bool, typer.Option("--with-100k/--skip-100k", help="The 100k-chunk corpus (heavy; nice -n 10 child).")
    ] = False,
    with_1m: Annotated[
        bool, typer.Option("--with-1m/--skip-1m", help="FAISS alone at 1M vectors (heavy; nice -n 10 child).")
    ] = False,
    rounds: Annotated[
        int, typer.Option(help="Passes over the question list for warm latency (--serving: runs per worker count).")
    ] = 3,
    questions: Annotated[
        Path | None, typer.Option(help="Question file for seeds/ (default eval/seeds.jsonl, else bench/questions.txt).")
    ] = None,
    work: Annotated[Path | None, typer.Option(help="Keep corpora and indexes here (default: a temp folder).")] = None,
    use_100k: Annotated[
        Path | None, typer.Option(help="Take the 100k figures from an earlier `python -m bench.scale` JSON.")
    ] = None,
    use_1m: Annotated[
        list[Path] | None,
        typer.Option(help="Take the 1M figures from earlier `python -m bench.faiss_scale` JSONs (repeatable)."),
    ] = None,
    markdown: Annotated[Path | None, typer.Option(help="Also write the Markdown tables to this file.")] = None,
    serving: Annotated[
        bool,
        typer.Option(
            "--serving",
            help="Only the serving figure: answers/s and p50/p95 latency of 1 and 2 webhook workers on one Redis "
            "(loopback, fake Bot API; needs redis-server). Writes --out (default results/bench-serving.json).",
        ),
    ] = False,
    burst: Annotated[int, typer.Option(help="--serving: questions per run, each from its own chat.")] = 80,
    reuters: Annotated[
        Path | None,
        typer.Option(help="Only the Reuters part: index this JSONL(.gz) of stories end to end, beside the tutorial."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="With --reuters: the first N stories only.")] = None,
    embedder: Annotated[
        str, typer.Option(help="With --reuters: what embeds the corpus (minilm-onnx: int8 twin; minilm: fp32).")
    ] = "minilm-onnx",
    tutorial: Annotated[bool, typer.Option(help="With --reuters: build and query the tutorial pipeline too.")] = True,
    tutorial_dir: Annotated[
        Path | None,
        typer.Option(help="With --reuters: use the tutorial index saved here by `python -m bench.reuters tutorial`."),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="With --reuters: reuse the index and build figures of an earlier run in --work.")
    ] = False,
    stores: Annotated[
        bool,
        typer.Option(
            help="With --reuters: seeds/ and a ~5k-chunk slice (--limit, default 1600 stories) per vector store."
        ),
    ] = False,
    million: Annotated[
        Path | None,
        typer.Option(
            help="Only the 1M part: qabot over this built index's sentences plus generated ones "
            "(with --stores: reuse this index's vectors)."
        ),
    ] = None,
    total: Annotated[int, typer.Option(help="With --million: sentences in the index, real and generated.")] = 10**6,
) -> None:
    """Benchmark qabot against the LangChain tutorial pipeline; print Markdown tables, write JSON."""
    if serving:
        _serving(out if out != Path("results/bench.json") else Path("results/bench-serving.json"), work, burst, rounds)
        return
    if stores and reuters is not None:
        _stores(reuters, out, work, limit or 1600, embedder, rounds, million)
        return
    if million is not None:
        _million(million, out, work, total, rounds)
        return
    if reuters is not None:
        _reuters(reuters, out, work, limit, embedder, tutorial, rounds, tutorial_dir, resume)
        return
    from bench.report import to_markdown
    from bench.run import BenchOptions, run_bench

    options = BenchOptions(
        out=out,
        work=work,
        quick=quick,
        seeds_only=seeds_only,
        with_10k=with_10k,
        real_10k=real_10k,
        with_100k=with_100k,
        with_1m=with_1m,
        rounds=rounds,
        questions=questions,
        use_100k=use_100k,
        use_1m=use_1m or [],
    )
    results = run_bench(options, log=lambda message: print(f"bench: {message}", file=sys.stderr, flush=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    text = to_markdown(results)
    if markdown:
        markdown.write_text(text + "\n")
    print(text)


def _serving(out: Path, work: Path | None, burst: int, rounds: int) -> None:
    from bench.serving import ServingOptions, run_serving, to_markdown

    results = run_serving(
        ServingOptions(burst=burst, work=work, rounds=rounds),
        log=lambda message: print(f"bench: {message}", file=sys.stderr, flush=True),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(to_markdown(results))


def _reuters(
    data: Path,
    out: Path,
    work: Path | None,
    limit: int | None,
    embedder: str,
    tutorial: bool,
    rounds: int,
    tutorial_dir: Path | None,
    resume: bool,
) -> None:
    import tempfile

    from bench.report import reuters_markdown
    from bench.reuters import ReutersOptions, run_reuters

    if not data.is_file():
        raise typer.BadParameter(f"{data} is not a file", param_hint="--reuters")
    folder = work or Path(tempfile.mkdtemp(prefix="qabot-reuters-"))
    options = ReutersOptions(
        data=data,
        work=folder,
        limit=limit,
        embedder=embedder,
        tutorial=tutorial,
        rounds=min(rounds, 2),
        tutorial_dir=tutorial_dir,
        resume=resume,
    )
    results = run_reuters(options, log=lambda message: print(f"bench: {message}", file=sys.stderr, flush=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(reuters_markdown(results))


def _million(source: Path, out: Path, work: Path | None, total: int, rounds: int) -> None:
    import tempfile

    from bench.million import MillionOptions, run_million
    from bench.report import million_markdown

    if not (source / "CURRENT").is_file():
        raise typer.BadParameter(f"{source} is not a built qabot index (no CURRENT)", param_hint="--million")
    folder = work or Path(tempfile.mkdtemp(prefix="qabot-1m-"))
    options = MillionOptions(source_index=source, work=folder, total=total, rounds=min(rounds, 2))
    results = run_million(options, log=lambda message: print(f"bench: {message}", file=sys.stderr, flush=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(million_markdown(results))


def _stores(
    data: Path, out: Path, work: Path | None, stories: int, embedder: str, rounds: int, vectors_from: Path | None
) -> None:
    import tempfile

    from bench.report import stores_markdown
    from bench.run import ROOT
    from bench.stores import run_stores

    folder = work or Path(tempfile.mkdtemp(prefix="qabot-stores-"))
    log = lambda message: print(f"bench: {message}", file=sys.stderr, flush=True)  # noqa: E731
    results = run_stores(
        folder, data, ROOT / "seeds", stories, min(rounds, 2), embedder, log=log, vectors_from=vectors_from
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(stores_markdown(results))
