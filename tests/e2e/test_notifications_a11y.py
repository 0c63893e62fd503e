"""WCAG 2.1 AA (axe-core, reflow at 320 px) for the notification pages: settings, following
as a guest and with an account, the links from the mails; with the demo data."""

import pytest
from sqlalchemy import select

from participation.extensions import db
from tests.e2e.test_accessibility import SLUG, assert_accessible, log_in, page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def links(live_app):
    """A published thread of the demo, and the tokens of the links in notification mails."""
    from participation.accounts import tokens
    from participation.accounts.models import User
    from participation.discussion.models import Contribution, ModerationState
    from participation.notifications import services
    from participation.notifications.models import Kind
    from participation.strategies.models import Strategy

    with live_app.test_request_context():
        strategy = db.session.scalar(select(Strategy).where(Strategy.slug == SLUG))
        thread = db.session.scalars(
            select(Contribution)
            .where(
                Contribution.strategy_id == strategy.id,
                Contribution.parent_id.is_(None),
                Contribution.state == ModerationState.PUBLISHED,
            )
            .order_by(Contribution.id)
        ).first()
        citizen = db.session.scalar(select(User).where(User.email == "buerger@example.org"))
        follow = services.request_guest_follow(
            "gast-a11y@example.org", services.thread_target(thread), locale="de", consent=True
        )
        db.session.commit()
        return {
            "thread": thread.id,
            "confirm": tokens.make_token(
                services.FOLLOW_CONFIRM, {"f": follow.id, "e": tokens.fingerprint(follow.email)}
            ),
            "unfollow": tokens.make_token(services.UNFOLLOW, {"f": follow.id}),
            "unsubscribe": services.unsubscribe_token(
                services.user_recipient(citizen), Kind.REPLIES_TO_ME
            ),
        }


def test_settings_page_has_no_axe_violations(page):  # noqa: F811
    log_in(page, "buerger@example.org")
    response = page.goto("/konto/benachrichtigungen")
    assert response.status == 200
    # Every group of radio buttons is a fieldset with its legend.
    assert page.locator("fieldset legend").count() == 4
    assert_accessible(page)


def test_moderator_settings_and_follow_button_have_no_axe_violations(page, links):  # noqa: F811
    log_in(page, "moderation@example.org")
    page.goto("/konto/benachrichtigungen")
    assert page.locator("fieldset legend").count() == 5
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    response = page.goto(f"/beitraege/{links['thread']}/folgen")
    assert response.status == 200
    assert_accessible(page)


def test_guest_follow_page_with_errors_has_no_axe_violations(page, links):  # noqa: F811
    page.goto(f"/beitraege/{links['thread']}/folgen")
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("E-Mail-Adresse").fill("gast@example.org")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page)


@pytest.mark.parametrize("link", ["confirm", "unfollow", "unsubscribe"])
def test_pages_of_mail_links_have_no_axe_violations(page, links, link):  # noqa: F811
    path = {
        "confirm": "/benachrichtigungen/folgen-bestaetigen/{}",
        "unfollow": "/benachrichtigungen/nicht-mehr-folgen/{}",
        "unsubscribe": "/benachrichtigungen/abbestellen/{}",
    }[link].format(links[link])
    response = page.goto(path)
    assert response.status == 200
    assert page.locator("main form button[type=submit]").count() == 1
    assert_accessible(page)
