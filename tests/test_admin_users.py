"""Administration of users: list, search, filter, pagination, roles, department, active flag."""

import re

import pytest
from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.events.models import Event
from participation.extensions import db


@pytest.fixture
def admin(make, login):
    user = make.user(roles=[Role.ADMIN], display_name="Ada Admin", email="ada@example.org")
    login(user)
    return user


def _user(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        user.roles  # noqa: B018  (load the roles before the context ends)
        return user


def _events(app, action, user_id):
    with app.app_context():
        return db.session.scalars(
            select(Event).where(Event.action == action, Event.subject_id == user_id)
        ).all()


def test_list_shows_roles_department_confirmed_and_active(client, make, admin):
    department = make.department(name="Stadtplanungsamt", short_name="Amt 61")
    make.user(
        display_name="Fiona Fachamt",
        roles=[Role.DEPARTMENT],
        department=department,
        confirmed=False,
        is_active=False,
    )
    html = client.get("/verwaltung/benutzer").get_data(as_text=True)
    row = html.split("Fiona Fachamt", 1)[1].split("</tr>", 1)[0]
    assert "Fachamt" in row
    assert "Amt 61" in row
    assert "nein" in row
    assert "deaktiviert" in row
    admin_row = html.split("Ada Admin", 1)[1].split("</tr>", 1)[0]
    assert "Administration" in admin_row


def test_search_by_email_and_display_name(client, make, admin):
    make.user(display_name="Bernd Beispiel", email="bernd@example.org")
    make.user(display_name="Carla", email="carla@stadt.example")
    html = client.get("/verwaltung/benutzer?q=beispiel").get_data(as_text=True)
    assert "Bernd Beispiel" in html
    assert "Carla" not in html
    html = client.get("/verwaltung/benutzer?q=STADT.example").get_data(as_text=True)
    assert "Carla" in html
    assert "Bernd Beispiel" not in html
    # LIKE wildcards are taken literally
    html = client.get("/verwaltung/benutzer?q=%25").get_data(as_text=True)
    assert "Gefundene Konten: 0" in html


def test_filter_by_role(client, make, admin):
    make.user(display_name="Moritz Moderation", roles=[Role.MODERATOR])
    make.user(display_name="Birgit Bürgerin")
    html = client.get("/verwaltung/benutzer?role=moderator").get_data(as_text=True)
    assert "Moritz Moderation" in html
    assert "Birgit Bürgerin" not in html
    assert "ada@example.org" not in html
    html = client.get("/verwaltung/benutzer?role=none").get_data(as_text=True)
    assert "Birgit Bürgerin" in html
    assert "Moritz Moderation" not in html
    html = client.get("/verwaltung/benutzer?role=kaiser").get_data(as_text=True)
    assert "Moritz Moderation" in html  # an unknown filter value filters nothing


def test_pagination_fifty_per_page_keeps_the_filter(client, app, admin):
    with app.app_context():
        for n in range(54):
            db.session.add(
                User(
                    email=f"massen{n:02d}@example.org",
                    display_name=f"Massen {n:02d}",
                    password_hash="x",
                )
            )
        db.session.commit()
    first = client.get("/verwaltung/benutzer?q=massen").get_data(as_text=True)
    assert "Gefundene Konten: 54" in first
    assert first.count("massen") >= 50
    assert "Massen 49" in first
    assert "Massen 50" not in first
    assert "Seite 1 von 2" in first
    assert "/verwaltung/benutzer?q=massen&amp;page=2" in first
    second = client.get("/verwaltung/benutzer?q=massen&page=2").get_data(as_text=True)
    assert "Massen 50" in second
    assert "Massen 53" in second
    assert "Massen 49" not in second
    assert client.get("/verwaltung/benutzer?page=99").status_code == 200


def test_edit_form_shows_role_checkboxes_in_a_fieldset(client, make, admin):
    user = make.user(roles=[Role.COMMITTEE])
    html = client.get(f"/verwaltung/benutzer/{user.id}").get_data(as_text=True)
    assert "<fieldset" in html
    assert "<legend" in html
    for label in ("Moderation", "Fachamt", "Lenkungsausschuss", "Administration"):
        assert label in html
    assert re.search(r'<input checked[^>]*value="committee"', html)


def test_assign_roles_records_event(client, app, make, admin):
    user = make.user()
    response = client.post(
        f"/verwaltung/benutzer/{user.id}",
        data={"roles": ["moderator", "committee"], "department": "0", "is_active": "y"},
    )
    assert response.status_code == 302
    assert _user(app, user.id).roles == {Role.MODERATOR, Role.COMMITTEE}
    (event,) = _events(app, "account.roles_changed", user.id)
    assert event.actor_id == admin.id
    assert event.before["roles"] == []
    assert event.after["roles"] == ["committee", "moderator"]


def test_department_role_requires_a_department(client, app, make, admin):
    user = make.user()
    response = client.post(
        f"/verwaltung/benutzer/{user.id}",
        data={"roles": ["department"], "department": "0", "is_active": "y"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="department-error"' in html
    assert "Bitte wählen Sie das Fachamt" in html
    assert re.search(r'<input checked[^>]*value="department"', html)
    assert _user(app, user.id).roles == frozenset()


def test_department_is_set_with_the_role_and_cleared_without(client, app, make, admin):
    department = make.department()
    user = make.user()
    client.post(
        f"/verwaltung/benutzer/{user.id}",
        data={"roles": ["department"], "department": str(department.id), "is_active": "y"},
    )
    stored = _user(app, user.id)
    assert stored.roles == {Role.DEPARTMENT}
    assert stored.department_id == department.id
    client.post(
        f"/verwaltung/benutzer/{user.id}",
        data={"roles": ["moderator"], "department": str(department.id), "is_active": "y"},
    )
    stored = _user(app, user.id)
    assert stored.roles == {Role.MODERATOR}
    assert stored.department_id is None


def test_last_active_admin_keeps_the_role(client, app, admin):
    response = client.post(
        f"/verwaltung/benutzer/{admin.id}",
        data={"roles": ["moderator"], "department": "0", "is_active": "y"},
    )
    assert response.status_code == 200
    assert "einzige aktive Person" in response.get_data(as_text=True)
    assert Role.ADMIN in _user(app, admin.id).roles


def test_an_inactive_admin_does_not_count(client, app, make, admin):
    make.user(roles=[Role.ADMIN], is_active=False)
    response = client.post(
        f"/verwaltung/benutzer/{admin.id}",
        data={"roles": [], "department": "0", "is_active": "y"},
    )
    assert response.status_code == 200
    assert Role.ADMIN in _user(app, admin.id).roles


def test_admin_role_can_go_when_another_admin_is_active(client, app, make, admin):
    other = make.user(roles=[Role.ADMIN])
    response = client.post(
        f"/verwaltung/benutzer/{other.id}",
        data={"roles": [], "department": "0", "is_active": "y"},
    )
    assert response.status_code == 302
    assert _user(app, other.id).roles == frozenset()


def test_deactivating_yourself_is_refused(client, app, make, admin):
    make.user(roles=[Role.ADMIN])  # not the last admin: the self rule applies on its own
    response = client.post(
        f"/verwaltung/benutzer/{admin.id}",
        data={"roles": ["admin"], "department": "0"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="is_active-error"' in html
    assert "Sie können Ihr eigenes Konto nicht deaktivieren." in html
    assert _user(app, admin.id).is_active is True


def test_deactivate_and_reactivate_with_events(client, app, make, admin):
    user = make.user()
    client.post(f"/verwaltung/benutzer/{user.id}", data={"department": "0"})
    assert _user(app, user.id).is_active is False
    (event,) = _events(app, "account.deactivated", user.id)
    assert event.after == {"is_active": False}
    client.post(f"/verwaltung/benutzer/{user.id}", data={"department": "0", "is_active": "y"})
    assert _user(app, user.id).is_active is True
    assert len(_events(app, "account.reactivated", user.id)) == 1


def test_deactivated_user_cannot_use_the_session(client, app, make, login):
    """Deactivation takes effect on the next request: the session no longer loads."""
    admin = make.user(roles=[Role.ADMIN])
    other_admin = make.user(roles=[Role.ADMIN])
    login(admin)
    assert client.get("/verwaltung/").status_code == 200
    with app.app_context():
        db.session.get(User, admin.id).is_active = False
        db.session.commit()
    assert client.get("/verwaltung/").status_code == 302
    assert other_admin.is_active


def test_unknown_user_is_404(client, admin):
    assert client.get("/verwaltung/benutzer/999999").status_code == 404


def test_list_queries_do_not_grow_with_the_rows(client, app, make, admin):
    from sqlalchemy import event

    department = make.department()
    for _ in range(12):
        make.user(roles=[Role.DEPARTMENT, Role.MODERATOR], department=department)
    with app.app_context():
        engine = db.engine
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/verwaltung/benutzer").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 8, selects
