"""Workshops and other events of a strategy process, whose results are entered as
contributions (`Contribution.workshop_id`, channel "workshop").

A workshop names its field of action by section key, which stays the same across the
strategy's versions, so the link survives a new version of the document.
"""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from participation.database import str_enum, utcnow
from participation.extensions import db

TITLE_MAX = 200
PLACE_MAX = 200
SUMMARY_MAX = 10000
PARTICIPANTS_MAX = 100000


class WorkshopFormat(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class Workshop(db.Model):
    __tablename__ = "workshops"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= held_on", name="date_order"),
        CheckConstraint("participants IS NULL OR participants >= 0", name="participants_count"),
        # The public list of a strategy's workshops, by date.
        Index("ix_workshops_strategy_date", "strategy_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    held_on: Mapped[date]
    ends_on: Mapped[date | None]
    format: Mapped[WorkshopFormat] = mapped_column(str_enum(WorkshopFormat, "workshop_format"))
    place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    # The key of a field-of-action section (stable across versions), or none.
    section_key: Mapped[str | None] = mapped_column(String(80))
    participants: Mapped[int | None]
    summary_md: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic locking: a second moderator saving a stale form is told, not overwritten.
    revision: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": revision}

    def __str__(self) -> str:
        return self.title
