"""The public roadmap (timeline and list, filtered), a project page, the office's project
list and its edit form (also with an error) with axe-core (WCAG 2.1 A/AA) and the reflow
check at 320 px, in German and English, on the demo's roadmap; and the view switch and the
filters work without JavaScript."""

import pytest
from sqlalchemy import select

from participation.extensions import db
from tests.e2e.test_accessibility import SLUG, assert_accessible, check_page
from tests.e2e.test_moderation_a11y import log_in, page  # noqa: F401 (the page fixture)

pytestmark = pytest.mark.browser

MODERATOR = "moderation@example.org"


@pytest.fixture(scope="module")
def demo(live_app):
    """The demo's roadmap (participation/demo_roadmap.py)."""
    from participation.roadmap.models import RoadmapProject

    with live_app.app_context():
        project = db.session.scalars(
            select(RoadmapProject).where(RoadmapProject.title == "Mobilitätsplattform Musterstadt")
        ).one()
        return {"project": project.id, "department": project.department_id}


PUBLIC_PAGES = {
    "timeline": f"/strategien/{SLUG}/roadmap",
    "list": f"/strategien/{SLUG}/roadmap?ansicht=liste",
    "filtered": f"/strategien/{SLUG}/roadmap?ansicht=liste&amt={{department}}",
    "project": f"/strategien/{SLUG}/roadmap/{{project}}",
}
OFFICE_PAGES = {
    "office-list": f"/moderation/roadmap/{SLUG}",
    "edit-form": "/moderation/roadmap/projekte/{project}",
    "new-form": f"/moderation/roadmap/{SLUG}/neu",
}
SHOWS = {
    "timeline": "main ol.roadmap-timeline > li h3",
    "list": "main table.roadmap-table th[scope=row]",
    "filtered": "main table.roadmap-table th[scope=row]",
    "project": "main #history-heading",
    "office-list": "main table.roadmap-table",
    "edit-form": "form.roadmap-form input[name=title]",
    "new-form": "form.roadmap-form input[name=title]",
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_roadmap_page_has_no_axe_violations(page, demo, name):  # noqa: F811
    check_page(page, PUBLIC_PAGES[name].format(**demo), SHOWS[name])


@pytest.mark.parametrize("name", OFFICE_PAGES)
def test_office_roadmap_page_has_no_axe_violations(page, demo, name):  # noqa: F811
    log_in(page, MODERATOR)
    check_page(page, OFFICE_PAGES[name].format(**demo), SHOWS[name])


def test_edit_form_with_an_error_has_no_axe_violations(page, demo):  # noqa: F811
    log_in(page, MODERATOR)
    page.goto(f"/moderation/roadmap/projekte/{demo['project']}")
    page.locator("#end_year").fill("1990")
    with page.expect_navigation():
        page.locator("form.roadmap-form button[type=submit]").click()
    assert page.locator("#error-summary").count() == 1
    assert page.locator("#end_year").get_attribute("aria-invalid") == "true"
    assert page.locator("#end_year").input_value() == "1990"
    assert_accessible(page)


def test_filters_and_views_work_without_javascript(browser, live_server, demo):
    context = browser.new_context(base_url=live_server, locale="de-DE", java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto(f"/strategien/{SLUG}/roadmap")
        tab.get_by_label("Fachamt").select_option(str(demo["department"]))
        with tab.expect_navigation():
            tab.get_by_role("button", name="Projekte anzeigen").click()
        assert f"amt={demo['department']}" in tab.url
        assert tab.locator("main").get_by_text("Mobilitätsplattform Musterstadt").count() == 1
        assert tab.locator("main").get_by_text("Online-Terminbuchung").count() == 0
        with tab.expect_navigation():
            tab.get_by_role("link", name="Liste", exact=True).click()
        assert "ansicht=liste" in tab.url
        assert f"amt={demo['department']}" in tab.url
        assert tab.locator("main table.roadmap-table tbody tr").count() == 1
    finally:
        context.close()
