"""The learned sentence ranker: a logistic regression over answer/features.py, trained by
`assistant train` on the devset's tuning split and the shipped gold, stored as a small JSON file with the
hash of its training data. Its probability that a sentence answers is also what abstention rests on."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.answer.features import FEATURE_NAMES
from assistant.answer.model_file import load_model, read_model_file
from assistant.answer.querymap import QueryMap
from assistant.core.errors import ConfigurationError

log = logging.getLogger(__name__)
DEFAULT_MODEL = Path(__file__).parent / "model" / "ranker.json"
_REWRITE = "assistant train"  # the command that writes the file again


@dataclass(frozen=True)
class SentenceRanker:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    # Below this probability for the best sentence, the reports are taken not to answer (chosen on the tuning split).
    threshold: float
    training_data: str  # sha256 of the labelled rows it was fitted on
    query_map: QueryMap | None = None  # moves the question's vector for the mapped_* features

    def mapped(self, question_vector: np.ndarray) -> np.ndarray:
        """The question's vector as the mapped_* features read it. A map fitted on vectors of another size (another
        embedding model's) cannot move it: it stays as it is, as for a ranker without a map."""
        if self.query_map is None:
            return question_vector
        if self.query_map.down.shape[1] != question_vector.shape[0]:
            _warn_once(self.query_map.down.shape[1], question_vector.shape[0])
            return question_vector
        return self.query_map.apply(question_vector)

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        if len(matrix) == 0:
            return np.zeros(0)
        z = ((matrix - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self, report: dict | None = None) -> str:
        return json.dumps({
            "features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
            "coef": self.coef.tolist(), "intercept": self.intercept, "threshold": self.threshold,
            "training_data_sha256": self.training_data,
            "query_map": self.query_map.to_dict() if self.query_map else None, "report": report or {},
        }, indent=1)

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> "SentenceRanker":
        def build(data: dict) -> SentenceRanker:
            if tuple(data.get("features", ())) != FEATURE_NAMES:
                raise ConfigurationError(f"the ranker model {path} was trained on other features: run `{_REWRITE}`")
            return cls(
                features=tuple(data["features"]), mean=np.asarray(data["mean"], dtype=float),
                scale=np.asarray(data["scale"], dtype=float), coef=np.asarray(data["coef"], dtype=float),
                intercept=float(data["intercept"]), threshold=float(data["threshold"]),
                training_data=str(data.get("training_data_sha256", "")),
                query_map=QueryMap.from_dict(data["query_map"]) if data.get("query_map") else None,
            )

        return load_model(path, "ranker model", _REWRITE, build)


@lru_cache(maxsize=None)
def _warn_once(mapped: int, given: int) -> None:
    log.warning("the ranker's query map is for %d-dimensional vectors, the embedding model gives %d: questions are "
                "ranked without it (run `assistant train` with this model)", mapped, given)


def read_model(path: Path) -> dict:
    """A ranker file as written: the model, its threshold and `assistant train`'s report (the C it chose)."""
    return read_model_file(path, "ranker model", _REWRITE)
