"""The rules of forwarding contributions to departments and of their answers.

- `forward`: a moderator forwards a published contribution to departments, with an internal
  note and a due date; the public status becomes "forwarded to <departments>".
- `give_statement`: a department member answers with a statement and a recommendation;
  "not our responsibility" sends the forwarding back to the office.
- `ask_office` / `answer_department`: questions and answers on one forwarding.
- `set_shared`: the office shows a statement to the other departments it forwarded the
  same contribution to.
- `withdraw`: the office takes back an open forwarding (e.g. sent to the wrong department)
  with a reason the department reads; the public status follows.
- `publish_reply`: a member of a department that the office allows to do so publishes an
  official reply signed with the department's name.
- `remind_overdue`: reminds each department of its overdue forwardings, once a day at most.

Every function checks who acts, writes the event log (on the contribution, so that its log
tells the whole story), queues the mail and flushes; none commits. A refusal raises
`ForwardingError` (message, form field). Changes that two people could make at once are
conditional updates or guarded by a unique index; the loser gets a clear message.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from participation import permissions
from participation.accounts.models import Department, Role, User, UserRole
from participation.database import utcnow
from participation.departments.models import (
    MESSAGE_MAX,
    NOTE_MAX,
    STATEMENT_MAX,
    WITHDRAWAL_REASON_MAX,
    Forwarding,
    ForwardingMessage,
    ForwardingState,
    Recommendation,
)
from participation.discussion.models import Contribution, ModerationState, ProcessingStatus
from participation.discussion.services import ContributionError, post_reply
from participation.events.services import record
from participation.extensions import db
from participation.i18n import LazyText
from participation.mail import queue_mail
from participation.moderation import status as status_service
from participation.notifications import services as notifications
from participation.notifications.models import Kind

DEFAULT_DUE_DAYS = 14
MAX_DUE_DAYS = 366


class ForwardingError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def local_today(now: datetime | None = None) -> date:
    """Today in the installation's time zone: due dates are local days."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (now or utcnow()).astimezone(zone).date()


def default_due_on(today: date | None = None) -> date:
    return (today or local_today()) + timedelta(days=DEFAULT_DUE_DAYS)


def _clean_text(value: str | None, maximum: int, field: str, *, required, empty_message=None):
    text = (value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ForwardingError(empty_message, field)
    if len(text) > maximum:
        raise ForwardingError(
            _l("The text may have at most %(max)d characters.", max=maximum), field
        )
    return text


def _check_due_on(due_on: date | None, today: date) -> date:
    if due_on is None:
        raise ForwardingError(_l("Please enter a due date."), "due_on")
    if due_on <= today:
        raise ForwardingError(_l("The due date must be in the future."), "due_on")
    if due_on > today + timedelta(days=MAX_DUE_DAYS):
        raise ForwardingError(_l("The due date may be at most a year from today."), "due_on")
    return due_on


def _base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def inbox_url(forwarding: Forwarding) -> str:
    return f"{_base_url()}/fachamt/{forwarding.id}"


def office_url(forwarding: Forwarding) -> str:
    return f"{_base_url()}/moderation/beitraege/{forwarding.contribution_id}#weiterleitungen"


# --- who is told ---------------------------------------------------------------------------


def department_recipients(department: Department) -> list[tuple[str, str | None]]:
    """The functional mailbox (in the default language) and every active member (in their
    own), each address once."""
    members = db.session.execute(
        select(User.email, User.locale)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == Role.DEPARTMENT))
        .where(User.department_id == department.id, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    recipients: dict[str, tuple[str, str | None]] = {}
    if department.email:
        recipients[department.email.lower()] = (department.email, None)
    for email, locale in members:
        recipients.setdefault(email.lower(), (email, locale))
    return list(recipients.values())


def office_recipients(forwarding: Forwarding) -> list[tuple[str, str | None]]:
    """The moderator who forwarded; if that account is gone or no longer moderates, every
    active moderator."""
    forwarder = forwarding.created_by
    if forwarder is not None and forwarder.is_active and permissions.can_moderate(forwarder):
        return [(forwarder.email, forwarder.locale)]
    rows = db.session.execute(
        select(User.email, User.locale)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.MODERATOR, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    return [(email, locale) for email, locale in rows]


def _mail_each(recipients, subject, template, **context) -> None:
    context.setdefault("office", current_app.config["OFFICE_NAME"])
    for to, locale in recipients:
        queue_mail(to, subject, template, locale=locale, **context)


def _about(contribution: Contribution) -> dict:
    """What a mail says about the contribution (its text is internal to the staff anyway)."""
    return {
        "contribution_id": contribution.id,
        "title": contribution.title,
        "excerpt": contribution.body_md[:300],
    }


def _mail_author_of_reply(contribution: Contribution, departments: list[str], actor) -> None:
    """Replies carry no processing status (so `set_status` does not tell their authors);
    their authors hear of a forwarding all the same."""
    # Rendered in the author's language when the mail is written.
    status = LazyText(lambda: status_service.forwarded_label(departments))
    notifications.notify(
        notifications.author_of(contribution),
        Kind.OWN_CONTRIBUTIONS,
        _l("Your contribution has been forwarded"),
        "contribution_forwarded",
        actor=actor,
        detail=status,
        name=contribution.display_name,
        status=status,
        excerpt=contribution.body_md[:300],
        url=f"{_base_url()}/beitraege/{contribution.id}",
    )


# --- forwarding ----------------------------------------------------------------------------


def forward(
    contribution: Contribution,
    departments: Iterable[Department],
    *,
    actor,
    note: str | None,
    due_on: date | None,
    today: date | None = None,
) -> list[Forwarding]:
    """Forward to each of `departments`; refused as a whole if one of them already has
    this contribution open."""
    if not permissions.can_forward(actor):
        raise ForwardingError(_l("Only the moderation can forward contributions."))
    chosen = sorted({d.id: d for d in departments}.values(), key=lambda d: d.name.lower())
    if not chosen:
        raise ForwardingError(_l("Please choose at least one department."), "departments")
    note = _clean_text(note, NOTE_MAX, "note", required=False)
    today = today or local_today()
    due_on = _check_due_on(due_on, today)
    if contribution.state is not ModerationState.PUBLISHED:
        raise ForwardingError(_l("Only published contributions can be forwarded."))

    # Two moderators forwarding the same contribution wait for each other here (PostgreSQL);
    # the unique index below decides where there is no row lock (SQLite).
    db.session.execute(
        select(Contribution.id).where(Contribution.id == contribution.id).with_for_update()
    )
    already = db.session.scalars(
        select(Department.name)
        .join(Forwarding, Forwarding.department_id == Department.id)
        .where(
            Forwarding.contribution_id == contribution.id,
            Forwarding.department_id.in_([d.id for d in chosen]),
            Forwarding.state == ForwardingState.OPEN,
        )
        .order_by(Department.name)
    ).all()
    if already:
        raise ForwardingError(_already_open(already), "departments")

    forwardings = [
        Forwarding(
            contribution_id=contribution.id,
            department_id=department.id,
            created_by_id=actor.id,
            note=note,
            due_on=due_on,
            state=ForwardingState.OPEN,
        )
        for department in chosen
    ]
    try:
        with db.session.begin_nested():
            db.session.add_all(forwardings)
            db.session.flush()
    except IntegrityError:
        raise ForwardingError(_already_open([d.name for d in chosen]), "departments") from None

    names = [department.name for department in chosen]
    for forwarding, department in zip(forwardings, chosen, strict=True):
        record(
            "forwarding.created",
            contribution,
            actor,
            after={"department": department.name, "due_on": due_on.isoformat(), "note": note},
        )
        _mail_each(
            department_recipients(department),
            _l("Forwarded to you for a statement: contribution %(id)d", id=contribution.id),
            "forwarding_new",
            department=department.name,
            note=note,
            due_on=due_on,
            url=inbox_url(forwarding),
            **_about(contribution),
        )
    if status_service.can_have_status(contribution):
        # Also tells the author ("forwarded to …"), so no second mail is sent here.
        status_service.set_status(
            contribution, ProcessingStatus.FORWARDED, actor=actor, departments=names
        )
    else:
        _mail_author_of_reply(contribution, names, actor)
    db.session.flush()
    return forwardings


def _already_open(names: list[str]):
    return _l(
        "This contribution has already been forwarded to %(departments)s and is not answered "
        "yet. Please wait for the statement or write to the department on that forwarding.",
        departments=", ".join(names),
    )


# --- the department answers ----------------------------------------------------------------


def give_statement(
    forwarding: Forwarding, *, actor, recommendation: str | None, statement: str | None
) -> Forwarding:
    if not permissions.can_answer_forwarding(actor, forwarding):
        raise ForwardingError(_l("Only the department this was forwarded to can answer it."))
    try:
        recommendation = Recommendation(recommendation)
    except ValueError:
        raise ForwardingError(_l("Please choose a recommendation."), "recommendation") from None
    statement = _clean_text(
        statement,
        STATEMENT_MAX,
        "statement",
        required=True,
        empty_message=_l("Please write your statement."),
    )
    returned = recommendation is Recommendation.NOT_RESPONSIBLE
    new_state = ForwardingState.RETURNED if returned else ForwardingState.ANSWERED
    now = utcnow()
    changed = db.session.execute(
        update(Forwarding)
        .where(Forwarding.id == forwarding.id, Forwarding.state == ForwardingState.OPEN)
        .values(
            state=new_state,
            recommendation=recommendation,
            statement=statement,
            answered_by_id=actor.id,
            answered_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(forwarding)
    if changed != 1:
        if forwarding.state is ForwardingState.WITHDRAWN:
            raise ForwardingError(_l("The office has withdrawn this forwarding."))
        raise ForwardingError(
            _l("This forwarding has already been answered, perhaps by a colleague meanwhile.")
        )
    contribution = db.session.get(Contribution, forwarding.contribution_id)
    record(
        "forwarding.returned" if returned else "forwarding.statement_given",
        contribution,
        actor,
        after={"department": forwarding.department.name, "recommendation": recommendation.value},
    )
    _mail_each(
        office_recipients(forwarding),
        _l(
            "%(department)s has answered on contribution %(id)d",
            department=forwarding.department.name,
            id=contribution.id,
        )
        if not returned
        else _l(
            "%(department)s has sent contribution %(id)d back: not its responsibility",
            department=forwarding.department.name,
            id=contribution.id,
        ),
        "forwarding_statement",
        department=forwarding.department.name,
        recommendation=recommendation.value,
        statement=statement,
        returned=returned,
        url=office_url(forwarding),
        **_about(contribution),
    )
    db.session.flush()
    return forwarding


# --- questions and answers -----------------------------------------------------------------


def _message(forwarding: Forwarding, actor, body: str | None, *, from_office: bool):
    body = _clean_text(
        body,
        MESSAGE_MAX,
        "body",
        required=True,
        empty_message=_l("Please write your message."),
    )
    message = ForwardingMessage(
        forwarding_id=forwarding.id, author_id=actor.id, from_office=from_office, body=body
    )
    db.session.add(message)
    db.session.flush()
    return message


def ask_office(forwarding: Forwarding, *, actor, body: str | None) -> ForwardingMessage:
    """A department member asks the office a question on this forwarding."""
    if not permissions.can_answer_forwarding(actor, forwarding):
        raise ForwardingError(_l("Only the department this was forwarded to can ask here."))
    if forwarding.state is ForwardingState.WITHDRAWN:
        raise ForwardingError(_l("The office has withdrawn this forwarding."))
    message = _message(forwarding, actor, body, from_office=False)
    contribution = db.session.get(Contribution, forwarding.contribution_id)
    record(
        "forwarding.question_asked",
        contribution,
        actor,
        after={"department": forwarding.department.name},
    )
    _mail_each(
        office_recipients(forwarding),
        _l(
            "Question from %(department)s on contribution %(id)d",
            department=forwarding.department.name,
            id=contribution.id,
        ),
        "forwarding_question",
        department=forwarding.department.name,
        body=message.body,
        url=office_url(forwarding),
        **_about(contribution),
    )
    return message


def answer_department(forwarding: Forwarding, *, actor, body: str | None) -> ForwardingMessage:
    """The office writes to the department on this forwarding (usually an answer)."""
    if not permissions.can_forward(actor):
        raise ForwardingError(_l("Only the moderation can answer the department."))
    message = _message(forwarding, actor, body, from_office=True)
    contribution = db.session.get(Contribution, forwarding.contribution_id)
    record(
        "forwarding.question_answered",
        contribution,
        actor,
        after={"department": forwarding.department.name},
    )
    _mail_each(
        department_recipients(forwarding.department),
        _l("Answer of the office on contribution %(id)d", id=contribution.id),
        "forwarding_answer",
        department=forwarding.department.name,
        body=message.body,
        url=inbox_url(forwarding),
        **_about(contribution),
    )
    return message


# --- the office shares a statement ---------------------------------------------------------


def set_shared(forwarding: Forwarding, *, actor, shared: bool) -> bool:
    """Show (or stop showing) the statement to the other departments that get the same
    contribution. False if it already was so."""
    if not permissions.can_forward(actor):
        raise ForwardingError(_l("Only the moderation can share statements."))
    if not forwarding.is_answered:
        raise ForwardingError(_l("There is no statement to share yet."))
    changed = db.session.execute(
        update(Forwarding)
        .where(Forwarding.id == forwarding.id, Forwarding.shared != shared)
        .values(shared=shared)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(forwarding)
    if not changed:
        return False
    record(
        "forwarding.shared" if shared else "forwarding.unshared",
        db.session.get(Contribution, forwarding.contribution_id),
        actor,
        after={"department": forwarding.department.name},
    )
    db.session.flush()
    return True


# --- the office withdraws a forwarding -----------------------------------------------------


def withdraw(forwarding: Forwarding, *, actor, reason: str | None) -> Forwarding:
    """Take back an open forwarding. The department is told why by e-mail and keeps it,
    read-only, under "withdrawn". Where the public status says "forwarded to …", it then
    names only the departments still working on it, or becomes "in review" when none is."""
    if not permissions.can_forward(actor):
        raise ForwardingError(_l("Only the moderation can withdraw forwardings."))
    reason = _clean_text(
        reason,
        WITHDRAWAL_REASON_MAX,
        "reason",
        required=True,
        empty_message=_l("Please say why the forwarding is withdrawn; the department reads it."),
    )
    contribution = db.session.get(Contribution, forwarding.contribution_id)
    # Serialised with forwarding and setting the status of the same contribution (PostgreSQL).
    db.session.execute(
        select(Contribution.id).where(Contribution.id == contribution.id).with_for_update()
    )
    changed = db.session.execute(
        update(Forwarding)
        .where(Forwarding.id == forwarding.id, Forwarding.state == ForwardingState.OPEN)
        .values(
            state=ForwardingState.WITHDRAWN,
            withdrawn_at=utcnow(),
            withdrawn_by_id=actor.id,
            withdrawal_reason=reason,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(forwarding)
    if changed != 1:
        raise ForwardingError(
            _l(
                "Only open forwardings can be withdrawn; this one has been answered or "
                "withdrawn meanwhile."
            )
        )
    department = forwarding.department
    record(
        "forwarding.withdrawn",
        contribution,
        actor,
        after={"department": department.name, "note": reason},
    )
    _mail_each(
        department_recipients(department),
        _l("Forwarding of contribution %(id)d withdrawn by the office", id=contribution.id),
        "forwarding_withdrawn",
        department=department.name,
        reason=reason,
        url=inbox_url(forwarding),
        **_about(contribution),
    )
    if contribution.status is ProcessingStatus.FORWARDED:
        still_open = db.session.scalars(
            select(Department.name)
            .join(Forwarding, Forwarding.department_id == Department.id)
            .where(
                Forwarding.contribution_id == contribution.id,
                Forwarding.state == ForwardingState.OPEN,
            )
            .order_by(Department.name)
        ).all()
        if still_open:
            status_service.set_status(
                contribution, ProcessingStatus.FORWARDED, actor=actor, departments=still_open
            )
        else:
            status_service.set_status(contribution, ProcessingStatus.IN_REVIEW, actor=actor)
    db.session.flush()
    return forwarding


# --- the department publishes an official reply --------------------------------------------


def publish_reply(forwarding: Forwarding, *, actor, body_md: str | None) -> Contribution:
    """An official reply signed with the department's name. The moderation still reviews
    it afterwards (it waits in the queue as published, not yet reviewed)."""
    if not permissions.can_publish_for_department(actor, forwarding):
        raise ForwardingError(
            _l("Your department may not publish official replies on this contribution.")
        )
    parent = db.session.get(Contribution, forwarding.contribution_id)
    department = forwarding.department
    try:
        reply = post_reply(parent, author=actor, body_md=body_md, official=True)
    except ContributionError as error:
        raise ForwardingError(error.message, "body_md") from None
    reply.is_official = True
    reply.official_signature = department.name[:200]
    db.session.flush()
    record(
        "contribution.official_reply",
        parent,
        actor,
        after={"reply_id": reply.id, "signature": reply.official_signature},
    )
    notifications.official_reply(parent, reply, actor=actor)
    db.session.flush()
    return reply


# --- reminders -----------------------------------------------------------------------------


@dataclass
class Reminder:
    department: Department
    forwardings: list[Forwarding]


def overdue_condition(today: date):
    return (Forwarding.state == ForwardingState.OPEN) & (Forwarding.due_on < today)


def remind_overdue(*, today: date | None = None, now: datetime | None = None) -> list[Reminder]:
    """Mail each department the list of its overdue forwardings, at most once per local
    day: the department's row is claimed by a conditional update, so running this twice
    (or on two machines at once) sends nothing more."""
    now = now or utcnow()
    today = today or local_today(now)
    department_ids = db.session.scalars(
        select(Forwarding.department_id).where(overdue_condition(today)).distinct()
    ).all()
    sent = []
    for department in db.session.scalars(
        select(Department).where(Department.id.in_(department_ids)).order_by(Department.name)
    ):
        claimed = db.session.execute(
            update(Department)
            .where(
                Department.id == department.id,
                or_(
                    Department.overdue_reminded_on.is_(None),
                    Department.overdue_reminded_on < today,
                ),
            )
            .values(overdue_reminded_on=today)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(department, ["overdue_reminded_on"])
        if not claimed:
            continue
        forwardings = db.session.scalars(
            select(Forwarding)
            .where(Forwarding.department_id == department.id, overdue_condition(today))
            .order_by(Forwarding.due_on, Forwarding.id)
        ).all()
        db.session.execute(
            update(Forwarding)
            .where(Forwarding.id.in_([f.id for f in forwardings]))
            .values(reminded_at=now, reminder_count=Forwarding.reminder_count + 1)
            .execution_options(synchronize_session=False)
        )
        contributions = {
            c.id: c
            for c in db.session.scalars(
                select(Contribution).where(
                    Contribution.id.in_({f.contribution_id for f in forwardings})
                )
            ).unique()
        }
        items = []
        for forwarding in forwardings:
            db.session.expire(forwarding, ["reminded_at", "reminder_count"])
            contribution = contributions[forwarding.contribution_id]
            record(
                "forwarding.reminded",
                contribution,
                None,
                after={"department": department.name, "due_on": forwarding.due_on.isoformat()},
            )
            items.append(
                {
                    "due_on": forwarding.due_on,
                    "url": inbox_url(forwarding),
                    **_about(contribution),
                }
            )
        _mail_each(
            department_recipients(department),
            _l("Overdue forwardings awaiting your statement: %(count)d", count=len(items)),
            "forwarding_reminder",
            department=department.name,
            items=items,
            inbox=f"{_base_url()}/fachamt/?ansicht=ueberfaellig",
        )
        sent.append(Reminder(department, list(forwardings)))
    db.session.flush()
    return sent


def overdue_count(today: date | None = None) -> int:
    today = today or local_today()
    return db.session.scalar(select(func.count(Forwarding.id)).where(overdue_condition(today)))
