"""Privacy rules (DSGVO): what a person can download about themselves, deleting an account,
and erasing guests' addresses after the configured period.

None of these commits: the view or CLI command that calls them does, once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, update

from participation.accounts.models import User, UserRole
from participation.accounts.passwords import verify_password
from participation.database import utcnow
from participation.discussion.models import Contribution, ContributionRevision, Support
from participation.events.models import Event
from participation.events.services import record
from participation.extensions import db
from participation.moderation.models import Report
from participation.notifications.models import (
    Follow,
    NotificationDigest,
    NotificationItem,
    NotificationPreference,
)
from participation.outbox import services as outbox_services
from participation.outbox.models import OutboxMessage

# What a guest's address becomes once erased. Empty rather than NULL: a guest's contribution
# must name an address by the table's check constraint, which an empty one still satisfies
# and which nothing sends mail to (notifications skip recipients without an address).
ERASED = ""

# Events whose before/after hold an account's own personal data (the display name); on
# deletion their payload is emptied, the rest of the event stays.
PERSONAL_EVENT_ACTIONS = ("account.profile_updated",)


class PrivacyError(Exception):
    """A rule refused the request; `field` names the form field the message belongs to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# --- export --------------------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _contribution(row: Contribution, revisions: list[ContributionRevision]) -> dict:
    return {
        "id": row.id,
        "kind": _value(row.kind),
        "state": _value(row.state),
        "status": _value(row.status),
        "strategy_id": row.strategy_id,
        "version_id": row.version_id,
        "section_key": row.section_key,
        "paragraph_anchor": row.paragraph_anchor,
        "parent_id": row.parent_id,
        "title": row.title,
        "text": row.body_md,
        "channel": _value(row.channel),
        "is_official": row.is_official,
        "official_signature": row.official_signature,
        "rejection_reason": row.rejection_reason,
        "rejection_note": row.rejection_note,
        "created_at": _time(row.created_at),
        "edited_at": _time(row.edited_at),
        "withdrawn_at": _time(row.withdrawn_at),
        "earlier_texts": [
            {"title": rev.title, "text": rev.body_md, "replaced_at": _time(rev.created_at)}
            for rev in revisions
        ],
    }


def _open_data_pseudonym(user: User) -> int | None:
    from participation.opendata.models import Pseudonym

    return db.session.scalar(select(Pseudonym.id).where(Pseudonym.user_id == user.id))


def export_data(user: User) -> dict:
    """Everything stored about `user` that is theirs, as JSON-ready data (DSGVO Art. 15, 20).

    Other people's data stays out: contributions are the user's own, events are those the
    user caused, and of those only the payload of events about the user's own account or
    contributions (a moderator's decision about someone else is not the user's data)."""
    contributions = db.session.scalars(
        select(Contribution).where(Contribution.author_id == user.id).order_by(Contribution.id)
    ).all()
    own_ids = {c.id for c in contributions}
    revisions: dict[int, list[ContributionRevision]] = {}
    if own_ids:
        for rev in db.session.scalars(
            select(ContributionRevision)
            .where(ContributionRevision.contribution_id.in_(own_ids))
            .order_by(ContributionRevision.id)
        ):
            revisions.setdefault(rev.contribution_id, []).append(rev)
    supports = db.session.scalars(
        select(Support).where(Support.user_id == user.id).order_by(Support.id)
    ).all()
    reports = db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.id)
    ).all()
    follows = db.session.scalars(
        select(Follow).where(Follow.user_id == user.id).order_by(Follow.id)
    ).all()
    preferences = db.session.scalars(
        select(NotificationPreference)
        .where(NotificationPreference.user_id == user.id)
        .order_by(NotificationPreference.id)
    ).all()
    events = db.session.scalars(
        select(Event).where(Event.actor_id == user.id).order_by(Event.id)
    ).all()
    from participation.consolidation.models import IdeaRating

    # A committee member's own ratings (the others' stay out).
    ratings = db.session.scalars(
        select(IdeaRating).where(IdeaRating.rater_id == user.id).order_by(IdeaRating.id)
    ).all()

    def _own(event: Event) -> bool:
        return (event.subject_type == "users" and event.subject_id == user.id) or (
            event.subject_type == "contributions" and event.subject_id in own_ids
        )

    return {
        "exported_at": _time(utcnow()),
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "email_confirmed_at": _time(user.email_confirmed_at),
            "locale": user.locale,
            "is_active": user.is_active,
            "department": user.department.name if user.department else None,
            "created_at": _time(user.created_at),
            "last_login_at": _time(user.last_login_at),
            # How the open data names the account (participation.opendata): the choice and
            # the pseudonym's number, once one was given.
            "open_data_show_name": user.open_data_show_name,
            "open_data_pseudonym": _open_data_pseudonym(user),
        },
        "roles": sorted(role.value for role in user.roles),
        "contributions": [_contribution(c, revisions.get(c.id, [])) for c in contributions],
        "supports": [
            {"contribution_id": s.contribution_id, "created_at": _time(s.created_at)}
            for s in supports
        ],
        "reports": [
            {
                "contribution_id": r.contribution_id,
                "reason": _value(r.reason),
                "text": r.text,
                "created_at": _time(r.created_at),
                "resolved_at": _time(r.resolved_at),
            }
            for r in reports
        ],
        "follows": [
            {
                "thread_id": f.contribution_id,
                "strategy_id": f.strategy_id,
                "created_at": _time(f.created_at),
            }
            for f in follows
        ],
        "notification_preferences": {_value(p.kind): _value(p.delivery) for p in preferences},
        "idea_ratings": [
            {
                "contribution_id": r.contribution_id,
                "relevance": r.relevance,
                "feasibility": r.feasibility,
                "comment": r.comment,
                "created_at": _time(r.created_at),
                "updated_at": _time(r.updated_at),
            }
            for r in ratings
        ],
        "events": [
            {
                "action": e.action,
                "subject_type": e.subject_type,
                "subject_id": e.subject_id,
                "created_at": _time(e.created_at),
                **({"before": e.before, "after": e.after} if _own(e) else {}),
            }
            for e in events
        ],
    }


# --- account deletion ----------------------------------------------------------------------


def delete_account(user: User, password: str, *, now: datetime | None = None) -> None:
    """Delete `user`'s account after checking the password.

    Contributions stay and are shown as by a "deleted account"; the row stays as a
    tombstone (so contributions, replies and events keep their references) with e-mail,
    display name and password erased. Everything that only serves the person goes:
    roles, follows, preferences, waiting notifications, the outbox's mail to the address
    (unsent, and sent copies before their regular purge), two-factor secrets. Links sent
    earlier stop working: they are bound to the address or the password hash, both gone,
    and the sessions end with the bumped auth_version."""
    if user.deleted_at is not None:
        raise PrivacyError(_l("This account has already been deleted."))
    if not verify_password(user.password_hash, password or ""):
        raise PrivacyError(_l("The password is not correct."), field="password")
    now = now or utcnow()
    address = (user.email or "").lower()
    owner_tables = (Follow, NotificationPreference, NotificationItem, NotificationDigest)
    for model in owner_tables:
        db.session.execute(
            delete(model)
            .where(model.user_id == user.id)
            .execution_options(synchronize_session=False)
        )
    if address:
        db.session.execute(
            delete(OutboxMessage)
            .where(func.lower(OutboxMessage.recipient) == address)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        delete(UserRole)
        .where(UserRole.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    _delete_two_factor(user)
    # The event log is append-only for everything the application does; erasing a person's
    # name from it is the one exception the law requires (the events themselves stay).
    db.session.connection().execute(
        update(Event.__table__)
        .where(
            Event.__table__.c.subject_type == "users",
            Event.__table__.c.subject_id == user.id,
            Event.__table__.c.action.in_(PERSONAL_EVENT_ACTIONS),
        )
        .values(before=None, after=None)
    )
    db.session.expire(user, ["role_rows"])
    # The address becomes a marker that is no address (so the unique constraint holds and
    # the address can register again); nothing can log in with an empty password hash.
    user.email = f"deleted:{user.id}"
    user.display_name = ""
    user.password_hash = ""
    user.email_confirmed_at = None
    user.locale = None
    user.department_id = None
    user.last_login_at = None
    user.is_active = False
    user.auth_version += 1
    user.deleted_at = now
    record("account.deleted", user, actor=None)
    db.session.flush()


def _delete_two_factor(user: User) -> None:
    """Two-factor secrets and recovery codes, where the installation has them."""
    for name in ("totp_secret", "totp_enabled_at", "totp_last_step"):
        if hasattr(user, name):
            setattr(user, name, None)
    codes = db.metadata.tables.get("recovery_codes")
    if codes is not None:
        db.session.execute(delete(codes).where(codes.c.user_id == user.id))


# --- erasing what is no longer needed ------------------------------------------------------


@dataclass
class PurgeResult:
    guest_emails: int = 0
    guest_follows: int = 0
    guest_notifications: int = 0
    outbox_sent: int = 0
    outbox_failed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.guest_emails} guest address(es) erased from contributions, "
            f"{self.guest_follows} unconfirmed guest follow(s) and "
            f"{self.guest_notifications} delivered guest notification(s) deleted, "
            f"{self.outbox_sent} sent and {self.outbox_failed} undeliverable mail(s) deleted"
        )


def purge(*, now: datetime | None = None, days: int | None = None) -> PurgeResult:
    """Erase guests' addresses and mail once they are no longer needed. Running it again
    changes nothing more (idempotent).

    - A guest contribution's address serves the confirmation and the notifications about
      it (the decision, replies): it is erased `days` (PRIVACY_GUEST_EMAIL_DAYS) after the
      confirmation, or after it was written if it was never confirmed. Contributions still
      waiting for the moderation keep it, so the guest learns the decision.
    - A guest's confirmed follow keeps its address while it lasts: it exists to mail that
      address, and every such mail carries a one-click unfollow. Unconfirmed follows older
      than the period go, as do guests' delivered digest entries and digest records.
    - Sent mail older than OUTBOX_KEEP_SENT_DAYS goes (as `flask outbox purge`), and so does
      mail given up as undeliverable after the same time."""
    now = now or utcnow()
    config = current_app.config
    cutoff = now - timedelta(days=days or config["PRIVACY_GUEST_EMAIL_DAYS"])
    result = PurgeResult()
    result.guest_emails = db.session.execute(
        update(Contribution)
        .where(
            Contribution.guest_email.is_not(None),
            Contribution.guest_email != ERASED,
            Contribution.state != "pending",
            or_(
                Contribution.guest_confirmed_at < cutoff,
                and_(Contribution.guest_confirmed_at.is_(None), Contribution.created_at < cutoff),
            ),
        )
        .values(guest_email=ERASED)
        .execution_options(synchronize_session=False)
    ).rowcount
    result.guest_follows = db.session.execute(
        delete(Follow)
        .where(Follow.email.is_not(None), Follow.confirmed_at.is_(None), Follow.created_at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    result.guest_notifications = db.session.execute(
        delete(NotificationItem)
        .where(
            NotificationItem.email.is_not(None),
            NotificationItem.digest_id.is_not(None),
            NotificationItem.created_at < cutoff,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    result.guest_notifications += db.session.execute(
        delete(NotificationDigest)
        .where(NotificationDigest.email.is_not(None), NotificationDigest.created_at < cutoff)
        .execution_options(synchronize_session=False)
    ).rowcount
    keep_mail = timedelta(days=config["OUTBOX_KEEP_SENT_DAYS"])
    result.outbox_sent = outbox_services.purge_sent(keep_mail, now=now)
    result.outbox_failed = db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.failed_at.is_not(None), OutboxMessage.failed_at < now - keep_mail)
        .execution_options(synchronize_session=False)
    ).rowcount
    return result
