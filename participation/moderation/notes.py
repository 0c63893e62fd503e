"""Internal notes on a contribution, for the office (and later the departments) only. They
are never read by any public page; nothing but `notes_for` loads them."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from participation.accounts.models import User
from participation.database import utcnow
from participation.discussion.models import Contribution
from participation.events.services import record
from participation.extensions import db
from participation.moderation.models import NOTE_MAX, InternalNote


class NoteError(Exception):
    def __init__(self, message, field: str | None = "body"):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass
class NoteView:
    id: int
    author_name: str
    body: str
    created_at: datetime


def add_note(
    contribution: Contribution, *, actor, body: str, now: datetime | None = None
) -> InternalNote:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise NoteError(_l("Please write a note."))
    if len(body) > NOTE_MAX:
        raise NoteError(
            _l("The note may have at most %(max)d characters.", max=NOTE_MAX),
        )
    note = InternalNote(
        contribution_id=contribution.id,
        author_id=getattr(actor, "id", None),
        body=body,
        created_at=now or utcnow(),
    )
    db.session.add(note)
    db.session.flush()
    record("contribution.note_added", contribution, actor, after={"note_id": note.id})
    return note


def notes_for(contribution: Contribution) -> list[NoteView]:
    """The notes on a contribution, oldest first, with their authors' names (one query)."""
    rows = db.session.execute(
        select(
            InternalNote.id,
            func.coalesce(User.display_name, "").label("author_name"),
            InternalNote.body,
            InternalNote.created_at,
        )
        .outerjoin(User, User.id == InternalNote.author_id)
        .where(InternalNote.contribution_id == contribution.id)
        .order_by(InternalNote.created_at, InternalNote.id)
    )
    return [NoteView(*row) for row in rows]
