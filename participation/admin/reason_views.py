"""Administration of the netiquette reasons (`/verwaltung/netiquette-gruende`), on the
administration blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user

from participation.admin import reasons as services
from participation.admin.forms import ConfirmForm, NewReasonForm, ReasonForm
from participation.admin.views import bp
from participation.extensions import db
from participation.moderation.models import NetiquetteReason
from participation.permissions import is_admin, requires

# The form field for each direction of the move buttons, in the URL-language of the site.
DIRECTIONS = {"hoch": "up", "runter": "down"}


def _load(reason_id: int) -> NetiquetteReason:
    reason = db.session.get(NetiquetteReason, reason_id)
    if reason is None:
        abort(404)
    return reason


def _show_error(form, error: services.ReasonError) -> None:
    target = form[error.field] if form is not None and error.field in form else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        flash(str(error.message), "error")


def _label(reason: NetiquetteReason) -> str:
    locale = get_locale()
    return reason.label_en if locale is not None and locale.language == "en" else reason.label_de


def _list_url(reason_id: int | None = None) -> str:
    url = url_for("admin.reasons")
    return f"{url}#grund-{reason_id}" if reason_id else url


@bp.get("/netiquette-gruende")
@requires(is_admin)
def reasons():
    return render_template(
        "admin/reasons.html", rows=services.reasons_with_counts(), action_form=ConfirmForm()
    )


@bp.route("/netiquette-gruende/neu", methods=["GET", "POST"])
@requires(is_admin)
def new_reason():
    form = NewReasonForm()
    if form.validate_on_submit():
        try:
            reason = services.create_reason(
                key=form.key.data,
                label_de=form.label_de.data,
                label_en=form.label_en.data,
                explanation_de=form.explanation_de.data,
                explanation_en=form.explanation_en.data,
                actor=current_user,
            )
        except services.ReasonError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(gettext("The reason “%(label)s” was added.", label=_label(reason)), "success")
            return redirect(_list_url(reason.id))
    return render_template("admin/reason_form.html", form=form, reason=None)


@bp.route("/netiquette-gruende/<int:reason_id>", methods=["GET", "POST"])
@requires(is_admin)
def edit_reason(reason_id: int):
    reason = _load(reason_id)
    form = ReasonForm(obj=reason)
    if form.validate_on_submit():
        try:
            services.update_reason(
                reason,
                label_de=form.label_de.data,
                label_en=form.label_en.data,
                explanation_de=form.explanation_de.data,
                explanation_en=form.explanation_en.data,
                actor=current_user,
            )
        except services.ReasonError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(gettext("The reason “%(label)s” was saved.", label=_label(reason)), "success")
            return redirect(_list_url(reason.id))
    return render_template(
        "admin/reason_form.html",
        form=form,
        reason=reason,
        times_used=services.times_used(reason),
        action_form=ConfirmForm(),
    )


@bp.post("/netiquette-gruende/<int:reason_id>/verschieben")
@requires(is_admin)
def move_reason(reason_id: int):
    reason = _load(reason_id)
    direction = DIRECTIONS.get(request.form.get("richtung", ""))
    if ConfirmForm().validate_on_submit():
        if direction is None:
            flash(gettext("Please use the buttons to move a reason."), "error")
        else:
            try:
                services.move_reason(reason, direction, actor=current_user)
            except services.ReasonError as error:
                db.session.rollback()
                _show_error(None, error)
            else:
                db.session.commit()
    return redirect(_list_url(reason_id))


def _set_active(reason_id: int, active: bool):
    reason = _load(reason_id)
    if ConfirmForm().validate_on_submit():
        try:
            changed = services.set_active(reason, active, actor=current_user)
        except services.ReasonError as error:
            db.session.rollback()
            _show_error(None, error)
        else:
            db.session.commit()
            if changed and active:
                message = gettext(
                    "The reason “%(label)s” is offered to moderators again.",
                    label=_label(reason),
                )
                flash(message, "success")
            elif changed:
                message = gettext(
                    "The reason “%(label)s” is no longer offered to moderators; earlier "
                    "decisions keep showing it.",
                    label=_label(reason),
                )
                flash(message, "success")
    return redirect(_list_url(reason_id))


@bp.post("/netiquette-gruende/<int:reason_id>/deaktivieren")
@requires(is_admin)
def deactivate_reason(reason_id: int):
    return _set_active(reason_id, False)


@bp.post("/netiquette-gruende/<int:reason_id>/aktivieren")
@requires(is_admin)
def reactivate_reason(reason_id: int):
    return _set_active(reason_id, True)


@bp.post("/netiquette-gruende/<int:reason_id>/loeschen")
@requires(is_admin)
def delete_reason(reason_id: int):
    reason = _load(reason_id)
    if ConfirmForm().validate_on_submit():
        label = _label(reason)
        try:
            services.delete_reason(reason, actor=current_user)
        except services.ReasonError as error:
            db.session.rollback()
            _show_error(None, error)
            return redirect(url_for("admin.edit_reason", reason_id=reason_id))
        db.session.commit()
        flash(gettext("The reason “%(label)s” was deleted.", label=label), "success")
    return redirect(url_for("admin.reasons"))
