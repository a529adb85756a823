"""The terms lexical matching sees (possessives, hyphens, stems) and how follow-ups become standalone
questions. How sentences are chosen is the learned ranker's (tests/answer/test_ranker.py)."""
from __future__ import annotations

import pytest

from assistant.retrieval.condense import rule_rewrite
from assistant.text import content_terms
from assistant.core.types import Turn


# ------------------------------------------------------------------------------------------ terms


def test_a_possessive_is_the_word_itself():
    assert content_terms("Warrington's committee's report") == ["warrington", "committee", "report"]


def test_hyphenated_words_match_their_parts():
    assert set(content_terms("early-stage partnership")) == set(content_terms("at an early stage, partnership"))


@pytest.mark.parametrize("word, other", [("focus", "focused"), ("process", "processes"), ("analysis", "analysis")])
def test_words_ending_in_s_that_are_not_plurals_keep_it(word, other):
    assert content_terms(word) == content_terms(other) == [word]


# ------------------------------------------------------------------------------------------ follow-ups


def test_a_follow_up_naming_another_authoritys_report_keeps_the_report():
    history = [Turn("user", "How does the Windsor and Maidenhead partnership respond to domestic abuse?")]
    rewritten = rule_rewrite("And in Warrington's multi-agency pilot inspection?", history)
    assert rewritten == "How does the Warrington partnership respond to domestic abuse (multi-agency pilot inspection)?"


def test_a_question_starting_with_in_and_asking_its_own_question_is_not_a_follow_up():
    question = "In Warrington, what did inspectors find?"
    assert rule_rewrite(question, [Turn("user", "What judgement did Wirral receive?")]) == question
