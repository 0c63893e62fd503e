"""Issue 2's "done when", as one story through the HTTP interface (SQLite and PostgreSQL):
a newcomer reads the strategy section by section, switches to English, registers and
confirms; an administrator imports a Markdown draft, publishes v1, edits, publishes v2 and
sees the differences."""

from datetime import timedelta

from bs4 import BeautifulSoup
from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.database import utcnow
from participation.extensions import db
from participation.strategies.models import Section, Strategy, Version
from tests.conftest import extract_link

DRAFT = """# Vision

Die Stadt stellt ihre Leistungen proaktiv bereit.

# Handlungsfeld Mobilität

Busse und Bahnen fahren im Takt.

## Projekt: Mobilitätsplattform

Eine App für alle Verkehrsmittel.
"""


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_office_imports_publishes_edits_republishes_and_compares(app, client, make, login):
    admin = make.user(roles=[Role.ADMIN])
    login(admin)
    local = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    later = (utcnow() + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/redaktion/neu",
        data={
            "title": "Digitale Agenda Beispielkreis",
            "slug": "digitale-agenda",
            "summary": "Entwurf zur Beteiligung.",
            "opens_at": local,
            "closes_at": later,
            "moderation_mode": "pre",
            "review_hours": "werktags",
        },
    )
    assert response.status_code == 302

    preview = client.post("/redaktion/digitale-agenda/import", data={"text": DRAFT})
    assert "Mobilitätsplattform" in preview.get_data(as_text=True)
    with app.app_context():
        draft_sections = select(Section).join(Version).where(Version.number.is_(None))
        assert db.session.scalar(draft_sections) is None  # the preview saved nothing
    saved = client.post(
        "/redaktion/digitale-agenda/import", data={"text": DRAFT, "schritt": "uebernehmen"}
    )
    assert saved.status_code == 302

    published = client.post(
        "/redaktion/digitale-agenda/veroeffentlichen", data={"change_note": "Erster Entwurf"}
    )
    assert published.status_code == 302
    public = client.get("/strategien/digitale-agenda")
    assert public.status_code == 200
    assert "Handlungsfeld Mobilität" in public.get_data(as_text=True)

    client.post("/redaktion/digitale-agenda/entwurf")
    with app.app_context():
        strategy = db.session.scalar(select(Strategy).where(Strategy.slug == "digitale-agenda"))
        section = db.session.scalar(
            select(Section)
            .join(Version)
            .where(Version.strategy_id == strategy.id, Version.number.is_(None))
            .where(Section.key == "handlungsfeld-mobilitaet")
        )
        section_id, revision = section.id, section.revision
    edited = client.post(
        f"/redaktion/digitale-agenda/abschnitte/{section_id}/bearbeiten",
        data={
            "title": "Handlungsfeld Mobilität",
            "kind": "field_of_action",
            "body_md": "Busse und Bahnen fahren im dichten Takt.",
            "revision": revision,
        },
    )
    assert edited.status_code == 302
    client.post(
        "/redaktion/digitale-agenda/veroeffentlichen", data={"change_note": "Takt präzisiert"}
    )

    versions = client.get("/strategien/digitale-agenda/versionen").get_data(as_text=True)
    assert "Takt präzisiert" in versions
    diff = _soup(client.get("/strategien/digitale-agenda/vergleich?von=1&zu=2"))
    inserted = " ".join(tag.get_text(" ", strip=True) for tag in diff.select(".diff ins"))
    assert "dichten" in inserted
    # The mark is announced in words, not by colour alone.
    assert diff.select_one(".diff ins .kern-sr-only, .diff ins .visually-hidden") is not None
    current = client.get("/strategien/digitale-agenda/handlungsfeld-mobilitaet")
    assert "dichten Takt" in current.get_data(as_text=True)
    older = client.get("/strategien/digitale-agenda/versionen/1/handlungsfeld-mobilitaet")
    assert "im Takt" in older.get_data(as_text=True)


def test_newcomer_reads_switches_language_registers_and_confirms(client, make, mailbox):
    make.strategy(
        slug="agenda",
        title="Digitale Agenda",
        sections=[("Vision", "Alles wird gut."), ("Mobilität", "Mehr Busse.")],
    )
    start = _soup(client.get("/"))
    assert start.find("a", string=lambda s: s and "Digitale Agenda" in s) is not None
    overview = _soup(client.get("/strategien/agenda"))
    assert overview.find("a", href="/strategien/agenda/vision") is not None
    section = _soup(client.get("/strategien/agenda/vision"))
    assert section.find("h1").get_text(strip=True).endswith("Vision")
    assert section.find("a", rel="next")["href"] == "/strategien/agenda/mobilitaet"

    client.post("/sprache", data={"lang": "en", "next": "/strategien/agenda/vision"})
    english = _soup(client.get("/konto/registrieren"))
    assert english.html["lang"] == "en"

    response = client.post(
        "/konto/registrieren",
        data={
            "email": "Neu@Example.org",
            "display_name": "Nachbarin",
            "password": "Lindenallee im Herbst 7",
            "password_repeat": "Lindenallee im Herbst 7",
            "consent": "y",
        },
    )
    assert response.status_code == 302
    message = mailbox.last_to("neu@example.org")
    link = extract_link(mailbox.body(message), "/konto/bestaetigen/")
    assert client.get(link).status_code == 200  # the page with the confirmation button
    assert client.post(link).status_code == 302
    with client.application.app_context():
        user = db.session.scalar(select(User).where(User.email == "neu@example.org"))
        assert user.email_confirmed
        assert user.locale == "en"
