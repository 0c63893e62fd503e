"""The daily digests (`flask notifications digest`): one mail per person with what was
collected, the moderators' overview of the queue and of overdue forwardings, at most once per
day however often the command runs."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from participation.accounts.models import Department, Role, User
from participation.departments import services as forwarding
from participation.departments.models import Forwarding
from participation.discussion.models import Contribution
from participation.extensions import db
from participation.notifications import digest
from participation.notifications import services as notifications
from participation.notifications.models import Delivery, Kind, NotificationItem
from participation.strategies.models import ModerationMode
from tests.conftest import extract_link
from tests.helpers import signed_in_client
from tests.test_notifications import choose, follow_thread, html_of, mails_to, subject
from tests.test_notifications_follow import radio


def run_digest(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=["notifications", "digest", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def followed(app, make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    comment = discuss.comment(strategy, make.user(), body="Ein Vorschlag.")
    fritz = make.user(display_name="Fritz Folger")
    follow_thread(app, fritz, comment.id)  # daily by default
    return strategy, comment, fritz


def test_collected_notifications_arrive_as_one_digest_once_a_day(
    app, make, discuss, followed, mailbox
):
    _strategy, comment, fritz = followed
    first = discuss.reply(comment, make.user(display_name="Rita"), body="Erste Antwort.")
    second = discuss.reply(first, make.user(display_name="Rolf"), body="Zweite <Antwort> & mehr.")
    mailbox.clear()

    output = run_digest(app)
    assert "Sent 1 digest(s) of collected notifications" in output
    (message,) = mails_to(mailbox, fritz.email)
    assert subject(message) == (
        "Ihre tägliche Zusammenfassung von der Beteiligungsplattform von Stadt Musterstadt"
    )
    text = mailbox.body(message)
    assert "Guten Tag Fritz Folger," in text
    assert "Diskussionen, denen ich folge" in text
    assert f"http://localhost/beitraege/{first.id}" in text
    assert f"http://localhost/beitraege/{second.id}" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = html_of(message)
    assert "Zweite &lt;Antwort&gt; &amp; mehr." in html
    assert "<Antwort>" not in html

    # Again the same day: nothing, even with something new meanwhile.
    discuss.reply(comment, make.user(), body="Dritte Antwort.")
    mailbox.clear()
    assert "Sent 0 digest(s)" in run_digest(app)
    assert mailbox.messages == []
    # The next day brings what came after the first digest, and only that.
    with app.app_context():
        tomorrow = forwarding.local_today() + timedelta(days=1)
    run_digest(app, "--day", tomorrow.isoformat())
    (message,) = mails_to(mailbox, fritz.email)
    text = mailbox.body(message)
    assert "Dritte Antwort." in text
    assert "Erste Antwort." not in text


def test_unsubscribing_from_the_digest_switches_off_what_comes_daily(
    app, make, discuss, followed, mailbox
):
    _strategy, comment, fritz = followed
    discuss.reply(comment, make.user(), body="Eine Antwort.")
    mailbox.clear()
    run_digest(app)
    (message,) = mails_to(mailbox, fritz.email)
    url = urlsplit(message["List-Unsubscribe"].strip("<>"))
    assert app.test_client().post(url.path).status_code == 200
    with app.test_request_context():
        choices = notifications.preferences_of({"user_id": fritz.id})
    assert choices[Kind.FOLLOWED_THREADS] is Delivery.NEVER
    assert choices[Kind.FOLLOWED_STRATEGIES] is Delivery.NEVER
    # What comes immediately is not part of the digest and stays on.
    assert choices[Kind.REPLIES_TO_ME] is Delivery.IMMEDIATE
    assert choices[Kind.OWN_CONTRIBUTIONS] is Delivery.IMMEDIATE

    # Each kind in the digest has its own link as well.
    assert "/benachrichtigungen/abbestellen/" in extract_link(mailbox.body(message), "abbestellen")


def test_items_switched_off_before_the_digest_are_not_sent(app, make, discuss, followed, mailbox):
    _strategy, comment, fritz = followed
    discuss.reply(comment, make.user(), body="Eine Antwort.")
    choose(app, fritz, followed_threads="never")
    mailbox.clear()
    run_digest(app)
    assert mails_to(mailbox, fritz.email) == []
    with app.app_context():
        assert db.session.scalars(select(NotificationItem)).all() == []


def test_a_guest_follower_gets_the_digest_in_their_language(app, make, discuss, mailbox):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    comment = discuss.comment(strategy, make.user(), body="Ein Vorschlag.")
    client = app.test_client()
    client.post("/sprache", data={"lang": "en", "next": "/"})
    mailbox.clear()
    response = client.post(
        f"/beitraege/{comment.id}/folgen", data={"email": "Gina@Example.org", "consent": "y"}
    )
    assert response.status_code == 200
    (confirm,) = mails_to(mailbox, "gina@example.org")
    assert confirm["Subject"].startswith("Please confirm: e-mails about")
    assert client.post(extract_link(mailbox.body(confirm), "folgen-bestaetigen")).status_code == 302

    discuss.reply(comment, make.user(display_name="Rita"), body="Eine Antwort.")
    mailbox.clear()
    run_digest(app)
    (message,) = mails_to(mailbox, "gina@example.org")
    assert subject(message) == (
        "Your daily summary from the participation platform of Stadt Musterstadt"
    )
    text = mailbox.body(message)
    assert "Hello," in text
    assert "Discussions I follow" in text
    # Guests have no settings page; their unsubscribe link works all the same.
    assert "Change your notification settings" not in text
    path = extract_link(text, "abbestellen")
    assert app.test_client().post(path).status_code == 200
    discuss.reply(comment, make.user(), body="Noch eine Antwort.")
    with app.app_context():
        assert (
            db.session.scalars(
                select(NotificationItem).where(NotificationItem.digest_id.is_(None))
            ).all()
            == []
        )


def _overdue_forwarding(app, make, discuss, moderator):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    idea = discuss.idea(strategy, make.user(), title="Ein Ladepunkt am Rathaus")
    department = make.department(name="Tiefbauamt")
    with app.test_request_context():
        (forwarded,) = forwarding.forward(
            db.session.get(Contribution, idea.id),
            [db.session.get(Department, department.id)],
            actor=db.session.get(User, moderator.id),
            note="Bitte prüfen.",
            due_on=forwarding.default_due_on(),
        )
        db.session.execute(
            update(Forwarding)
            .where(Forwarding.id == forwarded.id)
            .values(due_on=forwarding.local_today() - timedelta(days=3))
        )
        db.session.commit()
    return idea


def test_moderators_get_an_overview_of_the_queue_and_overdue_forwardings(
    app, make, discuss, mailbox
):
    mia = make.user(roles=[Role.MODERATOR], display_name="Mia")
    ed = make.user(roles=[Role.MODERATOR], locale="en")
    quiet = make.user(roles=[Role.ADMIN])
    citizen = make.user()
    choose(app, quiet, moderation_digest="never")
    idea = _overdue_forwarding(app, make, discuss, mia)
    pre = make.strategy(moderation_mode=ModerationMode.PRE)
    discuss.comment(pre, citizen, body="Wartet lange.")
    discuss.comment(pre, citizen, body="Wartet auch.")
    discuss.idea(pre, citizen, title="Wartende Idee")
    mailbox.clear()

    output = run_digest(app)
    assert "2 moderation digest(s)" in output
    (message,) = mails_to(mailbox, mia.email)
    assert message["Subject"].startswith("Moderation:")
    text = mailbox.body(message)
    assert "4 Beiträge warten auf eine Entscheidung" in text
    assert "- Kommentare: 2" in text
    # The forwarded idea (post-moderation) is published but not reviewed yet, and it waits
    # longest.
    assert "- Ideen: 2" in text
    assert "Wartet auf Freigabe: 3 · veröffentlicht, noch nicht geprüft: 1" in text
    oldest_link = text.split("Wartet am längsten", 1)[1].split("\n", 2)[1].strip()
    assert oldest_link == f"http://localhost/moderation/beitraege/{idea.id}"
    assert "1 Weiterleitung an ein Fachamt ist überfällig" in text
    assert "Tiefbauamt: Ein Ladepunkt am Rathaus" in text
    assert f"http://localhost/moderation/beitraege/{idea.id}" in text
    assert "Bitte prüfen." not in text  # the internal note stays in the office
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Tägliche Übersicht für die Moderation" in html_of(message)

    (english,) = mails_to(mailbox, ed.email)
    assert "contributions await a decision" in mailbox.body(english)
    assert mails_to(mailbox, quiet.email) == []
    assert mails_to(mailbox, citizen.email) == []

    mailbox.clear()
    assert "0 moderation digest(s)" in run_digest(app)
    assert mailbox.messages == []


def test_no_overview_when_nothing_waits(app, make, mailbox):
    make.user(roles=[Role.MODERATOR])
    mailbox.clear()
    with app.test_request_context():
        summary = digest.moderation_summary(forwarding.local_today())
    assert summary.is_empty
    assert "0 moderation digest(s)" in run_digest(app)
    assert mailbox.messages == []


def test_moderators_choose_daily_or_never_only(app, make):
    moderator = make.user(roles=[Role.MODERATOR])
    client = signed_in_client(app, moderator)
    page = client.get("/konto/benachrichtigungen").get_data(as_text=True)
    assert "Tägliche Übersicht für die Moderation" in page
    assert radio(page, "moderation_digest", "daily") is not None
    assert radio(page, "moderation_digest", "immediate") is None
    data = {kind.value: "daily" for kind in Kind}
    data["moderation_digest"] = "immediate"
    response = client.post("/konto/benachrichtigungen", data=data)
    assert response.status_code == 200  # shown again with the error
    with app.test_request_context():
        assert (
            notifications.preferences_of({"user_id": moderator.id})[Kind.MODERATION_DIGEST]
            is Delivery.DAILY
        )
