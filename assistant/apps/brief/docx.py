"""A brief as a Word document: headings, bulleted points, tables, and real Word footnotes.

python-docx has no footnote API, so the footnotes part (word/footnotes.xml) is written through its OPC
layer: one <w:footnote> per brief footnote, related to the main document part, and a <w:footnoteReference>
run where a reader first meets each number. Word numbers footnotes by the order of those references;
the brief numbers its footnotes in reading order too, so the two agree. A number cited a second time
(a table cell and the point it summarises) is a plain superscript number: a second reference would make
Word print a second, duplicate footnote. python-docx is imported when a DOCX is written.

A Word reader knows a report by its title, authority, inspection type and date, which every line naming a
report already gives; the brief's file paths (kept for the Markdown note, whose readers are scripts and the
CLI) are left out of the document: corpus files are named by hash, and the path may be the server's.
"""
from __future__ import annotations

import io
import re
from typing import Any, Sequence

from assistant.apps.brief.model import Brief, Cell, Footnote, Section, authority_label, date_label, file_name, kind_label
from assistant.text import squash

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NOTE_SIZE = "18"  # half-points: 9 pt footnote text
# Word requires the two separator footnotes (ids -1 and 0) before any real one.
_SEPARATORS = (("-1", "separator", "separator"), ("0", "continuationSeparator", "continuationSeparator"))


class _ForReaders:
    """The brief's text without its file paths: " (path)" and " (file name)" asides go, and so does a table
    column that holds nothing but paths."""

    def __init__(self, brief: Brief) -> None:
        self.paths = {r.source for r in brief.searched} | {f.source for f in brief.footnotes}
        names = sorted(self.paths | {file_name(p) for p in self.paths}, key=len, reverse=True)
        self._aside = re.compile(r" ?\((?:" + "|".join(map(re.escape, names)) + r")\)") if names else None

    def text(self, value: str) -> str:
        return self._aside.sub("", value) if self._aside else value

    def table(self, rows: Sequence[Sequence[Cell]]) -> list[list[Cell]]:
        body = rows[1:]
        keep = [c for c in range(len(rows[0])) if not body or not all(row[c].text in self.paths for row in body)]
        return [[row[c] for c in keep] for row in rows]


def reader_label(note: Footnote) -> str:
    """A footnote's report as a reader names it: “title”, authority, inspection type, date."""
    return (f"\u201c{squash(note.title)}\u201d, {authority_label(note.authority)}, {kind_label(note.inspection_type)}, "
            f"{date_label(note.date)}")


class _Footnotes:
    """Places footnote references in paragraphs and writes the footnotes part they point to."""

    def __init__(self, footnotes: Sequence[Footnote]) -> None:
        self.footnotes = footnotes
        self.placed: set[int] = set()

    def refer(self, paragraph: Any, numbers: Sequence[int]) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        for i, n in enumerate(numbers):
            if i:
                paragraph.add_run(",").font.superscript = True
            run = paragraph.add_run()
            run.font.superscript = True
            if n in self.placed:
                run.text = str(n)
                continue
            reference = OxmlElement("w:footnoteReference")
            reference.set(qn("w:id"), str(n))
            run._r.append(reference)
            self.placed.add(n)

    def attach(self, document: Any) -> None:
        """Add word/footnotes.xml to the package, related to the document part."""
        from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, self._xml(), document.part.package)
        document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)

    def _xml(self) -> bytes:
        from lxml import etree

        root = etree.Element(_w("footnotes"), nsmap={"w": _W})
        for note_id, kind, mark in _SEPARATORS:
            note = etree.SubElement(root, _w("footnote"), {_w("type"): kind, _w("id"): note_id})
            etree.SubElement(etree.SubElement(etree.SubElement(note, _w("p")), _w("r")), _w(mark))
        for footnote in self.footnotes:
            paragraph = etree.SubElement(etree.SubElement(root, _w("footnote"), {_w("id"): str(footnote.n)}), _w("p"))
            _note_run(paragraph, None)  # the footnote's own number, which Word fills in
            _note_run(paragraph, " " + reader_label(footnote) + ": ")
            _note_run(paragraph, f"\u201c{squash(footnote.quote)}\u201d", italic=True)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _note_run(paragraph: Any, text: str | None, italic: bool = False) -> None:
    """A run of footnote text; text None is the footnote's number mark."""
    from lxml import etree

    run = etree.SubElement(paragraph, _w("r"))
    properties = etree.SubElement(run, _w("rPr"))
    # Word rejects run properties out of schema order: i, then sz, then vertAlign.
    if italic:
        etree.SubElement(properties, _w("i"))
    etree.SubElement(properties, _w("sz"), {_w("val"): _NOTE_SIZE})
    if text is None:
        etree.SubElement(properties, _w("vertAlign"), {_w("val"): "superscript"})
        etree.SubElement(run, _w("footnoteRef"))
        return
    etree.SubElement(run, _w("t"), {"{http://www.w3.org/XML/1998/namespace}space": "preserve"}).text = text


def _docx_section(document: Any, section: Section, level: int, notes: _Footnotes, shown: _ForReaders) -> None:
    from docx.shared import Pt

    document.add_heading(shown.text(section.heading), level=min(level, 9))
    if section.intro:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(shown.text(section.intro))
        run.italic = True
    if section.table:
        cells_shown = shown.table(section.table)
        table = document.add_table(rows=len(cells_shown), cols=len(cells_shown[0]))
        table.style = "Table Grid"
        for r, cells in enumerate(cells_shown):
            for c, cell in enumerate(cells):
                paragraph = table.cell(r, c).paragraphs[0]
                run = paragraph.add_run(shown.text(cell.text))
                run.font.size = Pt(9)
                if r == 0 or c == 0:
                    run.bold = True
                notes.refer(paragraph, cell.footnotes)
    for point in section.points:
        paragraph = document.add_paragraph(style="List Bullet")
        if point.lead:
            paragraph.add_run(shown.text(point.lead) + ": ").bold = True
        paragraph.add_run(shown.text(point.text))
        notes.refer(paragraph, point.footnotes)
    for line in section.notes:
        paragraph = document.add_paragraph(style="List Bullet")
        run = paragraph.add_run(shown.text(line))
        run.italic = bool(section.points)  # beside cited points, an uncited remark is set apart
    for sub in section.subsections:
        _docx_section(document, sub, level + 1, notes, shown)


def render_docx(brief: Brief) -> bytes:
    """A Word document: headings, bulleted points and tables, each cited passage a Word footnote."""
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
    shown = _ForReaders(brief)
    document.add_heading(shown.text(brief.title), level=0)
    intro = document.add_paragraph()
    intro.add_run(shown.text(brief.summary)).italic = True
    notes = _Footnotes(brief.footnotes)
    for section in brief.sections:
        _docx_section(document, section, 1, notes, shown)
    if brief.footnotes:
        notes.attach(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
