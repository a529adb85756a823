"""The features the sentence ranker scores: general signals of whether a report sentence answers a
question (similarity, term coverage, retrieval rank, answer-kind match, provenance), one row a candidate."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from assistant.answer.profile import ANSWER_TYPES, QuestionProfile, answer_spans
from assistant.core.types import StoredSentence
from assistant.ingest.describe import authorities_in
from assistant.text import content_terms


@dataclass(frozen=True)
class Candidate:
    """A report sentence that might answer: its stored record and vector, and where retrieval found it."""

    sentence: StoredSentence
    vector: np.ndarray
    passage: int  # 1-based position of the best retrieved passage holding it
    authorities: tuple[str, ...]  # the authorities its report is about, as described at ingest (main first)


_TERMINAL = re.compile(r"""[.!?]["')\]]*$""")

BASE_FEATURES = (
    "similarity", "similarity_gap", "similarity_rank", "best_similarity", "passage_rank",
    "coverage", "coverage_gap", "matched_weight", "window_similarity", "document_best",
    "document_missing", "bigrams", "length", "terminal", "position",
    "authority_match", "authority_mismatch", "names_authority", "wants_unmet",
)
FEATURE_NAMES = BASE_FEATURES + tuple(f"wants_{kind}" for kind in ANSWER_TYPES) + tuple(
    f"meets_{kind}" for kind in ANSWER_TYPES
)


def _ranks(values: np.ndarray) -> np.ndarray:
    """1/rank of each value among all (1 = the highest)."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    return 1.0 / ranks


def feature_matrix(question: QuestionProfile, question_vector: np.ndarray, candidates: Sequence[Candidate]) -> np.ndarray:
    """One row of FEATURE_NAMES per candidate."""
    if not candidates:
        return np.zeros((0, len(FEATURE_NAMES)))
    vectors = np.stack([c.vector for c in candidates])
    similarity = vectors @ question_vector
    ordered_terms = [content_terms(c.sentence.text) for c in candidates]
    term_sets = [set(terms) for terms in ordered_terms]
    matched = _matched_weights(question, term_sets)
    coverage = matched / question.total_weight
    # A sentence with its neighbours: "It was judged good." answers only with the sentence before it.
    neighbours = _neighbours(candidates)
    window_vectors = np.stack([vectors[list(group)].sum(axis=0) for group in neighbours])
    window_similarity = (window_vectors @ question_vector) / np.linalg.norm(window_vectors, axis=1).clip(1e-9)
    document_best: dict[str, float] = {}
    document_terms: dict[str, set[str]] = {}
    for candidate, value, terms in zip(candidates, similarity, term_sets):
        doc = candidate.sentence.doc_id
        document_best[doc] = max(value, document_best.get(doc, -1.0))
        document_terms.setdefault(doc, set()).update(terms)
    document_coverage = {doc: _matched_weights(question, [terms])[0] / question.total_weight
                         for doc, terms in document_terms.items()}
    best_similarity, best_coverage = similarity.max(), coverage.max()
    rows = []
    for i, (candidate, ordered) in enumerate(zip(candidates, ordered_terms)):
        text = candidate.sentence.text
        bigrams = set(zip(ordered, ordered[1:]))
        wants = [kind in question.wants for kind in ANSWER_TYPES]
        meets = [wanted and _meets(kind, text) for kind, wanted in zip(ANSWER_TYPES, wants)]
        named = bool(question.authorities)
        rows.append([
            similarity[i],
            similarity[i] - best_similarity,
            0.0,  # similarity_rank, filled below
            best_similarity,
            1.0 / candidate.passage,
            coverage[i],
            coverage[i] - best_coverage,
            math.log1p(matched[i]),
            window_similarity[i],
            document_best[candidate.sentence.doc_id] - best_similarity,
            1.0 - document_coverage[candidate.sentence.doc_id],
            len(bigrams & question.bigrams) / len(question.bigrams) if question.bigrams else 0.0,
            math.log1p(len(text.split())),
            float(bool(_TERMINAL.search(text))),
            math.log1p(candidate.sentence.start / 500),
            float(named and bool(set(candidate.authorities) & set(question.authorities))),
            float(named and not set(candidate.authorities) & set(question.authorities)),
            float(named and bool(set(authorities_in(text, any_case=True)) & set(question.authorities))),
            float(any(wants) and not any(meets)),
            *map(float, wants),
            *map(float, meets),
        ])
    matrix = np.asarray(rows, dtype=np.float64)
    matrix[:, BASE_FEATURES.index("similarity_rank")] = _ranks(similarity)
    return matrix


def _matched_weights(question: QuestionProfile, term_sets: Sequence[set[str]]) -> np.ndarray:
    """The question's term weight each set of terms holds (over the total weight: its coverage)."""
    return np.array([sum(w for t, w in question.weights.items() if t in terms) for terms in term_sets])


def _neighbours(candidates: Sequence[Candidate]) -> list[tuple[int, ...]]:
    """For each candidate, itself and the candidates just before and after it in the same document."""
    order = sorted(range(len(candidates)), key=lambda i: (candidates[i].sentence.doc_id, candidates[i].sentence.start))
    groups: list[tuple[int, ...]] = [()] * len(candidates)
    for position, i in enumerate(order):
        doc = candidates[i].sentence.doc_id
        around = [order[p] for p in (position - 1, position + 1) if 0 <= p < len(order) and candidates[order[p]].sentence.doc_id == doc]
        groups[i] = (i, *around)
    return groups


def _meets(kind: str, text: str) -> bool:
    if kind == "polar":
        return True  # any statement can settle a yes/no question; the other features say which
    return bool(answer_spans(kind, text))
