"""Small logistic models: fitted by ``scripts/train_scorer.py``, stored as plain JSON.

Three models answer the engine's judgement calls: which passages of the fused pool come
first (``passage``), which quotable unit of the top passages answers the question
(``unit``), and whether the corpus answers the question at all (``question``, the
calibrated probability abstention thresholds). All are logistic regressions over a
handful of cheap features, fitted deterministically by Newton's method with a small L2
penalty, so retraining on the same data gives the same weights.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

WEIGHTS_FILE = "scorer_weights.json"


@dataclass(frozen=True)
class LogisticModel:
    """``p = sigmoid(b + w · (x - mean) / scale)`` over named features."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """One probability per row of ``rows`` (features in ``self.features`` order)."""
        if len(rows) == 0:
            return np.empty(0)
        z = (np.asarray(rows, dtype=np.float64) - self.mean) / self.scale
        logits = z @ np.asarray(self.weights) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)))

    def probability(self, values: dict[str, float]) -> float:
        row = np.array([[values[name] for name in self.features]])
        return float(self.probabilities(row)[0])

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(v, 10) for v in self.mean],
            "scale": [round(v, 10) for v in self.scale],
            "weights": [round(v, 10) for v in self.weights],
            "bias": round(self.bias, 10),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogisticModel:
        return cls(
            tuple(data["features"]),
            tuple(data["mean"]),
            tuple(data["scale"]),
            tuple(data["weights"]),
            float(data["bias"]),
        )


def fit(
    rows: np.ndarray,
    labels: np.ndarray,
    features: Sequence[str],
    l2: float = 1.0,
    iterations: int = 50,
) -> LogisticModel:
    """Penalised maximum likelihood by Newton's method: deterministic, no random start.

    Features are standardised first, so one ``l2`` suits all of them; a constant
    feature gets scale 1 and, through the penalty, weight 0.
    """
    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    beta = np.zeros(z.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        gradient = z.T @ (p - y) + penalty * beta
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    return LogisticModel(
        tuple(features),
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in beta[:-1]),
        float(beta[-1]),
    )


@dataclass(frozen=True)
class Models:
    unit: LogisticModel
    question: LogisticModel
    #: None: the pool keeps its fused order (weights fitted before passages were scored).
    passage: LogisticModel | None = None
    #: The engine refuses below this probability that the corpus answers; fitted with the
    #: question model (``training.fit_threshold``), so it is held out with it too.
    abstain_below: float = 0.45


def load_models(text: str | None = None) -> Models:
    """The packaged models (or ones given as JSON text, as the training script writes)."""
    if text is None:
        text = resources.files("assistant").joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    passage = LogisticModel.from_json(data["passage"]) if "passage" in data else None
    return Models(
        LogisticModel.from_json(data["unit"]),
        LogisticModel.from_json(data["question"]),
        passage,
        float(data.get("abstain_below", Models.abstain_below)),
    )


def dump_models(models: Models) -> str:
    """The JSON text of ``models``: stable key order, so a refit with no change is no diff."""
    data: dict[str, Any] = {"unit": models.unit.to_json(), "question": models.question.to_json()}
    if models.passage is not None:
        data["passage"] = models.passage.to_json()
    data["abstain_below"] = round(models.abstain_below, 10)
    return json.dumps(data, indent=1, sort_keys=True) + "\n"
