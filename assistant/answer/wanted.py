"""What an answer must hold for the form of its question to be answered at all: a question for a date is not
answered without a date, a question for one person's name not without a person named, a question for a
percentage not by a count, a question for the grade of adoption not by a grade in a passage that never speaks
of adoption, and "Who is the head of X?" not by a sentence naming X's director. Read from the question's wording alone, never from any report's: the ranker decides which
sentence is best, these checks only whether the chosen ones could answer at all.

An answer meets its question when every requirement is met by some chosen sentence (each part of a two-part
question brings its own). Ablations on the tuning split (`assistant eval --devset --split tune`):
- dates and counts: abstention on unanswerable 0.208 -> 0.417, false abstention unchanged (0.012);
- a named person rather than any two capitalised words, "what dates" and shares: 0.417 -> 0.583, nothing else moved;
- a grade for "What grade/rating/judgement ...?", and for "... for <area>" only from a passage speaking of the
  area: 0.583 -> 0.708, accuracy unchanged (0.851); false abstention 0.006 -> 0.012 (a question that had been
  answered wrongly). Checking grades for every question that mentions one had cost false abstention
  0.012 -> 0.030; a year for "which year" changed no answer, so is left out;
- the role a "Who is the head of X?" question names ("head"), in the sentence that names the person: 0.708 -> 0.750,
  nothing else moved (gold unchanged). "Which <role> ...?" ("Which minister made the statement?") asks the same,
  now that a person beside the role answers even below the ranker's threshold (answer/extractive.py
  `holding_wanted`): cross-validated tune accuracy 0.839 -> 0.851, abstention on unanswerable 0.750 -> 0.792; on
  questions written later on the devset texts (eval/devset_more.jsonl), batch f 0.723 -> 0.754, g 0.642 -> 0.653.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from assistant.answer.people import people
from assistant.answer.profile import QuestionProfile, answer_spans, asking_clause, profile
from assistant.answer.route import question_parts
from assistant.ingest.describe import authorities_in
from assistant.text import content_terms
from assistant.text.patterns import GRADE, MONTH, SCOTTISH_GRADE, YEAR

Finder = Callable[[str], list[tuple[int, int]]]


@dataclass(frozen=True)
class Requirement:
    kind: str  # what the answer must hold: a date (or its year, month or day), a count of things, a quantity (of time
    # too: "How long ...?"), a place in a series, a share, a person, a grade
    find: Finder
    # Weighted terms of what is asked about: the grade of "adoption", a person who is "head" of something.
    topic: tuple[tuple[str, float], ...] = ()
    # Where the topic must stand: the passage around the sentence (an area graded is often named a sentence
    # before its grade), or the sentence itself (the role beside the name).
    topic_in_sentence: bool = False

    def met_by(self, sentence: str, passage: str) -> bool:
        if not self.find(sentence):
            return False
        total = sum(w for _, w in self.topic)
        if not total:
            return True
        present = set(content_terms(sentence if self.topic_in_sentence else passage))
        return sum(w for t, w in self.topic if t in present) >= TOPIC_SHARE * total


# "Who was the director ...?" asks for one person's name; "Who do the plans include?" may be a group, and
# "Who presented ...?" is answered by a role.
# "Who chairs the board?" names the person holding a post, as "Who is the chair?" does; so do "the names of".
_ONE_PERSON = re.compile(
    r"^\s*who\s+(?:(?:is|was)\b(?!\s+\w+ing\b)|(?:chairs|chaired|leads|led|heads|headed|took\s+over|succeeded)\b)"
    r"|\bnames?\s+of\b|\bwhat\s+is\s+the\s+name\b", re.I)
# "Which minister made the statement?" asks for the person holding a role, as "Who was the minister?" does.
_PERSON_NOUNS = (r"director|minister|inspector|executive|chair|chairman|chairwoman|leader|councillor|commissioner|"
                 r"officer|manager|head|secretary|mayor|spokesperson|spokesman|spokeswoman|member")
_WHICH_ROLE = re.compile(rf"^\s*which\s+(?:[\w'\u2019-]+\s+){{0,2}}?(?P<role>{_PERSON_NOUNS})\b", re.I)
# A question for a share ("What percentage ...", "What proportion ...") is answered by a share, not any count.
_ASKS_SHARE = re.compile(r"\b(?:percentage|proportion|per\s*cent|percent)\b", re.I)
_SHARE = re.compile(r"\d\s*%|\bper\s*cent\b|\bpercent\b|\b(?:half|thirds?|quarters?|fifths?|tenths?|majority|minority)\b|\bout\s+of\b", re.I)
# "What grade did ... give?" is not answered by a finding told in words ("little progress").
_ASKS_GRADE = re.compile(r"^\s*(?:what|which)\s+(?:\w+\s+)?(?:grade|rating|judge?ment)\b(?!\s+areas?\b)", re.I)
# What a grade was for: "What grade did X receive for adoption in its 2019 inspection?" is not answered by the
# overall grade. The phrase runs from "for" to a time, the inspection it names, or the question's end.
_GRADED_FOR = re.compile(
    rf"\bfor\s+(?!(?:its|the|their|this|that)\s+(?:\w+\s+){{0,2}}(?:inspection|visit|review)s?\b)(.+?)"
    rf"(?=\s+(?:in|at|during|from|after|following)\s+(?:its|the|their|\d|{MONTH})|,|\?|$)", re.I)
# "In which year ...?" is answered by a year, "On what date ...?" by a day ("20 and 21 February", not "2019"),
# "Which month ...?" by a month; "When ...?" by any of them.
_ASKS_WHEN = (
    ("year", re.compile(r"\b(?:what|which)\s+year\b", re.I)),
    ("day", re.compile(r"\b(?:what|which)\s+(?:dates?|days?)\b", re.I)),
    ("month", re.compile(r"\b(?:what|which)\s+months?\b", re.I)),
)
# Days of a date ("20 and 21 February", "11th February"): numbers that count nothing.
_DAYS = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s*(?:and|-|\u2013|to)\s*\d{{1,2}}(?:st|nd|rd|th)?)?\s+{MONTH}")


def asks_for_a_name(question: str) -> bool:
    return bool(_ONE_PERSON.search(question) or _WHICH_ROLE.search(question))


def asks_for_a_share(question: str) -> bool:
    return bool(_ASKS_SHARE.search(question))


def shares(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _SHARE.finditer(text)]


_MONTH = re.compile(rf"\b{MONTH}(?!\w)")  # "may" the verb is no month
# A day of a date, as words or figures: "20 and 21 February", "January 9", "2025-05-15", "17/05/2023".
_DAY = re.compile(rf"{_DAYS.pattern}|\b{MONTH}\s+\d{{1,2}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b")
# A grade word answers "What grade ...?" where a report gives it as one: quoted ("'Good'"), naming a judgement ("the
# inadequate judgment"), capitalised within the sentence or after a dash ("leaders - Outstanding"), or after a word
# that awards it ("rated the council good", "judged to be good", "as outstanding"), or ending a clause after "was"
# ("it was inadequate."). Bare, the same words describe ("a good service", "were effective at keeping children safe").
_GRADE_WORD = rf"(?:{GRADE}|{SCOTTISH_GRADE})"
_GIVEN_GRADE = re.compile(
    rf"['\u2018\u201c\"]\s*(?P<quoted>{_GRADE_WORD})\s*[.,;:!]?\s*['\u2019\u201d\"]"
    rf"|\b(?P<named>{_GRADE_WORD})\s+(?:judge?ments?|ratings?|grades?|gradings?)\b"
    rf"|(?<=[\w,;:\u2013-] )(?P<capital>(?-i:Outstanding|Good|Requires? [Ii]mprovement(?: [Tt]o [Bb]e [Gg]ood)?|Inadequate|"
    rf"Effective|Excellent|Very [Gg]ood|Adequate|Weak|Unsatisfactory))\b"
    rf"|\b(?:rated|judged|graded|grading|rating|judge?ment|grade|awarded|given)\s+(?:[\w'\u2019-]+\s+){{0,4}}?"
    rf"(?P<awarded>{_GRADE_WORD})\b"
    rf"|\b(?:as|be|found|remains?|remained|retain(?:ed|s|ing)?|receiv(?:ed|es|ing)|achiev(?:ed|es|ing)|overall)\s+"
    rf"(?:(?:to\s+be|an?|its|overall|now|still|once\s+again|again)\s+){{0,3}}(?P<kept>{_GRADE_WORD})\b"
    rf"|\b(?:is|was|were|are|been)\s+(?P<ending>{_GRADE_WORD})(?=\s*[.,;:!?)'\"\u2019\u201d]|\s*$)",
    re.I,
)
# "Which number visit was it?" asks for its place in a series: "the sixth", "5th".
_ASKS_ORDINAL = re.compile(r"\b(?:which|what)\s+number\s+(?!of\b)\w+", re.I)
_ORDINAL = re.compile(r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
                      r"\d+(?:st|nd|rd|th))\b", re.I)
# "How many children ...?" is not answered by "three weeks": a number of days, weeks, months or years counts time,
# which only a question about time ("How long ...?", "How many years ...?") asks for.
_ASKS_TIME = re.compile(
    r"\bhow\s+(?:long|old|often)\b|\bhow\s+many\s+(?:\w+\s+)?(?:days?|weeks?|months?|years?|hours?|times)\b", re.I)
_DURATION = re.compile(r"[\s-]*(?:days?|weeks?|months?|years?|hours?)\b", re.I)
# Digits that count nothing: a date in figures ("17/05/2023"), a telephone number ("0300 7900 126", a group with
# a leading zero and the groups after it), a time of day ("00:00"), a range of years ("2015-16"), a number in a
# name ("COVID-19") and the number of a labelled part ("Item 10", "Issue 64", "Part 8").
_NOT_QUANTITIES = re.compile(
    r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b0\d{2,4}(?:[ -]?\d{3,4}){1,3}\b"
    r"|\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\s*[-\u2013/]\s*\d{2}\b|\b[A-Za-z]+-\d+\b"
    r"|\b(?:item|issue|no\.|section|paragraph|page|appendix|annex|chapter|part|clause|indicator|tel\.?|telephone)\s*\d[\d.]*",
    re.I)


# Three grades or more in a list name the scale ("will be given an overall rating, either Outstanding, Good, Requires
# improvement or Inadequate"), not a grade given.
_SCALE = re.compile(rf"\b{_GRADE_WORD}(?:['\u2019\u201d\"]?\s*(?:,|\bor\b|\band\b|,\s*(?:or|and)\b)\s*['\u2018\u201c\"]?"
                    rf"{_GRADE_WORD}){{2,}}", re.I)


def given_grades(text: str) -> list[tuple[int, int]]:
    """Where `text` gives a grade as one (the grade word's span)."""
    scales = [m.span() for m in _SCALE.finditer(text)]
    spans = [next(m.span(g) for g in _GIVEN_GRADE.groupindex if m.group(g)) for m in _GIVEN_GRADE.finditer(text)]
    return [(s, e) for s, e in spans if not any(a <= s and e <= b for a, b in scales)]


def counts(text: str) -> list[tuple[int, int]]:
    """Where `text` states a quantity: its number spans without years, the days of dates, dates in figures, times of
    day, year ranges ("2020-22"), numbers in names ("COVID-19"), telephone numbers and the numbers of labelled parts."""
    dated = [m.span() for pattern in (YEAR, _DAYS, _NOT_QUANTITIES) for m in pattern.finditer(text)]
    return [(s, e) for s, e in answer_spans("number", text) if not any(a <= s and e <= b for a, b in dated)]


def _kinds(question: QuestionProfile) -> list[str]:
    text = asking_clause(question.text)
    kinds = []
    if _ASKS_ORDINAL.search(text):
        kinds.append("ordinal")
    elif "number" in question.wants:
        kinds.append("share" if asks_for_a_share(text) else "quantity" if _ASKS_TIME.search(text) else "count")
    if "date" in question.wants:
        kinds.append(next((kind for kind, asks in _ASKS_WHEN if asks.search(text)), "date"))
    if asks_for_a_name(text):
        kinds.append("person")
    if _ASKS_GRADE.search(text):
        kinds.append("grade")
    return kinds


# The role a "Who is the head of X?" question names: the words before "of", "for", "quoted", a participle
# ("overseeing") ... or the end, after an owner's name ("the Isle of Wight's"). The owner is capitalised words
# only: "Who was chief executive of Birmingham Children's Trust ...?" asks for a chief executive, not a trust.
_WHO_IS = r"^\s*(?i:who\s+(?:is|was)\s+(?!\w+(?:ing|ed)\b)(?:the\s+)?)"
_OWNER = r"(?P<owner>(?:[A-Z][\w-]*\s+(?:(?i:of|and)\s+)?){0,3}[A-Z][\w-]*['\u2019]s\s+)"
_ROLE_WORDS = (r"(?P<role>(?:[\w'\u2019-]+\s+){0,2}?[\w-]+)"
               r"\s*(?i:\b(?:of|for|at|in|on|quoted|when|who|during|with|to|\w+ing)\b|\?|$)")
_ROLE = re.compile(rf"{_WHO_IS}{_OWNER}?{_ROLE_WORDS}")
# The same without an owner: "the Director of Children's Services" is a title, not "Services" of "Director of Children".
_UNOWNED_ROLE = re.compile(rf"{_WHO_IS}{_ROLE_WORDS}")


def _role(question: QuestionProfile) -> tuple[tuple[str, float], ...]:
    """The role's head noun ("director" of "corporate director"), which the sentence naming the person must hold."""
    asking = asking_clause(question.text)
    found = _ROLE.search(asking)
    if found and found.group("owner") and not authorities_in(found.group("owner"), any_case=True):
        found = _UNOWNED_ROLE.search(asking)  # an owner names an authority ("the Isle of Wight's")
    found = found or _WHICH_ROLE.search(asking)
    terms = content_terms(found.group("role")) if found else []
    return ((terms[-1], 1.0),) if terms else ()


def _graded_topic(question: QuestionProfile) -> tuple[tuple[str, float], ...]:
    """The weighted terms of what a grade question asks the grade of, when it names something."""
    found = _GRADED_FOR.search(question.text)
    if not found:
        return ()
    return tuple((t, question.weights[t]) for t in dict.fromkeys(content_terms(found.group(1))) if t in question.weights)


_FINDERS: dict[str, Finder] = {
    "quantity": counts,
    "count": lambda text: [(s, e) for s, e in counts(text) if not _DURATION.match(text, e)],
    "ordinal": lambda text: [m.span() for m in _ORDINAL.finditer(text)],
    "share": shares,
    "date": lambda text: answer_spans("date", text),
    "year": lambda text: [m.span() for m in YEAR.finditer(text)],
    "month": lambda text: [m.span() for m in _MONTH.finditer(text)],
    "day": lambda text: [m.span() for m in _DAY.finditer(text)],
    "person": people,
    "grade": given_grades,
}

# Share of a topic's weight the passage must hold: "experiences of care leavers" is spoken of when "care leavers" is.
TOPIC_SHARE = 0.5


def requirements(question: QuestionProfile) -> tuple[Requirement, ...]:
    """What the answer must hold: each part of a question that asks two things ("When was X, and what grade
    did Y give?") adds its own."""
    parts = question_parts(question.text)
    asked = [question] if len(parts) == 1 else [
        profile(part, lambda term: question.weights.get(term, 1.0)) for part in parts]
    return tuple(_requirement(kind, part) for part in asked for kind in _kinds(part))


def _requirement(kind: str, question: QuestionProfile) -> Requirement:
    if kind == "grade":
        return Requirement(kind, _FINDERS[kind], _graded_topic(question))
    if kind == "person":
        return Requirement(kind, _FINDERS[kind], _role(question), topic_in_sentence=True)
    return Requirement(kind, _FINDERS[kind])


def held(asked: Sequence[Requirement], chosen: Iterable[tuple[str, str]]) -> bool:
    """Whether the chosen (sentence, passage) pairs meet every requirement of `asked` (a question's, read once)."""
    chosen = list(chosen)
    return all(any(req.met_by(sentence, passage) for sentence, passage in chosen) for req in asked)
