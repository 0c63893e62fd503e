"""The append-only event log: who changed what, when, from what to what."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, mapped_column

from participation.database import utcnow
from participation.extensions import db


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class EventLogIsAppendOnly(Exception):
    """Raised when anything in the application tries to change or delete an event."""


@sa_event.listens_for(Event, "before_update")
def _refuse_update(mapper, connection, target):
    raise EventLogIsAppendOnly(f"event {target.id} cannot be changed")


@sa_event.listens_for(Event, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise EventLogIsAppendOnly(f"event {target.id} cannot be deleted")


@sa_event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state):
    """`update(Event)` and `delete(Event)` statements are refused as well."""
    if (state.is_update or state.is_delete) and any(
        m is not None and m.class_ is Event for m in (state.bind_mapper, *state.all_mappers)
    ):
        raise EventLogIsAppendOnly("the event log cannot be changed")
