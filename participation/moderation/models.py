"""What the office needs to moderate: readers' reports, internal notes, and the reasons a
contribution may be rejected or reported for."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participation.database import str_enum, utcnow
from participation.extensions import db


class RejectionReason(enum.StrEnum):
    """The netiquette reasons of DESIGN.md; labels live in moderation/labels.py."""

    INSULT = "insult"
    DISCRIMINATION = "discrimination"
    THREAT = "threat"
    UNLAWFUL = "unlawful"
    COPYRIGHT = "copyright"
    PERSONAL_DATA = "personal_data"
    SPAM = "spam"
    OFF_TOPIC = "off_topic"
    DUPLICATE = "duplicate"


class ReportReason(enum.StrEnum):
    INSULT = "insult"
    DISCRIMINATION = "discrimination"
    THREAT = "threat"
    UNLAWFUL = "unlawful"
    PERSONAL_DATA = "personal_data"
    SPAM = "spam"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class Report(db.Model):
    """A reader's report. Reporters are never shown publicly; a moderator's decision on the
    contribution resolves all its open reports."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("contribution_id", "reporter_id"),
        Index("ix_reports_open", "contribution_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[ReportReason] = mapped_column(str_enum(ReportReason, "report_reason"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class InternalNote(db.Model):
    """A note on a contribution for the office and the departments only; never public."""

    __tablename__ = "internal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


REJECTION_NOTE_MAX = 1000
NOTE_MAX = 5000
REPORT_TEXT_MAX = 1000


TEMPLATE_TITLE_MAX = 120


class AnswerTemplate(db.Model):
    """A reusable text for official replies, kept by the moderators."""

    __tablename__ = "answer_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TEMPLATE_TITLE_MAX))
    body_md: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
