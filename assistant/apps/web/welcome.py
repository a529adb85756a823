"""The welcome card of an empty chat: what the index holds (authorities, inspection types, years) and example
questions built from that metadata, so they always fit the reports actually loaded (never a fixed list that
names reports someone may have deleted)."""

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from assistant.apps.web.labels import known
from assistant.core.errors import AssistantError

EXAMPLE_COUNT = 3


@dataclass(frozen=True)
class Welcome:
    reports: int | None = None  # None: the index cannot be read
    authorities: tuple[str, ...] = ()
    inspection_types: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Report:
    authority: str
    inspection_type: str
    year: str


def _year(meta: Mapping[str, Any]) -> str:
    """The report's year: the `year` field, else the first four characters of an ISO `date`."""
    year = str(meta.get("year") or "")
    if year.isdigit() and year != "0":
        return year
    date = known(meta.get("date"), "")
    return date[:4] if date[:4].isdigit() else ""


def _reports(documents: Mapping[str, Mapping[str, Any]]) -> list[_Report]:
    # Sorted by authority then type, so the examples do not change from one page load to the next.
    reports = [
        _Report(known(meta.get("authority"), ""), known(meta.get("inspection_type"), ""), _year(meta))
        for meta in documents.values()
    ]
    return sorted(reports, key=lambda r: (r.authority == "", r.authority, r.inspection_type, r.year))


def _pick(reports: list[_Report], wanted: Callable[[_Report], Any], taken: set[str]) -> _Report | None:
    """The first report meeting `wanted`, preferring an authority no earlier example named."""
    fitting = [r for r in reports if wanted(r)]
    fresh = [r for r in fitting if r.authority not in taken]
    return (fresh or fitting or [None])[0]


def examples_for(documents: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """Up to three questions in different forms (judgement, summary, strengths and weaknesses), each naming
    an authority, type or year some indexed report has."""
    reports = _reports(documents)
    taken: set[str] = set()
    examples: list[str] = []

    def add(question: str, report: _Report) -> None:
        if question not in examples:
            examples.append(question)
            taken.add(report.authority)

    dated = _pick(reports, lambda r: r.authority and r.year, taken)
    if dated:
        add(f"What was the overall judgement for {dated.authority} in {dated.year}?", dated)
    typed = _pick(reports, lambda r: r.authority and r.inspection_type, taken)
    if typed:
        add(f"Summarise the {typed.authority} {typed.inspection_type}", typed)
    named = _pick(reports, lambda r: r.authority, taken)
    if named:
        add(f"What were the strengths and weaknesses in {named.authority}?", named)
    for report in reports:  # reports naming no authority still have a type to ask about
        if len(examples) >= EXAMPLE_COUNT:
            break
        if report.inspection_type:
            add(f"What did the {report.inspection_type}{' in ' + report.year if report.year else ''} find?", report)
    return tuple(examples[:EXAMPLE_COUNT])


def welcome(helper: Any) -> Welcome:
    """The welcome card's content from the index's metadata (empty when the index cannot be read)."""
    try:
        documents = helper.documents()
    except AssistantError:
        return Welcome()
    reports = _reports(documents)
    return Welcome(
        reports=len(documents),
        authorities=tuple(sorted({r.authority for r in reports if r.authority})),
        inspection_types=tuple(sorted({r.inspection_type for r in reports if r.inspection_type})),
        years=tuple(sorted({r.year for r in reports if r.year})),
        examples=examples_for(documents),
    )
