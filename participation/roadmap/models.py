"""Roadmap projects: what the strategy turns into, when, by whom, and which ideas went in.

A project belongs to one strategy, names its field of action by the section key (stable
across versions) and its responsible department, and is placed on the timeline by a start
and an end quarter. Only projects marked public appear on public pages; the office edits
them with an optimistic version counter, so two moderators saving at once never overwrite
each other silently.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.database import str_enum, utcnow
from participation.extensions import db

TITLE_MAX = 200
DESCRIPTION_MAX = 20000


class ProjectPriority(enum.StrEnum):
    """The categories of the consolidation's selection (Leitprojekt, Potenzialprojekt,
    Quick Win): a project taken from a selected idea keeps its category, and a project
    created directly is placed in the same scheme, so the roadmap has one order."""

    LEAD = "lead"
    POTENTIAL = "potential"
    QUICK_WIN = "quick_win"


class ProjectStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    PAUSED = "paused"


project_ideas = Table(
    "roadmap_project_ideas",
    db.metadata,
    Column(
        "project_id",
        ForeignKey("roadmap_projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "contribution_id",
        ForeignKey("contributions.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class RoadmapProject(db.Model):
    __tablename__ = "roadmap_projects"
    __table_args__ = (
        CheckConstraint("start_quarter BETWEEN 1 AND 4", name="start_quarter_range"),
        CheckConstraint("end_quarter BETWEEN 1 AND 4", name="end_quarter_range"),
        CheckConstraint(
            "end_year * 4 + end_quarter >= start_year * 4 + start_quarter", name="end_after_start"
        ),
        Index("ix_roadmap_projects_strategy_start", "strategy_id", "start_year", "start_quarter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description_md: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    # The key of a field-of-action section; it follows the section into later versions.
    field_key: Mapped[str | None] = mapped_column(String(80))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    priority: Mapped[ProjectPriority] = mapped_column(str_enum(ProjectPriority, "roadmap_priority"))
    status: Mapped[ProjectStatus] = mapped_column(
        str_enum(ProjectStatus, "roadmap_status"), default=ProjectStatus.PLANNED
    )
    start_year: Mapped[int]
    start_quarter: Mapped[int]
    end_year: Mapped[int]
    end_quarter: Mapped[int]
    is_public: Mapped[bool] = mapped_column(default=False)
    # The selected idea the project was created from, if any.
    source_idea_id: Mapped[int | None] = mapped_column(
        ForeignKey("contributions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)

    department = relationship("Department", lazy="joined")
    ideas = relationship(
        "Contribution", secondary=project_ideas, lazy="selectin", order_by="Contribution.id"
    )

    __mapper_args__ = {"version_id_col": revision}

    @property
    def start_index(self) -> int:
        return self.start_year * 4 + self.start_quarter - 1

    @property
    def end_index(self) -> int:
        return self.end_year * 4 + self.end_quarter - 1

    def __str__(self) -> str:
        return self.title
