"""TOTP two-factor login: setup, the second login step, recovery codes, replays, the pending
marker's expiry, the rule for staff and the administrator's reset."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from config import TestingConfig
from participation.accounts import two_factor
from participation.accounts.models import Role, User
from participation.events.models import Event
from participation.extensions import db
from tests.helpers import signed_in_client

PASSWORD = "correct horse battery"


def _reload(app, user) -> User:
    with app.app_context():
        fresh = db.session.get(User, user.id)
        db.session.expunge(fresh)
        return fresh


def _code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset_steps * 30)


def _enable(app, user) -> tuple[str, list[str]]:
    """Two-factor login switched on for `user` through the services; (secret, codes)."""
    with app.test_request_context():
        fresh = db.session.get(User, user.id)
        two_factor.start_setup(fresh)
        secret = fresh.totp_secret
        # Setup used the step before now, so the current code still logs in.
        codes = two_factor.confirm_setup(fresh, _code(secret, -1))
        db.session.commit()
    return secret, codes


def _actions(app, user) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Event.action)
                .where(Event.subject_type == "users", Event.subject_id == user.id)
                .order_by(Event.id)
            )
        )


def _password_step(client, user, **extra):
    return client.post("/konto/anmelden", data={"email": user.email, "password": PASSWORD, **extra})


def _logged_in(client) -> bool:
    return client.get("/konto/").status_code == 200


def test_setup_refuses_a_wrong_code_then_accepts_the_right_one(app, make):
    user = make.user()
    client = signed_in_client(app, user)
    page = client.get("/konto/zwei-faktor").get_data(as_text=True)
    assert "Einrichtung starten" in page
    assert client.post("/konto/zwei-faktor/einrichten").status_code == 302
    page = client.get("/konto/zwei-faktor").get_data(as_text=True)
    secret = _reload(app, user).totp_secret
    assert secret
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in page
    assert "otpauth://totp/" in page
    assert 'src="data:image/svg+xml' in page  # the QR code, made here
    assert not _reload(app, user).two_factor_enabled

    wrong = f"{(int(_code(secret)) + 1) % 1000000:06d}"
    response = client.post("/konto/zwei-faktor/bestaetigen", data={"setup-code": wrong})
    page = response.get_data(as_text=True)
    assert "Dieser Code passt nicht" in page
    assert wrong not in page  # the form keeps nothing typed
    assert not _reload(app, user).two_factor_enabled

    response = client.post("/konto/zwei-faktor/bestaetigen", data={"setup-code": _code(secret)})
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", page)
    assert len(set(codes)) == 10
    assert _reload(app, user).two_factor_enabled
    assert "account.two_factor_enabled" in _actions(app, user)
    # Shown once: the page shows them no more, and only hashes are stored.
    again = client.get("/konto/zwei-faktor").get_data(as_text=True)
    assert codes[0] not in again
    assert "10 unbenutzte Wiederherstellungscodes" in again
    with app.app_context():
        from participation.accounts.models import RecoveryCode

        stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert not any(code.replace("-", "") in h for code in codes for h in stored)


def test_login_needs_the_code(app, make, client):
    user = make.user()
    secret, _codes = _enable(app, user)
    response = _password_step(client, user, next="/konto/zwei-faktor")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/konto/anmelden/code")
    # The password alone logs nobody in, and is not recorded as a login.
    assert client.get("/konto/").status_code == 302
    assert _reload(app, user).last_login_at is None
    page = client.get("/konto/anmelden/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page
    assert secret not in page

    response = client.post("/konto/anmelden/code", data={"code": "000000"})
    assert "Dieser Code ist nicht richtig" in response.get_data(as_text=True)
    assert not _logged_in(client)
    response = client.post("/konto/anmelden/code", data={"code": _code(secret)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/konto/zwei-faktor")
    assert _logged_in(client)
    assert _reload(app, user).last_login_at is not None
    with client.session_transaction() as session:
        assert two_factor.PENDING_KEY not in session


def test_a_replayed_code_is_refused(app, make):
    user = make.user()
    secret, _codes = _enable(app, user)
    first = app.test_client()
    _password_step(first, user)
    code = _code(secret)
    assert first.post("/konto/anmelden/code", data={"code": code}).status_code == 302
    second = app.test_client()
    _password_step(second, user)
    page = second.post("/konto/anmelden/code", data={"code": code}).get_data(as_text=True)
    assert "Dieser Code wurde schon verwendet" in page
    assert not _logged_in(second)


def test_a_recovery_code_works_once(app, make):
    user = make.user()
    _secret, codes = _enable(app, user)
    client = app.test_client()
    _password_step(client, user)
    response = client.post("/konto/anmelden/code", data={"code": codes[3].lower()})
    assert response.status_code == 302
    assert _logged_in(client)
    assert "account.recovery_code_used" in _actions(app, user)
    with app.app_context():
        assert two_factor.remaining_recovery_codes(db.session.get(User, user.id)) == 9

    other = app.test_client()
    _password_step(other, user)
    page = other.post("/konto/anmelden/code", data={"code": codes[3]}).get_data(as_text=True)
    assert "Dieser Code ist nicht richtig" in page
    assert not _logged_in(other)


def test_the_pending_login_expires(app, make, client, monkeypatch):
    user = make.user()
    secret, _codes = _enable(app, user)
    _password_step(client, user)
    with client.session_transaction() as session:
        marker = session[two_factor.PENDING_KEY]
        assert set(marker) >= {"u", "t"}
        assert marker["u"] == user.id
        session[two_factor.PENDING_KEY] = {**marker, "t": marker["t"] - 5 * 60 - 1}
    response = client.post("/konto/anmelden/code", data={"code": _code(secret)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/konto/anmelden")
    assert not _logged_in(client)


def test_too_many_wrong_codes_end_the_pending_login(app, make, client):
    user = make.user()
    secret, _codes = _enable(app, user)
    _password_step(client, user)
    for _ in range(two_factor.PENDING_MAX_FAILURES - 1):
        assert client.post("/konto/anmelden/code", data={"code": "123456"}).status_code == 200
    response = client.post("/konto/anmelden/code", data={"code": "123456"})
    assert response.headers["Location"].endswith("/konto/anmelden")
    response = client.post("/konto/anmelden/code", data={"code": _code(secret)})
    assert response.headers["Location"].endswith("/konto/anmelden")
    assert not _logged_in(client)


def test_disable_needs_password_and_code(app, make):
    user = make.user()
    secret, _codes = _enable(app, user)
    client = signed_in_client(app, user)
    page = client.post(
        "/konto/zwei-faktor/ausschalten",
        data={"off-password": "falsch falsch", "off-code": _code(secret)},
    ).get_data(as_text=True)
    assert "Das Passwort ist nicht richtig" in page
    assert _reload(app, user).two_factor_enabled
    client.post(
        "/konto/zwei-faktor/ausschalten",
        data={"off-password": PASSWORD, "off-code": _code(secret)},
    )
    fresh = _reload(app, user)
    assert not fresh.two_factor_enabled
    assert fresh.totp_secret is None
    assert "account.two_factor_disabled" in _actions(app, user)


def test_recovery_codes_can_be_renewed(app, make):
    user = make.user()
    secret, old = _enable(app, user)
    client = signed_in_client(app, user)
    page = client.post(
        "/konto/zwei-faktor/wiederherstellungscodes", data={"renew-code": _code(secret)}
    ).get_data(as_text=True)
    new = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", page)
    assert len(new) == 10
    assert not set(new) & set(old)
    other = app.test_client()
    _password_step(other, user)
    other.post("/konto/anmelden/code", data={"code": old[0]})
    assert not _logged_in(other)


@pytest.fixture
def staff_rule(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_TWO_FACTOR_FOR_STAFF", True)


@pytest.mark.parametrize("roles", [(Role.MODERATOR,), (Role.ADMIN,)])
def test_staff_without_a_second_factor_reach_only_the_setup(app, make, client, staff_rule, roles):
    user = make.user(roles=roles)
    response = _password_step(client, user)
    assert response.status_code == 302
    for path in ("/moderation/", "/verwaltung/", "/", "/konto/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/konto/zwei-faktor"), path
    assert client.get("/konto/zwei-faktor").status_code == 200
    assert client.get("/datenschutz").status_code == 200
    # Setting it up opens everything again.
    client.post("/konto/zwei-faktor/einrichten")
    secret = _reload(app, user).totp_secret
    client.post("/konto/zwei-faktor/bestaetigen", data={"setup-code": _code(secret)})
    assert client.get("/konto/").status_code == 200
    assert client.post("/konto/abmelden").status_code == 302


def test_citizens_and_departments_are_not_held_by_the_staff_rule(app, make, staff_rule):
    for roles in ((), (Role.DEPARTMENT,)):
        user = make.user(roles=roles, department=make.department() if roles else None)
        assert signed_in_client(app, user).get("/konto/").status_code == 200


def test_without_the_setting_staff_are_not_held(app, make):
    assert app.config["REQUIRE_TWO_FACTOR_FOR_STAFF"] is False
    moderator = make.user(roles=(Role.MODERATOR,))
    assert signed_in_client(app, moderator).get("/moderation/").status_code == 200


def test_the_setting_defaults_to_on_in_production_only():
    from config import DevelopmentConfig, ProductionConfig

    assert ProductionConfig.REQUIRE_TWO_FACTOR_FOR_STAFF is True
    assert DevelopmentConfig.REQUIRE_TWO_FACTOR_FOR_STAFF is False
    assert TestingConfig.REQUIRE_TWO_FACTOR_FOR_STAFF is False


def test_an_administrator_resets_two_factor_login(app, make):
    user = make.user()
    _enable(app, user)
    admin = make.user(roles=(Role.ADMIN,))
    client = signed_in_client(app, admin)
    page = client.get(f"/verwaltung/benutzer/{user.id}").get_data(as_text=True)
    assert "Zwei-Faktor-Anmeldung zurücksetzen" in page
    response = client.post(f"/verwaltung/benutzer/{user.id}/zwei-faktor-zuruecksetzen")
    assert response.status_code == 302
    fresh = _reload(app, user)
    assert not fresh.two_factor_enabled
    assert fresh.totp_secret is None
    with app.app_context():
        event = db.session.scalars(
            select(Event).where(Event.action == "account.two_factor_reset")
        ).one()
        assert event.subject_id == user.id
        assert event.actor_id == admin.id
    # The password alone logs in again.
    other = app.test_client()
    _password_step(other, user)
    assert _logged_in(other)


def test_messages_in_english(app, make, client):
    user = make.user()
    secret, _codes = _enable(app, user)
    client.post("/sprache", data={"lang": "en", "next": "/"})
    _password_step(client, user)
    page = client.get("/konto/anmelden/code").get_data(as_text=True)
    assert "Your password was correct." in page
    page = client.post("/konto/anmelden/code", data={"code": "000000"}).get_data(as_text=True)
    assert "This code is not correct." in page
    code = _code(secret)
    client.post("/konto/anmelden/code", data={"code": code})
    other = app.test_client()
    other.post("/sprache", data={"lang": "en", "next": "/"})
    _password_step(other, user)
    page = other.post("/konto/anmelden/code", data={"code": code}).get_data(as_text=True)
    assert "This code has already been used." in page


def test_the_code_step_is_rate_limited_per_account(limited_app, make):
    user = make.user()
    _enable(limited_app, user)
    statuses = []
    # New pending logins (fresh clients) do not reset the count for the account.
    for _ in range(3):
        client = limited_app.test_client()
        _password_step(client, user)
        for _ in range(2):
            statuses.append(client.post("/konto/anmelden/code", data={"code": "1"}).status_code)
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429


def test_the_command_line_resets_two_factor_login(app, make):
    user = make.user()
    _enable(app, user)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-two-factor", "--email", user.email])
    assert result.exit_code == 0, result.output
    assert "two-factor login reset" in result.output
    assert not _reload(app, user).two_factor_enabled
    assert "account.two_factor_reset" in _actions(app, user)
    again = runner.invoke(args=["users", "reset-two-factor", "--email", user.email])
    assert again.exit_code != 0
    assert "no two-factor login to reset" in again.output
