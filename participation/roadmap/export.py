"""The roadmap as open data: the dataset "roadmap" of participation.opendata (one row per
public project of a published strategy), with codes rather than translated words, so that the
data reads the same in every language."""

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from participation.extensions import db
from participation.opendata.contributions import DATE_TIME, INTEGER, STRING, iso, nullable
from participation.opendata.registry import Dataset, Field, register
from participation.roadmap import services
from participation.roadmap.models import ProjectPriority, ProjectStatus, RoadmapProject
from participation.strategies.models import Strategy

NAME = "roadmap"

NULLABLE_STRING = nullable(STRING)
QUARTER = {"type": "integer", "minimum": 1, "maximum": 4}

FIELDS: tuple[Field, ...] = (
    Field("id", _l("Number of the project"), INTEGER),
    Field("url", _l("Address of the project on this site"), {**STRING, "format": "uri"}),
    Field("strategy", _l("Short name (slug) of the strategy"), STRING),
    Field("title", _l("Title of the project"), STRING),
    Field("description", _l("Description (Markdown)"), STRING),
    Field(
        "field_of_action_key",
        _l("Key of the field of action (the same in every version)"),
        NULLABLE_STRING,
    ),
    Field("field_of_action", _l("Title of the field of action"), NULLABLE_STRING),
    Field("department", _l("Responsible department"), NULLABLE_STRING),
    Field(
        "priority",
        _l("lead, potential or quick_win"),
        {"type": "string", "enum": [p.value for p in ProjectPriority]},
    ),
    Field(
        "status",
        _l("planned, in_progress, done or paused"),
        {"type": "string", "enum": [s.value for s in ProjectStatus]},
    ),
    Field("start_year", _l("Year of the start"), INTEGER),
    Field("start_quarter", _l("Quarter of the start (1 to 4)"), QUARTER),
    Field("end_year", _l("Year of the end"), INTEGER),
    Field("end_quarter", _l("Quarter of the end (1 to 4)"), QUARTER),
    Field(
        "linked_idea_ids",
        _l("Numbers of the published ideas that went into the project"),
        {"type": "array", "items": INTEGER},
        lambda ids: " ".join(str(i) for i in ids),
    ),
    Field("updated", _l("Date and time of the last change (UTC)"), DATE_TIME),
)


def rows(strategy: Strategy) -> list[dict[str, Any]]:
    """The public projects of `strategy`; linked ideas only as far as they are public."""
    fields = {node.section.key: node.section.title for node in services.field_nodes(strategy)}
    base = current_app.config["BASE_URL"].rstrip("/")
    result = []
    for project in services.projects(strategy):
        key = project.field_key if project.field_key in fields else None
        result.append(
            {
                "id": project.id,
                "url": f"{base}/strategien/{strategy.slug}/roadmap/{project.id}",
                "strategy": strategy.slug,
                "title": project.title,
                "description": project.description_md,
                "field_of_action_key": key,
                "field_of_action": fields.get(key) if key else None,
                "department": project.department.name if project.department else None,
                "priority": project.priority.value,
                "status": project.status.value,
                "start_year": project.start_year,
                "start_quarter": project.start_quarter,
                "end_year": project.end_year,
                "end_quarter": project.end_quarter,
                "linked_idea_ids": [idea.id for idea in services.public_ideas(project)],
                "updated": iso(project.updated_at),
            }
        )
    return result


def all_rows() -> list[dict[str, Any]]:
    from participation.strategies.queries import published_strategies

    return [row for strategy in published_strategies() for row in rows(strategy)]


@register
def roadmap_dataset() -> list[Dataset]:
    """One dataset for the roadmaps of all published strategies, once a project is public."""
    issued, modified = db.session.execute(
        select(func.min(RoadmapProject.created_at), func.max(RoadmapProject.updated_at)).where(
            RoadmapProject.is_public.is_(True)
        )
    ).one()
    if issued is None:
        return []
    return [
        Dataset(
            name=NAME,
            title=_("Roadmap projects"),
            description=_(
                "The public projects that implement the strategies of %(municipality)s: "
                "field of action, responsible department, priority, time frame, status and "
                "the ideas from the participation that went into each.",
                municipality=current_app.config["MUNICIPALITY_NAME"],
            ),
            fields=FIELDS,
            rows=all_rows,
            issued=issued,
            modified=modified,
            keywords=(_("roadmap"), _("digital strategy"), _("projects")),
        )
    ]
