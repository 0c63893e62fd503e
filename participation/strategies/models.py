"""Strategies, their versions and the section tree of each version.

A strategy has at most one draft version (number is NULL) that editors change, and any
number of published versions, which are immutable. Sections carry a `key` that stays the
same across versions, so versions can be compared and a link to a section keeps working.
"""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.database import str_enum, utcnow
from participation.extensions import db


class ModerationMode(enum.StrEnum):
    PRE = "pre"
    POST = "post"


class Phase(enum.StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    ADOPTED = "adopted"


class SectionKind(enum.StrEnum):
    VISION = "vision"
    FIELD_OF_ACTION = "field_of_action"
    PROJECT = "project"
    TEXT = "text"


class Strategy(db.Model):
    __tablename__ = "strategies"
    __table_args__ = (CheckConstraint("closes_at > opens_at", name="window_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    adopted_on: Mapped[date | None]
    moderation_mode: Mapped[ModerationMode] = mapped_column(
        str_enum(ModerationMode, "moderation_mode"), default=ModerationMode.PRE
    )
    review_hours: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Optimistic locking: a second editor saving stale settings is told instead of overwriting.
    revision: Mapped[int] = mapped_column(default=1)

    versions: Mapped[list["Version"]] = relationship(
        back_populates="strategy", order_by="Version.number", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": revision}

    def phase_at(self, now: datetime) -> Phase:
        if self.adopted_on is not None:
            return Phase.ADOPTED
        if now < self.opens_at:
            return Phase.UPCOMING
        if now < self.closes_at:
            return Phase.OPEN
        return Phase.CLOSED

    @property
    def phase(self) -> Phase:
        return self.phase_at(utcnow())

    def __str__(self) -> str:
        return self.title


class Version(db.Model):
    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("strategy_id", "number"),
        CheckConstraint(
            "(number IS NULL AND published_at IS NULL) OR "
            "(number IS NOT NULL AND published_at IS NOT NULL)",
            name="published_has_number",
        ),
        # One draft per strategy; NULL numbers are not caught by the unique constraint.
        Index(
            "uq_versions_one_draft",
            "strategy_id",
            unique=True,
            sqlite_where=db.text("number IS NULL"),
            postgresql_where=db.text("number IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"))
    number: Mapped[int | None]
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    strategy: Mapped[Strategy] = relationship(back_populates="versions")
    sections: Mapped[list["Section"]] = relationship(
        back_populates="version",
        order_by="Section.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_draft(self) -> bool:
        return self.number is None


class Section(db.Model):
    __tablename__ = "sections"
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        Index("ix_sections_version_parent_position", "version_id", "parent_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[SectionKind] = mapped_column(
        str_enum(SectionKind, "section_kind"), default=SectionKind.TEXT
    )
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The body's top-level blocks as [{"anchor": "p-…" | None, "html": "…"}], for pages that
    # show a comment control beside each paragraph.
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    revision: Mapped[int] = mapped_column(default=1)

    version: Mapped[Version] = relationship(back_populates="sections")
    parent: Mapped["Section | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Section"]] = relationship(
        back_populates="parent", order_by="Section.position"
    )

    __mapper_args__ = {"version_id_col": revision}

    def set_body(self, body_md: str) -> None:
        """The one way to change a section's text: renders it once, here."""
        from participation.markup import render_document

        rendered = render_document(body_md or "")
        self.body_md = body_md or ""
        self.body_html = rendered.html
        self.blocks = [{"anchor": b.anchor, "html": b.html} for b in rendered.blocks]

    @property
    def anchors(self) -> list[str]:
        return [block["anchor"] for block in self.blocks or [] if block.get("anchor")]

    def __str__(self) -> str:
        return self.title
