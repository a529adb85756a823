"""The evidence rules kept beside the ranker (`assistant train` reports cv_right with and without them):
a figure or year the question asks about that no retrieved passage contains, and a question that shares
no word with any retrieved passage ("What is the capital of France?"), cannot be answered from them. A
summary is exempt from the second: "the main weaknesses in Warrington" asks about a report as a whole, in
words its text need not use."""
from __future__ import annotations

import re
from typing import Sequence

from assistant.answer.profile import QuestionProfile
from assistant.answer.route import route
from assistant.text import content_terms

_FIGURE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?%?)(?![\w])")
# Words that say what form the answer takes, not what it is about: "Compare Warrington and Wirral" shares no other
# word with the reports, and they answer it.
_FORM_WORDS = frozenset(content_terms("compare comparison compared differ difference different similar versus vs"))


def unmentioned_figure(question: str, texts: Sequence[str]) -> str | None:
    """The first number or year of the question that none of the texts contains, when none of its figures
    is there; a question naming two years of two reports is half answerable when one of them is found."""
    lowered = [t.lower() for t in texts]
    figures = [m.group(1) for m in _FIGURE.finditer(question)]
    missing = [f for f in figures if not any(re.search(rf"(?<![\d.]){re.escape(f)}(?!\d)", t) for t in lowered)]
    return missing[0] if missing and len(missing) == len(figures) else None


def unanswerable_reason(question: QuestionProfile, texts: Sequence[str], scoped: bool = False) -> str | None:
    """Why the texts cannot answer, or None: a question asking nothing in particular ("Why?", "Tell me more" with no
    earlier turn) unless filters (`scoped`) say what it is about, a figure none holds, or none of the question's terms
    in any."""
    if not question.weights and not question.authorities and not scoped:
        return "the question names nothing to look for"
    figure = unmentioned_figure(question.text, texts)
    if figure is not None:
        return f"no retrieved passage mentions {figure}"
    wanted = set(question.weights) - _FORM_WORDS
    if wanted and texts and route(question) != "summary" and not any(wanted & set(content_terms(t)) for t in texts):
        return "no retrieved passage shares a word with the question"
    return None
