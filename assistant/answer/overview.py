"""Questions across all reports ("Which authorities were judged good?") answered from metadata,
citing one passage per authority: the sentence that states its judgement."""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Sequence

from assistant.answer.cite import DraftSentence
from assistant.ingest.describe import JUDGEMENTS, UNKNOWN, judgement_spans, judgement_year
from assistant.core.types import Chunk, Document, Passage

_ACROSS = re.compile(
    r"\b(?:which|what|list|how many|compare|name)\b[^?]{0,40}?\b(?:authorities|councils|areas|boroughs|reports|inspections)\b",
    re.I,
)
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
_GRADE = re.compile(r"\b(" + "|".join(JUDGEMENTS) + r")\b", re.I)


def is_overview_question(question: str) -> bool:
    return bool(_ACROSS.search(question))


def wanted_grades(question: str) -> set[str]:
    return {m.group(1).lower() for m in _GRADE.finditer(question)}


def overview(
    question: str,
    documents: Mapping[str, Mapping[str, Any]],
    load: Callable[[str], Document | None],
    chunks_of: Callable[[str], Sequence[Chunk]],
) -> tuple[list[Passage], list[DraftSentence]]:
    """Passages (one per matching authority) and draft sentences citing them."""
    grades = wanted_grades(question)
    years = {int(y) for y in _YEAR.findall(question)}
    passages: list[Passage] = []
    drafts: list[DraftSentence] = []
    seen: set[str] = set()
    for doc_id, meta in sorted(documents.items(), key=lambda item: (str(item[1].get("authority")), -int(item[1].get("date_ord") or 0))):
        authority = str(meta.get("authority", UNKNOWN))
        judged = {g for g in JUDGEMENTS if meta.get(f"judgement_{g.replace(' ', '_')}")}
        if grades and not grades & judged:
            continue
        if authority in seen or (not grades and not judged):
            continue
        document = load(doc_id)
        if document is None:
            continue
        for start, end, grade in judgement_spans(document.text):
            if grades and grade not in grades:
                continue
            if years and judgement_year(document.text, start, end, grade) not in years:
                continue  # "judged good in 2009" needs a judgement tied to 2009
            chunk = next((c for c in chunks_of(doc_id) if c.start <= start and end <= c.end), None)
            if chunk is None:
                continue
            seen.add(authority)
            passages.append(Passage(chunk, 1.0, len(passages) + 1))
            label = authority if authority != UNKNOWN else f"Unnamed authority ({document.source})"
            sentence = " ".join(document.text[start:end].split())
            drafts.append(DraftSentence(f"{label}: {sentence}", (len(passages),)))
            break
    return passages, drafts
