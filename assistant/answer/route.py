"""Routing by the form of a question, never by any report's wording: a fact (the default), a summary of
one report ("Summarise ...", "What were the main weaknesses ..."), or a comparison across reports (two
authorities named, "between", "both", "compare"). The route decides how an answer is composed; the
training report (`assistant train`) measures what each route earns on the tuning split. A summary may ask for
one kind of finding only (`asked_finding`: weaknesses, strengths or actions), which composition then keeps to."""
from __future__ import annotations

import re

from assistant.answer.profile import QuestionProfile
from assistant.text import content_terms
from assistant.text.findings import ACTIONS, IMPROVEMENTS, STRENGTHS

ROUTES = ("fact", "summary", "compare")

_SUMMARY = re.compile(
    r"^\s*(?:please\s+)?(?:summari[sz]e|outline|give\s+(?:me\s+)?an?\s+(?:overview|summary))\b"
    r"|\b(?:main|key|principal)\s+(?:strengths|weaknesses|findings|concerns|messages|areas\s+for\s+improvement"
    r"|recommendations|actions|priorities)\b"
    r"|\bsummary\s+of\b",
    re.I,
)
_COMPARE = re.compile(
    r"\b(?:compare[ds]?|comparison|between|both|differ(?:ed|ence)?|change[ds]?|or|across)\b"
    # one answer per report; two questions in one ("When was X, and what did Y ...?"), often about two reports
    r"|\b(?:which|what)\s+(?:\w+\s+){0,2}(?:authorities|councils|local\s+areas|trusts)\b"
    r"|\band\s+(?:what|when|which|who|how|where)\b",
    re.I,
)


# Words that say who inspected or what kind of text it was, not what about: "What did Ofsted find in Stockton?"
# asks about the report as a whole.
WHOLE_REPORT = frozenset(content_terms("Ofsted CQC HMIP HMI Probation CIW CSSIW inspectorate inspector inspection "
                                        "inspected inspect report visit happened overview summary council"))


def asks_about_a_report(question: QuestionProfile) -> bool:
    """An open question about one authority ("What did inspectors find in Anglesey?"): nothing asked of it but what
    its reports say. Its answer is a summary of the authority's report, however unlikely each sentence is alone."""
    return (len(question.authorities) == 1 and not question.wants
            and not set(question.weights) - WHOLE_REPORT)


# Words naming findings and their kinds: "What were the strengths in Wirral?" asks for a summary of one kind
# (`asked_finding`), as "the main strengths" does.
_FINDING_KINDS = frozenset(content_terms("findings strengths weaknesses areas for improvement recommendations actions "
                                         "priorities concerns shortcomings positives main key"))


def asks_for_findings(question: QuestionProfile) -> bool:
    """A question about one authority asking for nothing but its findings, or one kind of them ("What were the
    strengths and weaknesses in Wirral?", "What are Warrington's weaknesses?")."""
    terms = set(question.weights)
    return (len(question.authorities) == 1 and not question.wants and bool(terms & _FINDING_KINDS)
            and not terms - WHOLE_REPORT - _FINDING_KINDS)


def route(question: QuestionProfile) -> str:
    # "Who presented the key findings?" asks for a person, not for the findings.
    if _SUMMARY.search(question.text) and not [k for k in question.wants if k != "polar"]:
        return "summary"
    if asks_about_a_report(question) or asks_for_findings(question):
        return "summary"
    if len(question.authorities) > 1 or _COMPARE.search(question.text):
        return "compare"
    return "fact"


# Which kind of finding a summary question asks for, in general English of evaluation. Measured on the tuning
# split's summary questions: accuracy 1.000 either way, their citation precision 0.650 -> 0.667.
_ASKED_FINDINGS = (
    (IMPROVEMENTS, re.compile(
        r"\b(?:weakness(?:es)?|shortcomings?|failings?|concerns?|criticisms?"
        r"|areas?\s+(?:for|of|requiring)\s+improvement|what\s+(?:went\s+wrong|needs?\s+to\s+improve))\b", re.I)),
    (STRENGTHS, re.compile(r"\b(?:strengths?|positives?|good\s+practice|praise[ds]?|what\s+(?:went|worked)\s+well)\b", re.I)),
    (ACTIONS, re.compile(r"\b(?:recommendations?|actions?|next\s+steps|priorit(?:y|ies)|what\s+(?:must|should)\b)", re.I)),
)


def asked_finding(text: str) -> str | None:
    """The kind of finding a question asks for (areas for improvement, strengths or actions), when it asks for one
    kind only."""
    asked = [kind for kind, pattern in _ASKED_FINDINGS if pattern.search(text)]
    return asked[0] if len(asked) == 1 else None


# Two questions in one: "When was the final visit, and what rating did the inspection give?"
_SECOND_QUESTION = re.compile(r",?\s+and\s+(?=(?:what|when|which|who|how|where)\b)", re.I)


def question_parts(text: str) -> list[str]:
    """The questions a question asks, in order: the whole question when it asks one thing."""
    parts = [p.strip(" ,;?") for p in _SECOND_QUESTION.split(text)]
    return [p + "?" for p in parts if p] if len(parts) > 1 else [text]


# Two things asked of one question word: "How were X's youth justice service and its children's homes rated?"
_COORDINATED = re.compile(
    r"^(?P<head>.*?\b(?:what|when|which|who|how|where)\s+(?:were|was|are|is|did|do|does|have|has|had)\s+)"
    r"(?P<left>.+?)\s+and\s+(?P<right>.+?)\s*\??\s*$", re.I)


# Stands for the "and" inside a name while the question is split.
_KEPT_AND = "\x00"


def coordinated_parts(question: QuestionProfile) -> list[str]:
    """The two questions a question asks of two things joined by "and", or none: the question word and its verb
    with each thing ("How were X?", "How were Y rated?"). The "and" of a name ("Barking and Dagenham") joins nothing."""
    text = question.text
    for name in question.authorities:
        text = re.sub(re.escape(name), lambda m: m.group(0).replace(" and ", _KEPT_AND), text, flags=re.I)
    found = _COORDINATED.match(text)
    if not found:
        return []
    head = found.group("head")
    return [f"{head}{found.group(side)}?".replace(_KEPT_AND, " and ") for side in ("left", "right")]

