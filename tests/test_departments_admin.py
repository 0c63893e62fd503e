"""Administrators set whether a department may publish its replies itself, and add and
remove members on the department's page."""

import pytest
from sqlalchemy import select

from participation.accounts.models import Department, Role, User
from participation.events.models import Event
from participation.extensions import db
from tests.helpers import signed_in_client


@pytest.fixture
def admin_client(app, make):
    return signed_in_client(app, make.user(roles=[Role.ADMIN]))


def _department(app, id_):
    with app.app_context():
        return db.session.get(Department, id_)


def test_the_publishing_setting_is_saved_and_logged(app, make, admin_client):
    department = make.department(name="Ordnungsamt", short_name="Amt 32")
    page = admin_client.get(f"/verwaltung/fachaemter/{department.id}").get_data(as_text=True)
    assert 'name="may_publish_replies"' in page
    response = admin_client.post(
        f"/verwaltung/fachaemter/{department.id}",
        data={
            "name": "Ordnungsamt",
            "short_name": "Amt 32",
            "email": department.email,
            "may_publish_replies": "y",
        },
    )
    assert response.status_code == 302
    assert _department(app, department.id).may_publish_replies is True
    with app.app_context():
        event = db.session.scalars(
            select(Event).where(
                Event.action == "department.updated", Event.subject_id == department.id
            )
        ).one()
        assert event.before["may_publish_replies"] is False
        assert event.after["may_publish_replies"] is True
    admin_client.post(
        f"/verwaltung/fachaemter/{department.id}",
        data={"name": "Ordnungsamt", "short_name": "Amt 32", "email": department.email},
    )
    assert _department(app, department.id).may_publish_replies is False


def test_a_new_department_may_publish_from_the_start(app, admin_client):
    admin_client.post(
        "/verwaltung/fachaemter/neu",
        data={"name": "Kämmerei", "short_name": "Amt 20", "may_publish_replies": "y"},
    )
    with app.app_context():
        department = db.session.scalar(select(Department).where(Department.short_name == "Amt 20"))
        assert department.may_publish_replies is True


def test_members_are_added_and_removed(app, make, admin_client):
    department = make.department(name="Ordnungsamt", short_name="Amt 32")
    other = make.department(name="Kämmerei", short_name="Amt 20")
    person = make.user(email="Kim@Example.org", display_name="Kim Kollegin")
    moved = make.user(display_name="Max Wechsel", roles=[Role.DEPARTMENT], department=other)

    response = admin_client.post(
        f"/verwaltung/fachaemter/{department.id}/mitglieder",
        data={"member_email": "kim@example.org"},
    )
    assert response.status_code == 302
    admin_client.post(
        f"/verwaltung/fachaemter/{department.id}/mitglieder", data={"member_email": moved.email}
    )
    with app.app_context():
        kim = db.session.get(User, person.id)
        assert kim.has_role(Role.DEPARTMENT)
        assert kim.department_id == department.id
        assert db.session.get(User, moved.id).department_id == department.id
    page = admin_client.get(f"/verwaltung/fachaemter/{department.id}").get_data(as_text=True)
    assert "Kim Kollegin" in page
    assert "Max Wechsel" in page

    again = admin_client.post(
        f"/verwaltung/fachaemter/{department.id}/mitglieder", data={"member_email": person.email}
    )
    assert again.status_code == 400
    assert "bereits Mitglied" in again.get_data(as_text=True)
    unknown = admin_client.post(
        f"/verwaltung/fachaemter/{department.id}/mitglieder",
        data={"member_email": "niemand@example.org"},
    )
    assert unknown.status_code == 400
    assert "Es gibt kein Konto mit dieser E-Mail-Adresse." in unknown.get_data(as_text=True)

    admin_client.post(f"/verwaltung/fachaemter/{department.id}/mitglieder/{person.id}/entfernen")
    with app.app_context():
        kim = db.session.get(User, person.id)
        assert not kim.has_role(Role.DEPARTMENT)
        assert kim.department_id is None
        actions = db.session.scalars(
            select(Event.action).where(Event.subject_type == "users", Event.subject_id == person.id)
        ).all()
        assert actions.count("account.roles_changed") == 2
    # Someone of another department cannot be removed from this one.
    stranger = make.user(roles=[Role.DEPARTMENT], department=other)
    response = admin_client.post(
        f"/verwaltung/fachaemter/{department.id}/mitglieder/{stranger.id}/entfernen",
        follow_redirects=True,
    )
    assert "kein Mitglied des Fachamts" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, stranger.id).department_id == other.id
