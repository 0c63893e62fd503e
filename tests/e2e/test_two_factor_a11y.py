"""WCAG 2.1 AA (axe-core, reflow at 320 px) for two-factor login: setup with the key and QR
code, a wrong code, the recovery codes, the settings once switched on, the second login step
with an error; driven in Chromium like a person with an authenticator app."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from participation.extensions import db
from tests.e2e.helpers import confirmed_account
from tests.e2e.test_accessibility import PASSWORD, assert_accessible, page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(params=["de", "en"])
def account(request, live_app):
    """An account of its own per language, so that the demo accounts other tests log in with
    keep logging in with the password alone."""
    email = f"zwei-faktor-a11y-{request.param}@example.org"
    return confirmed_account(live_app, email, "Zweifaktor"), request.param


def _secret(live_app, email) -> str:
    from participation.accounts.models import User

    with live_app.app_context():
        return db.session.scalar(select(User.totp_secret).where(User.email == email))


def _submit(tab, action: str) -> None:
    with tab.expect_navigation():
        tab.locator(f"main form[action$='{action}'] button[type=submit]").click()


def _password_step(tab, email) -> None:
    tab.goto("/konto/anmelden")
    tab.locator("#email").fill(email)
    tab.locator("#password").fill(PASSWORD)
    _submit(tab, "/konto/anmelden")


def test_two_factor_pages_have_no_axe_violations(page, live_app, account):  # noqa: F811
    email, language = account
    if language == "en":
        page.goto("/")
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
    _password_step(page, email)
    page.goto("/konto/zwei-faktor")
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    _submit(page, "/konto/zwei-faktor/einrichten")
    assert page.locator("img.totp-qr").count() == 1
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#setup-code").fill("000000")
    _submit(page, "/konto/zwei-faktor/bestaetigen")
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page)

    secret = _secret(live_app, email)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#setup-code").fill(pyotp.TOTP(secret).at(time.time() - 30))
    _submit(page, "/konto/zwei-faktor/bestaetigen")
    assert page.locator(".recovery-codes li").count() == 10
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/konto/zwei-faktor")
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    with page.expect_navigation():
        page.locator("form[action$='/konto/abmelden'] button").first.click()
    _password_step(page, email)
    assert page.url.endswith("/konto/anmelden/code")
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#code").fill("123456")
    _submit(page, "/konto/anmelden/code")
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    _submit(page, "/konto/anmelden/code")
    assert re.search(r"/konto/anmelden", page.url) is None
