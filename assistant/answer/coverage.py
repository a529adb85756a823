"""The sides of a comparison that the cited reports leave out. A comparison of named authorities that can
cite only one side says so in a line of its own, uncited, instead of reading as if it covered both."""
from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from assistant.ingest.describe import report_authorities
from assistant.answer.profile import QuestionProfile
from assistant.answer.route import route
from assistant.core.types import Citation, Passage

# "... on strategy meetings", "... about the front door": what a comparison is about follows such a word.
_TOPIC = re.compile(r"\b(?:on|about|regarding|concerning|in\s+terms\s+of|with\s+regard\s+to)\s+(?P<topic>[^?!.;]+)",
                    re.I)
_DANGLING = re.compile(r"(?:\s+(?:in|and|for|of|at|between|from|the|by|,))+\s*$", re.I)


def topic_of(question: str, authorities: Sequence[str]) -> str:
    """The phrase a comparison is about, without the authorities it names; "this" when the form gives none."""
    found = _TOPIC.search(question)
    if not found:
        return "this"
    topic = found.group("topic")
    for name in sorted(authorities, key=len, reverse=True):
        topic = re.sub(rf"(?:'s)?\b{re.escape(name)}(?:'s)?\b", " ", topic, flags=re.I)
    topic = _DANGLING.sub("", " ".join(topic.split()))
    return topic or "this"


def uncovered_sides(
    question: QuestionProfile, citations: Sequence[Citation], documents: Mapping[str, Mapping[str, Any]],
    retrieved: Sequence[Passage] = (),
) -> tuple[str, ...]:
    """One line per named authority of a comparison that no citation speaks for: none of its reports is
    indexed, retrieval found none of their passages, or it found some (`retrieved`) and none answered closely
    enough to quote: then the line says so rather than that the reports are silent."""
    if route(question) != "compare" or len(question.authorities) < 2 or not citations:
        return ()
    cited = {name for c in citations for name in report_authorities(c.metadata)}
    indexed = {name for meta in documents.values() for name in report_authorities(meta)}
    found = {name for p in retrieved for name in report_authorities(p.chunk.metadata)}
    topic = topic_of(question.text, question.authorities)

    def line(name: str) -> str:
        if name not in indexed:
            return f"No indexed report is about {name}."
        if name in found:
            return f"None of the passages found in {name}'s reports answers on {topic} closely enough to quote."
        return f"Nothing was found on {topic} in {name}'s reports."

    return tuple(line(name) for name in question.authorities if name not in cited)
