"""The Library's correction form in a real browser: `python app.py` driven by Debian chromium (Playwright)."""
import pytest

from tests.apps.test_browser import ARTIFACTS, app_page


@pytest.mark.browser
def test_browser_library_corrects_a_report(app_server):
    from playwright.sync_api import expect

    with app_page(app_server) as page:
        page.get_by_role("tab", name="Library").click()
        expect(page.locator("#library")).to_contain_text("OFSTED VISIT UPDATE", timeout=30_000)
        expect(page.locator("#library")).not_to_contain_text("North Somerset")

        page.locator("#correct-choice input").click()
        page.get_by_role("option", name="OFSTED VISIT UPDATE", exact=False).click()
        page.locator("#correct-field input").click()
        page.get_by_role("option", name="Date", exact=True).click()
        page.locator("#correct-value textarea").fill("2018-13")
        page.locator("#correct").click()
        expect(page.locator("#correct-status")).to_contain_text(
            "Not corrected: date '2018-13' is not a real date of the form YYYY, YYYY-MM or YYYY-MM-DD", timeout=30_000)

        # The failed attempt left the form as it was: only the field and the value change.
        page.locator("#correct-field input").click()
        page.get_by_role("option", name="Authority", exact=True).click()
        page.locator("#correct-value textarea").fill("North Somerset")
        page.locator("#correct").click()
        expect(page.locator("#correct-status")).to_contain_text("to North Somerset", timeout=30_000)
        expect(page.locator("#library")).to_contain_text("North Somerset")
        page.screenshot(path=str(ARTIFACTS / "09-library-corrected-1280x800.png"), full_page=True)
