"""The evidence rules beside the ranker: a figure the question asks about that no retrieved text holds."""
from __future__ import annotations

import pytest

from assistant.answer.evidence import unmentioned_figure

TEXTS = ["Services were judged inadequate in 2009.", "Inspectors read 45 case files."]


@pytest.mark.parametrize("question, missing", [
    ("What did the 2015 inspection find?", "2015"),
    ("Were 60% of conferences held on time?", "60%"),
    ("What was found in 2009?", None),
    ("How many of the 45 case files were audited?", None),
    # Two years of two reports: one found means the question is half answerable, not unanswerable.
    ("What judgements were given in 2009 and 2015?", None),
    ("What judgements were given in 2014 and 2015?", "2014"),
])
def test_a_figure_is_unmentioned_only_when_none_of_the_questions_figures_is_found(question, missing):
    assert unmentioned_figure(question, TEXTS) == missing


def test_words_naming_the_answers_form_are_not_what_a_question_must_share_with_the_passages(ingested):
    # "Compare Warrington and Wirral" asks nothing but a comparison of the two: it was refused as sharing "no word
    # with the question" while its passages named both authorities.
    answer = ingested.ask("Compare Warrington and Wirral")
    assert not answer.abstained, answer.answer
    cited = {c.metadata.get("authority") for c in answer.citations}
    assert {"Warrington", "Wirral"} <= cited, cited
    assert ingested.ask("What is the capital of France?").abstained  # the rule still holds for what is asked about


@pytest.mark.parametrize("question", ["Why?", "Tell me more", "What about it?"])
def test_a_question_asking_nothing_in_particular_abstains_and_says_why(ingested, question):
    # Answered from whatever committee minutes ranked first ("That the update be noted [1]").
    answer = ingested.ask(question)
    assert answer.abstained and "names nothing to look for" in answer.answer, answer.answer
    # A filter says what it is about.
    scoped = ingested.ask(question, filters={"authority": "Wirral"})
    assert "names nothing to look for" not in scoped.answer, scoped.answer


@pytest.mark.parametrize("question", ["Warrington vs Wirral", "Warrington versus Wirral"])
def test_versus_names_the_answers_form_too(ingested, question):
    answer = ingested.ask(question)
    assert not answer.abstained, answer.answer
    assert {"Warrington", "Wirral"} <= {c.metadata.get("authority") for c in answer.citations}
