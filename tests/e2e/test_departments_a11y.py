"""The department inbox, an item with its forms, the office's overview of forwardings, the
forwardings on the moderation detail page and the department administration, with axe-core
(WCAG 2.1 A/AA) in German and English on the demo data; and a statement given with the
keyboard alone."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from participation.extensions import db
from tests.e2e.test_accessibility import SLUG, assert_accessible, check_page
from tests.e2e.test_moderation_a11y import log_in, page  # noqa: F401 (the page fixture)

pytestmark = pytest.mark.browser

MODERATOR = "moderation@example.org"
MEMBER = "fachamt@example.org"
ADMIN = "admin@example.org"


@pytest.fixture(scope="module")
def demo(live_app):
    """The demo's forwardings (participation/demo_discussion.py)."""
    from participation.accounts.models import User
    from participation.departments.models import Forwarding, ForwardingState

    with live_app.app_context():
        member = db.session.scalar(select(User).where(User.email == MEMBER))
        own = db.session.scalars(
            select(Forwarding)
            .where(Forwarding.department_id == member.department_id)
            .order_by(Forwarding.id)
        ).all()
        answered = next(f for f in own if f.state is ForwardingState.ANSWERED)
        opened = next(f for f in own if f.state is ForwardingState.OPEN)
        return {
            "answered": answered.id,
            "open": opened.id,
            "contribution": answered.contribution_id,
            "department": member.department_id,
        }


@pytest.fixture
def fresh_forwarding(live_app, request):
    """An open forwarding of its own for a test that answers it, so that the demo's stay."""
    from participation.accounts.models import Department, User
    from participation.departments import services
    from participation.discussion import services as discussion
    from participation.moderation import services as moderation
    from participation.strategies.models import Strategy
    from participation.strategies.queries import latest_version

    with live_app.test_request_context():
        member = db.session.scalar(select(User).where(User.email == MEMBER))
        moderator = db.session.scalar(select(User).where(User.email == MODERATOR))
        strategy = db.session.scalar(select(Strategy).where(Strategy.slug == SLUG))
        comment = discussion.post_comment(
            strategy,
            latest_version(strategy).sections[0],
            author=None,
            guest=discussion.Guest("Tastatur-Test", "tastatur-fa@example.org", True, True),
            body_md=f"Ein Beitrag für die Stellungnahme mit der Tastatur ({request.node.name}).",
        )
        moderation.decide(comment, "publish", actor=moderator, expected_state=comment.state)
        (forwarding,) = services.forward(
            comment,
            [db.session.get(Department, member.department_id)],
            actor=moderator,
            note="Bitte mit der Tastatur beantworten.",
            due_on=services.local_today() + timedelta(days=5),
        )
        db.session.commit()
        return forwarding.id


MEMBER_PAGES = {
    "inbox": "/fachamt/",
    "inbox-answered": "/fachamt/?ansicht=beantwortet",
    "inbox-overdue": "/fachamt/?ansicht=ueberfaellig",
    "item-open": "/fachamt/{open}",
    "item-answered": "/fachamt/{answered}",
}
OFFICE_PAGES = {
    "overview": "/moderation/weiterleitungen",
    "overview-answered": "/moderation/weiterleitungen?ansicht=beantwortet",
    "detail-with-statement": "/moderation/beitraege/{contribution}",
}
SHOWS = {
    "inbox": "main table.forwarding-table",
    "inbox-answered": "main table.forwarding-table",
    "item-open": "form textarea[name=statement]",
    "item-answered": "main .forwarding-statement",
    "overview": "main table.forwarding-table",
    "detail-with-statement": ("main .forwarding-card .forwarding-statement", "form.forward-form"),
}


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_department_page_has_no_axe_violations(page, demo, name):  # noqa: F811
    log_in(page, MEMBER)
    check_page(page, MEMBER_PAGES[name].format(**demo), SHOWS.get(name, ()))


@pytest.mark.parametrize("name", OFFICE_PAGES)
def test_office_page_has_no_axe_violations(page, demo, name):  # noqa: F811
    log_in(page, MODERATOR)
    check_page(page, OFFICE_PAGES[name].format(**demo), SHOWS.get(name, ()))


def test_department_administration_has_no_axe_violations(page, demo):  # noqa: F811
    log_in(page, ADMIN)
    check_page(page, f"/verwaltung/fachaemter/{demo['department']}", SHOWS.get("admin", ()))
    assert page.locator("main table caption").count() >= 1


def test_forward_form_with_errors_has_no_axe_violations(page, demo):  # noqa: F811
    log_in(page, MODERATOR)
    page.goto(f"/moderation/beitraege/{demo['contribution']}")
    form = page.locator("form.forward-form")
    form.locator("input[type=date]").fill("2000-01-01")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(".kern-error, [aria-invalid=true]").count() > 0
    assert_accessible(page)


def test_a_statement_with_the_keyboard_alone(page, fresh_forwarding):  # noqa: F811
    log_in(page, MEMBER)
    page.goto(f"/fachamt/{fresh_forwarding}")
    # Empty first: the errors are announced and the form is accessible with them.
    page.locator("form textarea[name=statement]").focus()
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".kern-error").count() >= 1
    assert_accessible(page)
    # Arrow keys move within the radio group; typing and Enter on the button send it.
    page.locator("input[name=recommendation]").first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("Mit der Tastatur geschrieben.")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".forwarding-statement").inner_text().strip() == (
        "Mit der Tastatur geschrieben."
    )
