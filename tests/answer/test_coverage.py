"""A comparison says which named side its citations leave out, in an uncited line after the sentences."""
from __future__ import annotations

import pytest

from assistant.answer.coverage import topic_of, uncovered_sides
from assistant.ingest.describe import report_authorities
from assistant.answer.profile import profile
from tests.support.answer_contract import check_contract


@pytest.mark.parametrize("question, topic", [
    ("Compare Warrington and Wirral on strategy meetings", "strategy meetings"),
    ("What did Leeds and York say about the front door in Leeds and York?", "the front door"),
    ("How did Wirral's and Warrington's reports differ?", "this"),
])
def test_the_topic_of_a_comparison_leaves_out_the_authorities(question, topic):
    assert topic_of(question, ("Leeds", "York", "Wirral", "Warrington")) == topic


def test_a_named_authority_with_no_report_is_stated_and_the_answer_keeps_the_contract(ingested):
    answer = ingested.ask("How did Wirral and Manchester differ on strategy meetings?")
    assert not answer.abstained, answer.answer
    assert answer.uncovered == ("No indexed report is about Manchester.",)
    assert answer.answer.endswith("No indexed report is about Manchester.")
    check_contract(answer.to_dict(), ingested)


def test_an_indexed_side_without_a_citation_is_named_with_the_topic(ingested):
    question = "Compare Warrington and Wirral on strategy meetings"
    answer = ingested.ask(question)
    wirral_only = [c for c in answer.citations if "Warrington" not in report_authorities(c.metadata)]
    assert wirral_only, answer.answer
    asked = profile(question, ingested.extractive.idf)
    lines = uncovered_sides(asked, wirral_only, ingested.documents())
    assert lines == ("Nothing was found on strategy meetings in Warrington's reports.",)
    both = uncovered_sides(asked, answer.citations, ingested.documents())
    cited = {name for c in answer.citations for name in report_authorities(c.metadata)}
    assert both == tuple(f"Nothing was found on strategy meetings in {name}'s reports."
                         for name in ("Warrington", "Wirral") if name not in cited)


def test_a_side_whose_passages_were_found_but_not_quoted_is_not_called_silent(ingested):
    question = "Compare Warrington and Wirral on strategy meetings"
    answer = ingested.ask(question)
    wirral_only = [c for c in answer.citations if "Warrington" not in report_authorities(c.metadata)]
    warrington_found = [p for p in answer.retrieved if "Warrington" in report_authorities(p.chunk.metadata)]
    assert wirral_only and warrington_found, answer.answer
    asked = profile(question, ingested.extractive.idf)
    lines = uncovered_sides(asked, wirral_only, ingested.documents(), answer.retrieved)
    assert lines == ("None of the passages found in Warrington's reports answers on strategy meetings closely enough "
                     "to quote.",)
    wirral_found_only = [p for p in answer.retrieved if p not in warrington_found]
    assert uncovered_sides(asked, wirral_only, ingested.documents(), wirral_found_only) == (
        "Nothing was found on strategy meetings in Warrington's reports.",)


def test_a_single_fact_question_has_no_uncovered_lines(ingested):
    assert ingested.ask("What judgement did Warrington receive in 2009?").uncovered == ()
