"""Forwardings of contributions to departments (Fachämter), their statements and the short
exchange of questions between a department and the office on one forwarding.

A forwarding is open until the department answers it with a statement and a
recommendation (answered) or sends it back as not its responsibility (returned), or until
the office withdraws it, e.g. when it went to the wrong department (withdrawn). At most
one forwarding of a contribution to a department is open at a time; a partial unique index
holds that rule even when two moderators forward at the same moment.
"""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import Department, User
from participation.database import str_enum, utcnow
from participation.discussion.models import Contribution
from participation.extensions import db

NOTE_MAX = 5000
STATEMENT_MAX = 10000
MESSAGE_MAX = 5000


class ForwardingState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    RETURNED = "returned"  # "not our responsibility": back to the office
    WITHDRAWN = "withdrawn"  # taken back by the office, e.g. sent to the wrong department


class Recommendation(enum.StrEnum):
    ADOPT = "adopt"
    ADOPT_IN_PART = "adopt_in_part"
    DO_NOT_ADOPT = "do_not_adopt"
    ALREADY_PLANNED = "already_planned"
    NOT_RESPONSIBLE = "not_responsible"


OPEN_CONDITION = "state = 'open'"
ANSWERED_CONDITION = "state IN ('answered', 'returned')"
WITHDRAWAL_REASON_MAX = 2000


class Forwarding(db.Model):
    __tablename__ = "forwardings"
    __table_args__ = (
        Index(
            "uq_forwardings_open",
            "contribution_id",
            "department_id",
            unique=True,
            postgresql_where=text(OPEN_CONDITION),
            sqlite_where=text(OPEN_CONDITION),
        ),
        # A department's inbox and the office's overview, by state and due date.
        Index("ix_forwardings_department_state", "department_id", "state", "due_on", "id"),
        Index("ix_forwardings_state_due", "state", "due_on", "id"),
        CheckConstraint(
            f"({ANSWERED_CONDITION}) = (answered_at IS NOT NULL)", name="answered_when_not_open"
        ),
        CheckConstraint(
            f"({ANSWERED_CONDITION}) = (recommendation IS NOT NULL)",
            name="recommendation_when_answered",
        ),
        CheckConstraint(
            "(state = 'withdrawn') = (withdrawn_at IS NOT NULL)", name="withdrawn_when_withdrawn"
        ),
        CheckConstraint(
            "(state = 'returned') = (recommendation = 'not_responsible') OR recommendation IS NULL",
            name="returned_means_not_responsible",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True
    )
    # No ON DELETE: a department that was forwarded to cannot be deleted (admin.services).
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The office's internal note to the department; never public.
    note: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date]
    state: Mapped[ForwardingState] = mapped_column(
        str_enum(ForwardingState, "forwarding_state"), default=ForwardingState.OPEN
    )
    recommendation: Mapped[Recommendation | None] = mapped_column(
        str_enum(Recommendation, "recommendation")
    )
    statement: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]
    # Set by the office: other departments forwarded the same contribution see the statement.
    shared: Mapped[bool] = mapped_column(default=False)
    reminded_at: Mapped[datetime | None]
    reminder_count: Mapped[int] = mapped_column(default=0)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Internal, like the note: read by the office and the department only.
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    department: Mapped[Department] = relationship(lazy="joined", innerjoin=True)
    contribution: Mapped[Contribution] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="joined")
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id], lazy="joined")
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id], lazy="joined")

    @property
    def is_answered(self) -> bool:
        return self.state in (ForwardingState.ANSWERED, ForwardingState.RETURNED)

    def is_overdue(self, today: date) -> bool:
        return self.state is ForwardingState.OPEN and self.due_on < today


class ForwardingMessage(db.Model):
    """A question of the department to the office, or the office's answer, on one
    forwarding. Seen by the office and the department of the forwarding only."""

    __tablename__ = "forwarding_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    forwarding_id: Mapped[int] = mapped_column(
        ForeignKey("forwardings.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_office: Mapped[bool]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
