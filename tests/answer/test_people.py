"""A question for one person's name is answered only by a sentence that names a person: given names
tell a name ("Andy Couldrick") from capitalised phrases that only look like one ("Local Authority")."""
from __future__ import annotations

import pytest

from assistant.answer.people import people
from assistant.answer.profile import profile
from assistant.answer.wanted import asks_for_a_share, counts, shares
from tests.support.settings import answer_settings


@pytest.mark.parametrize("text, named", [
    ("Andy Couldrick, Chief Executive of Birmingham Children's Trust said", ["Andy Couldrick"]),
    ("Robert Henderson (Executive Director - Children, Families & Education LBC) said:", ["Robert Henderson"]),
    ("Ofsted's Regional Director for the South West, Bradley Simmons said:", ["Bradley Simmons"]),
    ("Councillor Beverley Momenabadi, Cabinet Member, said", ["Councillor Beverley Momenabadi"]),
    ("Government-appointed Children's Commissioner Malcolm Newsam said", ["Malcolm Newsam"]),
    ("Cllr Tope welcomed the report.", ["Cllr Tope"]),
    ("This follows an inspection under the Inspection of Local Authority Children's Services framework.", []),
    ("The leadership teams at both Slough Children First (SCF) and the council are working together.", []),
    ("Kent County Council was rated outstanding.", []),  # a given name that is also a council's place
    ("The Interim Executive Director of Children's Services presented a report.", []),  # a role, not a name
])
def test_a_person_is_a_title_or_a_given_name_before_a_surname(text, named):
    assert [text[a:b] for a, b in people(text)] == named


@pytest.mark.parametrize("question", [
    "On what dates did inspectors carry out fieldwork?",
    "Which years did the council receive monitoring visits?",
])
def test_a_question_for_dates_in_the_plural_wants_a_date(question):
    assert "date" in profile(question, idf=lambda t: 1.0).wants


def test_a_question_for_one_persons_name_abstains_when_the_reports_name_only_bodies_and_roles(ingested):
    # eval/gold.jsonl q100: the Warrington reports name the inspectorates in the team, never its lead.
    question = "Who was the lead Ofsted inspector for the Warrington focused visit?"
    assert ingested.ask(question).abstained
    with answer_settings(ingested, require_wanted=False):
        assert not ingested.ask(question).abstained, "without the name check the same passages answer"


def test_a_question_for_who_did_something_is_still_answered_by_a_role(ingested):
    # eval/gold.jsonl q051: "who presented" asks for whoever did it, and a role answers.
    answer = ingested.ask("Who presented the findings of the Ofsted focused visit to the committee?")
    assert not answer.abstained
    assert "Interim Executive Director" in answer.answer


@pytest.mark.parametrize("text, has_share", [
    ("The timeliness of conferences is poor, with only 65.5% occurring within statutory timescales.", True),
    ("Nine out of 13 areas were rated outstanding.", True),
    ("Around half of the plans were reviewed on time.", True),
    ("A fifth of schools inspected were judged to require improvement.", True),
    ("Inspectors visited three teams over two days in 2018.", False),
])
def test_a_share_is_a_percentage_a_fraction_or_so_many_out_of_so_many(text, has_share):
    assert bool(shares(text)) is has_share


def test_a_question_for_a_share_abstains_when_the_chosen_sentences_hold_only_counts(ingested):
    question = "What percentage of strategy meetings did health attend?"
    assert asks_for_a_share(question) and not asks_for_a_share("How many strategy meetings did health attend?")
    counted = [p for p in ingested.ask(question).retrieved if counts(p.chunk.text) and not shares(p.chunk.text)]
    assert counted, "some retrieved passages hold counts but no share"
    with answer_settings(ingested, min_probability=0.0) as generator:
        assert generator.generate(question, counted) == []
        assert generator.generate("How many strategy meetings did health attend?", counted), "a count answers a count"


def test_a_question_for_a_share_is_answered_by_a_percentage(ingested):
    # eval/gold.jsonl q039
    answer = ingested.ask("What proportion of child protection conferences in Wirral took place within statutory timescales?")
    assert not answer.abstained and "65.5%" in answer.answer
