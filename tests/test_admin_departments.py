"""Administration of departments: list with member counts, create, edit, delete, duplicates."""

import pytest
from sqlalchemy import select

from participation.accounts.models import Department, Role
from participation.events.models import Event
from participation.extensions import db


@pytest.fixture
def admin(make, login):
    user = make.user(roles=[Role.ADMIN])
    login(user)
    return user


def _department(app, **where):
    with app.app_context():
        return db.session.scalars(select(Department).filter_by(**where)).one_or_none()


def test_list_shows_member_counts(client, make, admin):
    department = make.department(name="Ordnungsamt", short_name="Amt 32")
    make.user(roles=[Role.DEPARTMENT], department=department)
    make.user(roles=[Role.DEPARTMENT], department=department)
    make.department(name="Kämmerei", short_name="Amt 20")
    html = client.get("/verwaltung/fachaemter").get_data(as_text=True)
    row = html.split("Ordnungsamt", 1)[1].split("</tr>", 1)[0]
    assert "Amt 32" in row
    assert ">2</td>" in row
    row = html.split("Kämmerei", 1)[1].split("</tr>", 1)[0]
    assert ">0</td>" in row


def test_create_department_records_event(client, app, admin):
    response = client.post(
        "/verwaltung/fachaemter/neu",
        data={
            "name": "  Amt für  Umwelt ",
            "short_name": "Amt 36",
            "email": "Umwelt@Stadt.example",
        },
    )
    assert response.status_code == 302
    department = _department(app, short_name="Amt 36")
    assert department.name == "Amt für Umwelt"
    assert department.email == "umwelt@stadt.example"
    with app.app_context():
        event = db.session.scalars(
            select(Event).where(
                Event.action == "department.created", Event.subject_id == department.id
            )
        ).one()
        assert event.actor_id == admin.id
    assert "Amt für Umwelt" in client.get("/verwaltung/fachaemter").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "tiefbauamt", "short_name": "Neu"}, "name", "mit diesem Namen"),
        ({"name": "Neues Amt", "short_name": "amt 66"}, "short_name", "Kurzbezeichnung"),
        ({"name": "", "short_name": "X"}, "name", "Bitte geben Sie den Namen"),
        ({"name": "Y", "short_name": "Y", "email": "kein-postfach"}, "email", "gültige"),
    ],
)
def test_create_refuses_duplicates_and_invalid_input(
    client, app, make, admin, data, field, message
):
    make.department(name="Tiefbauamt", short_name="Amt 66")
    response = client.post("/verwaltung/fachaemter/neu", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    assert data["short_name"] in html  # what was typed stays
    with app.app_context():
        assert len(db.session.scalars(select(Department)).all()) == 1


def test_edit_department(client, app, make, admin):
    department = make.department(name="Bauamt", short_name="Amt 63")
    page = client.get(f"/verwaltung/fachaemter/{department.id}").get_data(as_text=True)
    assert 'value="Bauamt"' in page
    response = client.post(
        f"/verwaltung/fachaemter/{department.id}",
        data={"name": "Bauaufsichtsamt", "short_name": "Amt 63", "email": ""},
    )
    assert response.status_code == 302
    stored = _department(app, id=department.id)
    assert stored.name == "Bauaufsichtsamt"
    assert stored.email is None
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.action == "department.updated")).one()
        assert event.before["name"] == "Bauamt"
        assert event.after["name"] == "Bauaufsichtsamt"


def test_edit_refuses_the_name_of_another_department(client, app, make, admin):
    make.department(name="Schulamt", short_name="Amt 40")
    department = make.department(name="Sportamt", short_name="Amt 52")
    response = client.post(
        f"/verwaltung/fachaemter/{department.id}",
        data={"name": "Schulamt", "short_name": "Amt 52"},
    )
    assert response.status_code == 200
    assert 'id="name-error"' in response.get_data(as_text=True)
    assert _department(app, id=department.id).name == "Sportamt"
    # keeping its own name is fine
    response = client.post(
        f"/verwaltung/fachaemter/{department.id}",
        data={"name": "Sportamt", "short_name": "Amt 52", "email": "sport@example.org"},
    )
    assert response.status_code == 302


def test_delete_only_without_members(client, app, make, admin):
    busy = make.department()
    make.user(roles=[Role.DEPARTMENT], department=busy)
    response = client.post(f"/verwaltung/fachaemter/{busy.id}/loeschen", follow_redirects=True)
    assert "noch Mitglieder" in response.get_data(as_text=True)
    assert _department(app, id=busy.id) is not None

    empty = make.department()
    response = client.post(f"/verwaltung/fachaemter/{empty.id}/loeschen")
    assert response.status_code == 302
    assert _department(app, id=empty.id) is None
    with app.app_context():
        assert (
            db.session.scalars(select(Event).where(Event.action == "department.deleted"))
            .one()
            .before["name"]
            == empty.name
        )


def test_department_choice_appears_on_user_form(client, make, admin):
    department = make.department(name="Kulturamt")
    user = make.user()
    html = client.get(f"/verwaltung/benutzer/{user.id}").get_data(as_text=True)
    assert f'<option value="{department.id}">Kulturamt</option>' in html
