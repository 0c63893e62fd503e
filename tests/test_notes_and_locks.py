"""Internal notes (never public) and thread locks (no citizens' replies, staff may answer)."""

import pytest
from sqlalchemy import select

from participation.accounts.models import Role
from participation.discussion import services
from participation.discussion.models import Contribution
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import locks, notes
from participation.moderation.models import InternalNote
from participation.strategies.models import ModerationMode
from tests.helpers import signed_in_client as _client


@pytest.fixture
def world(make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    citizen = make.user(display_name="Bürgerin Berta")
    moderator = make.user(roles=[Role.MODERATOR], display_name="Moderator Max")
    comment = discuss.comment(strategy, citizen, body="Mehr Busse, bitte.")
    reply = discuss.reply(comment, make.user(), body="Und Radwege.")
    idea = discuss.idea(strategy, citizen, title="Busse am Sonntag")
    return strategy, citizen, moderator, comment, reply, idea


# --- notes ---------------------------------------------------------------------------------


def test_moderator_adds_a_note_with_an_event(app, world):
    _, _, moderator, comment, _, _ = world
    client = _client(app, moderator)
    response = client.post(
        f"/moderation/beitraege/{comment.id}/notizen", data={"body": "  Rückfrage beim Fachamt.  "}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/moderation/beitraege/{comment.id}")
    with app.test_request_context():
        c = db.session.get(Contribution, comment.id)
        [note] = notes.notes_for(c)
        assert (note.author_name, note.body) == ("Moderator Max", "Rückfrage beim Fachamt.")
        event = db.session.scalars(
            select(Event).where(Event.action == "contribution.note_added")
        ).one()
        assert (event.subject_id, event.actor_id) == (comment.id, moderator.id)


def test_empty_note_is_refused_and_next_is_kept_local(app, world):
    _, _, moderator, comment, _, _ = world
    client = _client(app, moderator)
    response = client.post(
        f"/moderation/beitraege/{comment.id}/notizen",
        data={"body": "  ", "next": "https://evil.example/"},
    )
    assert response.headers["Location"].endswith(f"/moderation/beitraege/{comment.id}")
    response = client.post(
        f"/moderation/beitraege/{comment.id}/notizen",
        data={"body": "Gut.", "next": "/moderation/meldungen"},
    )
    assert response.headers["Location"].endswith("/moderation/meldungen")
    with app.app_context():
        assert [n.body for n in db.session.scalars(select(InternalNote))] == ["Gut."]


def test_too_long_note_is_refused(app, world):
    _, _, moderator, comment, _, _ = world
    with app.test_request_context():
        c = db.session.get(Contribution, comment.id)
        with pytest.raises(notes.NoteError):
            notes.add_note(c, actor=moderator, body="x" * 5001)


def test_notes_partial_renders_for_staff(app, world):
    _, _, moderator, comment, _, _ = world
    with app.test_request_context():
        c = db.session.get(Contribution, comment.id)
        notes.add_note(c, actor=moderator, body="Notiz im Teil-Template")
        db.session.commit()
        from flask import render_template_string

        html = render_template_string(
            '{% include "moderation/reports/_notes.html" %}',
            contribution=c,
            notes=notes.notes_for(c),
        )
    assert "Notiz im Teil-Template" in html
    assert f'action="/moderation/beitraege/{comment.id}/notizen"' in html
    assert 'name="csrf_token"' in html


def test_notes_never_appear_on_public_pages(app, world):
    strategy, citizen, moderator, comment, reply, idea = world
    secret = "INTERN-7f3a9c-nicht-oeffentlich"
    with app.test_request_context():
        for target in (comment, reply, idea):
            notes.add_note(db.session.get(Contribution, target.id), actor=moderator, body=secret)
        db.session.commit()
    pages = [
        f"/strategien/{strategy.slug}/vision",
        f"/strategien/{strategy.slug}/vision?absatz=",
        f"/strategien/{strategy.slug}/vision/diskussion",
        f"/strategien/{strategy.slug}/ideen",
        f"/strategien/{strategy.slug}/ideen/{idea.id}",
        f"/beitraege/{comment.id}/antworten",
    ]
    for client in (app.test_client(), _client(app, citizen), _client(app, moderator)):
        for url in pages:
            response = client.get(url, follow_redirects=True)
            assert response.status_code == 200, url
            assert secret not in response.get_data(as_text=True), url


def test_notes_routes_are_for_staff_only(app, client, world):
    _, citizen, _, comment, _, _ = world
    url = f"/moderation/beitraege/{comment.id}/notizen"
    assert client.post(url, data={"body": "x"}).status_code == 302
    assert "/konto/anmelden" in client.post(url, data={"body": "x"}).headers["Location"]
    assert _client(app, citizen).post(url, data={"body": "x"}).status_code == 403
    for action in ("sperren", "entsperren"):
        assert (
            _client(app, citizen).post(f"/moderation/beitraege/{comment.id}/{action}").status_code
            == 403
        )
    with app.app_context():
        assert db.session.scalars(select(InternalNote)).first() is None


# --- locks ---------------------------------------------------------------------------------


def _locked_at(app, contribution_id):
    with app.app_context():
        return db.session.get(Contribution, contribution_id).locked_at


def test_lock_and_unlock_a_thread_through_any_of_its_contributions(app, world):
    _, _, moderator, comment, reply, _ = world
    client = _client(app, moderator)
    assert client.post(f"/moderation/beitraege/{reply.id}/sperren").status_code == 302
    assert _locked_at(app, comment.id) is not None
    assert _locked_at(app, reply.id) is None
    client.post(f"/moderation/beitraege/{comment.id}/sperren")  # twice: one event only
    client.post(f"/moderation/beitraege/{comment.id}/entsperren")
    assert _locked_at(app, comment.id) is None
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(Event.action)
                .where(Event.subject_id == comment.id, Event.action.like("thread.%"))
                .order_by(Event.id)
            )
        )
    assert actions == ["thread.locked", "thread.unlocked"]


def test_lock_refuses_a_reply_that_is_not_a_root(app, world):
    _, _, moderator, _, reply, _ = world
    with app.test_request_context():
        with pytest.raises(locks.LockError):
            locks.lock(db.session.get(Contribution, reply.id), actor=moderator)


def test_locked_thread_refuses_citizens_but_not_staff(app, world):
    strategy, citizen, moderator, comment, reply, _ = world
    _client(app, moderator).post(f"/moderation/beitraege/{comment.id}/sperren")
    # The service refuses, also for replies deeper in the thread.
    with app.test_request_context():
        for parent_id in (comment.id, reply.id):
            with pytest.raises(services.ContributionError, match="geschlossen|closed"):
                services.post_reply(
                    db.session.get(Contribution, parent_id),
                    author=db.session.get(type(citizen), citizen.id),
                    body_md="Noch eine Antwort.",
                )
        db.session.rollback()
    # Over HTTP: the form is shown again with the message; nothing is stored.
    response = _client(app, citizen).post(
        f"/beitraege/{reply.id}/antworten", data={"body_md": "Noch eine Antwort."}
    )
    assert "Diese Diskussion ist geschlossen" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(Contribution.id).where(Contribution.body_md == "Noch eine Antwort.")
            )
            is None
        )
    # Staff may still answer.
    response = _client(app, moderator).post(
        f"/beitraege/{comment.id}/antworten", data={"body_md": "Antwort des Amtes."}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(
            select(Contribution.id).where(Contribution.body_md == "Antwort des Amtes.")
        )


def test_locked_thread_shows_a_notice_and_no_reply_links(app, world):
    strategy, citizen, moderator, comment, reply, _ = world
    url = f"/strategien/{strategy.slug}/vision"
    before = _client(app, citizen).get(url).get_data(as_text=True)
    assert f"/beitraege/{comment.id}/antworten" in before
    _client(app, moderator).post(f"/moderation/beitraege/{comment.id}/sperren")
    for page in (url, f"{url}/diskussion"):
        html = _client(app, citizen).get(page).get_data(as_text=True)
        assert "Diese Diskussion ist geschlossen" in html
        assert f"/beitraege/{comment.id}/antworten" not in html
        assert f"/beitraege/{reply.id}/antworten" not in html
        staff = _client(app, moderator).get(page).get_data(as_text=True)
        assert "Diese Diskussion ist geschlossen" in staff
        assert f"/beitraege/{reply.id}/antworten" in staff


def test_locked_idea_has_no_reply_form_for_citizens(app, world):
    strategy, citizen, moderator, _, _, idea = world
    url = f"/strategien/{strategy.slug}/ideen/{idea.id}"
    first = _client(app, citizen).get(url).get_data(as_text=True)
    assert f'action="/beitraege/{idea.id}/antworten"' in first
    _client(app, moderator).post(f"/moderation/beitraege/{idea.id}/sperren")
    html = _client(app, citizen).get(url).get_data(as_text=True)
    assert "Diese Diskussion ist geschlossen" in html
    assert f'action="/beitraege/{idea.id}/antworten"' not in html
    staff = _client(app, moderator).get(url).get_data(as_text=True)
    assert f'action="/beitraege/{idea.id}/antworten"' in staff


def test_queue_detail_page_offers_lock_and_notes_and_links_reports(app, make, client, login):
    from participation.accounts.models import Role
    from participation.strategies.models import ModerationMode

    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    author, moderator = make.user(), make.user(roles=[Role.MODERATOR])
    from tests.factories import DiscussionFactory

    comment = DiscussionFactory(app).comment(strategy, author, body="Bitte prüfen.")
    login(moderator)
    page = client.get(f"/moderation/beitraege/{comment.id}").get_data(as_text=True)
    assert "Interne Notizen" in page
    assert f"/moderation/beitraege/{comment.id}/sperren" in page
    client.post(f"/moderation/beitraege/{comment.id}/sperren")
    page = client.get(f"/moderation/beitraege/{comment.id}").get_data(as_text=True)
    assert f"/moderation/beitraege/{comment.id}/entsperren" in page
    assert "/moderation/meldungen" in client.get("/moderation/").get_data(as_text=True)
