"""The moderation queue and its decisions (`/moderation`), and the author's revision of a
rejected contribution (`/beitraege/<id>/ueberarbeiten` with an account,
`/beitraege/ueberarbeiten/<token>` with the link a guest got by mail)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from participation.discussion.display import remember_guest_contribution
from participation.discussion.models import (
    Contribution,
    ContributionKind,
    ContributionRevision,
    ModerationState,
)
from participation.discussion.services import ContributionError, ancestor_ids
from participation.errors import render_error
from participation.extensions import db
from participation.moderation import queue, queue_render, services
from participation.moderation.forms import (
    ACTION_LABELS,
    KIND_LABELS,
    QUEUE_STATE_LABELS,
    BulkDecisionForm,
    DecisionForm,
    QueueFilterForm,
    ReviseForm,
)
from participation.moderation.labels import (
    netiquette_reason,
    rejection_choices,
    rejection_label,
    state_label,
)
from participation.moderation.locks import is_locked
from participation.moderation.notes import notes_for
from participation.navigation import safe_next
from participation.permissions import can_moderate, login_required, public, requires
from participation.strategies.models import Strategy

bp = Blueprint("moderation", __name__)
revision_bp = Blueprint("revision", __name__)

THREAD_CHILDREN = 20


def _back(value: str | None) -> str:
    """Back to the queue with its filters; only paths inside the queue are accepted."""
    target = safe_next(value, "moderation.index") if value else url_for("moderation.index")
    if not target.startswith(url_for("moderation.index")):
        return url_for("moderation.index")
    return target


def _template_context():
    return {
        "action_labels": ACTION_LABELS,
        "kind_labels": KIND_LABELS,
        "queue_state_labels": QUEUE_STATE_LABELS,
        "state_label": state_label,
        "rejection_label": rejection_label,
        "allowed_actions": services.allowed_actions,
        "reason_form": DecisionForm(formdata=None),
        "queue_context": queue_render.render_context,
    }


# The strategies to filter by; built once (SQLAlchemy keys a new statement on each use).
_STRATEGIES = select(Strategy.id, Strategy.title).order_by(Strategy.title)


@bp.get("/")
@requires(can_moderate)
def index():
    form = QueueFilterForm(request.args)
    strategies = tuple(db.session.execute(_STRATEGIES))
    form.set_strategies(strategies)
    filters = form.filters()
    page = queue.queue_page(filters, after=request.args.get("nach"))
    args = request.args.to_dict()
    args.pop("nach", None)
    next_url = url_for(".index", **args, nach=page.next_cursor) if page.next_cursor else None
    first_url = url_for(".index", **args) if request.args.get("nach") else None
    here = request.full_path.rstrip("?")
    # The reasons (read once for the page) only for a page with items to decide on.
    reasons = tuple(rejection_choices()) if page.items else ()
    return render_template(
        "moderation/index.html",
        page=page,
        # The forms' markup is kept by what it depends on; the items' is written in Python.
        filters=queue_render.fragment(
            "moderation/_queue_filters.html",
            (strategies, tuple((f.name, tuple(f.raw_data or ())) for f in form)),
            lambda: {"form": form},
        ),
        bulk_fields=queue_render.fragment(
            "moderation/_queue_bulk_fields.html",
            (reasons,),
            lambda: {"bulk": BulkDecisionForm(formdata=None)},
        )
        if page.items
        else "",
        items=queue_render.render_items(page.items, back=here, reasons=reasons),
        next_url=next_url,
        first_url=first_url,
        here=here,
        total=queue.request_queue_count(),
    )


@bp.get("/beitraege/<int:id>")
@requires(can_moderate)
def detail(id: int):
    contribution = db.session.get(Contribution, id) or abort(404)
    item = queue._with_context([contribution])[0]
    above_ids = ancestor_ids(contribution)
    ancestors = (
        list(
            db.session.scalars(
                select(Contribution)
                .where(Contribution.id.in_(above_ids))
                .order_by(Contribution.path)
            ).unique()
        )
        if above_ids
        else []
    )
    children = list(
        db.session.scalars(
            select(Contribution)
            .where(Contribution.parent_id == contribution.id)
            .order_by(Contribution.created_at, Contribution.id)
            .limit(THREAD_CHILDREN)
        ).unique()
    )
    revisions = db.session.scalars(
        select(ContributionRevision)
        .where(ContributionRevision.contribution_id == contribution.id)
        .order_by(ContributionRevision.created_at.desc(), ContributionRevision.id.desc())
    ).all()
    form = DecisionForm(
        formdata=None,
        state=contribution.state.value,
        revision=contribution.revision,
        back=_back(request.args.get("zurueck")),
    )
    return render_template(
        "moderation/detail.html",
        item=item,
        contribution=contribution,
        ancestors=ancestors,
        children=children,
        revisions=revisions,
        form=form,
        back=_back(request.args.get("zurueck")),
        notes=notes_for(contribution),
        locked=is_locked(contribution),
        **_template_context(),
    )


def _refused(message) -> None:
    flash(str(message), "error")


@bp.post("/beitraege/<int:id>/entscheiden")
@requires(can_moderate)
def decide(id: int):
    contribution = db.session.get(Contribution, id) or abort(404)
    form = DecisionForm()
    back = _back(form.back.data)
    detail_url = url_for(".detail", id=id, zurueck=back)
    if not form.validate() or not form.state.data:
        _refused(gettext("The decision could not be read. Please try again."))
        return redirect(detail_url)
    action = services.Action(form.action.data)
    try:
        services.decide(
            contribution,
            action,
            actor=current_user,
            expected_state=form.state.data,
            expected_revision=form.revision.data,
            reason=form.reason.data or None,
            note=form.note.data,
        )
        db.session.commit()
    except (services.ModerationError, StaleDataError) as error:
        db.session.rollback()
        _refused(getattr(error, "message", None) or gettext("Please look at it again."))
        return redirect(detail_url)
    flash(
        gettext(
            "Contribution %(id)d: %(decision)s.",
            id=id,
            decision=str(ACTION_LABELS[action]),
        ),
        "success",
    )
    # Keyboard and screen reader users start at the confirmation, one link (the queue's skip
    # link) away from the contributions, instead of at the top of the page.
    return redirect(back + "#meldungen")


@bp.post("/entscheiden")
@requires(can_moderate)
def decide_many():
    form = BulkDecisionForm()
    back = _back(form.back.data)
    expected = form.expected()
    if not form.validate() or not expected:
        _refused(gettext("Please select at least one contribution and a decision."))
        return redirect(back)
    action = services.Action(form.action.data)
    try:
        result = services.decide_many(
            list(expected),
            action,
            actor=current_user,
            reason=form.reason.data or None,
            expected=expected,
        )
        db.session.commit()
    except services.ModerationError as error:
        db.session.rollback()
        _refused(error.message)
        return redirect(back)
    if result.done:
        flash(
            ngettext(
                "%(num)d contribution: %(decision)s.",
                "%(num)d contributions: %(decision)s.",
                len(result.done),
                decision=str(ACTION_LABELS[action]),
            ),
            "success",
        )
    for contribution_id, message in result.refused.items():
        _refused(
            gettext(
                "Contribution %(id)d was not changed: %(reason)s",
                id=contribution_id,
                reason=message,
            )
        )
    return redirect(back + "#meldungen")


# --- the author revises a rejected contribution --------------------------------------------


def _revise_page(contribution: Contribution, *, user, guest_ids, action_url: str):
    """The revise form (GET) and saving it (POST), for an account holder or a guest."""
    is_idea = contribution.kind is ContributionKind.IDEA
    if request.method == "GET":
        form = ReviseForm(formdata=None, body_md=contribution.body_md, title=contribution.title)
    else:
        form = ReviseForm()
        if form.validate():
            try:
                services.revise(
                    contribution,
                    user=user,
                    guest_ids=guest_ids,
                    body_md=form.body_md.data,
                    title=form.title.data if is_idea else None,
                )
                db.session.commit()
            except ContributionError as error:
                db.session.rollback()
                form.add_error(error.field, error.message)
            except StaleDataError:
                # The same form sent twice, or a moderator decided meanwhile.
                db.session.rollback()
                flash(gettext("This contribution was changed meanwhile. Please check it."), "error")
                return redirect(url_for("discussion.permalink", id=contribution.id))
            else:
                flash(
                    gettext(
                        "Thank you. Your revised contribution will be published once the "
                        "moderation has checked it."
                    ),
                    "success",
                )
                return redirect(url_for("discussion.permalink", id=contribution.id))
    reason = netiquette_reason(contribution.rejection_reason)
    return render_template(
        "moderation/revise.html",
        form=form,
        contribution=contribution,
        is_idea=is_idea,
        reason=rejection_label(contribution.rejection_reason),
        explanation=reason.explanation if reason else "",
        action_url=action_url,
    )


@revision_bp.route("/beitraege/<int:id>/ueberarbeiten", methods=["GET", "POST"])
@login_required
def revise(id: int):
    contribution = db.session.get(Contribution, id) or abort(404)
    if not services.is_own(contribution, current_user):
        return render_error(
            403,
            _l("Revising is not possible"),
            _l("Only the author can revise a contribution."),
        )
    if not services.can_revise(contribution, current_user):
        return redirect(url_for("discussion.permalink", id=id))
    return _revise_page(
        contribution,
        user=current_user._get_current_object(),
        guest_ids=frozenset(),
        action_url=url_for("revision.revise", id=id),
    )


@revision_bp.route("/beitraege/ueberarbeiten/<token>", methods=["GET", "POST"])
@public
def revise_as_guest(token: str):
    """A guest's way back to a rejected contribution: the signed link from the rejection
    mail. Opening it changes nothing; only sending the form does, and after that the link
    no longer works."""
    try:
        contribution = services.contribution_for_revise_token(token)
    except ContributionError as error:
        return render_template("moderation/revise_link_failed.html", message=error.message), 400
    response = _revise_page(
        contribution,
        user=None,
        guest_ids=frozenset({contribution.id}),
        action_url=url_for("revision.revise_as_guest", token=token),
    )
    if contribution.state is not ModerationState.REJECTED:
        # Sent to moderation: let the guest see it, pending, on the page of the thread.
        remember_guest_contribution(contribution.id)
    return response


@bp.app_context_processor
def _queue_count():
    """The count next to the queue link: one query, and only for moderators."""

    def moderation_queue_count() -> int | None:
        if not can_moderate(current_user):
            return None
        return queue.request_queue_count()

    return {"moderation_queue_count": moderation_queue_count}
