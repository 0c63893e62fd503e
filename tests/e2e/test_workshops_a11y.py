"""WCAG 2.1 AA (axe-core, reflow at 320 px) for the analogue channel and workshops, in German
and English: the entry form (empty, with errors, preselected with a workshop), the office's
workshop list and form, the public workshops page and a workshop's page, and the thread that
shows a letter with its channel. Driven in Chromium on the demo data."""

import pytest
from sqlalchemy import select

from participation.extensions import db
from participation.workshops.models import Workshop
from tests.e2e.helpers import log_in, page_in
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

MODERATOR = "moderation@example.org"
SLUG = "digitalstrategie-2030"


@pytest.fixture(params=["de", "en"])
def page(request, browser, live_server, live_database):
    yield from page_in(browser, live_server, request.param)


def _wide(page):
    page.set_viewport_size({"width": 1280, "height": 800})


def _workshop_id(live_app) -> int:
    with live_app.app_context():
        return db.session.scalar(select(Workshop.id).order_by(Workshop.id))


def test_public_workshop_pages_are_accessible(page, live_app):
    page.goto(f"/strategien/{SLUG}/workshops")
    assert page.locator("main section.workshop").count() == 2
    assert_accessible(page)
    _wide(page)
    page.goto(f"/strategien/{SLUG}/workshops/{_workshop_id(live_app)}")
    assert page.locator(".workshop-results li").count() >= 2
    assert_accessible(page)
    _wide(page)
    # The letter of the demo, in the thread of its section, with its channel.
    page.goto(f"/strategien/{SLUG}/handlungsfeld-verwaltung-und-buergerservice")
    assert page.locator(".contribution__channel").count() >= 1
    assert_accessible(page)


def test_entry_form_and_workshop_admin_are_accessible(page, live_app):
    log_in(page, MODERATOR)
    page.goto("/moderation/eingang")
    assert_accessible(page)
    _wide(page)
    page.goto(f"/moderation/eingang/{SLUG}")
    assert page.locator("input[name=channel]").count() == 4
    assert_accessible(page)
    _wide(page)
    # Sent with the name but without the consent: the form explains what is missing.
    page.locator("#channel-0").check()
    page.locator("#kind-0").check()
    page.locator("#body_md").fill("Ein Brief zur Barrierefreiheit.")
    page.locator("#name").fill("Erika Muster")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator("#error-summary").count() == 1
    assert page.locator("#name").input_value() == "Erika Muster"
    assert_accessible(page)
    _wide(page)
    workshop_id = _workshop_id(live_app)
    page.goto(f"/moderation/eingang/{SLUG}?workshop={workshop_id}")
    assert page.locator("input[name=channel]").count() == 0
    assert_accessible(page)
    _wide(page)
    page.goto(f"/moderation/workshops/{SLUG}")
    assert page.locator("table").count() == 1
    assert_accessible(page)
    _wide(page)
    page.goto(f"/moderation/workshops/{SLUG}/neu")
    assert_accessible(page)
    _wide(page)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page)
    _wide(page)
    page.goto(f"/moderation/workshop/{workshop_id}")
    assert_accessible(page)
