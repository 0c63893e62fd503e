"""Taking part in a section's discussion: posting comments and replies, editing,
withdrawing, guest links, permalinks and the complete discussion of a section.

Views parse the form, call one service, commit once and redirect to the contribution's
permalink (POST/redirect/GET); on any refusal the form is shown again with the typed text.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from participation.database import utcnow
from participation.discussion import display, queries, services
from participation.discussion.form_cache import cached_blank_form
from participation.discussion.forms import CommentForm, ConfirmForm, EditForm, ReplyForm
from participation.discussion.limits import posting_limits
from participation.discussion.models import Contribution, ContributionKind, ModerationState
from participation.discussion.section_page import (
    needs_version_links,
    paragraphs_of,
    section_url,
    version_links,
)
from participation.errors import render_error
from participation.extensions import db
from participation.permissions import public
from participation.strategies import labels
from participation.strategies import queries as strategy_queries
from participation.strategies.models import Phase, Strategy
from participation.strategies.views import moment

bp = Blueprint("discussion", __name__)
# The posting-form macro (templates/discussion/_form.html) takes blank forms from this cache.
bp.add_app_template_global(cached_blank_form, "cached_blank_form")


@bp.context_processor
def _helpers():
    # The section page is also rendered from here (a refused comment), so it needs the
    # same helpers as the strategies blueprint.
    return {"labels": labels, "moment": moment, "Phase": Phase}


HONEYPOT_MESSAGE = _l("Your contribution could not be sent. Please check your entries.")


# --- helpers -------------------------------------------------------------------------------


def _user():
    """The user model (not the proxy) for the services, or None for guests."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def _current_section(slug: str, key: str):
    found = strategy_queries.current_section(slug, key)
    if found is None:
        abort(404)
    return found


def _visible_or_404(contribution_id: int) -> Contribution:
    """The contribution if this reader may see it (published, own, or a placeholder)."""
    contribution = db.session.scalars(
        select(Contribution).where(
            Contribution.id == contribution_id,
            queries.visible(display.viewer_id(), display.guest_ids()),
        )
    ).first()
    if contribution is None:
        abort(404)
    return contribution


def _guest(form) -> services.Guest | None:
    if current_user.is_authenticated:
        return None
    email = (form.guest_email.data or "").strip().lower()
    return services.Guest(
        name=form.guest_name.data or "",
        email=email,
        consent=bool(form.guest_consent.data),
        verified=email in display.verified_emails(),
    )


def _honeypot_filled(form) -> bool:
    return bool((form.website.data or "").strip())


def _published_message(strategy: Strategy, contribution: Contribution) -> str:
    if contribution.state is ModerationState.UNCONFIRMED:
        return gettext(
            "We have sent you an e-mail. Please open the link in it to confirm your address; "
            "only then does your contribution go on."
        )
    if contribution.state is ModerationState.PENDING:
        if strategy.review_hours:
            return gettext(
                "Thank you! Your contribution will be published after review "
                "(review hours: %(hours)s).",
                hours=strategy.review_hours,
            )
        return gettext("Thank you! Your contribution will be published after review.")
    return gettext("Thank you! Your contribution has been published.")


def _after_post(strategy: Strategy, contribution: Contribution):
    db.session.commit()
    if contribution.author_id is None:
        display.remember_guest_contribution(contribution.id)
    flash(_published_message(strategy, contribution), "success")
    return redirect(url_for(".permalink", id=contribution.id))


def _post(form, action):
    """Validate, refuse a filled honeypot, run the service; the contribution or None."""
    if not form.validate():
        return None
    if _honeypot_filled(form):
        form.add_error(None, HONEYPOT_MESSAGE)
        return None
    try:
        return action()
    except services.ContributionError as error:
        db.session.rollback()
        form.add_error(error.field, error.message)
        return None


def _ideas_url(strategy: Strategy, idea_id: int | None = None, marked: int | None = None):
    base = f"{request.script_root}/strategien/{strategy.slug}/ideen"
    if idea_id is None:
        return base
    url = f"{base}/{idea_id}"
    return f"{url}?markiert={marked}#beitrag-{marked}" if marked else url


def _thread_url(contribution: Contribution) -> str:
    """Where a contribution's thread is read, without needing the contribution itself."""
    strategy = db.session.get(Strategy, contribution.strategy_id)
    if contribution.kind is ContributionKind.IDEA:
        return _ideas_url(strategy)
    if contribution.section_key is None:
        return _ideas_url(strategy, contribution.root_id)
    root = db.session.get(Contribution, contribution.root_id)
    if root.kind is ContributionKind.IDEA:
        return _ideas_url(strategy, root.id)
    return url_for("strategies.section", slug=strategy.slug, key=contribution.section_key) + (
        "#diskussion"
    )


# --- posting -------------------------------------------------------------------------------


@bp.post("/strategien/<slug>/<key>/kommentare")
@public
@posting_limits
def comment(slug: str, key: str):
    from participation.strategies.views import render_section

    strategy, latest, section = _current_section(slug, key)
    form = CommentForm()
    if not current_user.is_authenticated:
        form.for_guest()
    anchor = form.absatz.data or None
    contribution = _post(
        form,
        lambda: services.post_comment(
            strategy,
            section,
            version=latest,
            author=_user(),
            guest=_guest(form),
            body_md=form.body_md.data,
            paragraph_anchor=anchor,
        ),
    )
    if contribution is not None:
        return _after_post(strategy, contribution)
    if anchor not in section.anchors:
        anchor = None
    return render_section(strategy, latest, latest, key, comment_form=form, anchor=anchor)


@bp.route("/beitraege/<int:id>/antworten", methods=["GET", "POST"])
@public
@posting_limits
def reply(id: int):
    parent = _visible_or_404(id)
    strategy = db.session.get(Strategy, parent.strategy_id)
    form = ReplyForm()
    if not current_user.is_authenticated:
        form.for_guest()
    may_post = services.may_post(strategy, current_user)
    if request.method == "POST":
        contribution = _post(
            form,
            lambda: services.post_reply(
                parent, author=_user(), guest=_guest(form), body_md=form.body_md.data
            ),
        )
        if contribution is not None:
            return _after_post(strategy, contribution)
    return render_template(
        "discussion/reply.html",
        strategy=strategy,
        parent=parent,
        form=form,
        may_post=may_post,
        phase=strategy.phase_at(utcnow()),
        published=parent.state is ModerationState.PUBLISHED,
        back_url=url_for(".permalink", id=parent.id),
        when=display.local_time_formatter(),
    )


# --- editing and withdrawing ---------------------------------------------------------------


@bp.route("/beitraege/<int:id>/bearbeiten", methods=["GET", "POST"])
@public
def edit(id: int):
    contribution = _visible_or_404(id)
    user, guest_ids = _user(), display.guest_ids()
    if not services.can_edit(contribution, user, guest_ids):
        return render_error(
            403,
            _l("Editing is not possible"),
            _l(
                "Only the author can edit a contribution, and only within 15 minutes of "
                "posting. You can still withdraw your own contribution."
            ),
        )
    is_idea = contribution.kind is ContributionKind.IDEA
    if request.method == "GET":
        form = EditForm(
            formdata=None,
            body_md=contribution.body_md,
            title=contribution.title,
            revision=contribution.revision,
        )
    else:
        form = EditForm()
        if form.validate():
            try:
                services.edit(
                    contribution,
                    user=user,
                    guest_ids=guest_ids,
                    body_md=form.body_md.data,
                    title=form.title.data if is_idea else None,
                    expected_revision=form.revision.data,
                )
                db.session.commit()
            except services.ContributionError as error:
                db.session.rollback()
                form.add_error(error.field, error.message)
            except StaleDataError:
                db.session.rollback()
                form.add_error(
                    None, _l("This contribution was changed meanwhile. Please check it.")
                )
            else:
                flash(gettext("Your changes have been saved."), "success")
                return redirect(url_for(".permalink", id=contribution.id))
        contribution = db.session.get(Contribution, id, populate_existing=True)
        form.revision.data = contribution.revision
    return render_template(
        "discussion/edit.html",
        contribution=contribution,
        form=form,
        is_idea=is_idea,
        deadline=contribution.created_at + services.EDIT_WINDOW,
        when=display.local_time_formatter(),
    )


def _withdraw_page(contribution, action_url, form, cancel_url):
    return render_template(
        "discussion/withdraw.html",
        contribution=contribution,
        form=form,
        action_url=action_url,
        cancel_url=cancel_url,
        when=display.local_time_formatter(),
    )


@bp.route("/beitraege/<int:id>/zurueckziehen", methods=["GET", "POST"])
@public
def withdraw(id: int):
    contribution = _visible_or_404(id)
    user, guest_ids = _user(), display.guest_ids()
    if not services.can_withdraw(contribution, user, guest_ids):
        return render_error(
            403,
            _l("Withdrawing is not possible"),
            _l("Only the author can withdraw this contribution."),
        )
    form = ConfirmForm()
    if form.validate_on_submit():
        target = _thread_url(contribution)
        services.withdraw(contribution, user=user, guest_ids=guest_ids)
        db.session.commit()
        flash(gettext("Your contribution has been withdrawn."), "success")
        return redirect(target)
    return _withdraw_page(
        contribution, url_for(".withdraw", id=id), form, url_for(".permalink", id=id)
    )


# --- guest links ---------------------------------------------------------------------------


def _link_failed(error: services.ContributionError):
    return render_template("discussion/link_failed.html", message=error.message), 400


@bp.route("/beitraege/bestaetigen/<token>", methods=["GET", "POST"])
@public
def guest_confirm(token: str):
    """The link shows a button; only the POST confirms. Mail scanners that open every link
    in a message must not confirm a contribution that someone wrote under another's address."""
    try:
        contribution = services.contribution_for_guest_token(token)
    except services.ContributionError as error:
        return _link_failed(error)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "discussion/confirm.html",
            contribution=contribution,
            form=form,
            when=display.local_time_formatter(),
        )
    contribution = services.confirm_guest(token)
    db.session.commit()
    display.remember_verified_email(contribution.guest_email)
    if contribution.state is ModerationState.WITHDRAWN:
        flash(gettext("This contribution was withdrawn and will not be published."), "info")
        return redirect(_thread_url(contribution))
    display.remember_guest_contribution(contribution.id)
    strategy = db.session.get(Strategy, contribution.strategy_id)
    message = gettext("Thank you, your e-mail address is confirmed.")
    flash(f"{message} {_published_message(strategy, contribution)}", "success")
    return redirect(url_for(".permalink", id=contribution.id))


@bp.route("/beitraege/zurueckziehen/<token>", methods=["GET", "POST"])
@public
def guest_withdraw(token: str):
    try:
        contribution = services.contribution_for_guest_token(token)
    except services.ContributionError as error:
        return _link_failed(error)
    if contribution.state is ModerationState.WITHDRAWN:
        return render_template("discussion/withdrawn.html", contribution=contribution)
    form = ConfirmForm()
    if form.validate_on_submit():
        target = _thread_url(contribution)
        services.withdraw(contribution, user=None, guest_ids=frozenset({contribution.id}))
        db.session.commit()
        flash(gettext("Your contribution has been withdrawn."), "success")
        return redirect(target)
    return _withdraw_page(
        contribution,
        url_for(".guest_withdraw", token=token),
        form,
        _thread_url(contribution),
    )


# --- reading -------------------------------------------------------------------------------


@bp.get("/beitraege/<int:id>")
@public
def permalink(id: int):
    """The page of the contribution's thread, with the contribution marked."""
    contribution = _visible_or_404(id)
    strategy = db.session.get(Strategy, contribution.strategy_id)
    root = (
        contribution
        if contribution.root_id == contribution.id
        else db.session.get(Contribution, contribution.root_id)
    )
    if root.kind is ContributionKind.IDEA:
        return redirect(_ideas_url(strategy, root.id, marked=id))
    page = queries.page_of_root(contribution, display.viewer_id(), display.guest_ids())
    args = {"seite": page} if page > 1 else {}
    url = url_for("strategies.section", slug=strategy.slug, key=contribution.section_key, **args)
    separator = "&" if args else "?"
    return redirect(f"{url}{separator}markiert={id}#beitrag-{id}")


@bp.get("/strategien/<slug>/<key>/diskussion")
@public
def full_discussion(slug: str, key: str):
    """Every thread of a section on one page, for reading through or printing."""
    from participation.strategies.views import section_place

    strategy, latest, section = _current_section(slug, key)
    place = section_place(latest, key)
    # Only the paragraph numbers are needed here, not their comment counts.
    paragraphs = paragraphs_of(section, {})
    thread_page = queries.section_threads(
        strategy.id,
        section.key,
        viewer_id=display.viewer_id(),
        guest_ids=display.guest_ids(),
        per_page=None,
    )
    url = section_url(strategy, latest, latest, key)
    ctx = display.thread_context(
        can_reply=services.may_post(strategy, current_user),
        marked=display.marked_id(request.args.get("markiert")),
        heading_level=2,
        paragraphs={p.anchor: p.number for p in paragraphs},
        paragraph_href=url,
        version_links=version_links(strategy, key, latest)
        if needs_version_links(thread_page.threads, {p.anchor for p in paragraphs})
        else None,
    )
    return render_template(
        "discussion/full.html",
        strategy=strategy,
        section=section,
        place=place,
        thread_page=thread_page,
        ctx=ctx,
        section_url=url,
    )
