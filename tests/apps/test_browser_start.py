"""The app as it starts: warm before the first question, a welcome card built from the index, a new
conversation that asks before discarding one. Its own `python app.py`, so the first question really is the
first the server answers."""
import statistics
import time

import pytest

from tests.apps.test_browser import ARTIFACTS, app_page, app_server  # noqa: F401 (app_server is a fixture)

# Six questions of one form (a fact about a topic), so their answering times are comparable; none is the
# warm-up question (the welcome card's first example), so no cache makes the first one look fast.
QUESTIONS = (
    "What did inspectors say about the MASH?",
    "What did inspectors say about care leavers?",
    "What did inspectors say about early help?",
    "What did inspectors say about child protection plans?",
    "What did inspectors say about social workers' caseloads?",
    "What did inspectors say about the quality of assessments?",
)


def _ask(page, question: str, turn: int) -> float:
    """Seconds from clicking Ask to the answer of `turn` showing."""
    from playwright.sync_api import expect

    page.locator("#question textarea").fill(question)
    started = time.perf_counter()
    page.locator("#ask").click()
    expect(page.locator(f'#chat [data-answer="{turn}"]')).to_be_visible(timeout=60_000)
    return time.perf_counter() - started


@pytest.mark.browser
def test_first_answer_after_start_is_as_fast_as_later_ones(app_server):
    from playwright.sync_api import expect

    with app_page(app_server) as page:
        status = page.locator("#app-status")
        expect(status).to_contain_text("Loading", timeout=30_000) if "Ready" not in status.inner_text() else None
        if "Loading" in status.inner_text():
            expect(page.locator("#question textarea")).to_be_disabled()
            expect(page.locator("#ask")).to_be_disabled()
        expect(status).to_contain_text("Ready", timeout=180_000)
        expect(page.locator("#question textarea")).to_be_enabled()
        times = [_ask(page, question, turn) for turn, question in enumerate(QUESTIONS)]
        page.screenshot(path=str(ARTIFACTS / "11-warm-six-answers-1280x800.png"))
    ratio = times[0] / statistics.median(times[1:])
    assert ratio <= 2.0, f"first answer took {ratio:.2f}x the median of the next five ({times})"


@pytest.mark.browser
def test_welcome_card_shows_what_is_loaded_and_its_examples_answer(app_server):
    from playwright.sync_api import expect

    with app_page(app_server) as page:
        card = page.locator("#chat .welcome")
        expect(card).to_contain_text("Ask about 5 inspection reports", timeout=30_000)
        expect(card.locator('[data-loaded="authorities"]')).to_have_text("Warrington, Windsor and Maidenhead, Wirral")
        expect(card.locator('[data-loaded="years"]')).to_have_text("2018, 2022")
        types = card.locator('[data-loaded="inspection_types"]').inner_text()
        assert "focused visit" in types and "joint inspection" in types
        examples = card.locator(".example")
        expect(examples).to_have_count(3)
        asked = examples.all_inner_texts()
        assert all(any(name in q for name in ("Warrington", "Windsor and Maidenhead", "Wirral")) for q in asked), asked
        page.screenshot(path=str(ARTIFACTS / "12-welcome-1280x800.png"))
        expect(page.locator("#app-status")).to_contain_text("Ready", timeout=180_000)
        examples.nth(1).click()
        expect(page.locator("#chat .msg.user .bubble").first).to_have_text(asked[1], timeout=15_000)
        answer = page.locator('#chat [data-answer="0"]')
        expect(answer).to_be_visible(timeout=60_000)
        expect(answer.locator(".cite-marker").first).to_be_visible()
