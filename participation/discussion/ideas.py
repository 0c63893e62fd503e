"""The ideas of a strategy: the list with filters, sorting and search, the form for a new
idea, the idea page with its replies, and supporting an idea.

Supporting one's own idea is allowed: a support says "I want this", and the author may
say so like anyone else; it is never added automatically, and each account counts once.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from participation.discussion import display, services
from participation.discussion.forms import ReplyForm
from participation.discussion.idea_forms import IdeaFilterForm, IdeaForm, SupportForm
from participation.discussion.idea_labels import CHANNEL_LABELS, STATUS_BADGES, STATUS_LABELS
from participation.discussion.idea_queries import (
    fields_of_action,
    idea_page,
    idea_replies,
    visible_idea,
)
from participation.discussion.limits import posting_limits
from participation.discussion.models import Contribution, ContributionKind, ModerationState
from participation.discussion.queries import PLACEHOLDER_STATES
from participation.discussion.services import ContributionError, Guest
from participation.extensions import db, limiter
from participation.navigation import current_path, safe_next
from participation.permissions import login_required, public
from participation.strategies import queries as strategy_queries
from participation.strategies.labels import MODERATION_NOTES
from participation.strategies.models import Strategy

bp = Blueprint("ideas", __name__)

SUPPORT_LIMIT = "60 per 10 minutes"


@bp.context_processor
def _helpers():
    return {
        "STATUS_LABELS": STATUS_LABELS,
        "STATUS_BADGES": STATUS_BADGES,
        "CHANNEL_LABELS": CHANNEL_LABELS,
        "ModerationState": ModerationState,
    }


def _strategy_and_version(slug: str):
    strategy = strategy_queries.published_strategy(slug)
    if strategy is None:
        abort(404)
    version = strategy_queries.latest_version(strategy)
    if version is None:
        abort(404)
    return strategy, version


def _page_number() -> int:
    return request.args.get("seite", default=1, type=int) or 1


@bp.get("/strategien/<slug>/ideen")
@public
def index(slug: str):
    strategy, version = _strategy_and_version(slug)
    fields = fields_of_action(version)
    form = IdeaFilterForm(fields, formdata=request.args)
    filters, ignored = form.filters()
    result = idea_page(
        strategy.id,
        filters,
        page=_page_number(),
        viewer=current_user,
        guest_ids=display.guest_ids(),
    )
    # The filters as they apply, for the page links (defaults left out).
    params = {
        name: form[name].data
        for name in ("handlungsfeld", "status", "kanal", "auswahl", "suche")
        if form[name].data
    }
    if filters.sort != form.sortierung.choices[0][0]:
        params["sortierung"] = filters.sort
    return render_template(
        "ideas/index.html",
        strategy=strategy,
        form=form,
        ignored=ignored,
        result=result,
        filtered=form.is_filtered(),
        fields={node.section.key: node for node in fields},
        params=params,
        may_post=services.may_post(strategy, current_user),
        here=current_path(),
    )


def _submitted_flash(idea: Contribution, email: str | None) -> None:
    if idea.state is ModerationState.UNCONFIRMED:
        flash(
            gettext(
                "Almost done: we have sent an e-mail to %(email)s. Please open the link in it "
                "to confirm your idea; only then does it go on to be published.",
                email=email,
            ),
            "info",
        )
    elif idea.state is ModerationState.PENDING:
        flash(
            gettext(
                "Thank you for your idea! It will be published as soon as the moderation "
                "team has checked it."
            ),
            "success",
        )
    else:
        flash(gettext("Thank you for your idea! It is now published."), "success")


@bp.route("/strategien/<slug>/ideen/neu", methods=["GET", "POST"])
@public
@posting_limits
def new(slug: str):
    strategy, version = _strategy_and_version(slug)
    fields = fields_of_action(version)
    guest = not current_user.is_authenticated
    form = IdeaForm(fields)
    if guest:
        form.for_guest()
    may_post = services.may_post(strategy, current_user)
    status = 200
    if request.method == "POST":
        status = 400
        if not may_post:
            status = 403
        elif form.validate_on_submit():
            if form.website.data:
                # The honeypot: people do not see the field, bots fill it in.
                form.website.data = ""
                form.add_error(None, gettext("Your idea could not be sent. Please try again."))
            else:
                idea = _post(strategy, form, fields, guest)
                if idea is not None:
                    return redirect(url_for(".show", slug=strategy.slug, id=idea.id))
    return render_template(
        "ideas/new.html",
        strategy=strategy,
        form=form,
        may_post=may_post,
        has_fields=bool(fields),
        moderation_note=MODERATION_NOTES[strategy.moderation_mode],
    ), status


def _post(strategy: Strategy, form: IdeaForm, fields, guest: bool) -> Contribution | None:
    sections = {node.section.key: node.section for node in fields}
    guest_data = None
    if guest:
        email = (form.guest_email.data or "").strip().lower()
        guest_data = Guest(
            name=form.guest_name.data or "",
            email=email,
            consent=bool(form.guest_consent.data),
            verified=email in display.verified_emails(),
        )
    try:
        idea = services.post_idea(
            strategy,
            author=None if guest else current_user._get_current_object(),
            guest=guest_data,
            title=form.title.data,
            body_md=form.body_md.data,
            field_of_action=sections.get(form.field_of_action.data or ""),
        )
    except ContributionError as error:
        db.session.rollback()
        form.add_error(error.field, error.message)
        return None
    db.session.commit()
    if guest:
        display.remember_guest_contribution(idea.id)
    _submitted_flash(idea, guest_data.email if guest_data else None)
    return idea


@bp.get("/strategien/<slug>/ideen/<int:id>")
@public
def show(slug: str, id: int):
    strategy, version = _strategy_and_version(slug)
    ctx = display.thread_context(
        can_reply=services.may_post(strategy, current_user),
        marked=display.marked_id(request.args.get("markiert")),
        heading_level=2,
    )
    idea = visible_idea(strategy.id, id, ctx.viewer_id, ctx.guest_ids)
    if idea is None:
        abort(404)
    field = strategy_queries.section_by_key(version, idea.section_key) if idea.section_key else None
    published = idea.state is ModerationState.PUBLISHED
    if idea.locked_at is not None and not ctx.is_moderator:
        ctx.can_reply = False  # a locked discussion takes no replies from citizens
    reply_form = None
    if published and ctx.can_reply:
        reply_form = ReplyForm(formdata=None)
        if not current_user.is_authenticated:
            reply_form.for_guest()
    return render_template(
        "ideas/show.html",
        strategy=strategy,
        idea=idea,
        field_section=field,
        replies=idea_replies(idea, ctx.viewer_id, ctx.guest_ids),
        ctx=ctx,
        placeholder=idea.state in PLACEHOLDER_STATES,
        supported=published and idea.id in services.supported_ids(current_user, [idea.id]),
        own=services.can_withdraw(idea, current_user, ctx.guest_ids),
        may_edit=services.can_edit(idea, current_user, ctx.guest_ids),
        reply_form=reply_form,
        here=current_path(),
    )


def _support_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr


@bp.route("/beitraege/<int:id>/unterstuetzen", methods=["GET", "POST"])
@login_required
@limiter.limit(SUPPORT_LIMIT, key_func=_support_key, methods=["POST"])
def support(id: int):
    """POST toggles the support. A GET (e.g. after logging in from an expired session)
    leads to the idea page, where the button is."""
    idea = db.session.get(Contribution, id)
    if idea is None or idea.kind is not ContributionKind.IDEA:
        abort(404)
    visible = visible_idea(idea.strategy_id, idea.id, current_user.id, display.guest_ids())
    if visible is None:
        abort(404)
    strategy = db.session.get(Strategy, idea.strategy_id)
    idea_url = url_for(".show", slug=strategy.slug, id=idea.id)
    if request.method == "GET":
        return redirect(idea_url)
    form = SupportForm()
    form.validate()
    try:
        supported = services.toggle_support(idea, current_user._get_current_object())
    except ContributionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        if supported:
            flash(gettext("You support this idea."), "success")
        else:
            flash(gettext("Your support has been withdrawn."), "success")
    target = form.next.data
    destination = safe_next(target)
    return redirect(destination if target and destination == target else idea_url)
