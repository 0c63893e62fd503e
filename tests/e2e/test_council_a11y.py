"""The council paper with axe-core (WCAG 2.1 A/AA) and reflow at 320 px in German and
English, on the demo data: the "Beratung im Rat" block of the public overview, the editor's
form (as loaded, and refused with errors), and the OParl import with its preview (the OParl
server is the MockTransport of test_council_oparl). Nothing here saves anything."""

import pytest

from tests.e2e.test_accessibility import SLUG, assert_accessible
from tests.e2e.test_moderation_a11y import log_in, page  # noqa: F401 (the page fixture)
from tests.test_council_oparl import BASE, mock_transport

pytestmark = pytest.mark.browser

MODERATOR = "moderation@example.org"
FORM = f"/redaktion/{SLUG}/ratsvorlage"


def _submit(tab, selector: str) -> None:
    with tab.expect_navigation():
        tab.locator(selector).click()


def test_overview_block_has_no_axe_violations(page):  # noqa: F811
    response = page.goto(f"/strategien/{SLUG}")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == page.language
    block = page.locator("section.council-paper")
    assert block.locator("h2").inner_text() == (
        "Beratung im Rat" if page.language == "de" else "Consultation in the council"
    )
    assert block.locator("dl a.kern-link").inner_text() == "VO/2026/123"
    assert block.locator("table caption").count() == 1
    assert block.locator("tbody tr").count() == 2
    assert_accessible(page)


def test_council_paper_form_has_no_axe_violations(page):  # noqa: F811
    log_in(page, MODERATOR)
    response = page.goto(FORM)
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == page.language
    assert page.locator("fieldset.council-consultation").count() == 3
    assert page.locator("#consultations-0-committee").input_value().startswith("Ausschuss")
    assert page.locator("datalist#council-results option").count() >= 4
    assert_accessible(page)


def test_refused_council_paper_form_has_no_axe_violations(page):  # noqa: F811
    log_in(page, MODERATOR)
    page.goto(FORM)
    page.locator("#reference").fill("")
    page.locator("#url").fill("javascript:alert(1)")
    page.locator("#consultations-2-result").fill("vertagt")
    _submit(page, "main form.form-stack button[type=submit]:not([name])")
    assert page.locator("#error-summary").count() == 1
    assert page.locator("#reference-error").count() == 1
    assert page.locator("#consultations-2-committee-error").count() == 1
    # The input stays.
    assert page.locator("#url").input_value() == "javascript:alert(1)"
    assert_accessible(page)


def test_oparl_import_with_preview_has_no_axe_violations(page, live_app, monkeypatch):  # noqa: F811
    monkeypatch.setitem(live_app.config, "OPARL_TRANSPORT", mock_transport())
    log_in(page, MODERATOR)
    page.goto(f"{FORM}/oparl")
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#paper_url").fill(f"{BASE}/paper/404")
    _submit(page, "main form button[value=vorschau]")
    assert page.locator("#paper_url-error").count() == 1
    assert_accessible(page)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("#paper_url").fill(f"{BASE}/paper/749")
    _submit(page, "main form button[value=vorschau]")
    assert page.locator("#preview-heading").count() == 1
    assert page.locator("section table tbody tr").count() == 2
    assert page.locator("main form button[value=uebernehmen]").count() == 1
    assert_accessible(page)
