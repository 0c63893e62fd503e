"""The whole way of one suggestion, in the browser, with mail through a real SMTP server:
a citizen comments on a paragraph → a moderator publishes it and forwards it to the Amt für
Mobilität → the department member answers with a statement → the office writes the official
reply and sets "will be adopted" → the citizen sees reply and status on the page and has
received a mail for each step.

The live app sends mail right after each commit (OUTBOX_SEND_AFTER_COMMIT, on in
TestingConfig); the test asserts that, so a change there shows up here instead of as missing
mails."""

import re
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from participation.extensions import db
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

PASSWORD = "Beteiligung-Demo-2030"
SLUG = "digitalstrategie-2030"
CITIZEN = "vollstaendig@example.org"
TEXT = "Bitte Carsharing-Stationen an allen S-Bahn-Haltestellen einplanen (Gesamtablauf)."


@pytest.fixture(scope="module")
def flow(live_app):
    """A citizen of its own (so that no other test touches its mail settings) and a section
    with paragraphs that no other browser test comments on."""
    from participation.accounts.services import create_user
    from participation.strategies.models import Strategy

    assert live_app.config["OUTBOX_SEND_AFTER_COMMIT"] is True
    with live_app.test_request_context():
        create_user(CITIZEN, "Alex Vollständig", PASSWORD)
        strategy = db.session.scalar(select(Strategy).where(Strategy.slug == SLUG))
        version = max(strategy.versions, key=lambda v: v.number or 0)
        section = [s for s in version.sections if len(s.anchors) >= 2][1]
        db.session.commit()
        return {"url": f"/strategien/{SLUG}/{section.key}"}


@contextmanager
def signed_in(browser, live_server, email):
    context = browser.new_context(base_url=live_server, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/konto/anmelden")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile(r".*/(?!konto/anmelden).*"))
    assert "Sie sind angemeldet" in page.locator(".flashes").inner_text()
    try:
        yield page
    finally:
        context.close()


def mails_to(smtp: SMTPServer, address: str, containing: str) -> list[str]:
    """Plain-text bodies (with subject) of the mails to `address` that match `containing`."""
    found = []
    for message in smtp.messages:
        if address in message["To"]:
            text = f"{message['Subject']}\n{SMTPServer.body(message)}"
            if re.search(containing, text):
                found.append(text)
    return found


def wait_for_mail(smtp: SMTPServer, address: str, containing: str, subject: str) -> str:
    """The mail to `address` whose subject matches `subject` and whose text matches
    `containing`. It was sent right after the commit of a request the browser has seen
    finish; the short wait only covers the SMTP server's thread storing it."""
    pattern = re.compile(subject)
    for _ in range(100):
        for text in mails_to(smtp, address, containing):
            if pattern.search(text.splitlines()[0]):
                return text
        time.sleep(0.05)
    subjects = [m["Subject"] for m in smtp.messages if address in m["To"]]
    raise AssertionError(f"no mail to {address} with subject /{subject}/; got {subjects}")


def test_from_comment_to_adopted_with_every_mail(browser, live_server, smtp_server, flow):
    # 1. The citizen comments on paragraph 1.
    with signed_in(browser, live_server, CITIZEN) as page:
        page.goto(flow["url"])
        page.get_by_role("link", name=re.compile("Absatz 1 kommentieren")).click()
        page.locator("#body_md").fill(TEXT)
        page.get_by_role("button", name="Kommentar senden").click()
        page.wait_for_url(re.compile(r".*markiert=(\d+)#beitrag-\d+$"))
        comment_id = int(re.search(r"markiert=(\d+)", page.url).group(1))
        assert "wartet auf Freigabe" in page.locator(".contribution--marked").inner_text()
    link = f"/beitraege/{comment_id}"
    # Mails about the comment link to its permalink (not to /beitraege/170).
    url_in_mail = rf"{link}(?!\d)"

    # 2. The moderator publishes it and forwards it to the Amt für Mobilität.
    with signed_in(browser, live_server, "moderation@example.org") as page:
        page.goto(f"/moderation/beitraege/{comment_id}")
        assert TEXT in page.locator("main").inner_text()
        page.locator("#action").select_option("publish")
        page.get_by_role("button", name="Entscheiden").click()
        assert f"Beitrag {comment_id}: Veröffentlichen" in page.locator(".flashes").inner_text()
        page.goto(f"/moderation/beitraege/{comment_id}")
        page.get_by_label("Amt für Mobilität").check()
        page.locator("#forward_note").fill("Bitte prüfen, ob das in den Nahverkehrsplan passt.")
        page.get_by_role("button", name="Weiterleiten", exact=True).click()
        assert "Amt für Mobilität" in page.locator(".flashes").inner_text()

    published = wait_for_mail(smtp_server, CITIZEN, url_in_mail, r"veröffentlicht")
    assert "Carsharing" in published
    forwarded = wait_for_mail(
        smtp_server, CITIZEN, url_in_mail, r"Bearbeitungsstand.*weitergeleitet"
    )
    assert "Amt für Mobilität" in forwarded
    # The department hears of it too: its address and its member.
    for department_address in ("mobilitaet@musterstadt.example", "fachamt@example.org"):
        assert mails_to(smtp_server, department_address, "Carsharing")

    # 3. The department member answers with a statement.
    with signed_in(browser, live_server, "fachamt@example.org") as page:
        page.goto("/fachamt/")
        page.get_by_role(
            "link", name=re.compile("Carsharing|Beitrag " + str(comment_id))
        ).first.click()
        assert TEXT in page.locator("main").inner_text()
        page.locator('input[name="recommendation"]').first.check()
        page.get_by_label("Stellungnahme", exact=True).fill(
            "Das Amt für Mobilität unterstützt den Vorschlag; Flächen an acht Haltestellen."
        )
        page.get_by_role("button", name="Stellungnahme senden").click()
        assert "Stellungnahme" in page.locator(".flashes").inner_text()

    # 4. The office reads the statement, writes the official reply and sets the status.
    with signed_in(browser, live_server, "moderation@example.org") as page:
        page.goto(f"/moderation/beitraege/{comment_id}")
        assert "Flächen an acht Haltestellen" in page.locator("main").inner_text()
        page.locator("#body_md").fill(
            "Vielen Dank! Wir nehmen Carsharing-Stationen an S-Bahn-Haltestellen in Kapitel 4 auf."
        )
        page.get_by_role("button", name=re.compile("Offizielle Antwort")).click()
        assert "Antwort" in page.locator(".flashes").inner_text()
        page.goto(f"/moderation/beitraege/{comment_id}")
        page.locator("select#status").select_option("adopted")
        page.get_by_role("button", name="Bearbeitungsstand setzen").click()
        assert "wird übernommen" in page.locator(".flashes").inner_text()

    # 5. The citizen sees the reply and the status on the page, and has the mails.
    with signed_in(browser, live_server, CITIZEN) as page:
        page.goto(link)
        article = page.locator(f"#beitrag-{comment_id}")
        article.wait_for()
        assert "wird übernommen" in article.inner_text()
        # The official reply is shown below the comment, marked as the office's.
        official = page.locator(f"#beitrag-{comment_id} ~ ol .contribution--official")
        assert "in Kapitel 4 auf" in official.inner_text()
        assert official.locator(".contribution__official-label").is_visible()

    # This one links to the reply itself and quotes it.
    reply = wait_for_mail(
        smtp_server, CITIZEN, "in Kapitel 4 auf", r"Verwaltung hat .* geantwortet"
    )
    assert "in Kapitel 4 auf" in reply
    status = wait_for_mail(smtp_server, CITIZEN, url_in_mail, r"wird übernommen")
    assert "wird übernommen" in status
