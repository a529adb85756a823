"""Grades a text states, sorted into this inspection's overall grade, its per-domain grades (help and
protection, children in care, care leavers, leadership...) and earlier judgements (with their year).

Passed over: a sentence that lists the scale ("Inadequate, Requires improvement, Good, Outstanding"),
an aim ("to meet 'Good' by the next inspection"), a negation ("less than good") and a grade in a
clause that names another authority."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from assistant.text import sentences
from assistant.text.patterns import GRADE, SCOTTISH_GRADE, YEAR, grade_label


@dataclass(frozen=True)
class Judgement:
    grade: str
    year: int | None


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    grade: str
    year: int | None
    domain: str | None  # the area graded, or None for the service as a whole
    past: bool  # worded as an earlier judgement ("had been rated", "since ... rated")
    overall: bool  # "overall rating of", "overall effectiveness"


def _patterns(grade: str) -> tuple[re.Pattern[str], ...]:
    q = r"""['"]?\s*"""
    return tuple(re.compile(p, re.I | re.M) for p in (
        r"""(?<![\w'"])['"]\s*""" + grade + r"""\s*[.,!]?\s*['"]""",
        r"\b(?:judged|rated|graded|assessed|evaluated|deemed|branded|labelled)\s+(?:overall\s+)?(?:as\s+|to\s+be\s+)?"
        + q + grade + r"\b",
        r"\b(?:judged|rated|graded|assessed|found)\b[^.\n]{1,60}?\b(?:as|to\s+be)\s+" + q + grade + r"\b",
        r"\bjudge?ments?\b[^.]{0,80}?\b(?:was|were|is|as)\s+(?:one\s+of\s+)?(?:that\s+it\s+was\s+)?" + q + grade + r"\b",
        r"\b" + grade + r"""['"]?\s+(?:judge?ments?|ratings?|grading|verdict|sub[- ]?ratings?)\b""",
        r"\b(?:rating|grading|grade|judge?ment|verdict)\s+(?:of|was|is)\s+" + q + grade + r"\b",
        r"\boverall\s+(?:effectiveness\s*)?(?:is|was|as|:)?\s*" + q + grade + r"\b",
        r"\b" + grade + r"""['"]?\s+overall\b""",
        # "rated the council's services good in all areas": a short object between the verb and the grade.
        r"\b(?:judged|rated|graded)\s+(?:[\w']+\s+){1,4}?" + q + grade
        + r"""['"]?(?=\s+(?:overall|in all|across|by|for)\b|\s*[.,;]|\s*$)""",
        # A graded line: "Overall effectiveness: Good", "- Help and protection - Requires improvement".
        r"^[\s\-\u2022*\u00b7]*[A-Z][^\n]{3,140}?(?:\s[-\u2013]|:)\s*" + q + grade + r"""['"]?\s*\.?\s*$""",
    ))


_OFSTED_PATTERNS = _patterns(GRADE)
# A quick test of whether a sentence names a grade at all, before the patterns run.
_ANY_OFSTED = re.compile(GRADE, re.I)
_ANY_SCOTTISH = re.compile(SCOTTISH_GRADE + "|" + GRADE, re.I)
_SCOTTISH_PATTERNS = _patterns(SCOTTISH_GRADE)

_DOMAINS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((label, re.compile(p, re.I)) for label, p in (
    ("help and protection", r"help and protection|child protection|children in need"),
    ("children in care", r"children in care|looked[- ]after|children who are looked after"),
    ("care leavers", r"care leavers?|leaving care"),
    ("leadership", r"\bleaders\b|leadership|management|governance"),
    ("adoption", r"adoption"),
    ("fostering", r"fostering"),
    ("casework", r"casework|case work|work with (?:children|victims)"),
    ("areas", r"\b(?:areas|categories|aspects|criteria|sub[- ]?ratings?|sub[- ]?judge?ments?)\b"),
))
_OVERALL = re.compile(r"\boverall\b(?!,)|\bwhole service\b", re.I)
_PAST = re.compile(
    r"\b(?:previous(?:ly)?|last inspect\w*|earlier|former(?:ly)?|had been|was once|since|decade|years ago|until"
    r"|used to|at the time|after (?:it|being|they)|when it was|prior)\b|\bfrom\s+['\"]?\s*$", re.I,
)
_AIM = re.compile(
    r"\b(?:to (?:meet|achieve|reach|become|gain|get|be rated|be judged)|aim\w*|ambition\w*|aspir\w*|target\w*"
    r"|striv\w*|would|could|will|next inspection|on track|towards)\b", re.I,
)
_NEGATED = re.compile(r"\b(?:not|never|no longer|less than|below|short of)\b(?:\s+\w+){0,2}\s*['\"]?\s*$", re.I)
# "good in all areas", "every aspect judged good": the whole service, not one domain.
_ALL_AREAS = re.compile(r"\b(?:all|every|each)\b(?:\s+\w+)?\s+(?:areas?|aspects?|categor(?:y|ies)|criteria|judge?ments?)\b", re.I)
_BETTER = re.compile(r"^['\"]?\s*(?:or better|or above|or outstanding)", re.I)
_CLAUSE_END = re.compile(r"[,;()\n\u2013\u2014]|\s-\s|\bbut\b|\bwhile\b|\bwhereas\b")


# Characters a clause reaches either side of its grade at most. A text with no sentence ends is one "sentence": read
# whole for each grade in it, 80,000 characters took 4 s and a 1.9 MB file 17 minutes.
_CLAUSE_REACH = 600


def _clause(sentence: str, start: int, end: int) -> tuple[str, str]:
    """The clause around a grade: its text before and after the grade, within the sentence. A grade
    that opens its clause ("- Help and protection - Good") takes the clause before it as its label."""
    pieces = _CLAUSE_END.split(sentence[max(0, start - _CLAUSE_REACH) : start])
    before = pieces[-1]
    if len(before.split()) <= 1 and len(pieces) > 1:
        before = pieces[-2] + " " + before
    after = _CLAUSE_END.split(sentence[end : end + _CLAUSE_REACH], maxsplit=1)[0]
    return before, after


def mentions(text: str, scottish: bool = False, other_authority=None) -> list[Mention]:
    """Every grade the text states as a judgement, in text order. `other_authority(clause)` tells a
    clause naming an authority other than the text's own."""
    patterns = _SCOTTISH_PATTERNS + _OFSTED_PATTERNS if scottish else _OFSTED_PATTERNS
    any_grade = _ANY_SCOTTISH if scottish else _ANY_OFSTED
    found: dict[int, Mention] = {}
    for span in sentences(text):
        sentence = text[span.start : span.end]
        if not any_grade.search(sentence):
            continue  # most sentences name no grade: skip the patterns
        hits: dict[int, tuple[int, str]] = {}
        for pattern in patterns:
            for match in pattern.finditer(sentence):
                hits.setdefault(match.start(1), (match.end(1), grade_label(match.group(1))))
        # "requires improvement to be good" holds a "good" that is not a grade of its own.
        hits = {s: h for s, h in hits.items() if not any(o < s < e for o, (e, _) in hits.items())}
        breaks = [m.start() for m in re.finditer("\n", sentence)]
        line_of = {start: bisect.bisect_left(breaks, start) for start in hits}
        lines: dict[int, set[str]] = {}
        for start, (_, grade) in hits.items():
            lines.setdefault(line_of[start], set()).add(grade)
        for start, (end, grade) in sorted(hits.items()):
            if len(lines[line_of[start]]) >= 3:
                continue  # the scale listed ("Inadequate, Requires improvement, Good, Outstanding"), not a judgement
            before, after = _clause(sentence, start, end)
            if _AIM.search(before) or _NEGATED.search(before) or _BETTER.match(sentence[end:].lstrip()):
                continue
            clause = before + sentence[start:end] + after
            if other_authority is not None and other_authority(clause):
                continue
            years = [int(y) for y in YEAR.findall(clause)]
            domain = next((label for label, p in _DOMAINS if p.search(clause)), None)
            overall = bool(_OVERALL.search(before) or _OVERALL.match(after.lstrip()))
            found.setdefault(span.start + start, Mention(
                start=span.start + start, end=span.start + end, grade=grade, year=years[-1] if years else None,
                domain=None if domain and (overall or (domain == "areas" and _ALL_AREAS.search(clause))) else domain,
                past=bool(_PAST.search(before)), overall=overall,
            ))
    return [found[k] for k in sorted(found)]


@dataclass(frozen=True)
class Reading:
    overall: str  # grade, "none" for an ungraded kind of inspection, or "unknown"
    judgements: tuple[Judgement, ...]  # every non-domain judgement stated, dated ones with their year
    previous: tuple[Judgement, ...]
    domains: tuple[tuple[str, str], ...]


def read_judgements(found: list[Mention], title_spans: tuple[int, int], year: int, ungraded: bool) -> Reading:
    """Sort mentions into current, earlier and domain grades. `year` is this inspection's (0 if unknown):
    a grade dated an earlier year is an earlier judgement. `title_spans` bounds the title in the text."""
    current: list[Mention] = []
    previous: list[Mention] = []
    for mention in found:
        if mention.domain is not None:
            continue
        earlier = mention.past or (mention.year is not None and (year == 0 or mention.year < year))
        (previous if earlier else current).append(mention)
    if ungraded:
        overall = "none"
    elif current:
        def score(m: Mention) -> int:
            return 3 * m.overall + 2 * (title_spans[0] <= m.start < title_spans[1])
        overall = max(current, key=lambda m: (score(m), -m.start)).grade
    elif previous and year == 0:
        # No current grade and no known date: the latest dated judgement is the one that stands.
        overall = max(previous, key=lambda m: m.year or 0).grade
    else:
        overall = "unknown"
    stated: dict[tuple[str, int | None], None] = {}
    for mention in found:
        if mention.domain is None:
            stated[(mention.grade, mention.year)] = None
    dated = {grade for grade, y in stated if y is not None}
    judgements = tuple(Judgement(g, y) for g, y in stated if y is not None or g not in dated)
    return Reading(
        overall=overall,
        judgements=judgements,
        previous=tuple(dict.fromkeys(Judgement(m.grade, m.year) for m in previous)),
        domains=tuple(dict.fromkeys((m.domain, m.grade) for m in found if m.domain and m.domain != "areas")),
    )
