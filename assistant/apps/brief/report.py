"""A report in a brief's scope, the judgements it states, and the footnotes that quote it.

Every cited point goes through `quote_point` (a verbatim sentence) or `Notes.add` (a verified rephrasing):
the footnote's passage is a stored chunk that is verbatim in the document, so offsets stay exact.

Ordering rule for inspection history (latest first, `history_key`):
  1. reports that state a date, newest first;
  2. then reports that do not ("date not stated"), by the latest year their text mentions (newest first;
     a report mentioning no year comes after those that do);
  3. ties by source file name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from assistant.answer.cite import SUPPORT_THRESHOLD, support
from assistant.apps.brief.model import Footnote, Point, authority_label, date_label, years
from assistant.core.types import Chunk, Document
from assistant.ingest.describe import describe, judgement_spans
from assistant.text import squash
from assistant.text.patterns import UNKNOWN


@dataclass(frozen=True)
class Report:
    """A report in scope, with everything the brief reads from it."""

    document: Document
    meta: Mapping[str, Any]
    chunks: tuple[Chunk, ...]

    @property
    def doc_id(self) -> str:
        return self.document.id

    @property
    def authority(self) -> str:
        return str(self.meta.get("authority", UNKNOWN))

    @property
    def date(self) -> str:
        return str(self.meta.get("date", UNKNOWN))

    @property
    def date_ord(self) -> int:
        return int(self.meta.get("date_ord") or 0)

    @property
    def inspection_type(self) -> str:
        return str(self.meta.get("inspection_type", UNKNOWN))

    @property
    def latest_year_mentioned(self) -> int:
        return max(years(self.document.text), default=0)

    @property
    def kind(self) -> str:
        return self.inspection_type if self.inspection_type != UNKNOWN else "report (type not stated)"

    @property
    def label(self) -> str:
        """E.g. 'Warrington, focused visit, date not stated'; an unnamed authority's report is named by its title."""
        return f"{authority_label(self.authority, self.document.title)}, {self.kind}, {date_label(self.date)}"

    def chunk_for(self, start: int, end: int) -> Chunk | None:
        """The first stored chunk that holds the span whole and is verbatim in the document."""
        for chunk in self.chunks:
            if chunk.start <= start and end <= chunk.end:
                if self.document.text[chunk.start : chunk.end] == chunk.text:
                    return chunk
        return None


def history_key(report: Report) -> tuple:
    """Sort key of the ordering rule in the module docstring."""
    if report.date_ord:
        return (0, -report.date_ord, report.document.source)
    return (1, -report.latest_year_mentioned, report.document.source)


class Notes:
    """Collects footnotes, one per distinct (passage, quote), numbered in order of first registration."""

    def __init__(self) -> None:
        self.items: list[Footnote] = []
        self._index: dict[tuple, int] = {}

    def add(self, report: Report, chunk: Chunk, quote_start: int, quote_end: int) -> int:
        key = (chunk.doc_id, chunk.start, chunk.end, quote_start, quote_end)
        if key not in self._index:
            text = report.document.text
            self.items.append(
                Footnote(
                    n=len(self.items) + 1, doc_id=report.doc_id, chunk_id=chunk.id, source=report.document.source,
                    title=report.document.title, authority=report.authority, date=report.date,
                    inspection_type=report.inspection_type, start=chunk.start, end=chunk.end,
                    text=text[chunk.start : chunk.end], quote_start=quote_start, quote_end=quote_end,
                    quote=text[quote_start:quote_end],
                )
            )
            self._index[key] = len(self.items)
        return self._index[key]


def quote_point(
    notes: Notes, report: Report, start: int, end: int, lead: str = "", facts: Sequence[str] = ()
) -> Point | None:
    """A verbatim sentence of `report` as a point, or None when no stored passage supports it."""
    chunk = report.chunk_for(start, end)
    if chunk is None:
        return None
    text = squash(report.document.text[start:end])
    score = support(text, chunk.text)
    if score < SUPPORT_THRESHOLD:
        return None
    quote = report.document.text[start:end].lower()
    if any(fact.lower() not in quote for fact in facts):
        return None  # the label names a grade or year the quoted sentence does not state
    return Point(text, (notes.add(report, chunk, start, end),), lead, report.doc_id, "quote", round(score, 4))


@dataclass(frozen=True)
class Event:
    """A judgement a report states: its own (year None) or an earlier one it mentions (with its year)."""

    report: Report
    grade: str
    year: int | None
    start: int
    end: int

    @property
    def own(self) -> bool:
        return self.year is None

    @property
    def key(self) -> tuple:
        if self.year is not None:
            return (self.year, 0, 0)
        if self.report.date_ord:
            return (self.report.date_ord // 10000, 1, self.report.date_ord)
        return (self.report.latest_year_mentioned, 1, 0)

    @property
    def certain_date(self) -> bool:
        return self.year is not None or bool(self.report.date_ord)

    @property
    def when(self) -> str:
        if self.year is not None:
            return str(self.year)
        return date_label(self.report.date)


def events_of(report: Report) -> list[Event]:
    """The judgements describe() finds, each pinned to the sentence that states it (and its year)."""
    text = report.document.text
    spans = judgement_spans(text)
    found: list[Event] = []
    for judgement in describe(text).judgements:
        for start, end, grade in spans:
            if grade != judgement.grade:
                continue
            stated = years(text[start:end])
            if (judgement.year is None and not stated) or (judgement.year is not None and judgement.year in stated):
                found.append(Event(report, judgement.grade, judgement.year, start, end))
                break
    return found


def supersedes(later: Event, earlier: Event) -> bool:
    """True when the reports make it certain that `later` came after `earlier` and changed the grade."""
    if later.grade == earlier.grade or later is earlier:
        return False
    if later.report is earlier.report:
        return later.own and not earlier.own  # a report's own judgement follows the earlier ones it recalls
    return later.certain_date and earlier.certain_date and later.key > earlier.key
