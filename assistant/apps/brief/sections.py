"""The sections of a brief on one topic: headline judgements, inspection history, findings by kind,
scope and open questions. Each function returns a Section whose points all carry footnotes (via
report.quote_point or rephrase.rephrased_points); uncited lines say what was searched or is not stated.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Mapping, Sequence

from assistant.text.findings import candidate_spans
from assistant.apps.brief.gather import Library, Resolved, Spans
from assistant.apps.brief.model import (
    ACTIONS, CATEGORIES, CONTEXT, IMPROVEMENTS, STRENGTHS, Point, ReportRef, Section, authority_label, date_label,
    joined, kind_label,
)
from assistant.apps.brief.rephrase import rephrased_points, uses_chat_model
from assistant.apps.brief.report import Event, Notes, Report, quote_point, supersedes
from assistant.ingest.dates import iso_parts
from assistant.ingest.describe import judgement_spans
from assistant.text import sentences, squash
from assistant.text.patterns import UNKNOWN


def headline(library: Library, reports: Sequence[Report], notes: Notes) -> tuple[Section, dict[str, Event]]:
    by_authority: dict[str, list[Report]] = {}
    for report in reports:
        by_authority.setdefault(report.authority, []).append(report)
    points: list[Point] = []
    lines: list[str] = []
    standing: dict[str, Event] = {}
    for authority in sorted(by_authority, key=lambda a: (a == UNKNOWN, a)):
        group = by_authority[authority]
        events = [e for r in group for e in library.events(r)]
        if authority == UNKNOWN:
            for report in group:
                own = [e for e in events if e.report is report]
                if not own:
                    lines.append(f"{report.label}: no judgement stated.")
                for event in own:
                    point = _judgement_point(notes, event, headline=True)
                    if point:
                        points.append(point)
            continue
        if not events:
            lines.append(f"{authority}: no report states a judgement.")
            continue
        latest = max(events, key=lambda e: (e.key, e.report.document.source))
        standing[authority] = latest
        point = _judgement_point(notes, latest, headline=True)
        if point:
            points.append(point)
    section = Section("Headline judgements", tuple(points), tuple(lines))
    return section, standing


def _judgement_point(notes: Notes, event: Event, headline: bool = False, later: Event | None = None) -> Point | None:
    report = event.report
    name = authority_label(report.authority, report.document.title)
    facts = [event.grade] + ([str(event.year)] if event.year else [])
    if headline:
        if event.own:
            lead = f"{name}: {event.grade} ({report.kind}, {date_label(report.date)})"
        else:
            lead = f"{name}: {event.grade} ({event.year}; stated in a {report.kind}, {date_label(report.date)})"
    elif event.own:
        lead = f"Judgement: {event.grade}"
    else:
        lead = f"Earlier judgement: {event.grade} ({event.year})"
        if later is not None:
            lead += f", superseded by {'this report' if later.report is report else 'a later report'}'s judgement of {later.grade}"
    return quote_point(notes, report, event.start, event.end, lead, facts)


def history(library: Library, reports: Sequence[Report], notes: Notes, used: set[tuple[str, int]]) -> Section:
    entries: list[Section] = []
    all_events = [e for r in reports for e in library.events(r)]
    for report in reports:
        points: list[Point] = []
        lines: list[str] = []
        own = [e for e in all_events if e.report is report and e.own]
        earlier = [e for e in all_events if e.report is report and not e.own]
        for event in own:
            point = _judgement_point(notes, event)
            if point:
                points.append(point)
                used.add((report.doc_id, event.start))
        for event in sorted(earlier, key=lambda e: -(e.year or 0)):
            later = next(
                (e for e in sorted(all_events, key=lambda e: e.key, reverse=True)
                 if e.report.authority == report.authority and supersedes(e, event)),
                None,
            )
            point = _judgement_point(notes, event, later=later)
            if point:
                points.append(point)
                used.add((report.doc_id, event.start))
            if later is None:
                lines.append(f"No report in scope states a judgement after the {event.grade} judgement of {event.year}.")
        if not own:
            lines.insert(0, "The report states no overall judgement of its own.")
        evidence = _date_or_summary(report, notes, used)
        if evidence is not None:
            points.insert(0, evidence) if evidence.lead.startswith("Date") else points.append(evidence)
        intro = f"\u201c{squash(report.document.title)}\u201d."
        if not report.date_ord:
            year = report.latest_year_mentioned
            intro += " Date not stated; " + (
                f"the latest year the report mentions is {year}." if year else "the report mentions no year."
            )
        when = date_label(report.date)
        heading = f"{when[:1].upper()}{when[1:]}: {report.kind}, {authority_label(report.authority)}"
        entries.append(Section(heading, tuple(points), tuple(lines), intro=intro))
    return Section(
        "Inspection history (latest first)",
        subsections=tuple(entries),
        intro="Reports that state a date come first, newest first; reports that do not follow, ordered by the "
              "latest year their text mentions, then by file name.",
    )


def _date_or_summary(report: Report, notes: Notes, used: set[tuple[str, int]]) -> Point | None:
    """The sentence that states the report's date, or else its first substantive sentence."""
    text = report.document.text
    spans = [(s.start, s.end) for s in sentences(text) if len(squash(text[s.start : s.end]).split()) >= 4]
    parts = iso_parts(report.date) if report.date_ord else None
    if parts:
        iso, (year, month_number, _) = report.date, parts
        # A date stated to the year (or month) only is found by what it states.
        month = calendar.month_name[month_number] if month_number else ""
        for start, end in spans:
            sentence = text[start:end]
            if iso in sentence or (str(year) in sentence and month in sentence):
                point = quote_point(notes, report, start, end, f"Date: {date_label(iso)}", [str(year)])
                if point:
                    used.add((report.doc_id, start))
                    return point
    for start, end in candidate_spans(text):
        if len(squash(text[start:end]).split()) >= 8 and (report.doc_id, start) not in used:
            point = quote_point(notes, report, start, end, "Summary")
            if point:
                used.add((report.doc_id, start))
                return point
    return None


def findings(
    library: Library,
    reports: Sequence[Report],
    matches: Spans | None,
    notes: Notes,
    used: set[tuple[str, int]],
    topic: str,
) -> list[Section]:
    """Strengths, areas for improvement, actions (and, for a theme, the other on-topic sentences)."""
    grouped: dict[str, list[tuple[Report, list[tuple[int, int]], int]]] = {c: [] for c in CATEGORIES + (CONTEXT,)}
    for report in reports:
        text = report.document.text
        judged = {start for start, _, _ in judgement_spans(text)}  # told in the headline and history
        if matches is None:
            spans = [(s, e, 0.0) for s, e in candidate_spans(text)]
        else:
            spans = list(matches.get(report.doc_id, ()))
        buckets: dict[str, list[tuple[float, int, int]]] = {c: [] for c in grouped}
        # Only what a stored chunk holds can be quoted (text ingest left out, a byline or a banner, cannot).
        spans = [(start, end, relevance) for start, end, relevance in spans
                 if (report.doc_id, start) not in used and start not in judged and report.chunk_for(start, end)]
        kinds = library.findings_of(report, [(start, end) for start, end, _ in spans])
        for (start, end, relevance), (category, weight) in zip(spans, kinds):
            if category is None and matches is not None:
                category, weight = CONTEXT, 0
            if category is not None:
                buckets[category].append((weight + relevance, start, end))
        for category, chosen in buckets.items():
            if chosen:
                # The strongest cues (or most on-topic sentences) first, then shown in text order.
                ranked = sorted(chosen, key=lambda row: (-row[0], row[1]))[:library.helper.settings.brief.max_points_per_report]
                grouped[category].append((report, sorted((s, e) for _, s, e in ranked), len(chosen)))
    sections = []
    order = ((CONTEXT,) if matches is not None else ()) + CATEGORIES
    for category in order:
        subsections = []
        for report, spans, total in grouped[category]:
            points = _points_for(library, report, spans, notes, category, topic)
            if not points:
                continue
            left_out = total - len(spans)
            lines = (f"{left_out} further sentence(s) of this kind are left out.",) if left_out > 0 else ()
            subsections.append(Section(report.label, tuple(points), lines))
        if len(subsections) == 1 and len(reports) == 1:
            only = subsections[0]
            sections.append(Section(category, only.points, only.notes))
        elif subsections:
            sections.append(Section(category, subsections=tuple(subsections)))
        elif category != CONTEXT:
            what = {STRENGTHS: "a strength", IMPROVEMENTS: "an area for improvement", ACTIONS: "an action or recommendation"}
            scope_words = "on-topic sentence" if matches is not None else "sentence of the reports in scope"
            sections.append(Section(category, notes=(f"No {scope_words} reads as {what[category]}.",)))
    return sections


def _points_for(library: Library, report: Report, spans: Sequence[tuple[int, int]], notes: Notes, category: str, topic: str) -> list[Point]:
    if uses_chat_model(library.helper):
        rephrased = rephrased_points(library.helper, report, spans, notes, category, topic)
        if rephrased:
            return rephrased
    return [p for p in (quote_point(notes, report, s, e) for s, e in spans) if p is not None]


def scope_section(refs: Sequence[ReportRef], extra: Sequence[str], kind: str) -> Section:
    matched = [r for r in refs if r.matched]
    how = {
        "authority": "the reports of the named authority",
        "theme": "hybrid retrieval over all reports, kept where extractive scoring finds on-topic sentences",
    }.get(kind, "an authority's reports, or for a theme the reports with on-topic sentences")
    lines = [f"Searched {len(refs)} indexed report(s) ({how}); {len(matched)} matched."]
    lines.extend(extra)
    for ref in refs:
        lines.append(
            f"{'Matched' if ref.matched else 'Not matched'}: {authority_label(ref.authority)}, "
            f"{kind_label(ref.inspection_type)}, "
            f"{date_label(ref.date)} (\u201c{squash(ref.title)}\u201d)"
        )
    return Section("Scope", notes=tuple(lines))


def open_questions(library: Library, reports: Sequence[Report], standing: Mapping[str, Event], extra: Sequence[str]) -> Section:
    lines = list(extra)
    for report in reports:
        gaps = []
        if report.authority == UNKNOWN:
            gaps.append("does not name the local authority")
        if not report.date_ord:
            gaps.append("does not state its date")
        if not any(e.own for e in library.events(report)):
            gaps.append("states no overall judgement of its own")
        if report.inspection_type == UNKNOWN:
            gaps.append("does not say what kind of inspection it was")
        if gaps:
            lines.append(f"{report.label} (\u201c{squash(report.document.title)}\u201d): the report {joined(gaps)}."
                         if report.authority != UNKNOWN else f"{report.label}: the report {joined(gaps)}.")
    by_authority: dict[str, list[Report]] = {}
    for report in reports:
        if report.authority != UNKNOWN:
            by_authority.setdefault(report.authority, []).append(report)
    for authority, group in sorted(by_authority.items()):
        undated = [r for r in group if not r.date_ord]
        if len(group) > 1 and undated:
            lines.append(
                f"{authority}: {len(undated)} of its {len(group)} reports state no date, so the order of its "
                "inspections is inferred from the years the reports mention, not stated."
            )
        event = standing.get(authority)
        if event is not None and not event.own:
            lines.append(
                f"{authority}: the latest judgement the reports state is {event.grade} ({event.year}); "
                "whether a later inspection changed it is not stated."
            )
    if not lines:
        lines.append("None: every report in scope names its authority, date, inspection type and judgement.")
    return Section("Open questions", notes=tuple(lines))


@dataclass(frozen=True)
class TopicBody:
    """The sections of a brief on one topic, with what they were built from."""

    sections: tuple[Section, ...]  # empty when no report matches
    resolved: Resolved
    standing: Mapping[str, Event]  # authority -> the latest judgement its reports state


def topic_body(library: Library, topic: str, notes: Notes) -> TopicBody:
    resolved = library.resolve(topic)
    reports = resolved.reports
    if not reports:
        return TopicBody((), resolved, {})
    lead, standing = headline(library, reports, notes)
    used = {(event.report.doc_id, event.start) for event in standing.values()}
    body = [lead, history(library, reports, notes, used)]
    body += findings(library, reports, resolved.matches, notes, used, topic)
    body.append(open_questions(library, reports, standing, resolved.notes))
    return TopicBody(tuple(body), resolved, standing)
