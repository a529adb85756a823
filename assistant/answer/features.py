"""The features the sentence ranker scores: general signals of whether a report sentence answers a
question (similarity, term coverage, retrieval rank, answer-kind match, provenance), one row a candidate."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import AbstractSet as Set, Sequence

import numpy as np

from assistant.answer.profile import ANSWER_TYPES, QuestionProfile, answer_spans
from assistant.core.types import StoredSentence
from assistant.ingest.describe import authorities_in
from assistant.text import ENDED, content_terms


@dataclass(frozen=True)
class Candidate:
    """A report sentence that might answer: its stored record and vector, and where retrieval found it."""

    sentence: StoredSentence
    vector: np.ndarray
    passage: int  # 1-based position of the best retrieved passage holding it
    authorities: tuple[str, ...]  # the authorities its report is about, as described at ingest (main first)
    span: tuple[int, int] | None = None  # that passage's offsets in the report; None: not known


BASE_FEATURES = (
    "similarity", "similarity_gap", "similarity_rank", "best_similarity", "passage_rank",
    "coverage", "coverage_gap", "matched_weight", "window_similarity", "document_best",
    "document_missing", "bigrams", "length", "terminal", "position",
    "authority_match", "authority_mismatch", "names_authority", "wants_unmet",
    "mapped_similarity", "mapped_gap", "mapped_rank",
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


def feature_matrix(
    question: QuestionProfile, question_vector: np.ndarray, candidates: Sequence[Candidate],
    mapped_vector: np.ndarray | None = None,
) -> np.ndarray:
    """One row of FEATURE_NAMES per candidate; `mapped_vector` is the question's vector moved by the ranker's
    query map (answer/querymap.py; without one, the vector itself). Filled a column at a time, each value computed
    as a row-by-row loop computed it (the same float32 and float64 operations, math.log1p not np.log1p), so the
    ranker's probabilities do not move."""
    if not candidates:
        return np.zeros((0, len(FEATURE_NAMES)))
    vectors = np.stack([c.vector for c in candidates])
    similarity = vectors @ question_vector
    texts = [_text(c.sentence.text) for c in candidates]
    matched = _matched_weights(question, [t.terms for t in texts])
    coverage = matched / question.total_weight
    # A sentence with its neighbours: "It was judged good." answers only with the sentence before it.
    window_vectors = _windows(candidates, vectors)
    window_similarity = (window_vectors @ question_vector) / np.linalg.norm(window_vectors, axis=1).clip(1e-9)
    documents = [c.sentence.doc_id for c in candidates]
    document_best: dict[str, float] = {}
    document_terms: dict[str, set[str]] = {}
    for doc, value, text in zip(documents, similarity, texts):
        document_best[doc] = max(value, document_best.get(doc, -1.0))
        document_terms.setdefault(doc, set()).update(text.terms)
    document_coverage = {doc: _matched_weights(question, [terms])[0] / question.total_weight
                         for doc, terms in document_terms.items()}
    best_similarity, best_coverage = similarity.max(), coverage.max()
    matrix = np.zeros((len(candidates), len(FEATURE_NAMES)))
    columns = {name: matrix[:, i] for i, name in enumerate(FEATURE_NAMES)}  # views: writing one fills the matrix
    columns["similarity"][:] = similarity
    columns["similarity_gap"][:] = similarity - best_similarity
    columns["similarity_rank"][:] = _ranks(similarity)
    columns["best_similarity"][:] = best_similarity
    columns["passage_rank"][:] = [1.0 / c.passage for c in candidates]
    columns["coverage"][:] = coverage
    columns["coverage_gap"][:] = coverage - best_coverage
    columns["matched_weight"][:] = [math.log1p(value) for value in matched]
    columns["window_similarity"][:] = window_similarity
    mapped = similarity if mapped_vector is None else vectors @ mapped_vector
    columns["mapped_similarity"][:] = mapped
    columns["mapped_gap"][:] = mapped - mapped.max()
    columns["mapped_rank"][:] = _ranks(mapped)
    columns["document_best"][:] = [document_best[doc] - best_similarity for doc in documents]
    columns["document_missing"][:] = [1.0 - document_coverage[doc] for doc in documents]
    if question.bigrams:
        columns["bigrams"][:] = [len(t.bigrams & question.bigrams) / len(question.bigrams) for t in texts]
    columns["length"][:] = [t.length for t in texts]
    columns["terminal"][:] = [t.terminal for t in texts]
    columns["position"][:] = [math.log1p(c.sentence.start / 500) for c in candidates]
    if question.authorities:
        named = set(question.authorities)
        columns["authority_match"][:] = [float(bool(set(c.authorities) & named)) for c in candidates]
        columns["authority_mismatch"][:] = [float(not set(c.authorities) & named) for c in candidates]
        columns["names_authority"][:] = [float(bool(authorities_named(c.sentence.text) & named)) for c in candidates]
    wanted = [kind for kind in ANSWER_TYPES if kind in question.wants]
    for kind in wanted:
        columns[f"wants_{kind}"][:] = 1.0
        columns[f"meets_{kind}"][:] = [float(_meets(kind, c.sentence.text)) for c in candidates]
    if wanted:
        met = np.column_stack([columns[f"meets_{kind}"] for kind in wanted]).any(axis=1)
        columns["wants_unmet"][:] = (~met).astype(np.float64)
    return matrix


@dataclass(frozen=True)
class _Text:
    """What the features read of a sentence's text whatever the question: a report's sentences are candidates
    question after question, and working these out again was half the features' time at 10k chunks."""

    terms: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    length: float
    terminal: float


# A few dozen questions' candidates (~60 each): a few MB.
@lru_cache(maxsize=4096)
def _text(text: str) -> _Text:
    ordered = content_terms(text)
    return _Text(frozenset(ordered), frozenset(zip(ordered, ordered[1:])), math.log1p(len(text.split())),
                 float(bool(ENDED.search(text))))


@lru_cache(maxsize=4096)
def authorities_named(text: str) -> frozenset[str]:
    """The authorities a sentence names (remembered: the answer step asks again of the same candidates)."""
    return frozenset(authorities_in(text, any_case=True))


def _matched_weights(question: QuestionProfile, term_sets: Sequence[Set[str]]) -> np.ndarray:
    """The question's term weight each set of terms holds (over the total weight: its coverage)."""
    weights = list(question.weights.items())
    return np.array([sum([w for t, w in weights if t in terms]) for terms in term_sets])


def _windows(candidates: Sequence[Candidate], vectors: np.ndarray) -> np.ndarray:
    """Each candidate's vector plus those of the candidates just before and after it in the same document, added
    in that order (as summing the three rows adds them): one numpy call a side, not one a candidate."""
    order = sorted(range(len(candidates)), key=lambda i: (candidates[i].sentence.doc_id, candidates[i].sentence.start))
    docs = [candidates[i].sentence.doc_id for i in order]
    before = [(i, order[p - 1]) for p, i in enumerate(order) if p > 0 and docs[p - 1] == docs[p]]
    after = [(i, order[p + 1]) for p, i in enumerate(order) if p + 1 < len(order) and docs[p + 1] == docs[p]]
    windows = vectors.copy()
    for pairs in (before, after):
        if pairs:
            rows, others = np.array(pairs).T
            windows[rows] += vectors[others]
    return windows


@lru_cache(maxsize=4096)
def _meets(kind: str, text: str) -> bool:
    if kind == "polar":
        return True  # any statement can settle a yes/no question; the other features say which
    return bool(answer_spans(kind, text))
