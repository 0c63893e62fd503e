"""The consolidation's pages with axe-core (WCAG 2.1 A/AA) in German and English: the
committee's rating page (with its radio groups, and refused with errors) and its list, the
office's table with the chart and an idea's evaluation with the selection form (the demo's
closed participation), and a public idea page showing its selection; and a rating given
with the keyboard alone."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from participation.extensions import db
from tests.e2e.test_accessibility import assert_accessible, check_page
from tests.e2e.test_moderation_a11y import log_in, page  # noqa: F401 (the page fixture)

pytestmark = pytest.mark.browser

MODERATOR = "moderation@example.org"
MEMBER = "gremium@example.org"


@pytest.fixture(scope="module")
def demo(live_app):
    """The demo's closed participation (participation/consolidation/demo.py) and one of its
    own whose rating round is open, so that the rating form is there to check."""
    from participation.accounts.models import User
    from participation.consolidation import services
    from participation.consolidation.demo import SLUG
    from participation.database import utcnow
    from participation.discussion import services as discussion
    from participation.moderation import services as moderation
    from participation.strategies import services as strategies
    from participation.strategies.models import ModerationMode, Strategy

    with live_app.test_request_context():
        strategy = db.session.scalar(select(Strategy).where(Strategy.slug == SLUG))
        selected = services.selections_for(strategy)[0].contribution_id
        moderator = db.session.scalar(select(User).where(User.email == MODERATOR))
        now = utcnow()
        open_round = strategies.create_strategy(
            actor=moderator,
            title="Bewertung offen",
            slug="bewertung-offen",
            summary="Eine abgeschlossene Beteiligung, deren Bewertungsrunde läuft.",
            opens_at=now - timedelta(days=30),
            closes_at=now - timedelta(days=1),
            moderation_mode=ModerationMode.PRE,
            review_hours="",
        )
        strategies.import_document(open_round, "# Leitbild\n\nText.\n", actor=moderator)
        strategies.publish(open_round, actor=moderator, change_note="Entwurf.")
        ideas = []
        for title in ("Digitale Bürgersprechstunde", "Sitzungen im Livestream"):
            idea = discussion.post_idea(
                open_round,
                author=None,
                guest=discussion.Guest("Tastatur-Test", "tastatur-ko@example.org", True, True),
                title=title,
                body_md=f"{title}, bitte.",
                now=now - timedelta(days=10),
            )
            moderation.decide(idea, "publish", actor=moderator, expected_state=idea.state)
            ideas.append(idea.id)
        db.session.commit()
        return {
            "slug": SLUG,
            "selected": selected,
            "open_slug": open_round.slug,
            "to_rate": ideas[0],
            "keyboard": ideas[1],
        }


MEMBER_PAGES = {
    "overview": "/konsolidierung/",
    "rate-list": "/konsolidierung/{open_slug}/bewerten",
    "rate-form": "/konsolidierung/{open_slug}/bewerten/{to_rate}",
    "rate-closed-round": "/konsolidierung/{slug}/bewerten/{selected}",
}
OFFICE_PAGES = {
    "evaluation": "/konsolidierung/{slug}/auswertung",
    "evaluation-sorted": "/konsolidierung/{slug}/auswertung?sortierung=relevanz&richtung=ab",
    "evaluation-idea": "/konsolidierung/{slug}/auswertung/{selected}",
}
SHOWS = {
    "rate-list": "main #fortschritt",
    "rate-form": ("main fieldset legend", "main input[type=radio][name=relevance]"),
    "rate-closed-round": "main #andere-bewertungen dl",
    "evaluation": ("main svg[role=img] title", "main table#auswertung-tabelle th[aria-sort]"),
    "evaluation-sorted": "main table#auswertung-tabelle th[aria-sort=descending]",
    "evaluation-idea": "main input[type=radio][name=kind]",
}


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_committee_page_has_no_axe_violations(page, demo, name):  # noqa: F811
    log_in(page, MEMBER)
    check_page(page, MEMBER_PAGES[name].format(**demo), SHOWS.get(name, ()))


@pytest.mark.parametrize("name", OFFICE_PAGES)
def test_office_page_has_no_axe_violations(page, demo, name):  # noqa: F811
    log_in(page, MODERATOR)
    check_page(page, OFFICE_PAGES[name].format(**demo), SHOWS.get(name, ()))


def test_public_idea_page_with_a_selection_has_no_axe_violations(page, demo):  # noqa: F811
    page.goto(f"/strategien/{demo['slug']}/ideen/{demo['selected']}")
    assert page.locator("main .kern-badge").count() >= 1
    trail = page.locator("#bearbeitungsstand")
    assert trail.get_by_text("Leitprojekt" if page.language == "de" else "Lead project").count()
    assert_accessible(page)


def test_rating_refused_with_errors_has_no_axe_violations(page, demo):  # noqa: F811
    log_in(page, MEMBER)
    page.goto(f"/konsolidierung/{demo['open_slug']}/bewerten/{demo['to_rate']}")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("main .kern-error").count() == 2
    assert page.locator("#error-summary").count() == 1
    assert_accessible(page)


def test_a_rating_with_the_keyboard_alone(page, demo):  # noqa: F811
    if page.language != "de":
        pytest.skip("the keyboard walk runs once")
    log_in(page, MEMBER)
    page.goto(f"/konsolidierung/{demo['open_slug']}/bewerten/{demo['keyboard']}")
    page.locator("input[name=relevance]").first.focus()
    # In a radio group the arrow keys move the choice: 1 → 4.
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # to the feasibility group (its first radio)
    page.keyboard.press("ArrowDown")  # 2
    page.keyboard.press("Tab")  # the comment
    page.keyboard.type("Mit der Tastatur bewertet.")
    page.keyboard.press("Tab")  # the button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Ihre Bewertung wurde gespeichert." in page.locator("main").inner_text()
    assert page.locator("input[name=relevance][value='4']").is_checked()
    assert page.locator("input[name=feasibility][value='2']").is_checked()
