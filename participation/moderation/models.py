"""What the office needs to moderate: readers' reports, internal notes, and the reasons a
contribution may be rejected (a table the administrators keep) or reported for (fixed)."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participation.database import str_enum, utcnow
from participation.extensions import db

# Fits contributions.rejection_reason (String(32)).
REASON_KEY_MAX = 32
REASON_LABEL_MAX = 120
REASON_EXPLANATION_MAX = 1000


class NetiquetteReason(db.Model):
    """A reason a moderator may give for rejecting or hiding a contribution. Administrators
    keep the list; `key` is stored on contributions and in the event log and never changes,
    so an old rejection keeps its label after the reason has been deactivated."""

    __tablename__ = "netiquette_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(REASON_KEY_MAX), unique=True)
    label_de: Mapped[str] = mapped_column(String(REASON_LABEL_MAX))
    label_en: Mapped[str] = mapped_column(String(REASON_LABEL_MAX))
    # Optional; sent to the author with the reason and shown on the revise page.
    explanation_de: Mapped[str] = mapped_column(Text, default="")
    explanation_en: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


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
