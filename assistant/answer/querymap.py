"""A learned low-rank correction of the question's vector, trained with the ranker (`assistant train`).

MiniLM puts a question near the sentences that share its topic: a report's opening lines ("Ofsted have published
its findings from its monitoring visit to X") are near every question about X, and the sentence that answers in
other words ("Staff morale is high" for "How upbeat were the employees?") is not. Moving the question by
`up @ (down @ q)` (rank 8, trained so each training question's answering sentence outscores the other
candidates) makes the similarity to the moved vector a ranker feature; the stored sentence vectors stay as they
are, so nothing is re-indexed. Trained with numpy alone, from a fixed seed: the same data gives the same map."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

RANK = 8
EPOCHS = 15
BATCH = 16
LEARNING_RATE = 1e-3
DECAY = 1e-2  # L2 on both factors: without it the map fits the training questions' own wording
TEMPERATURE = 0.05  # of the softmax over one question's candidates
SEED = 0


@dataclass(frozen=True)
class QueryMap:
    down: np.ndarray  # (rank, dimension)
    up: np.ndarray  # (dimension, rank)

    def apply(self, vector: np.ndarray) -> np.ndarray:
        return vector + self.up @ (self.down @ vector)

    def to_dict(self) -> dict[str, list[list[float]]]:
        return {"down": np.round(self.down, 7).tolist(), "up": np.round(self.up, 7).tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> "QueryMap":
        return cls(np.asarray(data["down"], dtype=np.float64), np.asarray(data["up"], dtype=np.float64))


@dataclass(frozen=True)
class MapExample:
    """One training question: its vector, its candidates' vectors and which of them answer (at least one)."""

    vector: np.ndarray
    candidates: np.ndarray  # (n, dimension)
    answers: np.ndarray  # (n,) bool


def fit_query_map(examples: Sequence[MapExample]) -> QueryMap:
    """Adam on the softmax loss of each question's answering candidates among all its candidates."""
    # A question whose every candidate answers says nothing about which is nearer: it would only thin the batch.
    usable = [e for e in examples if e.answers.any() and not e.answers.all()]
    if not usable:
        raise ValueError("no question with an answering candidate to fit the query map on")
    dimension = usable[0].vector.shape[0]
    rng = np.random.default_rng(SEED)
    params = {"down": rng.standard_normal((RANK, dimension)) * 0.01, "up": np.zeros((dimension, RANK))}
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    step = 0
    for epoch in range(EPOCHS):
        order = np.random.default_rng(SEED + 1 + epoch).permutation(len(usable))
        for first in range(0, len(order), BATCH):
            batch = [usable[i] for i in order[first : first + BATCH]]
            grads = {k: DECAY * 2 * v for k, v in params.items()}
            for e in batch:
                projected = params["down"] @ e.vector
                moved = e.vector + params["up"] @ projected
                scores = e.candidates @ moved / TEMPERATURE
                every = _softmax(scores)
                # The share among the answering candidates alone, from their own scores: never 0 / 0.
                answering = np.zeros_like(every)
                answering[e.answers] = _softmax(scores[e.answers])
                toward = e.candidates.T @ (every - answering) / TEMPERATURE / len(batch)  # d loss / d moved
                grads["up"] += np.outer(toward, projected)
                grads["down"] += np.outer(params["up"].T @ toward, e.vector)
            step += 1
            for k, g in grads.items():
                m, v = moments[k]
                m[:] = 0.9 * m + 0.1 * g
                v[:] = 0.999 * v + 0.001 * g * g
                params[k] -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return QueryMap(params["down"], params["up"])


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max())
    return shifted / shifted.sum()
