"""WCAG 2.1 AA (axe-core, reflow at 320 px) for the netiquette reasons' administration and
the revise pages, with the demo data."""

import pytest
from sqlalchemy import select

from participation.extensions import db
from tests.e2e.test_accessibility import SLUG, assert_accessible, log_in, page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def guest_revise_token(live_app):
    """A guest's comment, rejected: the token of the link in the rejection mail."""
    from participation.accounts.models import User
    from participation.discussion import services as discussion
    from participation.moderation import services
    from participation.strategies.models import Strategy

    with live_app.test_request_context():
        strategy = db.session.scalar(select(Strategy).where(Strategy.slug == SLUG))
        version = max(strategy.versions, key=lambda v: v.number or 0)
        moderator = db.session.scalar(select(User).where(User.email == "moderation@example.org"))
        comment = discussion.post_comment(
            strategy,
            version.sections[0],
            author=None,
            guest=discussion.Guest(
                name="Gerd Gast", email="gerd@example.org", consent=True, verified=True
            ),
            body_md="Kauft bei Firma X! (Prüftext Barrierefreiheit)",
        )
        services.decide(
            comment,
            "reject",
            actor=moderator,
            expected_state=comment.state,
            reason="spam",
            note="Bitte keine Werbung.",
        )
        db.session.commit()
        return services.revise_token(comment)


@pytest.mark.parametrize(
    "path",
    [
        "/verwaltung/netiquette-gruende",
        "/verwaltung/netiquette-gruende/neu",
        "/verwaltung/netiquette-gruende/1",
    ],
)
def test_reason_pages_have_no_axe_violations(page, path):  # noqa: F811
    log_in(page, "admin@example.org")
    response = page.goto(path)
    assert response.status == 200
    assert_accessible(page)


def test_reason_form_with_errors_has_no_axe_violations(page):  # noqa: F811
    log_in(page, "admin@example.org")
    page.goto("/verwaltung/netiquette-gruende/neu")
    page.get_by_label("Schlüssel").fill("Kein gültiger Schlüssel")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator("#key-error").count() == 1
    assert page.locator("#label_de-error").count() == 1
    assert page.get_by_label("Schlüssel").input_value() == "Kein gültiger Schlüssel"
    assert_accessible(page)


def test_guest_revise_pages_have_no_axe_violations(page, guest_revise_token):  # noqa: F811
    response = page.goto(f"/beitraege/ueberarbeiten/{guest_revise_token}")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Ihren Beitrag überarbeiten"
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    response = page.goto("/beitraege/ueberarbeiten/kaputt")
    assert response.status == 400
    assert_accessible(page)
