"""The rules of the roadmap: creating and editing projects, linking ideas, status changes
and who is told of them, and what the public may read.

Functions flush, never commit; the request commits once. Every change is an event
(`roadmap.project_created`, `roadmap.project_updated`, `roadmap.status_changed`); the public
status history is read back from the log and shows dates and statuses only.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from participation.accounts import tokens
from participation.accounts.models import Department
from participation.consolidation import services as consolidation
from participation.database import utcnow
from participation.discussion.idea_queries import fields_of_action
from participation.discussion.models import Contribution, ContributionKind, ModerationState
from participation.events.models import Event
from participation.events.services import record
from participation.extensions import db
from participation.markup import render_contribution
from participation.notifications import services as notifications
from participation.notifications.models import Kind
from participation.roadmap.labels import STATUS_LABELS
from participation.roadmap.models import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    ProjectPriority,
    ProjectStatus,
    RoadmapProject,
    project_ideas,
)
from participation.strategies.models import Strategy
from participation.strategies.queries import latest_version
from participation.strategies.tree import Node

CREATED = "roadmap.project_created"
UPDATED = "roadmap.project_updated"
STATUS_CHANGED = "roadmap.status_changed"
YEAR_MIN, YEAR_MAX = 2000, 2100
EXCERPT = 300
# The fields compared for the event log of an edit (the status has an event of its own).
TRACKED = (
    "title",
    "description_md",
    "field_key",
    "department_id",
    "priority",
    "start_year",
    "start_quarter",
    "end_year",
    "end_quarter",
    "is_public",
)


class RoadmapError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass
class ProjectData:
    """What the office enters for a project, as the form delivers it."""

    title: str
    priority: ProjectPriority | str
    start_year: int | None
    start_quarter: int | None
    end_year: int | None
    end_quarter: int | None
    description_md: str = ""
    field_key: str | None = None
    department_id: int | None = None
    status: ProjectStatus | str = ProjectStatus.PLANNED
    is_public: bool = False
    idea_ids: list[int] = field(default_factory=list)


# --- what can be chosen ------------------------------------------------------------------------


def field_nodes(strategy: Strategy) -> list[Node]:
    """The fields of action of the latest published version, numbered, in reading order."""
    version = latest_version(strategy)
    return fields_of_action(version) if version is not None else []


def linkable_ideas(strategy: Strategy) -> list[Contribution]:
    """The ideas a project of this strategy may name: its published ideas."""
    return list(
        db.session.scalars(
            select(Contribution)
            .where(
                Contribution.strategy_id == strategy.id,
                Contribution.kind == ContributionKind.IDEA,
                Contribution.state == ModerationState.PUBLISHED,
            )
            .order_by(Contribution.title, Contribution.id)
        )
    )


def selection_kind(idea: Contribution) -> ProjectPriority | None:
    """The category the office selected the idea as in the consolidation (Leitprojekt,
    Potenzialprojekt, Quick Win); a project from the idea starts with it."""
    selection = consolidation.selection_of(idea)
    return ProjectPriority(selection.kind.value) if selection is not None else None


def selection_kinds(ideas: Iterable[Contribution]) -> dict[int, ProjectPriority]:
    """{idea id: category} of the selected ones among `ideas`, in one query."""
    kinds = consolidation.selection_kinds(idea.id for idea in ideas)
    return {idea_id: ProjectPriority(kind.value) for idea_id, kind in kinds.items()}


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


# --- checking what was entered -----------------------------------------------------------------


def _quarter(year, quarter, which: str) -> tuple[int, int]:
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        raise RoadmapError(
            _l("Please enter a year between %(min)d and %(max)d.", min=YEAR_MIN, max=YEAR_MAX),
            f"{which}_year",
        )
    if quarter not in (1, 2, 3, 4):
        raise RoadmapError(_l("Please choose a quarter."), f"{which}_quarter")
    return year, quarter


def _checked(strategy: Strategy, data: ProjectData) -> dict:
    """The values to store, or a RoadmapError naming the field that is wrong."""
    title = " ".join((data.title or "").split())
    if not title:
        raise RoadmapError(_l("Please enter a title."), "title")
    if len(title) > TITLE_MAX:
        raise RoadmapError(
            _l("The title may have at most %(max)d characters.", max=TITLE_MAX), "title"
        )
    description = (data.description_md or "").replace("\r\n", "\n").strip()
    if len(description) > DESCRIPTION_MAX:
        raise RoadmapError(
            _l("The description may have at most %(max)d characters.", max=DESCRIPTION_MAX),
            "description_md",
        )
    try:
        priority = ProjectPriority(data.priority)
    except ValueError as error:
        raise RoadmapError(_l("Please choose a priority."), "priority") from error
    try:
        status = ProjectStatus(data.status)
    except ValueError as error:
        raise RoadmapError(_l("Please choose a status."), "status") from error
    start = _quarter(data.start_year, data.start_quarter, "start")
    end = _quarter(data.end_year, data.end_quarter, "end")
    if end < start:
        raise RoadmapError(_l("The end cannot be before the start."), "end_year")
    field_key = data.field_key or None
    if field_key is not None and field_key not in {n.section.key for n in field_nodes(strategy)}:
        raise RoadmapError(_l("Please choose one of the fields of action."), "field_key")
    department_id = data.department_id or None
    if department_id is not None and db.session.get(Department, department_id) is None:
        raise RoadmapError(_l("Please choose one of the departments."), "department_id")
    return {
        "title": title,
        "description_md": description,
        "description_html": render_contribution(description).html,
        "field_key": field_key,
        "department_id": department_id,
        "priority": priority,
        "status": status,
        "start_year": start[0],
        "start_quarter": start[1],
        "end_year": end[0],
        "end_quarter": end[1],
        "is_public": bool(data.is_public),
        "ideas": _ideas(strategy, data.idea_ids),
    }


def _ideas(strategy: Strategy, idea_ids: Iterable[int]) -> list[Contribution]:
    """Only published ideas of the same strategy can be linked."""
    wanted = sorted({int(i) for i in idea_ids or ()})
    if not wanted:
        return []
    found = db.session.scalars(
        select(Contribution).where(
            Contribution.id.in_(wanted),
            Contribution.strategy_id == strategy.id,
            Contribution.kind == ContributionKind.IDEA,
            Contribution.state == ModerationState.PUBLISHED,
        )
    ).all()
    if len(found) != len(wanted):
        missing = sorted(set(wanted) - {idea.id for idea in found})
        raise RoadmapError(
            _l(
                "Only published ideas of this strategy can be linked (not: %(ids)s).",
                ids=", ".join(str(i) for i in missing),
            ),
            "idea_ids",
        )
    return sorted(found, key=lambda idea: idea.id)


def _snapshot(project: RoadmapProject) -> dict:
    values = {name: getattr(project, name) for name in TRACKED}
    values["priority"] = ProjectPriority(values["priority"]).value
    values["idea_ids"] = sorted(idea.id for idea in project.ideas)
    return values


# --- changing ----------------------------------------------------------------------------------


def create_project(
    strategy: Strategy,
    data: ProjectData,
    *,
    actor,
    source_idea: Contribution | None = None,
) -> RoadmapProject:
    values = _checked(strategy, data)
    if source_idea is not None and source_idea.strategy_id != strategy.id:
        raise RoadmapError(_l("The idea belongs to another strategy."))
    now = utcnow()
    project = RoadmapProject(
        strategy_id=strategy.id,
        source_idea_id=source_idea.id if source_idea is not None else None,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        updated_at=now,
        **values,
    )
    db.session.add(project)
    db.session.flush()
    record(CREATED, project, actor, after={**_snapshot(project), "status": project.status.value})
    db.session.flush()
    return project


def update_project(
    project: RoadmapProject, data: ProjectData, *, actor, expected_revision: int | None
) -> RoadmapProject:
    """Save the office's changes. `expected_revision` is the revision the form was opened
    with: when someone else has saved meanwhile, nothing is overwritten."""
    strategy = db.session.get(Strategy, project.strategy_id)
    values = _checked(strategy, data)
    current = db.session.execute(
        select(RoadmapProject.revision).where(RoadmapProject.id == project.id).with_for_update()
    ).scalar_one()
    if expected_revision is None or current != expected_revision:
        raise _conflict()
    before, old_status = _snapshot(project), project.status
    for name, value in values.items():
        setattr(project, name, value)
    after = _snapshot(project)
    if before == after and old_status is project.status:
        return project
    project.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError as error:
        raise _conflict() from error
    changed = [name for name in after if before[name] != after[name]]
    if changed:
        record(
            UPDATED,
            project,
            actor,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    if old_status is not project.status:
        record(
            STATUS_CHANGED,
            project,
            actor,
            before={"status": old_status.value},
            after={"status": project.status.value},
        )
        tell_status_changed(project, actor=actor)
    db.session.flush()
    return project


def _conflict() -> RoadmapError:
    return RoadmapError(
        _l(
            "Someone else has saved this project meanwhile, so your changes have not been "
            "saved. The form still shows what you entered: compare it with the current "
            "version and save again to replace it."
        )
    )


# --- telling people ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Told:
    recipient: notifications.Recipient
    kind: Kind
    idea: Contribution
    follow_id: int | None = None


def _concerned(project: RoadmapProject) -> list[_Told]:
    """The authors of the published linked ideas, then the followers of their threads;
    each person once (the first entry counts, so an author is told as the author)."""
    ideas = [i for i in project.ideas if i.state is ModerationState.PUBLISHED]
    entries: list[_Told] = []
    for idea in ideas:
        author = notifications.author_of(idea)
        if author is not None:
            entries.append(_Told(author, Kind.OWN_CONTRIBUTIONS, idea))
    for idea in ideas:
        for follower in notifications.thread_followers(idea.id):
            entries.append(_Told(follower.recipient, follower.kind, idea, follower.follow_id))
    seen: set[str] = set()
    unique = []
    for entry in entries:
        if entry.recipient.key not in seen:
            seen.add(entry.recipient.key)
            unique.append(entry)
    return unique


def tell_status_changed(project: RoadmapProject, *, actor) -> None:
    """The new status of a public project goes to the authors and followers of its linked
    ideas, in each one's language and as each one chose for the kind; nobody twice, and
    never the moderator who changed it."""
    if not project.is_public:
        return
    strategy = db.session.get(Strategy, project.strategy_id)
    label = STATUS_LABELS[project.status]
    url = tokens.external_url("roadmap.project", slug=strategy.slug, project_id=project.id)
    for entry in _concerned(project):
        extra = {}
        if entry.follow_id is not None:
            extra["unfollow_url"] = tokens.external_url(
                "notifications.unfollow_by_link",
                token=tokens.make_token(notifications.UNFOLLOW, {"f": entry.follow_id}),
            )
        notifications.notify(
            entry.recipient,
            entry.kind,
            _l(
                "Roadmap project “%(project)s”: %(status)s",
                project=project.title,
                status=label,
            ),
            "roadmap_status_changed",
            url=url,
            actor=actor,
            excerpt=project.description_md[:EXCERPT],
            detail=label,
            project=project.title,
            status=label,
            idea_title=entry.idea.title,
            as_author=entry.kind is Kind.OWN_CONTRIBUTIONS,
            strategy=strategy.title,
            **extra,
        )


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    date: datetime
    status: ProjectStatus


def status_history(project: RoadmapProject) -> list[HistoryEntry]:
    """The public history, oldest first: the status the project was created with and each
    change, with dates only (never who changed it)."""
    rows = db.session.execute(
        select(Event.created_at, Event.after)
        .where(
            Event.subject_type == RoadmapProject.__tablename__,
            Event.subject_id == project.id,
            Event.action.in_((CREATED, STATUS_CHANGED)),
        )
        .order_by(Event.created_at, Event.id)
    ).all()
    return [
        HistoryEntry(created_at, ProjectStatus(after["status"]))
        for created_at, after in rows
        if after and after.get("status") in {s.value for s in ProjectStatus}
    ]


@dataclass(frozen=True)
class Filters:
    field_key: str | None = None
    department_id: int | None = None


def projects(strategy: Strategy, filters: Filters = Filters(), *, public_only: bool = True):
    """The strategy's projects in timeline order (start, end, title)."""
    query = select(RoadmapProject).where(RoadmapProject.strategy_id == strategy.id)
    if public_only:
        query = query.where(RoadmapProject.is_public.is_(True))
    if filters.field_key:
        query = query.where(RoadmapProject.field_key == filters.field_key)
    if filters.department_id:
        query = query.where(RoadmapProject.department_id == filters.department_id)
    query = query.order_by(
        RoadmapProject.start_year,
        RoadmapProject.start_quarter,
        RoadmapProject.end_year,
        RoadmapProject.end_quarter,
        RoadmapProject.title,
        RoadmapProject.id,
    )
    return list(db.session.scalars(query))


def public_project(strategy: Strategy, project_id: int) -> RoadmapProject | None:
    project = db.session.get(RoadmapProject, project_id)
    if project is None or project.strategy_id != strategy.id or not project.is_public:
        return None
    return project


def public_ideas(project: RoadmapProject) -> list[Contribution]:
    """The linked ideas the public can read (an idea hidden later drops out)."""
    return [idea for idea in project.ideas if idea.state is ModerationState.PUBLISHED]


def projects_of_idea(idea_id: int, *, public_only: bool = True) -> list[RoadmapProject]:
    query = (
        select(RoadmapProject)
        .join(project_ideas, project_ideas.c.project_id == RoadmapProject.id)
        .where(project_ideas.c.contribution_id == idea_id)
        .order_by(RoadmapProject.start_year, RoadmapProject.start_quarter, RoadmapProject.id)
    )
    if public_only:
        query = query.where(RoadmapProject.is_public.is_(True))
    return list(db.session.scalars(query))


def has_public_projects(strategy_id: int) -> bool:
    return (
        db.session.scalar(
            select(RoadmapProject.id)
            .where(RoadmapProject.strategy_id == strategy_id, RoadmapProject.is_public.is_(True))
            .limit(1)
        )
        is not None
    )


def timeline(items: list[RoadmapProject]) -> list[tuple[tuple[int, int], list[RoadmapProject]]]:
    """The projects grouped by the quarter they start in, in order."""
    groups: dict[tuple[int, int], list[RoadmapProject]] = {}
    for project in items:
        groups.setdefault((project.start_year, project.start_quarter), []).append(project)
    return sorted(groups.items())
