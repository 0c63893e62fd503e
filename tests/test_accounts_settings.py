"""The settings page: overview, display name, e-mail change; and the login rate limit."""

from participation.accounts.models import Role, User
from participation.extensions import db
from tests.conftest import extract_link
from tests.factories import DEFAULT_PASSWORD


def _reload(app, user) -> User:
    with app.app_context():
        return db.session.get(User, user.id)


def test_settings_need_login(client):
    response = client.get("/konto/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/konto/anmelden?next=")


def test_settings_show_email_name_roles_and_department(client, make, login):
    department = make.department(name="Amt für Mobilität")
    user = make.user(
        display_name="Frau Amt", roles=[Role.DEPARTMENT, Role.MODERATOR], department=department
    )
    login(user)
    html = client.get("/konto/").get_data(as_text=True)
    assert user.email in html
    assert "Frau Amt" in html
    assert "Moderation, Fachamt" in html
    assert "Amt für Mobilität" in html
    assert html.count("<h1") == 1


def test_citizen_role_shown(client, make, login):
    login(make.user())
    assert "Bürger:in" in client.get("/konto/").get_data(as_text=True)


def test_change_display_name(client, app, make, login):
    user = make.user(display_name="Alt")
    login(user)
    response = client.post("/konto/name", data={"profile-display_name": "  Neuer   Name "})
    assert response.status_code == 302
    assert _reload(app, user).display_name == "Neuer Name"

    response = client.post("/konto/name", data={"profile-display_name": "x"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="profile-display_name-error"' in html
    assert 'value="x"' in html
    assert _reload(app, user).display_name == "Neuer Name"


def test_change_email_flow(client, app, make, login, mailbox):
    user = make.user(email="vorher@example.org", display_name="Wechslerin")
    login(user)
    response = client.post(
        "/konto/e-mail",
        data={"mail-email": "Nachher@Example.org", "mail-password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert "nachher@example.org" in client.get("/konto/").get_data(as_text=True)  # flash
    assert _reload(app, user).email == "vorher@example.org"  # not yet

    mailbox.wait_for(2)
    confirm = mailbox.last_to("nachher@example.org")
    assert confirm["Subject"] == "Bitte bestätigen Sie Ihre neue E-Mail-Adresse"
    notice = mailbox.body(mailbox.last_to("vorher@example.org"))
    assert "nachher@example.org" in notice
    assert "/konto/e-mail-bestaetigen/" not in notice
    link = extract_link(mailbox.body(confirm), "/konto/e-mail-bestaetigen/")

    response = client.get(link)
    assert response.status_code == 302
    fresh = _reload(app, user)
    assert fresh.email == "nachher@example.org"
    assert fresh.email_confirmed_at is not None
    assert client.get(link).status_code == 302  # used twice: harmless

    client.post("/konto/abmelden")
    old = client.post(
        "/konto/anmelden", data={"email": "vorher@example.org", "password": DEFAULT_PASSWORD}
    )
    assert old.status_code == 200
    new = client.post(
        "/konto/anmelden", data={"email": "nachher@example.org", "password": DEFAULT_PASSWORD}
    )
    assert new.status_code == 302


def test_change_email_refuses_an_address_of_another_account(client, app, make, login, mailbox):
    make.user(email="vergeben@example.org")
    user = make.user()
    login(user)
    response = client.post(
        "/konto/e-mail",
        data={"mail-email": "vergeben@example.org", "mail-password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="mail-email-error"' in html
    assert "kann nicht verwendet werden" in html
    assert mailbox.messages == []


def test_change_email_needs_the_password(client, app, make, login, mailbox):
    user = make.user()
    login(user)
    response = client.post(
        "/konto/e-mail", data={"mail-email": "neu@example.org", "mail-password": "falsch geraten"}
    )
    html = response.get_data(as_text=True)
    assert 'id="mail-password-error"' in html
    assert 'value="neu@example.org"' in html
    assert mailbox.messages == []


def test_change_email_link_fails_when_address_was_taken_meanwhile(
    client, app, make, login, mailbox
):
    user = make.user()
    login(user)
    client.post(
        "/konto/e-mail",
        data={"mail-email": "begehrt@example.org", "mail-password": DEFAULT_PASSWORD},
    )
    link = extract_link(
        mailbox.body(mailbox.last_to("begehrt@example.org")), "/e-mail-bestaetigen/"
    )
    make.user(email="begehrt@example.org")
    html = client.get(link).get_data(as_text=True)
    assert "kann nicht verwendet werden" in html
    assert _reload(app, user).email == user.email


def test_expired_change_email_link(client, app, make, login, mailbox, monkeypatch):
    user = make.user()
    login(user)
    client.post(
        "/konto/e-mail",
        data={"mail-email": "zuspaet@example.org", "mail-password": DEFAULT_PASSWORD},
    )
    link = extract_link(
        mailbox.body(mailbox.last_to("zuspaet@example.org")), "/e-mail-bestaetigen/"
    )
    monkeypatch.setitem(app.config, "EMAIL_CONFIRM_MAX_AGE", -1)
    assert "abgelaufen" in client.get(link).get_data(as_text=True)
    assert _reload(app, user).email == user.email


def test_login_is_rate_limited(limited_client):
    data = {"email": "rate@example.org", "password": "falsch geraten"}
    statuses = [limited_client.post("/konto/anmelden", data=data).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    page = limited_client.post("/konto/anmelden", data=data).get_data(as_text=True)
    assert "Zu viele Versuche" in page
    assert limited_client.get("/konto/anmelden").status_code == 200  # reading is not limited
