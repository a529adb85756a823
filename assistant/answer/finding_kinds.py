"""Which kind of finding a report sentence is (a strength, an area for improvement, an action) or none: a
multinomial logistic regression over the sentence's vector, trained by `assistant train --findings` on
hand-labelled sentences (eval/finding_labels.jsonl: 578 of the devset's texts, 154 of the shipped reports)
and stored as a small JSON file with the hash of its training data. It replaced lexical cue lists written
while reading the shipped reports: judged by document-held-out cross-validation over the 720 sentences then
labelled, the cues put 0.669 in their labelled kind (0.630 of the devset's, 0.823 of the shipped reports')
and this model 0.744; over the 732 of today's segmentation (curly quotes split as straight ones do), 0.736."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from assistant.answer.model_file import load_model
from assistant.core.errors import ConfigurationError
from assistant.text.findings import ACTIONS, IMPROVEMENTS, STRENGTHS

DEFAULT_FINDING_MODEL = Path(__file__).parent / "model" / "findings.json"
# The labels as the label file writes them, and the kind each names (None: no finding).
KINDS: dict[str, str | None] = {"strength": STRENGTHS, "improvement": IMPROVEMENTS, "action": ACTIONS, "neutral": None}


@dataclass(frozen=True)
class FindingClassifier:
    labels: tuple[str, ...]  # keys of KINDS, one a row of `coef`
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # labels x dimensions
    intercept: np.ndarray
    embed_model: str  # the embedding model whose vectors it reads
    training_data: str  # sha256 of the labelled rows it was fitted on

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """One row a vector: the probability of each of `labels`."""
        vectors = np.atleast_2d(np.asarray(vectors, dtype=float))
        if len(vectors) == 0:
            return np.zeros((0, len(self.labels)))
        if vectors.shape[1] != self.mean.shape[0]:
            raise ConfigurationError(
                f"the finding classifier reads {self.mean.shape[0]}-dimensional vectors of {self.embed_model}, the "
                f"embedding model gives {vectors.shape[1]}: run `assistant train --findings` with this model")
        z = ((vectors - self.mean) / self.scale) @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        odds = np.exp(z)
        return odds / odds.sum(axis=1, keepdims=True)

    def kinds(self, vectors: np.ndarray) -> list[tuple[str | None, float]]:
        """Each vector's most likely kind of finding (None: none) and that kind's probability."""
        probabilities = self.probabilities(vectors)
        best = probabilities.argmax(axis=1) if len(probabilities) else np.zeros(0, dtype=int)
        return [(KINDS[self.labels[i]], float(row[i])) for i, row in zip(best, probabilities)]

    def to_json(self, report: dict | None = None) -> str:
        return json.dumps({
            "labels": list(self.labels), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
            "coef": self.coef.tolist(), "intercept": self.intercept.tolist(), "embed_model": self.embed_model,
            "training_data_sha256": self.training_data, "report": report or {},
        })

    @classmethod
    def load(cls, path: Path = DEFAULT_FINDING_MODEL, embed_model: str | None = None) -> "FindingClassifier":
        """The classifier in `path`; refused when it reads another embedding model's vectors than `embed_model`."""
        def build(data: dict) -> FindingClassifier:
            labels = tuple(data["labels"])
            if not set(labels) <= set(KINDS):
                raise ValueError(f"unknown labels {sorted(set(labels) - set(KINDS))}")
            return cls(labels, np.asarray(data["mean"], dtype=float), np.asarray(data["scale"], dtype=float),
                       np.asarray(data["coef"], dtype=float), np.asarray(data["intercept"], dtype=float),
                       str(data["embed_model"]), str(data["training_data_sha256"]))

        found = load_model(path, "finding classifier", "assistant train --findings", build)
        if embed_model is not None and found.embed_model != embed_model:
            raise ConfigurationError(
                f"the finding classifier {path} reads vectors of {found.embed_model}, not of {embed_model}: run "
                "`assistant train --findings` with this model")
        return found


def of_kind(classifier: FindingClassifier, vectors: Sequence[np.ndarray], kind: str) -> list[bool]:
    """Whether each vector's sentence is a finding of `kind`."""
    if not len(vectors):
        return []
    return [found == kind for found, _ in classifier.kinds(np.stack(list(vectors)))]
