"""Editorial pages: strategies, the draft tree, sections, import, preview and publishing."""

import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from participation.accounts.models import Role
from participation.extensions import db
from participation.strategies import services
from participation.strategies.models import Section, Strategy, Version

DOCUMENT = """\
# Vision 2030

Musterstadt ist *digital*.

## Handlungsfeld Bildung

Schulen bekommen WLAN.

# Projekt Bürgerportal

Alle Anträge online.
"""

STRATEGY_FORM = {
    "title": "Smart City Musterstadt",
    "slug": "",
    "summary": "Unsere Strategie.",
    "opens_at": "2030-03-01T09:00",
    "closes_at": "2030-04-01T18:00",
    "moderation_mode": "pre",
    "review_hours": "Mo–Fr",
}


@pytest.fixture
def moderator(make, login):
    user = make.user(roles=[Role.MODERATOR])
    login(user)
    return user


def load(app, model, **where):
    with app.app_context():
        return db.session.scalars(select(model).filter_by(**where)).first()


def draft_strategy(make, sections=(("Vision", "Die Stadt ist digital."),)):
    return make.strategy(published=False, sections=list(sections))


def html(response) -> str:
    return response.get_data(as_text=True)


def test_citizen_gets_403_and_anonymous_is_sent_to_login(client, make, login):
    strategy = draft_strategy(make)
    urls = [
        "/redaktion/",
        "/redaktion/neu",
        f"/redaktion/{strategy.slug}/",
        f"/redaktion/{strategy.slug}/einstellungen",
        f"/redaktion/{strategy.slug}/import",
        f"/redaktion/{strategy.slug}/vorschau/",
        f"/redaktion/{strategy.slug}/veroeffentlichen",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/konto/anmelden" in response.headers["Location"]
    assert client.post(f"/redaktion/{strategy.slug}/entwurf").status_code == 302
    login(make.user())
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/redaktion/{strategy.slug}/veroeffentlichen").status_code == 403


def test_every_page_renders_for_a_moderator(client, make, moderator, app):
    strategy = draft_strategy(make)
    section = load(app, Section, title="Vision")
    pages = [
        "/redaktion/",
        "/redaktion/neu",
        f"/redaktion/{strategy.slug}/",
        f"/redaktion/{strategy.slug}/einstellungen",
        f"/redaktion/{strategy.slug}/abschnitte/neu",
        f"/redaktion/{strategy.slug}/abschnitte/neu?unter={section.id}",
        f"/redaktion/{strategy.slug}/abschnitte/{section.id}/bearbeiten",
        f"/redaktion/{strategy.slug}/abschnitte/{section.id}/loeschen",
        f"/redaktion/{strategy.slug}/import",
        f"/redaktion/{strategy.slug}/vorschau/vision",
        f"/redaktion/{strategy.slug}/veroeffentlichen",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert html(response).count("<h1") == 1, url
    assert client.get(f"/redaktion/{strategy.slug}/vorschau/").status_code == 302


def test_index_lists_strategies_with_state(client, make, moderator):
    published = make.strategy(title="Veröffentlichte Strategie")
    draft = draft_strategy(make)
    page = html(client.get("/redaktion/"))
    assert "Veröffentlichte Strategie" in page
    assert "Version 1" in page
    assert draft.title in page
    assert "Entwurf mit 1 Abschnitt" in page
    assert f'href="/redaktion/{published.slug}/einstellungen"' in page


def test_create_strategy_converts_local_time_to_utc(client, moderator, app):
    response = client.post("/redaktion/neu", data=STRATEGY_FORM)
    assert response.status_code == 302
    strategy = load(app, Strategy, slug="smart-city-musterstadt")
    assert strategy.opens_at == datetime(2030, 3, 1, 8, 0, tzinfo=UTC)  # CET
    assert strategy.closes_at == datetime(2030, 4, 1, 16, 0, tzinfo=UTC)  # CEST
    assert strategy.created_by_id == moderator.id
    with app.app_context():
        assert services.get_draft(db.session.get(Strategy, strategy.id)) is not None


def test_strategy_form_keeps_input_and_explains_errors(client, make, moderator):
    existing = make.strategy()
    data = STRATEGY_FORM | {"slug": existing.slug, "closes_at": "2030-02-01T09:00"}
    page = html(client.post("/redaktion/neu", data=data))
    assert "Die Beteiligung muss nach ihrem Beginn enden." in page
    assert 'value="Smart City Musterstadt"' in page
    assert 'value="2030-02-01T09:00"' in page
    # With the window fixed, the duplicate web address is reported next to its field.
    page = html(client.post("/redaktion/neu", data=data | {"closes_at": "2030-04-01T18:00"}))
    assert "bereits" in page
    assert re.search(r'id="slug-error"', page)
    assert "Unsere Strategie." in page


def test_settings_concurrent_edit_keeps_typed_values(client, make, moderator, app):
    strategy = draft_strategy(make)
    page = html(client.get(f"/redaktion/{strategy.slug}/einstellungen"))
    assert 'name="revision" type="hidden" value="1"' in page
    # Someone else saves first.
    with app.test_request_context():
        other = db.session.get(Strategy, strategy.id)
        services.update_strategy(other, actor=None, expected_revision=1, title="Von anderen")
        db.session.commit()
    data = STRATEGY_FORM | {"slug": strategy.slug, "title": "Mein Titel", "revision": "1"}
    page = html(client.post(f"/redaktion/{strategy.slug}/einstellungen", data=data))
    assert "inzwischen" in page
    assert 'value="Mein Titel"' in page
    assert "Von anderen" in page
    assert load(app, Strategy, id=strategy.id).title == "Von anderen"
    # Saving again with the revision now shown overwrites deliberately.
    response = client.post(
        f"/redaktion/{strategy.slug}/einstellungen", data=data | {"revision": "2"}
    )
    assert response.status_code == 302
    assert load(app, Strategy, id=strategy.id).title == "Mein Titel"


def test_tree_shows_sections_with_accessible_buttons(client, make, moderator):
    strategy = draft_strategy(make, [("Vision", "A"), ("Handlungsfelder", "B")])
    page = html(client.get(f"/redaktion/{strategy.slug}/"))
    assert 'aria-label="Abschnitt „Vision“ nach unten verschieben"' in page
    assert 'aria-label="Abschnitt „Handlungsfelder“ nach oben verschieben"' in page
    assert 'aria-label="Abschnitt „Handlungsfelder“ einrücken"' in page
    # Not offered where it cannot work.
    assert "Abschnitt „Vision“ nach oben verschieben" not in page
    assert "Abschnitt „Vision“ ausrücken" not in page
    assert "<script" not in page


def test_add_move_edit_and_delete_sections(client, make, moderator, app):
    strategy = draft_strategy(make, [("Vision", "A")])
    base = f"/redaktion/{strategy.slug}"
    response = client.post(
        f"{base}/abschnitte/neu",
        data={"title": "Bildung", "kind": "field_of_action", "body_md": "**Schulen**"},
    )
    assert response.status_code == 302
    section = load(app, Section, title="Bildung")
    assert section.key == "bildung"
    assert "<strong>Schulen</strong>" in section.body_html

    # Indent under "Vision", then the tree shows it as a subsection with an outdent button.
    response = client.post(f"{base}/abschnitte/{section.id}/verschieben", data={"richtung": "in"})
    assert response.headers["Location"].endswith(f"#abschnitt-{section.id}")
    parent = load(app, Section, title="Vision")
    assert load(app, Section, id=section.id).parent_id == parent.id
    assert "Abschnitt „Bildung“ ausrücken" in html(client.get(f"{base}/"))

    # A move that cannot work is explained, not an error page.
    page = html(
        client.post(
            f"{base}/abschnitte/{parent.id}/verschieben",
            data={"richtung": "up"},
            follow_redirects=True,
        )
    )
    assert "bereits der erste" in page

    # Edit: empty title keeps the typed text.
    url = f"{base}/abschnitte/{section.id}/bearbeiten"
    page = html(
        client.post(url, data={"title": "", "kind": "text", "body_md": "Mein Text", "revision": 2})
    )
    assert "Mein Text" in page
    assert 'id="title-error"' in page
    current = load(app, Section, id=section.id)
    response = client.post(
        url,
        data={"title": "Schule", "kind": "project", "body_md": "Neu", "revision": current.revision},
    )
    assert response.status_code == 302
    assert load(app, Section, id=section.id).title == "Schule"

    # Delete the parent: confirmation first, then it goes with its child.
    page = html(client.get(f"{base}/abschnitte/{parent.id}/loeschen"))
    assert "Unterabschnitt" in page
    client.post(f"{base}/abschnitte/{parent.id}/loeschen")
    assert load(app, Section, id=parent.id) is None
    assert load(app, Section, id=section.id) is None


def test_stale_section_edit_shows_current_text_and_keeps_mine(client, make, moderator, app):
    strategy = draft_strategy(make, [("Vision", "Alt")])
    section = load(app, Section, title="Vision")
    with app.test_request_context():
        other = db.session.get(Section, section.id)
        services.update_section(
            other, actor=None, expected_revision=other.revision, title="Vision",
            kind="text", body_md="Text von nebenan",
        )  # fmt: skip
        db.session.commit()
    url = f"/redaktion/{strategy.slug}/abschnitte/{section.id}/bearbeiten"
    page = html(
        client.post(
            url,
            data={"title": "Vision", "kind": "vision", "body_md": "Mein Text", "revision": 1},
        )
    )
    assert "Text von nebenan" in page
    assert "Mein Text" in page
    assert 'name="revision" type="hidden" value="2"' in page
    assert load(app, Section, id=section.id).body_md == "Text von nebenan"


def test_published_sections_cannot_be_edited(client, make, moderator, app):
    strategy = make.strategy()
    section = load(app, Section, title="Vision")
    response = client.post(
        f"/redaktion/{strategy.slug}/abschnitte/{section.id}/bearbeiten",
        data={"title": "X", "kind": "text", "body_md": "", "revision": 1},
        follow_redirects=True,
    )
    assert "Veröffentlichte Versionen können nicht geändert werden" in html(response)
    assert load(app, Section, id=section.id).title == "Vision"
    page = html(client.get(f"/redaktion/{strategy.slug}/"))
    assert "Neuen Entwurf beginnen" in page
    client.post(f"/redaktion/{strategy.slug}/entwurf")
    with app.app_context():
        draft = services.get_draft(db.session.get(Strategy, strategy.id))
        assert [s.key for s in services.sections_of(draft)] == ["vision"]


def test_import_preview_then_apply(client, make, moderator, app):
    strategy = draft_strategy(make, [("Alt", "wird ersetzt")])
    url = f"/redaktion/{strategy.slug}/import"
    page = html(client.get(url))
    assert "ersetzt" in page
    page = html(client.post(url, data={"text": DOCUMENT, "schritt": "vorschau"}))
    assert "Vorschau: 3 Abschnitte" in page
    assert "Handlungsfeld Bildung" in page
    assert "Schulen bekommen WLAN." in page
    assert "Musterstadt ist *digital*." in page  # still in the textarea
    assert load(app, Section, title="Vision 2030") is None  # nothing saved yet
    response = client.post(url, data={"text": DOCUMENT, "schritt": "uebernehmen"})
    assert response.status_code == 302
    with app.app_context():
        draft = services.get_draft(db.session.get(Strategy, strategy.id))
        titles = [s.title for s in services.sections_of(draft)]
    assert sorted(titles) == ["Handlungsfeld Bildung", "Projekt Bürgerportal", "Vision 2030"]


def test_import_from_file_and_errors(client, make, moderator):
    strategy = draft_strategy(make)
    url = f"/redaktion/{strategy.slug}/import"
    upload = {
        "document": (io.BytesIO(DOCUMENT.encode()), "strategie.md"),
        "schritt": "vorschau",
    }
    page = html(client.post(url, data=upload, content_type="multipart/form-data"))
    assert "Vorschau: 3 Abschnitte" in page
    page = html(client.post(url, data={"text": "Nur Text", "schritt": "vorschau"}))
    assert "keine Überschriften" in page
    assert "Nur Text" in page
    page = html(client.post(url, data={"text": "", "schritt": "uebernehmen"}))
    assert "leer" in page


def test_preview_is_marked_as_draft(client, make, moderator):
    strategy = draft_strategy(make, [("Vision", "Die *digitale* Stadt"), ("Wege", "B")])
    page = html(client.get(f"/redaktion/{strategy.slug}/vorschau/vision"))
    assert "Entwurf – nicht veröffentlicht" in page
    assert "<em>digitale</em>" in page
    assert "Wege" in page
    assert client.get(f"/redaktion/{strategy.slug}/vorschau/gibt-es-nicht").status_code == 404


def test_publish_creates_v1_that_the_public_sees(client, make, moderator, app):
    strategy = draft_strategy(make, [("Vision", "Die Stadt ist digital.")])
    url = f"/redaktion/{strategy.slug}/veroeffentlichen"
    page = html(client.get(url))
    assert "1 Abschnitt hinzugefügt" in page
    page = html(client.post(url, data={"change_note": ""}))
    assert 'id="change_note-error"' in page
    response = client.post(url, data={"change_note": "Erster Entwurf zur Diskussion"})
    assert response.status_code == 302
    version = load(app, Version, strategy_id=strategy.id)
    assert version.number == 1
    assert version.change_note == "Erster Entwurf zur Diskussion"
    assert version.published_by_id == moderator.id
    # Publishing again: there is no draft any more.
    page = html(client.post(url, data={"change_note": "Nochmal"}, follow_redirects=True))
    assert "Entwurf" in page
    assert load(app, Version, strategy_id=strategy.id, number=2) is None

    client.post("/konto/abmelden")
    public = client.get(f"/strategien/{strategy.slug}/vision")
    assert public.status_code == 200
    assert "Die Stadt ist digital." in html(public)


def test_publish_summary_counts_changes_by_key(client, make, moderator, app):
    strategy = make.strategy(sections=[("Vision", "A"), ("Alt", "B"), ("Bleibt", "C")])
    with app.test_request_context():
        s = db.session.get(Strategy, strategy.id)
        draft = services.ensure_draft(s, actor=None)
        rows = {x.key: x for x in services.sections_of(draft)}
        services.update_section(
            rows["vision"], actor=None, expected_revision=rows["vision"].revision,
            title="Vision", kind="text", body_md="A geändert",
        )  # fmt: skip
        services.delete_section(rows["alt"], actor=None)
        services.add_section(draft, actor=None, title="Neu", kind="text", body_md="")
        db.session.commit()
    page = html(client.get(f"/redaktion/{strategy.slug}/veroeffentlichen"))
    assert "1 Abschnitt hinzugefügt" in page
    assert "1 Abschnitt geändert" in page
    assert "1 Abschnitt entfernt" in page
    assert "Version 2" in page
