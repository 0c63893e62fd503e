"""The department inbox (`/fachamt`, blueprint `departments`) and the office's side of
forwarding (blueprint `forwarding` under `/moderation`): the form on the moderation detail
page, answers to the departments' questions, sharing statements, and the overview of all
forwardings.

A department member only ever reaches forwardings to their own department; any other id
is a 404, so that not even the existence of another department's item shows.
"""

from types import SimpleNamespace

import click
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from participation.accounts.models import Department
from participation.departments import queries, services
from participation.departments.forms import (
    DepartmentReplyForm,
    ForwardForm,
    MessageForm,
    ShareForm,
    StatementForm,
    WithdrawForm,
)
from participation.departments.labels import (
    OVERDUE_LABEL,
    RECOMMENDATION_LABELS,
    STATE_BADGES,
    STATE_LABELS,
    recommendation_label,
)
from participation.departments.models import Forwarding, ForwardingState
from participation.discussion.idea_labels import STATUS_LABELS
from participation.discussion.models import Contribution
from participation.extensions import db
from participation.moderation.forms import KIND_LABELS
from participation.permissions import (
    can_forward,
    can_moderate,
    can_publish_for_department,
    is_department_member,
    requires,
)

bp = Blueprint("departments", __name__)
office_bp = Blueprint("forwarding", __name__)

VIEW_LABELS = {
    queries.View.OPEN: _l("Open"),
    queries.View.OVERDUE: _l("Overdue"),
    queries.View.ANSWERED: _l("Answered"),
    queries.View.RETURNED: _l("Returned"),
    queries.View.WITHDRAWN: _l("Withdrawn"),
}


@bp.app_context_processor
def _labels():
    """For the macros in templates/departments/_macros.html, also on the moderation pages."""
    return {
        "forwarding_state_labels": STATE_LABELS,
        "forwarding_state_badges": STATE_BADGES,
        "forwarding_overdue_label": OVERDUE_LABEL,
        "recommendation_label": recommendation_label,
    }


def _common():
    return {
        "kind_labels": KIND_LABELS,
        "view_labels": VIEW_LABELS,
        "today": services.local_today(),
    }


def _view(value: str | None, allowed) -> queries.View:
    try:
        view = queries.View(value or queries.View.OPEN)
    except ValueError:
        abort(404)
    if view not in allowed:
        abort(404)
    return view


# --- the department inbox ------------------------------------------------------------------


@bp.get("/")
@requires(is_department_member)
def inbox():
    view = _view(request.args.get("ansicht"), queries.INBOX_VIEWS)
    today = services.local_today()
    department_id = current_user.department_id
    return render_template(
        "departments/inbox.html",
        department=db.session.get(Department, department_id),
        view=view,
        views=queries.INBOX_VIEWS,
        counts=queries.counts(
            today, queries.INBOX_VIEWS, office=False, department_id=department_id
        ),
        listing=queries.list_page(
            view,
            today,
            request.args.get("seite", 1, type=int),
            office=False,
            department_id=department_id,
        ),
        **_common(),
    )


def _own(forwarding_id: int) -> Forwarding:
    forwarding = queries.forwarding_for_member(forwarding_id, current_user)
    if forwarding is None:
        abort(404)
    return forwarding


def _item_page(
    forwarding: Forwarding,
    *,
    statement_form: StatementForm | None = None,
    message_form: MessageForm | None = None,
    reply_form: DepartmentReplyForm | None = None,
    status: int = 200,
):
    contribution = db.session.get(Contribution, forwarding.contribution_id)
    history = queries.history_for_member(forwarding)
    messages = queries.messages_by_forwarding([forwarding.id])[forwarding.id]
    return (
        render_template(
            "departments/item.html",
            forwarding=forwarding,
            contribution=contribution,
            context=queries.item_context(contribution),
            history=history,
            messages=messages,
            statement_form=statement_form or StatementForm(formdata=None),
            message_form=message_form or MessageForm(formdata=None),
            reply_form=reply_form or DepartmentReplyForm(formdata=None),
            may_publish=can_publish_for_department(current_user, forwarding),
            status_labels=STATUS_LABELS,
            **_common(),
        ),
        status,
    )


@bp.get("/<int:forwarding_id>")
@requires(is_department_member)
def item(forwarding_id: int):
    return _item_page(_own(forwarding_id))


def _refused(error) -> None:
    flash(str(getattr(error, "message", None) or gettext("Please look at it again.")), "error")


def _field_error(form, error: services.ForwardingError) -> bool:
    """Put the message next to its field; False if it belongs to no field of the form."""
    if error.field and error.field in form._fields:
        form[error.field].errors = [*form[error.field].errors, str(error.message)]
        return True
    return False


@bp.post("/<int:forwarding_id>/stellungnahme")
@requires(is_department_member)
def statement(forwarding_id: int):
    forwarding = _own(forwarding_id)
    form = StatementForm()
    if form.validate():
        try:
            services.give_statement(
                forwarding,
                actor=current_user._get_current_object(),
                recommendation=form.recommendation.data,
                statement=form.statement.data,
            )
            db.session.commit()
        except (services.ForwardingError, StaleDataError) as error:
            db.session.rollback()
            if not isinstance(error, services.ForwardingError) or not _field_error(form, error):
                _refused(error)
                return redirect(url_for(".item", forwarding_id=forwarding_id))
        else:
            flash(gettext("Thank you. Your statement has been sent to the office."), "success")
            return redirect(url_for(".item", forwarding_id=forwarding_id))
    return _item_page(_own(forwarding_id), statement_form=form, status=400)


@bp.post("/<int:forwarding_id>/frage")
@requires(is_department_member)
def ask(forwarding_id: int):
    forwarding = _own(forwarding_id)
    form = MessageForm()
    if form.validate():
        try:
            services.ask_office(
                forwarding, actor=current_user._get_current_object(), body=form.body.data
            )
            db.session.commit()
        except services.ForwardingError as error:
            db.session.rollback()
            if not _field_error(form, error):
                _refused(error)
                return redirect(url_for(".item", forwarding_id=forwarding_id))
        else:
            flash(gettext("Your question has been sent to the office."), "success")
            return redirect(url_for(".item", forwarding_id=forwarding_id) + "#nachrichten")
    return _item_page(_own(forwarding_id), message_form=form, status=400)


@bp.post("/<int:forwarding_id>/antworten")
@requires(is_department_member)
def publish_reply(forwarding_id: int):
    forwarding = _own(forwarding_id)
    if not can_publish_for_department(current_user, forwarding):
        abort(403)
    form = DepartmentReplyForm()
    if form.validate():
        try:
            reply = services.publish_reply(
                forwarding, actor=current_user._get_current_object(), body_md=form.body_md.data
            )
            db.session.commit()
        except (services.ForwardingError, StaleDataError) as error:
            db.session.rollback()
            if not isinstance(error, services.ForwardingError) or not _field_error(form, error):
                _refused(error)
                return redirect(url_for(".item", forwarding_id=forwarding_id))
        else:
            flash(gettext("The official reply has been published."), "success")
            return redirect(url_for("discussion.permalink", id=reply.id))
    return _item_page(_own(forwarding_id), reply_form=form, status=400)


@bp.app_context_processor
def _inbox_count():
    def department_open_count() -> int | None:
        if not is_department_member(current_user):
            return None
        return queries.open_count(current_user.department_id)

    return {"department_open_count": department_open_count}


# --- the office ----------------------------------------------------------------------------


def _message_form(forwarding_id: int, form: MessageForm | None = None) -> MessageForm:
    """One form per forwarding on the detail page, each with its own field id."""
    form = form or MessageForm(formdata=None)
    form.body.id = f"message-{forwarding_id}"
    return form


def _forward_form(contribution: Contribution) -> ForwardForm:
    posted = g.get("forward_form")
    if posted is not None:
        return posted
    return ForwardForm(
        formdata=None,
        departments=queries.all_departments(),
        due_on=services.default_due_on(),
    )


def forwarding_panel(contribution: Contribution) -> SimpleNamespace:
    """What the forwardings section of the moderation detail page shows."""
    forwardings = queries.forwardings_of(contribution.id)
    posted_message = g.get("forwarding_message_form")
    message_forms = {
        f.id: _message_form(
            f.id, posted_message[1] if posted_message and posted_message[0] == f.id else None
        )
        for f in forwardings
    }
    posted_withdrawal = g.get("withdraw_form")
    withdraw_forms = {
        f.id: (
            posted_withdrawal[1]
            if posted_withdrawal and posted_withdrawal[0] == f.id
            else WithdrawForm(formdata=None, prefix=f"withdraw-{f.id}")
        )
        for f in forwardings
        if f.state is ForwardingState.OPEN
    }
    return SimpleNamespace(
        contribution=contribution,
        forwardings=forwardings,
        messages=queries.messages_by_forwarding(f.id for f in forwardings),
        message_forms=message_forms,
        withdraw_forms=withdraw_forms,
        form=_forward_form(contribution),
        **_common(),
    )


@office_bp.app_context_processor
def _office_helpers():
    def overdue_forwarding_count() -> int | None:
        if not can_moderate(current_user):
            return None
        return queries.overdue_count(services.local_today())

    return {
        "forwarding_panel": forwarding_panel,
        "overdue_forwarding_count": overdue_forwarding_count,
    }


def _detail_again(id: int):
    from participation.moderation import views as moderation_views

    return moderation_views.detail(id), 400


def _office_action(contribution_id: int, form, act, done, anchor: str, *, fields=None):
    """The office's forms on the moderation detail page: when `form` is valid, run `act()`
    (a service call) and commit, then flash `done(result)` and go back to `anchor`. A
    refusal is rolled back and shown at its field (`fields` renames the service's field
    names to the form's) or as a message; the caller then shows the page again with the
    form as typed (`None` is returned)."""
    if not form.validate():
        return None
    try:
        result = act()
        db.session.commit()
    except (services.ForwardingError, StaleDataError) as error:
        db.session.rollback()
        field = getattr(error, "field", None)
        if fields and field in fields:
            error.field = fields[field]
        if not isinstance(error, services.ForwardingError) or not _field_error(form, error):
            _refused(error)
        return None
    flash(done(result), "success")
    return redirect(url_for("moderation.detail", id=contribution_id) + anchor)


@office_bp.post("/beitraege/<int:id>/weiterleiten")
@requires(can_forward)
def forward(id: int):
    contribution = db.session.get(Contribution, id) or abort(404)
    departments = queries.all_departments()
    form = ForwardForm(departments=departments)
    done = _office_action(
        id,
        form,
        lambda: services.forward(
            contribution,
            [d for d in departments if d.id in set(form.departments.data or [])],
            actor=current_user._get_current_object(),
            note=form.forward_note.data,
            due_on=form.due_on.data,
        ),
        lambda forwardings: ngettext(
            "Contribution %(id)d has been forwarded to %(departments)s.",
            "Contribution %(id)d has been forwarded to %(departments)s.",
            len(forwardings),
            id=id,
            departments=", ".join(f.department.name for f in forwardings),
        ),
        "#weiterleitungen",
        fields={"note": "forward_note"},
    )
    if done is not None:
        return done
    g.forward_form = form
    return _detail_again(id)


def _forwarding_or_404(forwarding_id: int) -> Forwarding:
    return db.session.get(Forwarding, forwarding_id) or abort(404)


@office_bp.post("/weiterleitungen/<int:forwarding_id>/nachricht")
@requires(can_forward)
def message(forwarding_id: int):
    forwarding = _forwarding_or_404(forwarding_id)
    form = _message_form(forwarding.id, MessageForm())
    done = _office_action(
        forwarding.contribution_id,
        form,
        lambda: services.answer_department(
            forwarding, actor=current_user._get_current_object(), body=form.body.data
        ),
        lambda _message: gettext(
            "Your message has been sent to %(department)s.",
            department=forwarding.department.name,
        ),
        f"#weiterleitung-{forwarding.id}",
    )
    if done is not None:
        return done
    g.forwarding_message_form = (forwarding.id, form)
    return _detail_again(forwarding.contribution_id)


@office_bp.post("/weiterleitungen/<int:forwarding_id>/zuruecknehmen")
@requires(can_forward)
def withdraw(forwarding_id: int):
    forwarding = _forwarding_or_404(forwarding_id)
    form = WithdrawForm(prefix=f"withdraw-{forwarding.id}")
    done = _office_action(
        forwarding.contribution_id,
        form,
        lambda: services.withdraw(
            forwarding, actor=current_user._get_current_object(), reason=form.reason.data
        ),
        lambda _forwarding: gettext(
            "The forwarding to %(department)s has been withdrawn; the department has been told.",
            department=forwarding.department.name,
        ),
        f"#weiterleitung-{forwarding.id}",
    )
    if done is not None:
        return done
    g.withdraw_form = (forwarding.id, form)
    return _detail_again(forwarding.contribution_id)


@office_bp.post("/weiterleitungen/<int:forwarding_id>/teilen")
@requires(can_forward)
def share(forwarding_id: int):
    forwarding = _forwarding_or_404(forwarding_id)
    form = ShareForm()
    target = url_for("moderation.detail", id=forwarding.contribution_id) + (
        f"#weiterleitung-{forwarding.id}"
    )
    if not form.validate() or form.shared.data not in ("1", "0"):
        flash(gettext("The request could not be read. Please try again."), "error")
        return redirect(target)
    shared = form.shared.data == "1"
    try:
        services.set_shared(forwarding, actor=current_user._get_current_object(), shared=shared)
        db.session.commit()
    except services.ForwardingError as error:
        db.session.rollback()
        _refused(error)
    else:
        flash(
            gettext("The statement is now shown to the other departments.")
            if shared
            else gettext("The statement is no longer shown to the other departments."),
            "success",
        )
    return redirect(target)


@office_bp.get("/weiterleitungen")
@requires(can_forward)
def overview():
    view = _view(request.args.get("ansicht"), queries.OFFICE_VIEWS)
    today = services.local_today()
    departments = queries.all_departments()
    department_id = request.args.get("fachamt", type=int)
    if department_id is not None and department_id not in {d.id for d in departments}:
        abort(404)
    return render_template(
        "departments/overview.html",
        view=view,
        views=queries.OFFICE_VIEWS,
        departments=departments,
        department_id=department_id,
        counts=queries.counts(
            today, queries.OFFICE_VIEWS, office=True, department_id=department_id
        ),
        listing=queries.list_page(
            view,
            today,
            request.args.get("seite", 1, type=int),
            office=True,
            department_id=department_id,
        ),
        recommendation_labels=RECOMMENDATION_LABELS,
        **_common(),
    )


# --- reminders -----------------------------------------------------------------------------

forwardings_cli = AppGroup("forwardings", help="Forwardings to departments.")


@forwardings_cli.command("remind")
@with_appcontext
def remind():
    """Mail each department its overdue forwardings (at most once a day; run it daily or
    more often, e.g. from cron)."""
    # Mail subjects and bodies are translated, which needs a request for the locale.
    with current_app.test_request_context("/"):
        reminders = services.remind_overdue()
        db.session.commit()
    if not reminders:
        click.echo("No department to remind today.")
    for reminder in reminders:
        click.echo(
            f"Reminded {reminder.department.name}: {len(reminder.forwardings)} overdue "
            "forwarding(s)."
        )
