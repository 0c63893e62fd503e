"""Contributions (comments, replies, ideas), their earlier texts and supports.

Threads are an adjacency list (`parent_id`) plus a materialised `path` of zero-padded ids
("00000012/00000031/"), so that one `ORDER BY path` returns a thread in reading order and
the ancestors of any row are known without a query. `reply_count` counts the published
replies below a contribution (its whole subtree); `support_count` the supports of an idea.
Both are kept on the rows so that lists never count.
"""

import enum
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.database import str_enum, utcnow
from participation.extensions import db

PATH_DIGITS = 10


class ContributionKind(enum.StrEnum):
    COMMENT = "comment"
    REPLY = "reply"
    IDEA = "idea"


class ModerationState(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # a guest has not yet confirmed the e-mail address
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    WITHDRAWN = "withdrawn"


class Channel(enum.StrEnum):
    ONLINE = "online"
    LETTER = "letter"
    PHONE = "phone"
    EMAIL = "email"
    WORKSHOP = "workshop"
    CITIZENS_OFFICE = "citizens_office"


class ProcessingStatus(enum.StrEnum):
    RECEIVED = "received"
    FORWARDED = "forwarded"
    IN_REVIEW = "in_review"
    ADOPTED = "adopted"
    PARTIALLY_ADOPTED = "partially_adopted"
    NOT_ADOPTED = "not_adopted"
    ANSWERED = "answered"


# Awaiting a moderator's decision: pending, published but not reviewed, or reported.
AWAITING_DECISION = (
    "state = 'pending' OR (state = 'published' AND reviewed_at IS NULL)"
    " OR (report_count > 0 AND state IN ('published', 'hidden'))"
)


class Contribution(db.Model):
    __tablename__ = "contributions"
    __table_args__ = (
        CheckConstraint("(kind = 'reply') = (parent_id IS NOT NULL)", name="reply_has_parent"),
        CheckConstraint("(kind = 'idea') = (title IS NOT NULL)", name="idea_has_title"),
        CheckConstraint("workshop_id IS NULL OR channel = 'workshop'", name="workshop_channel"),
        CheckConstraint(
            "(author_id IS NOT NULL) OR (guest_email IS NOT NULL AND guest_name IS NOT NULL)"
            " OR channel <> 'online'",
            name="has_author",
        ),
        CheckConstraint(
            "reply_count >= 0 AND support_count >= 0 AND report_count >= 0",
            name="counts_not_negative",
        ),
        CheckConstraint(
            "(state = 'rejected') = (rejection_reason IS NOT NULL)", name="rejected_has_reason"
        ),
        # The moderation queue: what awaits a decision, oldest first, by keyset.
        Index("ix_contributions_queue", "state", "reviewed_at", "created_at", "id"),
        Index("ix_contributions_section_roots", "strategy_id", "section_key", "parent_id", "id"),
        Index("ix_contributions_root_path", "root_id", "path"),
        Index("ix_contributions_strategy_kind", "strategy_id", "kind", "state", "id"),
        Index("ix_contributions_author_hash", "author_id", "text_hash", "created_at"),
        # Paragraph counts on every section page: an index-only count over published
        # paragraph comments, however large the rest of the discussion grows.
        Index(
            "ix_contributions_paragraph_counts",
            "strategy_id",
            "section_key",
            "paragraph_anchor",
            postgresql_where=text("state = 'published' AND paragraph_anchor IS NOT NULL"),
            sqlite_where=text("state = 'published' AND paragraph_anchor IS NOT NULL"),
        ),
        # Counting and paging a section's threads.
        Index(
            "ix_contributions_section_threads",
            "strategy_id",
            "section_key",
            "id",
            postgresql_where=text("parent_id IS NULL AND kind = 'comment'"),
            sqlite_where=text("parent_id IS NULL AND kind = 'comment'"),
        ),
        Index("ix_contributions_guest_hash", "guest_email", "text_hash", "created_at"),
        # What awaits a decision (moderation.queue.in_queue, the same condition), oldest
        # first: the queue page and its count read only these few thousand rows.
        Index(
            "ix_contributions_awaiting",
            "created_at",
            "id",
            postgresql_where=text(AWAITING_DECISION),
            sqlite_where=text(AWAITING_DECISION),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"))
    # The version it was written on, and the section there; `section_key` follows the section
    # into later versions. Ideas may name a field of action (a section) or none.
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    section_key: Mapped[str | None] = mapped_column(String(80))
    paragraph_anchor: Mapped[str | None] = mapped_column(String(40))

    kind: Mapped[ContributionKind] = mapped_column(str_enum(ContributionKind, "contribution_kind"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE")
    )
    root_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(400), default="")
    depth: Mapped[int] = mapped_column(default=0)

    title: Mapped[str | None] = mapped_column(String(150))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))

    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    guest_name: Mapped[str | None] = mapped_column(String(60))
    guest_email: Mapped[str | None] = mapped_column(String(254))
    guest_confirmed_at: Mapped[datetime | None]

    state: Mapped[ModerationState] = mapped_column(str_enum(ModerationState, "moderation_state"))
    # NULL until a moderator has looked at it (post-moderation and edits need a review).
    reviewed_at: Mapped[datetime | None]
    status: Mapped[ProcessingStatus | None] = mapped_column(
        str_enum(ProcessingStatus, "processing_status")
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"), default=Channel.ONLINE)
    # Analogue contributions (participation.analogue): the day the letter, call or visit
    # came in, which may be days before a moderator typed it in (`created_at`).
    received_on: Mapped[date | None]
    # Results of a workshop (participation.workshops); a workshop with results cannot be
    # deleted, so the link never dangles.
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id"), index=True)
    is_official: Mapped[bool] = mapped_column(default=False)
    # An official reply is signed as the office (optionally with the moderator's name);
    # shown instead of the author's display name.
    official_signature: Mapped[str | None] = mapped_column(String(200))

    # Set when a moderator rejects it; the author is told the reason and may revise.
    rejection_reason: Mapped[str | None] = mapped_column(String(32))
    rejection_note: Mapped[str | None] = mapped_column(Text)
    # A locked thread takes no new replies (set on the thread's root).
    locked_at: Mapped[datetime | None]
    # Open reports from distinct readers, kept on the row for the queue and the threshold.
    report_count: Mapped[int] = mapped_column(default=0)

    reply_count: Mapped[int] = mapped_column(default=0)
    support_count: Mapped[int] = mapped_column(default=0)
    # A duplicate idea merged into another: it stays readable and links to the original.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(default=1)

    author = relationship("User", lazy="joined", innerjoin=False)
    workshop = relationship("Workshop", lazy="selectin")
    parent: Mapped["Contribution | None"] = relationship(
        remote_side=[id], foreign_keys=[parent_id], lazy="raise"
    )

    __mapper_args__ = {"version_id_col": revision}

    @property
    def display_name(self) -> str:
        # An official reply is signed as the office; the moderator's own name stays internal
        # unless they chose to sign with it (then it is part of the signature).
        if self.is_official and self.official_signature:
            return self.official_signature
        if self.author is not None:
            if self.author.deleted_at is not None:
                # The account was deleted; the contribution stays (privacy.services).
                return gettext("deleted account")
            return self.author.display_name
        if self.guest_name:
            return self.guest_name
        if self.channel is not Channel.ONLINE:
            # Entered by the office without the citizen's consent to show the name.
            from participation.analogue.labels import anonymous_name

            return anonymous_name(self.channel)
        return ""


class ContributionRevision(db.Model):
    """The text as it was before an edit, kept for moderators."""

    __tablename__ = "contribution_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str | None] = mapped_column(String(150))
    body_md: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Support(db.Model):
    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("contribution_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
