"""The fitted scorer, in two parts: a ranker (which retrieved sentence answers best) and a
gate (is that best sentence an answer at all), with the gate's abstention threshold. All
fitted on the dev split by rag/answer/fit.py; here only the arithmetic to apply them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.answer.features import FEATURES

WEIGHTS = Path(__file__).with_name("weights.json")
# What the gate reads of the ranked candidates: the best one's features, and how far it is
# ahead of the next (a clear winner is likelier an answer than one of many alike).
GATE_FEATURES = (*(f"best_{f}" for f in FEATURES), "best_share", "margin")


@dataclass(frozen=True)
class Linear:
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return ((values - self.mean) / self.scale) @ self.weights + self.bias

    def to_dict(self) -> dict:
        return {
            "weights": [round(float(w), 6) for w in self.weights],
            "bias": round(float(self.bias), 6),
            "mean": [round(float(m), 6) for m in self.mean],
            "scale": [round(float(s), 6) for s in self.scale],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Linear:
        arrays = (np.array(data[k], dtype=float) for k in ("weights", "mean", "scale"))
        weights, mean, scale = arrays
        return cls(weights, float(data["bias"]), mean, scale)


@dataclass(frozen=True)
class ScoringModel:
    ranker: Linear  # a sentence's logit among the question's candidates (softmax over them)
    gate: Linear  # the log-odds that the best sentence answers the question
    threshold: float  # the least gate probability that answers rather than abstains
    # The least gate probability for which a language model is asked at all (below it the
    # articles are taken not to hold the answer); looser than ``threshold``, since a model
    # may answer where no single sentence does.
    generation_threshold: float = 0.0

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> ScoringModel:
        data = json.loads(path.read_text())
        if data["features"] != list(FEATURES) or data["gate_features"] != list(GATE_FEATURES):
            raise ValueError(f"{path} was fitted on other features: run python -m rag.answer.fit")
        return cls(
            Linear.from_dict(data["ranker"]),
            Linear.from_dict(data["gate"]),
            float(data["threshold"]),
            float(data.get("generation_threshold", 0.0)),
        )

    def shares(self, values: np.ndarray) -> np.ndarray:
        """Each candidate's share of the belief that it is the answer (sums to one)."""
        logits = self.ranker(values)
        logits = np.exp(logits - logits.max())
        return logits / logits.sum()

    def confidence(self, values: np.ndarray, shares: np.ndarray) -> float:
        """The probability that the best-ranked candidate answers the question."""
        return float(1.0 / (1.0 + np.exp(-self.gate(gate_values(values, shares)))))

    def save(self, path: Path, provenance: dict) -> None:
        data = {
            "features": list(FEATURES),
            "gate_features": list(GATE_FEATURES),
            "ranker": self.ranker.to_dict(),
            "gate": self.gate.to_dict(),
            "threshold": round(self.threshold, 4),
            "generation_threshold": round(self.generation_threshold, 4),
            "provenance": provenance,
        }
        path.write_text(json.dumps(data, indent=1) + "\n")


def gate_values(values: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """The gate's inputs from the candidates' features and ranker shares."""
    order = np.argsort(-shares)
    best = order[0]
    second = shares[order[1]] if len(order) > 1 else 0.0
    return np.concatenate([values[best], [shares[best], shares[best] - second]])
