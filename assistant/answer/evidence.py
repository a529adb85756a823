"""The evidence rules kept beside the ranker (`assistant train` reports cv_right with and without them):
a figure or year the question asks about that no retrieved passage contains, and a question that shares
no word with any retrieved passage ("What is the capital of France?"), cannot be answered from them."""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from assistant.text import content_terms

_FIGURE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?%?)(?![\w])")


def unmentioned_figure(question: str, texts: Sequence[str]) -> str | None:
    """The first number or year of the question that none of the texts contains, or None."""
    lowered = [t.lower() for t in texts]
    for match in _FIGURE.finditer(question):
        value = re.escape(match.group(1))
        if not any(re.search(rf"(?<![\d.]){value}(?!\d)", t) for t in lowered):
            return match.group(1)
    return None


def unanswerable_reason(question: str, terms: Iterable[str], texts: Sequence[str]) -> str | None:
    """Why the texts cannot answer, or None: a figure none holds, or none of the question's terms in any."""
    figure = unmentioned_figure(question, texts)
    if figure is not None:
        return f"no retrieved passage mentions {figure}"
    wanted = set(terms)
    if wanted and texts and not any(wanted & set(content_terms(t)) for t in texts):
        return "no retrieved passage shares a word with the question"
    return None
