"""Reports, internal notes and thread locks over HTTP (blueprint `moderation_extra`).

Readers report at `/beitraege/<id>/melden`; the office adds notes, locks and unlocks threads
and reads the open reports under `/moderation/...`. The queue and its decisions live in the
`moderation` blueprint; its detail page `/moderation/beitraege/<id>` is where the staff
actions here send the moderator back to.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import InputRequired

from participation.discussion import display, queries
from participation.discussion.models import Contribution, ModerationState
from participation.extensions import db, limiter
from participation.moderation import locks, notes, reports
from participation.moderation.models import NOTE_MAX, REPORT_TEXT_MAX
from participation.navigation import safe_next
from participation.permissions import can_moderate, login_required, requires

bp = Blueprint("moderation_extra", __name__)

REPORT_LIMIT = "10 per hour"


class ReportForm(FlaskForm):
    reason = RadioField(
        _l("Why are you reporting this contribution?"),
        validators=[InputRequired(_l("Please choose a reason."))],
    )
    text = TextAreaField(_l("Explanation"), render_kw={"maxlength": REPORT_TEXT_MAX, "rows": 4})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = reports.reason_choices()


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"), render_kw={"maxlength": NOTE_MAX})
    next = HiddenField()


class StaffActionForm(FlaskForm):
    next = HiddenField()


def _user():
    return current_user._get_current_object()


def _report_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr


def _detail_url(contribution_id: int) -> str:
    """The queue's detail page (the `moderation` blueprint), or a safe `next` from the form."""
    target = request.form.get("next")
    default = f"{request.script_root}/moderation/beitraege/{contribution_id}"
    destination = safe_next(target) if target else default
    return destination if target and destination == target else default


def _after_report_url(contribution: Contribution) -> str:
    from participation.discussion.views import _thread_url

    if contribution.state is ModerationState.PUBLISHED:
        return f"{request.script_root}/beitraege/{contribution.id}"
    return _thread_url(contribution)


# --- readers --------------------------------------------------------------------------------


@bp.route("/beitraege/<int:id>/melden", methods=["GET", "POST"])
@login_required
@limiter.limit(REPORT_LIMIT, key_func=_report_key, methods=["POST"])
def report(id: int):
    contribution = db.session.scalars(
        select(Contribution).where(
            Contribution.id == id, queries.visible(display.viewer_id(), display.guest_ids())
        )
    ).first()
    if contribution is None:
        abort(404)
    user = _user()
    own = contribution.author_id == user.id
    already = not own and reports.has_reported(contribution, user)
    form = ReportForm()
    message = None
    if own:
        message = gettext("You cannot report your own contribution.")
    elif already:
        message = str(reports.ALREADY_REPORTED)
    elif contribution.state is not ModerationState.PUBLISHED:
        message = gettext("Only published contributions can be reported.")
    elif request.method == "POST" and form.validate():
        try:
            reports.report(
                contribution, reporter=user, reason=form.reason.data, text=form.text.data
            )
        except reports.ReportError as error:
            db.session.rollback()
            if error.field in ("reason", "text"):
                form[error.field].errors.append(str(error.message))
            else:
                message = str(error.message)
        else:
            db.session.commit()
            flash(
                gettext(
                    "Thank you for your report. The moderation will look at the contribution; "
                    "your name is not shown publicly."
                ),
                "success",
            )
            return redirect(_after_report_url(contribution))
    return render_template(
        "moderation/reports/report.html",
        contribution=contribution,
        form=form,
        message=message,
        text_max=REPORT_TEXT_MAX,
        back_url=f"{request.script_root}/beitraege/{contribution.id}",
        when=display.local_time_formatter(),
    )


# --- the office -----------------------------------------------------------------------------


def _contribution_or_404(id: int) -> Contribution:
    contribution = db.session.get(Contribution, id)
    if contribution is None:
        abort(404)
    return contribution


@bp.post("/moderation/beitraege/<int:id>/notizen")
@requires(can_moderate)
def add_note(id: int):
    contribution = _contribution_or_404(id)
    form = NoteForm()
    form.validate()
    try:
        notes.add_note(contribution, actor=_user(), body=form.body.data)
    except notes.NoteError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(gettext("The internal note has been saved."), "success")
    return redirect(_detail_url(id))


def _lock_action(id: int, locking: bool):
    contribution = _contribution_or_404(id)
    StaffActionForm().validate()
    root = locks.thread_root(contribution)
    try:
        changed = (locks.lock if locking else locks.unlock)(root, actor=_user())
    except locks.LockError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(_detail_url(id))
    db.session.commit()
    if locking:
        text = (
            gettext("The discussion is now closed for new replies.")
            if changed
            else gettext("The discussion was already closed.")
        )
    else:
        text = (
            gettext("The discussion is open for replies again.")
            if changed
            else gettext("The discussion was not closed.")
        )
    flash(text, "success" if changed else "info")
    return redirect(_detail_url(id))


@bp.post("/moderation/beitraege/<int:id>/sperren")
@requires(can_moderate)
def lock(id: int):
    return _lock_action(id, True)


@bp.post("/moderation/beitraege/<int:id>/entsperren")
@requires(can_moderate)
def unlock(id: int):
    return _lock_action(id, False)


@bp.get("/moderation/meldungen")
@requires(can_moderate)
def open_reports():
    return render_template(
        "moderation/reports/open.html",
        items=reports.reported_items(),
        reason_label=reports.reason_label,
        when=display.local_time_formatter(),
    )
