"""A brief as Markdown: headings, bulleted points with `[^n]` footnote references, pipe tables, and the
footnote definitions (report title, authority, inspection type, date, quote) at the end.

Footnote syntax is an extension (pandoc, GitHub, Obsidian) that some viewers, the app's preview among them,
do not render; `preview=True` writes superscript numbers and a numbered Notes list instead.
"""
from __future__ import annotations

import re
from typing import Callable, Sequence

from assistant.apps.brief.model import Brief, Cell, Footnote, Point, Section, footnote_label
from assistant.text import squash

Refs = Callable[[Sequence[int]], str]


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*\[\]<>])", r"\\\1", squash(text))


def _footnote_refs(numbers: Sequence[int]) -> str:
    return "".join(f"[^{n}]" for n in numbers)


def _superscript_refs(numbers: Sequence[int]) -> str:
    return f"<sup>{','.join(str(n) for n in numbers)}</sup>" if numbers else ""


def _md_point(point: Point, refs: Refs) -> str:
    lead = f"**{_md_escape(point.lead)}**: " if point.lead else ""
    return f"- {lead}{_md_escape(point.text)}{refs(point.footnotes)}"


def _md_row(cells: Sequence[Cell], refs: Refs) -> str:
    return "| " + " | ".join(_md_escape(c.text).replace("|", "\\|") + refs(c.footnotes) for c in cells) + " |"


def _md_section(section: Section, level: int, out: list[str], refs: Refs) -> None:
    out.append(f"{'#' * min(level, 6)} {_md_escape(section.heading)}")
    out.append("")
    if section.intro:
        out.append(f"*{_md_escape(section.intro)}*")
        out.append("")
    if section.table:
        header, *rows = section.table
        out.append(_md_row(header, refs))
        out.append("|" + "---|" * len(header))
        out.extend(_md_row(row, refs) for row in rows)
        out.append("")
    if section.points or section.notes:
        out.extend(_md_point(p, refs) for p in section.points)
        mark = "*" if section.points else ""  # beside cited points, an uncited remark is set apart
        out.extend(f"- {mark}{_md_escape(line)}{mark}" for line in section.notes)
        out.append("")
    for sub in section.subsections:
        _md_section(sub, level + 1, out, refs)


def _note_text(note: Footnote) -> str:
    return f"{_md_escape(footnote_label(note))}: \u201c{_md_escape(note.quote)}\u201d"


def render_markdown(brief: Brief, preview: bool = False) -> str:
    refs = _superscript_refs if preview else _footnote_refs
    out = [f"# {_md_escape(brief.title)}", "", f"*{_md_escape(brief.summary)}*", ""]
    for section in brief.sections:
        _md_section(section, 2, out, refs)
    if preview and brief.footnotes:
        out += ["## Notes", ""] + [f"{note.n}. {_note_text(note)}" for note in brief.footnotes]
    elif not preview:
        out += [f"[^{note.n}]: {_note_text(note)}" for note in brief.footnotes]
    return "\n".join(out).rstrip() + "\n"
