"""Accessibility and phone layout of the app in Debian chromium: axe-core (npm, installed by .ci/run into
tests/.node) finds no serious or critical violation on the Ask, Library and Briefing tabs, and at 390x844 the
page never scrolls sideways. Viewport screenshots go to test-artifacts/; with DOCS_SCREENSHOTS=1 to
docs/screenshots/ instead (committed, shown in the README), so a test run leaves the tree as it was."""
import os

import pytest

from tests.apps.test_browser import REPO, app_page

AXE = REPO / "tests" / ".node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / ("docs/screenshots" if os.environ.get("DOCS_SCREENSHOTS") == "1" else "test-artifacts")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
QUESTION = "What did inspectors say about the MASH?"

pytestmark = pytest.mark.browser


def _ask(page, question: str = QUESTION) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#chat .example").first).to_be_visible(timeout=30_000)
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    expect(page.locator('#chat [data-answer="0"]')).to_be_visible(timeout=60_000)
    expect(page.locator("#citations .cite-card").first).to_be_visible()


def _open_tab(page, name: str, ready: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.locator(ready)).to_be_visible(timeout=15_000)


def _serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line per rule and element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ': '
                + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 200))}));
    }""")
    return [f"{v['id']} ({v['help']}) at {node}" for v in violations for node in v["nodes"]]


def _horizontal_overflow(page) -> int:
    page.wait_for_timeout(300)  # the layout settles after a resize or a tab switch
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def _viewport_screenshot(page, name: str, top: str | None = None) -> None:
    """The viewport only (small PNGs for the docs), scrolled to the top or to the element `top`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if top:
        page.locator(top).first.evaluate("element => element.scrollIntoView({block: 'start'})")
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / name))


def test_axe_finds_no_serious_violation(app_server):
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed at {AXE} (.ci/run installs it with npm)")
    from playwright.sync_api import expect

    with app_page(app_server) as page:
        page.set_viewport_size(DESKTOP)
        _ask(page)
        page.locator("#question textarea").focus()  # where a keyboard user types the next question
        _viewport_screenshot(page, "desktop-ask.png")
        found = {"Ask": _serious_violations(page)}
        # The same tab with the source viewer open and a filter on (the filter bar shows).
        page.locator('#chat .cite-marker[data-cite="1"]').first.click()
        expect(page.locator("#source mark.quote")).to_be_visible(timeout=15_000)
        page.locator("#filters").get_by_text("Filters").first.click()
        page.locator("#filter-authority input").click()
        page.get_by_role("option", name="Warrington (2)").click()
        expect(page.locator("#filter-bar .filter-bar.on")).to_contain_text("Warrington", timeout=15_000)
        found["Ask, source and filters"] = _serious_violations(page)
        _open_tab(page, "Library", "#library")
        expect(page.locator("#library")).to_contain_text("Warrington", timeout=15_000)
        found["Library"] = _serious_violations(page)
        _open_tab(page, "Briefing note", "#brief-build")
        found["Briefing note"] = _serious_violations(page)
    report = [f"{tab}: {line}" for tab, lines in found.items() for line in lines]
    assert not report, "\n".join(report)


def _assert_focus_ring(page, what: str) -> None:
    style, width = page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                                 " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert style != "none" and width >= 2, f"the {what} shows no focus outline ({style} {width}px)"


def test_headings_labels_and_focus_rings(app_server):
    with app_page(app_server) as page:
        page.set_viewport_size(DESKTOP)
        _ask(page)
        assert page.locator("h1").all_inner_texts() == ["Inspection report assistant"]
        assert page.get_by_role("heading", level=2, name="Sources for answer 1").is_visible()
        assert page.get_by_role("textbox", name="Question", exact=True).count() == 1, "the question box has a label"
        # Keyboard focus: the question box, Tab to the Ask button, then a citation card.
        page.locator("#question textarea").focus()
        _assert_focus_ring(page, "question box")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "ask"
        _assert_focus_ring(page, "Ask button")
        page.locator("#citations .cite-card").first.focus()
        _assert_focus_ring(page, "citation card")
        _open_tab(page, "Library", "#library")
        assert page.locator("#tab-library h2").all_inner_texts() == ["Add reports", "Indexed reports",
                                                                     "Correct a report"]
        _open_tab(page, "Briefing note", "#brief-build")
        assert page.get_by_role("heading", level=2, name="Build a briefing note").is_visible()


def test_phone_layout_has_no_sideways_scroll(app_server):
    from playwright.sync_api import expect

    with app_page(app_server) as page:
        page.set_viewport_size(PHONE)
        _ask(page)
        assert _horizontal_overflow(page) <= 1, "the Ask tab scrolls sideways at 390px"
        # The citations come straight after the answer, before the question box and the buttons.
        chat, cards, question = (page.locator(s).first.bounding_box()
                                 for s in ("#chat", "#side-tabs", "#question"))
        assert chat["y"] + chat["height"] <= cards["y"] < question["y"], (chat, cards, question)
        _viewport_screenshot(page, "phone-ask.png")

        _open_tab(page, "Library", "#library")
        expect(page.locator("#library")).to_contain_text("Warrington", timeout=15_000)
        assert _horizontal_overflow(page) <= 1, "the Library tab scrolls sideways at 390px"
        # Each report is a card: every cell shows its column name before its value.
        cell = page.locator("#library td[data-label]").first
        assert cell.evaluate("td => getComputedStyle(td).display") == "grid"
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert label == f'"{cell.get_attribute("data-label")}"'
        _viewport_screenshot(page, "phone-library.png", top="#library")
