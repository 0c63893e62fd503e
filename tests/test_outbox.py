"""The mail outbox: every mail is a row written with the change that causes it, sent after
the commit, retried with backoff by the worker, and never lost when the mail server is down.

The mail server here is real (aiosmtpd): each test that stops it has a server of its own,
so the session-wide one of the other tests keeps running.
"""

import logging
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from participation.database import utcnow
from participation.extensions import db
from participation.mail import queue_mail
from participation.outbox import services
from participation.outbox.models import OutboxMessage, OutboxState
from participation.strategies.models import ModerationMode
from tests.conftest import extract_link
from tests.smtp import SMTPServer, _free_port, _Handler

PASSWORD = "Laterne Fahrradkeller Wolkenbruch"


class RestartableSMTPServer(SMTPServer):
    """A real SMTP server that can be stopped and started again on the same port, keeping
    what it received (an aiosmtpd controller cannot be restarted, so each start makes one)."""

    def __init__(self, handler: _Handler | None = None):
        self.handler = handler or _Handler()
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class _RefusingHandler(_Handler):
    """Refuses recipients at `nobody@…` for good (550), accepts everything else."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def own_server(app, monkeypatch):
    """A mail server of this test's own, which the application sends to."""
    server = RestartableSMTPServer()
    server.start()
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    yield server
    server.stop()


@pytest.fixture
def no_server(app, monkeypatch):
    """A port nobody listens on: every attempt fails with 'connection refused'."""
    monkeypatch.setitem(app.config, "MAIL_PORT", _free_port())


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def rows(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def write(n: int = 1, kind: str = "test", to: str = "person{}@example.org") -> list[str]:
    """Write `n` messages and commit without sending them right away."""
    from flask import current_app

    current_app.config["OUTBOX_SEND_AFTER_COMMIT"] = False
    try:
        ids = [
            services.enqueue(to.format(i), f"Betreff {i}", f"Text {i}", kind=kind).message_id
            for i in range(n)
        ]
        db.session.commit()
    finally:
        current_app.config["OUTBOX_SEND_AFTER_COMMIT"] = True
    return ids


class Recorder:
    """A transport that keeps what it is given instead of talking to a server."""

    def __init__(self, delay: float = 0.0):
        self.sent: list[str] = []
        self.lock = threading.Lock()
        self.delay = delay

    def send(self, message, sender):
        time.sleep(self.delay)
        with self.lock:
            self.sent.append(message.message_id)

    def close(self):
        pass


# --- writing and sending after the commit ---------------------------------------------------


def test_queue_mail_writes_a_row_and_sends_it_after_the_commit(app, ctx, mailbox):
    message = queue_mail("ida@example.org", "Hallo", "password_changed", user=None)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert mailbox.messages == []  # nothing leaves before the commit
    db.session.commit()
    received = mailbox.wait_for(1)
    assert len(received) == 1
    assert received[0]["Message-ID"] == message.message_id
    assert received[0]["To"] == "ida@example.org"
    [row] = rows(app)
    assert row.state is OutboxState.SENT
    assert row.attempts == 1
    assert row.kind == "password_changed"
    assert row.claimed_until is None
    assert row.claim_token is None


def test_a_rolled_back_change_writes_and_sends_no_mail(app, ctx, mailbox):
    queue_mail("ida@example.org", "Hallo", "password_changed", user=None)
    db.session.rollback()
    db.session.commit()
    time.sleep(0.2)
    assert mailbox.messages == []
    assert rows(app) == []


def test_mail_written_in_a_savepoint_waits_for_the_outer_commit(app, ctx, mailbox):
    queue_mail("a@example.org", "Eins", "password_changed", user=None)
    with db.session.begin_nested():
        queue_mail("b@example.org", "Zwei", "password_changed", user=None)
    # The savepoint is released but the transaction is still open: nothing is sent yet.
    time.sleep(0.2)
    assert mailbox.messages == []
    try:
        with db.session.begin_nested():
            queue_mail("c@example.org", "Drei", "password_changed", user=None)
            raise RuntimeError("undone")
    except RuntimeError:
        pass
    db.session.commit()
    received = mailbox.wait_for(2)
    time.sleep(0.2)
    assert sorted(m["To"] for m in mailbox.messages) == ["a@example.org", "b@example.org"]
    assert len(received) == 2


def test_html_part_and_extra_headers(app, ctx, mailbox, monkeypatch):
    loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "mail/outbox_probe.txt": "Hallo {{ name }} (Text)",
                    "mail/outbox_probe.html": "<p>Hallo <strong>{{ name }}</strong></p>",
                }
            ),
            app.jinja_env.loader,
        ]
    )
    monkeypatch.setattr(app.jinja_env, "loader", loader)
    queue_mail(
        "ida@example.org",
        "Mit HTML",
        "outbox_probe",
        headers={"List-Unsubscribe": "<http://localhost/abmelden/x>"},
        kind="notification",
        name="Ida Ä",
    )
    db.session.commit()
    message = mailbox.last_to("ida@example.org")
    assert message["List-Unsubscribe"] == "<http://localhost/abmelden/x>"
    assert mailbox.body(message).rstrip() == "Hallo Ida Ä (Text)"
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<strong>Ida Ä</strong>" in html
    assert rows(app)[0].kind == "notification"


def test_a_text_only_mail_has_no_html_part(app, ctx, mailbox):
    queue_mail("ida@example.org", "Nur Text", "password_changed", user=None)
    db.session.commit()
    message = mailbox.last_to("ida@example.org")
    assert not message.is_multipart()
    assert rows(app)[0].body_html is None


def test_line_breaks_in_headers_are_refused(app, ctx):
    with pytest.raises(ValueError, match="line break"):
        queue_mail("ida@example.org\nBcc: x@example.org", "Hallo", "password_changed", user=None)
    with pytest.raises(ValueError, match="line break"):
        queue_mail(
            "ida@example.org", "Hallo", "password_changed", headers={"X-A": "1\r\nB: 2"}, user=None
        )


def test_send_after_commit_can_be_switched_off(app, ctx, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_SEND_AFTER_COMMIT", False)
    queue_mail("ida@example.org", "Später", "password_changed", user=None)
    db.session.commit()
    time.sleep(0.2)
    assert mailbox.messages == []
    assert services.drain().sent == 1
    assert mailbox.wait_for(1)[0]["To"] == "ida@example.org"


# --- claims, leases, backoff ------------------------------------------------------------------


def test_backoff_doubles_and_is_capped(app, ctx):
    assert services.backoff(1) == timedelta(minutes=1)
    assert services.backoff(2) == timedelta(minutes=2)
    assert services.backoff(3) == timedelta(minutes=4)
    assert services.backoff(9) == timedelta(minutes=256)
    assert services.backoff(10) == timedelta(hours=6)
    assert services.backoff(500) == timedelta(hours=6)


def test_a_claimed_message_is_not_claimed_again_until_its_lease_runs_out(app, ctx):
    ids = write(3)
    now = utcnow()
    first = services.claim(db.session, now=now, limit=2)
    second = services.claim(db.session, now=now)
    third = services.claim(db.session, now=now)
    assert len(first.ids) == 2
    assert len(second.ids) == 1
    assert set(first.ids).isdisjoint(second.ids)
    assert third.ids == []
    # Both workers died: after the lease the rows can be claimed again, once.
    later = now + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
    again = services.claim(db.session, now=later)
    assert sorted(again.ids) == sorted(first.ids + second.ids)
    assert services.claim(db.session, now=later).ids == []
    assert len(ids) == 3


def test_two_workers_one_after_the_other_never_send_a_row_twice(app, ctx):
    write(5)
    now = utcnow()
    a, b = Recorder(), Recorder()
    claim_a = services.claim(db.session, now=now, limit=3)
    claim_b = services.claim(db.session, now=now, limit=3)
    services.deliver(db.session, claim_b, b, now=now)
    services.deliver(db.session, claim_a, a, now=now)
    assert len(a.sent) == 3
    assert len(b.sent) == 2
    assert set(a.sent).isdisjoint(b.sent)
    # Nothing is left for anyone, even after every lease has run out.
    later = now + timedelta(days=1)
    assert services.claim(db.session, now=later).ids == []
    assert all(row.state is OutboxState.SENT for row in rows(app))


def test_a_worker_whose_lease_ran_out_cannot_mark_the_row(app, ctx):
    write(1)
    now = utcnow()
    stale = services.claim(db.session, now=now)
    later = now + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1)
    fresh = services.claim(db.session, now=later)
    assert stale.ids == fresh.ids
    recorder = Recorder()
    services.deliver(db.session, fresh, recorder, now=later)
    # The stale worker's outcome does not overwrite the row the fresh one sent.
    [row] = rows(app)
    services._mark_attempt_failed(db.session, row, stale, OSError("late"), later)
    [row] = rows(app)
    assert row.state is OutboxState.SENT
    assert row.last_error is None


def test_failed_attempts_back_off_and_give_up_after_the_limit(app, ctx, no_server, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    write(1)
    start = utcnow()
    tally = services.drain(now=start)
    assert (tally.sent, tally.retrying, tally.failed) == (0, 1, 0)
    [row] = rows(app)
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at == start + timedelta(minutes=1)
    # Not due before its time.
    assert services.drain(now=start + timedelta(seconds=59)).retrying == 0
    second = start + timedelta(minutes=1)
    assert services.drain(now=second).retrying == 1
    [row] = rows(app)
    assert row.attempts == 2
    assert row.next_attempt_at == second + timedelta(minutes=2)
    third = second + timedelta(minutes=2)
    assert services.drain(now=third).failed == 1
    [row] = rows(app)
    assert row.state is OutboxState.FAILED
    assert row.attempts == 3
    assert row.failed_at == third
    # Given up: the worker leaves it alone; administrators see it.
    assert services.drain(now=third + timedelta(days=30)).retrying == 0
    assert services.counts()[OutboxState.FAILED] == 1


def test_a_recipient_refused_for_good_is_given_up_at_once(app, ctx, monkeypatch):
    server = RestartableSMTPServer(_RefusingHandler())
    server.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        queue_mail("nobody@example.org", "Weg", "password_changed", user=None)
        queue_mail("ida@example.org", "Da", "password_changed", user=None)
        db.session.commit()
        server.wait_for(1)
        by_to = {row.recipient: row for row in rows(app)}
        assert by_to["nobody@example.org"].state is OutboxState.FAILED
        assert "550" in by_to["nobody@example.org"].last_error
        assert by_to["ida@example.org"].state is OutboxState.SENT
        assert [m["To"] for m in server.messages] == ["ida@example.org"]
    finally:
        server.stop()


def test_log_backend_writes_the_mail_to_the_log(app, ctx, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "log")
    # Alembic's logging set-up (run by the app fixture) disables loggers that exist already.
    monkeypatch.setattr(logging.getLogger("participation.outbox"), "disabled", False)
    caplog.set_level("INFO", logger="participation.outbox")
    queue_mail("ida@example.org", "Ins Log", "password_changed", user=None)
    db.session.commit()
    assert "mail to ida@example.org" in caplog.text
    assert "Subject: Ins Log" in caplog.text
    assert rows(app)[0].state is OutboxState.SENT


# --- the required test: the mail server is down, nothing is lost -------------------------------


def test_mail_server_down_delays_mail_and_loses_nothing(app, client, make, own_server, monkeypatch):
    # Time between attempts would only make the test wait; backoff itself is tested above.
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_BASE_SECONDS", 0)
    make.strategy(slug="ausfall", moderation_mode=ModerationMode.POST)
    existing = make.user(email="vergesslich@example.org")
    own_server.stop()

    # Changes happen while the server is down; every request succeeds.
    response = client.post(
        "/konto/registrieren",
        data={
            "email": "neu@example.org",
            "display_name": "Neuling",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
            "consent": "y",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/strategien/ausfall/vision/kommentare",
        data={
            "body_md": "Als Gast, während der Mailserver schläft.",
            "guest_name": "Gerda Gast",
            "guest_email": "gerda@example.org",
            "guest_consent": "y",
        },
    )
    assert response.status_code == 302
    response = app.test_client().post("/konto/passwort-vergessen", data={"email": existing.email})
    assert response.status_code == 302

    # Nothing arrived, nothing is lost: three rows wait, each with its error.
    waiting = rows(app)
    assert {row.recipient for row in waiting} == {
        "neu@example.org",
        "gerda@example.org",
        "vergesslich@example.org",
    }
    assert all(row.state is OutboxState.PENDING for row in waiting)
    assert all(row.attempts == 1 and "Connection refused" in row.last_error for row in waiting)
    # The worker, too, cannot send while the server is down.
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "0 sent, 3 waiting for another attempt" in result.output
    assert "error: ConnectionRefusedError" in result.output
    assert all(row.attempts == 2 for row in rows(app))
    assert own_server.messages == []

    own_server.start()
    result = runner.invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "3 sent, 0 waiting for another attempt, 0 given up" in result.output

    received = own_server.wait_for(3)
    assert sorted(m["To"] for m in received) == [
        "gerda@example.org",
        "neu@example.org",
        "vergesslich@example.org",
    ]
    sent = rows(app)
    assert sorted(m["Message-ID"] for m in received) == sorted(r.message_id for r in sent)
    assert all(row.state is OutboxState.SENT and row.attempts == 3 for row in sent)

    # Running the worker again sends nothing more.
    result = runner.invoke(args=["outbox", "work", "--once"])
    assert "0 sent" in result.output
    time.sleep(0.2)
    assert len(own_server.messages) == 3

    # The delayed mail works: the new account is confirmed through its link.
    body = own_server.body(own_server.last_to("neu@example.org"))
    link = extract_link(body, "/konto/bestaetigen/")
    assert client.post(link).status_code == 302
    with app.app_context():
        from participation.accounts.models import User

        user = db.session.scalars(select(User).where(User.email == "neu@example.org")).one()
        assert user.email_confirmed_at is not None


# --- two workers at the same time, on committed rows -----------------------------------------


def test_two_workers_at_the_same_time_send_every_message_exactly_once(app):
    """Real concurrency needs committed rows and connections of their own, outside the
    test's transaction; the rows are removed afterwards."""
    kind = "concurrency-probe"
    with app.app_context():
        engine = db.engine
        with Session(engine) as session:
            for i in range(40):
                session.add(
                    OutboxMessage(
                        message_id=f"<probe-{i}-{time.time_ns()}@example.org>",
                        kind=kind,
                        recipient=f"p{i}@example.org",
                        subject="Probe",
                        body_text="Probe",
                    )
                )
            session.commit()
    recorders = [Recorder(delay=0.002), Recorder(delay=0.002)]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(recorder):
        try:
            with app.app_context(), Session(engine) as session:
                start.wait()
                while True:
                    claimed = services.claim(session, limit=3)
                    if not claimed.ids:
                        break
                    services.deliver(session, claimed, recorder)
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(r,)) for r in recorders]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        everything = recorders[0].sent + recorders[1].sent
        assert len(everything) == 40
        assert len(set(everything)) == 40
        with app.app_context(), Session(engine) as session:
            unsent = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == kind, OutboxMessage.sent_at.is_(None))
            )
            assert unsent == 0
    finally:
        with app.app_context(), Session(engine) as session:
            session.execute(delete(OutboxMessage).where(OutboxMessage.kind == kind))
            session.commit()


# --- the command line -------------------------------------------------------------------------


def test_cli_status_and_purge(app, ctx, mailbox):
    write(2)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "status"])
    assert "pending: 2" in result.output
    assert "sent: 0" in result.output
    result = runner.invoke(args=["outbox", "work", "--once"])
    assert "2 sent" in result.output
    assert len(mailbox.wait_for(2)) == 2
    assert "sent: 2" in runner.invoke(args=["outbox", "status"]).output
    # Recently sent mail stays for the administrators; old sent mail is deleted.
    result = runner.invoke(args=["outbox", "purge", "--days", "1"])
    assert "0 sent message(s)" in result.output
    assert services.purge_sent(timedelta(days=1), now=utcnow() + timedelta(days=2)) == 2
    db.session.commit()
    assert rows(app) == []


def test_the_worker_loop_stops_when_told(app, ctx, mailbox):
    write(1)
    stop = threading.Event()
    thread = threading.Thread(target=lambda: _loop(app, stop))
    thread.start()
    mailbox.wait_for(1)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()


def _loop(app, stop):
    # The test's connection is not shared between threads at the same time: the test waits.
    with app.app_context():
        services.run_worker(stop, poll_seconds=0.05)


def test_the_background_worker_is_for_development_only(app):
    from config import DevelopmentConfig, ProductionConfig, TestingConfig

    assert DevelopmentConfig.OUTBOX_BACKGROUND_WORKER is True
    assert TestingConfig.OUTBOX_BACKGROUND_WORKER is False
    assert ProductionConfig.OUTBOX_BACKGROUND_WORKER is False
    assert "outbox_worker" not in app.extensions
