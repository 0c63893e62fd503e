"""The daily digests, sent by `flask notifications digest` (once a day, e.g. by a timer).

- Everyone with notifications collected for the day (delivery "daily") gets one mail with
  all of them, grouped by kind.
- Moderators get a summary of what waits in the moderation queue (by kind and by why it
  waits, the oldest item) and of the overdue forwardings, if anything waits at all.

Each digest is claimed first: a row per recipient, kind and local day whose unique
constraint lets only one run send it, however often the command runs or on how many
machines at once. Collected entries are taken by a conditional UPDATE, so none is sent in
two digests.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from participation.accounts import tokens
from participation.accounts.models import Role, User, UserRole
from participation.database import utcnow
from participation.departments import queries as forwarding_queries
from participation.departments.services import local_today
from participation.discussion.models import Contribution, ContributionKind, ModerationState
from participation.extensions import db
from participation.moderation.queue import in_queue
from participation.notifications.labels import CONTRIBUTION_KINDS, DIGEST, KIND_LABELS
from participation.notifications.models import (
    Delivery,
    DigestKind,
    Kind,
    NotificationDigest,
    NotificationItem,
)
from participation.notifications.services import (
    Recipient,
    preferences_of,
    send,
    unsubscribe_token,
    user_recipient,
)

# How many entries of one kind, and how many overdue forwardings, a digest lists; it says
# how many more there are and links to where all of them are.
LIST_MAX = 50


@dataclass
class DigestRun:
    items: int = 0
    moderation: int = 0


def send_digests(
    *,
    today: date | None = None,
    now: datetime | None = None,
    after_each: Callable[[], None] | None = None,
) -> DigestRun:
    """Send today's digests that have not been sent yet. `after_each` runs after every
    recipient (the command commits there, so one failure loses nothing already sent)."""
    now = now or utcnow()
    today = today or local_today(now)
    run = DigestRun()
    for owner in pending_owners():
        if send_item_digest(owner, today=today, now=now):
            run.items += 1
        if after_each:
            after_each()
    summary = moderation_summary(today)
    if summary.is_empty:
        return run
    for user_id in moderator_ids():
        if send_moderation_digest(db.session.get(User, user_id), summary, today=today, now=now):
            run.moderation += 1
        if after_each:
            after_each()
    return run


# --- the collected notifications -------------------------------------------------------------


def pending_owners() -> list[dict]:
    rows = db.session.execute(
        select(NotificationItem.user_id, NotificationItem.email)
        .where(NotificationItem.digest_id.is_(None))
        .distinct()
    ).all()
    owners = [{"user_id": u} if u is not None else {"email": e} for u, e in rows]
    return sorted(owners, key=lambda o: (o.get("user_id") or 0, o.get("email") or ""))


def _owner_condition(model, owner: dict):
    if "user_id" in owner:
        return model.user_id == owner["user_id"]
    return model.email == owner["email"]


def _claim(owner: dict, kind: DigestKind, today: date, now: datetime, count: int):
    digest = NotificationDigest(**owner, kind=kind, day=today, created_at=now, item_count=count)
    try:
        with db.session.begin_nested():
            db.session.add(digest)
    except IntegrityError:
        return None  # already sent today
    return digest


def _recipient(owner: dict, locale: str | None) -> Recipient | None:
    if "user_id" in owner:
        user = db.session.get(User, owner["user_id"])
        if user is None or not user.is_active:
            return None
        return user_recipient(user)
    return Recipient(owner["email"], locale)


@dataclass
class DigestGroup:
    kind: Kind
    label: object
    items: list[NotificationItem]
    more: int
    unsubscribe_url: str


def send_item_digest(owner: dict, *, today: date, now: datetime) -> bool:
    """One mail with everything collected for `owner`; False if there was nothing to send
    or today's digest was sent already."""
    preferences = preferences_of(owner)
    switched_off = [kind for kind, delivery in preferences.items() if delivery is Delivery.NEVER]
    if switched_off:
        # Switched off since they were collected: not sent, and not kept either.
        db.session.execute(
            delete(NotificationItem).where(
                _owner_condition(NotificationItem, owner),
                NotificationItem.digest_id.is_(None),
                NotificationItem.kind.in_(switched_off),
            )
        )
    ids = db.session.scalars(
        select(NotificationItem.id).where(
            _owner_condition(NotificationItem, owner), NotificationItem.digest_id.is_(None)
        )
    ).all()
    if not ids:
        return False
    newest_locale = db.session.scalar(
        select(NotificationItem.locale)
        .where(NotificationItem.id.in_(ids))
        .order_by(NotificationItem.id.desc())
        .limit(1)
    )
    recipient = _recipient(owner, newest_locale)
    if recipient is None:
        return False
    digest = _claim(owner, DigestKind.ITEMS, today, now, len(ids))
    if digest is None:
        return False
    db.session.execute(
        update(NotificationItem)
        .where(NotificationItem.id.in_(ids), NotificationItem.digest_id.is_(None))
        .values(digest_id=digest.id)
        .execution_options(synchronize_session=False)
    )
    items = db.session.scalars(
        select(NotificationItem)
        .where(NotificationItem.digest_id == digest.id)
        .order_by(NotificationItem.created_at, NotificationItem.id)
        .execution_options(populate_existing=True)
    ).all()
    digest.item_count = len(items)
    if not items:
        return False
    groups = []
    for kind in Kind:
        of_kind = [item for item in items if item.kind is kind]
        if of_kind:
            groups.append(
                DigestGroup(
                    kind=kind,
                    label=KIND_LABELS[kind],
                    items=of_kind[:LIST_MAX],
                    more=max(len(of_kind) - LIST_MAX, 0),
                    unsubscribe_url=tokens.external_url(
                        "notifications.unsubscribe", token=unsubscribe_token(recipient, kind)
                    ),
                )
            )
    send(
        recipient,
        DIGEST,
        _l(
            "Your daily summary from the participation platform of %(municipality)s",
            municipality=current_app.config["MUNICIPALITY_NAME"],
        ),
        "notification_digest",
        groups=groups,
        count=len(items),
        day=today,
    )
    db.session.flush()
    return True


# --- the moderators' digest ------------------------------------------------------------------


@dataclass
class OverdueItem:
    department: str
    due_on: date
    contribution_id: int
    title: str
    url: str


@dataclass
class ModerationSummary:
    by_kind: dict[ContributionKind, int] = field(default_factory=dict)
    pending: int = 0
    unreviewed: int = 0
    reported: int = 0
    oldest_id: int | None = None
    oldest_at: datetime | None = None
    overdue: list[OverdueItem] = field(default_factory=list)
    overdue_total: int = 0

    @property
    def waiting(self) -> int:
        return sum(self.by_kind.values())

    @property
    def is_empty(self) -> bool:
        return not self.waiting and not self.overdue_total


def moderation_summary(today: date) -> ModerationSummary:
    summary = ModerationSummary()
    S = ModerationState
    rows = db.session.execute(
        select(
            Contribution.kind,
            func.count(),
            func.count().filter(Contribution.state == S.PENDING),
            func.count().filter(
                Contribution.state == S.PUBLISHED, Contribution.reviewed_at.is_(None)
            ),
            func.count().filter(Contribution.report_count > 0),
        )
        .where(in_queue())
        .group_by(Contribution.kind)
    ).all()
    for kind, total, pending, unreviewed, reported in rows:
        summary.by_kind[ContributionKind(kind)] = total
        summary.pending += pending
        summary.unreviewed += unreviewed
        summary.reported += reported
    summary.by_kind = {k: summary.by_kind[k] for k in ContributionKind if k in summary.by_kind}
    oldest = db.session.execute(
        select(Contribution.id, Contribution.created_at)
        .where(in_queue())
        .order_by(Contribution.created_at, Contribution.id)
        .limit(1)
    ).first()
    if oldest is not None:
        summary.oldest_id, summary.oldest_at = oldest
    page = forwarding_queries.list_page(
        forwarding_queries.View.OVERDUE, today, 1, office=True, department_id=None
    )
    summary.overdue_total = page.total
    for forwarding in page.items[:LIST_MAX]:
        contribution = forwarding.contribution
        text = contribution.title or " ".join(contribution.body_md.split())
        summary.overdue.append(
            OverdueItem(
                department=forwarding.department.name,
                due_on=forwarding.due_on,
                contribution_id=contribution.id,
                title=text if len(text) <= 80 else text[:79] + "…",
                url=tokens.external_url("moderation.detail", id=contribution.id),
            )
        )
    return summary


def moderator_ids() -> list[int]:
    """Active accounts of the moderation (moderators and administrators) with a confirmed
    address."""
    return list(
        db.session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role.in_((Role.MODERATOR, Role.ADMIN)),
                User.is_active.is_(True),
                User.email_confirmed_at.is_not(None),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def send_moderation_digest(
    user: User, summary: ModerationSummary, *, today: date, now: datetime
) -> bool:
    owner = {"user_id": user.id}
    if preferences_of(owner)[Kind.MODERATION_DIGEST] is Delivery.NEVER or summary.is_empty:
        return False
    if _claim(owner, DigestKind.MODERATION, today, now, summary.waiting) is None:
        return False
    send(
        user_recipient(user),
        Kind.MODERATION_DIGEST,
        _l(
            "Moderation: %(waiting)d waiting, %(overdue)d forwardings overdue",
            waiting=summary.waiting,
            overdue=summary.overdue_total,
        ),
        "moderation_digest",
        summary=summary,
        kind_labels=CONTRIBUTION_KINDS,
        day=today,
        url=tokens.external_url("moderation.index"),
        oldest_url=tokens.external_url("moderation.detail", id=summary.oldest_id)
        if summary.oldest_id
        else None,
        overview_url=tokens.external_url("forwarding.overview", ansicht="ueberfaellig"),
    )
    db.session.flush()
    return True
