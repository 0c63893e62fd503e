"""The demo data fills the department inbox: two departments, fachamt@example.org in one of
them with an open and an answered forwarding; loading again adds nothing."""

from sqlalchemy import delete, func, select

from participation.accounts.models import Department, User
from participation.departments.models import Forwarding, ForwardingState
from participation.extensions import db
from tests.helpers import signed_in_client


def _load(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Forwarding.id)))


def test_demo_department_inbox_is_not_empty(app):
    output = _load(app)
    assert "3 forwardings to departments" in output
    with app.app_context():
        names = set(db.session.scalars(select(Department.name)))
        assert {"Amt für Mobilität", "Schulverwaltungsamt"} <= names
        member = db.session.scalar(select(User).where(User.email == "fachamt@example.org"))
        states = sorted(
            f.state.value
            for f in db.session.scalars(
                select(Forwarding).where(Forwarding.department_id == member.department_id)
            )
        )
        assert states == [ForwardingState.ANSWERED.value, ForwardingState.OPEN.value]
    inbox = signed_in_client(app, member).get("/fachamt/").get_data(as_text=True)
    assert "Offen (1)" in inbox
    assert "Beantwortet (1)" in inbox
    assert "Eine gemeinsame App" in inbox

    assert "nothing changed" in _load(app)
    assert _count(app) == 3


def test_forwardings_are_added_to_demo_data_loaded_before_them(app):
    _load(app)
    with app.app_context():
        db.session.execute(delete(Forwarding))
        db.session.commit()
    output = _load(app)
    assert "3 forwardings to departments" in output
    assert _count(app) == 3
