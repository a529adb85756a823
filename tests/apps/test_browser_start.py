"""The app as it starts: warm before the first question, a welcome card built from the index, a new
conversation that asks before discarding one. Its own `python app.py`, so the first question really is the
first the server answers."""
import re
import statistics
import time

import pytest

from tests.apps.test_browser import ARTIFACTS, app_page

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
        expect(status).not_to_be_empty(timeout=30_000)
        if "Loading" in status.inner_text():  # the warm-up may be over by the time Chromium has opened
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


@pytest.mark.browser
def test_new_conversation_asks_first_and_the_comment_box_opens_by_the_buttons(app_server):
    from playwright.sync_api import expect

    with app_page(app_server) as page:
        expect(page.locator("#app-status")).to_contain_text("Ready", timeout=180_000)
        dialogs: list[str] = []
        answer = {"accept": False}

        def on_dialog(dialog) -> None:
            dialogs.append(dialog.message)
            dialog.accept() if answer["accept"] else dialog.dismiss()

        page.on("dialog", on_dialog)

        # An empty chat is replaced without a question.
        page.locator("#new-conversation").click()
        expect(page.locator("#chat .welcome")).to_be_visible()
        page.wait_for_timeout(500)
        assert dialogs == []

        _ask(page, QUESTIONS[0], 0)
        page.locator('#chat [data-rating="down"][data-turn="0"]').click()
        comment = page.locator("#comment textarea")
        expect(comment).to_be_visible(timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "13-comment-box-1280x800.png"))
        # Visible without scrolling, right above the conversation buttons.
        for shown in (comment, page.locator("#send-comment"), page.locator("#export"), page.locator("#question")):
            expect(shown).to_be_in_viewport(ratio=1)
        box, export = comment.bounding_box(), page.locator("#export").bounding_box()
        assert 0 < export["y"] - (box["y"] + box["height"]) < 60, (box, export)

        # Cancelled: the conversation stays.
        page.locator("#new-conversation").click()
        page.wait_for_timeout(1000)
        assert len(dialogs) == 1 and dialogs[0].startswith("Start a new conversation?")
        expect(page.locator('#chat [data-answer="0"]')).to_be_visible()
        expect(page.locator("#chat .welcome")).to_have_count(0)

        # Confirmed: the welcome card again.
        answer["accept"] = True
        page.locator("#new-conversation").click()
        expect(page.locator("#chat .welcome")).to_be_visible(timeout=15_000)
        assert len(dialogs) == 2
        expect(page.locator('#chat [data-answer="0"]')).to_have_count(0)


def test_api_info_describes_every_parameter_and_filter_key(app_server):
    import json
    import urllib.request

    from gradio_client import Client

    from assistant.retrieval.hybrid import FILTER_KEYS

    with urllib.request.urlopen(app_server["url"] + "gradio_api/info", timeout=30) as response:
        info = json.load(response)["named_endpoints"]
    ask = {p["parameter_name"]: p["python_type"]["description"] for p in info["/ask"]["parameters"]}
    assert list(ask) == ["question", "history", "filters", "k"]
    assert all(len(text) > 30 for text in ask.values()), ask
    assert "role" in ask["history"] and "1 to 100" in ask["k"]
    for key in FILTER_KEYS:
        assert key in ask["filters"] and key in info["/ask"]["description"], key
    assert "Args:" not in info["/ask"]["description"]
    brief = info["/brief"]["parameters"]
    assert [p["parameter_name"] for p in brief] == ["topic"] and "authority" in brief[0]["python_type"]["description"]

    # What a script author reads: view_api prints each parameter with its description.
    shown = Client(app_server["url"], verbose=False).view_api(print_info=False, return_format="str")
    assert ask["filters"] in shown and ask["history"] in shown and brief[0]["python_type"]["description"] in shown


@pytest.mark.browser
def test_conversations_are_kept_in_the_browser_and_can_be_renamed_and_deleted(app_server):
    from playwright.sync_api import expect

    with app_page(app_server) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        expect(page.locator("#app-status")).to_contain_text("Ready", timeout=180_000)
        _ask(page, QUESTIONS[1], 0)
        _ask(page, QUESTIONS[2], 1)
        page.locator('#chat [data-rating="up"][data-turn="1"]').click()
        expect(page.locator("#comment textarea")).to_be_visible(timeout=15_000)
        page.wait_for_timeout(1000)  # the save that follows the rating is not shown on the page
        page.locator("#new-conversation").click()
        expect(page.locator("#chat .welcome")).to_be_visible(timeout=15_000)
        _ask(page, QUESTIONS[3], 0)
        page.locator("#saved-conversations").get_by_text("Saved conversations").first.click()
        page.locator("#saved-choice input").click()
        expect(page.get_by_role("option")).to_have_count(2, timeout=15_000)  # listed as soon as answered
        # Its name is in the box to rename it, as when a conversation is opened (the box stayed empty).
        expect(page.locator("#saved-name input")).to_have_value(re.compile("^" + re.escape(QUESTIONS[3][:40])))

        # A reload (a new session on the server) still lists both, newest first, from localStorage.
        page.reload(wait_until="domcontentloaded")
        page.locator("#saved-conversations").get_by_text("Saved conversations").first.click()
        page.locator("#saved-choice input").click()
        options = page.get_by_role("option")
        expect(options).to_have_count(2, timeout=15_000)
        labels = options.all_inner_texts()
        assert labels[0].startswith(QUESTIONS[3]) and "1 question" in labels[0], labels
        assert labels[1].startswith(QUESTIONS[1]) and "2 questions" in labels[1], labels

        # Open the older one: its turns, answers and citations come back.
        options.nth(1).click()
        expect(page.locator('#chat [data-answer="1"]')).to_be_visible(timeout=15_000)
        expect(page.locator("#chat .msg.user .bubble").first).to_have_text(QUESTIONS[1])
        expect(page.locator("#citations .cite-card").first).to_be_visible()
        expect(page.locator('#chat [data-rating="up"][data-turn="1"]')).to_have_attribute("aria-pressed", "true")
        assert page.locator("#export").is_enabled()

        # Rename it; the new name survives a reload.
        page.locator("#saved-name input").fill("Care leavers and early help")
        page.locator("#saved-rename").click()
        expect(page.locator("#saved-status")).to_contain_text("Renamed", timeout=15_000)
        page.reload(wait_until="domcontentloaded")
        page.locator("#saved-conversations").get_by_text("Saved conversations").first.click()
        page.locator("#saved-choice input").click()
        expect(page.get_by_role("option", name="Care leavers and early help", exact=False)).to_have_count(1,
                                                                                                         timeout=15_000)
        page.get_by_role("option", name="Care leavers and early help", exact=False).click()
        expect(page.locator('#chat [data-answer="1"]')).to_be_visible(timeout=15_000)

        # Delete it (after a confirmation): one is left.
        page.locator("#saved-delete").click()
        expect(page.locator("#saved-status")).to_contain_text("Deleted", timeout=15_000)
        page.locator("#saved-choice input").click()
        expect(page.get_by_role("option")).to_have_count(1, timeout=15_000)
        expect(page.get_by_role("option").first).to_contain_text(QUESTIONS[3])
        page.screenshot(path=str(ARTIFACTS / "14-saved-conversations-1280x800.png"))
