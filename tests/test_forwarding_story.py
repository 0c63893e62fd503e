"""Issue 5's "done when", as one story through the HTTP interface with a real SMTP server:
a suggestion travels office → department → office → public, and every person is told by
e-mail at the right moment (exactly once), following the links in the mails."""

from datetime import timedelta

from sqlalchemy import select

from participation.accounts.models import Role
from participation.departments.services import local_today
from participation.discussion.models import Contribution
from participation.extensions import db
from tests.conftest import extract_link
from tests.helpers import signed_in_client

NOTE = "Bitte mit dem Radverkehrsplan abgleichen."
STATEMENT = "Passt zum Radverkehrsplan; Umsetzung 2027 möglich."
QUESTION = "Ist die ganze Ringstraße gemeint?"
ANSWER = "Ja, der ganze Ring."


def _only(mailbox, count):
    """Exactly `count` mails arrived (after waiting for them), then an empty mailbox."""
    messages = mailbox.wait_for(count)
    assert len(messages) == count, [m["To"] for m in messages]
    mailbox.clear()
    return {m["To"]: m for m in messages}


def test_a_suggestion_travels_office_department_office_public(app, make, mailbox):
    make.strategy(slug="agenda", sections=[("Mobilität", "Mehr Radwege.")])
    citizen = make.user(email="buergerin@example.org", display_name="Rita Rad")
    moderator = make.user(
        email="moderation@example.org", display_name="Moderatorin Mara", roles=[Role.MODERATOR]
    )
    department = make.department(name="Amt für Verkehr und Mobilität", short_name="Amt 66")
    member = make.user(
        email="verkehr@example.org",
        display_name="Vera Verkehr",
        roles=[Role.DEPARTMENT],
        department=department,
    )
    citizen_client = signed_in_client(app, citizen)
    office = signed_in_client(app, moderator)
    public = app.test_client()

    # The citizen submits an idea; the office publishes it.
    mailbox.clear()
    posted = citizen_client.post(
        "/strategien/agenda/ideen/neu",
        data={"title": "Radweg am Ring", "body_md": "Ein geschützter Radweg rund um den Ring."},
    )
    assert posted.status_code == 302
    with app.app_context():
        idea = db.session.scalar(select(Contribution).where(Contribution.title == "Radweg am Ring"))
        idea_id = idea.id
    decided = office.post(
        f"/moderation/beitraege/{idea_id}/entscheiden",
        data={"action": "publish", "state": "pending", "revision": idea.revision},
    )
    assert decided.status_code == 302
    _only(mailbox, 1)  # "published" to the citizen

    # The office forwards it with a note; department and citizen are told.
    with app.app_context():
        due = local_today() + timedelta(days=14)
    forwarded = office.post(
        f"/moderation/beitraege/{idea_id}/weiterleiten",
        data={"departments": [department.id], "forward_note": NOTE, "due_on": due.isoformat()},
    )
    assert forwarded.status_code == 302
    mails = _only(mailbox, 3)
    assert set(mails) == {department.email, "verkehr@example.org", "buergerin@example.org"}
    to_citizen = mails["buergerin@example.org"]
    assert "an Amt für Verkehr und Mobilität weitergeleitet" in to_citizen["Subject"]
    assert NOTE not in mailbox.body(mails["buergerin@example.org"])
    inbox_link = extract_link(mailbox.body(mails["verkehr@example.org"]), "/fachamt/")
    assert NOTE in mailbox.body(mails["verkehr@example.org"])

    page = public.get(f"/strategien/agenda/ideen/{idea_id}").get_data(as_text=True)
    assert "an Amt für Verkehr und Mobilität weitergeleitet" in page
    assert NOTE not in page

    # The department follows the link, asks a question, and the office answers it.
    department_client = signed_in_client(app, member)
    item = department_client.get(inbox_link)
    assert item.status_code == 200
    assert NOTE in item.get_data(as_text=True)
    department_client.post(f"{inbox_link}/frage", data={"body": QUESTION})
    question = _only(mailbox, 1)["moderation@example.org"]
    office_link = extract_link(mailbox.body(question), "/moderation/beitraege/")
    assert QUESTION in office.get(office_link).get_data(as_text=True)
    forwarding_id = int(inbox_link.rsplit("/", 1)[1])
    office.post(f"/moderation/weiterleitungen/{forwarding_id}/nachricht", data={"body": ANSWER})
    answer = _only(mailbox, 2)
    assert set(answer) == {department.email, "verkehr@example.org"}
    assert ANSWER in mailbox.body(answer["verkehr@example.org"])
    assert ANSWER in department_client.get(inbox_link).get_data(as_text=True)

    # The department gives its statement; the office is told.
    department_client.post(
        f"{inbox_link}/stellungnahme", data={"recommendation": "adopt", "statement": STATEMENT}
    )
    statement_mail = _only(mailbox, 1)["moderation@example.org"]
    assert STATEMENT in mailbox.body(statement_mail)
    detail = office.get(f"/moderation/beitraege/{idea_id}").get_data(as_text=True)
    assert STATEMENT in detail
    assert "übernehmen" in detail

    # The office decides: an official reply and the status; the citizen hears both.
    replied = office.post(
        f"/moderation/beitraege/{idea_id}/antworten",
        data={"body_md": "Der Radweg am Ring wird 2027 gebaut."},
    )
    assert replied.status_code == 302
    assert (
        "Die Verwaltung hat auf Ihren Beitrag geantwortet"
        in _only(mailbox, 1)["buergerin@example.org"]["Subject"]
    )
    status = office.post(
        f"/moderation/beitraege/{idea_id}/status",
        data={
            "status": "adopted",
            "public_reason": "Das Fachamt plant den Bau für 2027.",
            "expected_status": "forwarded",
        },
    )
    assert status.status_code == 302
    final = _only(mailbox, 1)["buergerin@example.org"]
    assert "wird übernommen" in final["Subject"]

    # What the public sees: the whole trail, the reply, the department's name; nothing
    # internal.
    page = public.get(f"/strategien/agenda/ideen/{idea_id}").get_data(as_text=True)
    trail = page.split('class="status-trail"', 1)[1].split("</ol>", 1)[0]
    positions = [
        trail.index(words)
        for words in (
            "eingegangen",
            "an Amt für Verkehr und Mobilität weitergeleitet",
            "wird übernommen",
        )
    ]
    assert positions == sorted(positions)
    assert "Das Fachamt plant den Bau für 2027." in page
    assert "Der Radweg am Ring wird 2027 gebaut." in page
    for internal in (NOTE, STATEMENT, QUESTION, ANSWER, "Vera Verkehr", "Moderatorin Mara"):
        assert internal not in page
