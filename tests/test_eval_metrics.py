"""The eval metrics on small hand-written cases whose right score is known."""

from __future__ import annotations

from typing import Any

import pytest

from bot.evaluation.metrics import (
    abstention_scores,
    best_threshold,
    brier_score,
    calibration_bins,
    check_floors,
    citation_precision,
    citation_recall,
    contains,
    exact_match,
    expected_calibration_error,
    gold_answers,
    hit_at,
    is_correct,
    normalize_answer,
    percentile,
    reciprocal_rank,
    satisfies,
    score_case,
    short_prediction,
    short_scores,
    summarise,
    threshold_sweep,
    token_f1,
    validate_floors,
)


def test_normalisation_is_squad_plus_unicode_punctuation() -> None:
    assert normalize_answer("The  Taliban's “victory”!") == "talibans victory"
    assert normalize_answer("An NRF spokesman, a man") == "nrf spokesman man"
    assert normalize_answer("Taliban’s claim — false") == "talibans claim false"
    assert normalize_answer("U.S.-led") == normalize_answer("US-led") == "usled"


def test_containment_is_whole_word_and_ignores_citation_markers() -> None:
    assert contains("Witnesses told the Associated Press [1].", "associated press")
    assert not contains("They apply pressure", "AP")
    assert contains("The AP reported", "AP")
    assert not contains("From 1980 to 1989", "8")
    assert not contains("Mujahid said so [8].", "8")  # a marker is not the number eight
    assert contains("cutbacks in the 20,000-member workforce", "20,000")  # part of a hyphenated compound
    assert contains("the U.S.-led invasion", "US-led") and contains("the U.S.-led invasion", "U.S. led")
    assert not contains("the 120,000-member union", "20,000")
    assert contains("eight districts [2]", "eight")
    assert not contains("anything", "   ")


def test_groups_need_every_group_and_any_alternative() -> None:
    groups = [["claim", "claimed"], ["false", "denied"]]
    assert satisfies("The Taliban claimed it; the NRF said that is false.", groups)
    assert not satisfies("The Taliban claimed it.", groups)
    assert not satisfies("anything", [])
    assert is_correct("Rokha district [1]", [["Rokha"]])
    assert is_correct("It was Zabihullah Mujahid.", (), "Zabihullah Mujahid")
    assert not is_correct("It was Mujahid.", (), "Zabihullah Mujahid")
    # must_include missed, but the expected answer is contained: still correct
    assert is_correct("He was his nephew", [["niece"]], "nephew")


def test_token_f1_matches_squad() -> None:
    assert token_f1("Zabihullah Mujahid", "Zabihullah Mujahid") == 1.0
    # pred {chief, spokesman, zabihullah, mujahid} vs gold {zabihullah, mujahid}: P=2/4, R=1 -> F1=2/3
    assert token_f1("The chief spokesman Zabihullah Mujahid [1]", "Zabihullah Mujahid") == pytest.approx(2 / 3)
    assert token_f1("Kabul", "Panjshir") == 0.0
    assert token_f1("", "") == 1.0
    assert token_f1("", "x") == 0.0


def test_citation_precision_and_recall() -> None:
    expected = ["a.txt", "b.txt"]
    assert citation_precision(["a.txt", "c.txt", "a.txt"], expected) == pytest.approx(2 / 3)
    assert citation_recall(["a.txt", "c.txt", "a.txt"], expected) == 0.5
    assert citation_recall(["a.txt", "b.txt"], expected) == 1.0
    assert citation_precision([], expected) is None
    assert citation_recall(["a.txt"], []) is None


def test_abstention_scores() -> None:
    # 3 unanswerable (2 abstained), 4 answerable (1 abstained)
    answerable = [False, False, False, True, True, True, True]
    abstained = [True, True, False, True, False, False, False]
    scores = abstention_scores(answerable, abstained)
    assert scores["abstention"] == pytest.approx(2 / 3)
    assert scores["abstention_precision"] == pytest.approx(2 / 3)
    assert scores["false_abstention"] == pytest.approx(1 / 4)
    assert abstention_scores([True], [False]) == {
        "abstention": None,
        "abstention_precision": None,
        "false_abstention": 0.0,
    }


def test_hits_and_mrr_by_passage_rank() -> None:
    retrieved = ["b.txt", "b.txt", "c.txt", "a.txt", "d.txt", "e.txt"]
    assert not hit_at(retrieved, ["a.txt"], 1)
    assert not hit_at(retrieved, ["a.txt"], 3)
    assert hit_at(retrieved, ["a.txt"], 5)
    assert reciprocal_rank(retrieved, ["a.txt", "c.txt"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(retrieved, ["z.txt"]) == 0.0
    assert hit_at(retrieved, ["b.txt"], 1)


def test_percentiles_interpolate_linearly() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 50) == 30
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None


def _case(**fields: object) -> dict:
    row: dict = {
        "id": "c",
        "kind": "fact",
        "question": "q",
        "answerable": True,
        "expected_answer": "Rokha",
        "must_include": [["Rokha"]],
        "expected_sources": ["a.txt"],
        "answer": "",
        "abstained": False,
        "citations": [],
        "retrieved_sources": [],
        "latency_ms": 10.0,
        "error": None,
    }
    row.update(fields)
    return row


def _cite(source: str, quote: str = "q") -> dict:
    return {"n": 1, "source": source, "line_start": 1, "line_end": 1, "quote": quote}


def always_valid(citation: dict) -> tuple[bool, bool]:
    return True, True


def test_a_case_is_right_only_when_correct_not_abstained_and_citing_an_expected_source() -> None:
    right = score_case(_case(answer="Rokha [1]", citations=[_cite("a.txt")]), always_valid)
    assert right["right"] and right["verdict"] == "right"
    wrong_source = score_case(_case(answer="Rokha [1]", citations=[_cite("b.txt")]), always_valid)
    assert not wrong_source["right"] and wrong_source["verdict"] == "no citation of an expected source"
    assert wrong_source["metrics"]["correct"]
    wrong = score_case(_case(answer="Kabul [1]", citations=[_cite("a.txt")]), always_valid)
    assert wrong["verdict"] == "wrong answer"
    abstained = score_case(_case(answer="The articles don't say. Rokha", abstained=True), always_valid)
    assert abstained["verdict"] == "false abstention" and not abstained["metrics"]["correct"]
    unans: dict[str, Any] = {"answerable": False, "expected_answer": None, "must_include": [], "expected_sources": []}
    assert score_case(_case(**unans, abstained=True), always_valid)["right"]
    answered = score_case(_case(**unans, answer="Kabul [1]", citations=[_cite("a.txt")]), always_valid)
    assert answered["verdict"] == "answered an unanswerable question"
    assert score_case(_case(error="BadQuestion: x"), always_valid)["verdict"] == "error"


def test_summary_figures() -> None:
    results = [
        score_case(
            _case(
                id="1",
                answer="Rokha [1]",
                citations=[_cite("a.txt")],
                retrieved_sources=["a.txt", "b.txt"],
                latency_ms=10.0,
            ),
            always_valid,
        ),
        score_case(
            _case(
                id="2",
                answer="Kabul [1]",
                citations=[_cite("b.txt")],
                retrieved_sources=["b.txt", "a.txt"],
                latency_ms=30.0,
            ),
            lambda c: (False, False),
        ),
        score_case(
            _case(
                id="3",
                kind="unanswerable",
                answerable=False,
                expected_answer=None,
                must_include=[],
                expected_sources=[],
                abstained=True,
                answer="The articles don't say.",
                latency_ms=20.0,
            ),
            always_valid,
        ),
    ]
    s = summarise(results)
    assert (s["cases"], s["answerable"], s["unanswerable"], s["right"]) == (3, 2, 1, 2)
    assert s["accuracy"] == 0.5
    assert s["overall_accuracy"] == pytest.approx(2 / 3)
    assert s["citation_precision"] == 0.5  # mean of 1.0 and 0.0
    assert s["quote_validity"] == 0.5  # one of two quotes found
    assert s["abstention"] == 1.0 and s["false_abstention"] == 0.0
    assert s["hit_at_1"] == 0.5 and s["hit_at_5"] == 1.0
    assert s["mrr"] == pytest.approx(0.75)
    assert s["latency_p50_ms"] == 20.0
    assert s["by_kind"]["unanswerable"] == {
        "cases": 1,
        "right": 1,
        "accuracy": 1.0,
        "unanswerable": 1,
        "abstention": 1.0,
        "answered": 0,
    }
    # no short answer given: scored on the text without markers ("Rokha" exact, "Kabul" nothing)
    assert s["short_em"] == 0.5 and s["short_f1"] == 0.5 and s["short_given"] == 0.0
    assert s["by_kind"]["fact"]["short_f1"] == 0.5 and "abstention" not in s["by_kind"]["fact"]


def test_short_answers_are_squad_normalised() -> None:
    assert exact_match("The Ahmad Massoud.", "ahmad massoud")
    assert exact_match("an “NRF” [2]", "NRF")  # articles, curly quotes and citation markers go
    assert exact_match("18.5  mln dlrs", "18.5 mln dlrs")
    assert not exact_match("18.5 mln dlrs", "18.5 mln")
    assert not exact_match("", "x")
    # one gold per must_include combination (one alternative per group), plus the expected answer
    assert gold_answers("3.0 mln bags; 2.45 mln bags", [["3.0"], ["2.45", "2.45 mln"]]) == [
        "3.0 mln bags; 2.45 mln bags",
        "3.0 2.45",
        "3.0 2.45 mln",
    ]
    assert gold_answers(None, [["The"]]) == []  # nothing left after normalisation: no gold
    assert gold_answers("Yes", []) == ["Yes"]
    # the best over the golds: EM against the combination, F1 from the closer gold
    assert short_scores("3.0 2.45", gold_answers("3.0 mln bags; 2.45 mln bags", [["3.0"], ["2.45"]])) == (1.0, 1.0)
    em, f1 = short_scores("18.5 mln", ["18.5 mln dlrs", "dlrs"])
    assert em == 0.0 and f1 == pytest.approx(0.8)  # P=1, R=2/3
    assert short_scores("x", []) == (0.0, 0.0)


def test_the_short_answer_scored_is_the_engines_else_the_text() -> None:
    assert short_prediction({"short_answer": "Ahmad Massoud", "answer": "He is Ahmad Massoud [1]."}) == (
        "Ahmad Massoud",
        "short_answer",
    )
    assert short_prediction({"short_answer": "", "short_answers": ["May 1", "rain"], "answer": "t"}) == (
        "May 1 rain",
        "short_answers",
    )
    assert short_prediction({"short_answer": "", "answer": "He is Ahmad Massoud [1]."}) == (
        "He is Ahmad Massoud .",
        "text",
    )
    assert short_prediction({"short_answer": "x", "abstained": True, "answer": "x"}) == ("", "none")
    assert short_prediction({"short_answer": "x", "error": "crash", "answer": ""}) == ("", "none")

    given = score_case(
        _case(answer="It was in Rokha [1].", short_answer="Rokha", citations=[_cite("a.txt")]), always_valid
    )
    assert given["metrics"]["short_em"] == 1.0 and given["metrics"]["short_from"] == "short_answer"
    text = score_case(_case(answer="It was Rokha [1].", citations=[_cite("a.txt")]), always_valid)
    assert text["metrics"]["short_em"] == 0.0 and text["metrics"]["short_f1"] == 0.5  # P=1/3, R=1
    abstained = score_case(_case(answer="The articles don't say.", abstained=True), always_valid)
    assert (abstained["metrics"]["short_em"], abstained["metrics"]["short_f1"]) == (0.0, 0.0)
    unans: dict[str, Any] = {"answerable": False, "expected_answer": None, "must_include": [], "expected_sources": []}
    skipped = score_case(_case(**unans, answer="Kabul", short_answer="Kabul"), always_valid)
    assert skipped["metrics"]["short_em"] is None and skipped["metrics"]["short_f1"] is None


def test_expected_calibration_error_and_brier() -> None:
    confidences = [0.95, 0.95, 0.15, 0.55]
    rights = [True, False, False, True]
    bins = calibration_bins(confidences, rights)
    assert len(bins) == 10 and [b["count"] for b in bins] == [0, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bins[9]["confidence"] == pytest.approx(0.95) and bins[9]["accuracy"] == 0.5
    assert bins[0]["confidence"] is None and bins[0]["accuracy"] is None
    # |0.5-0.95| * 2/4 + |0-0.15| * 1/4 + |1-0.55| * 1/4
    assert expected_calibration_error(confidences, rights) == pytest.approx(0.375)
    assert brier_score(confidences, rights) == pytest.approx((0.05**2 + 0.95**2 + 0.15**2 + 0.45**2) / 4)
    # the edges: 1.0 falls in the last bin, 0.0 in the first; a perfect forecaster has no error
    assert [b["count"] for b in calibration_bins([1.0, 0.0], [True, False])][::9] == [1, 1]
    assert expected_calibration_error([1.0, 0.0], [True, False]) == 0.0 == brier_score([1.0, 0.0], [True, False])
    assert expected_calibration_error([], []) is None and brier_score([], []) is None


def test_calibration_counts_the_answered_cases_and_near_misses_count_as_unanswerable() -> None:
    unans: dict[str, Any] = {"answerable": False, "expected_answer": None, "must_include": [], "expected_sources": []}
    results = [
        score_case(_case(id="1", answer="Rokha [1]", citations=[_cite("a.txt")], confidence=0.9), always_valid),
        score_case(_case(id="2", answer="Kabul [1]", citations=[_cite("a.txt")], confidence=0.7), always_valid),
        score_case(_case(id="3", answer="The articles don't say.", abstained=True, confidence=0.2), always_valid),
        score_case(_case(id="4", kind="near_miss", **unans, answer="Kabul [1]", confidence=0.6), always_valid),
        score_case(_case(id="5", kind="near_miss", **unans, abstained=True, confidence=0.1), always_valid),
        score_case(_case(id="6", error="crash: x", confidence=None), always_valid),
    ]
    s = summarise(results)
    # answered: 1 (0.9, right), 2 (0.7, wrong), 4 (0.6, answered a near miss: wrong); abstentions and errors out
    assert s["calibration_cases"] == 3
    assert s["brier"] == pytest.approx((0.1**2 + 0.7**2 + 0.6**2) / 3)
    assert s["ece"] == pytest.approx((0.1 + 0.7 + 0.6) / 3)  # three bins of one case each
    assert sum(b["count"] for b in s["reliability"]) == 3
    assert s["abstention"] == 0.5 and s["near_miss_abstention"] == 0.5
    near = s["by_kind"]["near_miss"]
    assert (near["unanswerable"], near["abstention"], near["answered"]) == (2, 0.5, 1) and "short_f1" not in near
    fact = s["by_kind"]["fact"]
    assert fact["answerable"] == 4 and fact["short_f1"] == 0.25 and fact["false_abstention"] == 0.25


def test_floors() -> None:
    summary = {"accuracy": 0.85, "false_abstention": 0.1, "abstention": None, "hit_at_5": 1.0}
    missed = check_floors(
        summary, {"min_accuracy": 0.9, "max_false_abstention": 0.05, "min_abstention": 0.9, "min_hit_at_5": 1.0}
    )
    assert len(missed) == 3
    assert any("accuracy 0.850 < 0.9" in m for m in missed)
    assert any("abstention was not measured" in m for m in missed)
    assert check_floors(summary, {"min_accuracy": 0.85, "min_hit_at_5": 1.0}) == []
    with pytest.raises(ValueError, match="unknown floor"):
        validate_floors({"min_acuracy": 0.9})


def test_short_answer_and_calibration_floors() -> None:
    floors = {"min_short_f1": 0.5, "min_short_em": 0.4, "max_ece": 0.1, "max_brier": 0.2, "min_near_miss_abstention": 1}
    validate_floors(floors)
    summary = {"short_f1": 0.6, "short_em": 0.3, "ece": 0.15, "brier": 0.2, "near_miss_abstention": None}
    missed = check_floors(summary, floors)
    assert len(missed) == 3
    assert any("short_em 0.300 < 0.4" in m for m in missed) and any("ece 0.150 > 0.1" in m for m in missed)
    assert any("near_miss_abstention was not measured" in m for m in missed)


def test_the_reuters_floors_file_is_valid() -> None:
    import json

    from bot.settings import ROOT

    floors = json.loads((ROOT / "eval" / "floors-reuters.json").read_text())
    assert floors["_comment"] and floors["min_quote_validity"] == 1.0
    validate_floors({k: v for k, v in floors.items() if not k.startswith("_")})


def test_threshold_sweep_finds_the_calibrated_abstention_threshold() -> None:
    def row(answerable: bool, confidence: float, right: bool) -> dict[str, Any]:
        return {"answerable": answerable, "confidence": confidence, "right": right, "abstained": False}

    results = [row(True, 0.6, True), row(True, 0.8, True), row(False, 0.3, False), row(False, 0.7, False)]
    sweep = {r["threshold"]: r for r in threshold_sweep(results)}
    assert sweep[0.6] == {"threshold": 0.6, "abstention": 0.5, "false_abstention": 0.0, "accuracy": 1.0}
    assert sweep[0.7]["false_abstention"] == 0.5 and sweep[0.7]["accuracy"] == 0.5
    assert best_threshold(list(sweep.values())) == sweep[0.6]
    assert best_threshold(list(sweep.values()), max_false_abstention=0.5)["threshold"] == 0.8  # type: ignore[index]
    assert threshold_sweep([row(True, 0.5, True)]) == []  # nothing to calibrate without unanswerable cases
