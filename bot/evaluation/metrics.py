"""Scores: answer correctness (SQuAD-normalised), token F1, short-answer exact match and F1, citations, quotes,
abstention, retrieval, calibration of the confidence (ECE, Brier), latency.

Everything here is a pure function over plain values, so each score can be checked on hand-written cases.
"""

from __future__ import annotations

import itertools
import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

MARKER = re.compile(r"\[\d{1,3}\]")
ARTICLES = re.compile(r"\b(a|an|the)\b")
PUNCTUATION = set(string.punctuation)
HYPHENS = re.compile(r"[-‐‑–—]")

Groups = Sequence[Sequence[str]]


@lru_cache(maxsize=8192)  # a pooled corpus's passages are checked against every case's answers
def normalize_answer(text: str) -> str:
    """SQuAD's normalisation (lower case, no punctuation, no articles, single spaces), with Unicode punctuation
    (curly quotes, dashes) removed too and compatibility forms folded (NFKC)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(ch for ch in text if ch not in PUNCTUATION and not unicodedata.category(ch).startswith("P"))
    text = ARTICLES.sub(" ", text)
    return " ".join(text.split())


def strip_markers(text: str) -> str:
    """The answer without its [n] citation markers (so "[8]" never counts as the number 8)."""
    return MARKER.sub(" ", text)


def contains(text: str, phrase: str) -> bool:
    """Whole-word containment after normalisation: "AP" is not found in "apply", "8" not in "1980". A part of a
    hyphenated compound is a word too: "20,000" is in "the 20,000-member workforce", which normalisation alone
    would join into one word ("20000member")."""
    needle = normalize_answer(phrase)
    if not needle:
        return False
    text = strip_markers(text)
    if f" {needle} " in f" {normalize_answer(text)} ":
        return True
    split = normalize_answer(HYPHENS.sub(" ", phrase))
    return bool(split) and f" {split} " in f" {normalize_answer(HYPHENS.sub(' ', text))} "


def satisfies(text: str, groups: Groups) -> bool:
    """Every group has at least one alternative in the text. No groups: False (nothing to satisfy)."""
    return bool(groups) and all(any(contains(text, alt) for alt in group) for group in groups)


def is_correct(text: str, must_include: Groups = (), expected_answer: str | None = None) -> bool:
    """must_include satisfied, or the expected answer contained (normalised) in the text."""
    if must_include and satisfies(text, must_include):
        return True
    return bool(expected_answer and expected_answer.strip()) and contains(text, expected_answer or "")


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1 between the normalised prediction and gold answer."""
    pred = normalize_answer(strip_markers(prediction)).split()
    ref = normalize_answer(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    common = Counter(pred) & Counter(ref)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, gold: str) -> bool:
    """SQuAD exact match: equal after normalisation (citation markers dropped from the prediction)."""
    return normalize_answer(strip_markers(prediction)) == normalize_answer(gold)


def gold_answers(expected_answer: str | None, must_include: Groups = (), limit: int = 256) -> list[str]:
    """What a short answer is scored against: the expected answer and every must_include combination (one
    alternative per group, joined by a space), at most `limit` of them, empty ones left out."""
    golds = [expected_answer or ""]
    if must_include:
        golds += [" ".join(combo) for combo in itertools.islice(itertools.product(*must_include), limit)]
    return [g for g in dict.fromkeys(golds) if normalize_answer(g)]


def short_prediction(case: dict[str, Any]) -> tuple[str, str]:
    """(the short answer to score, where it came from): the engine's short_answer; else its per-part short answers
    joined by a space; else the answer text without [n] markers (engines that give no short answer); "" when the
    bot abstained or failed."""
    if case.get("error") or case.get("abstained"):
        return "", "none"
    if (case.get("short_answer") or "").strip():
        return str(case["short_answer"]), "short_answer"
    parts = [p for p in case.get("short_answers") or () if p.strip()]
    if parts:
        return " ".join(parts), "short_answers"
    return " ".join(strip_markers(case.get("answer") or "").split()), "text"


def short_scores(prediction: str, golds: Sequence[str]) -> tuple[float, float]:
    """(exact match, token F1) of a short answer: the best over the golds."""
    if not golds:
        return 0.0, 0.0
    return (
        float(any(exact_match(prediction, g) for g in golds)),
        max(token_f1(prediction, g) for g in golds),
    )


def calibration_bins(confidences: Sequence[float], rights: Sequence[bool], bins: int = 10) -> list[dict[str, Any]]:
    """Equal-width confidence bins over [0, 1] (1.0 falls in the last): per bin its bounds, the number of cases,
    their mean confidence and the share of them that is right (None for an empty bin)."""
    members: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, right in zip(confidences, rights, strict=True):
        c = min(1.0, max(0.0, float(confidence)))
        members[min(bins - 1, int(c * bins))].append((c, bool(right)))
    return [
        {
            "low": round(i / bins, 6),
            "high": round((i + 1) / bins, 6),
            "count": len(m),
            "confidence": sum(c for c, _ in m) / len(m) if m else None,
            "accuracy": sum(r for _, r in m) / len(m) if m else None,
        }
        for i, m in enumerate(members)
    ]


def expected_calibration_error(confidences: Sequence[float], rights: Sequence[bool], bins: int = 10) -> float | None:
    """ECE: the gap between mean confidence and share right per equal-width bin, weighted by the bin's share of
    the cases. None without cases."""
    if not confidences:
        return None
    total = len(confidences)
    return sum(
        b["count"] / total * abs(b["accuracy"] - b["confidence"])
        for b in calibration_bins(confidences, rights, bins)
        if b["count"]
    )


def brier_score(confidences: Sequence[float], rights: Sequence[bool]) -> float | None:
    """Mean squared gap between the confidence and the outcome (1 right, 0 not). None without cases."""
    if not confidences:
        return None
    pairs = zip(confidences, rights, strict=True)
    return sum((min(1.0, max(0.0, float(c))) - float(bool(r))) ** 2 for c, r in pairs) / len(confidences)


def citation_precision(cited: Sequence[str], expected: Iterable[str]) -> float | None:
    """Share of the citations that name an expected source. None when nothing is cited or nothing expected."""
    wanted = set(expected)
    if not cited or not wanted:
        return None
    return sum(source in wanted for source in cited) / len(cited)


def citation_recall(cited: Iterable[str], expected: Sequence[str]) -> float | None:
    """Share of the expected sources that are cited at least once. None when nothing is expected."""
    wanted = set(expected)
    if not wanted:
        return None
    return len(wanted & set(cited)) / len(wanted)


def first_rank(retrieved: Sequence[str], expected: Iterable[str]) -> int | None:
    """1-based rank of the first retrieved passage from an expected source, or None."""
    wanted = set(expected)
    for rank, source in enumerate(retrieved, start=1):
        if source in wanted:
            return rank
    return None


def hit_at(retrieved: Sequence[str], expected: Iterable[str], k: int) -> bool:
    rank = first_rank(retrieved, expected)
    return rank is not None and rank <= k


def reciprocal_rank(retrieved: Sequence[str], expected: Iterable[str]) -> float:
    rank = first_rank(retrieved, expected)
    return 0.0 if rank is None else 1.0 / rank


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def abstention_scores(answerable: Sequence[bool], abstained: Sequence[bool]) -> dict[str, float | None]:
    """Abstention recall (on unanswerable cases), its precision (of all abstentions, how many were due) and the
    false abstention rate (abstentions on answerable cases). None where the denominator is empty."""
    pairs = list(zip(answerable, abstained, strict=True))
    unanswerable = [a for ok, a in pairs if not ok]
    answerable_ = [a for ok, a in pairs if ok]
    abstentions = [ok for ok, a in pairs if a]
    return {
        "abstention": sum(unanswerable) / len(unanswerable) if unanswerable else None,
        "abstention_precision": sum(not ok for ok in abstentions) / len(abstentions) if abstentions else None,
        "false_abstention": sum(answerable_) / len(answerable_) if answerable_ else None,
    }


def mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


# ------------------------------------------------------------------ per case and summary


def verdict(case: dict[str, Any]) -> tuple[bool, str]:
    """Right or not, and why, from a case's recorded answer and scores."""
    if case.get("error"):
        return False, "error"
    if not case["answerable"]:
        return (True, "abstained") if case["abstained"] else (False, "answered an unanswerable question")
    if case["abstained"]:
        return False, "false abstention"
    m = case["metrics"]
    if not m["correct"]:
        return False, "wrong answer"
    if case["expected_sources"] and not m["cites_expected"]:
        return False, "no citation of an expected source"
    return True, "right"


def score_case(case: dict[str, Any], quote_check: Callable[[dict[str, Any]], tuple[bool, bool]]) -> dict[str, Any]:
    """Add `metrics`, `right` and `verdict` to a recorded case (question, expectations, answer, citations...).
    quote_check(citation) -> (quote found verbatim in the cited file, quote within the cited line span)."""
    text = case.get("answer") or ""
    expected = case.get("expected_sources") or []
    cited = [c["source"] for c in case.get("citations", [])]
    for citation in case.get("citations", []):
        citation["quote_valid"], citation["span_valid"] = quote_check(citation)
        citation["expected_source"] = citation["source"] in expected
    retrieved = case.get("retrieved_sources") or []
    answerable = case["answerable"]
    metrics: dict[str, Any] = {
        "correct": answerable
        and not case.get("abstained")
        and is_correct(text, case.get("must_include") or (), case.get("expected_answer")),
        "f1": token_f1(text, case["expected_answer"]) if answerable and case.get("expected_answer") else None,
        "citation_precision": citation_precision(cited, expected) if answerable else None,
        "citation_recall": citation_recall(cited, expected) if answerable else None,
        "cites_expected": bool(set(cited) & set(expected)),
        "quotes": len(cited),
        "valid_quotes": sum(c["quote_valid"] for c in case.get("citations", [])),
        "valid_spans": sum(c["span_valid"] for c in case.get("citations", [])),
        "rank": first_rank(retrieved, expected) if answerable and expected else None,
        "hit_at_1": hit_at(retrieved, expected, 1) if answerable and expected else None,
        "hit_at_5": hit_at(retrieved, expected, 5) if answerable and expected else None,
        "rr": reciprocal_rank(retrieved, expected) if answerable and expected else None,
        # counterfactual cases: does the answer give both the gold answer and the planted one, and say they differ?
        "both_sides": not case.get("abstained")
        and satisfies(text, case["must_include"])
        and satisfies(text, case["conflicting"])
        if answerable and case.get("conflicting") and case.get("must_include")
        else None,
        "conflict_said": DISAGREE.search(text) is not None if answerable and case.get("conflicting") else None,
    }
    if answerable:
        prediction, metrics["short_from"] = short_prediction(case)
        metrics["short_em"], metrics["short_f1"] = short_scores(
            prediction, gold_answers(case.get("expected_answer"), case.get("must_include") or ())
        )
    else:
        metrics["short_from"], metrics["short_em"], metrics["short_f1"] = None, None, None
    case["metrics"] = metrics
    case["right"], case["verdict"] = verdict(case)
    return case


DISAGREE = re.compile(
    r"\b(?:sources? (?:disagree|differ|conflict|contradict)\w*|contradictory|conflicting (?:reports|accounts))\b",
    re.IGNORECASE,
)


def _rate(values: Iterable[bool | None]) -> float | None:
    present = [bool(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def threshold_sweep(results: Sequence[dict[str, Any]]) -> list[dict[str, float]]:
    """What abstaining below each observed confidence would give: abstention on unanswerable cases, false abstention
    and accuracy on answerable ones (a case already abstained on stays abstained). For calibrating the threshold."""
    rows = [r for r in results if not r.get("error") and r.get("confidence") is not None]
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    if not answerable or not unanswerable:
        return []
    sweep = []
    for t in sorted({0.0, *(float(r["confidence"]) for r in rows), 1.000001}):
        quiet = [bool(r["abstained"]) or float(r["confidence"]) < t for r in rows]
        by_id = {id(r): q for r, q in zip(rows, quiet, strict=True)}
        sweep.append(
            {
                "threshold": round(t, 4),
                "abstention": sum(by_id[id(r)] for r in unanswerable) / len(unanswerable),
                "false_abstention": sum(by_id[id(r)] for r in answerable) / len(answerable),
                "accuracy": sum(bool(r["right"]) and not by_id[id(r)] for r in answerable) / len(answerable),
            }
        )
    return sweep


def best_threshold(sweep: Sequence[dict[str, float]], max_false_abstention: float = 0.05) -> dict[str, float] | None:
    """The threshold with the most abstention on unanswerable cases while false abstention stays within the bound."""
    allowed = [row for row in sweep if row["false_abstention"] <= max_false_abstention + 1e-9]
    if not allowed:
        return None
    return max(allowed, key=lambda row: (row["abstention"], row["accuracy"], -row["threshold"]))


def calibration_cases(results: Sequence[dict[str, Any]]) -> tuple[list[float], list[bool]]:
    """(confidence, right) of the cases the bot answered: not abstained, no error, a confidence given."""
    answered = [r for r in results if not r.get("error") and not r["abstained"] and r.get("confidence") is not None]
    return [float(r["confidence"]) for r in answered], [bool(r["right"]) for r in answered]


def kind_figures(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One kind's figures: right over all its cases; for its answerable cases short-answer EM/F1 and false
    abstention; for its unanswerable ones (near misses included) abstention and how many it answered anyway."""
    answerable = [r for r in results if r["answerable"]]
    unanswerable = [r for r in results if not r["answerable"]]
    entry: dict[str, Any] = {"cases": len(results), "right": sum(bool(r["right"]) for r in results)}
    entry["accuracy"] = entry["right"] / entry["cases"]
    if answerable:
        entry["answerable"] = len(answerable)
        entry["short_em"] = mean(r["metrics"].get("short_em") for r in answerable)
        entry["short_f1"] = mean(r["metrics"].get("short_f1") for r in answerable)
        entry["false_abstention"] = sum(bool(r["abstained"]) for r in answerable) / len(answerable)
    if unanswerable:
        entry["unanswerable"] = len(unanswerable)
        entry["abstention"] = sum(bool(r["abstained"]) for r in unanswerable) / len(unanswerable)
        entry["answered"] = sum(not r["abstained"] for r in unanswerable)
    return entry


def summarise(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The run's figures. `accuracy` is the bar: right (correct, not abstained, citing an expected source) over
    answerable cases."""
    answerable = [r for r in results if r["answerable"]]
    unanswerable = [r for r in results if not r["answerable"]]
    quotes = sum(r["metrics"]["quotes"] for r in results)
    latencies = [r["latency_ms"] for r in results if r.get("latency_ms") is not None and not r.get("error")]
    kinds: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        kinds.setdefault(r.get("kind") or "fact", []).append(r)
    by_kind = {kind: kind_figures(rows) for kind, rows in kinds.items()}
    near_misses = [r for r in unanswerable if r.get("kind") == "near_miss"]
    confidences, rights = calibration_cases(results)
    answered = [r for r in answerable if not r.get("error") and not r["abstained"]]
    summary: dict[str, Any] = {
        "cases": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "right": sum(bool(r["right"]) for r in results),
        "accuracy": _rate(r["right"] for r in answerable),
        "overall_accuracy": _rate(r["right"] for r in results),
        "correct": _rate(r["metrics"]["correct"] for r in answerable),
        "f1": mean(r["metrics"]["f1"] for r in answerable),
        "short_em": mean(r["metrics"].get("short_em") for r in answerable),
        "short_f1": mean(r["metrics"].get("short_f1") for r in answerable),
        "short_given": _rate(r["metrics"].get("short_from") in ("short_answer", "short_answers") for r in answered),
        "citation_precision": mean(r["metrics"]["citation_precision"] for r in answerable),
        "citation_recall": mean(r["metrics"]["citation_recall"] for r in answerable),
        "quotes": quotes,
        "quote_validity": (sum(r["metrics"]["valid_quotes"] for r in results) / quotes) if quotes else None,
        "span_validity": (sum(r["metrics"]["valid_spans"] for r in results) / quotes) if quotes else None,
        **abstention_scores([r["answerable"] for r in results], [bool(r["abstained"]) for r in results]),
        "near_miss_abstention": _rate(r["abstained"] for r in near_misses),
        "hit_at_1": _rate(r["metrics"]["hit_at_1"] for r in answerable),
        "hit_at_5": _rate(r["metrics"]["hit_at_5"] for r in answerable),
        "mrr": mean(r["metrics"]["rr"] for r in answerable),
        "gold_in_top1": _rate(r["metrics"].get("gold_in_top1") for r in answerable),
        "gold_in_top5": _rate(r["metrics"].get("gold_in_top5") for r in answerable),
        "both_sides": _rate(r["metrics"].get("both_sides") for r in answerable),
        "conflict_said": _rate(r["metrics"].get("conflict_said") for r in answerable),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "latency_mean_ms": mean(latencies),
        "errors": sum(bool(r.get("error")) for r in results),
        "by_kind": by_kind,
        "calibration": best_threshold(threshold_sweep(results)),
        # is `confidence` a probability of being right? over the answered cases (abstentions say nothing)
        "calibration_cases": len(confidences),
        "ece": expected_calibration_error(confidences, rights),
        "brier": brier_score(confidences, rights),
        "reliability": calibration_bins(confidences, rights),
    }
    return summary


# ------------------------------------------------------------------ floors

FLOOR_METRICS = (
    "accuracy", "overall_accuracy", "correct", "f1", "citation_precision", "citation_recall", "quote_validity",
    "span_validity", "abstention", "abstention_precision", "false_abstention", "hit_at_1", "hit_at_5", "mrr",
    "gold_in_top1", "gold_in_top5", "both_sides", "conflict_said", "latency_p50_ms", "latency_p95_ms",
    "latency_mean_ms", "errors", "short_em", "short_f1", "short_given", "near_miss_abstention", "ece", "brier",
)  # fmt: skip


def validate_floors(floors: dict[str, float]) -> None:
    """Floors are "min_<metric>" or "max_<metric>" over a summary figure; anything else is a typo."""
    for key in floors:
        kind, _, metric = key.partition("_")
        if kind not in ("min", "max") or metric not in FLOOR_METRICS:
            raise ValueError(
                f"unknown floor {key!r}: use min_<metric> or max_<metric>, metric one of {', '.join(FLOOR_METRICS)}"
            )


def check_floors(summary: dict[str, Any], floors: dict[str, float]) -> list[str]:
    """Each floor is "min_<metric>" or "max_<metric>" over a summary figure; returns what was missed.
    A figure the run could not measure (e.g. abstention on a set without unanswerable cases) misses its floor."""
    validate_floors(floors)
    missed = []
    for key, bound in floors.items():
        kind, _, metric = key.partition("_")
        value = summary.get(metric)
        if value is None:
            missed.append(f"{metric} was not measured on this set (floor {kind} {bound:g})")
        elif kind == "min" and value < bound - 1e-9:
            missed.append(f"{metric} {value:.3f} < {bound:g}")
        elif kind == "max" and value > bound + 1e-9:
            missed.append(f"{metric} {value:.3f} > {bound:g}")
    return missed
