"""Official replies of the office and the moderators' answer templates."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from participation.accounts.models import Role
from participation.discussion.models import Contribution
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import locks
from participation.moderation.models import AnswerTemplate
from participation.strategies.models import ModerationMode
from tests.helpers import signed_in_client as _client


@pytest.fixture
def world(make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    citizen = make.user(display_name="Bürgerin Berta")
    moderator = make.user(roles=[Role.MODERATOR], display_name="Kim Muster")
    comment = discuss.comment(strategy, citizen, body="Mehr Busse, bitte.")
    return strategy, citizen, moderator, comment


def _answer(client, comment_id, body="Wir prüfen das.", **extra):
    return client.post(
        f"/moderation/beitraege/{comment_id}/antworten", data={"body_md": body, **extra}
    )


def test_official_reply_is_signed_labelled_and_mailed(app, world, mailbox):
    strategy, citizen, moderator, comment = world
    client = _client(app, moderator)
    response = _answer(client, comment.id, "Danke, wir prüfen das im Fachamt.")
    assert response.status_code == 302
    with app.app_context():
        reply = db.session.scalars(
            select(Contribution).where(Contribution.parent_id == comment.id)
        ).one()
        assert reply.is_official
        assert reply.official_signature == "Amt für Digitalisierung"
        assert reply.state.value == "published"
        assert reply.reviewed_at is not None
        event = db.session.scalars(
            select(Event).where(Event.action == "contribution.official_reply")
        ).one()
        assert (event.subject_id, event.actor_id) == (comment.id, moderator.id)
        assert event.after["reply_id"] == reply.id
        reply_id = reply.id
    assert response.headers["Location"].endswith(f"/beitraege/{reply_id}")

    message = mailbox.last_to(citizen.email)
    assert message["Subject"] == "Die Verwaltung hat auf Ihren Beitrag geantwortet"
    body = mailbox.body(message)
    assert f"/beitraege/{reply_id}" in body
    assert "Danke, wir prüfen das im Fachamt." in body

    section_url = f"/strategien/{strategy.slug}/{comment.section_key}"
    html = app.test_client().get(section_url).get_data(as_text=True)
    article = html.split(f'id="beitrag-{reply_id}"', 1)[1].split("</article>", 1)[0]
    heading = article.split("</h", 1)[0]
    assert "Amt für Digitalisierung" in heading
    assert "Antwort der Verwaltung" in heading
    assert "Kim Muster" not in article
    assert f'class="contribution contribution--official" id="beitrag-{reply_id}"' in html

    english = app.test_client()
    english.post("/sprache", data={"lang": "en", "next": "/"})
    html = english.get(section_url).get_data(as_text=True)
    heading = html.split(f'id="beitrag-{reply_id}"', 1)[1].split("</h", 1)[0]
    assert "Official answer" in heading
    assert "Amt für Digitalisierung" in heading


def test_official_reply_with_own_name(app, world, mailbox):
    strategy, _, moderator, comment = world
    client = _client(app, moderator)
    assert _answer(client, comment.id, show_own_name="y").status_code == 302
    with app.app_context():
        reply = db.session.scalars(
            select(Contribution).where(Contribution.parent_id == comment.id)
        ).one()
        assert reply.official_signature == "Amt für Digitalisierung – Kim Muster"
    html = app.test_client().get(f"/strategien/{strategy.slug}/{comment.section_key}")
    assert "Amt für Digitalisierung – Kim Muster" in html.get_data(as_text=True)


def test_guest_author_is_mailed(app, make, discuss, mailbox):
    from participation.discussion.services import Guest

    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    moderator = make.user(roles=[Role.MODERATOR])
    with app.test_request_context():
        from participation.discussion import services
        from participation.strategies.models import Section, Strategy, Version

        s = db.session.get(Strategy, strategy.id)
        section = db.session.scalars(
            select(Section).join(Version).where(Version.strategy_id == s.id)
        ).first()
        guest = Guest("Gast Gerda", "gerda@example.org", True, verified=True)
        comment = services.post_comment(s, section, author=None, guest=guest, body_md="Hallo")
        db.session.commit()
        comment_id = comment.id
    mailbox.clear()
    assert _answer(_client(app, moderator), comment_id).status_code == 302
    message = mailbox.last_to("gerda@example.org")
    assert "Die Verwaltung hat auf Ihren Beitrag geantwortet" in message["Subject"]


def test_allowed_outside_the_window_and_in_a_locked_thread(app, make, discuss, mailbox):
    strategy = make.strategy(moderation_mode=ModerationMode.POST, duration=timedelta(days=3))
    citizen = make.user()
    moderator = make.user(roles=[Role.MODERATOR])
    comment = discuss.comment(strategy, citizen)
    with app.test_request_context():
        from participation.strategies.models import Strategy

        s = db.session.get(Strategy, strategy.id)
        s.closes_at = s.opens_at + timedelta(hours=1)  # the window is over
        locks.lock(db.session.get(Contribution, comment.id), actor=None)
        db.session.commit()
    client = _client(app, moderator)
    assert _answer(client, comment.id).status_code == 302
    with app.app_context():
        assert db.session.scalars(
            select(Contribution).where(
                Contribution.parent_id == comment.id, Contribution.is_official.is_(True)
            )
        ).one()


def test_empty_reply_keeps_the_form_and_citizens_are_refused(app, world):
    _, citizen, moderator, comment = world
    response = _answer(_client(app, moderator), comment.id, body="   ", show_own_name="y")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Bitte schreiben Sie die Antwort." in html
    checkbox = html.split('id="show_own_name"', 1)[0].rsplit("<input", 1)[1]
    assert "checked" in checkbox
    assert _answer(_client(app, citizen), comment.id).status_code == 403
    assert _client(app, citizen).get("/moderation/vorlagen").status_code == 403
    assert _client(app, citizen).post("/moderation/vorlagen/neu", data={}).status_code == 403
    with app.app_context():
        assert not db.session.scalars(
            select(Contribution).where(Contribution.parent_id == comment.id)
        ).all()


def test_detail_page_shows_the_form(app, world):
    _, _, moderator, comment = world
    html = _client(app, moderator).get(f"/moderation/beitraege/{comment.id}").get_data(True)
    assert "Offiziell antworten" in html
    assert "mit meinem Namen" in html
    assert f'action="/moderation/beitraege/{comment.id}/antworten"' in html


def test_answer_templates_crud_and_prefill(app, world):
    _, _, moderator, comment = world
    client = _client(app, moderator)
    assert client.get("/moderation/vorlagen").status_code == 200

    # Invalid: the typed text stays.
    response = client.post("/moderation/vorlagen/neu", data={"title": "", "body_md": "Text X"})
    assert response.status_code == 200
    assert "Text X" in response.get_data(as_text=True)

    response = client.post(
        "/moderation/vorlagen/neu",
        data={"title": "Danke", "body_md": "Vielen Dank für Ihren Hinweis."},
    )
    assert response.status_code == 302
    with app.app_context():
        template = db.session.scalars(select(AnswerTemplate)).one()
        template_id = template.id
        assert template.created_by_id == moderator.id
    assert "Danke" in client.get("/moderation/vorlagen").get_data(as_text=True)

    response = client.post(
        f"/moderation/vorlagen/{template_id}/bearbeiten",
        data={"title": "Dank", "body_md": "Vielen Dank, wir prüfen das."},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(AnswerTemplate, template_id).title == "Dank"

    html = client.get(f"/moderation/beitraege/{comment.id}?vorlage={template_id}").get_data(True)
    textarea = html.split('name="body_md"', 1)[1].split("</textarea>", 1)[0]
    assert "Vielen Dank, wir prüfen das." in textarea
    assert f'<option value="{template_id}" selected>' in html

    assert "wirklich" in client.get(f"/moderation/vorlagen/{template_id}/loeschen").get_data(
        as_text=True
    )
    assert client.post(f"/moderation/vorlagen/{template_id}/loeschen").status_code == 302
    with app.app_context():
        assert db.session.get(AnswerTemplate, template_id) is None
        actions = set(
            db.session.scalars(select(Event.action).where(Event.subject_type == "answer_templates"))
        )
        assert actions == {
            "answer_template.created",
            "answer_template.updated",
            "answer_template.deleted",
        }
