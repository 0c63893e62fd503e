"""The open-data page and the account's open-data choice with axe-core (WCAG 2.1 A/AA) and
reflow at 320 px, in German and English; the choice is made with the keyboard alone."""

import pytest

from tests.e2e.helpers import page_in
from tests.e2e.test_accessibility import PASSWORD, assert_accessible

pytestmark = pytest.mark.browser

CITIZEN = "buerger@example.org"


@pytest.fixture(params=["de", "en"])
def page(request, browser, live_server, live_database):
    yield from page_in(browser, live_server, request.param)


def test_open_data_page_has_no_axe_violations(page):
    page.goto("/offene-daten")
    assert page.locator("html").get_attribute("lang") == page.language
    assert page.locator("a[href$='/offene-daten/beitraege.csv']").count() == 1
    assert page.locator("script[type='application/ld+json']").count() == 1
    assert_accessible(page)


def test_open_data_choice_in_the_account_by_keyboard(page):
    page.goto("/konto/anmelden")
    page.locator("#email").fill(CITIZEN)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("#password").press("Enter")
    page.goto("/konto/")
    assert "/konto/anmelden" not in page.url
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    checkbox = page.locator("input[name='show_name']")
    was = checkbox.is_checked()
    checkbox.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # to the button of the same form
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("input[name='show_name']").is_checked() is not was
    assert_accessible(page)
    # Back as it was, for the other language's run.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("input[name='show_name']").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("input[name='show_name']").is_checked() is was
