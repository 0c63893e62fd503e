"""The administrators' outbox page with axe-core (WCAG 2.1 A/AA) in German and English, with
a waiting and a given-up message, and a retry done with the keyboard alone."""

import pytest
from sqlalchemy import select, update

from participation.database import utcnow
from participation.extensions import db
from participation.mail import queue_mail
from participation.outbox.models import OutboxMessage
from tests.e2e.helpers import log_in, page_in
from tests.e2e.test_accessibility import assert_accessible
from tests.smtp import _free_port

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"


@pytest.fixture(params=["de", "en"])
def page(request, browser, live_server, live_database):
    yield from page_in(browser, live_server, request.param)


@pytest.fixture
def undelivered(live_app, monkeypatch):
    """One message waiting after a failed attempt and one given up, written while the mail
    server could not be reached; the server is back for the test itself."""
    port = live_app.config["MAIL_PORT"]
    monkeypatch.setitem(live_app.config, "MAIL_PORT", _free_port())
    with live_app.test_request_context():
        waiting = queue_mail("wartet@example.org", "Wartet", "password_changed", user=None)
        given_up = queue_mail("aufgegeben@example.org", "Weg", "password_changed", user=None)
        db.session.commit()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == given_up.id)
            .values(failed_at=utcnow(), attempts=20)
        )
        db.session.commit()
        ids = waiting.id, given_up.id
    monkeypatch.setitem(live_app.config, "MAIL_PORT", port)
    return ids


def test_outbox_pages_are_accessible_and_retry_works_by_keyboard(
    page, live_app, undelivered, mailbox
):
    _waiting_id, given_up_id = undelivered
    log_in(page, ADMIN)
    page.goto("/verwaltung/e-mails")
    assert page.locator("table").count() == 1
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/verwaltung/e-mails?state=failed")
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/verwaltung/e-mails?state=sent")
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/verwaltung/e-mails?state=failed")
    button = page.locator(f'form[action$="/e-mails/{given_up_id}/erneut-senden"] button')
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".kern-alert--success").count() == 1
    mailbox.last_to("aufgegeben@example.org")
    with live_app.app_context():
        sent_at = db.session.scalar(
            select(OutboxMessage.sent_at).where(OutboxMessage.id == given_up_id)
        )
    assert sent_at is not None
