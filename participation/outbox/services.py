"""The mail outbox.

`enqueue` writes a message as a row in the caller's transaction, so a mail exists exactly when
the change that causes it is committed. Right after that commit the application tries to send
the rows it just wrote (`send_now`); whatever could not be sent waits for the worker
(`drain`, run by `flask outbox work`), which retries with exponential backoff and gives up
after `OUTBOX_MAX_ATTEMPTS`. Administrators see and retry what is left (`retry`, `retry_all`).

Claiming a row is one conditional UPDATE that takes a lease (`claimed_until`, `claim_token`);
on PostgreSQL the candidate rows are picked with FOR UPDATE SKIP LOCKED, so any number of
workers and request threads can run at once and none sends a row that another one holds.
A worker that dies between handing a message to the mail server and marking it sent leaves
the row to be claimed again once the lease runs out: delivery is at least once, and the
Message-ID fixed at creation lets the receiving side recognise that rare repeat.
"""

import email.policy
import logging
import secrets
import smtplib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from participation.database import utcnow
from participation.events.services import record
from participation.extensions import db
from participation.outbox import wakeup
from participation.outbox.models import OutboxMessage, OutboxState

log = logging.getLogger("participation.outbox")

# Message-IDs written in the session's current transaction, sent once it commits.
WRITTEN = "outbox_written"
ERROR_MAX = 2000
RETRIED = "outbox.retried"

# Folding only at the 998 characters a line may have (RFC 5322): Python's folding of long
# headers with encoded (non-ASCII) words at 78 drops the space between two words
# ("Amt fürMobilität"). Text bodies are encoded quoted-printable, whose lines stay short.
_POLICY = email.policy.default.clone(max_line_length=998)


class OutboxError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- writing ---------------------------------------------------------------------------------


def _domain() -> str:
    sender = parseaddr(str(current_app.config.get("MAIL_DEFAULT_SENDER") or ""))[1]
    if "@" in sender:
        return sender.rpartition("@")[2]
    return urlsplit(current_app.config.get("BASE_URL") or "").hostname or "localhost"


def _check_header(value: str) -> str:
    # A line break in a header would let a value add headers of its own.
    if "\r" in value or "\n" in value:
        raise ValueError(f"line break in a mail header: {value!r}")
    return value


# The column's length. A subject naming many departments by their full names (a status
# "forwarded to …") can be longer; PostgreSQL refused the whole change with an error 500.
SUBJECT_MAX = 1000


def _fit_subject(subject: str) -> str:
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…"


def enqueue(
    recipient: str,
    subject: str,
    body_text: str,
    *,
    kind: str,
    body_html: str | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Write a message in the current transaction; it is sent after the commit."""
    headers = {_check_header(str(k)): _check_header(str(v)) for k, v in (headers or {}).items()}
    now = utcnow()
    message = OutboxMessage(
        message_id=make_msgid(domain=_domain()),
        kind=kind,
        recipient=_check_header(recipient),
        subject=_fit_subject(_check_header(subject)),
        body_text=body_text,
        body_html=body_html,
        headers=headers or None,
        created_at=now,
        next_attempt_at=now,
        attempts=0,
    )
    db.session.add(message)
    db.session.info.setdefault(WRITTEN, []).append(message.message_id)
    return message


@sa_event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the rows are not committed yet
    written = session.info.pop(WRITTEN, None)
    if not written or not has_app_context():
        return
    config = current_app.config
    if not config["OUTBOX_SEND_AFTER_COMMIT"]:
        wakeup.ring()
        return
    if len(written) > config["OUTBOX_SEND_AFTER_COMMIT_LIMIT"]:
        wakeup.ring()  # the rest is the worker's, at once rather than at its next poll
    try:
        send_now(written)
    except Exception:
        # The rows are committed; the worker sends them. The request must not fail for it.
        log.exception("sending %d message(s) right after the commit failed", len(written))


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(WRITTEN, None)


# --- claiming ----------------------------------------------------------------------------------


@dataclass
class Claim:
    token: str
    until: datetime
    ids: list[int]


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    return or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now)


def _claimable(now: datetime, due_by: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.next_attempt_at <= due_by,
        _unclaimed(now),
    )


def new_session() -> Session:
    """A session of its own, bound like the application's (in the tests: to the test's
    connection), so that sending never mixes with the caller's unit of work."""
    return db.session.session_factory()


def claim(
    session: Session,
    *,
    now: datetime | None = None,
    due_by: datetime | None = None,
    limit: int | None = None,
    message_ids: list[str] | None = None,
) -> Claim:
    """Take a lease on up to `limit` messages due by `due_by` (default: now; only those of
    `message_ids` if given) and commit it. Rows another worker holds are skipped, never
    waited for. `session` is the worker's own (`new_session`): it is committed."""
    config = current_app.config
    now = now or utcnow()
    due_by = due_by or now
    limit = limit or config["OUTBOX_BATCH_SIZE"]
    until = now + timedelta(seconds=config["OUTBOX_LEASE_SECONDS"])
    token = secrets.token_hex(16)
    candidates = select(OutboxMessage.id).where(_claimable(now, due_by))
    if message_ids is not None:
        candidates = candidates.where(OutboxMessage.message_id.in_(message_ids))
    # Materialised: as a plain subquery PostgreSQL may run it more than once within the
    # UPDATE, and with SKIP LOCKED every run can pick other rows, past the limit.
    candidates = (
        candidates.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("claimable")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    # The condition is repeated on the UPDATE: on PostgreSQL a row that another worker claimed
    # between the SELECT and the UPDATE is re-checked after its lock and left out.
    ids = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(select(candidates.c.id)), _claimable(now, due_by))
        .values(claimed_until=until, claim_token=token)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return Claim(token=token, until=until, ids=sorted(ids))


def _release(session: Session, claim: Claim, ids: list[int]) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.claim_token == claim.token)
        .values(claimed_until=None, claim_token=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


# --- sending -----------------------------------------------------------------------------------


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    mail = EmailMessage(policy=_POLICY)
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = message.message_id
    for name, value in (message.headers or {}).items():
        mail[name] = value
    # Quoted-printable rather than raw 8 bit: not every relay announces 8BITMIME.
    mail.set_content(
        message.body_text, cte=None if message.body_text.isascii() else "quoted-printable"
    )
    if message.body_html:
        mail.add_alternative(
            message.body_html,
            subtype="html",
            cte=None if message.body_html.isascii() else "quoted-printable",
        )
    return mail


class LogTransport:
    """MAIL_BACKEND=log: the message goes to the application log (development)."""

    def send(self, message: OutboxMessage, sender: str) -> None:
        log.info(
            "mail to %s\nSubject: %s\nMessage-ID: %s\n\n%s",
            message.recipient,
            message.subject,
            message.message_id,
            message.body_text,
        )

    def close(self) -> None:
        pass


class SMTPTransport:
    """One SMTP connection, opened on the first message and reused for the batch."""

    def __init__(self, config):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
        if config["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: OutboxMessage, sender: str) -> None:
        mail = build_email(message, sender)
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(
                mail, from_addr=parseaddr(sender)[1] or sender, to_addrs=[message.recipient]
            )
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
            raise  # smtplib has reset the session; the connection serves the next message
        except BaseException:
            self._drop()
            raise

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._drop()


def make_transport():
    if current_app.config["MAIL_BACKEND"] == "log":
        return LogTransport()
    return SMTPTransport(current_app.config)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2 × base, 4 × base, ... capped."""
    config = current_app.config
    base = config["OUTBOX_RETRY_BASE_SECONDS"]
    cap = config["OUTBOX_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(cap, base * 2 ** min(attempts - 1, 32)))


def is_permanent(error: BaseException) -> bool:
    """Errors that another attempt cannot cure: the server refuses the recipient for good,
    or the message itself cannot be written."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, (ValueError, UnicodeError))


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text[:ERROR_MAX]


@dataclass
class Tally:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.released += other.released
        self.errors += other.errors


def _mark_sent(session: Session, message: OutboxMessage, claim: Claim, now: datetime) -> None:
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == claim.token)
        .values(
            sent_at=now,
            attempts=OutboxMessage.attempts + 1,
            claimed_until=None,
            claim_token=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if result.rowcount != 1:
        log.warning("message %s was sent after its lease had run out", message.message_id)


def _mark_attempt_failed(
    session: Session, message: OutboxMessage, claim: Claim, error: BaseException, now: datetime
) -> bool:
    """Record the failed attempt; True when the message is given up."""
    attempts = message.attempts + 1
    give_up = is_permanent(error) or attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
    values = {
        "attempts": attempts,
        "last_error": _describe(error),
        "claimed_until": None,
        "claim_token": None,
    }
    if give_up:
        values["failed_at"] = now
    else:
        values["next_attempt_at"] = now + backoff(attempts)
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == claim.token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return give_up


def deliver(session: Session, claim: Claim, transport, *, now: datetime | None = None) -> Tally:
    """Send the claimed messages one by one and record each outcome at once. `session` is
    the worker's own (`new_session`): it is committed, and cleared before anything is sent."""
    tally = Tally()
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    if isinstance(sender, tuple):
        sender = f"{sender[0]} <{sender[1]}>"
    # Enough lease left to connect and transmit with the socket timeout twice over.
    margin = timedelta(seconds=2 * config["MAIL_TIMEOUT"])
    messages = session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(claim.ids)).order_by(OutboxMessage.id)
    ).all()
    # No transaction stays open while the mail server is talked to: PostgreSQL would keep a
    # session idle in transaction, and SQLite a read lock that deadlocks the next write.
    session.expunge_all()
    session.rollback()
    for position, message in enumerate(messages):
        moment = now or utcnow()
        if position and moment + margin >= claim.until:
            rest = [m.id for m in messages[position:]]
            _release(session, claim, rest)
            tally.released += len(rest)
            break
        try:
            transport.send(message, sender)
        except Exception as error:
            moment = now or utcnow()
            if _mark_attempt_failed(session, message, claim, error, moment):
                tally.failed += 1
                # By id and kind: the log names nobody by e-mail address (README, "Logs").
                log.error("giving up mail %s (%s): %s", message.id, message.kind, error)
            else:
                tally.retrying += 1
                log.warning("mail %s (%s) not sent yet: %s", message.id, message.kind, error)
            tally.errors.append(_describe(error))
        else:
            _mark_sent(session, message, claim, now or utcnow())
            tally.sent += 1
    return tally


def send_now(message_ids: list[str]) -> Tally:
    """Send these messages if they are due and nobody else holds them (after a commit). A
    request sends at most OUTBOX_SEND_AFTER_COMMIT_LIMIT; more (a mail to every follower)
    are left to the worker so that the answer is not held up."""
    message_ids = message_ids[: current_app.config["OUTBOX_SEND_AFTER_COMMIT_LIMIT"]]
    session = new_session()
    transport = make_transport()
    try:
        claimed = claim(session, message_ids=message_ids, limit=len(message_ids))
        if not claimed.ids:
            return Tally()
        return deliver(session, claimed, transport)
    finally:
        transport.close()
        session.close()


def drain(*, now: datetime | None = None) -> Tally:
    """Send everything that is due, batch by batch. Only what was due when the round began:
    a message that fails again waits for a later round, so a round always ends."""
    session = new_session()
    transport = make_transport()
    tally = Tally()
    due_by = now or utcnow()
    try:
        while True:
            claimed = claim(session, now=now, due_by=due_by)
            if not claimed.ids:
                break
            tally.add(deliver(session, claimed, transport, now=now))
    finally:
        transport.close()
        session.close()
    return tally


def run_worker(stop: threading.Event, *, poll_seconds: float, wait=None) -> None:
    """Drain the outbox every `poll_seconds` until `stop` is set. A database or mail server
    that is away is logged and tried again in the next round. `wait(stop, seconds)` may end
    the pause early (wakeup.waiter: a signal through Redis)."""
    wait = wait or (lambda event, seconds: event.wait(seconds))
    while not stop.is_set():
        try:
            tally = drain()
            if tally.sent or tally.retrying or tally.failed:
                log.info(
                    "outbox: %d sent, %d to retry, %d given up",
                    tally.sent,
                    tally.retrying,
                    tally.failed,
                )
        except Exception:
            log.exception("outbox round failed")
        wait(stop, poll_seconds)


_worker_lock = threading.Lock()


def start_background_worker(app: Flask) -> threading.Thread | None:
    """Run the worker in a daemon thread of this process (development only)."""
    with _worker_lock:
        if "outbox_worker" in app.extensions:
            return None
        stop = threading.Event()

        def loop():
            with app.app_context():
                run_worker(stop, poll_seconds=app.config["OUTBOX_POLL_SECONDS"])

        thread = threading.Thread(target=loop, name="outbox-worker", daemon=True)
        app.extensions["outbox_worker"] = (thread, stop)
        thread.start()
        return thread


def register(app: Flask) -> None:
    """Start the background worker with the first request when configured. Not at import:
    `flask db upgrade` and the reloader's watcher process build the app but serve nothing."""
    if not app.config.get("OUTBOX_BACKGROUND_WORKER") or app.testing:
        return

    @app.before_request
    def _start_outbox_worker():
        if "outbox_worker" not in app.extensions:
            start_background_worker(app)


# --- administration ----------------------------------------------------------------------------


def _state_filter(state: OutboxState) -> ColumnElement[bool]:
    if state is OutboxState.SENT:
        return OutboxMessage.sent_at.is_not(None)
    if state is OutboxState.FAILED:
        return and_(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_not(None))
    return and_(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))


_ORDER = {
    OutboxState.PENDING: (OutboxMessage.next_attempt_at, OutboxMessage.id),
    OutboxState.FAILED: (OutboxMessage.failed_at.desc(), OutboxMessage.id.desc()),
    OutboxState.SENT: (OutboxMessage.sent_at.desc(), OutboxMessage.id.desc()),
}


def listing_query(state: OutboxState):
    return select(OutboxMessage).where(_state_filter(state)).order_by(*_ORDER[state])


def counts() -> dict[OutboxState, int]:
    rows = db.session.execute(
        select(
            func.count().filter(_state_filter(OutboxState.PENDING)),
            func.count().filter(_state_filter(OutboxState.FAILED)),
            func.count().filter(_state_filter(OutboxState.SENT)),
        ).select_from(OutboxMessage)
    ).one()
    return dict(zip((OutboxState.PENDING, OutboxState.FAILED, OutboxState.SENT), rows, strict=True))


def _retryable(now: datetime) -> ColumnElement[bool]:
    """Failed, or waiting after a failed attempt; not being sent right now."""
    return and_(
        OutboxMessage.sent_at.is_(None),
        _unclaimed(now),
        or_(
            OutboxMessage.failed_at.is_not(None),
            and_(OutboxMessage.attempts > 0, OutboxMessage.next_attempt_at > now),
        ),
    )


def can_retry(message: OutboxMessage, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if message.sent_at is not None or (message.claimed_until and message.claimed_until > now):
        return False
    return message.failed_at is not None or (message.attempts > 0 and message.next_attempt_at > now)


def _schedule(condition: ColumnElement[bool], now: datetime) -> list[tuple[int, str]]:
    return db.session.execute(
        update(OutboxMessage)
        .where(condition)
        .values(failed_at=None, next_attempt_at=now)
        .returning(OutboxMessage.id, OutboxMessage.message_id)
        .execution_options(synchronize_session=False)
    ).all()


def _after_retry(rows: list[tuple[int, str]], actor) -> None:
    by_id = {
        m.id: m
        for m in db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_([row[0] for row in rows]))
            .execution_options(populate_existing=True)
        )
    }
    for message_id, rfc_id in sorted(rows):
        record(RETRIED, by_id[message_id], actor)
        db.session.info.setdefault(WRITTEN, []).append(rfc_id)


def retry(message_id: int, actor, *, now: datetime | None = None) -> OutboxMessage:
    """Make a failed or waiting message due at once: it is tried right after the commit (and
    by the worker). A failed message gets one more attempt; attempts keep counting."""
    now = now or utcnow()
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise LookupError(message_id)
    rows = _schedule(and_(OutboxMessage.id == message_id, _retryable(now)), now)
    if not rows:
        raise OutboxError(
            _l("This message has been sent meanwhile, is being sent right now or is already due.")
        )
    _after_retry(rows, actor)
    return message


def retry_all(actor, state: OutboxState, *, now: datetime | None = None) -> int:
    """Retry every failed message (state FAILED) or every one waiting after a failed attempt
    (state PENDING). Returns how many."""
    now = now or utcnow()
    rows = _schedule(and_(_state_filter(state), _retryable(now)), now)
    if rows:
        _after_retry(rows, actor)
    return len(rows)


def purge_sent(older_than: timedelta, *, now: datetime | None = None) -> int:
    """Delete sent messages older than `older_than`: their bodies hold personal data and
    links with tokens, and the event log keeps what happened."""
    cutoff = (now or utcnow()) - older_than
    result = db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
