"""bot/engines/calibration.py: the logistic answer model and the conditional-logit ranker, on synthetic data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bot.engines.calibration import fit, fit_ranker, fit_some, linear, log_loss, probability
from bot.engines.reading import FEATURES


def test_probability_is_the_sigmoid_of_bias_plus_weighted_features() -> None:
    weights = {"bias": -1.0, "typed": 2.0, "score": 0.5}
    features = {"typed": 1.0, "score": 2.0, "unknown": 100.0}  # a feature without a weight counts for nothing
    assert probability(weights, features) == pytest.approx(1 / (1 + math.exp(-2.0)))
    assert probability({}, features) == 0.5
    assert probability({"bias": 1e6}, {}) == pytest.approx(1.0)  # saturates, no overflow
    assert probability({"bias": -1e6}, {}) == pytest.approx(0.0)


def test_linear_has_no_bias() -> None:
    weights = {"bias": 5.0, "typed": 2.0, "score": -1.0}
    assert linear(weights, {"typed": 3.0, "score": 1.0}) == pytest.approx(5.0)
    assert linear(weights, {}) == 0.0


def test_log_loss_of_an_uninformed_model_is_log_two() -> None:
    rows = [{"typed": 1.0}, {"typed": 0.0}]
    assert log_loss({}, rows, [True, False]) == pytest.approx(math.log(2))
    assert log_loss({}, [], []) == 0.0


def test_log_loss_rewards_right_confidence_and_stays_finite_when_sure_and_wrong() -> None:
    rows = [{"typed": 1.0}, {"typed": 0.0}]
    good = {"bias": -3.0, "typed": 6.0}
    bad = {"bias": 3.0, "typed": -6.0}
    assert log_loss(good, rows, [True, False]) < 0.1 < math.log(2) < log_loss(bad, rows, [True, False])
    assert log_loss({"bias": 1e6}, [{}], [False]) == pytest.approx(-math.log(1e-9), rel=1e-3)


def _synthetic(n: int = 400, seed: int = 0) -> tuple[list[dict[str, float]], list[bool]]:
    """'typed' raises the odds of a right answer, 'time_conflict' lowers them, 'dense' is noise."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, float]] = []
    labels: list[bool] = []
    for _ in range(n):
        row = {
            "typed": float(rng.integers(0, 2)),
            "time_conflict": float(rng.integers(0, 2)),
            "dense": float(rng.random()),
        }
        logit = -0.5 + 2.5 * row["typed"] - 2.0 * row["time_conflict"]
        rows.append(row)
        labels.append(bool(rng.random() < 1 / (1 + math.exp(-logit))))
    return rows, labels


def test_fit_recovers_the_signs_of_informative_features() -> None:
    rows, labels = _synthetic()
    weights = fit(rows, labels, l2=0.1)
    assert set(weights) == {"bias", *FEATURES}
    assert weights["typed"] > 1.0
    assert weights["time_conflict"] < -1.0
    assert abs(weights["dense"]) < 1.0
    assert all(weights[k] == 0.0 for k in FEATURES if k not in ("typed", "time_conflict", "dense"))
    assert log_loss(weights, rows, labels) < log_loss({}, rows, labels)


def test_fit_on_separable_data_stays_finite_and_penalty_shrinks_weights() -> None:
    rows = [{"typed": 1.0}] * 20 + [{"typed": 0.0}] * 20
    labels = [True] * 20 + [False] * 20
    loose = fit(rows, labels, l2=0.01, names=("typed",))
    tight = fit(rows, labels, l2=10.0, names=("typed",))
    assert set(loose) == {"bias", "typed"}
    assert math.isfinite(loose["typed"]) and loose["typed"] > tight["typed"] > 0
    assert probability(loose, {"typed": 1.0}) > 0.9 > 0.1 > probability(loose, {"typed": 0.0})


def test_fit_learns_the_base_rate_in_the_unpenalised_bias() -> None:
    rows: list[dict[str, float]] = [{}] * 100
    labels = [True] * 80 + [False] * 20
    weights = fit(rows, labels, l2=100.0, names=("typed",))
    assert probability(weights, {}) == pytest.approx(0.8, abs=1e-3)


def _groups(n: int = 60, size: int = 5, seed: int = 1) -> list[list[tuple[dict[str, float], bool]]]:
    """One question's candidates each: 'typed' marks the answering one; 'score' is noise."""
    rng = np.random.default_rng(seed)
    groups = []
    for _ in range(n):
        right = int(rng.integers(0, size))
        groups.append([({"typed": float(i == right), "score": float(rng.random())}, i == right) for i in range(size)])
    return groups


def test_fit_ranker_weights_the_feature_that_marks_the_answer() -> None:
    weights = fit_ranker(_groups())
    assert set(weights) == set(FEATURES)
    assert weights["typed"] > 0.5
    assert weights["typed"] > abs(weights["score"])
    for group in _groups(seed=7):  # on new groups the answering candidate scores highest
        best = max(group, key=lambda candidate: linear(weights, candidate[0]))
        assert best[1]


def test_fit_ranker_learns_a_negative_weight_for_a_feature_marking_wrong_candidates() -> None:
    groups = [[({"time_conflict": 1.0}, False), ({"time_conflict": 0.0}, True), ({"time_conflict": 1.0}, False)]] * 20
    assert fit_ranker(groups)["time_conflict"] < 0


def test_fit_ranker_ignores_groups_where_all_or_none_answer() -> None:
    uninformative = [
        [({"typed": 1.0}, True), ({"typed": 0.0}, True)],
        [({"typed": 1.0}, False), ({"typed": 0.0}, False)],
    ]
    assert all(v == 0.0 for v in fit_ranker(uninformative).values())
    assert fit_ranker([]) == dict.fromkeys(FEATURES, 0.0)


def test_fit_some_refits_only_the_named_weights() -> None:
    rows, labels = _synthetic()
    base = {"bias": -0.5, "typed": 2.5, "dense": 0.3}
    weights = fit_some(rows, labels, base, ("time_conflict",), l2=0.1)
    assert {k: weights[k] for k in base} == base  # the others are held as they were
    assert weights["time_conflict"] < -1.0
    assert log_loss(weights, rows, labels) < log_loss({**base, "time_conflict": 0.0}, rows, labels)
