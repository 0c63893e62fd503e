"""The statistics page (anonymous) and the council report (moderator) with axe-core
(WCAG 2.1 A/AA) and the reflow check, in German and English, on the demo data."""

import pytest

from tests.e2e.test_accessibility import SLUG, assert_accessible
from tests.e2e.test_outbox_a11y import log_in

pytestmark = pytest.mark.browser

MODERATOR = "moderation@example.org"


@pytest.fixture(params=["de", "en"])
def page(request, browser, live_server, live_database):
    """axe is injected as an inline script, which the app's CSP forbids: this context
    bypasses the CSP (as in test_accessibility). The language comes from its cookie."""
    context = browser.new_context(base_url=live_server, locale="de-DE", bypass_csp=True)
    if request.param == "en":
        context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.language = request.param
    yield page
    context.close()


def test_statistics_page_is_accessible(page):
    page.goto(f"/strategien/{SLUG}/statistik")
    assert page.locator("html").get_attribute("lang") == page.language
    charts = page.locator('svg[role="img"]')
    assert charts.count() >= 4
    # Text in the charts stays text (svg.fonttype none), and every chart has its table.
    assert page.locator('svg[role="img"] text').count() > 10
    assert page.locator("table caption").count() == page.locator("section.stat-panel").count()
    assert_accessible(page)


def test_council_report_page_is_accessible(page):
    log_in(page, MODERATOR)
    page.goto(f"/strategien/{SLUG}/bericht")
    # The report is German whatever the interface language.
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("h1").first.inner_text().startswith("Beteiligungsbericht")
    assert_accessible(page)
