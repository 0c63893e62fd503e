"""Following threads and strategies (a button for accounts, a confirmed address for guests),
stopping, and the notification settings page."""

import re

import pytest
from sqlalchemy import select

from participation.discussion.models import ModerationState
from participation.events.models import Event
from participation.extensions import db
from participation.notifications import services as notifications
from participation.notifications.models import Delivery, Follow, Kind, NotificationPreference
from participation.strategies.models import ModerationMode
from tests.conftest import extract_link
from tests.helpers import signed_in_client
from tests.test_notifications import choose, mails_to


@pytest.fixture
def strategy(make):
    return make.strategy(moderation_mode=ModerationMode.POST)


@pytest.fixture
def comment(make, discuss, strategy):
    return discuss.comment(strategy, make.user(), body="Mehr Radwege.")


def radio(page: str, name: str, value: str) -> str | None:
    """The tag of the radio button `name`=`value`, if the page has it."""
    for tag in re.findall(r"<input [^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return tag
    return None


def follows(app, **where) -> list[Follow]:
    with app.app_context():
        return db.session.scalars(select(Follow).filter_by(**where)).all()


def test_the_thread_offers_a_follow_link_and_the_page_a_button(app, make, strategy, comment):
    section = f"/strategien/{strategy.slug}/{comment.section_key}"
    page = app.test_client().get(section).get_data(as_text=True)
    assert f'href="/beitraege/{comment.id}/folgen"' in page

    user = make.user()
    client = signed_in_client(app, user)
    page = client.get(f"/beitraege/{comment.id}/folgen").get_data(as_text=True)
    assert f'action="/beitraege/{comment.id}/folgen"' in page
    assert "Der Diskussion folgen" in page
    response = client.post(f"/beitraege/{comment.id}/folgen", data={"next": section})
    assert response.status_code == 302
    assert response.headers["Location"] == section
    (row,) = follows(app, user_id=user.id)
    assert row.contribution_id == comment.id
    assert row.confirmed_at is not None
    # A second press changes nothing.
    client.post(f"/beitraege/{comment.id}/folgen")
    assert len(follows(app, user_id=user.id)) == 1

    page = client.get(f"/beitraege/{comment.id}/folgen").get_data(as_text=True)
    assert "Sie folgen dieser Diskussion." in page
    assert client.post(f"/beitraege/{comment.id}/nicht-mehr-folgen").status_code == 302
    assert follows(app, user_id=user.id) == []
    with app.app_context():
        actions = db.session.scalars(
            select(Event.action).where(Event.subject_type == "notification_follows")
        ).all()
    assert actions == ["notifications.followed", "notifications.unfollowed"]


def test_following_from_a_reply_follows_its_thread(app, make, discuss, comment):
    reply = discuss.reply(comment, make.user())
    user = make.user()
    signed_in_client(app, user).post(f"/beitraege/{reply.id}/folgen")
    assert [f.contribution_id for f in follows(app, user_id=user.id)] == [comment.id]


def test_what_is_not_public_cannot_be_followed(app, make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.PRE)
    pending = discuss.comment(strategy, make.user())
    assert pending.state is ModerationState.PENDING
    client = signed_in_client(app, make.user())
    assert client.get(f"/beitraege/{pending.id}/folgen").status_code == 404
    assert client.post(f"/beitraege/{pending.id}/folgen").status_code == 404
    assert client.get("/strategien/gibt-es-nicht/folgen").status_code == 404


def test_an_unconfirmed_account_cannot_follow(app, make, comment):
    user = make.user(confirmed=False)
    client = signed_in_client(app, user)
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in client.get(
        f"/beitraege/{comment.id}/folgen"
    ).get_data(as_text=True)
    client.post(f"/beitraege/{comment.id}/folgen")
    assert follows(app, user_id=user.id) == []


def test_a_strategy_is_followed_from_its_page(app, make, strategy):
    slug = strategy.slug
    user = make.user()
    client = signed_in_client(app, user)
    page = client.get(f"/strategien/{slug}").get_data(as_text=True)
    assert f'action="/strategien/{slug}/folgen"' in page
    client.post(f"/strategien/{slug}/folgen", data={"next": f"/strategien/{slug}"})
    (row,) = follows(app, user_id=user.id)
    assert row.strategy_id == strategy.id
    page = client.get(f"/strategien/{slug}").get_data(as_text=True)
    assert f'action="/strategien/{slug}/nicht-mehr-folgen"' in page
    # Anonymous visitors get a link to the page where guests enter their address.
    page = app.test_client().get(f"/strategien/{slug}").get_data(as_text=True)
    assert f'href="/strategien/{slug}/folgen"' in page


def test_a_guest_follows_by_a_confirmed_address(app, make, discuss, comment, mailbox):
    client = app.test_client()
    page = client.get(f"/beitraege/{comment.id}/folgen").get_data(as_text=True)
    assert 'name="email"' in page
    refused = client.post(f"/beitraege/{comment.id}/folgen", data={"email": "gina@example.org"})
    assert "Datenschutzhinweis" in refused.get_data(as_text=True)
    assert follows(app, email="gina@example.org") == []

    mailbox.clear()
    sent = client.post(
        f"/beitraege/{comment.id}/folgen", data={"email": "gina@example.org", "consent": "y"}
    )
    assert sent.status_code == 200
    assert "Wir haben einen Link an gina@example.org gesendet" in sent.get_data(as_text=True)
    (row,) = follows(app, email="gina@example.org")
    assert row.confirmed_at is None  # nothing is sent before the confirmation
    (mail,) = mails_to(mailbox, "gina@example.org")
    assert "List-Unsubscribe" not in mail  # a confirmation, not a notification
    link = extract_link(mailbox.body(mail), "folgen-bestaetigen")

    # Opening the link shows a button and confirms nothing.
    page = client.get(link)
    assert page.status_code == 200
    assert follows(app, email="gina@example.org")[0].confirmed_at is None
    assert client.post(link).status_code == 302
    assert follows(app, email="gina@example.org")[0].confirmed_at is not None

    discuss.reply(comment, make.user(), body="Eine Antwort.")
    with app.test_request_context():
        assert (
            notifications.delivery_for(
                notifications.Recipient("gina@example.org"), Kind.FOLLOWED_THREADS
            )
            is Delivery.DAILY
        )


def test_asking_twice_reveals_nothing_and_keeps_one_follow(app, comment, mailbox):
    client = app.test_client()
    data = {"email": "gina@example.org", "consent": "y"}
    first = client.post(f"/beitraege/{comment.id}/folgen", data=data).get_data(as_text=True)
    second = client.post(f"/beitraege/{comment.id}/folgen", data=data).get_data(as_text=True)
    # The CSRF token carries the second it was signed in; everything else must be the same.
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    assert token.sub("", first) == token.sub("", second)
    assert len(follows(app, email="gina@example.org")) == 1


def test_a_damaged_link_is_refused(app):
    client = app.test_client()
    for path in (
        "/benachrichtigungen/folgen-bestaetigen/kaputt",
        "/benachrichtigungen/nicht-mehr-folgen/kaputt",
        "/benachrichtigungen/abbestellen/kaputt",
    ):
        assert client.get(path).status_code == 400
        assert client.post(path).status_code == 400


def test_a_follower_mail_has_a_link_to_stop_following_just_that(
    app, make, discuss, comment, mailbox
):
    user = make.user()
    signed_in_client(app, user).post(f"/beitraege/{comment.id}/folgen")
    choose(app, user, followed_threads="immediate")
    mailbox.clear()
    discuss.reply(comment, make.user(), body="Eine Antwort.")
    (mail,) = mails_to(mailbox, user.email)
    link = extract_link(mailbox.body(mail), "nicht-mehr-folgen")
    client = app.test_client()
    assert "Nicht mehr folgen?" in client.get(link).get_data(as_text=True)
    assert len(follows(app, user_id=user.id)) == 1
    assert client.post(link).status_code == 200
    assert follows(app, user_id=user.id) == []
    # Still switched on for other threads.
    with app.test_request_context():
        assert (
            notifications.preferences_of({"user_id": user.id})[Kind.FOLLOWED_THREADS]
            is Delivery.IMMEDIATE
        )
    mailbox.clear()
    discuss.reply(comment, make.user(), body="Noch eine.")
    assert mails_to(mailbox, user.email) == []


def test_following_again_switches_a_kind_back_on(app, make, comment):
    user = make.user()
    choose(app, user, followed_threads="never")
    client = signed_in_client(app, user)
    page = client.get(f"/beitraege/{comment.id}/folgen").get_data(as_text=True)
    assert "abgeschaltet" in page
    client.post(f"/beitraege/{comment.id}/folgen")
    with app.test_request_context():
        assert (
            notifications.preferences_of({"user_id": user.id})[Kind.FOLLOWED_THREADS]
            is Delivery.DAILY
        )


def test_the_settings_page(app, make, comment):
    user = make.user()
    client = signed_in_client(app, user)
    account = client.get("/konto/").get_data(as_text=True)
    assert 'href="/konto/benachrichtigungen"' in account

    page = client.get("/konto/benachrichtigungen").get_data(as_text=True)
    for label in (
        "Meine Beiträge",
        "Antworten auf meine Beiträge",
        "Diskussionen, denen ich folge",
        "Strategien, denen ich folge",
    ):
        assert label in page
    assert "Tägliche Übersicht für die Moderation" not in page  # only for moderators
    assert "checked" in radio(page, "own_contributions", "immediate")
    assert "checked" in radio(page, "followed_threads", "daily")
    assert "Sie folgen noch keiner Diskussion" in page

    client.post(f"/beitraege/{comment.id}/folgen")
    page = client.get("/konto/benachrichtigungen").get_data(as_text=True)
    assert "Mehr Radwege." in page
    assert f'action="/beitraege/{comment.id}/nicht-mehr-folgen"' in page

    response = client.post(
        "/konto/benachrichtigungen",
        data={
            "own_contributions": "daily",
            "replies_to_me": "never",
            "followed_threads": "immediate",
            "followed_strategies": "daily",
            # Not offered to citizens: ignored.
            "moderation_digest": "daily",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        rows = dict(
            db.session.execute(
                select(NotificationPreference.kind, NotificationPreference.delivery).where(
                    NotificationPreference.user_id == user.id
                )
            ).all()
        )
        event = db.session.scalars(
            select(Event).where(Event.action == "notifications.preferences_changed")
        ).one()
    # Only what differs from the defaults is stored.
    assert rows == {
        Kind.OWN_CONTRIBUTIONS: Delivery.DAILY,
        Kind.REPLIES_TO_ME: Delivery.NEVER,
        Kind.FOLLOWED_THREADS: Delivery.IMMEDIATE,
    }
    assert event.subject_id == user.id
    assert event.after == {
        "own_contributions": "daily",
        "replies_to_me": "never",
        "followed_threads": "immediate",
    }

    refused = client.post("/konto/benachrichtigungen", data={"own_contributions": "sometimes"})
    assert refused.status_code == 200
    assert "kern-error" in refused.get_data(as_text=True)
