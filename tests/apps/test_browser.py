"""The app as users and scripts meet it: `python app.py` in a subprocess, driven by Debian chromium
(Playwright, no `playwright install`) and by gradio_client. Screenshots go to test-artifacts/."""
import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import CORPUS

REPO = CORPUS.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MASH_REPORT = "corpus/003_c058eaba94c55f19.txt"
RUTLAND = (
    "Rutland focused visit\n\n"
    "Ofsted carried out a focused visit to Rutland County Council children's services on 14 and 15 May 2024. "
    "Inspectors looked at the arrangements for care leavers.\n\n"
    "Inspectors found that care leavers in Rutland are supported by personal advisers who know them well and who "
    "keep in touch with them regularly. Pathway plans are up to date and written with the young people.\n\n"
    "Inspectors also found that too few care leavers in Rutland are in education, employment or training.\n"
)


@contextmanager
def app_page(app_server, **context_options) -> Iterator:
    """A 1280x800 headless Chromium page on the app; on leaving, the page raised no error and the app's log
    holds no traceback."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 800}, **context_options).new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(app_server["url"], wait_until="domcontentloaded")
            yield page
        finally:
            browser.close()
    assert not errors, errors
    assert "Traceback" not in app_server["log"].read_text()


def test_gradio_client_round_trip(app_server):
    from gradio_client import Client

    from assistant.ingest.load import load_document

    client = Client(app_server["url"], verbose=False)
    result = client.predict("What did inspectors say about the MASH?", api_name="/ask")
    assert isinstance(result, dict)
    assert {"id", "question", "standalone_question", "answer", "abstained", "sentences", "citations", "retrieved",
            "timings_ms"} <= result.keys()
    assert not result["abstained"] and "[1]" in result["answer"]
    assert result["citations"] and result["retrieved"]
    for citation in result["citations"]:
        assert {"n", "chunk_id", "doc_id", "source", "title", "start", "end", "text", "quote", "score",
                "metadata"} <= citation.keys()
        path = Path(citation["source"])
        document = load_document(path if path.is_absolute() else REPO / path, 50 * 1024 * 1024)
        assert document.text[citation["start"]:citation["end"]] == citation["text"]
        assert citation["quote"] in citation["text"]
    assert any(c["source"].endswith(MASH_REPORT) for c in result["citations"])

    follow = client.predict("What about Wirral?", [{"role": "user", "content": "What did inspectors say about the MASH?"},
                                                   {"role": "assistant", "content": result["answer"]}],
                            {"authority": "Wirral"}, 4, api_name="/ask")
    assert "MASH" in follow["standalone_question"]
    assert {c["metadata"]["authority"] for c in follow["citations"]} <= {"Wirral"}
    assert len(follow["retrieved"]) <= 4

    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="unknown filter key"):
        client.predict("MASH?", None, {"colour": "red"}, api_name="/ask")


def test_gradio_client_brief(app_server):
    import re

    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(app_server["url"], verbose=False)
    note = client.predict("Warrington", api_name="/brief")
    assert note.startswith("# Briefing note: Warrington") and "## Headline judgements" in note
    references = {int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", note)}
    definitions = {int(n) for n in re.findall(r"^\[\^(\d+)\]: ", note, re.M)}
    assert references and references == definitions
    assert "Child-centred support provided to families in Warrington" in note  # the focused visit, by title
    assert "004_0054459c75a45910.txt" not in note, "readers see titles, not file names"
    with pytest.raises(AppError, match="the topic is empty"):
        client.predict("  ", api_name="/brief")
    with pytest.raises(AppError, match="the topic is empty"):  # JSON null: not "'NoneType' object is not iterable"
        client.predict(None, api_name="/brief")
    with pytest.raises(AppError, match="the topic must be text, or a list of topics to compare, not int"):
        client.predict(7, api_name="/brief")


@pytest.mark.browser
def test_browser_briefing_tab_downloads_markdown_and_docx(app_server):
    import re
    import zipfile

    from playwright.sync_api import expect

    with app_page(app_server, accept_downloads=True) as page:
        page.get_by_role("tab", name="Briefing note").click()
        page.locator("#brief-authority input").click()
        page.get_by_role("option", name="Warrington (2)").click()
        page.locator("#brief-build").click()
        expect(page.locator("#brief-status")).to_contain_text("Briefing note ready", timeout=120_000)
        expect(page.locator("#brief-preview")).to_contain_text("Headline judgements")
        page.screenshot(path=str(ARTIFACTS / "10-briefing-note-1280x800.png"))

        with page.expect_download(timeout=15_000) as markdown_download:
            page.locator("#brief-download-md").click()
        markdown = Path(markdown_download.value.path()).read_text(encoding="utf-8")
        assert markdown_download.value.suggested_filename.endswith(".md")
        assert markdown.startswith("# Briefing note: Warrington")
        with page.expect_download(timeout=15_000) as docx_download:
            page.locator("#brief-download-docx").click()
        assert docx_download.value.suggested_filename.endswith(".docx")
        with zipfile.ZipFile(docx_download.value.path()) as archive:
            footnotes = archive.read("word/footnotes.xml").decode("utf-8")
        cited = {int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", markdown)}
        ids = [int(n) for n in re.findall(r'<w:footnote w:id="(\d+)"', footnotes)]
        assert cited and sorted(ids) == sorted(cited), "one Word footnote per cited passage"


@pytest.mark.browser
def test_browser_session(app_server, tmp_path):
    from playwright.sync_api import expect

    report = tmp_path / "Rutland focused visit.txt"
    report.write_text(RUTLAND, encoding="utf-8")
    with app_page(app_server, accept_downloads=True, permissions=["clipboard-read", "clipboard-write"]) as page:
        expect(page.locator("#chat .example").first).to_be_visible(timeout=30_000)
        expect(page.locator("#app-header")).to_contain_text("5 reports")
        page.screenshot(path=str(ARTIFACTS / "01-empty-1280x800.png"))

        # Ask: the answer appears with [n] markers; the citation panel shows the MASH report's passage.
        page.locator("#question textarea").fill("What did inspectors say about the MASH?")
        page.locator("#ask").click()
        marker = page.locator('#chat .cite-marker[data-turn="0"][data-cite="1"]')
        expect(marker).to_be_visible(timeout=60_000)
        expect(marker).to_have_text("[1]")
        card = page.locator('#citations .cite-card[data-cite="1"]')
        expect(card).to_be_visible()
        expect(card).to_contain_text("OFSTED VISIT UPDATE")  # the report by its title, not its file
        expect(card).to_contain_text("focused visit")
        expect(card.locator("mark.quote")).to_contain_text("MASH")
        expect(card.locator("mark.quote")).to_be_in_viewport()
        page.screenshot(path=str(ARTIFACTS / "02-answer-1280x800.png"))

        # Source viewer: the full report, scrolled to the highlighted span.
        page.locator('#chat .cite-marker[data-turn="0"][data-cite="1"]').click()
        mark = page.locator("#source mark.quote")
        expect(mark).to_be_visible(timeout=15_000)
        expect(page.locator("#source")).to_contain_text("OFSTED VISIT UPDATE")
        expect(page.locator("#source .source-text")).to_contain_text("Performance data and management reports")
        expect(mark).to_be_in_viewport()
        last = page.locator('#citations .cite-card').last
        page.get_by_role("tab", name="Citations").click()
        last.click()
        expect(mark).to_be_visible(timeout=15_000)
        expect(mark).to_be_in_viewport()
        page.screenshot(path=str(ARTIFACTS / "03-source-viewer-1280x800.png"))

        # Copy: the answer with its sources on the clipboard.
        page.locator('#chat [data-copy="0"]').click()
        expect(page.locator('#chat [data-copy="0"]')).to_have_text("Copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert "[1]" in copied and "Sources:" in copied and "“OFSTED VISIT UPDATE”" in copied

        # Feedback with a comment, appended to data/feedback.jsonl.
        page.locator('#chat [data-rating="up"][data-turn="0"]').click()
        expect(page.locator("#comment textarea")).to_be_visible(timeout=15_000)
        page.locator("#comment textarea").fill("Useful for the briefing")
        page.locator("#send-comment").click()
        expect(page.locator("#feedback-status")).to_contain_text("comment was saved", timeout=15_000)
        lines = [json.loads(x) for x in (app_server["data"] / "feedback.jsonl").read_text().splitlines()]
        assert [e["rating"] for e in lines] == ["up", "up"] and lines[1]["comment"] == "Useful for the briefing"

        # Export: a Markdown download with footnotes.
        with page.expect_download(timeout=15_000) as download_info:
            page.locator("#export").click()
        exported = Path(download_info.value.path()).read_text(encoding="utf-8")
        assert download_info.value.suggested_filename.endswith(".md")
        assert "[^1]" in exported and "“OFSTED VISIT UPDATE”" in exported

        # Filters: chosen from index metadata, visible while active, applied to the next question.
        page.locator("#filters").get_by_text("Filters").first.click()
        page.locator("#filter-authority input").click()
        page.get_by_role("option", name="Warrington (2)").click()
        bar = page.locator("#filter-bar .filter-bar.on")
        expect(bar).to_contain_text("Warrington", timeout=15_000)
        expect(bar).to_contain_text("2 of 5 reports match")
        page.locator("#question textarea").fill("What did inspectors find?")
        page.locator("#question textarea").press("Enter")
        expect(page.locator('#chat .msg.bot [data-answer="1"]')).to_be_visible(timeout=60_000)
        expect(page.locator('#chat [data-answer="1"]')).to_contain_text("Filters: Authority: Warrington")
        metas = page.locator("#citations .cite-card .cite-meta").all_inner_texts()
        assert metas and all("Warrington" in m for m in metas), metas
        page.screenshot(path=str(ARTIFACTS / "04-filtered-1280x800.png"))
        bar.locator("[data-clear]").click()
        expect(page.locator("#filter-bar .filter-bar.on")).to_have_count(0, timeout=15_000)

        # Upload a small report in the Library tab, then ask about it.
        page.get_by_role("tab", name="Library").click()
        page.locator("#upload input[type=file]").set_input_files(str(report))
        expect(page.locator("#upload-status")).to_contain_text("1 indexed", timeout=90_000)
        expect(page.locator("#library")).to_contain_text("Rutland", timeout=15_000)
        expect(page.locator("#app-header")).to_contain_text("6 reports")
        assert (app_server["data"] / "uploads" / "Rutland_focused_visit.txt").is_file()
        page.screenshot(path=str(ARTIFACTS / "05-library-1280x800.png"), full_page=True)
        page.get_by_role("tab", name="Ask").click()
        page.locator("#question textarea").fill("What did inspectors find about care leavers in Rutland?")
        page.locator("#ask").click()
        answer = page.locator('#chat [data-answer="2"]')
        expect(answer).to_be_visible(timeout=60_000)
        expect(answer.locator(".cite-marker").first).to_have_text("[1]")
        expect(page.locator("#citations .cite-card").first).to_contain_text("Rutland")
        expect(page.locator("#citations")).to_contain_text("personal advisers")
        page.screenshot(path=str(ARTIFACTS / "06-uploaded-answer-1280x800.png"))

        # Narrow screen: everything still reachable, no horizontal overflow.
        page.set_viewport_size({"width": 400, "height": 800})
        page.wait_for_timeout(500)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"page is {overflow}px wider than a 400px screen"
        page.screenshot(path=str(ARTIFACTS / "07-narrow-400.png"))
        page.screenshot(path=str(ARTIFACTS / "08-narrow-400-full.png"), full_page=True)
        page.locator('#chat .cite-marker[data-turn="2"]').first.click()
        expect(page.locator("#source mark.quote")).to_be_in_viewport(timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "09-narrow-400-source.png"))

        # A new conversation offers the examples again; clicking one asks it.
        page.set_viewport_size({"width": 1280, "height": 800})
        page.once("dialog", lambda dialog: dialog.accept())  # it asks before discarding a non-empty chat
        page.locator("#new-conversation").click()
        example = page.locator("#chat .example").first
        expect(example).to_be_visible(timeout=15_000)
        asked = example.inner_text()
        example.click()
        expect(page.locator("#chat .msg.user .bubble").first).to_have_text(asked, timeout=15_000)
        expect(page.locator('#chat [data-answer="0"]')).to_be_visible(timeout=60_000)

        # Delete the uploaded report from the Library (after a confirmation dialog).
        page.get_by_role("tab", name="Library").click()
        page.locator("#delete-choice input").click()
        page.get_by_role("option", name="Rutland focused visit", exact=False).click()
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#delete").click()
        expect(page.locator("#delete-status")).to_contain_text("Deleted “Rutland focused visit” (Rutland, ", timeout=30_000)
        expect(page.locator("#app-header")).to_contain_text("5 reports")
        expect(page.locator("#library")).not_to_contain_text("Rutland")
        assert not (app_server["data"] / "uploads" / "Rutland_focused_visit.txt").exists()
