"""Forwarding contributions to departments: the office's form on the moderation detail page,
the public trail ("an … weitergeleitet"), the mails, refusals (an open forwarding twice, due
dates, two moderators at once), and the overview of all forwardings."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from participation.accounts.models import Department, Role, User
from participation.departments import services
from participation.departments.models import Forwarding, ForwardingState
from participation.discussion.models import Contribution, ProcessingStatus
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import services as moderation
from tests.helpers import signed_in_client


@pytest.fixture
def world(app, make, discuss):
    strategy = make.strategy(
        sections=[("Mobilität", "Mehr Busse in den Ortsteilen.\n\nUnd bessere Radwege.")]
    )
    moderator = make.user(display_name="Moderatorin Mara", roles=[Role.MODERATOR])
    author = make.user(email="autorin@example.org", display_name="Autorin Anna")
    traffic = make.department(name="Amt für Verkehr und Mobilität", short_name="Amt 66")
    schools = make.department(name="Schulverwaltungsamt", short_name="Amt 40")
    member = make.user(
        email="verkehr-person@example.org", roles=[Role.DEPARTMENT], department=traffic
    )
    idea = discuss.idea(strategy, author, title="Busse im Takt", body="Alle 10 Minuten.")
    with app.test_request_context():
        c = db.session.get(Contribution, idea.id)
        moderation.decide(
            c, "publish", actor=db.session.get(User, moderator.id), expected_state="pending"
        )
        db.session.commit()
    return {
        "strategy": strategy,
        "moderator": moderator,
        "author": author,
        "traffic": traffic,
        "schools": schools,
        "member": member,
        "idea": idea,
    }


def _forward(client, contribution_id, departments, note="Bitte bis Monatsende.", due=None):
    due = due or (services_today() + timedelta(days=14))
    return client.post(
        f"/moderation/beitraege/{contribution_id}/weiterleiten",
        data={
            "departments": [d.id for d in departments],
            "forward_note": note,
            "due_on": due.isoformat() if hasattr(due, "isoformat") else due,
        },
    )


def services_today():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Berlin")).date()


def _forwardings(app, contribution_id):
    with app.app_context():
        return db.session.scalars(
            select(Forwarding)
            .where(Forwarding.contribution_id == contribution_id)
            .order_by(Forwarding.id)
        ).all()


def _actions(app, contribution_id):
    with app.app_context():
        return db.session.scalars(
            select(Event.action)
            .where(Event.subject_type == "contributions", Event.subject_id == contribution_id)
            .order_by(Event.id)
        ).all()


def test_detail_page_offers_the_form_with_a_default_due_date(app, world):
    client = signed_in_client(app, world["moderator"])
    html = client.get(f"/moderation/beitraege/{world['idea'].id}").get_data(as_text=True)
    assert 'id="weiterleitungen"' in html
    assert "Amt für Verkehr und Mobilität" in html
    assert "Schulverwaltungsamt" in html
    default = (services_today() + timedelta(days=14)).isoformat()
    assert f'value="{default}"' in html
    assert 'for="forward_note"' in html
    assert 'for="due_on"' in html


def test_forwarding_sets_the_public_status_and_tells_everyone_once(app, world, mailbox):
    client = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    mailbox.clear()
    response = _forward(client, idea.id, [world["traffic"]], note="Geheime Notiz zur Prüfung")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/moderation/beitraege/{idea.id}#weiterleitungen")

    (forwarding,) = _forwardings(app, idea.id)
    assert forwarding.state is ForwardingState.OPEN
    assert forwarding.note == "Geheime Notiz zur Prüfung"
    assert forwarding.due_on == services_today() + timedelta(days=14)
    assert forwarding.created_by_id == world["moderator"].id
    with app.app_context():
        assert db.session.get(Contribution, idea.id).status is ProcessingStatus.FORWARDED
    actions = _actions(app, idea.id)
    assert actions[-2:] == ["forwarding.created", "contribution.status_changed"]

    # The public trail names the department, never the note.
    page = app.test_client().get(f"/strategien/{world['strategy'].slug}/ideen/{idea.id}")
    html = page.get_data(as_text=True)
    assert "an Amt für Verkehr und Mobilität weitergeleitet" in html
    assert "Geheime Notiz" not in html

    # Mailbox of the department, its member, and the author (once).
    messages = mailbox.wait_for(3)
    recipients = sorted(m["To"] for m in messages)
    assert recipients == sorted(
        [world["traffic"].email, "verkehr-person@example.org", "autorin@example.org"]
    )
    to_department = mailbox.last_to(world["traffic"].email)
    body = mailbox.body(to_department)
    assert f"http://localhost/fachamt/{forwarding.id}" in body
    assert "Geheime Notiz zur Prüfung" in body
    to_author = mailbox.last_to("autorin@example.org")
    assert "an Amt für Verkehr und Mobilität weitergeleitet" in to_author["Subject"]
    assert "Geheime Notiz" not in mailbox.body(to_author)


def test_two_departments_at_once_make_one_trail_entry_and_one_mail(app, world, mailbox):
    client = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    mailbox.clear()
    assert _forward(client, idea.id, [world["traffic"], world["schools"]]).status_code == 302
    assert len(_forwardings(app, idea.id)) == 2
    html = app.test_client().get(f"/strategien/{world['strategy'].slug}/ideen/{idea.id}")
    assert (
        "an Amt für Verkehr und Mobilität und Schulverwaltungsamt weitergeleitet"
        in html.get_data(as_text=True)
    )
    messages = mailbox.wait_for(4)
    assert [m["To"] for m in messages].count("autorin@example.org") == 1
    assert _actions(app, idea.id).count("contribution.status_changed") == 1


def test_an_open_forwarding_cannot_be_repeated(app, world):
    client = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    assert _forward(client, idea.id, [world["traffic"]]).status_code == 302
    again = _forward(client, idea.id, [world["traffic"], world["schools"]])
    assert again.status_code == 400
    html = again.get_data(as_text=True)
    assert "bereits an Amt für Verkehr und Mobilität weitergeleitet" in html
    assert len(_forwardings(app, idea.id)) == 1  # refused as a whole, Schulverwaltungsamt too

    # Once answered, the contribution may go to the department again.
    member = signed_in_client(app, world["member"])
    (forwarding,) = _forwardings(app, idea.id)
    member.post(
        f"/fachamt/{forwarding.id}/stellungnahme",
        data={"recommendation": "adopt", "statement": "Gute Idee."},
    )
    assert _forward(client, idea.id, [world["traffic"]]).status_code == 302
    assert len(_forwardings(app, idea.id)) == 2


def test_the_loser_of_two_moderators_at_once_gets_a_message(app, world, monkeypatch):
    """Both moderators passed the check for an open forwarding before either had saved;
    the unique index refuses the second."""
    idea = world["idea"]
    client = signed_in_client(app, world["moderator"])
    assert _forward(client, idea.id, [world["traffic"]]).status_code == 302

    real_scalars = db.session.scalars
    stale = []

    def stale_check(statement, *args, **kwargs):
        if "departments.name" in str(statement) and "forwardings" in str(statement):
            # What the loser read before the winner committed: nothing open yet.
            stale.append(statement)
            return real_scalars(select(Department.name).where(Department.id == -1))
        return real_scalars(statement, *args, **kwargs)

    with app.test_request_context():
        monkeypatch.setattr(db.session, "scalars", stale_check)
        try:
            with pytest.raises(services.ForwardingError) as refused:
                services.forward(
                    db.session.get(Contribution, idea.id),
                    [db.session.get(Department, world["traffic"].id)],
                    actor=db.session.get(User, world["moderator"].id),
                    note="",
                    due_on=services_today() + timedelta(days=3),
                )
        finally:
            monkeypatch.undo()
            db.session.rollback()
        assert stale, "the check for an open forwarding was not reached"
        assert refused.value.field == "departments"
        assert "bereits an Amt für Verkehr und Mobilität weitergeleitet" in str(refused.value)
    assert len(_forwardings(app, idea.id)) == 1


@pytest.mark.parametrize(
    ("due", "message"),
    [
        (lambda today: today, "Das Fälligkeitsdatum muss in der Zukunft liegen."),
        (
            lambda today: today - timedelta(days=3),
            "Das Fälligkeitsdatum muss in der Zukunft liegen.",
        ),
        (lambda today: today + timedelta(days=400), "höchstens ein Jahr"),
        (lambda today: "kein-datum", "Datum"),
    ],
)
def test_due_date_is_checked(app, world, due, message):
    client = signed_in_client(app, world["moderator"])
    value = due(services_today())
    response = _forward(client, world["idea"].id, [world["traffic"]], due=value)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _forwardings(app, world["idea"].id) == []


def test_without_department_the_form_says_so(app, world):
    client = signed_in_client(app, world["moderator"])
    response = _forward(client, world["idea"].id, [])
    assert response.status_code == 400
    assert "Bitte wählen Sie mindestens ein Fachamt." in response.get_data(as_text=True)


def test_only_published_contributions_are_forwarded(app, world, make, discuss):
    pending = discuss.idea(world["strategy"], world["author"], title="Noch nicht geprüft")
    client = signed_in_client(app, world["moderator"])
    response = _forward(client, pending.id, [world["traffic"]])
    assert response.status_code == 400
    assert "Nur veröffentlichte Beiträge können weitergeleitet werden." in response.get_data(
        as_text=True
    )


def test_a_forwarded_reply_has_no_status_but_its_author_is_told(app, world, make, discuss, mailbox):
    replier = make.user(email="antwort@example.org")
    reply = discuss.reply(world["idea"], replier, body="Und nachts auch.")
    with app.test_request_context():
        c = db.session.get(Contribution, reply.id)
        moderation.decide(
            c,
            "publish",
            actor=db.session.get(User, world["moderator"].id),
            expected_state="pending",
        )
        db.session.commit()
    mailbox.clear()
    client = signed_in_client(app, world["moderator"])
    assert _forward(client, reply.id, [world["schools"]]).status_code == 302
    with app.app_context():
        assert db.session.get(Contribution, reply.id).status is None
    mailbox.wait_for(2)
    message = mailbox.last_to("antwort@example.org")
    assert "an Schulverwaltungsamt weitergeleitet" in mailbox.body(message)


def test_the_office_overview_lists_overdue_forwardings(app, world):
    client = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    assert _forward(client, idea.id, [world["traffic"], world["schools"]]).status_code == 302
    with app.app_context():
        db.session.execute(
            update(Forwarding)
            .where(Forwarding.department_id == world["schools"].id)
            .values(due_on=services_today() - timedelta(days=2))
        )
        db.session.commit()
    overdue = client.get("/moderation/weiterleitungen?ansicht=ueberfaellig").get_data(as_text=True)
    assert "Schulverwaltungsamt" in overdue
    assert "Amt für Verkehr und Mobilität" not in overdue.split("<table", 1)[1]
    assert "offen, überfällig" in overdue
    # The count in the navigation.
    assert "(1 überfällig)" in overdue
    # By department.
    only = client.get(
        f"/moderation/weiterleitungen?ansicht=offen&fachamt={world['traffic'].id}"
    ).get_data(as_text=True)
    table = only.split("<table", 1)[1]
    assert "Amt für Verkehr und Mobilität" in table
    assert "Schulverwaltungsamt" not in table
    assert client.get("/moderation/weiterleitungen?ansicht=gibtsnicht").status_code == 404


def test_statements_side_by_side_and_sharing(app, world, make):
    client = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    school_member = make.user(roles=[Role.DEPARTMENT], department=world["schools"])
    assert _forward(client, idea.id, [world["traffic"], world["schools"]]).status_code == 302
    traffic_f, school_f = _forwardings(app, idea.id)
    signed_in_client(app, world["member"]).post(
        f"/fachamt/{traffic_f.id}/stellungnahme",
        data={"recommendation": "adopt_in_part", "statement": "Takt 10 Minuten nur tagsüber."},
    )
    signed_in_client(app, school_member).post(
        f"/fachamt/{school_f.id}/stellungnahme",
        data={"recommendation": "not_responsible", "statement": "Betrifft keine Schulen."},
    )
    html = client.get(f"/moderation/beitraege/{idea.id}").get_data(as_text=True)
    assert "Takt 10 Minuten nur tagsüber." in html
    assert "Betrifft keine Schulen." in html
    assert "teilweise übernehmen" in html
    assert "an das Amt zurückgegeben" in html

    # The schools department does not see the traffic statement until it is shared.
    school = signed_in_client(app, school_member)
    assert "Takt 10 Minuten" not in school.get(f"/fachamt/{school_f.id}").get_data(as_text=True)
    shared = client.post(f"/moderation/weiterleitungen/{traffic_f.id}/teilen", data={"shared": "1"})
    assert shared.status_code == 302
    assert "Takt 10 Minuten" in school.get(f"/fachamt/{school_f.id}").get_data(as_text=True)
    client.post(f"/moderation/weiterleitungen/{traffic_f.id}/teilen", data={"shared": "0"})
    assert "Takt 10 Minuten" not in school.get(f"/fachamt/{school_f.id}").get_data(as_text=True)
    actions = _actions(app, idea.id)
    for action in (
        "forwarding.statement_given",
        "forwarding.returned",
        "forwarding.shared",
        "forwarding.unshared",
    ):
        assert action in actions


def test_an_open_statement_cannot_be_shared(app, world):
    client = signed_in_client(app, world["moderator"])
    assert _forward(client, world["idea"].id, [world["traffic"]]).status_code == 302
    (forwarding,) = _forwardings(app, world["idea"].id)
    response = client.post(
        f"/moderation/weiterleitungen/{forwarding.id}/teilen",
        data={"shared": "1"},
        follow_redirects=True,
    )
    assert "Es gibt noch keine Stellungnahme, die geteilt werden könnte." in response.get_data(
        as_text=True
    )
    assert _forwardings(app, world["idea"].id)[0].shared is False


def test_log_page_tells_the_forwarding_in_words(app, world):
    client = signed_in_client(app, world["moderator"])
    assert (
        _forward(client, world["idea"].id, [world["traffic"]], note="Notiz fürs Amt").status_code
        == 302
    )
    html = client.get(f"/moderation/beitraege/{world['idea'].id}/protokoll").get_data(as_text=True)
    assert "An ein Fachamt weitergeleitet" in html
    assert "Fachamt: Amt für Verkehr und Mobilität" in html
    assert "Notiz fürs Amt" in html


def test_the_department_cannot_be_deleted_once_forwarded_to(app, world, make):
    client = signed_in_client(app, world["moderator"])
    assert _forward(client, world["idea"].id, [world["schools"]]).status_code == 302
    admin = signed_in_client(app, make.user(roles=[Role.ADMIN]))
    response = admin.post(
        f"/verwaltung/fachaemter/{world['schools'].id}/loeschen", follow_redirects=True
    )
    assert "weitergeleitete Beiträge" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Department, world["schools"].id) is not None
        assert db.session.scalar(select(func.count(Forwarding.id))) == 1


def test_nothing_of_a_forwarding_but_the_department_s_name_is_public(app, world, make, discuss):
    """The note, the statement, the questions and the names of staff stay internal on every
    public page of the contribution and its section, for visitors and for the author; in
    English the trail reads "forwarded to …"."""
    client = signed_in_client(app, world["moderator"])
    idea = world["idea"]
    comment = discuss.comment(world["strategy"], world["author"], body="Mehr Bänke am Ring.")
    with app.test_request_context():
        moderation.decide(
            db.session.get(Contribution, comment.id),
            "publish",
            actor=db.session.get(User, world["moderator"].id),
            expected_state="pending",
        )
        db.session.commit()
    secrets = ["Leakmarker-Notiz", "Leakmarker-Stellungnahme", "Leakmarker-Frage"]
    for contribution_id in (idea.id, comment.id):
        _forward(client, contribution_id, [world["traffic"]], note=secrets[0])
    member = signed_in_client(app, world["member"])
    for forwarding in (f for c in (idea.id, comment.id) for f in _forwardings(app, c)):
        member.post(f"/fachamt/{forwarding.id}/frage", data={"body": secrets[2]})
        member.post(
            f"/fachamt/{forwarding.id}/stellungnahme",
            data={"recommendation": "adopt", "statement": secrets[1]},
        )
    slug = world["strategy"].slug
    with app.app_context():
        section_key = db.session.get(Contribution, comment.id).section_key
    urls = [
        f"/strategien/{slug}/ideen",
        f"/strategien/{slug}/ideen/{idea.id}",
        f"/strategien/{slug}/{section_key}",
        f"/strategien/{slug}/{section_key}/diskussion",
        f"/beitraege/{comment.id}",
        f"/beitraege/{idea.id}",
    ]
    english = app.test_client()
    english.post("/sprache", data={"lang": "en", "next": "/"})
    viewers = {
        "anonymous": app.test_client(),
        "author": signed_in_client(app, world["author"]),
        "english": english,
    }
    for name, viewer in viewers.items():
        for url in urls:
            response = viewer.get(url, follow_redirects=True)
            assert response.status_code == 200, (name, url)
            html = response.get_data(as_text=True)
            for internal in [*secrets, "Moderatorin Mara", "verkehr-person@example.org"]:
                assert internal not in html, (name, url, internal)
    page = english.get(f"/strategien/{slug}/ideen/{idea.id}").get_data(as_text=True)
    assert "forwarded to Amt für Verkehr und Mobilität" in page
