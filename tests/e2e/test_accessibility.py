"""Automated WCAG 2.1 AA checks: axe-core (from node_modules) in Chromium on every page type,
with the demo data, anonymous and as an administrator."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from participation.extensions import db
from tests.e2e.helpers import PASSWORD, log_in  # noqa: F401  (shared with other modules)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SLUG = "digitalstrategie-2030"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def page(browser, live_server, live_database):
    """Like the shared `page`, but axe is injected as an inline script, which the app's CSP
    forbids: only this module bypasses the CSP."""
    context = browser.new_context(base_url=live_server, locale="de-DE", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def discussion(live_app):
    """A section with a published discussion: a comment on its first paragraph with a reply,
    and a comment on the whole section. The demo data has no contributions, and the other
    browser tests use the first section, so this takes the last one with two paragraphs."""
    from participation.accounts.models import User
    from participation.discussion import services
    from participation.discussion.models import ModerationState
    from participation.strategies.models import Strategy

    with live_app.test_request_context():
        strategy = db.session.scalar(select(Strategy).where(Strategy.slug == SLUG))
        version = max(strategy.versions, key=lambda v: v.number or 0)
        section = [s for s in version.sections if len(s.anchors) >= 2][-1]
        citizen = db.session.scalar(select(User).where(User.email == "buerger@example.org"))
        moderator = db.session.scalar(select(User).where(User.email == "moderation@example.org"))

        def publish(contribution):
            services.change_state(
                contribution, ModerationState.PUBLISHED, actor=moderator, action="test.approve"
            )
            return contribution

        comment = publish(
            services.post_comment(
                strategy,
                section,
                author=citizen,
                body_md="Gibt es die Ladesäulen auch für Lastenräder? (Prüftext Barrierefreiheit)",
                paragraph_anchor=section.anchors[0],
            )
        )
        publish(
            services.post_reply(
                comment, author=moderator, body_md="Danke, das nehmen wir in Kapitel 3 auf."
            )
        )
        publish(
            services.post_comment(
                strategy, section, author=citizen, body_md="Der Abschnitt ist gut verständlich."
            )
        )
        db.session.commit()
        return {"section": section.key, "anchor": section.anchors[0], "comment": comment.id}


def violations(page):
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm install)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(result => result.violations)",
        TAGS,
    )
    return found


def describe(found):
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - {json.dumps(node['target'])}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def check_page(tab, url, shows=()):
    """Open `url` (200, in the tab's language), check that each selector in `shows` (one or
    a tuple) finds something, then run axe and the reflow check."""
    response = tab.goto(url)
    assert response.status == 200
    assert tab.locator("html").get_attribute("lang") == tab.language
    for selector in (shows,) if isinstance(shows, str) else shows:
        assert tab.locator(selector).count() >= 1, selector
    assert_accessible(tab)


def assert_accessible(page):
    found = violations(page)
    assert not found, f"axe violations on {page.url}:\n{describe(found)}"
    # Reflow (WCAG 1.4.10), which axe does not check: at 320 CSS pixels nothing but a wide
    # table (inside its own scroller) may make the page scroll sideways.
    page.set_viewport_size({"width": 320, "height": 640})
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways at 320 px: {widths}"


PUBLIC_PAGES = {
    "start": "/",
    "strategy": f"/strategien/{SLUG}",
    "section": f"/strategien/{SLUG}/{{section}}",
    "section-paragraph": f"/strategien/{SLUG}/{{section}}?absatz={{anchor}}",
    "section-marked": f"/strategien/{SLUG}/{{section}}?markiert={{comment}}#beitrag-{{comment}}",
    "full-discussion": f"/strategien/{SLUG}/{{section}}/diskussion",
    "ideas": f"/strategien/{SLUG}/ideen",
    "new-idea": f"/strategien/{SLUG}/ideen/neu",
    "versions": f"/strategien/{SLUG}/versionen",
    "compare": f"/strategien/{SLUG}/vergleich",
    "login": "/konto/anmelden",
    "register": "/konto/registrieren",
    "legal": "/impressum",
    "not-found": "/diese-seite-gibt-es-nicht",
}

ADMIN_PAGES = {
    "editorial-index": "/redaktion/",
    "draft-tree": f"/redaktion/{SLUG}/",
    "import": f"/redaktion/{SLUG}/import",
    "admin-users": "/verwaltung/benutzer",
}


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_page_has_no_axe_violations(page, discussion, path):
    response = page.goto(path.format(**discussion))
    assert response.status == (404 if path.endswith("nicht") else 200)
    if "markiert" in path:
        assert page.locator(".contribution--marked").count() == 1
    assert_accessible(page)


def test_form_with_validation_errors_has_no_axe_violations(page):
    page.goto("/konto/registrieren")
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").last.click()
    assert page.locator(".kern-error, [aria-invalid=true]").count() > 0
    assert_accessible(page)


def test_english_page_has_no_axe_violations(page, discussion):
    page.goto(f"/strategien/{SLUG}/{discussion['section']}")
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)


@pytest.mark.parametrize("path", ADMIN_PAGES.values(), ids=ADMIN_PAGES.keys())
def test_admin_page_has_no_axe_violations(page, path):
    log_in(page, "admin@example.org")
    response = page.goto(path)
    assert response.status == 200
    assert_accessible(page)
