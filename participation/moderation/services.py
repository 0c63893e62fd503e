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

from participation.accounts import tokens
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
from participation.markup import render_contribution
from participation.moderation.labels import netiquette_reason, state_label
from participation.moderation.models import REJECTION_NOTE_MAX, NetiquetteReason, Report
from participation.notifications.models import Kind
from participation.notifications.services import author_of, notify

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


def _active_reason(key) -> str | None:
    """The key if it names an active reason. The row is read with a shared lock, so that an
    administrator cannot delete it as unused while this decision is being stored."""
    if not key or not isinstance(key, str):
        return None
    return db.session.scalar(
        select(NetiquetteReason.key)
        .where(NetiquetteReason.key == key, NetiquetteReason.is_active.is_(True))
        .with_for_update(read=True)
    )


def _clean_note(note) -> str | None:
    note = (note or "").replace("\r\n", "\n").strip() or None
    if note and len(note) > REJECTION_NOTE_MAX:
        raise ModerationError(
            _l("The note may have at most %(max)d characters.", max=REJECTION_NOTE_MAX), "note"
        )
    return note


def _check_reason(reason, note) -> tuple[str, str | None]:
    """A rejection needs one of the active netiquette reasons; the note is optional."""
    key = _active_reason(reason)
    if key is None:
        raise ModerationError(_l("Please choose a reason for the rejection."), "reason")
    return key, _clean_note(note)


def _check_optional_reason(reason, note) -> tuple[str | None, str | None]:
    """Hiding may name a reason (then an active one) and a note for the author."""
    if not reason:
        return None, _clean_note(note)
    key = _active_reason(reason)
    if key is None:
        raise ModerationError(_l("Please choose one of the listed reasons."), "reason")
    return key, _clean_note(note)


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
    elif action is Action.HIDE:
        reason, note = _check_optional_reason(reason, note)
    else:
        reason = note = None
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
            contribution.rejection_reason = reason
            contribution.rejection_note = note
            details.update(reason=reason, note=note)
        elif action is Action.HIDE and (reason or note):
            details.update({k: v for k, v in (("reason", reason), ("note", note)) if v})
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
        _mail_rejected(contribution, reason, note, actor)
    elif action is Action.HIDE:
        _mail_hidden(contribution, reason, note, actor)
    elif target is S.PUBLISHED and old_state is S.HIDDEN:
        _mail_restored(contribution, actor)
    elif target is S.PUBLISHED:
        # From pending, or a rejection taken back: published for the first time.
        _mail_published(contribution, actor)


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def _mail_published(contribution: Contribution, actor) -> None:
    notify(
        author_of(contribution),
        Kind.OWN_CONTRIBUTIONS,
        _l("Your contribution has been published"),
        "moderation_published",
        actor=actor,
        name=contribution.display_name,
        excerpt=contribution.body_md[:300],
        url=f"{_base()}/beitraege/{contribution.id}",
    )


def _reason_for_mail(key: str | None, locale: str | None) -> tuple[str | None, str | None]:
    """Label and explanation of a reason in the recipient's language."""
    if not key:
        return None, None
    from flask_babel import force_locale

    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        reason = netiquette_reason(key)
        if reason is None:
            return key, None
        return reason.label, reason.explanation or None


def _mail_rejected(contribution: Contribution, reason: str, note: str | None, actor):
    author = author_of(contribution)
    if author is None:
        return
    label, explanation = _reason_for_mail(reason, author.locale)
    if contribution.author_id is not None:
        revise_url = f"{_base()}/beitraege/{contribution.id}/ueberarbeiten"
    else:
        revise_url = tokens.external_url(
            "revision.revise_as_guest", token=revise_token(contribution)
        )
    notify(
        author,
        Kind.OWN_CONTRIBUTIONS,
        _l("Your contribution was not published"),
        "moderation_rejected",
        actor=actor,
        url=revise_url,
        detail=_l("Reason: %(reason)s", reason=label),
        name=contribution.display_name,
        excerpt=contribution.body_md[:300],
        reason=label,
        explanation=explanation,
        note=note,
        revise_url=revise_url,
        guest_link_days=REVISE_LINK_MAX_AGE // 86400 if contribution.author_id is None else None,
        netiquette_url=f"{_base()}/netiquette",
    )


def _mail_hidden(contribution: Contribution, reason: str | None, note: str | None, actor):
    author = author_of(contribution)
    if author is None:
        return
    label, explanation = _reason_for_mail(reason, author.locale)
    notify(
        author,
        Kind.OWN_CONTRIBUTIONS,
        _l("Your contribution has been hidden"),
        "moderation_hidden",
        actor=actor,
        url=f"{_base()}/beitraege/{contribution.id}",
        detail=_l("Reason: %(reason)s", reason=label) if label else None,
        name=contribution.display_name,
        excerpt=contribution.body_md[:300],
        reason=label,
        explanation=explanation,
        note=note,
        netiquette_url=f"{_base()}/netiquette",
        imprint_url=f"{_base()}/impressum",
    )


def _mail_restored(contribution: Contribution, actor):
    notify(
        author_of(contribution),
        Kind.OWN_CONTRIBUTIONS,
        _l("Your contribution is visible again"),
        "moderation_restored",
        actor=actor,
        name=contribution.display_name,
        excerpt=contribution.body_md[:300],
        url=f"{_base()}/beitraege/{contribution.id}",
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
    # Refuse the whole batch up front when the form is wrong.
    if action == Action.REJECT:
        _check_reason(reason, note)
    elif action == Action.HIDE:
        _check_optional_reason(reason, note)
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


REVISE = "moderation.revise"
# A guest has no account to log in with: the link in the rejection mail is the only way back.
REVISE_LINK_MAX_AGE = 30 * 24 * 3600


def can_revise(contribution: Contribution, user, guest_ids: frozenset[int] = frozenset()) -> bool:
    return contribution.state is S.REJECTED and is_own(contribution, user, guest_ids)


def revise_token(contribution: Contribution) -> str:
    """The signed link for a guest's rejected contribution. It names the revision the
    rejection left, so it stops working once the text is revised (or decided on again)."""
    return tokens.make_token(REVISE, {"id": contribution.id, "rev": contribution.revision})


def contribution_for_revise_token(token: str, max_age: int = REVISE_LINK_MAX_AGE) -> Contribution:
    """The guest's rejected contribution the link belongs to; ContributionError when the link
    is damaged, expired, or used up."""
    try:
        payload = tokens.read_token(REVISE, token, max_age)
    except tokens.TokenExpired as error:
        raise ContributionError(
            _l("This link has expired. Links to revise a contribution are valid for 30 days.")
        ) from error
    except tokens.TokenInvalid as error:
        raise ContributionError(_l("This link is not valid.")) from error
    contribution_id, revision = payload.get("id"), payload.get("rev")
    if not isinstance(contribution_id, int) or not isinstance(revision, int):
        raise ContributionError(_l("This link is not valid."))
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None or contribution.author_id is not None:
        raise ContributionError(_l("This link is not valid."))
    if contribution.state is not S.REJECTED or contribution.revision != revision:
        raise ContributionError(
            _l(
                "This link has already been used: the contribution was revised or decided on "
                "again since the e-mail was sent."
            )
        )
    return contribution


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
