"""Following threads and strategies, the notification settings, and the links in the mails
(confirm a guest's follow, stop following, unsubscribe).

Links from mails show a page with a button; only the POST changes something, so that mail
scanners that open every link change nothing. The one exception is the RFC 8058 one-click
unsubscribe address, which mail programs POST to without a page (see
`unsubscribe_one_click`).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from participation.discussion.models import Contribution, ModerationState
from participation.extensions import csrf, db, limiter
from participation.navigation import safe_next
from participation.notifications import services
from participation.notifications.forms import ButtonForm, GuestFollowForm, preferences_form
from participation.notifications.labels import KIND_HINTS
from participation.notifications.models import Delivery, Follow
from participation.notifications.services import NotificationError
from participation.permissions import login_required, public
from participation.strategies import queries as strategy_queries
from participation.strategies.models import Strategy

bp = Blueprint("notifications", __name__)

GUEST_LIMIT = "5 per minute; 20 per hour"


def _me():
    return current_user._get_current_object()


def _link_failed(error: NotificationError):
    return render_template("notifications/link_failed.html", message=error.message), 400


# --- following -------------------------------------------------------------------------------


def _thread_or_404(contribution_id: int) -> services.Target:
    contribution = db.session.get(Contribution, contribution_id)
    if contribution is None or contribution.state is not ModerationState.PUBLISHED:
        abort(404)
    try:
        return services.thread_target(contribution)
    except NotificationError:
        abort(404)


def _strategy(slug: str) -> Strategy | None:
    return db.session.scalars(select(Strategy).where(Strategy.slug == slug)).first()


def _strategy_or_404(slug: str) -> services.Target:
    """Strategies can be followed once a version is published."""
    strategy = _strategy(slug)
    if strategy is None or strategy_queries.latest_version(strategy) is None:
        abort(404)
    return services.strategy_target(strategy)


def _follow_page(target: services.Target, *, action: str, unfollow_action: str):
    user = current_user if current_user.is_authenticated else None
    guest_form = GuestFollowForm()
    if request.method == "POST":
        if user is not None:
            return _follow_as_user(target)
        if (guest_form.website.data or "").strip():
            guest_form.add_error(None, _("Your request could not be sent. Please check it."))
        elif guest_form.validate():
            try:
                services.request_guest_follow(
                    guest_form.email.data,
                    target,
                    locale=str(get_locale()),
                    consent=bool(guest_form.consent.data),
                )
            except NotificationError as error:
                guest_form.add_error(error.field, error.message)
            else:
                db.session.commit()
                return render_template(
                    "notifications/follow_requested.html",
                    target=target,
                    title=services.target_title(target),
                    email=guest_form.email.data.strip().lower(),
                )
    return render_template(
        "notifications/follow.html",
        target=target,
        title=services.target_title(target),
        following=services.is_following(user, target),
        switched_off=user is not None
        and services.preferences_of({"user_id": user.id})[target.kind] is Delivery.NEVER,
        guest_form=guest_form,
        action=action,
        unfollow_action=unfollow_action,
    )


def _follow_as_user(target: services.Target):
    form = ButtonForm()
    if not form.validate():
        abort(400)
    try:
        followed = services.follow(_me(), target)
    except NotificationError as error:
        flash(str(error.message), "warning")
        return redirect(request.path)
    db.session.commit()
    if followed.created:
        message = (
            _("You follow this discussion now.")
            if target.contribution is not None
            else _("You follow this strategy now.")
        )
        if followed.switched_on:
            message += " " + _("E-mails of this kind were switched off; they are on again.")
        flash(message, "success")
    return redirect(safe_next(form.next.data) if form.next.data else _local(target))


def _local(target: services.Target) -> str:
    if target.contribution is not None:
        return url_for("discussion.permalink", id=target.contribution.id)
    return url_for("strategies.overview", slug=target.strategy.slug)


def _unfollow(target: services.Target):
    form = ButtonForm()
    if not form.validate():
        abort(400)
    if services.unfollow(_me(), target):
        db.session.commit()
        flash(
            _("You no longer follow this discussion.")
            if target.contribution is not None
            else _("You no longer follow this strategy."),
            "success",
        )
    return redirect(safe_next(form.next.data) if form.next.data else _local(target))


@bp.route("/beitraege/<int:id>/folgen", methods=["GET", "POST"])
@public
@limiter.limit(GUEST_LIMIT, methods=["POST"], exempt_when=lambda: current_user.is_authenticated)
def follow_thread(id: int):
    target = _thread_or_404(id)
    return _follow_page(
        target,
        action=url_for(".follow_thread", id=target.contribution.id),
        unfollow_action=url_for(".unfollow_thread", id=target.contribution.id),
    )


@bp.post("/beitraege/<int:id>/nicht-mehr-folgen")
@login_required
def unfollow_thread(id: int):
    contribution = db.session.get(Contribution, id)
    if contribution is None:
        abort(404)
    return _unfollow(services.Target(contribution=contribution))


@bp.route("/strategien/<slug>/folgen", methods=["GET", "POST"])
@public
@limiter.limit(GUEST_LIMIT, methods=["POST"], exempt_when=lambda: current_user.is_authenticated)
def follow_strategy(slug: str):
    target = _strategy_or_404(slug)
    return _follow_page(
        target,
        action=url_for(".follow_strategy", slug=slug),
        unfollow_action=url_for(".unfollow_strategy", slug=slug),
    )


@bp.post("/strategien/<slug>/nicht-mehr-folgen")
@login_required
def unfollow_strategy(slug: str):
    strategy = _strategy(slug)
    if strategy is None:
        abort(404)
    return _unfollow(services.Target(strategy=strategy))


@bp.route("/benachrichtigungen/folgen-bestaetigen/<token>", methods=["GET", "POST"])
@public
def confirm_follow(token: str):
    """A guest's link: the page shows a button, only the POST confirms."""
    try:
        row = services.follow_for_confirm_token(token)
    except NotificationError as error:
        return _link_failed(error)
    target = services.target_of(row)
    form = ButtonForm()
    if not form.validate_on_submit():
        return render_template(
            "notifications/confirm_follow.html",
            form=form,
            target=target,
            title=services.target_title(target),
            confirmed=row.confirmed_at is not None,
        )
    services.confirm_guest_follow(token)
    db.session.commit()
    title = services.target_title(target)
    flash(_("Thank you: you will receive e-mails about “%(title)s”.", title=title), "success")
    return redirect(_local(target))


@bp.route("/benachrichtigungen/nicht-mehr-folgen/<token>", methods=["GET", "POST"])
@public
def unfollow_by_link(token: str):
    try:
        row = services.follow_for_unfollow_token(token)
    except NotificationError as error:
        return _link_failed(error)
    if row is None:
        return render_template("notifications/unfollowed.html", title=None)
    target = services.target_of(row)
    title = services.target_title(target)
    form = ButtonForm()
    if form.validate_on_submit():
        services.unfollow_by_token(token)
        db.session.commit()
        return render_template("notifications/unfollowed.html", title=title)
    return render_template(
        "notifications/unfollow.html", form=form, title=title, is_thread=target.contribution
    )


# --- unsubscribing ---------------------------------------------------------------------------


def _unsubscribe_page(token: str, subscription: services.Unsubscription):
    return render_template(
        "notifications/unsubscribe.html",
        subscription=subscription,
        form=ButtonForm(formdata=None),
        action=url_for(".unsubscribe", token=token),
        still_active=subscription.active(),
    )


@bp.route("/benachrichtigungen/abbestellen/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    """The link in the text of every notification: a page with a button."""
    try:
        subscription = services.read_unsubscribe_token(token)
    except NotificationError as error:
        return _link_failed(error)
    form = ButtonForm()
    if not form.validate_on_submit():
        return _unsubscribe_page(token, subscription)
    services.unsubscribe(subscription)
    db.session.commit()
    return render_template("notifications/unsubscribed.html", subscription=subscription)


@bp.route("/benachrichtigungen/abbestellen/<token>/sofort", methods=["GET", "POST"])
@public
# RFC 8058: mail programs POST "List-Unsubscribe=One-Click" to the address in the
# List-Unsubscribe header themselves, from no page of ours, so there is no CSRF token to
# send. The signed token in the address is the proof instead: it names one recipient and
# one kind, and only that recipient received it.
@csrf.exempt
def unsubscribe_one_click(token: str):
    try:
        subscription = services.read_unsubscribe_token(token)
    except NotificationError as error:
        return _link_failed(error)
    if request.method == "GET":
        # A mail program without RFC 8058 opens the address in the browser: ask first.
        return _unsubscribe_page(token, subscription)
    services.unsubscribe(subscription)
    db.session.commit()
    return render_template("notifications/unsubscribed.html", subscription=subscription)


# --- settings --------------------------------------------------------------------------------


@bp.route("/konto/benachrichtigungen", methods=["GET", "POST"])
@login_required
def settings():
    user = _me()
    kinds = services.kinds_for(user)
    current = services.preferences_of({"user_id": user.id})
    form = preferences_form(kinds, current)
    if form.validate_on_submit():
        try:
            services.set_preferences(user, {kind: form[kind.value].data for kind in kinds})
        except NotificationError as error:
            form[error.field].errors = [*form[error.field].errors, error.message]
        else:
            db.session.commit()
            flash(_("Your notification settings have been saved."), "success")
            return redirect(url_for(".settings"))
    return render_template(
        "notifications/settings.html",
        form=form,
        hints=KIND_HINTS,
        follows=services.follows_of(user),
    )


# --- the follow control on other pages -------------------------------------------------------


def follow_state(*, contribution_id: int | None = None, strategy_id: int | None = None) -> bool:
    """For templates: whether the signed-in user follows the thread or the strategy."""
    if not current_user.is_authenticated:
        return False
    condition = (
        Follow.contribution_id == contribution_id
        if contribution_id is not None
        else Follow.strategy_id == strategy_id
    )
    return (
        db.session.scalar(
            select(Follow.id).where(Follow.user_id == current_user.id, condition).limit(1)
        )
        is not None
    )


def register(app) -> None:
    app.jinja_env.globals["follow_state"] = follow_state
