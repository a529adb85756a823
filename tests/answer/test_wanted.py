"""A question for a grade is answered only by a grade, and a question for the grade of one area ("for
adoption") only by a grade from a passage that speaks of that area: the overall grade does not answer it."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.features import Candidate
from assistant.answer.profile import answer_spans, profile
from assistant.answer.training import Example, _outcome
from assistant.answer.wanted import held, requirements
from assistant.core.settings import AnswerSettings
from assistant.core.types import StoredSentence
from tests.support.settings import answer_settings


def _asked(question: str):
    return profile(question, idf=lambda term: 1.0)


@pytest.mark.parametrize("question, kinds, topic", [
    ("What overall rating did Ofsted give the council in 2019?", ["grade"], []),
    ("What grade did Tower Hamlets receive for adoption in its 2019 Ofsted inspection?", ["grade"], ["adoption"]),
    ("What grade did Ofsted give Croydon for the experiences of care leavers in October 2024?",
     ["grade"], ["experienc", "care", "leaver"]),
    ("What grade did Ofsted give the council for its December focused visit?", ["grade"], []),  # the visit, not an area
    ("Did the health watchdog put a grade on the services?", [], []),  # yes or no, told in words
    ("Which areas were rated inadequate?", [], []),  # asks for areas, not for a grade
])
def test_a_question_for_a_grade_requires_one_and_names_the_area_it_is_for(question, kinds, topic):
    asked = requirements(_asked(question))
    assert [r.kind for r in asked] == kinds
    assert [term for r in asked for term, _ in r.topic] == topic


@pytest.mark.parametrize("question, role", [
    ("Who is the head of York Youth Justice Service?", ["head"]),
    ("Who is City of York Council's corporate director of children and education?", ["director"]),
    ("Who was chief executive of the trust at the time of the inspection?", ["executive"]),
    ("Who is overseeing it now?", []),  # asks who does something: no role named
    # An owner's name with "'s" further on is not the role: the role is what stands right after "who was".
    ("Who was chief executive of Birmingham Children's Trust at the time of the visit?", ["executive"]),
    ("Who was chief executive of Dudley Council when Ofsted judged its children's services inadequate?", ["executive"]),
    ("Who was the Isle of Wight's director of children's services when Ofsted rated the service good?", ["director"]),
    ("Who was the government-appointed children's commissioner overseeing the council's services?", ["commissioner"]),
    ("Which minister made the statement on the report?", ["minister"]),  # "which <role>" asks for a person too
    ("Which Ofsted regional director commented on the inspection?", ["director"]),
    ("Which cabinet member for children responded to the rating?", ["member"]),
    ("Who was quoted responding for the council?", []),  # "quoted" tells what was done, not a role
    ("Which areas were rated inadequate?", []),
])
def test_a_question_for_the_holder_of_a_role_names_the_role(question, role):
    asked = requirements(_asked(question))
    assert [term for r in asked if r.kind == "person" for term, _ in r.topic] == role


@pytest.mark.parametrize("sentence, met", [
    ("Jane Smith, head of the Youth Justice Service, said the team was proud.", True),
    ("Martin Kelly, the council's corporate director of children and education, said the team was proud.", False),
    ("The head of the service welcomed the report.", False),  # the role without a person
])
def test_the_person_answering_a_role_question_stands_beside_the_role(sentence, met):
    question = _asked("Who is the head of the Youth Justice Service?")
    assert held(requirements(question), [(sentence, sentence + " The head of service was praised.")]) is met


def test_each_part_of_a_two_part_question_brings_its_own_requirement():
    question = "When was the final monitoring visit, and what rating did the inspection for adoption give?"
    asked = requirements(_asked(question))
    assert [r.kind for r in asked] == ["date", "grade"]
    assert [term for term, _ in asked[1].topic] == ["adoption"], "the date part lends the grade no topic"
    rated = "The inspection rated the council good."
    assert not held(asked, [(rated, "Adoption services were inspected.")]), "a date is missing"
    assert held(asked, [(rated, "Adoption services were inspected."), ("The visit was in March 2019.", "")])


@pytest.mark.parametrize("passage, met", [
    ("Ofsted judged the council's services for children as good. Adoption was not inspected separately.", True),
    ("Ofsted judged the council's services for children as good.", False),
])
def test_a_grade_for_an_area_counts_only_where_the_passage_speaks_of_the_area(passage, met):
    question = _asked("What grade did Ofsted give the council for adoption in 2019?")
    sentence = "Ofsted judged the council's services for children as good."
    assert held(requirements(question), [(sentence, passage)]) is met


def test_the_grade_of_an_area_the_shipped_reports_never_mention_is_not_answered_by_the_overall_grade(ingested):
    overall = "What overall rating did the pilot multi-agency inspection give Warrington's child protection services?"
    assert "good" in ingested.ask(overall).answer
    question = "What grade did the pilot multi-agency inspection give Warrington for adoption?"
    assert not any("adoption" in p.chunk.text.lower() for p in ingested.ask(question).retrieved)
    assert ingested.ask(question).abstained
    with answer_settings(ingested, require_wanted=False):
        assert not ingested.ask(question).abstained, "without the check the overall grade answers"


@pytest.mark.parametrize("question, kind", [
    ("How many strategy meetings did health attend?", "number"),
    ("When did social workers say they feel supported?", "date"),
    ("What grade did Ofsted give Wirral for strategy meetings?", "grade"),
])
def test_a_question_wanting_a_figure_date_or_grade_abstains_when_no_chosen_sentence_holds_one(ingested, question, kind):
    lacking = [p for p in ingested.ask(question).retrieved if not answer_spans(kind, p.chunk.text)]
    assert lacking, "some retrieved passages hold no answer of the kind"
    # Every sentence passes the probability threshold, so only the rule can leave the answer empty.
    with answer_settings(ingested, min_probability=0.0) as generator:
        assert generator.generate(question, lacking) == []
    with answer_settings(ingested, min_probability=0.0, require_wanted=False) as generator:
        assert generator.generate(question, lacking), "without the rule the same passages answer"


@pytest.mark.parametrize("passage, right", [
    ("Ofsted judged the council's services as good.", True),  # the overall grade: abstaining is right
    ("Ofsted judged the council's services as good. Adoption services were also inspected.", False),
])
def test_training_judges_a_threshold_by_the_answers_the_requirements_leave(passage, right):
    # The threshold is chosen on outcomes as `ask` would give them, so an answer the grade check withholds
    # counts as the abstention it becomes.
    question = _asked("What grade did Ofsted give the council for adoption in 2019?")
    sentence = StoredSentence("d:0", "d", "c", 0, 44, "Ofsted judged the council's services as good.")
    candidate = Candidate(sentence, np.ones(4) / 2, 1, ("Council",))
    example = Example("q", False, "unanswerable", np.zeros((1, 1)), np.zeros(1), (candidate,),
                      question=question, passages=(passage,))
    assert _outcome(example, np.array([0.9]), 0.1, AnswerSettings()) is right
    assert _outcome(example, np.array([0.9]), 0.1, AnswerSettings(require_wanted=False)) is False


@pytest.mark.parametrize("question, one_person", [
    ("Who was the director of children's services?", True),
    ("Who was quoted responding for the council?", True),
    ("Who is keeping an eye on whether the plan is delivered?", False),  # a board or a group may be doing it
    ("Who was leading the improvement work?", False),
])
def test_who_is_doing_something_may_be_answered_by_a_body(question, one_person):
    assert ("person" in [r.kind for r in requirements(_asked(question))]) is one_person


@pytest.mark.parametrize("question, wants, kinds", [
    # An opening clause places the question; the clause after it says what is asked.
    ("When Sandwell's services were rated Good, what did inspectors say about children's health needs?", (), []),
    ("When Leeds spots that a child is in danger, how well does it react, according to the latest report?", (), []),
    ("In Highland, did staff feel listened to when they raised worries?", ("polar",), []),
    ("In 2019, who was the director of children's services at Kent?", ("person",), ["person"]),
    ("When was Sandwell last rated inadequate?", ("date", "grade"), ["date"]),  # "when" itself asks
])
def test_what_a_question_asks_is_read_after_an_opening_clause(question, wants, kinds):
    asked = _asked(question)
    assert asked.wants == wants
    assert [r.kind for r in requirements(asked)] == kinds


@pytest.mark.parametrize("question, kind, met, unmet", [
    ("In which year did Ofsted inspect the trust?", "year", "in February 2015", "between 14 and 25 February"),
    ("On what date was the report published?", "day", "published today (9 January)", "published in 2019"),
    ("On which dates did the inspection take place?", "day", "Meeting: 17/05/2023", "in March"),
    ("In which month did Ofsted inspect Sandwell?", "month", "carried out in May", "in 2022"),
    ("When was the visit?", "date", "in 2022", "last year"),
])
def test_a_question_for_a_year_a_month_or_a_day_is_answered_only_by_one(question, kind, met, unmet):
    (asked,) = requirements(_asked(question))
    assert asked.kind == kind
    assert asked.met_by(met, met) and not asked.met_by(unmet, unmet)


@pytest.mark.parametrize("question, sentence, met", [
    # A number of weeks or years counts time, not the children or social workers asked about.
    ("How many children were in the council's care?", "Inspectors visited for three weeks in November.", False),
    ("How many social workers left the trust?", "It came two years after the lowest rating.", False),
    ("How many recommendations did Ofsted make?", "Following a three-week long inspection, the report ...", False),
    ("How many children were exploited?", "It revealed exploitation of up to 1,400 children.", True),
    # A question about time is answered by one.
    ("How long did the inspection last?", "Following a three-week long inspection, the report ...", True),
    ("How many years had the service been inadequate?", "It had been inadequate for seven years.", True),
])
def test_a_question_counting_things_is_not_answered_by_a_length_of_time(question, sentence, met):
    (asked,) = requirements(_asked(question))
    assert asked.met_by(sentence, sentence) is met


@pytest.mark.parametrize("question, sentence, met", [
    ("Which number monitoring visit was the one in February 2019?", "It was their sixth and final visit.", True),
    ("Which number monitoring visit was the one in February 2019?",
     "Its most recent monitoring visit took place on 19 and 20 February 2019.", False),
    ("What number visit was that?", "the 5th monitoring visit", True),
])
def test_which_number_asks_for_a_place_in_a_series(question, sentence, met):
    (asked,) = requirements(_asked(question))
    assert asked.kind == "ordinal" and asked.met_by(sentence, sentence) is met


@pytest.mark.parametrize("sentence, met", [
    ("The inspection report has graded the services as \u2018Good\u2019.", True),
    ("The experiences and progress of children who need help and protection - Good", True),
    ("Services were judged to be good overall.", True),
    ("South Tees has received an overall rating of 'Good'.", True),
    # The same words describing, not grading.
    ("Information sharing and decision making were effective at keeping children safe.", False),
    ("Kent County Council is delivering a good service to children and families.", False),
])
def test_a_grade_answers_only_where_the_report_gives_it_as_one(sentence, met):
    (asked,) = requirements(_asked("What grade did the joint inspection give?"))
    assert asked.met_by(sentence, sentence) is met


@pytest.mark.parametrize("sentence", [
    "The shock judgement in 2009 that local provision was \u201cinadequate.\u201d",  # quoted, the full stop inside
    "Following the inadequate judgment in 2009 the council made a substantial commitment.",  # naming the judgement
    "The judgement for the experiences of children was that it was inadequate.",  # ending the clause after "was"
    "Ofsted judged the council's services for children as good.",
])
def test_a_grade_given_inside_quotes_before_a_judgement_or_ending_a_clause_still_answers(sentence):
    (asked,) = requirements(_asked("What judgement did the council receive?"))
    assert asked.met_by(sentence, sentence)


def test_a_page_date_stamp_is_no_date_the_sentence_tells():
    """"date 2022-12-16 AN INDEPENDENT inspection ..." dates the page: it neither answers "When did inspectors visit?"
    nor is said; the same sentence giving its own date does answer."""
    from assistant.answer.extractive import RankedSentence, holding_wanted

    question = _asked("When did inspectors carry out the fieldwork?")

    def ranked(text: str) -> RankedSentence:
        stored = StoredSentence("d:0", "d", "c", 0, len(text), text)
        return RankedSentence(Candidate(stored, np.ones(4) / 2, 1, ("Council",)), 0.9)

    stamped = ranked("date 2022-12-16 AN INDEPENDENT inspection of the service has found it to be outstanding.")
    assert stamped.text.startswith("AN INDEPENDENT")
    assert holding_wanted(question, [stamped], [stamped], [stamped.candidate.sentence.text]) == []
    dated = ranked("date 2022-12-16 Inspectors carried out the fieldwork in October 2022.")
    assert holding_wanted(question, [dated], [dated], [dated.candidate.sentence.text]) == [dated]


@pytest.mark.parametrize("text, name", [
    ("Kath O'Dwyer, executive director of children's services at Warrington Borough Council, said: \"We do.\"",
     "Kath O'Dwyer"),
    ("Jane McDonald, lead member for children, welcomed the report.", "Jane McDonald"),
])
def test_a_persons_answer_span_is_the_name_not_the_council_after_it(text, name):
    # The span marked "Warrington Borough": "O'Dwyer" was not read as a surname.
    start, end = answer_spans("person", text)[0]
    assert text[start:end] == name
    # A capital alone is no surname.
    assert answer_spans("person", "the report said Warrington I think, and Director A few") == []


def test_a_figures_answer_span_holds_its_currency_and_all_its_digits_and_no_space_after():
    # "How much ...?" marked "200,000 " (no pound sign, a space after) and "1,200" of "1,200,000".
    text = "\u00a31,200,000 was spent, 45 % more than planned, on 3 homes."
    assert [text[a:b] for a, b in answer_spans("number", text)] == ["\u00a31,200,000", "45 %", "3"]


@pytest.mark.parametrize("text, given", [
    # The scale a rating will be chosen from answered "What overall rating did the YOT receive?".
    ("After the inspection the YOT will be given an overall rating, either Outstanding, Good, Requires improvement "
     "or Inadequate.", []),
    ("Grades are 'outstanding', 'good', 'requires improvement' and 'inadequate'.", []),
    ("Ofsted rated the council Good overall.", ["Good"]),
    ("Adoption was judged good and fostering was rated outstanding.", ["good", "outstanding"]),
])
def test_the_grading_scale_listed_is_no_grade_given(text, given):
    from assistant.answer.wanted import given_grades

    assert [text[a:b] for a, b in given_grades(text)] == given


@pytest.mark.parametrize("question, role", [
    # "Director of Children's" was read as an owner, so the role asked for was "services", and a chief executive
    # beside the council's name answered it.
    ("Who was the Director of Children's Services in Dudley in 2016?", "director"),
    ("Who is the Isle of Wight's director of children's services?", "director"),  # an authority owns the role
    ("Who was chief executive of Birmingham Children's Trust when it was rated good?", "executive"),
])
def test_a_capitalised_title_is_the_role_not_an_owner(question, role):
    (person,) = [r for r in requirements(_asked(question)) if r.kind == "person"]
    assert person.topic == ((role, 1.0),)
