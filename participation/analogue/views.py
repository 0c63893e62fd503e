"""Entering letters, calls, e-mails, visits and workshop results on a citizen's behalf
(blueprint `analogue` under `/moderation/eingang`). The contribution then waits in the
moderation queue like an online one."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from participation.analogue import labels, services
from participation.analogue.forms import WHOLE_STRATEGY, EntryForm
from participation.discussion.models import ContributionKind
from participation.discussion.services import ContributionError
from participation.extensions import db
from participation.permissions import can_moderate, requires
from participation.strategies import queries as strategy_queries
from participation.strategies.models import SectionKind
from participation.workshops.models import Workshop

bp = Blueprint("analogue", __name__)


@bp.app_template_global("channel_note")
def channel_note(contribution) -> str:
    """ "received by letter on 12 Nov 2026" for a contribution that did not come in online."""
    workshop = contribution.workshop if contribution.workshop_id is not None else None
    return labels.channel_note(
        contribution.channel, contribution.received_on, workshop.title if workshop else None
    )


def _strategy_and_version(slug: str):
    found = strategy_queries.published_with_latest(slug)
    if found is None:
        abort(404)
    return found


def targets(version) -> list[tuple[str, str]]:
    """The choices of the target select: the strategy as a whole, then every section in
    reading order, fields of action marked as such."""
    choices = [(WHOLE_STRATEGY, gettext("The strategy as a whole (ideas only)"))]
    for node in strategy_queries.reading_order(strategy_queries.section_tree(version)):
        label = f"{node.number} {node.section.title}"
        if node.section.kind is SectionKind.FIELD_OF_ACTION:
            label = gettext("%(section)s (field of action)", section=label)
        choices.append((node.section.key, label))
    return choices


@bp.get("/eingang")
@requires(can_moderate)
def index():
    return render_template(
        "analogue/index.html", strategies=strategy_queries.published_strategies()
    )


@bp.route("/eingang/<slug>", methods=["GET", "POST"])
@requires(can_moderate)
def enter(slug: str):
    strategy, version = _strategy_and_version(slug)
    workshop = None
    workshop_id = request.args.get("workshop", type=int)
    if workshop_id is not None:
        workshop = db.session.get(Workshop, workshop_id)
        if workshop is None or workshop.strategy_id != strategy.id:
            abort(404)
    form = EntryForm(targets(version), workshop=workshop)
    if request.method == "GET":
        if workshop is not None:
            form.received_on.data = workshop.ends_on or workshop.held_on
            form.kind.data = ContributionKind.IDEA.value
            form.target.data = workshop.section_key or WHOLE_STRATEGY
        else:
            form.received_on.data = services.local_today()
    if form.validate_on_submit():
        section = None
        if form.target.data:
            section = strategy_queries.section_by_key(version, form.target.data)
        try:
            contribution = services.enter_contribution(
                strategy,
                actor=current_user,
                channel=form.channel.data if "channel" in form else None,
                received_on=form.received_on.data,
                kind=form.kind.data,
                title=form.title.data,
                body_md=form.body_md.data,
                section=section,
                name=form.name.data,
                name_consent=form.name_consent.data,
                email=form.email.data,
                email_consent=form.email_consent.data,
                workshop=workshop,
            )
        except ContributionError as error:
            db.session.rollback()
            form.add_error(error.field, error.message)
        else:
            db.session.commit()
            flash(
                gettext(
                    "The contribution was entered and waits in the moderation queue "
                    "(number %(id)d).",
                    id=contribution.id,
                ),
                "success",
            )
            if request.form.get("weiter"):
                # "Save and enter another": the same form again, for a pile of letters or a
                # workshop's list of results.
                return redirect(request.full_path.rstrip("?"))
            return redirect(url_for("moderation.detail", id=contribution.id))
    return render_template(
        "analogue/enter.html",
        form=form,
        strategy=strategy,
        workshop=workshop,
        earliest=services.earliest_received(strategy),
        today=services.local_today(),
    )
