"""Dates a report states, told apart: the visit or inspection (a range keeps its start and end), the
publication and a meeting. A trigger regex finds each date phrase; python-dateutil reads and checks
each end of it. What a text does not state stays unknown: a date without a year keeps no year
unless the page's own publication date places it ("inspected in March", published 13 June 2017).

Partial dates use ISO forms: "2019-03-19", "2019-03", "2019", and "--12-07" / "--12" without a year."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from assistant.text.patterns import MONTH, MONTHS, SOURCE_LINE, UNKNOWN, YEAR

_D = r"\d{1,2}(?:st|nd|rd|th)?"
_Y = r"(?:19[89]\d|20[0-4]\d)"
_SEP = r"\s*(?:-|\u2013|\u2014|to|and|until|till|&)\s*"
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
_M = f"({MONTH})"
# Longest forms first; each is (pattern, order of its groups: d1 m1 y1 d2 m2 y2, None where absent).
_FORMS: tuple[tuple[re.Pattern[str], tuple[str | None, ...]], ...] = tuple(
    (re.compile(pattern), groups) for pattern, groups in (
        (rf"({_D})\s+{_M},?\s*({_Y})?{_SEP}({_D})\s+{_M},?\s*({_Y})?", ("d1", "m1", "y1", "d2", "m2", "y2")),
        (rf"{_M}\s+({_D}),?\s*({_Y})?{_SEP}{_M}\s+({_D}),?\s*({_Y})?", ("m1", "d1", "y1", "m2", "d2", "y2")),
        (rf"({_D}){_SEP}({_D})\s+{_M},?\s*({_Y})?", ("d1", "d2", "m1", "y2")),
        (rf"{_M}\s+({_D}){_SEP}({_D}),?\s*({_Y})?(?!\d)", ("m1", "d1", "d2", "y2")),
        (rf"{_M},?\s*({_Y})?{_SEP}{_M},?\s*(?:of\s+)?({_Y})", ("m1", "y1", "m2", "y2")),
        (rf"{_WEEKDAY}(?:the\s+)?({_D})\s+{_M},?\s*({_Y})?", ("d1", "m1", "y1")),
        (rf"{_M}\s+({_D}),?\s+({_Y})", ("m1", "d1", "y1")),
        (rf"{_M},?\s*(?:of\s+)?({_Y})", ("m1", "y1")),
        (r"\b(\d{4})-(\d{2})-(\d{2})\b", ("y1", "n1", "d1")),
        (r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b", ("d1", "n1", "y1")),
        # A month on its own only after a preposition: "in May" (never the verb "may").
        (rf"\b(?:in|during|this|last|early|late|mid)[\s-]+{_M}(?!\s*\d)", ("m1",)),
    )
)

# "Issued" or "released" alone also dates warning notices and press lines: only publication words count.
_PUBLISHED = re.compile(r"\b(?:publish\w*|publication|embargoed|updated|announced|dated?)\b", re.I)
_MEETING = re.compile(r"\b(?:meetings?|committee|cabinet|assembly|scrutiny|minutes|agenda)\b", re.I)
_VISIT_STRONG = re.compile(
    r"\b(?:took place|taken place|take place|carried out|conducted|undert(?:ook|aken)|(?:re)?visited|inspected"
    r"|concluded)\b", re.I,
)
_VISIT_WEAK = re.compile(r"\b(?:(?:re-?)?inspections?|(?:re)?visits?|review|inspectors|letter|dates?|fieldwork)\b", re.I)
# "the previous inspection in March 2020", "since ... April 2017", "the next inspection in 2023".
_NOT_THIS = re.compile(
    r"\b(?:previous(?:ly)?|last|original(?:ly)?|earlier|prior|since|former|preceding|next|due|will|upcoming|later)\b",
    re.I,
)
_YEAR_ONLY_VISIT = re.compile(rf"\b(?:inspection|visit|inspected|visited)s?\s+(?:in\s+)?({_Y})\b", re.I)
_HEADER_CHARS = 400


@dataclass(frozen=True)
class Partial:
    year: int | None
    month: int | None
    day: int | None = None

    def iso(self) -> str:
        if self.year and self.month and self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.year and self.month:
            return f"{self.year:04d}-{self.month:02d}"
        if self.year:
            return f"{self.year:04d}"
        if self.month:
            return f"--{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")
        return UNKNOWN


@dataclass(frozen=True)
class Dates:
    visit_start: str = UNKNOWN
    visit_end: str = UNKNOWN
    published: str = UNKNOWN
    meeting: str = UNKNOWN

    @property
    def best(self) -> str:
        """The report's date for sorting: the visit's (to the month at least), else publication, else meeting."""
        if self.visit_start[:1].isdigit() and len(self.visit_start) >= 7:
            return self.visit_start
        return next((d for d in (self.published, self.meeting) if d != UNKNOWN), UNKNOWN)


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    first: Partial
    last: Partial | None


_NO_DATE = Partial(None, None)


def _month(word: str | None) -> int | None:
    return MONTHS.get(word.rstrip(".").lower()) if word else None


def _checked(year: int | None, month: int | None, day: int | None) -> Partial | None:
    """dateutil validates the day against the month (a leap year stands in when no year is stated)."""
    if month is None:
        return None
    if day is not None:
        from dateutil import parser

        try:
            parser.parse(f"{year or 2000}-{month:02d}-{day:02d}", yearfirst=True)
        except (ValueError, OverflowError):
            return None
    return Partial(year, month, day)


def _read(match: re.Match[str], groups: tuple[str | None, ...]) -> tuple[Partial, Partial | None] | None:
    values = dict(zip(groups, match.groups()))

    def number(key: str) -> int | None:
        value = values.get(key)
        return int(re.sub(r"\D", "", value)) if value else None

    y1, y2 = number("y1"), number("y2")
    if y1 is not None and y1 < 100:
        y1 += 2000
    m1 = _month(values.get("m1")) or number("n1")
    m2 = _month(values.get("m2")) or (m1 if "d2" in values else None)
    y1 = y1 if y1 is not None else (y2 if y2 and m2 and m1 and m1 <= m2 else (y2 - 1 if y2 else None))
    first = _checked(y1, m1, number("d1"))
    if first is None:
        return None
    if "d2" not in values and "m2" not in values:
        return first, None
    last = _checked(y2 if y2 is not None else y1, m2, number("d2"))
    return (first, last) if last else None


def _found(text: str) -> list[_Found]:
    taken: list[_Found] = []
    for pattern, groups in _FORMS:
        for match in pattern.finditer(text):
            if any(f.start < match.end() and match.start() < f.end for f in taken):
                continue
            read = _read(match, groups)
            # An impossible date ("31 February 2020") still holds its words: no shorter form rereads them.
            taken.append(_Found(match.start(), match.end(), *read) if read else _Found(match.start(), match.end(), _NO_DATE, None))
    return sorted((f for f in taken if f.first is not _NO_DATE), key=lambda f: f.start)


def _clause(text: str, start: int, end: int) -> tuple[str, str]:
    """The sentence's text before the date (to the line or sentence start) and a little after it."""
    before = text[max(0, start - 200) : start]
    before = re.split(r"(?:[.!?]\s|\n)", before)[-1]
    after = re.split(r"(?:[.!?]\s|\n)", text[end : end + 80])[0]
    return before, after


def _nearest(before: str) -> tuple[str, int] | None:
    """The kind of the trigger word closest before the date, and where it ends."""
    best: tuple[str, int] | None = None
    for kind, pattern in (("published", _PUBLISHED), ("meeting", _MEETING), ("strong", _VISIT_STRONG), ("weak", _VISIT_WEAK)):
        for match in pattern.finditer(before):
            if best is None or match.end() > best[1]:
                best = (kind, match.end())
    return best


def _kind(text: str, found: _Found, body_start: int) -> str | None:
    before, after = _clause(text, found.start, found.end)
    trigger = _nearest(before)
    if trigger and _NOT_THIS.search(before[max(0, trigger[1] - 40) :]) and trigger[0] in ("strong", "weak"):
        return None
    if trigger is None and len(before.split()) <= 2 and _VISIT_STRONG.search(after[:60]):
        return "strong"  # "In October 2018, CIW undertook an inspection"
    if trigger:
        return trigger[0]
    full = found.first.year is not None and found.first.day is not None
    if full and found.start - body_start < _HEADER_CHARS and len(before.split()) <= 6:
        return "published"  # a dated page header or byline
    if found.last is not None and not _NOT_THIS.search(before):
        return "range"
    return None


def _placed(partial: Partial, published: Partial | None) -> Partial:
    """A visit month without a year, placed by the page's publication date (the latest such month before it)."""
    if partial.year is not None or published is None or published.year is None or published.month is None:
        return partial
    year = published.year if partial.month <= published.month else published.year - 1
    return Partial(year, partial.month, partial.day)


def read_dates(text: str) -> Dates:
    source = SOURCE_LINE.match(text.lstrip())
    body_start = len(text) - len(text.lstrip()) + source.end() if source else 0
    by_kind: dict[str, list[_Found]] = {}
    for found in _found(text):
        kind = _kind(text, found, body_start)
        if kind:
            by_kind.setdefault(kind, []).append(found)
    published = next((f.first for f in by_kind.get("published", []) if f.first.year), None)
    meeting = next((f.first for f in by_kind.get("meeting", []) if f.first.year), None)
    visit = next((by_kind[k][0] for k in ("strong", "weak", "range") if by_kind.get(k)), None)
    start = end = UNKNOWN
    if visit is not None:
        start = _placed(visit.first, published).iso()
        end = _placed(visit.last, published).iso() if visit.last else UNKNOWN
    else:
        year = next((m for m in _YEAR_ONLY_VISIT.finditer(text) if not _NOT_THIS.search(_clause(text, m.start(), m.end())[0][-40:])), None)
        start = year.group(1) if year else UNKNOWN
    return Dates(
        visit_start=start, visit_end=end,
        published=published.iso() if published else UNKNOWN,
        meeting=meeting.iso() if meeting else UNKNOWN,
    )


def has_date(line: str) -> bool:
    """True when the line states a day or month with a year (a dateline or byline, not a heading)."""
    return any(f.first.year is not None for f in _found(line))


# An ISO date as precise as it is known: "2019", "2019-03", "2019-03-19" (a date filter, a correction, a report's date).
ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def iso_parts(value: str) -> tuple[int, int | None, int | None] | None:
    """Year, month and day of an ISO date as precise as it is stated; None when it is no such date or names no real
    day ("2019-13", "2019-02-30", year 0)."""
    found = ISO_DATE.fullmatch(value)
    if not found:
        return None
    year, month, day = (int(g) if g else None for g in found.groups())
    if year < 1 or (month is not None and not (1 <= month <= 12 and 1 <= (day or 1) <= calendar.monthrange(year, month)[1])):
        return None
    return year, month, day


def year_of(iso: str) -> int:
    match = YEAR.match(iso)
    return int(match.group(1)) if match else 0


def ordinal(iso: str) -> int:
    """yyyymmdd for sorting; a missing day or month counts as 00."""
    if not iso[:1].isdigit():
        return 0
    parts = (iso.split("-") + ["00", "00"])[:3]
    return int(parts[0]) * 10000 + int(parts[1]) * 100 + int(parts[2])
