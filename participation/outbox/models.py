"""One row per e-mail, from the moment the change that causes it is written until (and after)
it has been delivered."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from participation.database import utcnow
from participation.extensions import db


class OutboxState(enum.StrEnum):
    """Derived from the timestamps, for filters and display; not stored."""

    PENDING = "pending"
    FAILED = "failed"
    SENT = "sent"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    # The worker looks for unsent, not given-up messages in the order they are due.
    __table_args__ = (Index("ix_outbox_messages_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The RFC 5322 Message-ID, fixed when the row is written: a message sent again after a
    # worker died between sending and marking it keeps its identity for the receiving side.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(1000))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A worker that claimed the row owns it until `claimed_until`; after that (it died) the
    # row can be claimed again. `claim_token` tells the owner's later updates from a stale one.
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    @property
    def state(self) -> OutboxState:
        if self.sent_at is not None:
            return OutboxState.SENT
        if self.failed_at is not None:
            return OutboxState.FAILED
        return OutboxState.PENDING

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} to {self.recipient} {self.state}>"
