"""The department inbox: tabs, an item with its context, the statement, questions to the
office and its answers, and official replies a department may publish itself."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from participation.accounts.models import Department, Role, User
from participation.database import utcnow
from participation.departments import services
from participation.departments.models import Forwarding, ForwardingMessage, ForwardingState
from participation.discussion.models import Contribution
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import services as moderation
from participation.strategies.models import Strategy
from tests.helpers import signed_in_client


def _publish(app, contribution_id, moderator_id):
    with app.test_request_context():
        c = db.session.get(Contribution, contribution_id)
        moderation.decide(
            c, "publish", actor=db.session.get(User, moderator_id), expected_state=c.state.value
        )
        db.session.commit()


def _forward(app, contribution_id, department, moderator, note="Bitte prüfen.", days=14):
    with app.test_request_context():
        (forwarding,) = services.forward(
            db.session.get(Contribution, contribution_id),
            [db.session.get(Department, department.id)],
            actor=db.session.get(User, moderator.id),
            note=note,
            due_on=services.local_today() + timedelta(days=days),
        )
        db.session.commit()
        return forwarding.id


def _get(app, model, id_):
    with app.app_context():
        return db.session.get(model, id_)


@pytest.fixture
def world(app, make, discuss):
    strategy = make.strategy(
        sections=[("Mobilität", "Mehr Busse in den Ortsteilen.\n\nUnd bessere Radwege.")]
    )
    with app.app_context():
        section = db.session.get(Strategy, strategy.id).versions[0].sections[0]
        anchor = section.anchors[1]
    moderator = make.user(
        email="moderatorin@example.org", display_name="Moderatorin Mara", roles=[Role.MODERATOR]
    )
    author = make.user(email="autorin@example.org", display_name="Autorin Anna")
    traffic = make.department(name="Amt für Verkehr und Mobilität", short_name="Amt 66")
    member = make.user(
        email="verkehr-person@example.org",
        display_name="Vera Verkehr",
        roles=[Role.DEPARTMENT],
        department=traffic,
    )
    comment = discuss.comment(strategy, author, body="Radwege bitte breiter.", anchor=anchor)
    _publish(app, comment.id, moderator.id)
    reply = discuss.reply(comment, make.user(display_name="Nachbar Nils"), body="Und beleuchtet!")
    _publish(app, reply.id, moderator.id)
    forwarding_id = _forward(app, comment.id, traffic, moderator, note="Notiz fürs Verkehrsamt")
    return {
        "strategy": strategy,
        "moderator": moderator,
        "author": author,
        "traffic": traffic,
        "member": member,
        "comment": comment,
        "forwarding_id": forwarding_id,
    }


def test_inbox_lists_open_items_with_their_section(app, world):
    client = signed_in_client(app, world["member"])
    html = client.get("/fachamt/").get_data(as_text=True)
    assert "Posteingang: Amt für Verkehr und Mobilität" in html
    assert "Radwege bitte breiter." in html
    assert f'href="/fachamt/{world["forwarding_id"]}"' in html
    assert "Mobilität" in html
    assert "Offen (1)" in html
    assert "Überfällig (0)" in html
    assert "Beantwortet (0)" in html
    # The navigation shows the inbox with its open count.
    assert "Fachamt <span" in html
    assert "(1 offen)" in html
    assert "Nichts ist überfällig." in client.get("/fachamt/?ansicht=ueberfaellig").get_data(
        as_text=True
    )
    assert client.get("/fachamt/?ansicht=zurueckgegeben").status_code == 404


def test_item_shows_thread_paragraph_note_and_trail(app, world):
    client = signed_in_client(app, world["member"])
    html = client.get(f"/fachamt/{world['forwarding_id']}").get_data(as_text=True)
    assert "Radwege bitte breiter." in html
    assert "Und bessere Radwege." in html  # the paragraph it is about
    assert "Und beleuchtet!" in html  # a reply in its thread
    assert "Notiz fürs Verkehrsamt" in html
    assert "Moderatorin Mara" in html  # staff see who forwarded
    assert "offen" in html
    assert 'name="recommendation"' in html
    assert 'name="statement"' in html
    # No publishing form unless the office allows it.
    assert "Offizielle Antwort veröffentlichen" not in html


def test_statement_answers_once_and_tells_the_office(app, world, mailbox):
    client = signed_in_client(app, world["member"])
    fid = world["forwarding_id"]
    mailbox.clear()
    response = client.post(
        f"/fachamt/{fid}/stellungnahme",
        data={"recommendation": "already_planned", "statement": "Steht im Radverkehrsplan 2027."},
    )
    assert response.status_code == 302
    forwarding = _get(app, Forwarding, fid)
    assert forwarding.state is ForwardingState.ANSWERED
    assert forwarding.recommendation.value == "already_planned"
    assert forwarding.answered_by_id == world["member"].id
    message = mailbox.last_to("moderatorin@example.org")
    assert "Amt für Verkehr und Mobilität hat zu Beitrag" in message["Subject"]
    body = mailbox.body(message)
    assert "bereits geplant" in body
    assert "Steht im Radverkehrsplan 2027." in body
    assert f"http://localhost/moderation/beitraege/{world['comment'].id}#weiterleitungen" in body

    # A second statement (a colleague's, sent from an old page) is refused.
    again = client.post(
        f"/fachamt/{fid}/stellungnahme",
        data={"recommendation": "adopt", "statement": "Doch übernehmen."},
        follow_redirects=True,
    )
    assert "Diese Weiterleitung wurde bereits beantwortet" in again.get_data(as_text=True)
    assert _get(app, Forwarding, fid).statement == "Steht im Radverkehrsplan 2027."

    answered = client.get("/fachamt/?ansicht=beantwortet").get_data(as_text=True)
    assert "Radwege bitte breiter." in answered
    assert "bereits geplant" in answered
    page = client.get(f"/fachamt/{fid}").get_data(as_text=True)
    assert "Steht im Radverkehrsplan 2027." in page
    assert 'name="statement"' not in page


def test_not_responsible_returns_it_to_the_office(app, world, mailbox):
    client = signed_in_client(app, world["member"])
    mailbox.clear()
    client.post(
        f"/fachamt/{world['forwarding_id']}/stellungnahme",
        data={"recommendation": "not_responsible", "statement": "Zuständig ist das Tiefbauamt."},
    )
    assert _get(app, Forwarding, world["forwarding_id"]).state is ForwardingState.RETURNED
    message = mailbox.last_to("moderatorin@example.org")
    assert "nicht zuständig" in message["Subject"]
    office = signed_in_client(app, world["moderator"])
    returned = office.get("/moderation/weiterleitungen?ansicht=zurueckgegeben").get_data(
        as_text=True
    )
    assert "Radwege bitte breiter." in returned


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"statement": "Ohne Empfehlung."}, "Bitte wählen Sie eine Empfehlung."),
        ({"recommendation": "adopt", "statement": "  "}, "Bitte schreiben Sie Ihre Stellungnahme."),
        ({"recommendation": "maybe", "statement": "x"}, "Empfehlung"),
    ],
)
def test_incomplete_statement_keeps_the_form(app, world, data, message):
    client = signed_in_client(app, world["member"])
    response = client.post(f"/fachamt/{world['forwarding_id']}/stellungnahme", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _get(app, Forwarding, world["forwarding_id"]).state is ForwardingState.OPEN


def test_question_and_answer_on_the_same_item(app, world, mailbox):
    fid = world["forwarding_id"]
    member = signed_in_client(app, world["member"])
    mailbox.clear()
    asked = member.post(f"/fachamt/{fid}/frage", data={"body": "Gilt das auch für Feldwege?"})
    assert asked.status_code == 302
    question = mailbox.last_to("moderatorin@example.org")
    assert "Frage von Amt für Verkehr und Mobilität" in question["Subject"]
    assert "Gilt das auch für Feldwege?" in mailbox.body(question)

    office = signed_in_client(app, world["moderator"])
    detail = office.get(f"/moderation/beitraege/{world['comment'].id}").get_data(as_text=True)
    assert "Gilt das auch für Feldwege?" in detail
    mailbox.clear()
    answered = office.post(
        f"/moderation/weiterleitungen/{fid}/nachricht", data={"body": "Nein, nur Radwege."}
    )
    assert answered.status_code == 302
    mails = mailbox.wait_for(2)
    assert sorted(m["To"] for m in mails) == sorted(
        [world["traffic"].email, "verkehr-person@example.org"]
    )
    assert f"http://localhost/fachamt/{fid}" in mailbox.body(mails[0])
    page = member.get(f"/fachamt/{fid}").get_data(as_text=True)
    assert page.index("Gilt das auch für Feldwege?") < page.index("Nein, nur Radwege.")
    with app.app_context():
        messages = db.session.scalars(
            select(ForwardingMessage)
            .where(ForwardingMessage.forwarding_id == fid)
            .order_by(ForwardingMessage.id)
        ).all()
        assert [m.from_office for m in messages] == [False, True]
        actions = db.session.scalars(
            select(Event.action).where(Event.subject_id == world["comment"].id)
        ).all()
        assert "forwarding.question_asked" in actions
        assert "forwarding.question_answered" in actions


def test_an_empty_question_or_answer_is_refused(app, world):
    fid = world["forwarding_id"]
    member = signed_in_client(app, world["member"])
    response = member.post(f"/fachamt/{fid}/frage", data={"body": " "})
    assert response.status_code == 400
    assert "Bitte schreiben Sie Ihre Nachricht." in response.get_data(as_text=True)
    office = signed_in_client(app, world["moderator"])
    response = office.post(f"/moderation/weiterleitungen/{fid}/nachricht", data={"body": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Bitte schreiben Sie Ihre Nachricht." in html
    assert f'id="message-{fid}"' in html


def _allow_publishing(app, department, allowed=True):
    with app.app_context():
        db.session.execute(
            update(Department)
            .where(Department.id == department.id)
            .values(may_publish_replies=allowed)
        )
        db.session.commit()


def test_publishing_needs_the_office_s_permission(app, world):
    client = signed_in_client(app, world["member"])
    url = f"/fachamt/{world['forwarding_id']}/antworten"
    assert client.post(url, data={"body_md": "Wir bauen breiter."}).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Contribution).where(Contribution.is_official)) is None


def test_a_department_allowed_to_publishes_signed_with_its_name(app, world, mailbox):
    _allow_publishing(app, world["traffic"])
    # Also after the participation window has closed, and in pre-moderation.
    with app.app_context():
        db.session.execute(
            update(Strategy)
            .where(Strategy.id == world["strategy"].id)
            .values(closes_at=utcnow() - timedelta(hours=1), opens_at=utcnow() - timedelta(days=9))
        )
        db.session.commit()
    client = signed_in_client(app, world["member"])
    page = client.get(f"/fachamt/{world['forwarding_id']}").get_data(as_text=True)
    assert "Offizielle Antwort veröffentlichen" in page
    mailbox.clear()
    response = client.post(
        f"/fachamt/{world['forwarding_id']}/antworten",
        data={"body_md": "Die Radwege werden 2027 verbreitert."},
    )
    assert response.status_code == 302
    with app.app_context():
        reply = db.session.scalar(select(Contribution).where(Contribution.is_official))
        assert reply.official_signature == "Amt für Verkehr und Mobilität"
        assert reply.state.value == "published"
        assert reply.parent_id == world["comment"].id
        # The office reviews it afterwards, like a post-moderated contribution.
        assert reply.reviewed_at is None
    message = mailbox.last_to("autorin@example.org")
    assert "Amt für Verkehr und Mobilität hat auf Ihren Beitrag" in mailbox.body(message)
    public = app.test_client().get(f"/beitraege/{world['comment'].id}", follow_redirects=True)
    html = public.get_data(as_text=True)
    assert "Die Radwege werden 2027 verbreitert." in html
    assert "Amt für Verkehr und Mobilität" in html
    assert "Vera Verkehr" not in html


def test_no_publishing_once_returned(app, world):
    _allow_publishing(app, world["traffic"])
    client = signed_in_client(app, world["member"])
    client.post(
        f"/fachamt/{world['forwarding_id']}/stellungnahme",
        data={"recommendation": "not_responsible", "statement": "Nicht unseres."},
    )
    response = client.post(
        f"/fachamt/{world['forwarding_id']}/antworten", data={"body_md": "Doch eine Antwort."}
    )
    assert response.status_code == 403


def test_a_withdrawn_contribution_shows_no_text(app, world):
    from participation.discussion import services as discussion

    with app.test_request_context():
        discussion.withdraw(
            db.session.get(Contribution, world["comment"].id),
            user=db.session.get(User, world["author"].id),
        )
        db.session.commit()
    html = signed_in_client(app, world["member"]).get(f"/fachamt/{world['forwarding_id']}")
    text = html.get_data(as_text=True)
    assert (
        "Radwege bitte breiter."
        not in text.split('id="contribution-heading"', 1)[1].split('id="context-heading"', 1)[0]
    )
    assert "nicht mehr öffentlich" in text
