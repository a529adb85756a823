"""The briefing note's DOCX carries real Word footnotes: word/footnotes.xml holds one footnote per cited
point's passage, and the body references each exactly once, in reading order (the real corpus and index)."""
from __future__ import annotations

import io
import re
import zipfile

from pathlib import Path

import pytest
from lxml import etree

from assistant.apps.brief.build import build_brief, build_comparison
from assistant.apps.brief.docx import render_docx
from assistant.apps.brief.markdown import render_markdown
from assistant.apps.brief.model import authority_label

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def cited_numbers(brief) -> set[int]:
    numbers = {n for point in brief.points() for n in point.footnotes}
    for section in brief.sections:
        numbers |= {n for row in section.table for cell in row for n in cell.footnotes}
    return numbers


@pytest.fixture(scope="module", params=["Warrington", ("Warrington", "Wirral")], ids=["authority", "comparison"])
def brief(request, ingested):
    topic = request.param
    return build_brief(ingested, topic) if isinstance(topic, str) else build_comparison(ingested, list(topic))


def test_footnotes_part_holds_one_footnote_per_cited_passage(brief):
    files = parts(render_docx(brief))
    assert "word/footnotes.xml" in files
    assert b"wordprocessingml.footnotes+xml" in files["[Content_Types].xml"]
    assert b"relationships/footnotes" in files["word/_rels/document.xml.rels"]

    footnotes = etree.fromstring(files["word/footnotes.xml"]).findall(f"{W}footnote")
    real = [f for f in footnotes if f.get(f"{W}type") is None]
    assert [f.get(f"{W}type") for f in footnotes[:2]] == ["separator", "continuationSeparator"]
    assert brief.footnotes and len(real) == len(brief.footnotes) == len(cited_numbers(brief))
    for element, note in zip(real, brief.footnotes):
        assert element.get(f"{W}id") == str(note.n)
        text = "".join(element.itertext())
        # The report by its name, never its file path or offsets (the Markdown note keeps those for scripts).
        assert " ".join(note.title.split()) in text and authority_label(note.authority) in text
        assert note.source.rsplit("/", 1)[-1] not in text and "characters" not in text
        assert " ".join(note.quote.split()) in text
        assert element.find(f".//{W}footnoteRef") is not None  # Word prints the note's number


def test_body_references_each_footnote_once_in_reading_order(brief):
    body = etree.fromstring(parts(render_docx(brief))["word/document.xml"])
    shown = "".join(body.itertext())
    assert brief.searched and not re.search(r"/work/|/tmp/|/home/|[0-9a-f]{16}\.txt", shown), "no file path in the text"
    assert all(" ".join(ref.title.split()) in shown for ref in brief.matched)
    references = [int(r.get(f"{W}id")) for r in body.iter(f"{W}footnoteReference")]
    # Word numbers footnotes by reference order: the brief's numbers must be that order, with no repeats.
    assert references == list(range(1, len(brief.footnotes) + 1))
    markdown = render_markdown(brief)
    first_seen = list(dict.fromkeys(int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", markdown)))
    assert first_seen == references


def test_an_empty_brief_has_no_footnotes_part(ingested):
    brief = build_brief(ingested, "Rutland")
    assert brief.empty and "word/footnotes.xml" not in parts(render_docx(brief))


def test_the_app_tab_writes_the_same_note_as_markdown_and_docx(ingested, tmp_path):
    from assistant.apps.brief.build import brief_markdown
    from assistant.apps.web.brief import brief_files
    from assistant.apps.web.session_files import SessionFiles

    notes = SessionFiles(tmp_path)
    note = brief_files(ingested, "Warrington", "", notes, "session")  # the picked authority
    assert note.markdown == brief_markdown(ingested, "Warrington")  # the builder `assistant brief` uses
    assert open(note.markdown_path, encoding="utf-8").read() == note.markdown
    # The preview (gradio's Markdown renders no [^n]) shows the same notes as superscripts and a numbered list.
    assert "[^" not in note.preview and "<sup>1</sup>" in note.preview and "\n## Notes\n" in note.preview
    assert note.preview.count("\n1. ") == 1 and f"\n{note.footnotes}. " in note.preview
    assert note.markdown_path.endswith("briefing-note-Warrington.md") and note.docx_path.endswith(".docx")
    with open(note.docx_path, "rb") as handle:
        footnotes = etree.fromstring(parts(handle.read())["word/footnotes.xml"]).findall(f"{W}footnote")
    assert len(footnotes) - 2 == note.footnotes > 0

    # A typed topic wins over the picked authority.
    typed = brief_files(ingested, "Warrington", "multi-agency safeguarding hub", notes, "session")
    assert typed.markdown.startswith("# Briefing note: multi-agency safeguarding hub")
    # The session's new note replaces its previous one: a long-running app keeps one note per open session.
    assert not Path(note.markdown_path).exists() and Path(typed.docx_path).is_file()
    with pytest.raises(Exception, match="choose an authority or type a topic"):
        brief_files(ingested, "", "  ", notes, "session")
    assert Path(typed.markdown_path).is_file()  # a refused request leaves the note there was
    notes.discard("session")
    assert list(tmp_path.rglob("*")) == []
