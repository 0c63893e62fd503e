"""Notification mails through the real SMTP server: who is told about what, as they chose,
never about their own actions, with a working one-click unsubscribe, text and HTML parts, in
the recipient's language and with a link straight to the contribution."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.discussion.models import Contribution, ModerationState, ProcessingStatus
from participation.extensions import db
from participation.moderation import official
from participation.moderation import services as moderation
from participation.moderation import status as status_service
from participation.notifications import services as notifications
from participation.notifications.models import Delivery, Kind, NotificationItem
from participation.outbox.models import OutboxMessage
from participation.strategies.models import ModerationMode
from tests.conftest import extract_link
from tests.helpers import signed_in_client

BASE = "http://localhost"


def mails_to(mailbox, address: str):
    return [m for m in mailbox.messages if address in m["To"]]


def subject(message) -> str:
    # Long subjects are folded into encoded words; unfolding may double a space.
    return " ".join(message["Subject"].split())


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def follow_thread(app, user, contribution_id: int) -> None:
    response = signed_in_client(app, user).post(f"/beitraege/{contribution_id}/folgen")
    assert response.status_code == 302, response.get_data(as_text=True)


def follow_strategy(app, user, slug: str) -> None:
    response = signed_in_client(app, user).post(f"/strategien/{slug}/folgen")
    assert response.status_code == 302, response.get_data(as_text=True)


def choose(app, user, **choices) -> None:
    """Set preferences on the settings page (the other kinds keep their defaults)."""
    data = {kind.value: delivery.value for kind, delivery in notifications.DEFAULTS.items()}
    data.update(choices)
    if Kind.MODERATION_DIGEST.value in data and not user.roles:
        data.pop(Kind.MODERATION_DIGEST.value)
    response = signed_in_client(app, user).post("/konto/benachrichtigungen", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def thread(make, discuss):
    """A post-moderated strategy with a published comment by Anna."""
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    anna = make.user(display_name="Anna Autorin")
    comment = discuss.comment(strategy, anna, body="Mehr Bänke am Marktplatz, bitte.")
    return strategy, anna, comment


def test_a_reply_tells_the_author_and_a_thread_follower_but_not_the_replier(
    app, make, discuss, thread, mailbox
):
    strategy, anna, comment = thread
    fritz = make.user(display_name="Fritz Folger")
    follow_thread(app, fritz, comment.id)
    choose(app, fritz, followed_threads="immediate")
    rolf = make.user(display_name="Rolf Antwort")
    mailbox.clear()

    reply = discuss.reply(comment, rolf, body="Und Schatten dazu!")

    (to_anna,) = mails_to(mailbox, anna.email)
    assert to_anna["Subject"] == "Rolf Antwort hat auf Ihren Beitrag geantwortet"
    text = mailbox.body(to_anna)
    assert "Und Schatten dazu!" in text
    assert f"{BASE}/beitraege/{reply.id}" in text
    assert "Mehr Bänke am Marktplatz" in text  # what was answered

    (to_fritz,) = mails_to(mailbox, fritz.email)
    assert "Neue Antwort in einer Diskussion" in to_fritz["Subject"]
    assert f"{BASE}/beitraege/{reply.id}" in mailbox.body(to_fritz)
    # Nobody learns who else follows.
    assert anna.email not in mailbox.body(to_fritz)
    assert "Anna" not in to_fritz["To"]

    assert mails_to(mailbox, rolf.email) == []


def test_every_notification_has_unsubscribe_headers_and_an_html_part(
    app, make, discuss, thread, mailbox
):
    _strategy, anna, comment = thread
    mailbox.clear()
    discuss.reply(comment, make.user(), body="Eine Antwort.")
    (message,) = mails_to(mailbox, anna.email)
    one_click = message["List-Unsubscribe"]
    assert re.fullmatch(
        r"<http://localhost/benachrichtigungen/abbestellen/[^>/]+/sofort>", one_click
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = html_of(message)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="de">' in html
    assert "Stadt Musterstadt" in html  # the municipality's name in the layout
    assert "/benachrichtigungen/abbestellen/" in html
    assert "/benachrichtigungen/abbestellen/" in mailbox.body(message)


def test_html_part_escapes_what_people_wrote(app, make, discuss, thread, mailbox):
    _strategy, anna, comment = thread
    evil = make.user(display_name="Eve <b>Bold</b>")
    mailbox.clear()
    discuss.reply(comment, evil, body='<script>alert("x")</script> & <img src=x onerror=1>')
    (message,) = mails_to(mailbox, anna.email)
    html = html_of(message)
    assert "<script>" not in html
    assert "<img" not in html
    assert "<b>Bold" not in html
    assert "&lt;script&gt;" in html
    assert "&amp;" in html
    assert "Eve &lt;b&gt;Bold&lt;/b&gt;" in html
    # The text part is plain text: nothing to escape there.
    assert '<script>alert("x")</script>' in mailbox.body(message)


def test_no_self_notification(app, make, discuss, thread, mailbox):
    _strategy, anna, comment = thread
    follow_thread(app, anna, comment.id)
    choose(app, anna, followed_threads="immediate")
    mailbox.clear()
    discuss.reply(comment, anna, body="Ich ergänze meinen eigenen Vorschlag.")
    assert mails_to(mailbox, anna.email) == []


def test_never_sends_nothing_and_daily_sends_nothing_now(app, make, discuss, thread, mailbox):
    _strategy, anna, comment = thread
    fritz = make.user()
    follow_thread(app, fritz, comment.id)  # followed threads: daily by default
    choose(app, anna, replies_to_me="never")
    mailbox.clear()
    discuss.reply(comment, make.user(), body="Eine Antwort.")
    assert mails_to(mailbox, anna.email) == []
    assert mails_to(mailbox, fritz.email) == []
    with app.app_context():
        items = db.session.scalars(select(NotificationItem)).all()
        assert [(item.user_id, item.kind) for item in items] == [(fritz.id, Kind.FOLLOWED_THREADS)]
        assert (
            db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.recipient == anna.email))
            is None
        )


def test_pending_replies_are_told_only_when_published(app, make, discuss, mailbox):
    strategy = make.strategy(moderation_mode=ModerationMode.PRE)
    anna = make.user()
    fritz = make.user()
    moderator = make.user(roles=[Role.MODERATOR])
    comment = discuss.comment(strategy, anna)
    with app.test_request_context():
        moderation.decide(
            db.session.get(Contribution, comment.id),
            "publish",
            actor=db.session.get(User, moderator.id),
            expected_state=ModerationState.PENDING,
        )
        db.session.commit()
    for user in (fritz, moderator):
        follow_thread(app, user, comment.id)
        choose(app, user, followed_threads="immediate")
    mailbox.clear()

    reply = discuss.reply(comment, make.user(display_name="Paula Pending"), body="Wartet noch.")
    assert reply.state is ModerationState.PENDING
    assert mails_to(mailbox, anna.email) == []
    assert mails_to(mailbox, fritz.email) == []

    with app.test_request_context():
        moderation.decide(
            db.session.get(Contribution, reply.id),
            "publish",
            actor=db.session.get(User, moderator.id),
            expected_state=ModerationState.PENDING,
        )
        db.session.commit()
    assert len(mails_to(mailbox, anna.email)) == 1
    assert len(mails_to(mailbox, fritz.email)) == 1
    # The moderator who published it follows too, but it was their own action.
    assert mails_to(mailbox, moderator.email) == []

    # Hidden and restored: not new, nobody is told a second time.
    mailbox.clear()
    with app.test_request_context():
        c = db.session.get(Contribution, reply.id)
        m = db.session.get(User, moderator.id)
        moderation.decide(c, "hide", actor=m, expected_state=ModerationState.PUBLISHED)
        moderation.decide(c, "restore", actor=m, expected_state=ModerationState.HIDDEN)
        db.session.commit()
    assert mails_to(mailbox, anna.email) == []
    assert mails_to(mailbox, fritz.email) == []


def _unsubscribe_path(message) -> str:
    return extract_link(message.get_body(preferencelist=("plain",)).get_content(), "abbestellen")


def test_unsubscribe_link_shows_a_page_and_the_button_unsubscribes(
    app, make, discuss, thread, mailbox
):
    _strategy, anna, comment = thread
    mailbox.clear()
    discuss.reply(comment, make.user(), body="Erste Antwort.")
    path = _unsubscribe_path(mails_to(mailbox, anna.email)[0])
    client = app.test_client()  # not logged in: the link alone is enough

    page = client.get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Antworten auf meine Beiträge" in body
    assert '<form method="post"' in body
    # Opening the link (as a mail scanner does) changed nothing.
    with app.test_request_context():
        assert (
            notifications.delivery_for(
                notifications.user_recipient(db.session.get(User, anna.id)), Kind.REPLIES_TO_ME
            )
            is Delivery.IMMEDIATE
        )

    done = client.post(path)
    assert done.status_code == 200
    assert "Sie haben abbestellt" in done.get_data(as_text=True)
    with app.test_request_context():
        recipient = notifications.user_recipient(db.session.get(User, anna.id))
        assert notifications.delivery_for(recipient, Kind.REPLIES_TO_ME) is Delivery.NEVER
        # Only that kind.
        assert notifications.delivery_for(recipient, Kind.OWN_CONTRIBUTIONS) is Delivery.IMMEDIATE

    mailbox.clear()
    discuss.reply(comment, make.user(), body="Zweite Antwort.")
    assert mails_to(mailbox, anna.email) == []
    # A second visit says so instead of offering the button again.
    assert "bereits abbestellt" in client.get(path).get_data(as_text=True)


def test_one_click_unsubscribe_by_the_mail_program(app, make, discuss, thread, mailbox):
    _strategy, anna, comment = thread
    mailbox.clear()
    discuss.reply(comment, make.user(), body="Eine Antwort.")
    header = mails_to(mailbox, anna.email)[0]["List-Unsubscribe"]
    url = urlsplit(header.strip("<>"))
    client = app.test_client()
    # RFC 8058: a POST with this body, no cookies, no CSRF token.
    response = client.post(
        url.path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    with app.test_request_context():
        recipient = notifications.user_recipient(db.session.get(User, anna.id))
        assert notifications.delivery_for(recipient, Kind.REPLIES_TO_ME) is Delivery.NEVER
    # A program without RFC 8058 opens the address: a page that asks first.
    assert client.get(url.path).status_code == 200
    # A damaged token changes nothing.
    assert client.post(url.path.replace("/abbestellen/", "/abbestellen/x")).status_code == 400


def test_english_recipient_gets_english(app, make, discuss, thread, mailbox):
    _strategy, _anna, comment = thread
    emma = make.user(display_name="Emma English", locale="en")
    english_comment = discuss.comment(_strategy, emma, body="More trees, please.")
    follow_thread(app, emma, comment.id)
    choose(app, emma, followed_threads="immediate")
    mailbox.clear()
    discuss.reply(english_comment, make.user(display_name="Rolf"), body="Ja!")
    discuss.reply(comment, make.user(display_name="Rita"), body="Genau.")
    followed, direct = sorted(mails_to(mailbox, emma.email), key=lambda m: m["Subject"])
    assert direct["Subject"] == "Rolf has replied to your contribution"
    assert "Hello Emma English," in mailbox.body(direct)
    assert "Unsubscribe from these e-mails:" in mailbox.body(direct)
    assert '<html lang="en">' in html_of(direct)
    assert followed["Subject"].startswith("New reply in a discussion you follow")


def test_author_mails_of_moderation_go_through_the_preferences(app, make, discuss, mailbox):
    strategy = make.strategy(moderation_mode=ModerationMode.PRE)
    anna = make.user()
    moderator = make.user(roles=[Role.MODERATOR])
    first = discuss.comment(strategy, anna, body="Erster.")
    second = discuss.comment(strategy, anna, body="Zweiter.")
    mailbox.clear()
    with app.test_request_context():
        m = db.session.get(User, moderator.id)
        moderation.decide(
            db.session.get(Contribution, first.id), "publish", actor=m,
            expected_state=ModerationState.PENDING,
        )  # fmt: skip
        db.session.commit()
    (published,) = mails_to(mailbox, anna.email)
    assert published["Subject"] == "Ihr Beitrag wurde veröffentlicht"
    assert published["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{BASE}/beitraege/{first.id}" in mailbox.body(published)

    choose(app, anna, own_contributions="never")
    mailbox.clear()
    with app.test_request_context():
        moderation.decide(
            db.session.get(Contribution, second.id), "publish", actor=m,
            expected_state=ModerationState.PENDING,
        )  # fmt: skip
        db.session.commit()
    assert mails_to(mailbox, anna.email) == []


def test_official_reply_and_status_change_reach_author_and_followers_once(
    app, make, discuss, mailbox
):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    anna = make.user()
    idea = discuss.idea(strategy, anna, title="Trinkbrunnen")
    moderator = make.user(roles=[Role.MODERATOR], display_name="Mia Moderatorin")
    fritz, sina = make.user(), make.user(locale="en")
    follow_thread(app, fritz, idea.id)
    choose(app, fritz, followed_threads="immediate")
    follow_strategy(app, sina, strategy.slug)
    choose(app, sina, followed_strategies="immediate")
    mailbox.clear()

    with app.test_request_context():
        reply = official.post_official_reply(
            db.session.get(Contribution, idea.id),
            actor=db.session.get(User, moderator.id),
            body_md="Wir prüfen Standorte.",
            show_own_name=False,
        )
        db.session.commit()
        reply_id = reply.id
    (to_anna,) = mails_to(mailbox, anna.email)
    assert to_anna["Subject"] == "Die Verwaltung hat auf Ihren Beitrag geantwortet"
    (to_fritz,) = mails_to(mailbox, fritz.email)
    assert to_fritz["Subject"].startswith("Offizielle Antwort in einer Diskussion")
    assert f"{BASE}/beitraege/{reply_id}" in mailbox.body(to_fritz)
    (to_sina,) = mails_to(mailbox, sina.email)
    assert to_sina["Subject"].startswith("Official reply in a discussion you follow")
    assert mails_to(mailbox, moderator.email) == []

    mailbox.clear()
    with app.test_request_context():
        status_service.set_status(
            db.session.get(Contribution, idea.id),
            ProcessingStatus.NOT_ADOPTED,
            actor=db.session.get(User, moderator.id),
            public_reason="Kein Wasseranschluss.",
        )
        db.session.commit()
    (to_anna,) = mails_to(mailbox, anna.email)
    assert subject(to_anna) == "Neuer Bearbeitungsstand Ihres Vorschlags: nicht übernommen"
    (to_fritz,) = mails_to(mailbox, fritz.email)
    assert subject(to_fritz).endswith(": nicht übernommen")
    assert "Kein Wasseranschluss." in mailbox.body(to_fritz)
    (to_sina,) = mails_to(mailbox, sina.email)
    assert subject(to_sina) == "New processing status in a discussion you follow: not adopted"


def test_forwarding_is_told_with_the_department_in_each_language(app, make, discuss, mailbox):
    from participation.accounts.models import Department
    from participation.departments import services as forwarding

    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    anna = make.user(locale="en")
    idea = discuss.idea(strategy, anna, title="Mehr Bäume")
    fritz = make.user()
    follow_thread(app, fritz, idea.id)
    choose(app, fritz, followed_threads="immediate")
    department = make.department(name="Grünflächenamt")
    moderator = make.user(roles=[Role.MODERATOR])
    mailbox.clear()
    with app.test_request_context():
        forwarding.forward(
            db.session.get(Contribution, idea.id),
            [db.session.get(Department, department.id)],
            actor=db.session.get(User, moderator.id),
            note="intern",
            due_on=forwarding.default_due_on(),
        )
        db.session.commit()
    (to_anna,) = mails_to(mailbox, anna.email)
    assert subject(to_anna) == (
        "New processing status of your suggestion: forwarded to Grünflächenamt"
    )
    (to_fritz,) = mails_to(mailbox, fritz.email)
    assert subject(to_fritz).endswith(": an Grünflächenamt weitergeleitet")
    assert "intern" not in mailbox.body(to_fritz)
    assert "intern" not in mailbox.body(to_anna)


def test_a_new_version_tells_the_followers_of_the_strategy_and_its_threads(
    app, make, discuss, thread, mailbox
):
    from participation.strategies import services as strategy_services
    from participation.strategies.models import Strategy

    strategy, anna, comment = thread
    sina, fritz = make.user(), make.user()
    follow_strategy(app, sina, strategy.slug)
    follow_thread(app, fritz, comment.id)
    choose(app, sina, followed_strategies="immediate")
    choose(app, fritz, followed_threads="immediate")
    editor = make.user(roles=[Role.ADMIN])
    mailbox.clear()
    with app.test_request_context():
        s = db.session.get(Strategy, strategy.id)
        strategy_services.ensure_draft(s, actor=db.session.get(User, editor.id))
        strategy_services.publish(
            s, actor=db.session.get(User, editor.id), change_note="Mehr Grün im Kapitel 2."
        )
        db.session.commit()
    for user in (sina, fritz):
        (message,) = mails_to(mailbox, user.email)
        assert "Version 2" in message["Subject"]
        body = mailbox.body(message)
        assert "Mehr Grün im Kapitel 2." in body
        assert f"{BASE}/strategien/{strategy.slug}/vergleich" in body
    assert mails_to(mailbox, anna.email) == []  # she follows nothing


def test_strategy_followers_hear_of_new_threads_not_of_replies(app, make, discuss, mailbox):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    sina = make.user()
    follow_strategy(app, sina, strategy.slug)
    choose(app, sina, followed_strategies="immediate")
    mailbox.clear()
    comment = discuss.comment(strategy, make.user(display_name="Karl"), body="Neuer Gedanke.")
    (message,) = mails_to(mailbox, sina.email)
    assert message["Subject"].startswith("Neuer Beitrag zu")
    assert f"{BASE}/beitraege/{comment.id}" in mailbox.body(message)
    mailbox.clear()
    discuss.reply(comment, make.user(), body="Eine Antwort.")
    assert mails_to(mailbox, sina.email) == []
