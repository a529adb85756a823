"""A brief as a Word document (python-docx, imported when a DOCX is written)."""
from __future__ import annotations

import io
from typing import Sequence

from assistant.apps.brief.model import Brief, Section, footnote_label
from assistant.text import squash


def _docx_refs(paragraph, numbers: Sequence[int]) -> None:
    if numbers:
        run = paragraph.add_run(",".join(str(n) for n in numbers))
        run.font.superscript = True


def _docx_section(document, section: Section, level: int) -> None:
    from docx.shared import Pt

    document.add_heading(section.heading, level=min(level, 9))
    if section.intro:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(section.intro)
        run.italic = True
    if section.table:
        header, *rows = section.table
        table = document.add_table(rows=len(section.table), cols=len(header))
        table.style = "Table Grid"
        for r, cells in enumerate(section.table):
            for c, cell in enumerate(cells):
                paragraph = table.cell(r, c).paragraphs[0]
                run = paragraph.add_run(cell.text)
                run.font.size = Pt(9)
                if r == 0 or c == 0:
                    run.bold = True
                _docx_refs(paragraph, cell.footnotes)
    for point in section.points:
        paragraph = document.add_paragraph(style="List Bullet")
        if point.lead:
            paragraph.add_run(point.lead + ": ").bold = True
        paragraph.add_run(point.text)
        _docx_refs(paragraph, point.footnotes)
    for line in section.notes:
        paragraph = document.add_paragraph(style="List Bullet")
        run = paragraph.add_run(line)
        run.italic = bool(section.points)  # beside cited points, an uncited remark is set apart
    for sub in section.subsections:
        _docx_section(document, sub, level + 1)


def render_docx(brief: Brief) -> bytes:
    """A Word document: headings, bulleted points with superscript note numbers, a numbered Notes section."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.core_properties.title = brief.title
    document.core_properties.author = "assistant brief"
    document.core_properties.subject = ", ".join(brief.topics)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.font.name = "Arial"  # metric-compatible stand-ins exist everywhere (Liberation Sans, Arimo)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4"):
        document.styles[name].font.name = "Arial"
    document.add_heading(brief.title, level=0)
    intro = document.add_paragraph()
    intro.add_run(brief.summary).italic = True
    for section in brief.sections:
        _docx_section(document, section, 1)
    if brief.footnotes:
        document.add_heading("Notes", level=1)
        for note in brief.footnotes:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(18)
            paragraph.paragraph_format.first_line_indent = Pt(-18)
            paragraph.paragraph_format.space_after = Pt(4)
            paragraph.add_run(f"{note.n}.\t").bold = True
            paragraph.add_run(footnote_label(note) + ": ")
            paragraph.add_run(f"\u201c{squash(note.quote)}\u201d").italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
