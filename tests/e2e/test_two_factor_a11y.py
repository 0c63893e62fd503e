"""WCAG 2.1 AA (axe-core, reflow at 320 px) for two-factor login: setup with the key and QR
code, a wrong code, the recovery codes, the settings once switched on, the second login step
with an error; driven in Chromium like a person with an authenticator app."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from participation.extensions import db
from tests.e2e.test_accessibility import PASSWORD, assert_accessible, log_in, page  # noqa: F401

pytestmark = pytest.mark.browser

EMAIL = "zwei-faktor-a11y@example.org"


@pytest.fixture(scope="module")
def account(live_app):
    """An account of its own, so that the demo accounts other tests log in with keep logging
    in with the password alone."""
    from participation.accounts.models import User
    from participation.accounts.passwords import hash_password
    from participation.database import utcnow

    with live_app.app_context():
        if db.session.scalar(select(User).where(User.email == EMAIL)) is None:
            db.session.add(
                User(
                    email=EMAIL,
                    display_name="Zweifaktor",
                    password_hash=hash_password(PASSWORD),
                    email_confirmed_at=utcnow(),
                )
            )
            db.session.commit()
    return EMAIL


def _secret(live_app) -> str:
    from participation.accounts.models import User

    with live_app.app_context():
        return db.session.scalar(select(User.totp_secret).where(User.email == EMAIL))


def test_two_factor_pages_have_no_axe_violations(page, live_app, account):  # noqa: F811
    log_in(page, account)
    page.goto("/konto/zwei-faktor")
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    with page.expect_navigation():
        page.get_by_role("button", name="Einrichtung starten").click()
    assert page.locator("img.totp-qr").count() == 1
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Code").fill("000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page)

    secret = _secret(live_app)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() - 30))
    with page.expect_navigation():
        page.get_by_role("button", name="Zwei-Faktor-Anmeldung einschalten").click()
    assert page.locator(".recovery-codes li").count() == 10
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/konto/zwei-faktor")
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    with page.expect_navigation():
        page.locator(
            "header form[action$='/konto/abmelden'] button, form[action$='/konto/abmelden'] button"
        ).first.click()
    page.goto("/konto/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(account)
    page.get_by_label("Passwort").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_label("Passwort").press("Enter")
    assert page.url.endswith("/konto/anmelden/code")
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Code").fill("123456")
    with page.expect_navigation():
        page.get_by_label("Code").press("Enter")
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_label("Code").press("Enter")
    assert re.search(r"/konto/anmelden", page.url) is None
