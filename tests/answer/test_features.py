"""The features matrix, filled a column at a time from what is remembered of each sentence's text, is exactly
(bit for bit) the row-by-row definition below: the ranker's probabilities must not move."""
from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.answer import features
from assistant.answer.features import ANSWER_TYPES, FEATURE_NAMES, Candidate, feature_matrix
from assistant.answer.profile import answer_spans, profile
from assistant.core.types import StoredSentence
from assistant.ingest.describe import authorities_in
from assistant.text import ENDED, content_terms

TEXTS = [
    "Inspectors judged children's services in Wirral to be good in March 2019.",
    "It was judged good.",
    "The council's leaders, including Sarah Jones, know their services well",
    "Wirral and Cheshire West share a safeguarding partnership.",
    "Since the last inspection 12 children have waited more than 20 days.",
    "Managers in Bristol review caseloads monthly!",
    "No sentence here names a number or a place",
]
QUESTIONS = [
    "When were children's services in Wirral judged good?",
    "How many children waited in Wirral?",
    "Who leads the council?",
    "Is the partnership in Wirral effective?",
    "What did inspectors find?",
    "waited",
]


def reference(question, question_vector, candidates, mapped_vector) -> np.ndarray:
    """The features as the ranker was trained on them: one row at a time."""
    vectors = np.stack([c.vector for c in candidates])
    similarity = vectors @ question_vector
    mapped = vectors @ mapped_vector
    ordered_terms = [content_terms(c.sentence.text) for c in candidates]
    term_sets = [set(terms) for terms in ordered_terms]
    weigh = lambda sets: np.array([sum(w for t, w in question.weights.items() if t in terms) for terms in sets])
    matched = weigh(term_sets)
    coverage = matched / question.total_weight
    order = sorted(range(len(candidates)), key=lambda i: (candidates[i].sentence.doc_id, candidates[i].sentence.start))
    groups = [()] * len(candidates)
    for position, i in enumerate(order):
        doc = candidates[i].sentence.doc_id
        around = [order[p] for p in (position - 1, position + 1)
                  if 0 <= p < len(order) and candidates[order[p]].sentence.doc_id == doc]
        groups[i] = (i, *around)
    window_vectors = np.stack([vectors[list(group)].sum(axis=0) for group in groups])
    window_similarity = (window_vectors @ question_vector) / np.linalg.norm(window_vectors, axis=1).clip(1e-9)
    document_best, document_terms = {}, {}
    for candidate, value, terms in zip(candidates, similarity, term_sets):
        doc = candidate.sentence.doc_id
        document_best[doc] = max(value, document_best.get(doc, -1.0))
        document_terms.setdefault(doc, set()).update(terms)
    document_coverage = {doc: weigh([terms])[0] / question.total_weight for doc, terms in document_terms.items()}
    best_similarity, best_coverage = similarity.max(), coverage.max()
    rows = []
    for i, (candidate, ordered) in enumerate(zip(candidates, ordered_terms)):
        text = candidate.sentence.text
        bigrams = set(zip(ordered, ordered[1:]))
        wants = [kind in question.wants for kind in ANSWER_TYPES]
        meets = [wanted and (kind == "polar" or bool(answer_spans(kind, text))) for kind, wanted in zip(ANSWER_TYPES, wants)]
        named = bool(question.authorities)
        rows.append([
            similarity[i], similarity[i] - best_similarity, 0.0, best_similarity, 1.0 / candidate.passage,
            coverage[i], coverage[i] - best_coverage, math.log1p(matched[i]), window_similarity[i],
            document_best[candidate.sentence.doc_id] - best_similarity,
            1.0 - document_coverage[candidate.sentence.doc_id],
            len(bigrams & question.bigrams) / len(question.bigrams) if question.bigrams else 0.0,
            math.log1p(len(text.split())), float(bool(ENDED.search(text))), math.log1p(candidate.sentence.start / 500),
            float(named and bool(set(candidate.authorities) & set(question.authorities))),
            float(named and not set(candidate.authorities) & set(question.authorities)),
            float(named and bool(set(authorities_in(text, any_case=True)) & set(question.authorities))),
            float(any(wants) and not any(meets)), mapped[i], mapped[i] - mapped.max(), 0.0,
            *map(float, wants), *map(float, meets),
        ])
    matrix = np.asarray(rows, dtype=np.float64)
    order = np.argsort(-similarity, kind="stable")
    ranks = np.empty(len(similarity))
    ranks[order] = np.arange(1, len(similarity) + 1)
    matrix[:, FEATURE_NAMES.index("similarity_rank")] = 1.0 / ranks
    order = np.argsort(-mapped, kind="stable")
    ranks[order] = np.arange(1, len(mapped) + 1)
    matrix[:, FEATURE_NAMES.index("mapped_rank")] = 1.0 / ranks
    return matrix


def _candidates(rng: np.random.Generator, count: int) -> list[Candidate]:
    found = []
    for n in range(count):
        doc = f"doc{rng.integers(3)}"
        start = int(rng.integers(0, 4000))
        text = TEXTS[rng.integers(len(TEXTS))]
        sentence = StoredSentence(f"{doc}:{start}", doc, f"{doc}-c{start // 900}", start, start + len(text), text)
        vector = rng.standard_normal(384).astype(np.float32)
        authorities = (("Wirral",), ("Bristol", "Wirral"), ())[rng.integers(3)]
        found.append(Candidate(sentence, vector / np.linalg.norm(vector), int(rng.integers(1, 9)), authorities))
    return found


@pytest.mark.parametrize("seed", range(12))
def test_the_matrix_is_the_row_by_row_definition_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    idf = lambda term: 1.0 + (sum(map(ord, term)) % 7) / 3
    for question in QUESTIONS:
        asked = profile(question, idf)
        vector = rng.standard_normal(384).astype(np.float32)
        vector /= np.linalg.norm(vector)
        moved = vector + rng.standard_normal(384) * 0.1  # as a query map moves it
        candidates = _candidates(rng, int(rng.integers(1, 40)))
        expected = reference(asked, vector, candidates, moved)
        for _ in range(2):  # the second time from what was remembered of each text
            found = feature_matrix(asked, vector, candidates, moved)
            assert found.dtype == expected.dtype and found.shape == (len(candidates), len(FEATURE_NAMES))
            assert np.array_equal(found, expected), question


def test_no_candidates_no_rows():
    assert feature_matrix(profile("What?", lambda t: 1.0), np.ones(384, dtype=np.float32), []).shape == (0, len(FEATURE_NAMES))


def test_what_is_remembered_of_a_text_stays_bounded():
    assert features._text.cache_info().maxsize and features.authorities_named.cache_info().maxsize
