"""Forgotten password, changing the password, and which sessions survive it."""

from sqlalchemy import select

from participation.accounts.models import User
from participation.extensions import db
from tests.conftest import extract_link
from tests.factories import DEFAULT_PASSWORD

NEW_PASSWORD = "Kastanienallee Teekanne Nordwind"


def _reload(app, user) -> User:
    with app.app_context():
        return db.session.get(User, user.id)


def _logged_in(client) -> bool:
    return client.get("/konto/").status_code == 200


def _second_client(app, user):
    other = app.test_client()
    response = other.post(
        "/konto/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert _logged_in(other)
    return other


def test_reset_flow_single_use_and_ends_other_sessions(client, app, make, mailbox):
    user = make.user(confirmed=False)
    other = _second_client(app, user)

    response = client.post("/konto/passwort-vergessen", data={"email": user.email.upper()})
    assert response.status_code == 302
    message = mailbox.last_to(user.email)
    assert message["Subject"] == "Neues Passwort festlegen"
    body = mailbox.body(message)
    assert "2 Stunden gültig und funktioniert nur einmal" in body
    link = extract_link(body, "/konto/passwort-neu/")

    form = client.get(link)
    assert form.status_code == 200
    assert user.email in form.get_data(as_text=True)

    weak = client.post(link, data={"password": "passwort", "password_repeat": "passwort"})
    assert "mindestens 10 Zeichen" in weak.get_data(as_text=True)

    response = client.post(link, data={"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/konto/anmelden"

    fresh = _reload(app, user)
    assert fresh.auth_version == user.auth_version + 1
    assert fresh.email_confirmed_at is not None  # the link proved access to the mailbox
    assert not _logged_in(other)

    used_again = client.get(link).get_data(as_text=True)
    assert "bereits verwendet" in used_again
    again = client.post(link, data={"password": "Noch ein ganz anderes", "password_repeat": "x"})
    assert "bereits verwendet" in again.get_data(as_text=True)

    old = client.post("/konto/anmelden", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 200
    new = client.post("/konto/anmelden", data={"email": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 302


def test_forgot_password_same_answer_for_unknown_address(client, make, mailbox):
    user = make.user()
    unknown = client.post("/konto/passwort-vergessen", data={"email": "niemand@example.org"})
    known = client.post("/konto/passwort-vergessen", data={"email": user.email})
    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"]
    mailbox.wait_for(1)
    assert [m["To"] for m in mailbox.messages] == [user.email]


def test_deactivated_account_gets_no_reset_mail(client, make, mailbox):
    user = make.user(is_active=False)
    client.post("/konto/passwort-vergessen", data={"email": user.email})
    assert mailbox.messages == []


def test_expired_reset_link(client, app, make, mailbox, monkeypatch):
    user = make.user()
    client.post("/konto/passwort-vergessen", data={"email": user.email})
    link = extract_link(mailbox.body(mailbox.last_to(user.email)), "/passwort-neu/")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    html = client.get(link).get_data(as_text=True)
    assert "abgelaufen" in html
    assert 'href="/konto/passwort-vergessen"' in html


def test_confirmation_token_is_no_reset_token(client, make, mailbox):
    client.post(
        "/konto/registrieren",
        data={
            "email": "salz@example.org",
            "display_name": "Salz",
            "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD,
            "consent": "y",
        },
    )
    link = extract_link(mailbox.body(mailbox.last_to("salz@example.org")), "/bestaetigen/")
    token = link.rsplit("/", 1)[-1]
    html = client.get(f"/konto/passwort-neu/{token}").get_data(as_text=True)
    assert "Dieser Link kann nicht verwendet werden" in html
    assert 'name="password"' not in html


def test_change_password_keeps_this_session_and_ends_others(client, app, make, login, mailbox):
    user = make.user()
    other = _second_client(app, user)
    login(user)
    response = client.post(
        "/konto/passwort",
        data={
            "pw-current_password": DEFAULT_PASSWORD,
            "pw-new_password": NEW_PASSWORD,
            "pw-new_password_repeat": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(other)
    assert _reload(app, user).auth_version == user.auth_version + 1
    assert "geändert" in mailbox.last_to(user.email)["Subject"]


def test_change_password_keeps_a_remember_me_login(client, app, make):
    user = make.user()
    client.post(
        "/konto/anmelden",
        data={"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"},
    )
    client.post(
        "/konto/passwort",
        data={
            "pw-current_password": DEFAULT_PASSWORD,
            "pw-new_password": NEW_PASSWORD,
            "pw-new_password_repeat": NEW_PASSWORD,
        },
    )
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.value.startswith(f"{user.id}:{user.auth_version + 1}|")


def test_change_password_needs_the_current_one(client, app, make, login):
    user = make.user()
    login(user)
    response = client.post(
        "/konto/passwort",
        data={
            "pw-current_password": "falsch geraten",
            "pw-new_password": NEW_PASSWORD,
            "pw-new_password_repeat": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="pw-current_password-error"' in html
    assert "aktuelle Passwort ist nicht richtig" in html
    assert _reload(app, user).auth_version == user.auth_version


def test_change_password_refuses_a_weak_one(client, app, make, login):
    user = make.user()
    login(user)
    response = client.post(
        "/konto/passwort",
        data={
            "pw-current_password": DEFAULT_PASSWORD,
            "pw-new_password": "1234567890",
            "pw-new_password_repeat": "1234567890",
        },
    )
    html = response.get_data(as_text=True)
    assert 'id="pw-new_password-error"' in html
    assert "zu verbreitet" in html
    with app.app_context():
        stored = db.session.scalars(select(User.password_hash).where(User.id == user.id)).one()
    assert stored == user.password_hash
