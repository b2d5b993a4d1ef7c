"""`qabot calibrate FILE...`: fit the answer model's weights (bot/engines/calibration.py) on question sets.

Every question without history is answered with abstention turned off and becomes one row: the features
the engine's confidence is computed from, and whether that answer is right (correct and citing an
expected source; never, for a question the articles don't answer). Fit on development
sets only; the held-out sets are for reporting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer


def candidate_groups(bot: Any, cases: list[Any]) -> list[list[tuple[dict[str, float], bool]]]:
    """Per question (single-part, no history): its candidates' features, and whether each candidate's quotes
    hold the expected answer and come from an expected source. The ranker is fitted on these."""
    from bot.evaluation.metrics import is_correct
    from bot.language.question import parts

    engine = _extractive(bot)
    groups = []
    for case in cases:
        if case.history or not case.answerable or len(parts(case.question)) > 1:
            continue
        evidence = bot.evidence(case.question)
        group = []
        for candidate, reading in engine.candidates(case.question, evidence):
            text = " ".join(
                engine.quote_text(evidence.index, q) for q in engine.support(evidence.index, candidate, reading)
            )
            ok = is_correct(text, case.must_include, case.expected_answer) and (
                not case.expected_sources or candidate.quote.source in set(case.expected_sources)
            )
            group.append((reading.features, bool(ok)))
        groups.append(group)
    return groups


def _extractive(bot: Any) -> Any:
    from bot.engines.extractive import ExtractiveEngine

    if not isinstance(bot.engine, ExtractiveEngine):
        raise typer.BadParameter("calibration reads the extractive engine's candidates")
    return bot.engine


def answer_rows(bot: Any, cases: list[Any]) -> tuple[list[dict[str, float]], list[bool]]:
    """The features behind each case's answer, given with abstention off, and whether that answer is right:
    correct and citing an expected source (never, for a question the articles don't answer)."""
    from bot.evaluation.metrics import is_correct, strip_markers

    engine = _extractive(bot)
    rows: list[dict[str, float]] = []
    labels: list[bool] = []
    for case in cases:
        if case.history:
            continue
        draft = engine.draft(bot.evidence(case.question))
        if not draft.features:  # nothing retrieved, or not a question: abstains whatever the weights
            continue
        expected = set(case.expected_sources)
        right = (
            case.answerable
            and is_correct(strip_markers(draft.text), case.must_include, case.expected_answer)
            and (not expected or any(q.source in expected for q in draft.quotes))
        )
        rows.append(draft.features)
        labels.append(bool(right))
    return rows, labels


def calibrate_command(
    files: Annotated[list[Path], typer.Argument(help="Development question files (never the held-out ones).")],
    out: Annotated[Path | None, typer.Option(help="Write the fitted weights here as JSON.")] = None,
    l2: Annotated[float, typer.Option(help="L2 penalty of the logistic regression.")] = 1.0,
    answer_only: Annotated[
        bool, typer.Option("--answer-only", help="Keep the ranker's current weights; fit the answer model only.")
    ] = False,
    work_dir: Annotated[Path, typer.Option(help="Where corpora named by question files are built.")] = Path(
        "results/eval-corpora"
    ),
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Fit only these answer-model weights (a new check's), holding the others as they are."
        ),
    ] = None,
) -> None:
    """Fit the answer model's weights on question sets and print them (set them in bot/settings.py)."""
    from bot.core import QABot
    from bot.engines.calibration import fit, fit_ranker, fit_some, linear, log_loss, probability
    from bot.engines.reading import ANSWER_FEATURES
    from bot.evaluation.cases import load_cases
    from bot.settings import Settings as load_settings

    base = load_settings()
    sets = []
    for file in files:
        case_set = load_cases(file, work_dir=work_dir)
        overrides: dict[str, Any] = {"engine": "extractive", "abstain_below": 0.0}
        if case_set.corpus is not None:
            overrides["corpus"] = case_set.corpus
            overrides["index_dir"] = case_set.corpus.parent / f"index-{base.embedder.replace('/', '_')}"
        sets.append((file, case_set.cases, overrides))

    groups = []
    for file, cases, overrides in sets:
        found = candidate_groups(QABot.load(load_settings(**overrides)), cases)
        typer.echo(f"{file}: {len(found)} questions, {sum(any(ok for _, ok in g) for g in found)} answerable", err=True)
        groups += found
    ranker = dict(base.rank_weights) if answer_only or only else fit_ranker(groups, l2=l2)
    top1 = sum(g[max(range(len(g)), key=lambda i: linear(ranker, g[i][0]))][1] for g in groups if g)
    first = sum(g[0][1] for g in groups if g)
    typer.echo(
        f"ranker: the first candidate answers {top1} of {len(groups)} (by sentence score alone: {first})", err=True
    )

    rows: list[dict[str, float]] = []
    labels: list[bool] = []
    for file, cases, overrides in sets:
        bot = QABot.load(load_settings(**overrides, rank_weights=ranker))
        more_rows, more_labels = answer_rows(bot, cases)
        typer.echo(f"{file}: {len(more_rows)} answers, {sum(more_labels)} right", err=True)
        rows += more_rows
        labels += more_labels
    before = log_loss(base.answer_weights, rows, labels)
    if only:
        unknown = sorted(set(only) - set(ANSWER_FEATURES))
        if unknown:
            raise typer.BadParameter(f"not answer-model features: {', '.join(unknown)}", param_hint="--only")
        weights = fit_some(rows, labels, base.answer_weights, only, l2=l2)
    else:
        weights = fit(rows, labels, l2=l2, names=ANSWER_FEATURES)
    after = log_loss(weights, rows, labels)
    typer.echo(f"answer model log loss: {before:.4f} with the current weights, {after:.4f} fitted", err=True)
    fitted = {"rank_weights": ranker, "answer_weights": weights}
    text = json.dumps(fitted, indent=2)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    typer.echo(text)
    for threshold in (0.3, 0.4, 0.5, 0.6):
        answered = [probability(weights, r) >= threshold for r in rows]
        right = sum(a and y for a, y in zip(answered, labels, strict=True))
        declined_right = sum(not a and y for a, y in zip(answered, labels, strict=True))
        declined_wrong = sum(not a and not y for a, y in zip(answered, labels, strict=True))
        typer.echo(
            f"abstain below {threshold}: {right} right answers kept, {declined_right} declined, "
            f"{declined_wrong} of {len(labels) - sum(labels)} wrong or unanswerable declined",
            err=True,
        )
