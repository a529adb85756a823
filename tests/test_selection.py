"""How the extractive answerer picks sentences: terms (possessives, hyphens, stems), answer needs by question
form, report-naming words, captions, and when a second passage may join the answer. Passages are built here
from sentences of the shipped reports' kind; similarity comes from the real bundled model."""
from __future__ import annotations

import pytest

from assistant.answer.extractive import ExtractiveGenerator, answer_needs, report_terms, sentence_meets
from assistant.retrieval.condense import rule_rewrite
from assistant.text import content_terms
from assistant.core.types import Chunk, Passage, Turn


def passages(*texts: str, authority: str = "Warrington") -> list[Passage]:
    out = []
    for rank, text in enumerate(texts, start=1):
        chunk = Chunk(id=f"c{rank}", doc_id=f"d{rank}", source=f"corpus/r{rank}.txt", title=f"Report {rank}",
                      start=0, end=len(text), page=1, text=text, metadata={"authority": authority})
        out.append(Passage(chunk, 1.0 / rank, rank))
    return out


@pytest.fixture(scope="module")
def generator(shared_embedder):
    return ExtractiveGenerator(shared_embedder, idf=lambda term: 1.0)


# ------------------------------------------------------------------------------------------ terms


def test_a_possessive_is_the_word_itself():
    assert content_terms("Warrington's committee's report") == ["warrington", "committee", "report"]


def test_hyphenated_words_match_their_parts():
    assert set(content_terms("early-stage partnership")) == set(content_terms("at an early stage, partnership"))


@pytest.mark.parametrize("word, other", [("focus", "focused"), ("process", "processes"), ("analysis", "analysis")])
def test_words_ending_in_s_that_are_not_plurals_keep_it(word, other):
    assert content_terms(word) == content_terms(other) == [word]


# ------------------------------------------------------------------------------------------ what the question asks


@pytest.mark.parametrize("question, needs", [
    ("Who is Dr Sarah Baker?", ("role",)),
    ("Who is the chairman of the safeguarding board?", ("person",)),
    ("Who chaired the meeting?", ("person",)),
    ("Who are children allocated to after the MASH?", ()),
    ("What was the committee's decision on the update?", ("decision",)),
    ("Are partners told the outcome of a safeguarding decision?", ()),
    ("When is the next full inspection due?", ("date", "future")),
    ("Why was it due to be inspected?", ()),
])
def test_the_form_of_a_question_says_what_an_answer_must_hold(question, needs):
    assert answer_needs(question) == needs


def test_a_role_question_wants_the_role_beside_the_name():
    question = "Who is Dr Sarah Baker?"
    assert sentence_meets("role", "Dr Sarah Baker, chief clinical officer at the CCG, said: \"Good.\"", "x", question)
    assert sentence_meets("role", "Sarah Baker is the chair of the board.", "x", question)
    assert not sentence_meets("role", "Pictured: Kath O'Dwyer, Dr Sarah Baker, Cllr Colin Froggatt", "x", question)


def test_a_person_question_is_not_answered_by_a_list_of_organisations():
    question = "Who was the lead inspector?"
    assert not sentence_meets("person", "The team included officers from Ofsted, the Care Quality Commission, HM Inspectorate of Probation.", "x", question)
    assert sentence_meets("person", "The Interim Executive Director presented the report.", "x", question)


def test_words_naming_the_report_are_told_apart_from_what_is_asked():
    assert report_terms("What did Ofsted's seventh monitoring visit to Wirral focus on?") == set(
        content_terms("Ofsted seventh monitoring visit")
    )
    # Asked which visit it was, the words naming it are what the answer must hold.
    assert report_terms("Which monitoring visit was this since the inadequate judgement?") == set()
    assert "pilot" not in report_terms("Why was the child protection inspection described as a pilot?")


# ------------------------------------------------------------------------------------------ choosing sentences


def test_the_finding_beats_a_sentence_that_only_repeats_the_report_name(generator):
    found = generator.generate(
        "What did Ofsted's seventh monitoring visit to Wirral focus on?",
        passages(
            "In the seventh monitoring visit since the local authority was judged inadequate, inspectors said "
            "the local authority is making progress.",
            "The visit focused on the experiences of children who had recently been the subject of safeguarding referrals.",
            authority="Wirral",
        ),
    )
    assert found and "safeguarding referrals" in found[0].text


def test_a_photo_caption_is_never_an_answer(generator):
    found = generator.generate(
        "What is Cllr Colin Froggatt's portfolio?",
        passages("Pictured (from the top): Kath O'Dwyer, Dr Sarah Baker, Cllr Colin Froggatt."),
    )
    assert found == []


def test_a_sentence_sharing_no_term_with_the_question_is_not_an_answer(generator):
    found = generator.generate(
        "Who was the lead inspector for the focused visit?",
        passages("Former Chairman of Warrington Town FC and Director of the Chamber of Commerce."),
    )
    assert found == []


def test_a_second_passage_joins_only_when_it_adds_what_the_first_does_not_say(generator):
    question = "Was early help intervention always timely according to the joint inspection?"
    answer = "However, not all early help intervention is sufficiently timely."
    opening = "A joint inspection by three safeguarding bodies has praised systems for protecting children."
    found = generator.generate(question, passages(answer, opening))
    assert [d.text for d in found] == [answer]
    assert {c for d in found for c in d.cites} == {1}


def test_a_committee_resolution_answers_a_question_about_its_decision(generator):
    found = generator.generate(
        "What was the committee's decision on the Ofsted visit update?",
        passages("The visit had taken place on 25 and 26 July 2018. Inspectors met staff. That the update be noted."),
    )
    assert [d.text for d in found] == ["That the update be noted."]


# ------------------------------------------------------------------------------------------ follow-ups


def test_a_follow_up_naming_another_authoritys_report_keeps_the_report():
    history = [Turn("user", "How does the Windsor and Maidenhead partnership respond to domestic abuse?")]
    rewritten = rule_rewrite("And in Warrington's multi-agency pilot inspection?", history)
    assert rewritten == "How does the Warrington partnership respond to domestic abuse (multi-agency pilot inspection)?"


def test_a_question_starting_with_in_and_asking_its_own_question_is_not_a_follow_up():
    question = "In Warrington, what did inspectors find?"
    assert rule_rewrite(question, [Turn("user", "What judgement did Wirral receive?")]) == question
