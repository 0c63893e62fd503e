"""The administrators' outbox page: what waits, what was given up, what was sent; retrying
one message or all; never the bodies, which hold tokens."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from participation.accounts.models import Role
from participation.database import utcnow
from participation.events.models import Event
from participation.extensions import db
from participation.mail import queue_mail
from participation.outbox.models import OutboxMessage, OutboxState
from tests.helpers import signed_in_client
from tests.smtp import _free_port

URL = "/verwaltung/e-mails"


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin_client(app, make):
    admin = make.user(roles=[Role.ADMIN], display_name="Adele Admin")
    return signed_in_client(app, admin), admin


def _row(app, recipient: str) -> OutboxMessage:
    with app.app_context():
        return db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient)
        ).one()


def _mail_while_down(app, monkeypatch, recipient: str, **context) -> None:
    """A password-reset-like mail written while the mail server cannot be reached."""
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())
    with app.test_request_context():
        queue_mail(recipient, "Neues Passwort", "password_changed", user=None, **context)
        db.session.commit()


def _give_up(app, recipient: str) -> None:
    with app.app_context():
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient == recipient)
            .values(failed_at=utcnow(), attempts=20)
        )
        db.session.commit()


def test_only_administrators_see_the_outbox(app, make):
    moderator = signed_in_client(app, make.user(roles=[Role.MODERATOR]))
    assert moderator.get(URL).status_code == 403
    assert app.test_client().get(URL).status_code == 302


def test_the_start_page_links_the_outbox_with_its_counts(app, admin_client, monkeypatch):
    client, _admin = admin_client
    _mail_while_down(app, monkeypatch, "wartet@example.org")
    page = html(client.get("/verwaltung/"))
    assert f'href="{URL}"' in page
    assert "E-Mails wartend: 1, aufgegeben: 0" in page


def test_pending_failed_and_sent_without_bodies(app, admin_client, monkeypatch, mailbox):
    client, _admin = admin_client
    with app.test_request_context():
        queue_mail("gesendet@example.org", "Ist raus", "password_changed", user=None)
        db.session.commit()
    mailbox.wait_for(1)
    _mail_while_down(app, monkeypatch, "wartet@example.org")
    _mail_while_down(app, monkeypatch, "aufgegeben@example.org")
    _give_up(app, "aufgegeben@example.org")
    secret = _row(app, "wartet@example.org").body_text

    page = html(client.get(URL))
    assert "wartet@example.org" in page
    assert "Neues Passwort" in page
    assert "password_changed" in page
    assert "ConnectionRefusedError" in page
    assert "aufgegeben@example.org" not in page
    assert "gesendet@example.org" not in page
    assert "Wartend (1)" in page
    assert "Aufgegeben (1)" in page
    assert "Gesendet (1)" in page
    assert secret.strip().splitlines()[-1] not in page

    page = html(client.get(URL, query_string={"state": "failed"}))
    assert "aufgegeben@example.org" in page
    assert "wartet@example.org" not in page
    page = html(client.get(URL, query_string={"state": "sent"}))
    assert "gesendet@example.org" in page
    assert '/erneut-senden"' not in page
    # An unknown state falls back to the waiting messages.
    assert "wartet@example.org" in html(client.get(URL, query_string={"state": "x"}))


def test_no_body_is_shown_even_with_a_token_in_it(app, admin_client, monkeypatch):
    client, _admin = admin_client
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())
    with app.test_request_context():
        from participation.accounts import services

        user_email = "token@example.org"
        from participation.accounts.models import User

        db.session.add(User(email=user_email, display_name="Tokenträger", password_hash="x"))
        db.session.flush()
        services.request_password_reset(user_email)
        db.session.commit()
    row = _row(app, "token@example.org")
    assert "/konto/passwort-neu/" in row.body_text
    token = row.body_text.split("/konto/passwort-neu/", 1)[1].split()[0]
    page = html(client.get(URL))
    assert "token@example.org" in page
    assert token not in page
    assert "/konto/passwort-neu/" not in page


def test_retry_one_given_up_message_sends_it_and_logs_an_event(
    app, admin_client, monkeypatch, mailbox, smtp_server
):
    client, admin = admin_client
    _mail_while_down(app, monkeypatch, "aufgegeben@example.org")
    _give_up(app, "aufgegeben@example.org")
    message = _row(app, "aufgegeben@example.org")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)  # the server is back

    response = client.post(
        f"{URL}/{message.id}/erneut-senden", data={"state": "failed"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Die Nachricht an aufgegeben@example.org wurde gesendet." in html(response)
    assert mailbox.last_to("aufgegeben@example.org")["Message-ID"] == message.message_id
    row = _row(app, "aufgegeben@example.org")
    assert row.state is OutboxState.SENT
    assert row.attempts == 21  # attempts keep counting
    with app.app_context():
        event = db.session.scalars(
            select(Event).where(Event.subject_type == "outbox_messages")
        ).one()
    assert (event.action, event.subject_id, event.actor_id) == (
        "outbox.retried",
        message.id,
        admin.id,
    )

    # Sent meanwhile: a second retry (another administrator's, say) is refused clearly.
    response = client.post(
        f"{URL}/{message.id}/erneut-senden", data={"state": "failed"}, follow_redirects=True
    )
    assert "wird gerade gesendet oder ist bereits an der Reihe" in html(response)
    assert client.post(f"{URL}/999999/erneut-senden").status_code == 404


def test_a_retry_that_fails_again_says_why(app, admin_client, monkeypatch):
    client, _admin = admin_client
    _mail_while_down(app, monkeypatch, "aufgegeben@example.org")
    _give_up(app, "aufgegeben@example.org")
    message = _row(app, "aufgegeben@example.org")
    response = client.post(f"{URL}/{message.id}/erneut-senden", follow_redirects=True)
    assert "konnte nicht gesendet werden: ConnectionRefusedError" in html(response)
    assert _row(app, "aufgegeben@example.org").state is OutboxState.FAILED


def test_retry_all_given_up_messages(app, admin_client, monkeypatch, mailbox, smtp_server):
    client, _admin = admin_client
    for name in ("a", "b", "c"):
        _mail_while_down(app, monkeypatch, f"{name}@example.org")
        _give_up(app, f"{name}@example.org")
    _mail_while_down(app, monkeypatch, "wartet@example.org")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)

    response = client.post(f"{URL}/erneut-senden", data={"state": "failed"}, follow_redirects=True)
    assert "3 Nachrichten werden erneut gesendet." in html(response)
    assert sorted(m["To"] for m in mailbox.wait_for(3)) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    # The waiting message keeps its own time; it is sent by the waiting tab's button.
    assert _row(app, "wartet@example.org").state is OutboxState.PENDING
    response = client.post(f"{URL}/erneut-senden", data={"state": "pending"}, follow_redirects=True)
    assert "1 Nachricht wird erneut gesendet." in html(response)
    assert _row(app, "wartet@example.org").state is OutboxState.SENT
    with app.app_context():
        actions = db.session.scalars(
            select(Event.action).where(Event.subject_type == "outbox_messages")
        ).all()
    assert actions == ["outbox.retried"] * 4
    response = client.post(f"{URL}/erneut-senden", data={"state": "failed"}, follow_redirects=True)
    assert "Es gab nichts erneut zu senden." in html(response)


def test_a_message_being_sent_cannot_be_retried(app, admin_client, monkeypatch):
    client, _admin = admin_client
    _mail_while_down(app, monkeypatch, "aufgegeben@example.org")
    _give_up(app, "aufgegeben@example.org")
    with app.app_context():
        db.session.execute(
            update(OutboxMessage).values(claimed_until=utcnow() + timedelta(minutes=5))
        )
        db.session.commit()
    message = _row(app, "aufgegeben@example.org")
    page = html(client.get(URL, query_string={"state": "failed"}))
    assert f'action="{URL}/{message.id}/erneut-senden"' not in page
    response = client.post(f"{URL}/{message.id}/erneut-senden", follow_redirects=True)
    assert "wird gerade gesendet" in html(response)
