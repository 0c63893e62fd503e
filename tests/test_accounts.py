"""Registration, confirmation, login and logout, with mail through the real SMTP server."""

import re

import pytest
from sqlalchemy import func, select

from participation.accounts.models import User
from participation.events.models import Event
from participation.extensions import db
from tests.conftest import extract_link

NEW_PASSWORD = "Laterne Fahrradkeller Wolkenbruch"


def _user(app, email: str) -> User | None:
    with app.app_context():
        return db.session.scalars(select(User).where(User.email == email)).first()


def _user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _register(client, **overrides):
    data = {
        "email": "Neu.Person@Example.org ",
        "display_name": "Kiezfuchs",
        "password": NEW_PASSWORD,
        "password_repeat": NEW_PASSWORD,
        "consent": "y",
    }
    data.update(overrides)
    return client.post("/konto/registrieren", data=data)


def _field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="kern-error" id="{field_id}-error">(.*?)</p>', html, re.S)
    assert match, f"no error next to {field_id}"
    return match.group(1)


def test_register_form_explains_pseudonym_and_links_privacy_notice(client):
    html = client.get("/konto/registrieren").get_data(as_text=True)
    assert "Pseudonym" in html
    assert 'href="/datenschutz"' in html
    assert 'aria-describedby="display_name-hint"' in html


def test_full_flow_register_confirm_login_logout(client, app, mailbox):
    response = _register(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bitte sehen Sie in Ihr Postfach" in page
    assert "1 Woche" in page

    user = _user(app, "neu.person@example.org")  # normalised to lower case
    assert user is not None
    assert user.email_confirmed_at is None
    assert user.display_name == "Kiezfuchs"
    assert user.locale == "de"

    message = mailbox.last_to("neu.person@example.org")
    assert message["Subject"] == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    body = mailbox.body(message)
    assert "Guten Tag Kiezfuchs" in body
    assert "Stadt Musterstadt" in body
    assert "1 Woche gültig" in body
    assert "Falls Sie das nicht waren" in body
    link = extract_link(body, "/konto/bestaetigen/")
    assert body.count("http://localhost/konto/bestaetigen/") == 1  # built on BASE_URL

    # Opening the link (as a mail scanner would) only shows the button.
    shown = client.get(link)
    assert shown.status_code == 200
    assert "E-Mail-Adresse bestätigen" in shown.get_data(as_text=True)
    assert _user(app, "neu.person@example.org").email_confirmed_at is None
    response = client.post(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/konto/anmelden"
    assert _user(app, "neu.person@example.org").email_confirmed_at is not None
    assert client.post(link).status_code == 302  # confirming twice is harmless

    response = client.post(
        "/konto/anmelden", data={"email": "NEU.person@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    settings = client.get("/konto/").get_data(as_text=True)
    assert "Kiezfuchs" in settings
    assert "neu.person@example.org" in settings
    assert "Willkommen, Kiezfuchs" in settings  # flash
    assert _user(app, "neu.person@example.org").last_login_at is not None

    assert client.get("/konto/abmelden").status_code == 405  # logout is POST only
    response = client.post("/konto/abmelden")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Sie wurden abgemeldet" in client.get("/").get_data(as_text=True)
    assert client.get("/konto/").status_code == 302

    with app.app_context():
        actions = set(
            db.session.scalars(
                select(Event.action).where(
                    Event.subject_type == "users", Event.subject_id == user.id
                )
            )
        )
    assert {"account.registered", "account.email_confirmed"} <= actions


@pytest.mark.parametrize(
    ("password", "message"),
    [("kurz", "mindestens 10 Zeichen"), ("password123", "zu verbreitet")],
)
def test_weak_password_refused_next_to_field_and_input_kept(
    client, app, mailbox, password, message
):
    response = _register(client, password=password, password_repeat=password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in _field_error(html, "password")
    assert 'value="neu.person@example.org"' in html
    assert 'value="Kiezfuchs"' in html
    assert 'aria-invalid="true"' in html
    assert _user(app, "neu.person@example.org") is None
    assert mailbox.messages == []


def test_password_containing_the_display_name_is_refused(client, app):
    response = _register(
        client, display_name="Gartenzwerg", password="Gartenzwerg1", password_repeat="Gartenzwerg1"
    )
    assert "zu verbreitet" in _field_error(response.get_data(as_text=True), "password")


def test_register_needs_consent_valid_email_and_matching_passwords(client, app):
    response = _register(
        client, email="keine-adresse", consent="", password_repeat="etwas anderes", display_name="X"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "gültige E-Mail-Adresse" in _field_error(html, "email")
    assert "zwischen 2 und 60 Zeichen" in _field_error(html, "display_name")
    assert "stimmen nicht überein" in _field_error(html, "password_repeat")
    assert "Datenschutzerklärung" in _field_error(html, "consent")
    assert _user_count(app) == 0


def test_duplicate_registration_does_not_leak_and_mails_the_owner(client, app, make, mailbox):
    owner = make.user(email="besitz@example.org", display_name="Besitzerin")
    before = _user_count(app)
    fresh = _register(client, email="frisch@example.org")
    duplicate = _register(client, email="BESITZ@example.org", display_name="Jemand")
    assert duplicate.status_code == fresh.status_code == 302
    assert duplicate.headers["Location"] == fresh.headers["Location"]
    assert _user_count(app) == before + 1

    mailbox.wait_for(2)
    message = mailbox.last_to("besitz@example.org")
    assert "versucht" in message["Subject"]
    body = mailbox.body(message)
    assert "Guten Tag Besitzerin" in body
    assert extract_link(body, "/konto/passwort-vergessen")
    assert "/konto/bestaetigen/" not in body
    assert _user(app, "besitz@example.org").display_name == owner.display_name


def test_login_wrong_password_and_unknown_email_get_the_same_message(client, make):
    user = make.user()
    wrong = client.post("/konto/anmelden", data={"email": user.email, "password": "falsch falsch"})
    unknown = client.post(
        "/konto/anmelden", data={"email": "niemand@example.org", "password": "falsch falsch"}
    )
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "E-Mail-Adresse oder Passwort sind nicht richtig" in response.get_data(as_text=True)
    assert f'value="{user.email}"' in wrong.get_data(as_text=True)
    assert client.get("/konto/").status_code == 302


def test_deactivated_account_is_refused(client, make):
    user = make.user(is_active=False)
    response = client.post(
        "/konto/anmelden", data={"email": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 200
    assert "deaktiviert" in response.get_data(as_text=True)
    assert client.get("/konto/").status_code == 302


def test_unconfirmed_user_may_log_in_and_sees_notice_with_resend_link(client, make, login):
    user = make.user(confirmed=False)
    login(user)
    html = client.get("/konto/").get_data(as_text=True)
    assert "noch nicht bestätigt" in html
    assert 'href="/konto/bestaetigung-erneut"' in html
    form = client.get("/konto/bestaetigung-erneut").get_data(as_text=True)
    assert f'value="{user.email}"' in form


def test_login_renews_session(client, make, login):
    user = make.user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.auth_version}"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/konto/", "/konto/"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_to_this_site(client, make, target, expected):
    user = make.user()
    page = client.get("/konto/anmelden", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next"' in page
    response = client.post(
        "/konto/anmelden",
        data={"email": user.email, "password": "correct horse battery", "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_remember_me_sets_a_cookie(client, make):
    user = make.user()
    client.post(
        "/konto/anmelden",
        data={"email": user.email, "password": "correct horse battery", "remember": "y"},
    )
    assert client.get_cookie("remember_token") is not None


def test_expired_confirmation_link_offers_a_new_one(client, app, make, mailbox, monkeypatch):
    _register(client, email="spaet@example.org")
    link = extract_link(mailbox.body(mailbox.last_to("spaet@example.org")), "/bestaetigen/")
    monkeypatch.setitem(app.config, "EMAIL_CONFIRM_MAX_AGE", -1)
    response = client.get(link)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "abgelaufen" in html
    assert 'action="/konto/bestaetigung-erneut"' in html
    assert _user(app, "spaet@example.org").email_confirmed_at is None

    monkeypatch.setitem(app.config, "EMAIL_CONFIRM_MAX_AGE", 7 * 24 * 3600)
    mailbox.clear()
    response = client.post("/konto/bestaetigung-erneut", data={"email": "spaet@example.org"})
    assert response.status_code == 302
    new_link = extract_link(mailbox.body(mailbox.last_to("spaet@example.org")), "/bestaetigen/")
    client.post(new_link)
    assert _user(app, "spaet@example.org").email_confirmed_at is not None


def test_damaged_confirmation_link(client):
    html = client.get("/konto/bestaetigen/nicht-echt").get_data(as_text=True)
    assert "nicht mehr gültig" in html


def test_confirmation_link_for_an_old_address_is_refused(client, app, make, mailbox):
    _register(client, email="alt@example.org")
    link = extract_link(mailbox.body(mailbox.last_to("alt@example.org")), "/bestaetigen/")
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == "alt@example.org")).one()
        user.email = "anders@example.org"
        db.session.commit()
    assert "nicht mehr gültig" in client.get(link).get_data(as_text=True)


def test_resend_never_reveals_whether_an_address_exists(client, make, mailbox):
    confirmed = make.user()
    unconfirmed = make.user(confirmed=False)
    responses = [
        client.post("/konto/bestaetigung-erneut", data={"email": email})
        for email in ("niemand@example.org", confirmed.email, unconfirmed.email)
    ]
    assert {r.status_code for r in responses} == {302}
    assert len({r.headers["Location"] for r in responses}) == 1
    mailbox.wait_for(1)
    assert [m["To"] for m in mailbox.messages] == [unconfirmed.email]


def test_english_user_gets_english_mail(client, mailbox):
    client.post("/sprache", data={"lang": "en", "next": "/"})
    _register(client, email="english@example.org")
    message = mailbox.last_to("english@example.org")
    assert message["Subject"] == "Please confirm your e-mail address"
    body = mailbox.body(message)
    assert "Hello Kiezfuchs" in body
    assert "valid for 1 week" in body
