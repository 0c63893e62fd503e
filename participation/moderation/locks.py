"""Locking a thread: its root takes `locked_at`; citizens can no longer reply anywhere in it
(`discussion.services.post_reply` checks), staff still can. Conditional UPDATEs, so two
moderators pressing at once record one event, and the root's revision is not touched."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from participation.database import utcnow
from participation.discussion.models import Contribution
from participation.events.services import record
from participation.extensions import db


class LockError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def thread_root(contribution: Contribution) -> Contribution:
    if contribution.root_id in (None, contribution.id):
        return contribution
    return db.session.get(Contribution, contribution.root_id)


def is_locked(contribution: Contribution) -> bool:
    """Whether the thread this contribution belongs to is locked."""
    return thread_root(contribution).locked_at is not None


def _set(root: Contribution, value: datetime | None) -> bool:
    if root.parent_id is not None:
        raise LockError(_l("Only a whole discussion (its first contribution) can be locked."))
    if value is not None:
        condition = Contribution.locked_at.is_(None)
    else:
        condition = Contribution.locked_at.is_not(None)
    changed = db.session.execute(
        update(Contribution)
        .where(Contribution.id == root.id, condition)
        .values(locked_at=value)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(root, ["locked_at", "revision"])
    return bool(changed)


def lock(root: Contribution, *, actor, now: datetime | None = None) -> bool:
    """Close the thread for new replies. False when it was already locked."""
    now = now or utcnow()
    if not _set(root, now):
        return False
    record(
        "thread.locked",
        root,
        actor,
        before={"locked_at": None},
        after={"locked_at": now.isoformat()},
    )
    return True


def unlock(root: Contribution, *, actor) -> bool:
    """Open the thread again. False when it was not locked."""
    before = root.locked_at
    if not _set(root, None):
        return False
    record(
        "thread.unlocked",
        root,
        actor,
        before={"locked_at": before.isoformat() if before else None},
        after={"locked_at": None},
    )
    return True
