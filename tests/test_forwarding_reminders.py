"""`flask forwardings remind`: each department gets one mail a day listing its overdue
forwardings; running it again the same day sends nothing; the next day it reminds again."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from participation.accounts.models import Department, Role, User
from participation.departments import services
from participation.departments.models import Forwarding
from participation.discussion.models import Contribution
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import services as moderation


@pytest.fixture
def world(app, make, discuss):
    strategy = make.strategy()
    moderator = make.user(roles=[Role.MODERATOR])
    author = make.user()
    traffic = make.department(name="Verkehrsamt", short_name="Amt 66")
    schools = make.department(name="Schulamt", short_name="Amt 40")
    make.user(email="verkehr@example.org", roles=[Role.DEPARTMENT], department=traffic)
    titles = ["Busse im Takt", "Radwege breiter", "Schulwege sicher"]
    ideas = [discuss.idea(strategy, author, title=title) for title in titles]
    with app.test_request_context():
        actor = db.session.get(User, moderator.id)
        due = services.local_today() + timedelta(days=3)
        ids = []
        for idea, department in zip(ideas, (traffic, traffic, schools), strict=True):
            c = db.session.get(Contribution, idea.id)
            moderation.decide(c, "publish", actor=actor, expected_state="pending")
            (forwarding,) = services.forward(
                c, [db.session.get(Department, department.id)], actor=actor, note="", due_on=due
            )
            ids.append(forwarding.id)
        db.session.commit()
    return {"traffic": traffic, "schools": schools, "forwardings": ids, "ideas": ideas}


def _make_overdue(app, forwarding_ids, days=1):
    with app.test_request_context():
        db.session.execute(
            update(Forwarding)
            .where(Forwarding.id.in_(forwarding_ids))
            .values(due_on=services.local_today() - timedelta(days=days))
        )
        db.session.commit()


def _remind(app):
    result = app.test_cli_runner().invoke(args=["forwardings", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_nothing_overdue_nothing_sent(app, world, mailbox):
    mailbox.clear()
    assert "No department to remind today." in _remind(app)
    assert mailbox.messages == []


def test_each_department_is_reminded_once_a_day(app, world, mailbox):
    busse, radwege, schulwege = world["forwardings"]
    _make_overdue(app, [busse, radwege])
    mailbox.clear()
    output = _remind(app)
    assert "Reminded Verkehrsamt: 2 overdue forwarding(s)." in output
    assert "Schulamt" not in output  # not overdue
    messages = mailbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == sorted(
        [world["traffic"].email, "verkehr@example.org"]
    )
    body = mailbox.body(mailbox.last_to(world["traffic"].email))
    assert "Busse im Takt" in body
    assert "Radwege breiter" in body
    assert "Schulwege sicher" not in body
    assert f"http://localhost/fachamt/{busse}" in body
    assert "http://localhost/fachamt/?ansicht=ueberfaellig" in body

    # Idempotent: a second run the same day sends nothing.
    mailbox.clear()
    assert "No department to remind today." in _remind(app)
    assert mailbox.messages == []

    with app.app_context():
        rows = db.session.scalars(
            select(Forwarding).where(Forwarding.id.in_([busse, radwege]))
        ).all()
        assert [f.reminder_count for f in rows] == [1, 1]
        assert all(f.reminded_at is not None for f in rows)
        assert db.session.get(Forwarding, schulwege).reminder_count == 0
        reminded = db.session.scalars(
            select(Event.subject_id).where(Event.action == "forwarding.reminded")
        ).all()
        assert sorted(reminded) == sorted(i.id for i in world["ideas"][:2])


def test_the_next_day_it_reminds_again(app, world, mailbox):
    busse, _radwege, schulwege = world["forwardings"]
    _make_overdue(app, [busse, schulwege])
    with app.test_request_context():
        today = services.local_today()
        first = services.remind_overdue(today=today)
        db.session.commit()
        assert [r.department.name for r in first] == ["Schulamt", "Verkehrsamt"]
        assert services.remind_overdue(today=today) == []
        again = services.remind_overdue(today=today + timedelta(days=1))
        db.session.commit()
        assert [r.department.name for r in again] == ["Schulamt", "Verkehrsamt"]
        assert db.session.get(Forwarding, busse).reminder_count == 2


def test_answered_forwardings_are_not_reminded(app, world, mailbox, make):
    busse = world["forwardings"][0]
    _make_overdue(app, [busse])
    with app.test_request_context():
        member = db.session.scalar(select(User).where(User.email == "verkehr@example.org"))
        services.give_statement(
            db.session.get(Forwarding, busse),
            actor=member,
            recommendation="adopt",
            statement="Machen wir.",
        )
        db.session.commit()
    mailbox.clear()
    assert "No department to remind today." in _remind(app)
