"""The briefing note as data: footnotes, points, sections, the reports searched; and the labels they show.

Renderers (markdown.py, docx.py) read only these records, so a brief can be built once and written in
any format, and checked (build.check_brief) without rendering it.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Iterable, Sequence

from assistant.ingest.dates import iso_parts
from assistant.text import squash
from assistant.text.findings import ACTIONS, IMPROVEMENTS, STRENGTHS
from assistant.text.patterns import UNKNOWN, YEAR

CONTEXT = "What the reports say"
CATEGORIES = (STRENGTHS, IMPROVEMENTS, ACTIONS)


@dataclass(frozen=True)
class Footnote:
    """A verbatim passage of a report: text == document.text[start:end], quote == document.text[quote_start:quote_end]."""

    n: int
    doc_id: str
    chunk_id: str
    source: str
    title: str
    authority: str
    date: str  # ISO date or "unknown"
    inspection_type: str
    start: int
    end: int
    text: str
    quote_start: int
    quote_end: int
    quote: str


@dataclass(frozen=True)
class Point:
    text: str
    footnotes: tuple[int, ...]
    lead: str = ""  # a label built from metadata, shown in bold before the text
    doc_id: str = ""
    kind: str = "quote"  # "quote" (verbatim) | "llm" (a model's rephrasing, verified)
    support: float = 1.0


@dataclass(frozen=True)
class Cell:
    text: str
    footnotes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Section:
    heading: str
    points: tuple[Point, ...] = ()
    notes: tuple[str, ...] = ()  # uncited lines about the search (scope, absences, open questions)
    subsections: tuple["Section", ...] = ()
    table: tuple[tuple[Cell, ...], ...] = ()  # first row is the header
    intro: str = ""  # one italic line under the heading


@dataclass(frozen=True)
class ReportRef:
    doc_id: str
    source: str
    title: str
    authority: str
    date: str
    inspection_type: str
    judgement: str
    matched: bool


@dataclass(frozen=True)
class Brief:
    title: str
    topics: tuple[str, ...]
    kind: str  # "authority" | "theme" | "comparison"
    mode: str  # "extractive" | "llm"
    empty: bool
    summary: str
    sections: tuple[Section, ...]
    footnotes: tuple[Footnote, ...]
    searched: tuple[ReportRef, ...]

    @property
    def matched(self) -> tuple[ReportRef, ...]:
        return tuple(r for r in self.searched if r.matched)

    def points(self) -> list[Point]:
        return [p for s in self.sections for p in walk_points(s)]

    def footnote(self, n: int) -> Footnote:
        return self.footnotes[n - 1]


def walk_points(section: Section) -> Iterable[Point]:
    yield from section.points
    for sub in section.subsections:
        yield from walk_points(sub)


def walk_refs(section: Section) -> Iterable[int]:
    """Footnote numbers in the order a reader meets them: table cells, then points, then subsections."""
    for row in section.table:
        for cell in row:
            yield from cell.footnotes
    for point in section.points:
        yield from point.footnotes
    for sub in section.subsections:
        yield from walk_refs(sub)


# --------------------------------------------------------------------------------------------- labels


def date_label(iso: str) -> str:
    if not iso or iso == UNKNOWN:
        return "date not stated"
    parts = iso_parts(iso)
    if parts is None:
        return iso
    year, month, day = parts
    return " ".join(str(p) for p in (day, calendar.month_name[month] if month else None, year) if p)


def authority_label(authority: str, title: str = "") -> str:
    """The authority as a reader names it; an unnamed one by its report's title, never by a file name."""
    if authority and authority != UNKNOWN:
        return authority
    return f"Unnamed authority (\u201c{squash(title)}\u201d)" if title.strip() else "Unnamed authority"


def kind_label(inspection_type: str) -> str:
    return inspection_type if inspection_type != UNKNOWN else "type not stated"


def years(text: str) -> list[int]:
    return [int(y) for y in YEAR.findall(text)]


def joined(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def footnote_label(note: Footnote) -> str:
    """A footnote's report as a reader names it: \u201ctitle\u201d, authority, inspection type, date (no file path:
    the Footnote keeps source and offsets for tools)."""
    return (f"\u201c{squash(note.title)}\u201d, {authority_label(note.authority)}, {kind_label(note.inspection_type)}, "
            f"{date_label(note.date)}")
