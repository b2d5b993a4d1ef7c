"""Two small linear models over a candidate's features (bot/engines/reading.py).

- The ranker: a linear score that picks, among a question's best-scored sentences, the one that answers.
  Fitted as a conditional logit (softmax over each question's candidates, the answering ones as targets).
- The answer model: a logistic model over the chosen candidate's features (plus its ranker score and its
  lead over the runner-up) giving the probability that the answer is right. That is the answer's
  `confidence`, and the engine abstains when it is under one threshold (`QABOT_ABSTAIN_BELOW`, 0.43).

Both are fitted with `qabot calibrate` on the development question sets (eval/seeds.jsonl,
eval/reuters-dev.jsonl, RGB), with L2 penalties; the held-out sets are never used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from bot.engines.reading import FEATURES, sigmoid


def probability(weights: Mapping[str, float], features: Mapping[str, float]) -> float:
    return sigmoid(weights.get("bias", 0.0) + linear(weights, features))


def linear(weights: Mapping[str, float], features: Mapping[str, float]) -> float:
    return sum(weights.get(k, 0.0) * v for k, v in features.items())


def fit_ranker(
    groups: Sequence[Sequence[tuple[Mapping[str, float], bool]]], l2: float = 1.0, steps: int = 400
) -> dict[str, float]:
    """Weights of a linear score such that, within each group (one question's candidates), the answering
    candidates get most of the softmax mass; groups where all or none of the candidates answer teach nothing."""
    data = [
        (np.array([[float(f.get(k, 0.0)) for k in FEATURES] for f, _ in g]), np.array([ok for _, ok in g], dtype=bool))
        for g in groups
        if any(ok for _, ok in g) and not all(ok for _, ok in g)
    ]
    w = np.zeros(len(FEATURES))
    for _ in range(steps):
        gradient = l2 * w
        for x, ok in data:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            target = p * ok / max(float((p * ok).sum()), 1e-12)
            gradient = gradient + x.T @ (p - target)
        w -= 0.5 * gradient / max(len(data), 1)
    return {k: round(float(v), 4) for k, v in zip(FEATURES, w, strict=True)}


def fit(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[bool],
    l2: float = 1.0,
    steps: int = 50,
    names: Sequence[str] = FEATURES,
) -> dict[str, float]:
    """Logistic regression weights (and "bias") for the named features, by Newton's method with an L2 penalty."""
    x = np.array([[1.0, *(float(r.get(k, 0.0)) for k in names)] for r in rows])
    penalty = np.eye(x.shape[1]) * l2
    penalty[0, 0] = 0.0  # the bias is not shrunk
    w = _newton(x, labels, penalty, np.zeros(len(rows)), steps)
    return {"bias": round(float(w[0]), 4), **{k: round(float(v), 4) for k, v in zip(names, w[1:], strict=True)}}


def fit_some(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[bool],
    base: Mapping[str, float],
    names: Sequence[str],
    l2: float = 1.0,
    steps: int = 50,
) -> dict[str, float]:
    """The base weights with only the named ones refitted, the others held as they are: a new check's weight
    is fitted without moving the threshold the rest were chosen at."""
    held = {k: v for k, v in base.items() if k not in names}
    offset = np.array([held.get("bias", 0.0) + linear(held, r) for r in rows])
    x = np.array([[float(r.get(k, 0.0)) for k in names] for r in rows])
    w = _newton(x, labels, np.eye(len(names)) * l2, offset, steps)
    return {**base, **{k: round(float(v), 4) for k, v in zip(names, w, strict=True)}}


def _newton(x: np.ndarray, labels: Sequence[bool], penalty: np.ndarray, offset: np.ndarray, steps: int) -> np.ndarray:
    """Weights w of a logistic model p = sigmoid(offset + x @ w) under the quadratic penalty, by Newton's method."""
    y = np.array([1.0 if label else 0.0 for label in labels])
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(offset + x @ w, -30, 30)))
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x.T * (p * (1 - p))) @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w


def log_loss(weights: Mapping[str, float], rows: Sequence[Mapping[str, float]], labels: Sequence[bool]) -> float:
    total = 0.0
    for row, label in zip(rows, labels, strict=True):
        p = min(max(probability(weights, row), 1e-9), 1 - 1e-9)
        total -= math.log(p if label else 1 - p)
    return total / max(len(rows), 1)
