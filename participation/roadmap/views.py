"""The public roadmap of a strategy (blueprint `roadmap`: timeline, list, a page per project)
and the office's side (blueprint `roadmap_office` under `/moderation/roadmap`: the projects of
a strategy, creating one directly or from an idea, editing)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select

from participation.discussion.models import Contribution, ContributionKind, ModerationState
from participation.extensions import db
from participation.permissions import can_manage_roadmap, public, requires
from participation.roadmap import (
    export,  # noqa: F401  (registers the open-data dataset)
    services,
)
from participation.roadmap.forms import (
    VIEW_LIST,
    VIEW_TIMELINE,
    FilterForm,
    ProjectForm,
    int_or_none,
)
from participation.roadmap.labels import (
    PRIORITY_LABELS,
    STATUS_BADGES,
    STATUS_LABELS,
    quarter_label,
    time_frame,
)
from participation.roadmap.models import ProjectStatus, RoadmapProject
from participation.strategies import queries as strategy_queries
from participation.strategies.models import Strategy

bp = Blueprint("roadmap", __name__)
office_bp = Blueprint("roadmap_office", __name__)


def _helpers():
    return {
        "ROADMAP_PRIORITY_LABELS": PRIORITY_LABELS,
        "ROADMAP_STATUS_LABELS": STATUS_LABELS,
        "ROADMAP_STATUS_BADGES": STATUS_BADGES,
        "roadmap_quarter": quarter_label,
        "roadmap_time_frame": time_frame,
        "idea_roadmap_projects": services.projects_of_idea,
        "roadmap_has_projects": services.has_public_projects,
        "roadmap_from_idea_url": _from_idea_url,
    }


def _from_idea_url(idea: Contribution) -> str | None:
    """Where the office starts a project from an idea the consolidation selected."""
    if idea.kind is not ContributionKind.IDEA or idea.state is not ModerationState.PUBLISHED:
        return None
    if services.selection_kind(idea) is None:
        return None
    slug = db.session.scalar(select(Strategy.slug).where(Strategy.id == idea.strategy_id))
    return url_for("roadmap_office.new", slug=slug, idee=idea.id)


bp.app_context_processor(_helpers)


def _fields_by_key(strategy: Strategy) -> dict:
    return {node.section.key: node for node in services.field_nodes(strategy)}


# --- public ------------------------------------------------------------------------------------


def _published_strategy(slug: str) -> Strategy:
    strategy = strategy_queries.published_strategy(slug)
    if strategy is None:
        abort(404)
    return strategy


@bp.get("/strategien/<slug>/roadmap")
@public
def index(slug: str):
    strategy = _published_strategy(slug)
    fields = services.field_nodes(strategy)
    everything = services.projects(strategy)
    # Only departments that answer for a public project are offered as a filter.
    used = {p.department_id for p in everything if p.department_id is not None}
    departments = [d for d in services.departments() if d.id in used]
    form = FilterForm(formdata=request.args, fields=fields, departments=departments)
    field_key, department_id, view = form.values()
    filters = services.Filters(field_key=field_key, department_id=department_id)
    shown = services.projects(strategy, filters) if (field_key or department_id) else everything
    params = {
        name: value
        for name, value in (("handlungsfeld", field_key), ("amt", department_id))
        if value
    }
    return render_template(
        "roadmap/index.html",
        strategy=strategy,
        form=form,
        view=view,
        projects=shown,
        total=len(everything),
        groups=services.timeline(shown) if view == VIEW_TIMELINE else [],
        fields=_fields_by_key(strategy),
        filtered=bool(params),
        params=params,
        VIEW_LIST=VIEW_LIST,
        VIEW_TIMELINE=VIEW_TIMELINE,
    )


@bp.get("/strategien/<slug>/roadmap/<int:project_id>")
@public
def project(slug: str, project_id: int):
    strategy = _published_strategy(slug)
    found = services.public_project(strategy, project_id)
    if found is None:
        abort(404)
    return render_template(
        "roadmap/project.html",
        strategy=strategy,
        project=found,
        ideas=services.public_ideas(found),
        history=services.status_history(found),
        fields=_fields_by_key(strategy),
    )


# --- the office --------------------------------------------------------------------------------


def _strategy(slug: str) -> Strategy:
    strategy = db.session.scalar(select(Strategy).where(Strategy.slug == slug))
    if strategy is None:
        abort(404)
    return strategy


@office_bp.get("/")
@requires(can_manage_roadmap)
def overview():
    counts = dict(
        db.session.execute(
            select(RoadmapProject.strategy_id, func.count(RoadmapProject.id)).group_by(
                RoadmapProject.strategy_id
            )
        ).all()
    )
    strategies = db.session.scalars(select(Strategy).order_by(Strategy.title)).all()
    return render_template("roadmap/office_index.html", strategies=strategies, counts=counts)


@office_bp.get("/<slug>")
@requires(can_manage_roadmap)
def projects(slug: str):
    strategy = _strategy(slug)
    return render_template(
        "roadmap/office_projects.html",
        strategy=strategy,
        projects=services.projects(strategy, public_only=False),
        fields=_fields_by_key(strategy),
    )


def _form(strategy: Strategy, formdata=None, **kwargs) -> ProjectForm:
    return ProjectForm(
        formdata=formdata,
        fields=services.field_nodes(strategy),
        departments=services.departments(),
        ideas=services.linkable_ideas(strategy),
        **kwargs,
    )


def _selected(strategy: Strategy) -> dict:
    """{idea id: category} of the strategy's ideas selected in the consolidation."""
    return services.selection_kinds(services.linkable_ideas(strategy))


def _data(form: ProjectForm) -> services.ProjectData:
    return services.ProjectData(
        title=form.title.data or "",
        description_md=form.description_md.data or "",
        field_key=form.field_key.data or None,
        department_id=int_or_none(form.department_id.data),
        priority=form.priority.data or "",
        status=form.status.data or "",
        start_year=int_or_none(form.start_year.data),
        start_quarter=int_or_none(form.start_quarter.data),
        end_year=int_or_none(form.end_year.data),
        end_quarter=int_or_none(form.end_quarter.data),
        is_public=bool(form.is_public.data),
        idea_ids=list(form.idea_ids.data or []),
    )


def _source_idea(strategy: Strategy) -> Contribution | None:
    """The idea named by `?idee=`: a published idea of this strategy that the consolidation
    selected as a project, or a 404."""
    idea_id = request.values.get("idee", type=int)
    if idea_id is None:
        return None
    idea = db.session.get(Contribution, idea_id)
    if (
        idea is None
        or idea.strategy_id != strategy.id
        or idea.kind is not ContributionKind.IDEA
        or idea.state is not ModerationState.PUBLISHED
        or services.selection_kind(idea) is None
    ):
        abort(404)
    return idea


def _prefill(form: ProjectForm, strategy: Strategy, idea: Contribution | None) -> None:
    form.status.data = ProjectStatus.PLANNED.value
    if idea is None:
        return
    form.title.data = idea.title
    form.description_md.data = idea.body_md
    if idea.section_key in _fields_by_key(strategy):
        form.field_key.data = idea.section_key
    form.idea_ids.data = [idea.id]
    form.priority.data = services.selection_kind(idea).value


@office_bp.route("/<slug>/neu", methods=["GET", "POST"])
@requires(can_manage_roadmap)
def new(slug: str):
    strategy = _strategy(slug)
    idea = _source_idea(strategy)
    status = 200
    if request.method == "POST":
        form = _form(strategy, formdata=request.form)
        status = 400
        if form.validate_on_submit():
            try:
                created = services.create_project(
                    strategy, _data(form), actor=current_user, source_idea=idea
                )
            except services.RoadmapError as error:
                db.session.rollback()
                form.add_error(error.field, error.message)
            else:
                db.session.commit()
                flash(gettext("The project has been created."), "success")
                return redirect(url_for(".edit", project_id=created.id))
    else:
        form = _form(strategy)
        _prefill(form, strategy, idea)
    return render_template(
        "roadmap/form.html",
        strategy=strategy,
        form=form,
        selected=_selected(strategy),
        project=None,
        source_idea=idea,
        history=[],
    ), status


@office_bp.route("/projekte/<int:project_id>", methods=["GET", "POST"])
@requires(can_manage_roadmap)
def edit(project_id: int):
    project = db.session.get(RoadmapProject, project_id)
    if project is None:
        abort(404)
    strategy = db.session.get(Strategy, project.strategy_id)
    status = 200
    if request.method == "POST":
        form = _form(strategy, formdata=request.form)
        status = 400
        if form.validate_on_submit():
            try:
                services.update_project(
                    project,
                    _data(form),
                    actor=current_user,
                    expected_revision=int_or_none(form.revision.data),
                )
            except services.RoadmapError as error:
                db.session.rollback()
                project = db.session.get(RoadmapProject, project_id)
                if error.field is None:
                    # Saving again now replaces the other version: the moderator has seen
                    # the message and decides.
                    status = 409
                    form.revision.data = str(project.revision)
                form.add_error(error.field, error.message)
            else:
                db.session.commit()
                flash(gettext("The project has been saved."), "success")
                return redirect(url_for(".edit", project_id=project.id))
    else:
        form = _form(strategy, obj=project)
        form.priority.data = project.priority.value
        form.status.data = project.status.value
        form.department_id.data = str(project.department_id or "")
        form.start_quarter.data = str(project.start_quarter)
        form.end_quarter.data = str(project.end_quarter)
        form.start_year.data = str(project.start_year)
        form.end_year.data = str(project.end_year)
        form.idea_ids.data = [idea.id for idea in project.ideas]
        form.revision.data = str(project.revision)
    return render_template(
        "roadmap/form.html",
        strategy=strategy,
        form=form,
        selected=_selected(strategy),
        project=project,
        source_idea=db.session.get(Contribution, project.source_idea_id)
        if project.source_idea_id
        else None,
        history=services.status_history(project),
    ), status
