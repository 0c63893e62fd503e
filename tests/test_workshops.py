"""Workshops: the office's rules (fields, field of action, deletion only without results,
concurrent edits), results entered through the analogue form, and the public pages, which
show published workshops and only their published results."""

# ruff: noqa: F811  (`moderator` and `strategy` are fixtures from tests/analogue_world.py)

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.discussion.models import Channel, Contribution, ModerationState
from participation.events.models import Event
from participation.extensions import db
from participation.strategies.models import Strategy
from participation.workshops import services
from participation.workshops.models import Workshop, WorkshopFormat
from tests.analogue_world import SECTIONS, moderator, strategy  # noqa: F401  (fixtures)
from tests.helpers import signed_in_client


def _data(**values) -> services.WorkshopInput:
    fields = {
        "title": "Werkstatt Mobilität",
        "held_on": date.today() - timedelta(days=3),
        "ends_on": None,
        "format": "in_person",
        "place": "Rathaus, Saal 2",
        "section_key": "mobilitaet",
        "participants": 23,
        "summary_md": "Wir sammelten **Ideen** für Bus und Rad.",
        "published": True,
    }
    fields.update(values)
    return services.WorkshopInput(**fields)


def _create(app, strategy, moderator, **values) -> int:
    with app.test_request_context():
        workshop = services.create_workshop(
            db.session.get(Strategy, strategy.id),
            _data(**values),
            actor=db.session.get(User, moderator.id),
        )
        db.session.commit()
        return workshop.id


def _form(**values) -> dict:
    data = {
        "title": "Werkstatt Mobilität",
        "held_on": (date.today() - timedelta(days=3)).isoformat(),
        "format": "hybrid",
        "place": "Stadtbibliothek",
        "section_key": "mobilitaet",
        "participants": "23",
        "summary_md": "Viele Ideen.",
        "published": "y",
    }
    data.update(values)
    return data


# --- rules ---------------------------------------------------------------------------------


def test_a_workshop_is_saved_with_its_facts_and_logged(app, strategy, moderator):
    workshop_id = _create(app, strategy, moderator)
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        event = db.session.scalars(
            select(Event).where(Event.subject_type == "workshops", Event.subject_id == workshop_id)
        ).one()
    assert workshop.format is WorkshopFormat.IN_PERSON
    assert workshop.section_key == "mobilitaet"
    assert workshop.participants == 23
    assert "<strong>Ideen</strong>" in workshop.summary_html
    assert event.action == "workshop.created"
    assert event.actor_id == moderator.id


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"held_on": None}, "held_on"),
        ({"ends_on": date.today() - timedelta(days=4)}, "ends_on"),
        ({"format": "carrier-pigeon"}, "format"),
        ({"section_key": "vision"}, "section_key"),
        ({"section_key": "gibt-es-nicht"}, "section_key"),
        ({"participants": -1}, "participants"),
    ],
)
def test_the_rules_of_a_workshop(app, strategy, moderator, values, field):
    with pytest.raises(services.WorkshopError) as error:
        _create(app, strategy, moderator, **values)
    assert error.value.field == field


def test_a_workshop_over_several_days_and_for_the_whole_strategy(app, strategy, moderator):
    held = date.today() - timedelta(days=3)
    workshop_id = _create(
        app, strategy, moderator, ends_on=held + timedelta(days=1), section_key=None
    )
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
    assert workshop.ends_on == held + timedelta(days=1)
    assert workshop.section_key is None


def test_the_form_keeps_what_was_typed(app, strategy, moderator):
    client = signed_in_client(app, moderator)
    response = client.post(
        f"/moderation/workshops/{strategy.slug}/neu", data=_form(title="", place="Markthalle")
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Bitte geben Sie dem Workshop einen Titel." in text
    assert 'value="Markthalle"' in text


def test_a_stale_form_is_refused_not_saved_over(app, strategy, moderator):
    workshop_id = _create(app, strategy, moderator)
    client = signed_in_client(app, moderator)
    url = f"/moderation/workshop/{workshop_id}"
    assert client.post(url, data=_form(title="Erste Änderung", revision="1")).status_code == 302
    stale = client.post(url, data=_form(title="Zweite Änderung", revision="1"))
    assert stale.status_code == 200
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        actions = db.session.scalars(
            select(Event.action).where(
                Event.subject_id == workshop_id, Event.subject_type == "workshops"
            )
        ).all()
    assert workshop.title == "Erste Änderung"
    assert actions.count("workshop.updated") == 1


def test_deleting_is_refused_once_there_are_results(app, strategy, moderator):
    keep = _create(app, strategy, moderator)
    empty = _create(app, strategy, moderator, title="Abgesagt")
    client = signed_in_client(app, moderator)
    _enter_result(client, strategy, keep, "Ein Rufbus nach 20 Uhr.")
    response = client.post(f"/moderation/workshop/{keep}/loeschen", data={})
    assert response.status_code == 302
    assert client.post(f"/moderation/workshop/{empty}/loeschen", data={}).status_code == 302
    with app.app_context():
        assert db.session.get(Workshop, keep) is not None
        assert db.session.get(Workshop, empty) is None
        assert (
            db.session.scalar(
                select(Event.action)
                .where(Event.subject_type == "workshops", Event.subject_id == empty)
                .order_by(Event.id.desc())
            )
            == "workshop.deleted"
        )


# --- results -------------------------------------------------------------------------------


def _enter_result(client, strategy, workshop_id, text, **values):
    data = {
        "received_on": (date.today() - timedelta(days=3)).isoformat(),
        "kind": "comment",
        "target": "mobilitaet",
        "body_md": text,
    }
    data.update(values)
    response = client.post(f"/moderation/eingang/{strategy.slug}?workshop={workshop_id}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def test_a_result_is_a_contribution_of_the_workshop(app, strategy, moderator):
    workshop_id = _create(app, strategy, moderator)
    client = signed_in_client(app, moderator)
    page = client.get(f"/moderation/eingang/{strategy.slug}?workshop={workshop_id}")
    text = page.get_data(as_text=True)
    # The workshop decides the channel and suggests its day and field of action.
    assert 'name="channel"' not in text
    assert (date.today() - timedelta(days=3)).isoformat() in text
    _enter_result(client, strategy, workshop_id, "Ein Rufbus nach 20 Uhr.", weiter="1")
    with app.app_context():
        result = db.session.scalars(select(Contribution)).one()
    assert result.channel is Channel.WORKSHOP
    assert result.workshop_id == workshop_id
    assert result.state is ModerationState.PENDING


def test_a_result_cannot_predate_its_workshop(app, strategy, moderator):
    workshop_id = _create(app, strategy, moderator)
    client = signed_in_client(app, moderator)
    response = client.post(
        f"/moderation/eingang/{strategy.slug}?workshop={workshop_id}",
        data={
            "received_on": (date.today() - timedelta(days=5)).isoformat(),
            "kind": "comment",
            "target": "mobilitaet",
            "body_md": "Zu früh.",
        },
    )
    assert response.status_code == 200
    assert "vor dem Workshop" in response.get_data(as_text=True)


def test_a_workshop_of_another_strategy_is_not_found(app, make, strategy, moderator):
    other = make.strategy(sections=SECTIONS)
    workshop_id = _create(app, strategy, moderator)
    client = signed_in_client(app, moderator)
    assert client.get(f"/moderation/eingang/{other.slug}?workshop={workshop_id}").status_code == 404


# --- public pages --------------------------------------------------------------------------


def _publish(app, text):
    with app.app_context():
        contribution = db.session.scalars(
            select(Contribution).where(Contribution.body_md == text)
        ).one()
        contribution.state = ModerationState.PUBLISHED
        db.session.commit()


def test_public_pages_show_published_workshops_and_only_published_results(app, strategy, moderator):
    shown = _create(app, strategy, moderator, summary_md="Die Gruppe war sich *einig*.")
    hidden = _create(app, strategy, moderator, title="Interne Vorbesprechung", published=False)
    client = signed_in_client(app, moderator)
    _enter_result(client, strategy, shown, "Ein Rufbus nach 20 Uhr.")
    _enter_result(client, strategy, shown, "Noch nicht freigegeben.")
    _publish(app, "Ein Rufbus nach 20 Uhr.")
    reader = app.test_client()
    for url in (
        f"/strategien/{strategy.slug}/workshops",
        f"/strategien/{strategy.slug}/workshops/{shown}",
    ):
        text = reader.get(url).get_data(as_text=True)
        assert "Werkstatt Mobilität" in text
        assert "<em>einig</em>" in text
        assert "Ein Rufbus nach 20 Uhr." in text
        assert "Noch nicht freigegeben." not in text
        assert "Interne Vorbesprechung" not in text
        assert "vor Ort" in text
        assert "23" in text
        assert "Mobilität" in text
        assert "Mara Moderatorin" not in text
    assert reader.get(f"/strategien/{strategy.slug}/workshops/{hidden}").status_code == 404
    overview = reader.get(f"/strategien/{strategy.slug}").get_data(as_text=True)
    assert f"/strategien/{strategy.slug}/workshops" in overview


def test_a_result_names_its_workshop_in_the_thread_in_both_languages(app, strategy, moderator):
    shown = _create(app, strategy, moderator, held_on=date(2026, 11, 12))
    client = signed_in_client(app, moderator)
    _enter_result(client, strategy, shown, "Ein Rufbus nach 20 Uhr.", received_on="2026-11-12")
    _publish(app, "Ein Rufbus nach 20 Uhr.")
    reader = app.test_client()
    text = reader.get(f"/strategien/{strategy.slug}/mobilitaet").get_data(as_text=True)
    assert "im Workshop „Werkstatt Mobilität“ am 12.11.2026" in text
    assert "Workshop-Teilnehmer:in" in text
    reader.post("/sprache", data={"lang": "en", "next": "/"})
    text = reader.get(f"/strategien/{strategy.slug}/mobilitaet").get_data(as_text=True)
    assert "from the workshop “Werkstatt Mobilität” on Nov 12, 2026" in text


def test_workshops_is_not_a_section_key(app):
    from participation.strategies.services import RESERVED_SECTION_KEYS

    assert "workshops" in RESERVED_SECTION_KEYS


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, Role.DEPARTMENT, Role.COMMITTEE])
def test_only_the_moderation_manages_workshops(app, make, strategy, moderator, role):
    workshop_id = _create(app, strategy, moderator)
    client = signed_in_client(app, make.user(roles=[role] if role else []))
    for method, url in (
        ("GET", f"/moderation/workshops/{strategy.slug}"),
        ("GET", f"/moderation/workshops/{strategy.slug}/neu"),
        ("POST", f"/moderation/workshops/{strategy.slug}/neu"),
        ("GET", f"/moderation/workshop/{workshop_id}"),
        ("POST", f"/moderation/workshop/{workshop_id}"),
        ("POST", f"/moderation/workshop/{workshop_id}/loeschen"),
    ):
        assert client.open(url, method=method, data=_form()).status_code == 403, url
    anonymous = app.test_client().get(f"/moderation/workshop/{workshop_id}")
    assert anonymous.status_code == 302
    assert "/konto/anmelden" in anonymous.headers["Location"]
    with app.app_context():
        assert db.session.get(Workshop, workshop_id).title == "Werkstatt Mobilität"


def test_the_demo_has_workshops_a_letter_and_a_call(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        workshops = db.session.scalars(select(Workshop).where(Workshop.published.is_(True))).all()
        channels = db.session.scalars(
            select(Contribution.channel).where(Contribution.channel != Channel.ONLINE)
        ).all()
    assert len(workshops) == 2
    assert channels.count(Channel.LETTER) == 1
    assert channels.count(Channel.PHONE) == 1
    assert channels.count(Channel.WORKSHOP) == 4
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert "workshops" not in again.output
    reader = app.test_client()
    page = reader.get("/strategien/digitalstrategie-2030/workshops").get_data(as_text=True)
    assert "Werkstatt Mobilität: Bus, Rad und Baustellen" in page
    assert "Echtzeitanzeige an allen Bushaltestellen" in page
