"""The moderation's pages with axe-core (WCAG 2.1 A/AA) in German and English, as the demo
moderator (and the demo citizen for revising a rejected contribution), and the queue worked
with the keyboard alone: filter, publish one contribution, reject another with a reason."""

import re

import pytest
from sqlalchemy import func, select

from participation.extensions import db
from tests.e2e.helpers import log_in, page_in
from tests.e2e.test_accessibility import SLUG, assert_accessible

pytestmark = pytest.mark.browser

MODERATOR = "moderation@example.org"
CITIZEN = "buerger@example.org"


@pytest.fixture(params=["de", "en"])
def page(request, browser, live_server, live_database):
    yield from page_in(browser, live_server, request.param)


@pytest.fixture(scope="module")
def demo(live_app):
    """Ids of the demo's moderation work (see participation/demo_discussion.py), and two more
    contributions awaiting publication, so that the keyboard test always has two to decide
    on, whatever other tests on this live server decided before."""
    from participation.accounts.models import User
    from participation.discussion import services
    from participation.discussion.models import Contribution, ContributionKind, ModerationState
    from participation.moderation.merge import merge_candidates
    from participation.moderation.models import AnswerTemplate
    from participation.strategies.models import Strategy
    from participation.strategies.queries import latest_version

    with live_app.test_request_context():
        strategy = db.session.scalar(select(Strategy).where(Strategy.slug == SLUG))
        citizen = db.session.scalar(select(User).where(User.email == CITIZEN))
        section = latest_version(strategy).sections[0]
        for n in (1, 2):
            services.post_comment(
                strategy,
                section,
                author=None,
                guest=services.Guest(
                    name=f"Tastatur-Test {n}",
                    email=f"tastatur{n}@example.org",
                    consent=True,
                    verified=True,
                ),
                body_md=f"Ein Beitrag für die Prüfung mit der Tastatur ({n}).",
            )
        db.session.commit()

        def first(*conditions):
            return db.session.scalar(
                select(Contribution.id).where(*conditions).order_by(Contribution.id)
            )

        ideas = db.session.scalars(
            select(Contribution).where(
                Contribution.kind == ContributionKind.IDEA,
                Contribution.state == ModerationState.PUBLISHED,
                Contribution.merged_into_id.is_(None),
            )
        ).all()
        return {
            "pending": first(
                Contribution.state == ModerationState.PENDING,
                Contribution.kind == ContributionKind.IDEA,
            ),
            "reported": first(Contribution.report_count > 0),
            "published": first(
                Contribution.state == ModerationState.PUBLISHED,
                Contribution.kind == ContributionKind.COMMENT,
            ),
            "idea": next(idea.id for idea in ideas if merge_candidates(idea)),
            "rejected": first(
                Contribution.state == ModerationState.REJECTED,
                Contribution.author_id == citizen.id,
            ),
            "template": db.session.scalar(select(func.min(AnswerTemplate.id))),
        }


MODERATION_PAGES = {
    "queue": "/moderation/",
    "queue-filtered": "/moderation/?zustand=pending",
    "detail-pending": "/moderation/beitraege/{pending}",
    "detail-reported": "/moderation/beitraege/{reported}",
    "official-reply-form": "/moderation/beitraege/{published}?vorlage={template}",
    "status-and-merge-forms": "/moderation/beitraege/{idea}",
    "log-contribution": "/moderation/beitraege/{reported}/protokoll",
    "log-strategies": "/moderation/protokoll",
    "log-strategy": f"/moderation/protokoll?strategie={SLUG}",
    "log-strategy-filtered": f"/moderation/protokoll?strategie={SLUG}&aktion=comment.created",
    "reports": "/moderation/meldungen",
    "templates": "/moderation/vorlagen",
    "template-new": "/moderation/vorlagen/neu",
    "template-edit": "/moderation/vorlagen/{template}/bearbeiten",
    "template-delete": "/moderation/vorlagen/{template}/loeschen",
}


# What each page must show, so that the check runs on the part it is meant for.
SHOWS = {
    "queue": "main ol.queue-list article",
    "queue-filtered": "main ol.queue-list article",
    "detail-pending": "form.decision-form select[name=reason]",
    "detail-reported": "main .internal-notes form",
    "official-reply-form": "#official-reply-heading ~ form textarea",
    "status-and-merge-forms": ("form.status-form select[name=status]", "form #merge-original"),
    "log-contribution": "main table.event-log",
    "log-strategy": "main table.event-log",
    "reports": "main .report-list table",
    "templates": "main .template-list",
}


@pytest.mark.parametrize("name", MODERATION_PAGES)
def test_moderation_page_has_no_axe_violations(page, demo, name):
    log_in(page, MODERATOR)
    response = page.goto(MODERATION_PAGES[name].format(**demo))
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == page.language
    shows = SHOWS.get(name, ())
    for selector in (shows,) if isinstance(shows, str) else shows:
        assert page.locator(selector).count() >= 1, selector
    assert_accessible(page)


def test_official_reply_with_errors_has_no_axe_violations(page, demo):
    log_in(page, MODERATOR)
    page.goto(f"/moderation/beitraege/{demo['published']}")
    form = page.locator("form.contribution-form", has=page.locator("textarea"))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(".kern-error, [aria-invalid=true]").count() > 0
    assert_accessible(page)


def test_status_form_with_errors_has_no_axe_violations(page, demo):
    log_in(page, MODERATOR)
    page.goto(f"/moderation/beitraege/{demo['idea']}")
    form = page.locator("form.status-form")
    form.locator("select").select_option("not_adopted")
    form.locator("textarea").fill("")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(".kern-error, [aria-invalid=true]").count() > 0
    assert_accessible(page)


def test_template_form_with_errors_has_no_axe_violations(page):
    log_in(page, MODERATOR)
    page.goto("/moderation/vorlagen/neu")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".kern-error, [aria-invalid=true]").count() > 0
    assert_accessible(page)


def test_revise_page_of_a_rejected_contribution_has_no_axe_violations(page, demo):
    log_in(page, CITIZEN)
    response = page.goto(f"/beitraege/{demo['rejected']}/ueberarbeiten")
    assert response.status == 200
    assert page.locator("main textarea").count() == 1
    assert_accessible(page)


# --- the queue with the keyboard alone ---------------------------------------------------------

# Describes the focused element, where it is in document order relative to the previous one,
# and whether its focus is visible: an outline or a box shadow on it, or on the label or wrapper
# that shows the focus of a styled control.
FOCUS_PROBE = """
() => {
  const el = document.activeElement;
  const previous = window.__previousFocus;
  window.__previousFocus = el;
  let order = 'same';
  if (previous && previous !== el) {
    const following = previous.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING;
    order = following ? 'after' : 'before';
  }
  const shows = (node, pseudo) => {
    if (!node) return false;
    const style = getComputedStyle(node, pseudo);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return outline || (style.boxShadow && style.boxShadow !== 'none');
  };
  const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
  const visible = shows(el) || shows(el.parentElement)
    || shows(label) || shows(label, '::before') || shows(label, '::after');
  const article = el.closest('article');
  const heading = article && article.querySelector('h2, h3, h4');
  return {
    tag: el.tagName.toLowerCase(),
    type: el.type || '',
    name: (el.getAttribute('aria-label') || el.innerText || el.value || '').trim(),
    label: label ? label.innerText.trim() : '',
    item: heading ? heading.innerText.trim() : null,
    order: previous ? order : 'after',
    visible: visible,
  };
}
"""


class Keyboard:
    """Tab through the page and keep what was focused, in order."""

    def __init__(self, page):
        self.page = page
        self.stops: list[dict] = []

    def start(self):
        self.page.evaluate("() => { window.__previousFocus = null; }")
        self.page.locator("body").focus()

    def press(self, key: str) -> dict:
        self.page.keyboard.press(key)
        stop = self.page.evaluate(FOCUS_PROBE)
        stop["key"] = key
        self.stops.append(stop)
        return stop

    def tab_to(self, matches, limit: int = 400) -> dict:
        for _ in range(limit):
            stop = self.press("Tab")
            if matches(stop):
                return stop
        raise AssertionError(f"focus never reached the control; last stops: {self.stops[-5:]}")

    def check(self):
        """Tab moves forward in document order, Shift+Tab backward, other keys keep the
        focus where it is; the focus is visible at every stop."""
        expected = {"Tab": "after", "Shift+Tab": "before"}
        wrong = [s for s in self.stops if s["order"] != expected.get(s["key"], "same")]
        invisible = [s for s in self.stops if not s["visible"]]
        assert wrong == [], f"focus moved out of document order: {wrong}"
        assert invisible == [], f"focus not visible on: {invisible}"


def _item(number: int):
    return re.compile(rf"\b{number}\b")


def _status_text(page) -> str:
    """The announced confirmation: a role=status or role=alert region, or the focus on it."""
    regions = page.locator("[role=status], [role=alert]")
    texts = [regions.nth(i).inner_text() for i in range(regions.count())]
    focused = page.evaluate("document.activeElement && document.activeElement.innerText || ''")
    return "\n".join([*texts, focused])


def _pending_ids(live_app) -> list[int]:
    from participation.discussion.models import Contribution, ModerationState

    with live_app.app_context():
        return list(
            db.session.scalars(
                select(Contribution.id)
                .where(Contribution.state == ModerationState.PENDING)
                .order_by(Contribution.created_at, Contribution.id)
                .limit(2)
            )
        )


@pytest.mark.parametrize("page", ["de"], indirect=True)
def test_moderator_works_the_queue_with_the_keyboard_alone(page, demo, live_app):
    from participation.discussion.models import Contribution, ModerationState

    log_in(page, MODERATOR)
    page.goto("/moderation/")
    first, second = _pending_ids(live_app)
    keys = Keyboard(page)

    # Only what awaits publication: choose it in the filter and apply the filter.
    keys.start()
    keys.tab_to(lambda s: s["tag"] == "select" and s["label"].startswith("Wartet auf"))
    keys.press("ArrowDown")  # "Wartet auf Freigabe", the first choice after "alle"
    keys.tab_to(lambda s: s["type"] == "submit" and "Filter anwenden" in s["name"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "zustand=pending" in page.url
    keys.check()

    # The oldest item first: its link, its checkbox for the bulk form, then its decisions.
    keys = Keyboard(page)
    keys.start()
    link = keys.tab_to(lambda s: s["tag"] == "a" and s["item"] and _item(first).search(s["item"]))
    assert link["name"] == link["item"]
    in_item = [keys.press("Tab") for _ in range(4)]
    assert [(s["tag"], s["type"]) for s in in_item] == [
        ("input", "checkbox"),
        ("button", "submit"),
        ("select", "select-one"),
        ("button", "submit"),
    ], in_item
    assert all(_item(first).search(s["item"] or "") for s in in_item)
    assert in_item[1]["name"].startswith("Veröffentlichen")
    assert in_item[3]["name"].startswith("Ablehnen")
    keys.check()
    # Back to "Publish" and press it.
    keys.press("Shift+Tab")
    stop = keys.press("Shift+Tab")
    assert stop["name"].startswith("Veröffentlichen")
    assert _item(first).search(stop["item"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "zustand=pending" in page.url
    announced = _status_text(page)
    assert f"Beitrag {first}" in announced, announced
    assert "Veröffentlichen" in announced

    # The next one: reject it with a reason.
    keys = Keyboard(page)
    keys.start()
    reject = keys.tab_to(
        lambda s: s["name"].startswith("Ablehnen") and _item(second).search(s["item"] or "")
    )
    assert reject["tag"] == "button"
    reason = keys.press("Shift+Tab")
    assert reason["tag"] == "select"
    assert reason["label"].startswith("Grund für die Ablehnung")
    keys.press("ArrowDown")  # the first reason
    chosen = page.evaluate("document.activeElement.value")
    assert chosen
    assert keys.press("Tab")["name"].startswith("Ablehnen")
    keys.check()
    with page.expect_navigation():
        page.keyboard.press("Space")
    announced = _status_text(page)
    assert f"Beitrag {second}" in announced, announced
    assert "Ablehnen" in announced

    with live_app.app_context():
        published = db.session.get(Contribution, first)
        rejected = db.session.get(Contribution, second)
        assert published.state is ModerationState.PUBLISHED
        assert rejected.state is ModerationState.REJECTED
        assert rejected.rejection_reason == chosen
