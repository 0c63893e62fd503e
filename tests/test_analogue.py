"""The analogue channel: letters, calls, e-mails and visits typed in by the moderation on a
citizen's behalf — the rules (consent, dates, channel), permissions, the queue, publishing
and the public display with the channel."""

# ruff: noqa: F811  (`moderator` and `strategy` are fixtures from tests/analogue_world.py)

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from participation.accounts.models import Role
from participation.analogue import services
from participation.database import utcnow
from participation.discussion.models import (
    Channel,
    Contribution,
    ContributionKind,
    ModerationState,
)
from participation.discussion.services import ContributionError
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import queue
from participation.strategies.models import Section, Strategy
from tests.analogue_world import SECTIONS, moderator, strategy  # noqa: F401  (fixtures)
from tests.helpers import signed_in_client


def _enter(app, strategy, moderator, **fields):
    values = {
        "channel": Channel.LETTER,
        "received_on": date.today() - timedelta(days=2),
        "kind": ContributionKind.COMMENT,
        "body_md": "Bitte denken Sie an die Menschen ohne Internet.",
        "section_key": "vision",
    }
    values.update(fields)
    key = values.pop("section_key")
    with app.test_request_context():
        from participation.accounts.models import User

        s = db.session.get(Strategy, strategy.id)
        section = None
        if key:
            section = db.session.scalars(select(Section).where(Section.key == key)).first()
        contribution = services.enter_contribution(
            s, actor=db.session.get(User, moderator.id), section=section, **values
        )
        db.session.commit()
        return contribution.id


def _get(app, contribution_id) -> Contribution:
    with app.app_context():
        return db.session.get(Contribution, contribution_id)


# --- rules ---------------------------------------------------------------------------------


def test_a_letter_is_stored_with_channel_date_and_without_the_moderator(app, strategy, moderator):
    received = date.today() - timedelta(days=3)
    cid = _enter(app, strategy, moderator, received_on=received)
    c = _get(app, cid)
    assert c.channel is Channel.LETTER
    assert c.received_on == received
    assert c.author_id is None
    assert c.guest_name is None
    assert c.guest_email is None
    assert c.state is ModerationState.PENDING
    with app.test_request_context():
        assert c.display_name == "Bürger:in (per Brief)"


def test_a_name_needs_consent(app, strategy, moderator):
    with pytest.raises(ContributionError) as error:
        _enter(app, strategy, moderator, name="Erika Muster")
    assert error.value.field == "name_consent"
    cid = _enter(app, strategy, moderator, name="Erika Muster", name_consent=True)
    assert _get(app, cid).guest_name == "Erika Muster"


def test_consent_without_a_name_is_refused(app, strategy, moderator):
    with pytest.raises(ContributionError) as error:
        _enter(app, strategy, moderator, name="", name_consent=True)
    assert error.value.field == "name"


def test_an_address_is_kept_only_with_consent_to_answers(app, strategy, moderator):
    with pytest.raises(ContributionError) as error:
        _enter(app, strategy, moderator, email="erika@example.org")
    assert error.value.field == "email_consent"
    with pytest.raises(ContributionError) as error:
        _enter(app, strategy, moderator, email="keine-adresse", email_consent=True)
    assert error.value.field == "email"
    cid = _enter(app, strategy, moderator, email="Erika@Example.org", email_consent=True)
    assert _get(app, cid).guest_email == "erika@example.org"


def test_the_date_received_is_not_in_the_future_nor_long_before_the_opening(
    app, strategy, moderator
):
    for received in (date.today() + timedelta(days=2), date.today() - timedelta(days=60), None):
        with pytest.raises(ContributionError) as error:
            _enter(app, strategy, moderator, received_on=received)
        assert error.value.field == "received_on"
    # Three weeks before the opening (ten days ago) is inside the four weeks' margin.
    cid = _enter(app, strategy, moderator, received_on=date.today() - timedelta(days=31))
    assert _get(app, cid).received_on == date.today() - timedelta(days=31)


@pytest.mark.parametrize("channel", [None, "", "online", "workshop", "fax"])
def test_a_channel_of_the_analogue_ones_is_required(app, strategy, moderator, channel):
    with pytest.raises(ContributionError) as error:
        _enter(app, strategy, moderator, channel=channel)
    assert error.value.field == "channel"


def test_a_comment_needs_a_section_and_an_idea_a_field_of_action(app, strategy, moderator):
    with pytest.raises(ContributionError) as error:
        _enter(app, strategy, moderator, section_key=None)
    assert error.value.field == "target"
    with pytest.raises(ContributionError) as error:
        _enter(app, strategy, moderator, kind=ContributionKind.IDEA, title="Idee")
    assert error.value.field == "target"
    with pytest.raises(ContributionError) as error:
        _enter(app, strategy, moderator, kind=ContributionKind.IDEA, section_key=None)
    assert error.value.field == "title"
    whole = _enter(
        app, strategy, moderator, kind=ContributionKind.IDEA, title="Sprechstunde", section_key=None
    )
    field = _enter(
        app,
        strategy,
        moderator,
        kind=ContributionKind.IDEA,
        title="Rufbus",
        section_key="mobilitaet",
        channel=Channel.PHONE,
    )
    assert _get(app, whole).section_key is None
    assert _get(app, field).section_key == "mobilitaet"


def test_the_same_letter_typed_in_twice_is_refused(app, strategy, moderator):
    _enter(app, strategy, moderator, received_on=date.today() - timedelta(days=5))
    with pytest.raises(ContributionError) as error:
        _enter(app, strategy, moderator)
    assert error.value.field == "body_md"
    # The same words on another channel are another citizen's.
    _enter(app, strategy, moderator, channel=Channel.PHONE)


def test_entering_is_possible_after_the_window_closed(app, make, moderator):
    closed = make.strategy(sections=SECTIONS, opens_in=-timedelta(days=40))
    cid = _enter(app, closed, moderator, received_on=date.today() - timedelta(days=15))
    assert _get(app, cid).state is ModerationState.PENDING


def test_only_moderators_may_enter(app, strategy, make):
    citizen = make.user()
    with pytest.raises(ContributionError):
        _enter(app, strategy, citizen)


def test_the_entry_is_logged_with_the_moderator_and_the_channel(app, strategy, moderator):
    cid = _enter(app, strategy, moderator, channel=Channel.CITIZENS_OFFICE)
    with app.app_context():
        event = db.session.scalars(
            select(Event).where(Event.subject_type == "contributions", Event.subject_id == cid)
        ).one()
    assert event.action == "comment.entered"
    assert event.actor_id == moderator.id
    assert event.after["channel"] == "citizens_office"


# --- the form ------------------------------------------------------------------------------


def test_the_form_keeps_what_was_typed_and_explains_the_error(app, strategy, moderator):
    client = signed_in_client(app, moderator)
    url = f"/moderation/eingang/{strategy.slug}"
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'name="channel"' in text
    assert 'value="citizens_office"' in text
    response = client.post(
        url,
        data={
            "channel": "letter",
            "received_on": date.today().isoformat(),
            "kind": "comment",
            "target": "vision",
            "body_md": "Mehr Sitzbänke bitte.",
            "name": "Erika Muster",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Zustimmung" in text
    assert "Mehr Sitzbänke bitte." in text
    assert 'value="Erika Muster"' in text


def test_the_form_enters_and_leads_to_the_contribution(app, strategy, moderator):
    client = signed_in_client(app, moderator)
    response = client.post(
        f"/moderation/eingang/{strategy.slug}",
        data={
            "channel": "phone",
            "received_on": date.today().isoformat(),
            "kind": "idea",
            "target": "mobilitaet",
            "title": "Rufbus am Abend",
            "body_md": "Ein Rufbus nach 20 Uhr.",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        c = db.session.scalars(select(Contribution).where(Contribution.title.is_not(None))).one()
    assert response.headers["Location"].endswith(f"/moderation/beitraege/{c.id}")
    assert c.channel is Channel.PHONE
    assert c.kind is ContributionKind.IDEA


@pytest.mark.parametrize("role", [None, Role.DEPARTMENT, Role.COMMITTEE])
def test_others_may_not_open_the_form(app, make, strategy, role):
    user = make.user(roles=[role] if role else [])
    client = signed_in_client(app, user)
    assert client.get(f"/moderation/eingang/{strategy.slug}").status_code == 403
    assert client.post(f"/moderation/eingang/{strategy.slug}", data={}).status_code == 403
    assert client.get("/moderation/eingang").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(app, strategy):
    response = app.test_client().get(f"/moderation/eingang/{strategy.slug}")
    assert response.status_code == 302
    assert "/konto/anmelden" in response.headers["Location"]


# --- queue, publishing, public display -----------------------------------------------------


def test_the_letter_waits_in_the_queue_showing_its_channel(app, strategy, moderator):
    cid = _enter(app, strategy, moderator, received_on=date(2026, 11, 12))
    with app.app_context():
        ids = [item.contribution.id for item in queue.queue_page(None).items]
        letters = queue.queue_page(queue.Filters(channel=Channel.LETTER)).items
    assert cid in ids
    assert [item.contribution.id for item in letters] == [cid]
    client = signed_in_client(app, moderator)
    text = client.get("/moderation/").get_data(as_text=True)
    assert "per Brief eingegangen am 12.11.2026" in text
    assert "Bürger:in (per Brief)" in text


def test_published_letter_shows_its_channel_and_never_the_moderator(app, strategy, moderator):
    cid = _enter(
        app,
        strategy,
        moderator,
        received_on=date(2026, 11, 12),
        name="Erika Muster",
        name_consent=True,
    )
    client = signed_in_client(app, moderator)
    c = _get(app, cid)
    response = client.post(
        f"/moderation/beitraege/{cid}/entscheiden",
        data={"action": "publish", "state": c.state.value, "revision": c.revision, "back": "/"},
    )
    assert response.status_code == 302
    assert _get(app, cid).state is ModerationState.PUBLISHED
    reader = app.test_client()
    for url in (f"/strategien/{strategy.slug}/vision", f"/beitraege/{cid}"):
        text = reader.get(url, follow_redirects=True).get_data(as_text=True)
        assert "Erika Muster" in text
        assert "per Brief eingegangen am 12.11.2026" in text
        assert "Mara Moderatorin" not in text
    reader.post("/sprache", data={"lang": "en", "next": "/"})
    english = reader.get(f"/strategien/{strategy.slug}/vision").get_data(as_text=True)
    assert "received by letter on Nov 12, 2026" in english


def test_an_idea_by_phone_shows_the_channel_on_its_page(app, strategy, moderator):
    cid = _enter(
        app,
        strategy,
        moderator,
        kind=ContributionKind.IDEA,
        title="Rufbus",
        section_key="mobilitaet",
        channel=Channel.PHONE,
        received_on=date(2026, 11, 12),
    )
    with app.app_context():
        c = db.session.get(Contribution, cid)
        c.state = ModerationState.PUBLISHED
        c.reviewed_at = utcnow()
        db.session.commit()
    text = app.test_client().get(f"/beitraege/{cid}", follow_redirects=True).get_data(as_text=True)
    assert "Bürger:in (per Telefon)" in text
    assert "per Telefon eingegangen am 12.11.2026" in text
    listing = app.test_client().get(f"/strategien/{strategy.slug}/ideen").get_data(as_text=True)
    assert "per Telefon eingegangen am 12.11.2026" in listing
