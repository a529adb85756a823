"""A brief as Markdown: headings, bulleted points with `[^n]` footnote references, pipe tables, and the
footnote definitions (report, authority, date, file, offsets, quote) at the end."""
from __future__ import annotations

import re
from typing import Sequence

from assistant.apps.brief.model import Brief, Cell, Point, Section, footnote_label
from assistant.text import squash


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*\[\]<>])", r"\\\1", squash(text))


def _md_refs(numbers: Sequence[int]) -> str:
    return "".join(f"[^{n}]" for n in numbers)


def _md_point(point: Point) -> str:
    lead = f"**{_md_escape(point.lead)}**: " if point.lead else ""
    return f"- {lead}{_md_escape(point.text)}{_md_refs(point.footnotes)}"


def _md_row(cells: Sequence[Cell]) -> str:
    return "| " + " | ".join(_md_escape(c.text).replace("|", "\\|") + _md_refs(c.footnotes) for c in cells) + " |"


def _md_section(section: Section, level: int, out: list[str]) -> None:
    out.append(f"{'#' * min(level, 6)} {_md_escape(section.heading)}")
    out.append("")
    if section.intro:
        out.append(f"*{_md_escape(section.intro)}*")
        out.append("")
    if section.table:
        header, *rows = section.table
        out.append(_md_row(header))
        out.append("|" + "---|" * len(header))
        out.extend(_md_row(row) for row in rows)
        out.append("")
    if section.points or section.notes:
        out.extend(_md_point(p) for p in section.points)
        mark = "*" if section.points else ""  # beside cited points, an uncited remark is set apart
        out.extend(f"- {mark}{_md_escape(line)}{mark}" for line in section.notes)
        out.append("")
    for sub in section.subsections:
        _md_section(sub, level + 1, out)


def render_markdown(brief: Brief) -> str:
    out = [f"# {_md_escape(brief.title)}", "", f"*{_md_escape(brief.summary)}*", ""]
    for section in brief.sections:
        _md_section(section, 2, out)
    for note in brief.footnotes:
        out.append(f"[^{note.n}]: {_md_escape(footnote_label(note))}: \u201c{_md_escape(note.quote)}\u201d")
    return "\n".join(out).rstrip() + "\n"
