"""A department sees only what was forwarded to it: another department's item is a 404 on
every route, lists and counts show nothing of it, and its statement stays hidden unless the
office shares it. Nobody but department members opens the inbox; departments cannot use the
office's routes."""

from datetime import timedelta

import pytest

from participation.accounts.models import Department, Role, User
from participation.departments import services
from participation.discussion.models import Contribution
from participation.extensions import db
from participation.moderation import services as moderation
from tests.helpers import signed_in_client

MARK_A = "Leakmarker-A-Vorschlag"
MARK_B = "Leakmarker-B-Vorschlag"
NOTE_B = "Leakmarker-B-Notiz"
STATEMENT_B = "Leakmarker-B-Stellungnahme"
QUESTION_B = "Leakmarker-B-Frage"


@pytest.fixture
def world(app, make, discuss):
    strategy = make.strategy()
    moderator = make.user(roles=[Role.MODERATOR])
    author = make.user()
    a = make.department(name="Amt A", short_name="A")
    b = make.department(name="Amt B", short_name="B")
    member_a = make.user(roles=[Role.DEPARTMENT], department=a)
    member_b = make.user(roles=[Role.DEPARTMENT], department=b)
    ideas = {
        "a": discuss.idea(strategy, author, title=MARK_A),
        "b": discuss.idea(strategy, author, title=MARK_B),
        "both": discuss.idea(strategy, author, title="Für beide Ämter"),
    }
    forwardings = {}
    with app.test_request_context():
        actor = db.session.get(User, moderator.id)
        due = services.local_today() + timedelta(days=7)
        for idea in ideas.values():
            c = db.session.get(Contribution, idea.id)
            moderation.decide(c, "publish", actor=actor, expected_state="pending")
        dep_a, dep_b = db.session.get(Department, a.id), db.session.get(Department, b.id)
        (forwardings["a"],) = services.forward(
            db.session.get(Contribution, ideas["a"].id), [dep_a], actor=actor, note="", due_on=due
        )
        (forwardings["b"],) = services.forward(
            db.session.get(Contribution, ideas["b"].id),
            [dep_b],
            actor=actor,
            note=NOTE_B,
            due_on=due,
        )
        forwardings["both_a"], forwardings["both_b"] = services.forward(
            db.session.get(Contribution, ideas["both"].id),
            [dep_a, dep_b],
            actor=actor,
            note=NOTE_B,
            due_on=due,
        )
        services.ask_office(
            forwardings["both_b"], actor=db.session.get(User, member_b.id), body=QUESTION_B
        )
        services.give_statement(
            forwardings["both_b"],
            actor=db.session.get(User, member_b.id),
            recommendation="do_not_adopt",
            statement=STATEMENT_B,
        )
        db.session.commit()
        ids = {name: f.id for name, f in forwardings.items()}
    return {
        "moderator": moderator,
        "member_a": member_a,
        "member_b": member_b,
        "forwardings": ids,
        "ideas": ideas,
    }


ITEM_ROUTES = [
    ("GET", "/fachamt/{id}", {}),
    ("POST", "/fachamt/{id}/stellungnahme", {"recommendation": "adopt", "statement": "x"}),
    ("POST", "/fachamt/{id}/frage", {"body": "Eine Frage?"}),
    ("POST", "/fachamt/{id}/antworten", {"body_md": "Eine Antwort."}),
]


@pytest.mark.parametrize(("method", "url", "data"), ITEM_ROUTES)
def test_member_of_a_gets_404_for_b_s_items(app, world, method, url, data):
    client = signed_in_client(app, world["member_a"])
    for name in ("b", "both_b"):
        fid = world["forwardings"][name]
        response = client.open(url.format(id=fid), method=method, data=data)
        assert response.status_code == 404, (name, url)
        body = response.get_data(as_text=True)
        for marker in (MARK_B, NOTE_B, STATEMENT_B, QUESTION_B):
            assert marker not in body
    with app.app_context():
        from participation.departments.models import Forwarding, ForwardingMessage

        b_forwarding = db.session.get(Forwarding, world["forwardings"]["b"])
        assert b_forwarding.state.value == "open"
        assert db.session.query(ForwardingMessage).count() == 1  # only B's own question


def test_lists_and_counts_show_nothing_of_b(app, world):
    client = signed_in_client(app, world["member_a"])
    pages = [
        client.get(f"/fachamt/?ansicht={view}") for view in ("offen", "ueberfaellig", "beantwortet")
    ]
    pages.append(client.get(f"/fachamt/{world['forwardings']['a']}"))
    pages.append(client.get(f"/fachamt/{world['forwardings']['both_a']}"))
    for response in pages:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        for marker in (MARK_B, STATEMENT_B, QUESTION_B):
            assert marker not in html
    inbox = pages[0].get_data(as_text=True)
    assert MARK_A in inbox
    assert "Für beide Ämter" in inbox
    assert "Offen (2)" in inbox
    assert "(2 offen)" in inbox


def test_b_s_note_to_both_is_seen_by_a_only_on_its_own_forwarding(app, world):
    """The note goes with each forwarding; A reads the note the office wrote to A."""
    html = (
        signed_in_client(app, world["member_a"])
        .get(f"/fachamt/{world['forwardings']['both_a']}")
        .get_data(as_text=True)
    )
    assert NOTE_B in html  # the same note was written to both departments
    # The public trail names both departments; B's forwarding itself is not shown.
    assert "an Amt A und Amt B weitergeleitet" in html
    history = html.split('id="history-heading"', 1)[1].split("</section>", 1)[0]
    assert "Amt B" not in history


def test_a_shared_statement_is_shown_to_the_other_department(app, world):
    member_a = signed_in_client(app, world["member_a"])
    url = f"/fachamt/{world['forwardings']['both_a']}"
    assert STATEMENT_B not in member_a.get(url).get_data(as_text=True)
    office = signed_in_client(app, world["moderator"])
    office.post(
        f"/moderation/weiterleitungen/{world['forwardings']['both_b']}/teilen", data={"shared": "1"}
    )
    html = member_a.get(url).get_data(as_text=True)
    assert STATEMENT_B in html
    assert "Amt B" in html
    # Sharing shows the statement, not B's questions to the office.
    assert QUESTION_B not in html
    # B's other item is still B's alone.
    assert member_a.get(f"/fachamt/{world['forwardings']['b']}").status_code == 404


@pytest.mark.parametrize("role", [None, Role.MODERATOR, Role.ADMIN, Role.COMMITTEE])
def test_only_department_members_open_the_inbox(app, make, world, role):
    user = make.user(roles=[role] if role else [])
    client = signed_in_client(app, user)
    assert client.get("/fachamt/").status_code == 403
    assert client.get(f"/fachamt/{world['forwardings']['a']}").status_code == 403


def test_a_department_role_without_department_sees_no_inbox(app, make, world):
    loose = make.user(roles=[Role.DEPARTMENT])
    assert signed_in_client(app, loose).get("/fachamt/").status_code == 403


def test_departments_cannot_use_the_office_s_routes(app, world):
    client = signed_in_client(app, world["member_b"])
    fid = world["forwardings"]["both_b"]
    assert client.get("/moderation/weiterleitungen").status_code == 403
    assert client.get(f"/moderation/beitraege/{world['ideas']['b'].id}").status_code == 403
    assert (
        client.post(
            f"/moderation/beitraege/{world['ideas']['a'].id}/weiterleiten", data={}
        ).status_code
        == 403
    )
    assert (
        client.post(f"/moderation/weiterleitungen/{fid}/teilen", data={"shared": "1"}).status_code
        == 403
    )
    assert (
        client.post(f"/moderation/weiterleitungen/{fid}/nachricht", data={"body": "x"}).status_code
        == 403
    )


def test_services_refuse_the_wrong_department(app, world):
    with app.test_request_context():
        from participation.departments.models import Forwarding

        forwarding = db.session.get(Forwarding, world["forwardings"]["b"])
        member_a = db.session.get(User, world["member_a"].id)
        for call in (
            lambda: services.give_statement(
                forwarding, actor=member_a, recommendation="adopt", statement="x"
            ),
            lambda: services.ask_office(forwarding, actor=member_a, body="x"),
            lambda: services.publish_reply(forwarding, actor=member_a, body_md="x"),
            lambda: services.answer_department(forwarding, actor=member_a, body="x"),
            lambda: services.set_shared(forwarding, actor=member_a, shared=True),
        ):
            with pytest.raises(services.ForwardingError):
                call()
        db.session.rollback()
