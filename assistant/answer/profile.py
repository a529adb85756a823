"""What a question asks for, read from its form alone: its weighted terms, the kind of answer it wants
(a number, a date, a person, a grade, yes or no) and the authorities it names. Nothing here knows any
report's wording; the ranker learns how much each signal is worth."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from assistant.ingest.describe import authorities_in
from assistant.text import content_terms
from assistant.text.patterns import GRADE, MONTH, SCOTTISH_GRADE, TITLE, YEAR

# Answer kinds, in the order of the feature vector.
ANSWER_TYPES = ("number", "date", "person", "grade", "polar")

# Question words that say what kind of answer is wanted, not what it is about.
_ASKING = frozenset(
    content_terms(
        "say said find found mention mentioned describe described according what which how many much who "
        "when where why tell give know anything note noted identify identified"
    )
)

_WANTS = {
    # "how much better" asks for a degree, told in words ("little progress"), not a quantity.
    "number": re.compile(r"\bhow\s+(?:many|much(?!\s+(?:better|worse|further)\b)|long|often|old)\b|\bwhat\s+(?:number|figure|amount|proportion|"
                         r"percentage|share|rate|age|ages)\b|\bper\s*cent\b", re.I),
    "date": re.compile(r"^\s*when\b|\b(?:what|which)\s+(?:date|year|month|day)s?\b", re.I),
    "person": re.compile(r"^\s*who\b|\bwhose\b|\bname\s+of\b|\bwhat\s+is\s+the\s+name\b", re.I),
    "grade": re.compile(r"\b(?:grade[sd]?|rating|rated|judge?ment|judged|verdict|overall\s+effectiveness)\b", re.I),
    "polar": re.compile(r"^\s*(?:did|does|do|is|was|were|are|has|have|had|can|could|will)\b", re.I),
}

# A question may open with a clause that places it ("When Sandwell was rated good, what did ...?", "In Highland,
# did staff ...?"): what it asks for is read from the clause after that opening, which begins with a question word.
_OPENING = re.compile(
    r"^\s*(?:when|while|after|before|since|as|following|in|at|for|besides|apart\s+from|according\s+to)\b[^,?]*,\s*"
    r"(?=(?:what|which|who|whom|whose|when|where|why|how|did|does|do|is|was|were|are|has|have|had|can|could|will)\b)",
    re.I,
)


def asking_clause(question: str) -> str:
    """The question without an opening clause that only places it: the clause whose form says what is asked."""
    return _OPENING.sub("", question, count=1)


_NUMBER = re.compile(r"[\u00a3$\u20ac]?\b\d+(?:[.,]\d+)*(?:\s*%)?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"twenty|thirty|forty|fifty|hundred|half|third|quarter|none|no)\b", re.I)
_DATE = re.compile(rf"{YEAR.pattern}|\b{MONTH}(?!\w)")  # "may" the verb is no month
_GRADE = re.compile(rf"\b(?:{GRADE}|{SCOTTISH_GRADE})\b", re.I)
# Who did something: a person or a role. A title before a capitalised word, or two capitalised words not at
# the sentence's start ("the Executive Director", "Jane Smith"), or at its start when a comma follows
# ("Jane Smith, director of ..."), which a heading or opening phrase lacks. A question for one person's
# name is checked against `people` instead, which knows given names (answer/wanted.py).
# A surname may carry a second capital after an apostrophe or a prefix: O'Dwyer, McDonald.
_NAME = r"[A-Z][a-z]+\s+(?:[A-Z]\.?\s+)?[A-Z](?:[a-z]*['\u2019]?[A-Z])?[a-z][a-z'-]*"
_PERSON_OR_ROLE = re.compile(rf"\b{TITLE}\s+[A-Z][\w'-]+|(?<=[a-z,;:] ){_NAME}|^\W*{_NAME}(?=,)")
_FINDS = {"number": _NUMBER, "date": _DATE, "person": _PERSON_OR_ROLE, "grade": _GRADE}


def answer_spans(kind: str, text: str) -> list[tuple[int, int]]:
    """Where in `text` an answer of this kind stands (offsets), best first."""
    pattern = _FINDS.get(kind)
    return [m.span() for m in pattern.finditer(text)] if pattern else []


@dataclass(frozen=True)
class QuestionProfile:
    text: str
    weights: dict[str, float]  # content term -> idf, without words that only ask
    bigrams: frozenset[tuple[str, str]]
    wants: tuple[str, ...]  # answer kinds the question's form asks for
    authorities: tuple[str, ...]  # authorities the question names

    @property
    def total_weight(self) -> float:
        return sum(self.weights.values()) or 1.0


def profile(question: str, idf: Callable[[str], float]) -> QuestionProfile:
    named = tuple(authorities_in(question, any_case=True))
    # The authority a question names says which report, not what the answer says: the authority features carry it.
    naming = {t for name in named for t in content_terms(name)}
    terms = list(dict.fromkeys(t for t in content_terms(question) if t not in _ASKING and t not in naming))
    weights = {t: idf(t) for t in terms}
    return QuestionProfile(
        text=question,
        weights=weights,
        bigrams=frozenset(zip(terms, terms[1:])),
        wants=tuple(kind for kind in ANSWER_TYPES if _WANTS[kind].search(asking_clause(question))),
        authorities=named,
    )
