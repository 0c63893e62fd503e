"""The author hears of it when a moderator hides a published contribution (with the reason
and note if given) and when it is restored."""

import pytest
from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.discussion.models import Contribution, ModerationState
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import services
from participation.moderation.services import ModerationError
from participation.strategies.models import ModerationMode
from tests.helpers import signed_in_client

S = ModerationState


@pytest.fixture
def moderator(make):
    return make.user(display_name="Moderation", roles=[Role.MODERATOR])


def _decide(app, contribution_id, action, actor_id, expected_state, **kwargs):
    with app.test_request_context():
        services.decide(
            db.session.get(Contribution, contribution_id),
            action,
            actor=db.session.get(User, actor_id),
            expected_state=expected_state,
            **kwargs,
        )
        db.session.commit()


def _published_comment(make, discuss, email, locale=None):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    author = make.user(email=email, locale=locale)
    return discuss.comment(strategy, author, body="Der Bürgermeister wohnt in der Hauptstraße 5.")


def test_hide_with_reason_and_note_mails_the_author_and_restore_too(
    app, make, discuss, moderator, mailbox
):
    comment = _published_comment(make, discuss, "verborgen@example.org")
    _decide(
        app,
        comment.id,
        "hide",
        moderator.id,
        S.PUBLISHED,
        reason="personal_data",
        note="Bitte keine Adressen nennen.",
    )
    mailbox.wait_for(1)
    hidden = mailbox.last_to("verborgen@example.org")
    assert hidden["Subject"] == "Ihr Beitrag wurde ausgeblendet"
    body = mailbox.body(hidden)
    assert "Grund: Personenbezogene Daten Dritter" in body
    assert "nicht selbst zugestimmt" in body  # the explanation
    assert "Bitte keine Adressen nennen." in body
    assert "Hauptstraße 5" in body
    assert "/impressum" in body
    with app.app_context():
        c = db.session.get(Contribution, comment.id)
        assert c.state is S.HIDDEN
        assert c.rejection_reason is None  # hiding is not a rejection
        event = db.session.scalars(
            select(Event).where(Event.action == "moderation.hidden", Event.subject_id == c.id)
        ).one()
        assert event.after == {
            "state": "hidden",
            "reason": "personal_data",
            "note": "Bitte keine Adressen nennen.",
        }

    mailbox.clear()
    _decide(app, comment.id, "restore", moderator.id, S.HIDDEN)
    mailbox.wait_for(1)
    restored = mailbox.last_to("verborgen@example.org")
    assert restored["Subject"] == "Ihr Beitrag ist wieder sichtbar"
    assert f"/beitraege/{comment.id}" in mailbox.body(restored)


def test_hide_without_reason_mails_in_the_authors_language(app, make, discuss, moderator, mailbox):
    comment = _published_comment(make, discuss, "english@example.org", locale="en")
    _decide(app, comment.id, "hide", moderator.id, S.PUBLISHED)
    mailbox.wait_for(1)
    message = mailbox.last_to("english@example.org")
    assert message["Subject"] == "Your contribution has been hidden"
    body = mailbox.body(message)
    assert "Reason:" not in body
    assert "has hidden your contribution" in body
    # Publishing a hidden one again is a restore for the author as well.
    mailbox.clear()
    _decide(app, comment.id, "publish", moderator.id, S.HIDDEN)
    mailbox.wait_for(1)
    assert mailbox.last_to("english@example.org")["Subject"] == (
        "Your contribution is visible again"
    )


def test_hide_refuses_an_unknown_reason_and_sends_nothing(app, make, discuss, moderator, mailbox):
    comment = _published_comment(make, discuss, "bleibt@example.org")
    mailbox.clear()
    with pytest.raises(ModerationError) as refused:
        _decide(app, comment.id, "hide", moderator.id, S.PUBLISHED, reason="no_such_reason")
    assert refused.value.field == "reason"
    with app.app_context():
        assert db.session.get(Contribution, comment.id).state is S.PUBLISHED
    assert mailbox.messages == []


def test_restoring_a_rejected_contribution_tells_the_author_it_is_published(
    app, make, discuss, moderator, mailbox
):
    strategy = make.strategy()
    author = make.user(email="doch@example.org")
    comment = discuss.comment(strategy, author)
    _decide(app, comment.id, "reject", moderator.id, S.PENDING, reason="spam")
    mailbox.clear()
    _decide(app, comment.id, "restore", moderator.id, S.REJECTED)
    mailbox.wait_for(1)
    body = mailbox.body(mailbox.last_to("doch@example.org"))
    assert "wurde veröffentlicht" in body


def test_hide_through_the_detail_page_with_a_reason(app, make, discuss, moderator, mailbox):
    comment = _published_comment(make, discuss, "seite@example.org")
    mod = signed_in_client(app, moderator)
    page = mod.get(f"/moderation/beitraege/{comment.id}").get_data(as_text=True)
    assert "freiwillig beim Ausblenden" in page
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = mod.post(
        f"/moderation/beitraege/{comment.id}/entscheiden",
        data={
            "csrf_token": token,
            "action": "hide",
            "state": "published",
            "revision": comment.revision,
            "reason": "spam",
            "note": "",
        },
    )
    assert response.status_code == 302
    mailbox.wait_for(1)
    assert "Grund: Werbung/Spam" in mailbox.body(mailbox.last_to("seite@example.org"))
