"""Moderators' decisions on contributions, and the author's revision of a rejected one.

Every decision goes through `discussion.services.change_state` (or records its own event
for "mark reviewed"), resolves the contribution's open reports, and refuses when the row
changed since the moderator looked at it (expected state and revision). Functions flush,
never commit; mails are queued last, so nothing is sent for a refused decision.
"""

import enum
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from participation.database import utcnow
from participation.discussion.models import (
    Contribution,
    ContributionKind,
    ContributionRevision,
    ModerationState,
)
from participation.discussion.services import (
    ContributionError,
    _clean_body,
    _clean_title,
    change_state,
    is_own,
    text_hash,
)
from participation.events.services import record
from participation.extensions import db
from participation.mail import queue_mail
from participation.markup import render_contribution
from participation.moderation.labels import rejection_label, state_label
from participation.moderation.models import REJECTION_NOTE_MAX, RejectionReason, Report

S = ModerationState


class Action(enum.StrEnum):
    PUBLISH = "publish"
    REJECT = "reject"
    HIDE = "hide"
    RESTORE = "restore"
    MARK_REVIEWED = "mark_reviewed"


# From which states each decision may be taken, and where it leads (None: no state change).
ALLOWED: dict[Action, tuple[frozenset[ModerationState], ModerationState | None]] = {
    Action.PUBLISH: (frozenset({S.PENDING, S.HIDDEN}), S.PUBLISHED),
    Action.REJECT: (frozenset({S.PENDING, S.PUBLISHED}), S.REJECTED),
    Action.HIDE: (frozenset({S.PUBLISHED}), S.HIDDEN),
    Action.RESTORE: (frozenset({S.HIDDEN, S.REJECTED}), S.PUBLISHED),
    Action.MARK_REVIEWED: (frozenset({S.PUBLISHED}), None),
}

EVENT_ACTIONS = {
    Action.PUBLISH: "moderation.published",
    Action.REJECT: "moderation.rejected",
    Action.HIDE: "moderation.hidden",
    Action.RESTORE: "moderation.restored",
    Action.MARK_REVIEWED: "moderation.reviewed",
}


class ModerationError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def allowed_actions(contribution: Contribution) -> list[Action]:
    """The decisions a moderator can take on the contribution as it is now."""
    return [
        action
        for action, (sources, _target) in ALLOWED.items()
        if contribution.state in sources
        and not (
            action is Action.MARK_REVIEWED
            and contribution.reviewed_at is not None
            and not contribution.report_count
        )
    ]


def _stale(contribution: Contribution, expected_state) -> ModerationError:
    return ModerationError(
        _l(
            "Someone else has decided on this contribution meanwhile: before %(before)s, "
            "now %(now)s. Please look at it again.",
            before=state_label(expected_state),
            now=state_label(contribution.state),
        )
    )


def _author_address(contribution: Contribution) -> tuple[str | None, str | None]:
    """E-mail address and locale of the author (account or guest)."""
    if contribution.author is not None:
        return contribution.author.email, contribution.author.locale
    return contribution.guest_email, None


def _resolve_reports(contribution: Contribution, actor, now: datetime) -> int:
    resolved = db.session.execute(
        update(Report)
        .where(Report.contribution_id == contribution.id, Report.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False)
    ).rowcount
    if contribution.report_count:
        contribution.report_count = 0
    return resolved or 0


def _check_reason(reason, note) -> tuple[RejectionReason, str | None]:
    try:
        reason = RejectionReason(reason)
    except ValueError as error:
        raise ModerationError(_l("Please choose a reason for the rejection."), "reason") from error
    note = (note or "").replace("\r\n", "\n").strip() or None
    if note and len(note) > REJECTION_NOTE_MAX:
        raise ModerationError(
            _l("The note may have at most %(max)d characters.", max=REJECTION_NOTE_MAX), "note"
        )
    return reason, note


def decide(
    contribution: Contribution,
    action,
    *,
    actor,
    expected_state,
    expected_revision: int | None = None,
    reason=None,
    note: str | None = None,
    now: datetime | None = None,
) -> None:
    """Take one moderation decision. Raises `ModerationError` when the decision is not
    possible (anymore), e.g. because another moderator decided first."""
    now = now or utcnow()
    try:
        action = Action(action)
    except ValueError as error:
        raise ModerationError(_l("Unknown decision.")) from error
    expected_state = ModerationState(expected_state)
    if action is Action.REJECT:
        reason, note = _check_reason(reason, note)
    # Lock the row and read it fresh: whoever comes second sees the first one's decision.
    locked = db.session.scalar(
        select(Contribution.id).where(Contribution.id == contribution.id).with_for_update()
    )
    if locked is None:
        raise ModerationError(_l("This contribution no longer exists."))
    db.session.refresh(contribution)
    if contribution.state is not expected_state or (
        expected_revision is not None and contribution.revision != expected_revision
    ):
        raise _stale(contribution, expected_state)
    if action not in allowed_actions(contribution):
        raise ModerationError(
            _l(
                "This decision is not possible in the current state (%(state)s).",
                state=state_label(contribution.state),
            )
        )
    target = ALLOWED[action][1]
    old_state = contribution.state
    try:
        resolved = _resolve_reports(contribution, actor, now)
        details: dict = {"reports_resolved": resolved} if resolved else {}
        if target is S.PUBLISHED or action is Action.MARK_REVIEWED:
            contribution.reviewed_at = now
        if action is Action.REJECT:
            contribution.rejection_reason = reason.value
            contribution.rejection_note = note
            details.update(reason=reason.value, note=note)
        elif old_state is S.REJECTED:
            contribution.rejection_reason = None
            contribution.rejection_note = None
        if target is None:
            db.session.flush()
            record(
                EVENT_ACTIONS[action],
                contribution,
                actor,
                before={"reviewed_at": None},
                after={"reviewed_at": now.isoformat(), **details},
            )
        else:
            change_state(
                contribution, target, actor=actor, action=EVENT_ACTIONS[action], details=details
            )
        db.session.flush()
    except StaleDataError as error:
        raise ModerationError(
            _l("Someone else has changed this contribution meanwhile. Please look at it again.")
        ) from error
    # Mails last: a refused decision sends nothing.
    if action is Action.REJECT:
        _mail_rejected(contribution, reason, note)
    elif action is Action.PUBLISH and old_state is S.PENDING:
        _mail_published(contribution)


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def _mail_published(contribution: Contribution) -> None:
    to, locale = _author_address(contribution)
    if not to:
        return
    queue_mail(
        to,
        _l("Your contribution has been published"),
        "moderation_published",
        locale=locale,
        name=contribution.display_name,
        excerpt=contribution.body_md[:300],
        url=f"{_base()}/beitraege/{contribution.id}",
    )


def _mail_rejected(contribution: Contribution, reason: RejectionReason, note: str | None):
    to, locale = _author_address(contribution)
    if not to:
        return
    from flask_babel import force_locale

    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        reason_text = rejection_label(reason)
    queue_mail(
        to,
        _l("Your contribution was not published"),
        "moderation_rejected",
        locale=locale,
        name=contribution.display_name,
        excerpt=contribution.body_md[:300],
        reason=reason_text,
        note=note,
        revise_url=(
            f"{_base()}/beitraege/{contribution.id}/ueberarbeiten"
            if contribution.author_id is not None
            else None
        ),
        netiquette_url=f"{_base()}/netiquette",
    )


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


def decide_many(
    ids,
    action,
    *,
    actor,
    reason=None,
    note: str | None = None,
    expected: dict[int, tuple] | None = None,
    now: datetime | None = None,
) -> BulkResult:
    """The same decision on many contributions. Each one is applied completely or not at all
    (a savepoint per item); refusals are collected per id with their message."""
    expected = expected or {}
    result = BulkResult()
    ids = sorted({int(i) for i in ids})
    if action == Action.REJECT or action == "reject":
        _check_reason(reason, note)  # refuse the whole batch up front when the form is wrong
    contributions = {
        c.id: c for c in db.session.scalars(select(Contribution).where(Contribution.id.in_(ids)))
    }
    for contribution_id in ids:
        contribution = contributions.get(contribution_id)
        if contribution is None:
            result.refused[contribution_id] = str(_l("This contribution no longer exists."))
            continue
        state, revision = expected.get(contribution_id, (contribution.state, None))
        try:
            with db.session.begin_nested():
                decide(
                    contribution,
                    action,
                    actor=actor,
                    expected_state=state,
                    expected_revision=revision,
                    reason=reason,
                    note=note,
                    now=now,
                )
        except ModerationError as error:
            result.refused[contribution_id] = str(error.message)
            continue
        result.done.append(contribution_id)
    return result


# --- the author revises a rejected contribution ----------------------------------------------


def can_revise(contribution: Contribution, user, guest_ids: frozenset[int] = frozenset()) -> bool:
    return contribution.state is S.REJECTED and is_own(contribution, user, guest_ids)


def revise(
    contribution: Contribution,
    *,
    user,
    guest_ids: frozenset[int] = frozenset(),
    body_md: str,
    title: str | None = None,
    now: datetime | None = None,
) -> Contribution:
    """The author rewrites a rejected contribution; it goes back to the queue. The earlier
    text is kept as a ContributionRevision for the moderators."""
    now = now or utcnow()
    if not can_revise(contribution, user, guest_ids):
        raise ContributionError(_l("Only the author can revise a rejected contribution."))
    body = _clean_body(body_md)
    new_title = _clean_title(title) if contribution.kind is ContributionKind.IDEA else None
    if body == contribution.body_md and new_title == contribution.title:
        raise ContributionError(
            _l("Please change the text before sending it to moderation again."), "body_md"
        )
    revision = ContributionRevision(
        contribution_id=contribution.id,
        title=contribution.title,
        body_md=contribution.body_md,
        created_at=now,
    )
    old_reason = contribution.rejection_reason
    contribution.body_md = body
    contribution.body_html = render_contribution(body).html
    contribution.title = new_title
    contribution.text_hash = text_hash(body, new_title)
    contribution.edited_at = now
    contribution.reviewed_at = None
    contribution.rejection_reason = None
    contribution.rejection_note = None
    change_state(
        contribution,
        S.PENDING,
        actor=user if contribution.author_id else None,
        action="contribution.revised",
        details={"rejection_reason": old_reason},
    )
    db.session.add(revision)
    db.session.flush()
    return contribution
