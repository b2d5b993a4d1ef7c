"""`qabot eval FILE`: every case through the bot's own `answer()`, scored; a terminal summary, JSON, an HTML report,
a comparison with an earlier run and floors that fail the command (the CI gate). Heavy imports happen inside."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

FloorOpt = Annotated[float | None, typer.Option(show_default=False)]


def _commit(root: Path) -> str | None:
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}{'+dirty' if dirty else ''}" if head else None


def load_floors(gate: Path | None, flags: dict[str, float | None]) -> dict[str, float]:
    """The gate file's floors, overridden by the floors given as options."""
    floors: dict[str, float] = {}
    if gate is not None:
        data = json.loads(gate.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{gate}: expected a JSON object of floors")
        floors.update({k: float(v) for k, v in data.items() if not k.startswith("_")})
    floors.update({k: v for k, v in flags.items() if v is not None})
    return floors


def eval_command(
    file: Annotated[Path, typer.Argument(help="Question file: our JSONL (see eval/seeds.jsonl) or RGB's format.")],
    engine: Annotated[
        list[str] | None, typer.Option("--engine", "-e", help="Engine to evaluate (repeat to compare engines).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the JSON (summary and per-case results) here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the self-contained HTML report here.")] = None,
    compare: Annotated[Path | None, typer.Option(help="An earlier JSON result: show what got better or worse.")] = None,
    gate: Annotated[
        Path | None, typer.Option(help="JSON of floors, e.g. eval/floors.json: exit 1 if one is missed.")
    ] = None,
    min_accuracy: FloorOpt = None,
    min_abstention: FloorOpt = None,
    max_false_abstention: FloorOpt = None,
    min_quote_validity: FloorOpt = None,
    min_hit_at_1: Annotated[float | None, typer.Option("--min-hit1", "--min-hit-at-1", show_default=False)] = None,
    min_hit_at_5: Annotated[float | None, typer.Option("--min-hit5", "--min-hit-at-5", show_default=False)] = None,
    min_mrr: FloorOpt = None,
    max_latency_p95_ms: Annotated[float | None, typer.Option("--max-p95-ms", show_default=False)] = None,
    min_short_em: FloorOpt = None,
    min_short_f1: FloorOpt = None,
    max_ece: FloorOpt = None,
    max_brier: FloorOpt = None,
    corpus: Annotated[
        Path | None,
        typer.Option(help="Corpus folder (default: settings; RGB and files with a corpus header: their own)."),
    ] = None,
    index_dir: Annotated[
        Path | None, typer.Option(help="Index folder (default: settings; a file's own corpus: its own index).")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder holding the data file a question file's corpus header names (default: next to the question "
            "file, then ../shared/data, then /work/shared/data)."
        ),
    ] = None,
    rgb_pool: Annotated[
        str, typer.Option(help="RGB passages to pool into the corpus: pos+neg, pos+neg+wrong (counterfactual), pos.")
    ] = "pos+neg",
    work_dir: Annotated[
        Path,
        typer.Option(help="Where the corpora question files bring (RGB, corpus headers) and their indexes are built."),
    ] = Path("results/eval-corpora"),
    limit: Annotated[int | None, typer.Option(help="Only the first N cases.")] = None,
    only: Annotated[list[str] | None, typer.Option("--case", help="Only these case ids (repeatable).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Evaluate answers against a question file: correctness with citations, quotes, abstention, retrieval, latency.

    Exit status: 0 when every floor is met (or none is set), 1 when a floor is missed, 2 when the run cannot start
    (bad question file, unknown floor, no index or model)."""
    from rich.console import Console

    from bot.evaluation.cases import CaseFileError, load_cases
    from bot.evaluation.metrics import check_floors, summarise, validate_floors
    from retrieval.errors import QabotError

    out_console, err = Console(), Console(stderr=True)

    def fail(message: str, code: int = 2) -> typer.Exit:
        err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)  # one line, however long
        return typer.Exit(code)

    flags = {
        "min_accuracy": min_accuracy,
        "min_abstention": min_abstention,
        "max_false_abstention": max_false_abstention,
        "min_quote_validity": min_quote_validity,
        "min_hit_at_1": min_hit_at_1,
        "min_hit_at_5": min_hit_at_5,
        "min_mrr": min_mrr,
        "max_latency_p95_ms": max_latency_p95_ms,
        "min_short_em": min_short_em,
        "min_short_f1": min_short_f1,
        "max_ece": max_ece,
        "max_brier": max_brier,
    }
    try:
        floors = load_floors(gate, flags)
        validate_floors(floors)
        case_set = load_cases(file, work_dir=work_dir, rgb_pool=rgb_pool, data_dir=data_dir)
        baseline = None
        if compare is not None:
            from bot.evaluation.report import load_run

            baseline = load_run(compare)
            baseline["meta"] = {**baseline.get("meta", {}), "out": str(compare)}
    except (OSError, ValueError, CaseFileError) as e:
        raise fail(str(e)) from e

    cases = case_set.cases
    if only:
        wanted = set(only)
        cases = [c for c in cases if c.id in wanted]
        if missing := wanted - {c.id for c in cases}:
            raise fail(f"no case with id {', '.join(sorted(missing))} in {file}")
    if limit is not None:
        cases = cases[:limit]
    if not cases:
        raise fail("no cases to run")
    for note in case_set.notes:
        err.print(note, highlight=False, soft_wrap=True)

    from bot.console import settings as load_settings
    from bot.core import QABot
    from bot.evaluation.harness import run_cases
    from bot.evaluation.report import compare as compare_runs
    from bot.evaluation.report import print_summary, write_html, write_json
    from bot.settings import ROOT

    base = load_settings()
    engines = list(dict.fromkeys(engine or [base.engine]))
    overrides: dict[str, Any] = {"engine": engines[0]}
    if case_set.corpus is not None:
        overrides["corpus"] = case_set.corpus
        overrides["index_dir"] = case_set.corpus.parent / f"index-{base.embedder.replace('/', '_')}"
    if corpus is not None:
        overrides["corpus"] = corpus
    if index_dir is not None:
        overrides["index_dir"] = index_dir
    settings = load_settings(**overrides)

    try:
        with err.status(f"loading the index of {settings.corpus} and the models"):
            t = time.perf_counter()
            bot = QABot.load(settings, progress=sys.stderr.isatty())
            load_s = time.perf_counter() - t
        runs: list[dict[str, Any]] = []
        for spec in engines:
            bot.use_engine(spec)
            started = datetime.now(UTC).isoformat(timespec="seconds")
            t = time.perf_counter()
            results = run_cases(bot, cases, settings.corpus, progress=progress, label=f"{spec}")
            runs.append(
                {
                    "meta": {
                        "file": str(file),
                        "format": case_set.format,
                        "engine": spec,
                        "embedder": settings.embedder,
                        "abstain_below": settings.abstain_below,
                        "corpus": str(settings.corpus),
                        "corpus_data": str(case_set.data_file) if case_set.data_file else None,
                        "index_dir": str(settings.index_dir),
                        "commit": _commit(ROOT),
                        "started": started,
                        "seconds": round(time.perf_counter() - t, 2),
                        "load_seconds": round(load_s, 2),
                        "cases": len(cases),
                        "out": str(out) if out else None,
                    },
                    "summary": summarise(results),
                    "results": results,
                }
            )
    except QabotError as e:
        raise fail(str(e)) from e

    comparison = compare_runs(baseline, runs[0]) if baseline is not None else None
    missed = {run["meta"]["engine"]: check_floors(run["summary"], floors) for run in runs} if floors else None

    print_summary(out_console, runs, comparison)
    payload: dict[str, Any] = {
        "meta": runs[0]["meta"],
        "summary": runs[0]["summary"],
        "results": runs[0]["results"],
        "floors": floors,
        "missed": missed,
    }
    if len(runs) > 1:
        payload["runs"] = runs
    if comparison is not None:
        payload["comparison"] = comparison
    if out is not None:
        write_json(out, payload)
        out_console.print(f"results: {out}")
    if report is not None:
        write_html(report, runs, comparison, baseline, floors, missed)
        out_console.print(f"report: {report}")
    if missed is not None:
        failed = {name: items for name, items in missed.items() if items}
        for name, items in failed.items():
            err.print(f"[bold red]floors missed[/] ({name}): " + "; ".join(items), highlight=False)
        if failed:
            raise typer.Exit(1)
        out_console.print(f"[green]every floor met[/] ({', '.join(f'{k} {v:g}' for k, v in floors.items())})")
