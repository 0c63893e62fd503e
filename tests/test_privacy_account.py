"""A citizen's own data: the JSON export and deleting the account (DSGVO Art. 15, 17, 20)."""

import json

from sqlalchemy import func, select

from participation.accounts.models import Role, User
from participation.discussion import services as discussion
from participation.discussion.models import Contribution, Support
from participation.events.models import Event
from participation.extensions import db
from participation.mail import queue_mail
from participation.moderation.models import Report, ReportReason
from participation.notifications.models import (
    Delivery,
    Follow,
    Kind,
    NotificationPreference,
)
from participation.outbox.models import OutboxMessage
from participation.strategies.models import ModerationMode
from tests.helpers import signed_in_client

PASSWORD = "correct horse battery"


def _setup(app, make, discuss):
    citizen = make.user(email="clara@example.org", display_name="Clara Citizen")
    other = make.user(email="otto@example.org", display_name="Otto Other")
    moderator = make.user(roles=(Role.MODERATOR,))
    strategy = make.strategy(slug="datenplan", moderation_mode=ModerationMode.POST)
    own = discuss.comment(strategy, citizen, body="Mein erster Gedanke.")
    foreign = discuss.comment(strategy, other, body="Ottos Beitrag.")
    reply = discuss.reply(own, other, body="Ottos Antwort auf Clara.")
    with app.test_request_context():
        c = db.session.get(Contribution, own.id)
        discussion.edit(c, user=db.session.get(User, citizen.id), body_md="Mein Gedanke, besser.")
        db.session.add(Support(contribution_id=foreign.id, user_id=citizen.id))
        db.session.add(
            Report(
                contribution_id=foreign.id,
                reporter_id=citizen.id,
                reason=ReportReason.OFF_TOPIC,
                text="Gehört nicht hierher.",
            )
        )
        db.session.add(
            Follow(user_id=citizen.id, contribution_id=foreign.id, confirmed_at=c.created_at)
        )
        db.session.add(
            NotificationPreference(
                user_id=citizen.id, kind=Kind.FOLLOWED_THREADS, delivery=Delivery.NEVER
            )
        )
        db.session.commit()
    return citizen, other, moderator, strategy, own, foreign, reply


def test_export_is_a_json_download_of_the_citizens_own_data(app, make, discuss):
    citizen, other, _, _, own, foreign, _ = _setup(app, make, discuss)
    client = signed_in_client(app, citizen)
    page = client.get("/konto/meine-daten")
    assert page.status_code == 200
    assert "/konto/meine-daten.json" in page.get_data(as_text=True)

    response = client.get("/konto/meine-daten.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert ".json" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))

    account = data["account"]
    assert account["email"] == "clara@example.org"
    assert account["display_name"] == "Clara Citizen"
    assert "password_hash" not in json.dumps(data)
    assert "scrypt" not in json.dumps(data)
    assert data["roles"] == []
    [mine] = data["contributions"]
    assert mine["id"] == own.id
    assert mine["text"] == "Mein Gedanke, besser."
    assert mine["state"] == "published"
    assert [r["text"] for r in mine["earlier_texts"]] == ["Mein erster Gedanke."]
    assert data["supports"][0]["contribution_id"] == foreign.id
    assert data["reports"][0]["text"] == "Gehört nicht hierher."
    assert data["follows"][0]["thread_id"] == foreign.id
    assert data["notification_preferences"] == {"followed_threads": "never"}
    actions = {e["action"] for e in data["events"]}
    assert "contribution.created" in actions or any(a.startswith("contribution") for a in actions)
    # Nobody else's data: not the other person's text, name or address.
    dumped = json.dumps(data, ensure_ascii=False)
    assert "Ottos" not in dumped
    assert "otto@example.org" not in dumped
    assert "Otto Other" not in dumped


def test_export_needs_a_login(client):
    response = client.get("/konto/meine-daten.json")
    assert response.status_code == 302
    assert "/konto/anmelden" in response.headers["Location"]


def _delete(client, password=PASSWORD, confirm="y"):
    data = {"password": password}
    if confirm:
        data["confirm"] = confirm
    return client.post("/konto/loeschen", data=data)


def test_deletion_needs_the_password_and_the_confirmation(app, make):
    citizen = make.user()
    client = signed_in_client(app, citizen)
    assert client.get("/konto/loeschen").status_code == 200
    wrong = _delete(client, password="not the password at all")
    assert wrong.status_code == 200
    assert "Das Passwort ist nicht richtig." in wrong.get_data(as_text=True)
    unconfirmed = _delete(client, confirm=None)
    assert unconfirmed.status_code == 200
    with app.app_context():
        assert db.session.get(User, citizen.id).deleted_at is None


def test_deleted_account_keeps_contributions_as_deleted_account(app, make, discuss, login):
    citizen, other, moderator, strategy, own, foreign, reply = _setup(app, make, discuss)
    with app.test_request_context():
        queue_mail("clara@example.org", "Noch offen", "confirm_email", user=None, link="x",
                   validity=str, max_age=60)  # fmt: skip
        db.session.commit()
    client = signed_in_client(app, citizen)
    response = _delete(client)
    assert response.status_code == 302
    assert client.get("/konto/").status_code == 302  # the session ended

    with app.app_context():
        user = db.session.get(User, citizen.id)
        assert user.deleted_at is not None
        assert "clara" not in user.email
        assert user.display_name == ""
        assert user.password_hash == ""
        assert not user.is_active
        assert user.roles == frozenset()
        for model in (Follow, NotificationPreference):
            count = select(func.count()).select_from(model).where(model.user_id == citizen.id)
            assert db.session.scalar(count) == 0
        assert db.session.scalar(select(func.count()).select_from(Support)) == 1  # kept, anonymous
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.recipient == "clara@example.org")
            )
            == 0
        )
        deleted = db.session.scalars(select(Event).where(Event.action == "account.deleted")).one()
        assert deleted.subject_id == citizen.id
        assert deleted.before is None
        assert deleted.after is None
        # The contribution and the reply below it stay.
        assert db.session.get(Contribution, own.id).author_id == citizen.id
        assert db.session.get(Contribution, reply.id).parent_id == own.id
        assert db.session.get(Contribution, own.id).display_name == "gelöschtes Konto"

    page = app.test_client().get("/strategien/datenplan/vision").get_data(as_text=True)
    assert "Clara Citizen" not in page
    assert "gelöschtes Konto" in page
    assert "Ottos Antwort auf Clara." in page
    english = app.test_client()
    english.post("/sprache", data={"lang": "en"})
    english_page = english.get("/strategien/datenplan/vision").get_data(as_text=True)
    assert "Clara Citizen" not in english_page
    assert "deleted account" in english_page

    # The moderation queue still works and names no one.
    queue = signed_in_client(app, moderator).get("/moderation/")
    assert queue.status_code == 200
    queue_html = queue.get_data(as_text=True)
    assert "Clara Citizen" not in queue_html
    assert "<dt>Antwort auf gelöschtes Konto</dt>" in queue_html
    detail = signed_in_client(app, moderator).get(f"/moderation/beitraege/{own.id}")
    assert detail.status_code == 200
    assert "Clara Citizen" not in detail.get_data(as_text=True)
    assert "gelöschtes Konto" in detail.get_data(as_text=True)


def test_deleted_account_cannot_log_in_and_the_address_can_register_again(
    app, make, client, mailbox
):
    citizen = make.user(email="wieder@example.org", display_name="Wieder Da")
    assert _delete(signed_in_client(app, citizen)).status_code == 302
    refused = client.post(
        "/konto/anmelden", data={"email": "wieder@example.org", "password": PASSWORD}
    )
    assert refused.status_code == 200
    registered = client.post(
        "/konto/registrieren",
        data={
            "email": "wieder@example.org",
            "display_name": "Wieder Da",
            "password": "ein ganz neues langes Passwort",
            "password_repeat": "ein ganz neues langes Passwort",
            "consent": "y",
        },
    )
    assert registered.status_code == 302
    with app.app_context():
        accounts = db.session.scalars(select(User).where(User.email == "wieder@example.org")).all()
        assert len(accounts) == 1
        assert accounts[0].id != citizen.id


def test_a_reply_to_a_deleted_accounts_contribution_mails_no_one(app, make, discuss, mailbox):
    citizen, other, *_, own, foreign, reply = _setup(app, make, discuss)
    assert _delete(signed_in_client(app, citizen)).status_code == 302
    mailbox.clear()
    discuss.reply(own, other, body="Noch eine Antwort.")
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage.recipient)).all()
        assert not any(r.startswith("deleted:") for r in rows)
        assert "clara@example.org" not in rows


def test_administrators_see_a_deleted_account_as_such(app, make):
    citizen = make.user(display_name="Weg Damit")
    admin = make.user(roles=(Role.ADMIN,))
    assert _delete(signed_in_client(app, citizen)).status_code == 302
    client = signed_in_client(app, admin)
    listing = client.get("/verwaltung/benutzer").get_data(as_text=True)
    assert "gelöschtes Konto" in listing
    assert "Weg Damit" not in listing
    page = client.get(f"/verwaltung/benutzer/{citizen.id}")
    assert page.status_code == 200
    assert "gelöschtes Konto" in page.get_data(as_text=True)
