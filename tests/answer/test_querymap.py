"""The query map: a low-rank move of the question's vector, fitted on real questions and their answering
sentences, carried in the ranker file and read back identically."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assistant.answer.features import FEATURE_NAMES, feature_matrix
from assistant.answer.querymap import RANK, MapExample, fit_query_map
from assistant.answer.ranker import DEFAULT_MODEL, SentenceRanker
from assistant.answer.training import LabelledSet, cases_in
from tests.conftest import CORPUS, REPO


@pytest.fixture(scope="module")
def gold_examples(ingested):
    """The shipped gold's answerable questions as `ask` finds their candidates in the shipped corpus."""
    cases = cases_in(ingested, LabelledSet("gold", CORPUS, REPO / "eval" / "gold.jsonl"))
    examples = [MapExample(c.vector, np.stack([x.vector for x in c.candidates]), c.labels > 0) for c in cases]
    usable = [e for e in examples if e.answers.any() and not e.answers.all()]
    assert len(usable) >= 40
    return usable


def _loss(examples, move=lambda v: v) -> float:
    """Mean negative log share of the softmax (at the map's temperature) the answering candidates get."""
    total = 0.0
    for e in examples:
        scores = e.candidates @ move(e.vector) / 0.05
        shares = np.exp(scores - scores.max())
        total -= np.log(shares[e.answers].sum() / shares.sum())
    return total / len(examples)


def test_a_map_fitted_on_some_questions_moves_others_toward_their_answers(gold_examples):
    fitted, unseen = gold_examples[::2], gold_examples[1::2]
    query_map = fit_query_map(fitted)
    assert query_map.down.shape == (RANK, 384) and query_map.up.shape == (384, RANK)
    assert _loss(fitted, query_map.apply) < _loss(fitted)
    assert _loss(unseen, query_map.apply) < _loss(unseen)


def test_the_same_questions_fit_the_same_map(gold_examples):
    first, second = fit_query_map(gold_examples[:20]), fit_query_map(gold_examples[:20])
    assert np.array_equal(first.down, second.down) and np.array_equal(first.up, second.up)


def test_a_map_needs_a_question_with_an_answering_candidate(gold_examples):
    e = gold_examples[0]
    with pytest.raises(ValueError, match="answering candidate"):
        fit_query_map([replace(e, answers=np.zeros_like(e.answers))])


def test_the_packaged_ranker_carries_its_map_through_its_file(tmp_path, ingested):
    ranker = SentenceRanker.load(DEFAULT_MODEL)
    assert ranker.query_map is not None
    path = tmp_path / "ranker.json"
    path.write_text(ranker.to_json())
    again = SentenceRanker.load(path)
    vector = ingested.embedder.embed_query("How did staff feel about working for the council?")
    moved = again.mapped(vector)
    assert np.allclose(moved, ranker.mapped(vector), atol=1e-5)
    assert not np.allclose(moved, vector)


def test_without_a_map_the_mapped_features_are_the_plain_similarity(ingested):
    answer = ingested.ask("What did inspectors say about management oversight?")
    candidates, ranking = ingested.extractive.ranking_for(answer.standalone_question, answer.retrieved)
    vector = ingested.embedder.embed_query(answer.standalone_question)
    matrix = feature_matrix(ranking.question, vector, candidates)
    column = {name: matrix[:, i] for i, name in enumerate(FEATURE_NAMES)}
    assert np.allclose(column["mapped_similarity"], column["similarity"])
    assert np.allclose(column["mapped_rank"], column["similarity_rank"])
