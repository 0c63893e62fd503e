"""Writing to the event log. Services call `record`; nothing updates or deletes events."""

import logging
from typing import Any

from participation.events.models import Event
from participation.extensions import db

log = logging.getLogger("participation.events")


def record(
    action: str,
    subject: Any,
    actor: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> Event:
    """Append an event for `subject` (any model with an id) in the current transaction."""
    db.session.flush()
    event = Event(
        action=action,
        subject_type=type(subject).__tablename__,
        subject_id=subject.id,
        actor_id=getattr(actor, "id", None),
        before=before,
        after=after,
    )
    db.session.add(event)
    log.info(
        "event %s on %s %s by user %s",
        action,
        event.subject_type,
        event.subject_id,
        event.actor_id,
    )
    return event
