"""Briefing notes: a cited summary of an authority's (or a topic's) inspections, as Markdown or DOCX.

Every point of a brief is a verbatim report sentence (or, with a chat model configured, a rephrasing of
the strengths / improvements / actions that passed `cite.verify`; judgements and history stay verbatim)
with footnotes to the passage it rests on. A point is kept only when
`cite.support(point, passage) >= cite.SUPPORT_THRESHOLD` for each footnoted passage, and each footnote's
`text == document.text[start:end]` and `quote == document.text[quote_start:quote_end]`.

Bold lead-ins ("Warrington: good", "Earlier judgement: inadequate (2009)") are labels built from the
report metadata (describe.py); the grades and years they name are checked against the quoted sentence.
Scope and open-question lines describe the search itself (what was searched, what the reports do not
state): they cite nothing, because an absence has no passage.

The modules: model (the records), gather (which reports and sentences), report (a report, its judgements,
its footnotes), text/findings (kinds of finding), sections, rephrase (chat model), markdown, docx; this module
builds, checks and renders.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Sequence

from assistant.answer.cite import SUPPORT_THRESHOLD, support
from assistant.apps.brief.docx import render_docx
from assistant.apps.brief.gather import Library
from assistant.apps.brief.markdown import render_markdown
from assistant.apps.brief.model import (
    CATEGORIES, Brief, Cell, Footnote, ReportRef, Section, authority_label, date_label, kind_label, walk_points,
    walk_refs,
)
from assistant.apps.brief.rephrase import uses_chat_model
from assistant.apps.brief.report import Notes
from assistant.core.inputs import has_words
from assistant.apps.brief.sections import TopicBody, scope_section, topic_body
from assistant.core.errors import InputError
from assistant.text import squash

if TYPE_CHECKING:  # pragma: no cover
    from assistant.pipeline import Assistant

def _checked_topic(topic: str, limit: int) -> str:
    if not isinstance(topic, str) or not topic.strip():
        raise InputError("the topic is empty")
    if not has_words(topic):
        raise InputError("the topic has no words")
    topic = " ".join(topic.split())
    if len(topic) > limit:
        raise InputError(f"the topic is {len(topic)} characters long; the limit is {limit}")
    return topic


def _mode(helper: "Assistant") -> str:
    return "llm" if uses_chat_model(helper) else "extractive"


def _sources_section(footnotes: Sequence[Footnote]) -> Section:
    """A table of the reports the footnotes cite, one row each, by title (readers never see file paths)."""
    rows = [tuple(Cell(h) for h in ("Title", "Authority", "Inspection type", "Date"))]
    seen: set[str] = set()
    for note in sorted(footnotes, key=lambda f: (squash(f.title), f.source)):
        if note.doc_id not in seen:
            seen.add(note.doc_id)
            rows.append(tuple(Cell(text) for text in (
                squash(note.title), authority_label(note.authority), kind_label(note.inspection_type),
                date_label(note.date),
            )))
    return Section("Sources", table=tuple(rows))


def _renumbered(sections: Sequence[Section], footnotes: Sequence[Footnote]) -> tuple[tuple[Section, ...], tuple[Footnote, ...]]:
    """Number footnotes in the order a reader meets them; drop any that no point uses."""
    order: dict[int, int] = {}
    for section in sections:
        for n in walk_refs(section):
            order.setdefault(n, len(order) + 1)

    def fix(section: Section) -> Section:
        return replace(
            section,
            points=tuple(replace(p, footnotes=tuple(dict.fromkeys(order[n] for n in p.footnotes))) for p in section.points),
            table=tuple(tuple(replace(c, footnotes=tuple(order[n] for n in c.footnotes)) for c in row) for row in section.table),
            subsections=tuple(fix(s) for s in section.subsections),
        )

    renumbered = sorted((replace(footnotes[old - 1], n=new) for old, new in order.items()), key=lambda f: f.n)
    return tuple(fix(s) for s in sections), tuple(renumbered)


def _finish(
    title: str, topics: Sequence[str], kind: str, mode: str, sections: tuple[Section, ...], notes: Notes,
    refs: Sequence[ReportRef], summary: str,
) -> Brief:
    sections, footnotes = _renumbered(sections, notes.items)
    if footnotes:
        sections = sections + (_sources_section(footnotes),)
    return Brief(
        title=title, topics=tuple(topics), kind=kind, mode=mode, empty=not footnotes, summary=summary,
        sections=sections, footnotes=footnotes, searched=tuple(refs),
    )


def _summary(mode: str) -> str:
    how = (
        "Points are sentences quoted verbatim from the reports"
        if mode == "extractive" else "Points are a language model's summaries, each checked against its passage"
    )
    return (
        f"{how}; each footnote names the report (title, authority, inspection type, date) and quotes the passage "
        "it rests on. Bold labels come from the reports' metadata; lines without a note number describe the search "
        "or what the reports leave unstated."
    )


def build_brief(helper: "Assistant", topic: str) -> Brief:
    """A briefing note on an authority (its reports) or a theme (the reports with passages on it)."""
    topic = _checked_topic(topic, helper.settings.brief.max_topic_chars)
    library = Library(helper)
    notes = Notes()
    body = topic_body(library, topic, notes)
    resolved = body.resolved
    refs = library.searched({r.doc_id for r in resolved.reports})
    mode = _mode(helper)
    title = f"Briefing note: {topic}"
    if not body.sections:
        message = (
            f"No indexed report matches \u201c{topic}\u201d. The brief below lists the {len(refs)} report(s) searched."
        )
        sections = (scope_section(refs, resolved.notes, resolved.kind),)
        return replace(_finish(title, [topic], resolved.kind, mode, sections, notes, refs, message), empty=True)
    sections = (scope_section(refs, (), resolved.kind), *body.sections)
    return _finish(title, [topic], resolved.kind, mode, sections, notes, refs, _summary(mode))


def build_comparison(helper: "Assistant", topics: Sequence[str]) -> Brief:
    """Briefs on two or more topics side by side: an at-a-glance table, then parallel sections per topic."""
    topics = [_checked_topic(t, helper.settings.brief.max_topic_chars) for t in topics]
    if len(topics) < 2:
        raise InputError("a comparison needs at least two topics")
    library = Library(helper)
    notes = Notes()
    columns = [topic_body(library, topic, notes) for topic in topics]
    refs = library.searched({r.doc_id for column in columns for r in column.resolved.reports})
    rows = [(Cell(""),) + tuple(Cell(topic) for topic in topics)]

    def row(label: str, cell: Callable[[TopicBody], Cell]) -> None:
        rows.append((Cell(label),) + tuple(cell(column) for column in columns))

    row("Reports (latest first)", _reports_cell)
    row("Headline judgement", _judgement_cell)
    for category in CATEGORIES:
        row(category, lambda column, category=category: _count_cell(column, category))
    sections: list[Section] = [
        scope_section(refs, [line for column in columns for line in column.resolved.notes], "comparison"),
        Section("At a glance", table=tuple(rows)),
    ]
    for topic, column in zip(topics, columns):
        if column.sections:
            sections.append(Section(topic, subsections=column.sections))
        else:
            sections.append(Section(topic, notes=(f"No indexed report matches \u201c{topic}\u201d.",)))
    title = "Briefing note: " + " compared with ".join(topics)
    mode = _mode(helper)
    return _finish(title, topics, "comparison", mode, tuple(sections), notes, refs, _summary(mode))


def _section(column: TopicBody, heading: str) -> Section | None:
    return next((s for s in column.sections if s.heading == heading), None)


def _reports_cell(column: TopicBody) -> Cell:
    reports = column.resolved.reports
    if not reports:
        return Cell("no matching report")
    return Cell("; ".join(f"{r.inspection_type}, {date_label(r.date)}" for r in reports))


def _judgement_cell(column: TopicBody) -> Cell:
    headline, standing = _section(column, "Headline judgements"), column.standing
    if headline is None or not headline.points or not standing:
        return Cell("no judgement stated")
    text = "; ".join(
        f"{event.grade} ({event.when})" if len(standing) == 1 else f"{name}: {event.grade} ({event.when})"
        for name, event in sorted(standing.items())
    )
    return Cell(text, tuple(n for p in headline.points for n in p.footnotes))


def _count_cell(column: TopicBody, category: str) -> Cell:
    section = _section(column, category)
    return Cell(f"{len(list(walk_points(section))) if section else 0} point(s)")


# ---------------------------------------------------------------------------------- checking


def check_brief(helper: "Assistant", brief: Brief) -> list[str]:
    """Problems with a brief's citations (empty when every footnote and point holds)."""
    problems = []
    texts: dict[str, str | None] = {}
    for note in brief.footnotes:
        if note.doc_id not in texts:
            document = helper.document(note.doc_id)
            texts[note.doc_id] = document.text if document else None
        text = texts[note.doc_id]
        if text is None:
            problems.append(f"[{note.n}] cites a document that is not indexed: {note.doc_id}")
            continue
        if text[note.start : note.end] != note.text:
            problems.append(f"[{note.n}] passage text differs from the document at {note.start}-{note.end}")
        if text[note.quote_start : note.quote_end] != note.quote:
            problems.append(f"[{note.n}] quote differs from the document at {note.quote_start}-{note.quote_end}")
        if not (note.start <= note.quote_start < note.quote_end <= note.end):
            problems.append(f"[{note.n}] quote lies outside its passage")
    for point in brief.points():
        if not point.footnotes:
            problems.append(f"uncited point: {point.text!r}")
        for n in point.footnotes:
            if not 1 <= n <= len(brief.footnotes):
                problems.append(f"point cites a missing footnote [{n}]")
            elif support(point.text, brief.footnote(n).text) < SUPPORT_THRESHOLD:
                problems.append(f"[{n}] does not support {point.text!r}")
    return problems


# ---------------------------------------------------------------------------------- for the app


def _build(helper: "Assistant", topic: str | Sequence[str]) -> Brief:
    if isinstance(topic, str):
        return build_brief(helper, topic)
    if not isinstance(topic, (list, tuple)):
        raise InputError("the topic is empty" if topic is None else
                         f"the topic must be text, or a list of topics to compare, not {type(topic).__name__}")
    return build_comparison(helper, topic)


def brief_markdown(helper: "Assistant", topic: str | Sequence[str]) -> str:
    """Markdown of the brief on `topic` (a list of topics compares them)."""
    return render_markdown(_build(helper, topic))


def brief_docx_bytes(helper: "Assistant", topic: str | Sequence[str]) -> bytes:
    """DOCX bytes of the brief on `topic` (a list of topics compares them)."""
    return render_docx(_build(helper, topic))
