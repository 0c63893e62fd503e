"""Workshops (blueprint `workshops`): the public list and page of a strategy's published
workshops with their published results, and the moderation's pages to manage them under
`/moderation/workshops`."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from participation.discussion.idea_labels import STATUS_LABELS
from participation.discussion.models import ModerationState
from participation.extensions import db
from participation.permissions import can_moderate, public, requires
from participation.strategies import queries as strategy_queries
from participation.strategies.models import Strategy
from participation.workshops import services
from participation.workshops.forms import FORMAT_LABELS, ConfirmForm, WorkshopForm
from participation.workshops.models import Workshop

bp = Blueprint("workshops", __name__)


@bp.context_processor
def _helpers():
    return {
        "FORMAT_LABELS": FORMAT_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        "ModerationState": ModerationState,
    }


def _published_strategy(slug: str) -> Strategy:
    strategy = strategy_queries.published_strategy(slug)
    if strategy is None:
        abort(404)
    return strategy


def _workshop(workshop_id: int) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        abort(404)
    return workshop


def _section_links(strategy: Strategy) -> dict[str, str]:
    return services.field_of_action_keys(strategy)


# --- public --------------------------------------------------------------------------------


@bp.get("/strategien/<slug>/workshops")
@public
def index(slug: str):
    strategy = _published_strategy(slug)
    workshops = services.workshops_of(strategy, published_only=True)
    return render_template(
        "workshops/index.html",
        strategy=strategy,
        workshops=workshops,
        results=services.published_results([w.id for w in workshops]),
        fields=_section_links(strategy),
    )


@bp.get("/strategien/<slug>/workshops/<int:workshop_id>")
@public
def show(slug: str, workshop_id: int):
    strategy = _published_strategy(slug)
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or workshop.strategy_id != strategy.id or not workshop.published:
        abort(404)
    return render_template(
        "workshops/show.html",
        strategy=strategy,
        workshop=workshop,
        results=services.published_results([workshop.id])[workshop.id],
        fields=_section_links(strategy),
    )


# --- moderation ----------------------------------------------------------------------------


@bp.get("/moderation/workshops/<slug>")
@requires(can_moderate)
def manage(slug: str):
    strategy = _published_strategy(slug)
    return render_template(
        "workshops/manage.html",
        strategy=strategy,
        workshops=services.workshops_of(strategy, published_only=False),
        counts=services.result_counts(strategy),
        fields=_section_links(strategy),
    )


def _form(strategy: Strategy, workshop: Workshop | None = None) -> WorkshopForm:
    fields = _section_links(strategy)
    if workshop is not None and workshop.section_key and workshop.section_key not in fields:
        # A field of action the current version no longer has: kept until changed.
        fields = {**fields, workshop.section_key: workshop.section_key}
    return WorkshopForm(fields, obj=workshop)


def _show_error(form: WorkshopForm, error: services.WorkshopError) -> None:
    if error.field:
        form.add_error(error.field, error.message)
    else:
        flash(str(error.message), "error")


@bp.route("/moderation/workshops/<slug>/neu", methods=["GET", "POST"])
@requires(can_moderate)
def new(slug: str):
    strategy = _published_strategy(slug)
    form = _form(strategy)
    if form.validate_on_submit():
        try:
            workshop = services.create_workshop(strategy, form.data_input(), actor=current_user)
        except services.WorkshopError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(gettext("The workshop “%(title)s” was saved.", title=workshop.title), "success")
            return redirect(url_for("workshops.edit", workshop_id=workshop.id))
    return render_template("workshops/form.html", form=form, strategy=strategy, workshop=None)


@bp.route("/moderation/workshop/<int:workshop_id>", methods=["GET", "POST"])
@requires(can_moderate)
def edit(workshop_id: int):
    workshop = _workshop(workshop_id)
    strategy = db.session.get(Strategy, workshop.strategy_id)
    form = _form(strategy, workshop)
    if form.validate_on_submit():
        try:
            services.update_workshop(
                workshop,
                form.data_input(),
                actor=current_user,
                expected_revision=form.revision.data,
            )
            db.session.commit()
        except services.WorkshopError as error:
            db.session.rollback()
            _show_error(form, error)
        except StaleDataError:
            db.session.rollback()
            flash(
                gettext(
                    "Someone else changed this workshop meanwhile. Please check it and save again."
                ),
                "error",
            )
            return redirect(url_for("workshops.edit", workshop_id=workshop_id))
        else:
            flash(gettext("The workshop “%(title)s” was saved.", title=workshop.title), "success")
            return redirect(url_for("workshops.edit", workshop_id=workshop.id))
    elif not form.is_submitted():
        form.revision.data = workshop.revision
    results = services.published_results([workshop.id])[workshop.id]
    return render_template(
        "workshops/form.html",
        form=form,
        strategy=strategy,
        workshop=workshop,
        result_count=services.result_count(workshop),
        published_count=len(results),
        action_form=ConfirmForm(),
    )


@bp.post("/moderation/workshop/<int:workshop_id>/loeschen")
@requires(can_moderate)
def delete(workshop_id: int):
    workshop = _workshop(workshop_id)
    strategy = db.session.get(Strategy, workshop.strategy_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    title = workshop.title
    try:
        services.delete_workshop(workshop, actor=current_user)
    except services.WorkshopError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("workshops.edit", workshop_id=workshop_id))
    db.session.commit()
    flash(gettext("The workshop “%(title)s” was deleted.", title=title), "success")
    return redirect(url_for("workshops.manage", slug=strategy.slug))
