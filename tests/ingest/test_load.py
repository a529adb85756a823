"""Loaders: one Document per supported file; every bad input is a LoadError with a specific reason."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from assistant.core.errors import AssistantError, LoadError
from assistant.ingest.load import discover, doc_id_for, load_document, source_name
from assistant.text import clean, sentences

MB = 1024 * 1024
CURLY = "\u2018\u2019\u201c\u201d"


def _write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


# ---------------------------------------------------------------- txt / md


def test_txt_normalises_quotes_and_preserves_length(tmp_path):
    raw = (
        "Wirral monitoring visit\r\n\r\n"
        "The report said services were \u201cgood\u201d and the partnership was \u2018effective\u2019.\n"
        "Inspectors\u00a0found the MASH\u2019s response timely.\tStaff know children well.\n"
    )
    path = _write(tmp_path / "report.txt", raw)
    document = load_document(path, 10 * MB)

    assert len(document.text) == len(raw)
    assert not any(ch in document.text for ch in CURLY + "\u00a0\r\t")
    assert '"good"' in document.text and "'effective'" in document.text
    # Character for character, the cleaned text is the raw text with only mapped characters changed.
    for cleaned, original in zip(document.text, raw):
        assert cleaned == original or clean(original) == cleaned
    # So every offset computed on the document is valid against the file as stored on disk.
    file_text = path.read_bytes().decode("utf-8")
    for span in sentences(document.text):
        assert clean(file_text[span.start : span.end]) == document.text[span.start : span.end]
    assert document.title == "Wirral monitoring visit"
    assert document.page_starts == (0,)
    assert document.page_at(len(raw) - 1) == 1


def test_txt_with_byte_order_mark_keeps_offsets_against_the_file(tmp_path):
    body = "Warrington focused visit\n\nChildren receive a timely service."
    path = _write(tmp_path / "bom.txt", "\ufeff".encode() + body.encode())
    document = load_document(path, 10 * MB)
    on_disk = path.read_bytes().decode("utf-8")  # the BOM is a character of the file
    assert len(document.text) == len(on_disk)
    start = document.text.index("Children")
    assert on_disk[start : start + 8] == "Children"
    assert document.title == "Warrington focused visit"


def test_markdown_title_drops_heading_marks(tmp_path):
    path = _write(tmp_path / "notes.md", "# Ofsted visit to Wirral\n\nSome findings about referrals.\n")
    document = load_document(path, 10 * MB)
    assert document.title == "Ofsted visit to Wirral"
    assert "Some findings about referrals." in document.text


def test_document_identity(tmp_path):
    path = _write(tmp_path / "a.txt", "One report about Warrington children's services.")
    first = load_document(path, 10 * MB)
    again = load_document(path, 10 * MB)
    assert first.id == again.id == doc_id_for(source_name(path))
    assert first.content_hash == again.content_hash
    _write(path, "One report about Warrington children's services, revised.")
    changed = load_document(path, 10 * MB)
    assert changed.id == first.id  # same file, same document
    assert changed.content_hash != first.content_hash  # new content, new hash


# ---------------------------------------------------------------- html


def test_html_drops_script_and_style_and_takes_title(tmp_path):
    html = """<!doctype html><html><head>
      <title>Focused visit to Warrington</title>
      <style>body { color: red; } .hidden-style-marker {}</style>
      <script>var trackingMarker = "do not index";</script>
    </head><body>
      <nav><script>alert('nav script marker')</script></nav>
      <h1>Headline that is not the title</h1>
      <p>Children in need of help receive a service that is mostly timely.</p>
      <p>Caseloads are&nbsp;manageable &amp; visits are regular.</p>
      <ul><li>First finding</li><li>Second finding</li></ul>
      <noscript>Enable JavaScript marker</noscript>
    </body></html>"""
    document = load_document(_write(tmp_path / "page.html", html), 10 * MB)

    assert document.title == "Focused visit to Warrington"
    for marker in ("trackingMarker", "do not index", "hidden-style-marker", "color: red", "nav script marker",
                   "Enable JavaScript marker"):
        assert marker not in document.text
    assert "Children in need of help receive a service that is mostly timely." in document.text
    assert "Caseloads are manageable & visits are regular." in document.text
    # Block elements become separate lines, so list items are not glued together.
    assert "First finding" in document.text and "First findingSecond" not in document.text
    # The <title> is metadata, not body text.
    assert "Focused visit to Warrington" not in document.text


def test_htm_without_title_uses_first_heading(tmp_path):
    html = "<html><body><h2>Joint inspection of Wirral</h2><p>Body text here.</p></body></html>"
    document = load_document(_write(tmp_path / "page.htm", html), 10 * MB)
    assert document.title == "Joint inspection of Wirral"


# ---------------------------------------------------------------- pdf


def _two_page_pdf(pages: list[str], title: str = "") -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42}):  # TrueType with a ToUnicode map: extractable text
        with PdfPages(buffer, metadata={"Title": title} if title else None) as pdf:
            for line in pages:
                figure = plt.figure(figsize=(8.27, 11.69))
                figure.text(0.1, 0.9, line)
                pdf.savefig(figure)
                plt.close(figure)
    return buffer.getvalue()


def test_pdf_two_pages_text_and_page_starts(tmp_path):
    first = "Wirral monitoring visit found progress in child protection."
    second = "Inspectors judged services inadequate in 2016."
    path = _write(tmp_path / "report.pdf", _two_page_pdf([first, second], title="Wirral monitoring visit"))
    document = load_document(path, 10 * MB)

    assert first in document.text and second in document.text
    assert len(document.page_starts) == 2
    assert document.page_starts[0] == 0
    second_start = document.page_starts[1]
    assert document.text[second_start:].startswith("Inspectors judged")
    assert document.page_at(0) == 1
    assert document.page_at(document.text.index(first)) == 1
    assert document.page_at(document.text.index(second)) == 2
    assert document.page_at(len(document.text) - 1) == 2
    assert document.title == "Wirral monitoring visit"


def test_pdf_without_title_metadata_uses_first_line(tmp_path):
    path = _write(tmp_path / "untitled.pdf", _two_page_pdf(["Ofsted focused visit letter", "Page two text."]))
    assert load_document(path, 10 * MB).title == "Ofsted focused visit letter"


# ---------------------------------------------------------------- docx


def test_docx_title_paragraphs_and_table(tmp_path):
    import docx

    word = docx.Document()
    word.core_properties.title = "Joint inspection of Windsor and Maidenhead"
    word.add_heading("Inspection summary", level=1)
    word.add_paragraph("The partnership was judged effective overall.")
    word.add_paragraph("")  # empty paragraphs are dropped
    word.add_paragraph("Referral information is inconsistent.")
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Area", "Judgement"
    table.cell(1, 0).text, table.cell(1, 1).text = "Help and protection", "Good"
    path = tmp_path / "report.docx"
    word.save(path)

    document = load_document(path, 10 * MB)
    assert document.title == "Joint inspection of Windsor and Maidenhead"
    assert "Inspection summary" in document.text
    assert "The partnership was judged effective overall.\n\nReferral information is inconsistent." in document.text
    assert "Area | Judgement" in document.text
    assert "Help and protection | Good" in document.text
    assert "\n\n\n" not in document.text


# ---------------------------------------------------------------- bad inputs


BAD_INPUTS = {
    "empty": (lambda d: _write(d / "empty.txt", b""), 10 * MB, "empty file"),
    "whitespace": (lambda d: _write(d / "blank.txt", b"  \n\t\r\n   \n"), 10 * MB, "only whitespace"),
    "binary": (lambda d: _write(d / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8),
               10 * MB, "binary"),
    "corrupt_pdf": (lambda d: _write(d / "broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog garbage\n%%EOF"),
                    10 * MB, "corrupt or unreadable PDF"),
    "truncated_pdf": (lambda d: _write(d / "truncated.pdf", _two_page_pdf(["a", "b"])[:400]), 10 * MB,
                      "corrupt or unreadable PDF"),
    "corrupt_docx": (lambda d: _write(d / "broken.docx", b"PK\x03\x04 not really a zip"), 10 * MB,
                     "corrupt or unreadable DOCX"),
    "broken_utf16": (lambda d: _write(d / "wide.txt", b"\xff\xfe" + "Wirral visit".encode("utf-16-le") + b"x"),
                     10 * MB, "not valid UTF-16 despite its byte-order mark"),
    "oversize": (lambda d: _write(d / "big.txt", "Warrington report. " * 200), 1000, "over the"),
    "unknown_extension": (lambda d: _write(d / "data.xyz", "Perfectly good text."), 10 * MB,
                          "unsupported file type '.xyz'"),
    # Named by its name, not as a "type 'passwd'".
    "no_extension": (lambda d: _write(d / "passwd", "Perfectly good text."), 10 * MB,
                     "unsupported file 'passwd' (no extension)"),
    # Reading a named pipe blocked until killed, holding the ingest lock.
    "named_pipe": (lambda d: (os.mkfifo(d / "pipe.txt"), d / "pipe.txt")[1], 10 * MB,
                   "not a regular file (a folder, pipe, socket or device)"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_raises_load_error_with_specific_one_line_reason(tmp_path, case):
    make, max_bytes, expected = BAD_INPUTS[case]
    path = make(tmp_path)
    with pytest.raises(LoadError) as caught:
        load_document(path, max_bytes)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message and len(message) < 300
    assert isinstance(caught.value, AssistantError)


def test_messages_differ_between_bad_inputs(tmp_path):
    messages = set()
    for name, (make, max_bytes, _) in BAD_INPUTS.items():
        folder = tmp_path / name
        folder.mkdir()
        with pytest.raises(LoadError) as caught:
            load_document(make(folder), max_bytes)
        messages.add(str(caught.value).split("(")[0].strip())
    # empty, whitespace, binary, pdf, docx, utf-16, size, type: at least eight distinct reasons.
    assert len(messages) >= 8


def test_oversize_message_states_size_and_limit_readably(tmp_path):
    path = _write(tmp_path / "big.txt", "x" * 5000)
    with pytest.raises(LoadError) as caught:
        load_document(path, 1000)
    message = str(caught.value)
    # A tiny limit must not read "0.0 MB, over the 0 MB limit".
    assert "0 MB limit" not in message
    assert "5000" in message.replace(",", "") or "4.9 KB" in message
    assert "1000" in message.replace(",", "") or "1.0 KB" in message


def test_exactly_at_limit_is_accepted(tmp_path):
    path = _write(tmp_path / "edge.txt", "a" * 999 + ".")
    assert len(load_document(path, 1000).text) == 1000


def test_missing_file_is_load_error(tmp_path):
    with pytest.raises(LoadError, match="cannot read file"):
        load_document(tmp_path / "absent.txt", 10 * MB)


def test_html_table_cells_and_page_furniture_do_not_run_into_each_other(tmp_path):
    # "<td>Overall</td><td>Requires improvement</td>" was read "OverallRequires improvement", and a <nav> ran into the
    # <h1> after it ("Home | AboutBolton children's services"): glued words neither match a question nor read well.
    html = ("<html><body><nav>Home | About</nav><h1>Bolton children's services</h1><table>"
            "<tr><th>Judgement</th><th>Grade</th></tr><tr><td><p>Overall</p></td><td>Requires improvement</td></tr></table>"
            "<footer>Contact us</footer></body></html>")
    text = load_document(_write(tmp_path / "grades.html", html), 10 * MB).text
    assert text.splitlines() == ["Home | About", "", "Bolton children's services", "", "Judgement | Grade", "",
                                 "Overall | Requires improvement", "", "Contact us"]


def test_html_with_no_text_is_load_error(tmp_path):
    path = _write(tmp_path / "empty.html", "<html><head><script>var x = 1;</script></head><body> </body></html>")
    with pytest.raises(LoadError, match="no text"):
        load_document(path, 10 * MB)


# ---------------------------------------------------------------- discover


def test_discover_recurses_skips_hidden_and_reports_missing(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    a = _write(tmp_path / "a.txt", "A")
    b = _write(tmp_path / "sub" / "b.md", "B")
    c = _write(tmp_path / "c.xyz", "C")  # kept: ingest reports unsupported types
    _write(tmp_path / ".hidden.txt", "H")
    _write(tmp_path / ".git" / "config.txt", "G")
    files, missing = discover([tmp_path, a, tmp_path / "nope"])
    assert files == [a, c, b] or sorted(files) == sorted([a, b, c])
    assert len(files) == 3  # a.txt given twice is listed once
    assert missing == [(tmp_path / "nope", "no such file or folder")]


def test_discover_lists_a_file_once_however_it_is_named(tmp_path, monkeypatch):
    a = _write(tmp_path / "a.txt", "A")
    monkeypatch.chdir(tmp_path)
    files, _ = discover([Path("a.txt"), a, tmp_path])
    assert len(files) == 1
