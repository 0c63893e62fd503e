"""Ratings of ideas by the steering committee, the rating round of a strategy and the
office's selection of ideas as projects.

A member rates an idea once (relevance and feasibility, 1 to 5 each, an optional comment)
and may change that rating until the office closes the strategy's rating round. An idea is
selected at most once: the contribution's id is the selection's primary key, so two
moderators selecting at the same moment cannot leave two selections behind.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import User
from participation.database import str_enum, utcnow
from participation.discussion.models import Contribution
from participation.extensions import db

SCALE = range(1, 6)
COMMENT_MAX = 2000
REASON_MAX = 2000


class SelectionKind(enum.StrEnum):
    LEAD = "lead"  # Leitprojekt
    POTENTIAL = "potential"  # Potenzialprojekt
    QUICK_WIN = "quick_win"


class IdeaRating(db.Model):
    __tablename__ = "idea_ratings"
    __table_args__ = (
        UniqueConstraint("contribution_id", "rater_id"),
        CheckConstraint("relevance BETWEEN 1 AND 5", name="relevance_range"),
        CheckConstraint("feasibility BETWEEN 1 AND 5", name="feasibility_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    relevance: Mapped[int]
    feasibility: Mapped[int]
    # Internal to the committee and the office; never public.
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    rater: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class RatingRound(db.Model):
    """The rating round of a strategy: open from the end of the participation phase until
    the office closes it. No row means it was never closed."""

    __tablename__ = "rating_rounds"

    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("strategies.id", ondelete="CASCADE"), primary_key=True
    )
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class IdeaSelection(db.Model):
    __tablename__ = "idea_selections"

    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[SelectionKind] = mapped_column(str_enum(SelectionKind, "selection_kind"))
    public_reason: Mapped[str | None] = mapped_column(Text)
    selected_at: Mapped[datetime] = mapped_column(default=utcnow)
    selected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    contribution: Mapped[Contribution] = relationship(lazy="raise")
