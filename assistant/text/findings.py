"""The kinds of finding a briefing groups sentences into, and which sentences of a report are worth quoting at
all. Which kind a sentence is, the finding classifier (answer/finding_kinds.py) reads from its vector."""
from __future__ import annotations

from assistant.text import ENDED, sentences, squash

STRENGTHS = "Strengths"
IMPROVEMENTS = "Areas for improvement"
ACTIONS = "Actions and recommendations"


def candidate_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans worth quoting: whole sentences of four words or more, not headings or lead-ins."""
    spans = []
    for span in sentences(text):
        sentence = squash(text[span.start : span.end])
        if len(sentence.split()) < 4 or sentence.endswith(":") or not ENDED.search(sentence):
            continue
        spans.append((span.start, span.end))
    return spans
