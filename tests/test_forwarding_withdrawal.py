"""The office withdraws a forwarding sent by mistake: the department is told why and keeps
it read-only, the public status names only the departments still working on it, and a
department answering at the same moment wins or loses cleanly."""

# ruff: noqa: F811  (`world` is a fixture imported from test_forwarding)
import pytest
from sqlalchemy import select

from participation.accounts.models import Department, User
from participation.departments import services
from participation.departments.models import Forwarding, ForwardingState
from participation.discussion.models import Contribution, ProcessingStatus
from participation.events.models import Event
from participation.extensions import db
from tests.helpers import signed_in_client
from tests.test_forwarding import _forward, _forwardings, world  # noqa: F401  (the fixture)


def _withdraw(client, forwarding, reason="Falsches Amt gewählt."):
    return client.post(
        f"/moderation/weiterleitungen/{forwarding.id}/zuruecknehmen",
        data={f"withdraw-{forwarding.id}-reason": reason},
    )


def _status(app, contribution_id):
    with app.app_context():
        return db.session.get(Contribution, contribution_id).status


def test_withdrawing_one_of_two_keeps_the_other_in_the_public_status(app, world, mailbox):
    office = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    assert _forward(office, idea.id, [world["traffic"], world["schools"]]).status_code == 302
    schools = next(f for f in _forwardings(app, idea.id) if f.department_id == world["schools"].id)
    mailbox.clear()

    response = _withdraw(office, schools, reason="Schulen sind nicht zuständig.")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/moderation/beitraege/{idea.id}#weiterleitung-{schools.id}"
    )
    with app.app_context():
        withdrawn = db.session.get(Forwarding, schools.id)
        assert withdrawn.state is ForwardingState.WITHDRAWN
        assert withdrawn.withdrawal_reason == "Schulen sind nicht zuständig."
        assert withdrawn.withdrawn_by_id == world["moderator"].id
        assert withdrawn.withdrawn_at is not None
        assert withdrawn.answered_at is None
        event = db.session.scalars(
            select(Event).where(Event.action == "forwarding.withdrawn")
        ).one()
        assert event.after == {
            "department": "Schulverwaltungsamt",
            "note": "Schulen sind nicht zuständig.",
        }
    assert _status(app, idea.id) is ProcessingStatus.FORWARDED
    page = app.test_client().get(f"/strategien/{world['strategy'].slug}/ideen/{idea.id}")
    html = page.get_data(as_text=True)
    assert "an Amt für Verkehr und Mobilität weitergeleitet" in html
    assert "Schulen sind nicht zuständig" not in html

    # The department is told why; the author learns the new status.
    mailbox.wait_for(2)
    to_department = mailbox.last_to(world["schools"].email)
    assert "zurückgenommen" in to_department["Subject"]
    assert "Schulen sind nicht zuständig." in mailbox.body(to_department)

    # On the detail page: the withdrawal with its reason, and no form for it any more.
    detail = office.get(f"/moderation/beitraege/{idea.id}").get_data(as_text=True)
    assert "vom Amt zurückgenommen" in detail
    assert "Schulen sind nicht zuständig." in detail
    assert f"/moderation/weiterleitungen/{schools.id}/zuruecknehmen" not in detail
    traffic = next(f for f in _forwardings(app, idea.id) if f.department_id == world["traffic"].id)
    assert f"/moderation/weiterleitungen/{traffic.id}/zuruecknehmen" in detail


def test_withdrawing_the_last_open_one_puts_the_status_in_review(app, world, make):
    office = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    _forward(office, idea.id, [world["traffic"]])
    (forwarding,) = _forwardings(app, idea.id)
    assert _withdraw(office, forwarding).status_code == 302
    assert _status(app, idea.id) is ProcessingStatus.IN_REVIEW

    # The department reads it under "withdrawn", without the statement and question forms.
    member = signed_in_client(app, world["member"])
    inbox = member.get("/fachamt/").get_data(as_text=True)
    assert f'href="/fachamt/{forwarding.id}"' not in inbox
    withdrawn_tab = member.get("/fachamt/?ansicht=zurueckgenommen").get_data(as_text=True)
    assert f'href="/fachamt/{forwarding.id}"' in withdrawn_tab
    item = member.get(f"/fachamt/{forwarding.id}").get_data(as_text=True)
    assert "Das Amt hat diese Weiterleitung zurückgenommen" in item
    assert "Falsches Amt gewählt." in item
    assert f'action="/fachamt/{forwarding.id}/stellungnahme"' not in item
    assert f'action="/fachamt/{forwarding.id}/frage"' not in item
    refused = member.post(
        f"/fachamt/{forwarding.id}/stellungnahme",
        data={"recommendation": "adopt", "statement": "Zu spät."},
        follow_redirects=True,
    )
    assert "Das Amt hat diese Weiterleitung zurückgenommen." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Forwarding, forwarding.id).statement is None

    # The same department may get it again, now correctly.
    assert _forward(office, idea.id, [world["traffic"]]).status_code == 302
    assert [f.state for f in _forwardings(app, idea.id)] == [
        ForwardingState.WITHDRAWN,
        ForwardingState.OPEN,
    ]


def test_a_reason_is_required_and_the_form_keeps_the_page(app, world):
    office = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    _forward(office, idea.id, [world["traffic"]])
    (forwarding,) = _forwardings(app, idea.id)
    response = _withdraw(office, forwarding, reason="   ")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Bitte geben Sie an, warum die Weiterleitung zurückgenommen wird" in html
    assert '<details class="withdraw-forwarding" open>' in html
    assert _forwardings(app, idea.id)[0].state is ForwardingState.OPEN


def test_an_answered_forwarding_cannot_be_withdrawn(app, world):
    """The department answered first (or at the same moment): the office's withdrawal is
    refused with a message, and the statement stays."""
    office = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    _forward(office, idea.id, [world["traffic"]])
    (forwarding,) = _forwardings(app, idea.id)
    member = signed_in_client(app, world["member"])
    member.post(
        f"/fachamt/{forwarding.id}/stellungnahme",
        data={"recommendation": "adopt", "statement": "Gute Idee."},
    )
    with app.test_request_context():
        with pytest.raises(services.ForwardingError) as refused:
            services.withdraw(
                db.session.get(Forwarding, forwarding.id),
                actor=db.session.get(User, world["moderator"].id),
                reason="Zu spät.",
            )
        db.session.rollback()
    assert "inzwischen beantwortet" in str(refused.value)
    with app.app_context():
        kept = db.session.get(Forwarding, forwarding.id)
        assert kept.state is ForwardingState.ANSWERED
        assert kept.statement == "Gute Idee."


def test_only_the_office_withdraws(app, world):
    office = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    _forward(office, idea.id, [world["traffic"]])
    (forwarding,) = _forwardings(app, idea.id)
    member = signed_in_client(app, world["member"])
    assert _withdraw(member, forwarding).status_code == 403
    with app.test_request_context():
        with pytest.raises(services.ForwardingError):
            services.withdraw(
                db.session.get(Forwarding, forwarding.id),
                actor=db.session.get(User, world["member"].id),
                reason="Nein.",
            )
        assert db.session.get(Department, world["traffic"].id) is not None
    assert _forwardings(app, idea.id)[0].state is ForwardingState.OPEN
