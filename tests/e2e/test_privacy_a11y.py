"""WCAG 2.1 AA (axe-core, reflow at 320 px) for the privacy pages of the account area: the
data overview, the deletion form and its errors, in German and English; then the deletion
itself ends the session."""

import pytest

from tests.e2e.helpers import confirmed_account
from tests.e2e.test_accessibility import PASSWORD, assert_accessible, page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(params=["de", "en"])
def account(request, live_app):
    """An account of its own per language (it is deleted at the end of the test)."""
    email = f"datenschutz-a11y-{request.param}@example.org"
    return confirmed_account(live_app, email, "Datenschutz"), request.param


def _submit(tab, action: str) -> None:
    with tab.expect_navigation():
        tab.locator(f"main form[action$='{action}'] button[type=submit]").click()


def test_privacy_pages_have_no_axe_violations(page, live_app, account):  # noqa: F811
    email, language = account
    if language == "en":
        page.goto("/")
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
    page.goto("/konto/anmelden")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    _submit(page, "/konto/anmelden")

    page.goto("/konto/meine-daten")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("a[href$='/konto/meine-daten.json']").count() == 1
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/konto/loeschen")
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#password").fill("not the password at all")
    _submit(page, "/konto/loeschen")
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").check()
    _submit(page, "/konto/loeschen")
    page.goto("/konto/")
    assert "/konto/anmelden" in page.url  # logged out: the account is gone
