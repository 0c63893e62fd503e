"""The administrators' view of the outbox (`/verwaltung/e-mails`), on the administration
blueprint: what waits, what was given up, what was sent lately, and retrying. Bodies are never
shown: confirmation and password mails carry links with tokens, notifications carry what
people wrote."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from participation.admin.forms import ConfirmForm
from participation.admin.views import bp
from participation.extensions import db
from participation.outbox import services
from participation.outbox.models import OutboxState
from participation.permissions import is_admin, requires

PER_PAGE = 50
STATE_LABELS = {
    OutboxState.PENDING: _l("Waiting"),
    OutboxState.FAILED: _l("Given up"),
    OutboxState.SENT: _l("Sent"),
}


def _state(value: str | None) -> OutboxState:
    try:
        return OutboxState(value or OutboxState.PENDING)
    except ValueError:
        return OutboxState.PENDING


@bp.get("/e-mails")
@requires(is_admin)
def outbox():
    state = _state(request.args.get("state"))
    page = request.args.get("page", 1, type=int)
    pagination = db.paginate(
        services.listing_query(state),
        page=max(page, 1),
        per_page=PER_PAGE,
        error_out=False,
        count=True,
    )
    return render_template(
        "admin/outbox.html",
        state=state,
        states=STATE_LABELS,
        counts=services.counts(),
        pagination=pagination,
        can_retry=services.can_retry,
        form=ConfirmForm(),
    )


@bp.post("/e-mails/<int:message_id>/erneut-senden")
@requires(is_admin)
def outbox_retry(message_id: int):
    state = _state(request.form.get("state"))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            message = services.retry(message_id, actor=current_user)
        except LookupError:
            abort(404)
        except services.OutboxError as error:
            flash(str(error.message), "error")
            return redirect(url_for("admin.outbox", state=state.value))
        # Sending is tried right after this commit; the row tells how that went.
        db.session.commit()
        db.session.refresh(message)
        if message.state is OutboxState.SENT:
            flash(gettext("The message to %(to)s has been sent.", to=message.recipient), "success")
        elif message.state is OutboxState.FAILED:
            flash(
                gettext(
                    "The message to %(to)s could not be sent: %(error)s",
                    to=message.recipient,
                    error=message.last_error,
                ),
                "error",
            )
        else:
            flash(
                gettext(
                    "The message to %(to)s is waiting to be sent (%(error)s).",
                    to=message.recipient,
                    error=message.last_error or gettext("the worker sends it"),
                ),
                "info",
            )
    return redirect(url_for("admin.outbox", state=state.value))


@bp.post("/e-mails/erneut-senden")
@requires(is_admin)
def outbox_retry_all():
    state = _state(request.form.get("state"))
    if state is OutboxState.SENT:
        state = OutboxState.FAILED
    form = ConfirmForm()
    if form.validate_on_submit():
        count = services.retry_all(current_user, state)
        db.session.commit()
        if count:
            flash(
                ngettext(
                    "%(num)d message is being sent again.",
                    "%(num)d messages are being sent again.",
                    count,
                ),
                "success",
            )
        else:
            flash(gettext("There was nothing to send again."), "info")
    return redirect(url_for("admin.outbox", state=state.value))
