"""`flask users create | set-roles | list`."""

from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.events.models import Event
from participation.extensions import db

STRONG = "Brückenpfeiler Sommerregen Kompass"


def _user(app, email) -> User | None:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).first()
        if user is not None:
            user.department  # noqa: B018 (load it while the session is open)
        return user


def _create(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["users", "create", *args], input=input)


def test_create_staff_account_with_password_option(app, make):
    department = make.department(short_name="MOB")
    result = _create(
        app,
        "--email", "Chefin@Example.org", "--display-name", "Chefin",
        "--role", "moderator", "--role", "admin", "--role", "department",
        "--department", "MOB", "--password", STRONG,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "chefin@example.org" in result.output
    user = _user(app, "chefin@example.org")
    assert user.roles == {Role.MODERATOR, Role.ADMIN, Role.DEPARTMENT}
    assert user.department_id == department.id
    assert user.email_confirmed
    with app.app_context():
        actions = list(db.session.scalars(select(Event.action).where(Event.subject_id == user.id)))
    assert actions == ["account.created", "account.roles_changed"]


def test_created_account_can_log_in(app, client):
    _create(app, "--email", "cli@example.org", "--display-name", "Cli", "--password", STRONG)
    response = client.post("/konto/anmelden", data={"email": "cli@example.org", "password": STRONG})
    assert response.status_code == 302


def test_create_prompts_for_password_and_retries_a_weak_one(app):
    result = _create(
        app, "--email", "prompt@example.org", "--display-name", "Prompt",
        input=f"password123\npassword123\n{STRONG}\n{STRONG}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "too common" in result.output
    assert _user(app, "prompt@example.org") is not None


def test_create_refuses_unknown_role(app):
    result = _create(
        app, "--email", "x@example.org", "--display-name", "X Y",
        "--role", "kaiser", "--password", STRONG,
    )  # fmt: skip
    assert result.exit_code != 0
    assert "Unknown role kaiser" in result.output
    assert "moderator" in result.output
    assert _user(app, "x@example.org") is None


def test_create_refuses_duplicate_email(app, make):
    make.user(email="doppelt@example.org")
    result = _create(
        app, "--email", "DOPPELT@example.org", "--display-name", "Zwei", "--password", STRONG
    )
    assert result.exit_code != 0
    assert "exists" in result.output


def test_create_refuses_weak_password_option_and_bad_email(app):
    weak = _create(app, "--email", "w@example.org", "--display-name", "Weak", "--password", "1234")
    assert weak.exit_code != 0
    assert "at least 10 characters" in weak.output
    bad = _create(app, "--email", "kein-at", "--display-name", "Bad", "--password", STRONG)
    assert bad.exit_code != 0
    assert "e-mail" in bad.output.lower()


def test_department_role_needs_a_department(app):
    result = _create(
        app, "--email", "fa@example.org", "--display-name", "FA",
        "--role", "department", "--password", STRONG,
    )  # fmt: skip
    assert result.exit_code != 0
    assert "need a department" in result.output
    assert _user(app, "fa@example.org") is None


def test_unknown_department(app):
    result = _create(
        app, "--email", "ud@example.org", "--display-name", "UD",
        "--department", "NOPE", "--password", STRONG,
    )  # fmt: skip
    assert result.exit_code != 0
    assert "Unknown department 'NOPE'" in result.output


def test_set_roles_replaces_roles_and_logs_one_event(app, make):
    user = make.user(roles=[Role.MODERATOR])
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "set-roles", "--email", user.email, "--role", "committee", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert _user(app, user.email).roles == {Role.COMMITTEE, Role.ADMIN}
    with app.app_context():
        event = db.session.scalars(
            select(Event).where(
                Event.subject_id == user.id, Event.action == "account.roles_changed"
            )
        ).one()
        assert event.before == {"roles": ["moderator"], "department_id": None}
        assert event.after == {"roles": ["admin", "committee"], "department_id": None}

    cleared = runner.invoke(args=["users", "set-roles", "--email", user.email])
    assert cleared.exit_code == 0
    assert _user(app, user.email).roles == frozenset()


def test_set_roles_keeps_or_clears_the_department(app, make):
    department = make.department()
    user = make.user(roles=[Role.DEPARTMENT], department=department)
    runner = app.test_cli_runner()
    kept = runner.invoke(args=["users", "set-roles", "--email", user.email, "--role", "department"])
    assert kept.exit_code == 0
    assert _user(app, user.email).department_id == department.id
    refused = runner.invoke(
        args=[
            "users",
            "set-roles",
            "--email",
            user.email,
            "--role",
            "department",
            "--no-department",
        ]
    )
    assert refused.exit_code != 0
    cleared = runner.invoke(args=["users", "set-roles", "--email", user.email, "--no-department"])
    assert cleared.exit_code == 0
    assert _user(app, user.email).department_id is None


def test_set_roles_unknown_email(app):
    result = app.test_cli_runner().invoke(
        args=["users", "set-roles", "--email", "weg@example.org", "--role", "admin"]
    )
    assert result.exit_code != 0
    assert "No account" in result.output


def test_list_shows_accounts_with_roles_and_state(app, make):
    department = make.department(short_name="KULT")
    make.user(email="liste@example.org", roles=[Role.DEPARTMENT], department=department)
    make.user(email="offen@example.org", confirmed=False)
    result = app.test_cli_runner().invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = {line.split()[1]: line for line in result.output.splitlines()}
    assert "department; department KULT" in lines["liste@example.org"]
    assert "unconfirmed" in lines["offen@example.org"]
    assert "citizen" in lines["offen@example.org"]
