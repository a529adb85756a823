"""A brief as a Word document: headings, bulleted points, tables, and real Word footnotes.

python-docx has no footnote API, so the footnotes part (word/footnotes.xml) is written through its OPC
layer: one <w:footnote> per brief footnote, related to the main document part, and a <w:footnoteReference>
run where a reader first meets each number. Word numbers footnotes by the order of those references;
the brief numbers its footnotes in reading order too, so the two agree. A number cited a second time
(a table cell and the point it summarises) is a plain superscript number: a second reference would make
Word print a second, duplicate footnote. python-docx is imported when a DOCX is written.

"""
from __future__ import annotations

import io
from typing import Any, Sequence

from assistant.apps.brief.model import Brief, Footnote, Section, footnote_label
from assistant.text import squash

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NOTE_SIZE = "18"  # half-points: 9 pt footnote text
# Word requires the two separator footnotes (ids -1 and 0) before any real one.
_SEPARATORS = (("-1", "separator", "separator"), ("0", "continuationSeparator", "continuationSeparator"))


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
            _note_run(paragraph, " " + footnote_label(footnote) + ": ")
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


def _docx_section(document: Any, section: Section, level: int, notes: _Footnotes) -> None:
    from docx.shared import Pt

    document.add_heading(section.heading, level=min(level, 9))
    if section.intro:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(section.intro)
        run.italic = True
    if section.table:
        table = document.add_table(rows=len(section.table), cols=len(section.table[0]))
        table.style = "Table Grid"
        for r, cells in enumerate(section.table):
            for c, cell in enumerate(cells):
                paragraph = table.cell(r, c).paragraphs[0]
                run = paragraph.add_run(cell.text)
                run.font.size = Pt(9)
                if r == 0 or c == 0:
                    run.bold = True
                notes.refer(paragraph, cell.footnotes)
    for point in section.points:
        paragraph = document.add_paragraph(style="List Bullet")
        if point.lead:
            paragraph.add_run(point.lead + ": ").bold = True
        paragraph.add_run(point.text)
        notes.refer(paragraph, point.footnotes)
    for line in section.notes:
        paragraph = document.add_paragraph(style="List Bullet")
        run = paragraph.add_run(line)
        run.italic = bool(section.points)  # beside cited points, an uncited remark is set apart
    for sub in section.subsections:
        _docx_section(document, sub, level + 1, notes)


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
    document.add_heading(brief.title, level=0)
    intro = document.add_paragraph()
    intro.add_run(brief.summary).italic = True
    notes = _Footnotes(brief.footnotes)
    for section in brief.sections:
        _docx_section(document, section, 1, notes)
    if brief.footnotes:
        notes.attach(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
