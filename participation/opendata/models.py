"""Pseudonyms for the open data: "Teilnehmer:in 17" instead of a name.

A pseudonym's number is the row's id. Accounts are numbered in the order in which their
first published contributions appear (not in the order of user ids), then the
contributions without an account, so the number says nothing about the account behind it;
once given it never changes. An
account has one pseudonym for all its contributions; a contribution without an account (a
guest, a letter) has one of its own, since nothing links two guest contributions reliably.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participation.database import utcnow
from participation.extensions import db


class Pseudonym(db.Model):
    __tablename__ = "open_data_pseudonyms"
    __table_args__ = (
        UniqueConstraint("user_id"),
        UniqueConstraint("contribution_id"),
        CheckConstraint(
            "(user_id IS NULL) <> (contribution_id IS NULL)", name="user_or_contribution"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    contribution_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
