"""Readable answers in a real browser (`python app.py` on the shipped corpus, Debian chromium): the answering
word marked, citation markers previewing their report, and no file path or hash file name anywhere a person
reads (answer, citations, source viewer, copied text, export, Library)."""
import re
from pathlib import Path

import pytest

from tests.apps.test_browser import ARTIFACTS, app_page

PATHS = re.compile(r"/work/|/tmp/|/home/")
HASH_NAME = re.compile(r"[0-9a-f]{16}\.txt")
QUESTION = "What judgement did Warrington receive in 2009?"
REPORT = "Child protection good – but could be better"  # the Warrington report that answers it


def assert_readable(where: str, text: str) -> None:
    assert not PATHS.search(text), f"{where} shows a path: {PATHS.search(text).group(0)!r} in {text[:2000]!r}"
    assert not HASH_NAME.search(text), f"{where} shows a file name: {HASH_NAME.search(text).group(0)}"
    assert "characters " not in text, f"{where} speaks of character offsets"


@pytest.mark.browser
def test_browser_answer_marks_the_answering_word_and_names_reports(app_server):
    from playwright.sync_api import expect

    with app_page(app_server, accept_downloads=True, permissions=["clipboard-read", "clipboard-write"]) as page:
        question = page.locator("#question textarea")
        expect(question).to_be_editable(timeout=120_000)
        question.fill(QUESTION)
        page.locator("#ask").click()
        answer = page.locator('#chat [data-answer="0"]')
        expect(answer).to_be_visible(timeout=90_000)

        # The word that answers is marked, inside the sentence, and the marker follows the sentence.
        mark = answer.locator("mark.answer-span").first
        expect(mark).to_have_text(re.compile(r"^inadequate$", re.I))
        sentence = answer.locator(".answer-sentence").first
        expect(sentence).to_contain_text("2009")
        marker = answer.locator(".cite-marker").first
        expect(marker).to_have_text("[1]")
        assert page.evaluate("""() => { const m = document.querySelector('#chat [data-answer="0"] .cite-marker');
            return m.previousElementSibling.classList.contains('answer-sentence'); }""")

        # The marker previews its report and quote, on hover (title) and on keyboard focus.
        preview = marker.get_attribute("title")
        assert preview.startswith(f"[1] “{REPORT}” (Warrington, ") and "2009" in preview, preview
        assert marker.get_attribute("data-preview") == preview
        assert_readable("the marker preview", preview)
        assert marker.evaluate("m => m.tabIndex") >= 0, "a marker is in the tab order"
        marker.focus()
        expect(marker).to_be_focused()
        page.screenshot(path=str(ARTIFACTS / "20-readable-answer-1280x800.png"))

        assert_readable("the answer", answer.inner_text())
        assert_readable("the answer's markup", answer.inner_html())
        citations = page.locator("#citations")
        expect(citations.locator(".cite-card").first).to_contain_text(REPORT)
        expect(citations.locator(".cite-card .cite-meta").first).to_contain_text("Warrington")
        assert_readable("the citation panel", citations.inner_text())
        assert_readable("the citation panel's markup", citations.inner_html())

        # The source viewer, opened from the focused marker by its key: the report by its name, the passage by
        # its paragraph.
        marker.focus()
        page.keyboard.press("Enter")
        source = page.locator("#source")
        expect(source.locator("mark.quote")).to_be_visible(timeout=15_000)
        expect(source.locator(".source-title")).to_have_text(f"[1] {REPORT}")
        expect(source.locator(".cite-source")).to_have_text(
            re.compile(r"^Cited passage highlighted: paragraph \d+ of \d+ of the report\.$"))
        assert_readable("the source viewer", source.locator(".source-head").inner_text())
        assert_readable("the source viewer's markup", source.locator(".source-head").inner_html())
        page.screenshot(path=str(ARTIFACTS / "21-readable-source-1280x800.png"))

        # Copied text and the Markdown export name the report the same way.
        page.locator('#chat [data-copy="0"]').click()
        expect(page.locator('#chat [data-copy="0"]')).to_have_text("Copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert f"[1] “{REPORT}” (Warrington, " in copied, copied
        assert_readable("the copied answer", copied)
        with page.expect_download(timeout=15_000) as download:
            page.locator("#export").click()
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert re.search(r"^\[\^1\]: “" + re.escape(REPORT) + "” \\(Warrington, ", exported, re.M), exported
        assert_readable("the export", exported)

        # The Library: one row per report, every cell labelled with its column, no file column.
        page.get_by_role("tab", name="Library").click()
        library = page.locator("#library")
        expect(library.locator("tbody tr")).to_have_count(5, timeout=30_000)
        expect(library.locator('td[data-label="Title"]').filter(has_text=REPORT)).to_have_count(1)
        labels = library.locator("td").evaluate_all("cells => cells.map(c => c.dataset.label)")
        assert len(labels) == 5 * 7 and set(labels) == {"Title", "Authority", "Inspection type", "Inspectorates",
                                                        "Judgement", "Date", "Chunks"}
        assert_readable("the Library table", library.inner_html())
        tab = page.locator("#tab-library")
        assert_readable("the Library tab", tab.inner_text())
        page.screenshot(path=str(ARTIFACTS / "22-readable-library-1280x800.png"), full_page=True)
