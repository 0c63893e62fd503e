"""A newcomer reads the demo strategy in a real browser, with the keyboard, in both languages."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_newcomer_reads_the_strategy_section_by_section(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_role("link", name=re.compile("Digitalstrategie Musterstadt 2030")).first.click()
    page.wait_for_url("**/strategien/digitalstrategie-2030")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Digitalstrategie")

    toc_links = page.locator("main ol a[href^='/strategien/digitalstrategie-2030/']")
    assert toc_links.count() > 8
    toc_links.first.click()
    page.wait_for_url("**/strategien/digitalstrategie-2030/*")
    first_title = page.get_by_role("heading", level=1).inner_text()
    page.locator("a[rel=next]").first.click()
    assert page.get_by_role("heading", level=1).inner_text() != first_title
    page.locator("a[rel=prev]").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == first_title


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page):
    page.goto("/strategien/digitalstrategie-2030")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_switching_to_english_is_remembered(page):
    page.goto("/strategien/digitalstrategie-2030")
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Skip to main content").count() == 1
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Deutsch").click()
    assert page.locator("html").get_attribute("lang") == "de"


def test_pages_load_nothing_from_other_hosts(page, live_server):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    for path in ("/", "/strategien/digitalstrategie-2030", "/konto/anmelden", "/impressum"):
        page.goto(path)
    assert requested
    assert all(url.startswith(live_server) for url in requested), requested
