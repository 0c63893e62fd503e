"""Commenting on one paragraph of the demo strategy with the keyboard alone."""

import re

import pytest

from tests.e2e.helpers import log_in

pytestmark = pytest.mark.browser


def first_section_with_paragraphs(page):
    page.goto("/strategien/digitalstrategie-2030")
    for href in page.locator("main ol.toc a").evaluate_all("els => els.map(e => e.href)"):
        page.goto(href)
        if page.locator(".paragraph-tools__link").count() >= 2:
            return href
    raise AssertionError("no section with two paragraphs in the demo")


def tab_to(page, predicate_js, limit=200):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return {predicate_js}; }})()"
        ):
            return
    raise AssertionError("focus never reached the element")


def test_citizen_comments_on_a_paragraph_with_the_keyboard(page):
    log_in(page, "buerger@example.org")
    first_section_with_paragraphs(page)
    page.locator("body").focus()
    tab_to(
        page, "el.classList.contains('paragraph-tools__link') && /Absatz 2/.test(el.textContent)"
    )
    assert "Absatz 2 kommentieren" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*\?absatz=p-[0-9a-f]+#diskussion$"))
    assert page.get_by_role("heading", name=re.compile("Ihr Kommentar zu Absatz 2")).is_visible()

    tab_to(page, "el.id === 'body_md'")
    page.keyboard.type("Bitte auch an ältere Menschen denken, die kein Smartphone haben.")
    tab_to(page, "el.type === 'submit' && /Kommentar senden/.test(el.textContent)")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*markiert=\d+#beitrag-\d+$"))

    flash = page.locator(".flashes")
    assert "nach Prüfung veröffentlicht" in flash.inner_text()
    marked = page.locator(".contribution--marked")
    assert "ältere Menschen" in marked.inner_text()
    assert "wartet auf Freigabe" in marked.inner_text()
    assert "zu Absatz 2" in marked.inner_text()
    # The honeypot is never reached with the keyboard.
    assert page.locator("#website").get_attribute("tabindex") == "-1"
