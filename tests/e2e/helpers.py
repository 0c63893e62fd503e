"""What the browser tests share: the demo password, logging in, and a page in German or
English for the axe checks."""

import re

PASSWORD = "Beteiligung-Demo-2030"


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/konto/anmelden")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")
    page.wait_for_url(re.compile(r".*/(?!konto/anmelden).*"))


def page_in(browser, live_server: str, language: str, *, timeout: int = 10_000):
    """A fresh browser page in `language` (by its cookie), for a fixture to yield from.

    axe is injected as an inline script, which the app's CSP forbids: the context bypasses
    the CSP (the CSP itself is checked by the header tests)."""
    context = browser.new_context(base_url=live_server, locale="de-DE", bypass_csp=True)
    if language == "en":
        context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    page = context.new_page()
    page.set_default_timeout(timeout)
    page.language = language
    yield page
    context.close()


def confirmed_account(app, email: str, display_name: str) -> str:
    """An account with a confirmed address and the demo password in the live database, made
    once (tests that change their account get one of their own instead of a demo account)."""
    from sqlalchemy import select

    from participation.accounts.models import User
    from participation.accounts.passwords import hash_password
    from participation.database import utcnow
    from participation.extensions import db

    with app.app_context():
        if db.session.scalar(select(User).where(User.email == email)) is None:
            db.session.add(
                User(
                    email=email,
                    display_name=display_name,
                    password_hash=hash_password(PASSWORD),
                    email_confirmed_at=utcnow(),
                )
            )
            db.session.commit()
    return email
