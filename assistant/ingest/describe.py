"""Metadata read from a report's own text. What the text does not state stays 'unknown'.

The parts live beside this module: authorities.py (who), inspections.py (what kind, by whom),
dates.py (when), judgements.py (which grades); this module puts them together."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from assistant.ingest.authorities import authorities_in, find_authority, locate
from assistant.ingest.dates import read_dates, ordinal, year_of
from assistant.ingest.inspections import SCOTTISH, inspection_type, inspectorates_in, is_ungraded
from assistant.ingest.judgements import Judgement, mentions, read_judgements
from assistant.text import sentences
from assistant.text.patterns import JUDGEMENTS, UNKNOWN, YEAR

__all__ = [
    "JUDGEMENTS", "UNKNOWN", "Description", "Judgement", "authorities_in", "describe", "find_authority", "flag",
    "judgement_spans", "judgement_year",
]


@dataclass(frozen=True)
class Description:
    authority: str
    inspection_type: str
    inspectorates: tuple[str, ...]
    judgements: tuple[Judgement, ...]
    date: str  # the report's date: the visit's (to the month at least), else its publication, else "unknown"
    authorities: tuple[str, ...] = ()
    visit_start: str = UNKNOWN
    visit_end: str = UNKNOWN
    published: str = UNKNOWN
    meeting_date: str = UNKNOWN
    overall: str = UNKNOWN  # this inspection's own grade; "none" for an ungraded visit or review
    previous: tuple[Judgement, ...] = ()
    domains: tuple[tuple[str, str], ...] = ()

    @property
    def headline_judgement(self) -> str:
        return self.overall

    def as_metadata(self) -> dict[str, str | int | bool]:
        """Flat metadata for Chroma: scalars only, with boolean flags for filtering list-valued fields."""
        meta: dict[str, str | int | bool] = {
            "authority": self.authority,
            "authorities": "; ".join(self.authorities) or UNKNOWN,
            "inspection_type": self.inspection_type,
            "inspectorates": ", ".join(self.inspectorates) or UNKNOWN,
            "judgement": self.overall,
            "judgements": "; ".join(_judgement_text(j) for j in self.judgements) or UNKNOWN,
            "previous_judgements": "; ".join(_judgement_text(j) for j in self.previous) or UNKNOWN,
            "domain_judgements": "; ".join(f"{area}: {grade}" for area, grade in self.domains) or UNKNOWN,
            "date": self.date,
            "year": year_of(self.date),
            "date_ord": ordinal(self.date),
            "visit_start": self.visit_start,
            "visit_end": self.visit_end,
            "published": self.published,
            "meeting_date": self.meeting_date,
        }
        for name in self.inspectorates:
            meta[flag("inspectorate", name)] = True
        for judgement in self.judgements:
            meta[flag("judgement", judgement.grade)] = True
        for name in self.authorities:
            meta[flag("authority", name)] = True
        return meta


def _judgement_text(judgement: Judgement) -> str:
    return f"{judgement.grade} ({judgement.year})" if judgement.year else judgement.grade


def report_authorities(meta: Mapping[str, Any]) -> tuple[str, ...]:
    """The main authority of a report (its stored metadata), then every other one its text is about."""
    listed = [a.strip() for a in str(meta.get("authorities", "")).split(";") if a.strip()]
    return tuple(dict.fromkeys([str(meta.get("authority", ""))] + listed))


def flag(kind: str, value: str) -> str:
    return f"{kind}_" + re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


def describe(text: str, title: str = "", source: str = "") -> Description:
    """`title` and `source` (the file's name or path) are used when the text itself names no authority."""
    authority, named = locate(text, title, source.rsplit("/", 1)[-1])
    inspectorates = inspectorates_in(text)
    dates = read_dates(text)
    year = year_of(dates.visit_start) or year_of(dates.published) or year_of(dates.meeting)
    kind = inspection_type(text, title, inspectorates, year)
    others = set(named) - {authority}

    def other_authority(clause: str) -> bool:
        found = set(authorities_in(clause))
        return bool(found & others) and authority not in found

    title_at = text.find(title) if title else -1
    title_span = (title_at, title_at + len(title)) if title_at >= 0 else (0, 0)
    reading = read_judgements(
        mentions(text, scottish=bool(SCOTTISH & set(inspectorates)), other_authority=other_authority),
        title_span, year, is_ungraded(kind, inspectorates),
    )
    return Description(
        authority=authority, inspection_type=kind, inspectorates=inspectorates, judgements=reading.judgements,
        date=dates.best, authorities=named, visit_start=dates.visit_start, visit_end=dates.visit_end,
        published=dates.published, meeting_date=dates.meeting, overall=reading.overall,
        previous=reading.previous, domains=reading.domains,
    )


def judgement_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, grade) of each sentence that states a judgement, in text order."""
    spans = []
    found = mentions(text)
    for span in sentences(text):
        for mention in found:
            if span.start <= mention.start < span.end:
                spans.append((span.start, span.end, mention.grade))
    return sorted(set(spans))


def judgement_year(text: str, start: int, end: int, grade: str) -> int | None:
    """The year a judgement sentence ties to its grade ('inadequate in 2009'), if it states one."""
    sentence = text[start:end]
    position = sentence.lower().find(grade)
    years = [(abs(m.start() - position), int(m.group(1))) for m in YEAR.finditer(sentence)]
    return min(years)[1] if years else None
