"""A strategy's council paper (Drucksache) and the consultations of it.

A strategy has at most one paper; the paper is usually consulted more than once (first in a
committee, then in the council), so each consultation is a row of its own, kept in the order
the office gives (an import orders them by meeting date).
"""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.database import utcnow
from participation.extensions import db

REFERENCE_MAX = 100
URL_MAX = 500
COMMITTEE_MAX = 200
RESULT_MAX = 200
CONSULTATIONS_MAX = 20


class CouncilPaper(db.Model):
    __tablename__ = "council_papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("strategies.id", ondelete="CASCADE"), unique=True
    )
    reference: Mapped[str] = mapped_column(String(REFERENCE_MAX))
    # The paper's page in the council information system ("" when there is none).
    url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    # The OParl Paper object it was last imported from, and when.
    oparl_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    imported_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic locking: an editor saving a stale form is told instead of overwriting.
    revision: Mapped[int] = mapped_column(default=1)

    consultations: Mapped[list["CouncilConsultation"]] = relationship(
        back_populates="paper",
        order_by="CouncilConsultation.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": revision}


class CouncilConsultation(db.Model):
    """One consultation of the paper: a committee or the council, at one meeting."""

    __tablename__ = "council_consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("council_papers.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    committee: Mapped[str] = mapped_column(String(COMMITTEE_MAX))
    meeting_date: Mapped[date | None]
    result: Mapped[str] = mapped_column(String(RESULT_MAX), default="")

    paper: Mapped[CouncilPaper] = relationship(back_populates="consultations")
