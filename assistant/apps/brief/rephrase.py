"""With a chat model configured, a brief's findings may be the model's rephrasings of the quoted sentences;
only sentences that pass `cite.verify` and clear the support threshold against each cited passage are kept,
and when the model fails or nothing survives the verbatim sentences stand.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Sequence

from assistant.answer.cite import SUPPORT_THRESHOLD, DraftSentence, best_quote, support, verify
from assistant.apps.brief.model import ACTIONS, CONTEXT, IMPROVEMENTS, STRENGTHS, Point
from assistant.apps.brief.report import Notes, Report
from assistant.core.types import Passage

if TYPE_CHECKING:  # pragma: no cover
    from assistant.pipeline import Assistant

log = logging.getLogger(__name__)


def uses_chat_model(helper: "Assistant") -> bool:
    return helper.chat_model is not None and helper.generator is not helper.extractive


def rephrased_points(
    helper: "Assistant", report: Report, spans: Sequence[tuple[int, int]], notes: Notes, category: str, topic: str
) -> list[Point]:
    """The configured chat model summarises the sentences; only what passes cite.verify is kept."""
    passages: list[Passage] = []
    seen: set[str] = set()
    for start, end in spans:
        chunk = report.chunk_for(start, end)
        if chunk is not None and chunk.id not in seen:
            seen.add(chunk.id)
            passages.append(Passage(chunk, 1.0, len(passages) + 1))
    if not passages:
        return []
    question = {
        STRENGTHS: "What strengths do the inspectors identify",
        IMPROVEMENTS: "What areas for improvement do the inspectors identify",
        ACTIONS: "What actions or recommendations follow",
        CONTEXT: "What do the reports say",
    }[category] + f" about {topic}?"
    try:
        draft: list[DraftSentence] = helper.generator.generate(question, passages)
    except Exception as exc:  # a provider failure: the verbatim points stand
        log.warning("chat model failed on a brief's %s of %s (%s); quoting instead", category, report.doc_id, exc)
        return []
    kept, citations = verify(draft, passages, {report.doc_id: report.document.text})
    by_number = {c.n: c for c in citations}
    points = []
    for sentence in kept:
        numbers = []
        scores = []
        for n in sentence.citations:
            citation = by_number[n]
            chunk = next(p.chunk for p in passages if p.chunk.id == citation.chunk_id)
            score = support(sentence.text, chunk.text)
            if score < SUPPORT_THRESHOLD:
                continue
            quote_start, quote_end, _ = best_quote(sentence.text, Passage(chunk, 1.0, 1))
            numbers.append(notes.add(report, chunk, quote_start, quote_end))
            scores.append(score)
        if numbers:
            points.append(Point(sentence.text, tuple(numbers), "", report.doc_id, "llm", round(min(scores), 4)))
    return points
