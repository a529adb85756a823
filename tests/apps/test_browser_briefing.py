"""The four questions staff ask when preparing a briefing, in real Chromium on the shipped corpus: a summary,
one authority's weaknesses, a comparison of two authorities, a topic across all reports. Each is answered
with cited sentences; the comparison cites both sides or says which side its reports leave out."""
import pytest

from tests.apps.test_browser import ARTIFACTS, app_page

# question -> the authorities whose reports every citation must come from (None: any)
QUESTIONS = [
    ("Summarise the Wirral monitoring visit", {"Wirral"}),
    ("What were the main weaknesses in Warrington?", {"Warrington"}),
    ("Compare Warrington and Wirral on strategy meetings", {"Warrington", "Wirral"}),
    ("Across the inspections, where was health attendance at strategy meetings a concern?", None),
]


@pytest.mark.browser
def test_browser_briefing_questions_are_answered_with_citations(app_server):
    from playwright.sync_api import expect

    with app_page(app_server) as page:
        question = page.locator("#question textarea")
        expect(question).to_be_editable(timeout=120_000)
        for turn, (text, authorities) in enumerate(QUESTIONS):
            question.fill(text)
            page.locator("#ask").click()
            answer = page.locator(f'#chat [data-answer="{turn}"]')
            expect(answer).to_be_visible(timeout=90_000)
            assert answer.locator(".abstain").count() == 0, f"{text!r} abstained: {answer.inner_text()}"
            sentences = answer.locator(".answer-sentence")
            assert sentences.count() >= 1
            expect(answer.locator(".cite-marker").first).to_be_visible()
            metas = page.locator("#citations .cite-card .cite-meta").all_inner_texts()
            assert metas, f"no citation cards for {text!r}"
            if authorities is None:
                continue
            cited = {name for name in authorities if any(name in meta for meta in metas)}
            assert all(any(name in meta for name in authorities) for meta in metas), (text, metas)
            said_missing = {name for name in authorities - cited
                            if answer.locator(".uncovered", has_text=name).count()}
            assert cited | said_missing == authorities, (text, metas, answer.inner_text())
        page.screenshot(path=str(ARTIFACTS / "11-briefing-questions-1280x800.png"), full_page=True)
