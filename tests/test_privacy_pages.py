"""The privacy notice and the accessibility statement carry what a German public body must
state, in both languages, with the contacts taken from the configuration."""

import pytest

from participation.pages.services import PLACEHOLDERS

PRIVACY = {
    "de": [
        "Verantwortliche Stelle",
        "Datenschutzbeauftragte Person",
        "Zwecke und Rechtsgrundlagen",
        "Empfänger",
        "Speicherdauer",
        "Ihre Rechte",
        "Beschwerderecht",
        "Cookies",
    ],
    "en": [
        "Controller",
        "Data protection officer",
        "Purposes and legal bases",
        "Recipients",
        "Retention",
        "Your rights",
        "Right to lodge a complaint",
        "Cookies",
    ],
}
PRIVACY_TEXT = {
    "de": ["Art. 6 Abs. 1 Buchst. e DSGVO", "Einwilligung", "Art. 15", "Art. 21"],
    "en": ["Art. 6(1)(e) GDPR", "consent", "Art. 15", "Art. 21"],
}
ACCESSIBILITY = {
    "de": [
        "Stand der Vereinbarkeit mit den Anforderungen",
        "Nicht barrierefreie Inhalte",
        "Erstellung dieser Erklärung",
        "Feedback und Kontakt",
        "Durchsetzungsverfahren",
    ],
    "en": [
        "Compliance status",
        "Non-accessible content",
        "Preparation of this statement",
        "Feedback and contact",
        "Enforcement procedure",
    ],
}
ACCESSIBILITY_TEXT = {
    "de": ["BITV 2.0", "§ 16", "Schlichtungsstelle"],
    "en": ["BITV 2.0", "§ 16", "conciliation body"],
}

CONTACTS = {
    "CONTROLLER_ADDRESS": "Rathausplatz 1, 12345 Teststadt",
    "CONTROLLER_EMAIL": "verwaltung@teststadt.example",
    "CONTROLLER_PHONE": "+49 123 4567-0",
    "DPO_CONTACT": "Dana Datenschutz, dsb@teststadt.example",
    "SUPERVISORY_AUTHORITY": "Landesbeauftragte für Datenschutz Testland",
    "ACCESSIBILITY_CONTACT": "barrierefrei@teststadt.example",
    "ACCESSIBILITY_ENFORCEMENT_BODY": "Durchsetzungsstelle Testland",
    "ACCESSIBILITY_STATEMENT_DATE": "21.11.2026",
    "PRIVACY_GUEST_EMAIL_DAYS": 45,
    "OUTBOX_KEEP_SENT_DAYS": 21,
}


@pytest.fixture
def contacts(app):
    saved = {key: app.config[key] for key in CONTACTS}
    app.config.update(CONTACTS)
    yield CONTACTS
    app.config.update(saved)


def _page(client, slug, locale):
    client.post("/sprache", data={"lang": locale})
    response = client.get(f"/{slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _headings(html: str) -> list[str]:
    from html.parser import HTMLParser

    found: list[str] = []

    class Parser(HTMLParser):
        inside = False

        def handle_starttag(self, tag, attrs):
            if tag in {"h1", "h2", "h3"}:
                self.inside = True
                found.append("")

        def handle_endtag(self, tag):
            if tag in {"h1", "h2", "h3"}:
                self.inside = False

        def handle_data(self, data):
            if self.inside:
                found[-1] += data

    Parser().feed(html)
    return [" ".join(h.split()) for h in found]


@pytest.mark.parametrize("locale", ["de", "en"])
def test_privacy_notice_has_every_required_section(client, contacts, locale):
    html = _page(client, "datenschutz", locale)
    headings = _headings(html)
    for heading in PRIVACY[locale]:
        assert heading in headings, heading
    for text in PRIVACY_TEXT[locale]:
        assert text in html, text
    for key in ("CONTROLLER_ADDRESS", "CONTROLLER_EMAIL", "DPO_CONTACT", "SUPERVISORY_AUTHORITY"):
        assert contacts[key] in html, key
    # The retention periods are the configured ones.
    assert "45" in html
    assert "21" in html


@pytest.mark.parametrize("locale", ["de", "en"])
def test_accessibility_statement_has_every_required_section(client, contacts, locale):
    html = _page(client, "barrierefreiheit", locale)
    headings = _headings(html)
    for heading in ACCESSIBILITY[locale]:
        assert heading in headings, heading
    for text in ACCESSIBILITY_TEXT[locale]:
        assert text in html, text
    for key in (
        "ACCESSIBILITY_CONTACT",
        "ACCESSIBILITY_ENFORCEMENT_BODY",
        "ACCESSIBILITY_STATEMENT_DATE",
    ):
        assert contacts[key] in html, key


def test_unset_contacts_show_a_visible_placeholder(client, app):
    html = _page(client, "datenschutz", "de")
    assert app.config["DPO_CONTACT"].startswith("[")
    assert "Datenschutzbeauftragten]" in html
    for name in PLACEHOLDERS:
        assert "{" + name + "}" not in html
