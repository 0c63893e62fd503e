"""Legal pages: shipped defaults in both languages, administrators' texts, conflicts, reset."""

import pytest
from sqlalchemy import select

from participation.accounts.models import Role
from participation.events.models import Event
from participation.extensions import db
from participation.pages.models import Page, PageSlug

GERMAN = {
    "impressum": ("Impressum", "§ 18 Abs. 2 Medienstaatsvertrag"),
    "datenschutz": ("Datenschutzerklärung", "Art. 6 Abs. 1 Buchst. e DSGVO"),
    "barrierefreiheit": ("Erklärung zur Barrierefreiheit", "teilweise barrierefrei"),
    "netiquette": ("Netiquette", "Wiederholung/Dublette"),
}
ENGLISH = {
    "impressum": ("Imprint", "Interstate Media Treaty"),
    "datenschutz": ("Privacy policy", "Art. 6(1)(e) GDPR"),
    "barrierefreiheit": ("Accessibility statement", "partially compliant"),
    "netiquette": ("Netiquette", "Repetition/duplicate"),
}


@pytest.fixture
def admin(make, login):
    user = make.user(roles=[Role.ADMIN], display_name="Admin")
    login(user)
    return user


def _page_row(app, slug, locale):
    with app.app_context():
        return db.session.scalars(
            select(Page).where(Page.slug == PageSlug(slug), Page.locale == locale)
        ).one_or_none()


@pytest.mark.parametrize("slug", list(GERMAN))
def test_default_pages_in_german(client, app, slug):
    response = client.get(f"/{slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    title, phrase = GERMAN[slug]
    assert f'<h1 class="kern-heading-large">{title}</h1>' in html
    assert phrase in html
    assert app.config["MUNICIPALITY_NAME"] in html
    assert "{municipality}" not in html
    assert "{office}" not in html
    assert html.count("<h1") == 1
    assert "<h2" in html  # sections are the level below the page title


@pytest.mark.parametrize("slug", list(ENGLISH))
def test_default_pages_in_english(client, slug):
    client.post("/sprache", data={"lang": "en", "next": f"/{slug}"})
    html = client.get(f"/{slug}").get_data(as_text=True)
    title, phrase = ENGLISH[slug]
    assert '<html lang="en">' in html
    assert f'<h1 class="kern-heading-large">{title}</h1>' in html
    assert phrase in html


def test_placeholders_come_from_config(client, app):
    html = client.get("/datenschutz").get_data(as_text=True)
    assert app.config["OFFICE_NAME"] in html
    assert "[bitte ergänzen" in html or "– bitte ergänzen]" in html
    assert app.config["BASE_URL"] in client.get("/impressum").get_data(as_text=True)


def test_netiquette_lists_every_rejection_reason(client):
    html = client.get("/netiquette").get_data(as_text=True)
    for reason in (
        "Beleidigung",
        "Diskriminierung",
        "Drohung/Gewalt",
        "Rechtswidriger Inhalt",
        "Urheberrechtsverletzung",
        "Personenbezogene Daten Dritter",
        "Werbung/Spam",
        "Kein Bezug zum Thema",
        "Wiederholung/Dublette",
    ):
        assert reason in html
    assert "Pseudonym" in html
    assert "Moderationszeiten" in html


def test_edit_form_starts_from_the_default(client, admin):
    response = client.get("/verwaltung/seiten/impressum/de")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="revision" type="hidden" value="0"' in html or 'value="0"' in html
    assert "{municipality}" in html  # the placeholder is edited, not its value
    assert "Standardtext" in html


def test_admin_text_replaces_the_default_only_in_its_language(client, app, admin):
    response = client.post(
        "/verwaltung/seiten/impressum/de",
        data={
            "title": "Impressum der Stadt",
            "body_md": "# Anschrift\n\n{municipality}, Rathausplatz 1\n\n<script>x</script>",
            "revision": "0",
        },
    )
    assert response.status_code == 302
    page = _page_row(app, "impressum", "de")
    assert page.title == "Impressum der Stadt"
    assert page.updated_by_id == admin.id
    assert page.revision == 1

    html = client.get("/impressum").get_data(as_text=True)
    assert "Impressum der Stadt" in html
    assert f"{app.config['MUNICIPALITY_NAME']}, Rathausplatz 1" in html
    assert "<script>" not in html
    assert "§ 18 Abs. 2" not in html

    client.post("/sprache", data={"lang": "en", "next": "/impressum"})
    assert "Interstate Media Treaty" in client.get("/impressum").get_data(as_text=True)

    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.action == "page.created")).one()
        assert event.actor_id == admin.id
        assert event.after["title"] == "Impressum der Stadt"


def test_second_save_updates_and_logs_before_and_after(client, app, admin):
    data = {"title": "Netiquette", "body_md": "Erste Fassung", "revision": "0"}
    client.post("/verwaltung/seiten/netiquette/de", data=data)
    data.update(body_md="Zweite Fassung", revision="1")
    assert client.post("/verwaltung/seiten/netiquette/de", data=data).status_code == 302
    assert _page_row(app, "netiquette", "de").revision == 2
    assert "Zweite Fassung" in client.get("/netiquette").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.action == "page.updated")).one()
        assert event.before["body_md"].strip() == "Erste Fassung"
        assert event.after["body_md"].strip() == "Zweite Fassung"


def test_stale_revision_is_rejected_and_the_typed_text_kept(client, app, admin):
    client.post(
        "/verwaltung/seiten/datenschutz/de",
        data={"title": "Datenschutz", "body_md": "Text von Person A", "revision": "0"},
    )
    # Person B opened the form while the default still applied (revision 0).
    response = client.post(
        "/verwaltung/seiten/datenschutz/de",
        data={"title": "Datenschutz B", "body_md": "Text von Person B", "revision": "0"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "zwischenzeitlich" in html or "inzwischen" in html
    assert "Text von Person B" in html  # still in the textarea
    assert "Text von Person A" in html  # the current text is shown
    assert 'value="1"' in html  # the next save is against the current revision
    page = _page_row(app, "datenschutz", "de")
    assert page.body_md.strip() == "Text von Person A"
    assert page.revision == 1


def test_missing_title_gets_message_next_to_field(client, app, admin):
    response = client.post(
        "/verwaltung/seiten/netiquette/en",
        data={"title": "", "body_md": "Be nice", "revision": "0"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="title-error"' in html
    assert "Be nice" in html
    assert _page_row(app, "netiquette", "en") is None


def test_reset_needs_confirmation_and_restores_default(client, app, admin):
    client.post(
        "/verwaltung/seiten/barrierefreiheit/de",
        data={"title": "Barrierefreiheit", "body_md": "Eigener Text", "revision": "0"},
    )
    client.post("/verwaltung/seiten/barrierefreiheit/de/zuruecksetzen", data={})
    assert _page_row(app, "barrierefreiheit", "de") is not None

    response = client.post(
        "/verwaltung/seiten/barrierefreiheit/de/zuruecksetzen", data={"confirm": "yes"}
    )
    assert response.status_code == 302
    assert _page_row(app, "barrierefreiheit", "de") is None
    html = client.get("/barrierefreiheit").get_data(as_text=True)
    assert "Eigener Text" not in html
    assert "teilweise barrierefrei" in html
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.action == "page.reset")).one()
        assert event.before["body_md"].strip() == "Eigener Text"


def test_saving_after_a_reset_with_an_old_form_is_stale(client, app, admin):
    data = {"title": "Netiquette", "body_md": "Alt", "revision": "0"}
    client.post("/verwaltung/seiten/netiquette/de", data=data)
    client.post("/verwaltung/seiten/netiquette/de/zuruecksetzen", data={"confirm": "yes"})
    response = client.post(
        "/verwaltung/seiten/netiquette/de",
        data={"title": "Netiquette", "body_md": "Neu", "revision": "1"},
    )
    assert response.status_code == 200
    assert _page_row(app, "netiquette", "de") is None


def test_pages_list_shows_every_page_and_language(client, admin):
    html = client.get("/verwaltung/seiten").get_data(as_text=True)
    for slug in GERMAN:
        for locale in ("de", "en"):
            assert f"/verwaltung/seiten/{slug}/{locale}" in html


def test_unknown_page_or_language_is_404(client, admin):
    assert client.get("/verwaltung/seiten/agb/de").status_code == 404
    assert client.get("/verwaltung/seiten/impressum/fr").status_code == 404
