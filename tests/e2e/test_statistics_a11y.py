"""The statistics page (anonymous) and the council report (moderator) with axe-core
(WCAG 2.1 A/AA) and the reflow check, in German and English, on the demo data."""

import pytest

from tests.e2e.helpers import log_in, page_in
from tests.e2e.test_accessibility import SLUG, assert_accessible

pytestmark = pytest.mark.browser

MODERATOR = "moderation@example.org"


@pytest.fixture(params=["de", "en"])
def page(request, browser, live_server, live_database):
    yield from page_in(browser, live_server, request.param, timeout=20_000)


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
