"""A citizen logs in, comments on a paragraph and replies to a comment with the keyboard
alone (Tab, Shift+Tab, Enter, Space and typing), and every element the focus lands on shows
it. Then the same flow with JavaScript switched off in the browser."""

import re

import pytest
from sqlalchemy import select

from participation.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "Beteiligung-Demo-2030"
SLUG = "digitalstrategie-2030"

# What the focused element looks like, and whether its focus is visible: an outline or a box
# shadow of its own (KERN and app.css draw focus with `outline` on :focus-visible).
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    return {visible: false, what: "nothing focused", id: "", text: "", href: "", type: ""};
  }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none" && style.boxShadow !== "";
  return {
    visible: outline || shadow,
    what: `${el.tagName.toLowerCase()}#${el.id} "${(el.textContent || "").trim().slice(0, 50)}"`,
    id: el.id,
    text: (el.textContent || el.value || "").trim(),
    href: el.getAttribute("href") || "",
    type: el.getAttribute("type") || "",
    tag: el.tagName.toLowerCase(),
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUS)


def press(page, key: str) -> dict:
    """Press `key` and check that the element it moves the focus to shows its focus."""
    page.keyboard.press(key)
    now = focused(page)
    assert now["visible"], f"focus not visible after {key} on {now['what']}"
    return now


def tab_to(page, wanted, limit: int = 250, key: str = "Tab") -> dict:
    """Tab (or Shift+Tab) until `wanted(focused element)`; every stop on the way must show
    its focus, not only the last one."""
    for _ in range(limit):
        now = press(page, key)
        if wanted(now):
            return now
    raise AssertionError("the focus never reached the element")


@pytest.fixture(scope="module")
def walk(live_app):
    """A section of the demo strategy that no other browser test writes in, with a published
    comment of another citizen to reply to (with JavaScript and without: two of them)."""
    from participation.accounts.models import User
    from participation.discussion import services
    from participation.discussion.models import ModerationState
    from participation.strategies.models import Strategy

    with live_app.test_request_context():
        strategy = db.session.scalar(select(Strategy).where(Strategy.slug == SLUG))
        version = max(strategy.versions, key=lambda v: v.number or 0)
        section = [s for s in version.sections if len(s.anchors) >= 2][2]
        moderator = db.session.scalar(select(User).where(User.email == "moderation@example.org"))
        other = db.session.scalar(select(User).where(User.email == "lenkung@example.org"))
        comments = {}
        for variant in ("keyboard", "no-js"):
            comment = services.post_comment(
                strategy,
                section,
                author=other,
                body_md=f"Wer betreibt die Geräte später? (Tastatur-Test, {variant})",
            )
            services.change_state(
                comment, ModerationState.PUBLISHED, actor=moderator, action="test.approve"
            )
            comments[variant] = comment.id
        db.session.commit()
        return {"url": f"/strategien/{SLUG}/{section.key}", "comments": comments}


def test_comment_and_reply_with_the_keyboard_alone(page, walk):
    # Log in: the first stop is the skip link, the form fields follow.
    page.goto("/konto/anmelden")
    first = press(page, "Tab")
    assert first["href"] == "#main", first
    tab_to(page, lambda el: el["id"] == "email")
    page.keyboard.type("buerger@example.org")
    press(page, "Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(PASSWORD)
    tab_to(page, lambda el: el["tag"] == "button" and el["type"] == "submit")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/(?!konto/anmelden).*"))
    assert "Sie sind angemeldet" in page.locator(".flashes").inner_text()

    # Comment on paragraph 2 of the section.
    page.goto(walk["url"])
    tab_to(page, lambda el: re.search(r"Absatz 2 kommentieren", el["text"]) is not None)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*\?absatz=p-[0-9a-f]+#diskussion$"))
    assert page.get_by_role("heading", name=re.compile("Ihr Kommentar zu Absatz 2")).is_visible()
    tab_to(page, lambda el: el["id"] == "body_md")
    page.keyboard.type("Die Sprechstunden im Bürgerbüro bitte auch abends anbieten.")
    tab_to(page, lambda el: el["type"] == "submit" and "Kommentar senden" in el["text"])
    # Back to the text with Shift+Tab (the honeypot between them is skipped), and forth again.
    tab_to(page, lambda el: el["id"] == "body_md", key="Shift+Tab", limit=5)
    tab_to(page, lambda el: el["type"] == "submit", limit=5)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*markiert=\d+#beitrag-\d+$"))
    assert "nach Prüfung veröffentlicht" in page.locator(".flashes").inner_text()
    marked = page.locator(".contribution--marked")
    assert "abends anbieten" in marked.inner_text()
    assert "zu Absatz 2" in marked.inner_text()

    # Reply to the published comment of another citizen.
    parent = walk["comments"]["keyboard"]
    page.goto(walk["url"])
    tab_to(page, lambda el: el["href"].endswith(f"/beitraege/{parent}/antworten"))
    assert focused(page)["text"] == "Antworten"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/beitraege/{parent}/antworten$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Antwort an")
    tab_to(page, lambda el: el["id"] == "body_md")
    page.keyboard.type("Das fragen wir uns auch; vielleicht die Stadtwerke?")
    tab_to(page, lambda el: el["type"] == "submit" and "Antwort senden" in el["text"])
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r".*markiert=\d+#beitrag-\d+$"))
    assert "nach Prüfung veröffentlicht" in page.locator(".flashes").inner_text()
    reply = page.locator(".contribution--marked")
    assert "Stadtwerke" in reply.inner_text()
    assert "wartet auf Freigabe" in reply.inner_text()
    # The reply sits below the comment it answers.
    assert page.locator(f"#beitrag-{parent} ~ ol .contribution--marked").count() == 1


@pytest.fixture
def no_js_page(browser, live_server, live_database):
    context = browser.new_context(base_url=live_server, locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_same_flow_works_without_javascript(no_js_page, walk):
    page = no_js_page
    page.goto("/konto/anmelden")
    page.get_by_label("E-Mail-Adresse").fill("buerger@example.org")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r".*/(?!konto/anmelden).*"))
    assert "Sie sind angemeldet" in page.locator(".flashes").inner_text()

    page.goto(walk["url"])
    page.get_by_role("link", name=re.compile("Absatz 1 kommentieren")).click()
    page.wait_for_url(re.compile(r".*\?absatz=p-[0-9a-f]+#diskussion$"))
    page.locator("#body_md").fill("Ohne JavaScript: bitte auch Formulare auf Papier.")
    page.get_by_role("button", name="Kommentar senden").click()
    page.wait_for_url(re.compile(r".*markiert=\d+#beitrag-\d+$"))
    marked = page.locator(".contribution--marked")
    assert "Formulare auf Papier" in marked.inner_text()
    assert "zu Absatz 1" in marked.inner_text()

    parent = walk["comments"]["no-js"]
    page.goto(walk["url"])
    page.locator(f'a[href$="/beitraege/{parent}/antworten"]').click()
    page.wait_for_url(re.compile(rf".*/beitraege/{parent}/antworten$"))
    page.locator("#body_md").fill("Ohne JavaScript geantwortet.")
    page.get_by_role("button", name="Antwort senden").click()
    page.wait_for_url(re.compile(r".*markiert=\d+#beitrag-\d+$"))
    assert "nach Prüfung veröffentlicht" in page.locator(".flashes").inner_text()
    assert "Ohne JavaScript geantwortet" in page.locator(".contribution--marked").inner_text()
