"""What people chose to be told, what they follow, and what waits for their daily digest.

A recipient is either an account (`user_id`) or, for guests, an e-mail address (`email`,
stored in lower case); every table carries exactly one of the two.
"""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participation.database import str_enum, utcnow
from participation.extensions import db

EMAIL_MAX = 254
ONE_RECIPIENT = "(user_id IS NULL) <> (email IS NULL)"


class Kind(enum.StrEnum):
    """What a notification is about; each person chooses a delivery per kind."""

    OWN_CONTRIBUTIONS = "own_contributions"
    REPLIES_TO_ME = "replies_to_me"
    FOLLOWED_THREADS = "followed_threads"
    FOLLOWED_STRATEGIES = "followed_strategies"
    MODERATION_DIGEST = "moderation_digest"


class Delivery(enum.StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    NEVER = "never"


# Defaults (documented in README): what happens to one's own contributions and direct
# replies is told at once; what one follows comes once a day, so that a busy discussion does
# not fill the inbox; the moderators' digest is daily by nature.
DEFAULTS: dict[Kind, Delivery] = {
    Kind.OWN_CONTRIBUTIONS: Delivery.IMMEDIATE,
    Kind.REPLIES_TO_ME: Delivery.IMMEDIATE,
    Kind.FOLLOWED_THREADS: Delivery.DAILY,
    Kind.FOLLOWED_STRATEGIES: Delivery.DAILY,
    Kind.MODERATION_DIGEST: Delivery.DAILY,
}


class DigestKind(enum.StrEnum):
    ITEMS = "items"  # the person's collected notifications
    MODERATION = "moderation"  # what waits for the moderation


class NotificationPreference(db.Model):
    """A choice that differs from the default (rows exist only once someone chose)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_kind"),
        UniqueConstraint("email", "kind", name="uq_notification_preferences_email_kind"),
        CheckConstraint(ONE_RECIPIENT, name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, "notification_kind"))
    delivery: Mapped[Delivery] = mapped_column(str_enum(Delivery, "notification_delivery"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Follow(db.Model):
    """Someone follows a thread (its root contribution) or a whole strategy. A guest's
    follow counts once the address is confirmed by the link we sent."""

    __tablename__ = "notification_follows"
    __table_args__ = (
        UniqueConstraint("user_id", "contribution_id", name="uq_notification_follows_user_thread"),
        UniqueConstraint("user_id", "strategy_id", name="uq_notification_follows_user_strategy"),
        UniqueConstraint("email", "contribution_id", name="uq_notification_follows_email_thread"),
        UniqueConstraint("email", "strategy_id", name="uq_notification_follows_email_strategy"),
        CheckConstraint(ONE_RECIPIENT, name="one_recipient"),
        CheckConstraint(
            "(contribution_id IS NULL) <> (strategy_id IS NULL)", name="thread_or_strategy"
        ),
        Index("ix_notification_follows_contribution_id", "contribution_id"),
        Index("ix_notification_follows_strategy_id", "strategy_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    # A guest's language, from the page they followed on (accounts have their own).
    locale: Mapped[str | None] = mapped_column(String(5))
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE")
    )
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]


class NotificationDigest(db.Model):
    """One digest mail of one kind to one recipient on one local day: the unique
    constraints make `flask notifications digest` send at most one per day, however often
    it runs and on how many machines."""

    __tablename__ = "notification_digests"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "day", name="uq_notification_digests_user_day"),
        UniqueConstraint("email", "kind", "day", name="uq_notification_digests_email_day"),
        CheckConstraint(ONE_RECIPIENT, name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    kind: Mapped[DigestKind] = mapped_column(str_enum(DigestKind, "notification_digest_kind"))
    day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    item_count: Mapped[int] = mapped_column(default=0)


class NotificationItem(db.Model):
    """A notification that waits for the recipient's daily digest, written in their
    language when it happened."""

    __tablename__ = "notification_items"
    __table_args__ = (
        CheckConstraint(ONE_RECIPIENT, name="one_recipient"),
        Index("ix_notification_items_digest_id", "digest_id"),
        Index("ix_notification_items_user_id", "user_id"),
        Index("ix_notification_items_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    locale: Mapped[str | None] = mapped_column(String(5))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, "notification_kind"))
    subject: Mapped[str] = mapped_column(String(1000))
    excerpt: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a digest took the item (then it is never sent again).
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_digests.id", ondelete="SET NULL")
    )
