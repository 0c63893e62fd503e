"""Setting the public processing status, and reading the event log (blueprint
`moderation_status` under `/moderation`).

- POST `/moderation/beitraege/<id>/status`: the form on the moderation detail page.
- GET `/moderation/beitraege/<id>/protokoll`: every event of one contribution, oldest first.
- GET `/moderation/protokoll?strategie=<slug>`: the events of a strategy's contributions,
  newest first, 100 per page by keyset (`nach=<event id>`), filtered by `aktion`.

The log pages only read; nothing in the application changes or deletes events.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired

from participation.accounts.models import User
from participation.discussion.idea_labels import STATUS_BADGES, STATUS_LABELS
from participation.discussion.models import Contribution, ModerationState, ProcessingStatus
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import status as status_service
from participation.moderation.labels import rejection_label, report_label, state_label
from participation.permissions import can_moderate, requires
from participation.strategies.models import Strategy

bp = Blueprint("moderation_status", __name__)

PER_PAGE = 100

# Every action the code records, in words (tests/test_event_words.py walks the source for
# them); an unknown one is shown as recorded. The first part, the actions on contributions,
# is also the action filter of the strategy log.
CONTRIBUTION_ACTION_WORDS = {
    "comment.created": _l("Comment written"),
    "reply.created": _l("Reply written"),
    "idea.created": _l("Idea submitted"),
    "comment.entered": _l("Comment entered by the office on a citizen's behalf"),
    "reply.entered": _l("Reply entered by the office on a citizen's behalf"),
    "idea.entered": _l("Idea entered by the office on a citizen's behalf"),
    "contribution.guest_confirmed": _l("E-mail address of the guest confirmed"),
    "contribution.edited": _l("Text edited by the author"),
    "contribution.withdrawn": _l("Withdrawn by the author"),
    "contribution.revised": _l("Revised by the author after rejection"),
    "contribution.published": _l("Published"),
    "contribution.reported": _l("Reported by a reader"),
    "contribution.hidden_by_reports": _l("Hidden after several reports"),
    "contribution.note_added": _l("Internal note added"),
    "contribution.status_changed": _l("Processing status changed"),
    "contribution.official_reply": _l("Official reply written"),
    "moderation.published": _l("Published by the moderation"),
    "moderation.rejected": _l("Rejected by the moderation"),
    "moderation.hidden": _l("Hidden by the moderation"),
    "moderation.restored": _l("Restored by the moderation"),
    "moderation.reviewed": _l("Marked as reviewed"),
    "idea.published": _l("Published"),
    "idea.supported": _l("Supported"),
    "idea.support_withdrawn": _l("Support withdrawn"),
    "idea.merged": _l("Merged into another idea"),
    "thread.locked": _l("Thread locked"),
    "thread.unlocked": _l("Thread unlocked"),
    "forwarding.created": _l("Forwarded to a department"),
    "forwarding.statement_given": _l("Statement of the department given"),
    "forwarding.returned": _l("Sent back by the department: not its responsibility"),
    "forwarding.question_asked": _l("Question of the department to the office"),
    "forwarding.question_answered": _l("Message of the office to the department"),
    "forwarding.shared": _l("Statement shared with the other departments"),
    "forwarding.unshared": _l("Statement no longer shared with the other departments"),
    "forwarding.reminded": _l("Department reminded of the overdue forwarding"),
    "forwarding.withdrawn": _l("Forwarding withdrawn by the office"),
    "consolidation.rated": _l("Rated by a member of the steering committee"),
    "consolidation.rating_changed": _l("Rating changed by a member of the steering committee"),
    "idea.selected": _l("Selected as a project"),
    "idea.unselected": _l("Selection as a project removed"),
}

ACTION_WORDS = {
    **CONTRIBUTION_ACTION_WORDS,
    "account.registered": _l("Account registered"),
    "account.email_confirmed": _l("E-mail address confirmed"),
    "account.password_reset": _l("Password reset"),
    "account.password_changed": _l("Password changed"),
    "account.profile_updated": _l("Profile changed"),
    "account.email_change_requested": _l("Change of e-mail address requested"),
    "account.email_changed": _l("E-mail address changed"),
    "account.created": _l("Account created by an administrator"),
    "account.roles_changed": _l("Roles changed"),
    "account.deactivated": _l("Account deactivated"),
    "account.reactivated": _l("Account reactivated"),
    "account.deleted": _l("Account deleted by its owner"),
    "account.two_factor_enabled": _l("Two-factor login switched on"),
    "account.two_factor_disabled": _l("Two-factor login switched off"),
    "account.two_factor_reset": _l("Two-factor login reset by an administrator"),
    "account.recovery_codes_renewed": _l("New recovery codes made"),
    "account.recovery_code_used": _l("Logged in with a recovery code"),
    "account.open_data_consent_changed": _l("Choice of name in the open data changed"),
    "roadmap.project_created": _l("Roadmap project created"),
    "roadmap.project_updated": _l("Roadmap project changed"),
    "roadmap.status_changed": _l("Status of the roadmap project changed"),
    "department.created": _l("Department created"),
    "department.updated": _l("Department changed"),
    "department.deleted": _l("Department deleted"),
    "netiquette_reason.created": _l("Netiquette reason added"),
    "netiquette_reason.updated": _l("Netiquette reason changed"),
    "netiquette_reason.moved_up": _l("Netiquette reason moved up"),
    "netiquette_reason.moved_down": _l("Netiquette reason moved down"),
    "netiquette_reason.deactivated": _l("Netiquette reason deactivated"),
    "netiquette_reason.reactivated": _l("Netiquette reason reactivated"),
    "netiquette_reason.deleted": _l("Netiquette reason deleted"),
    "answer_template.created": _l("Answer template created"),
    "answer_template.updated": _l("Answer template changed"),
    "answer_template.deleted": _l("Answer template deleted"),
    "page.created": _l("Legal page saved for the first time"),
    "page.updated": _l("Legal page changed"),
    "page.reset": _l("Legal page reset to the default text"),
    "outbox.retried": _l("E-mail sent again on an administrator's request"),
    "notifications.preferences_changed": _l("Notification settings changed"),
    "notifications.unsubscribed": _l("E-mails unsubscribed by the link in an e-mail"),
    "notifications.followed": _l("Started following"),
    "notifications.follow_confirmed": _l("Following confirmed by e-mail"),
    "notifications.unfollowed": _l("Stopped following"),
    "strategy.created": _l("Strategy created"),
    "strategy.updated": _l("Strategy changed"),
    "council_paper.created": _l("Council paper linked"),
    "council_paper.updated": _l("Council paper changed"),
    "council_paper.imported": _l("Council paper imported from OParl"),
    "council_paper.removed": _l("Link to the council paper removed"),
    "consolidation.round_closed": _l("Rating round closed"),
    "consolidation.round_reopened": _l("Rating round reopened"),
    "version.draft_started": _l("New draft started"),
    "version.imported": _l("Draft imported from a document"),
    "version.published": _l("Version published"),
    "section.added": _l("Section added"),
    "section.updated": _l("Section changed"),
    "section.moved_up": _l("Section moved up"),
    "section.moved_down": _l("Section moved down"),
    "section.moved_in": _l("Section indented"),
    "section.moved_out": _l("Section outdented"),
    "section.deleted": _l("Section deleted"),
    "workshop.created": _l("Workshop created"),
    "workshop.updated": _l("Workshop changed"),
    "workshop.deleted": _l("Workshop deleted"),
}

FIELD_WORDS = {
    "state": _l("moderation state"),
    "status": _l("processing status"),
    "public_reason": _l("public reason"),
    "rejection_reason": _l("rejection reason"),
    "department": _l("department"),
    "departments": _l("departments"),
    "due_on": _l("due date"),
    "recommendation": _l("recommendation"),
    "channel": _l("channel"),
    "received_on": _l("date received"),
    "adopted_into": _l("went into"),
    "selection": _l("selection as a project"),
}

# Shown in the "reason" column rather than in before → after.
REASON_KEYS = ("public_reason", "reason", "note")


def _id_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class StatusForm(FlaskForm):
    status = SelectField(
        _l("Processing status"),
        choices=[],
        validators=[InputRequired(_l("Please choose a processing status."))],
    )
    public_reason = TextAreaField(
        _l("Public reason"), render_kw={"maxlength": status_service.PUBLIC_REASON_MAX, "rows": 4}
    )
    expected_status = HiddenField()
    # Only offered when later versions exist (see `with_targets`); checked by the service.
    adopted_into = SelectField(
        _l("Went into (adopted or partially adopted)"),
        choices=[],
        coerce=_id_or_none,
        validate_choice=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [(s.value, STATUS_LABELS[s]) for s in ProcessingStatus]

    def with_targets(self, contribution: Contribution) -> "StatusForm":
        """The sections of the versions published after the contribution's own."""
        self.adopted_into.choices = [("", _l("– not recorded –"))] + [
            (
                section.id,
                _l(
                    "Version %(version)s: %(number)s %(title)s",
                    version=version,
                    number=number,
                    title=section.title,
                ),
            )
            for section, version, number in status_service.adoption_targets(contribution)
        ]
        return self


def status_form_for(contribution: Contribution) -> StatusForm:
    """The form for the detail page: the one just posted (with its errors) or a fresh one."""
    posted = g.get("status_form")
    if posted is not None:
        return posted
    current = contribution.status.value if contribution.status else ""
    return StatusForm(
        formdata=None,
        status=current or ProcessingStatus.RECEIVED.value,
        expected_status=current,
    ).with_targets(contribution)


@bp.app_template_global()
def status_trail(contribution: Contribution):
    return status_service.status_trail(contribution)


@bp.app_context_processor
def _status_helpers():
    return {
        "status_form_for": status_form_for,
        "can_have_status": status_service.can_have_status,
        "trail_label": status_service.trail_label,
        "adopted_into_text": status_service.adopted_into_label,
        "STATUS_BADGES": STATUS_BADGES,
        "STATUS_LABELS": STATUS_LABELS,
    }


@bp.post("/beitraege/<int:id>/status")
@requires(can_moderate)
def set_status(id: int):
    contribution = db.session.get(Contribution, id) or abort(404)
    form = StatusForm().with_targets(contribution)
    if form.validate():
        try:
            status_service.set_status(
                contribution,
                form.status.data,
                actor=current_user._get_current_object(),
                public_reason=form.public_reason.data,
                expected_status=form.expected_status.data or "",
                adopted_into=form.adopted_into.data,
            )
            db.session.commit()
        except (status_service.StatusError, StaleDataError) as error:
            db.session.rollback()
            message = getattr(error, "message", None) or gettext("Please look at it again.")
            field = getattr(error, "field", None)
            if field in ("status", "public_reason", "adopted_into"):
                getattr(form, field).errors = [*getattr(form, field).errors, message]
            else:
                flash(str(message), "error")
                # Show the status as it is now, keeping what was typed as the reason.
                fresh = db.session.get(Contribution, id)
                form.expected_status.data = fresh.status.value if fresh.status else ""
        else:
            flash(
                gettext(
                    "Processing status of contribution %(id)d: %(status)s.",
                    id=id,
                    status=status_service.status_label(contribution.status),
                ),
                "success",
            )
            return redirect(url_for("moderation.detail", id=id) + "#bearbeitungsstand")
    g.status_form = form
    from participation.moderation import views as moderation_views

    response = moderation_views.detail(id)
    return response, 400


# --- the event log ---------------------------------------------------------------------------


@dataclass
class LogEntry:
    id: int
    created_at: datetime
    actor_name: str | None
    action: str
    action_words: str
    changes: list[tuple[str, str, str]]
    reason: str | None
    contribution_id: int | None = None


def _value_words(key: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    try:
        if key == "state":
            return str(state_label(ModerationState(value)))
        if key == "status":
            return status_service.status_label(value)
        if key == "recommendation":
            from participation.departments.labels import recommendation_label

            return recommendation_label(value)
        if key == "selection":
            from participation.consolidation.labels import selection_label

            return selection_label(value)
        if key == "adopted_into" and isinstance(value, dict):
            into = status_service.adopted_into_of({"adopted_into": value})
            if into is not None:
                return status_service.adopted_into_label(into)
        if key == "departments" and isinstance(value, list):
            return ", ".join(str(name) for name in value)
    except (ValueError, KeyError):
        pass
    return str(value)


def _reason_words(action: str, after: dict) -> str | None:
    """The reason column: a public reason as written; a netiquette or report reason by its
    label rather than its key, followed by the moderator's note when there is one."""
    if after.get("public_reason"):
        return str(after["public_reason"])
    parts = []
    if after.get("reason"):
        label = report_label if action == "contribution.reported" else rejection_label
        parts.append(label(after["reason"]))
    if after.get("note"):
        parts.append(str(after["note"]))
    return " – ".join(parts) or None


def _entry(row, contribution_id: int | None = None) -> LogEntry:
    before = row.before or {}
    after = row.after or {}
    reason = _reason_words(row.action, after)
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in REASON_KEYS]
    changes = [
        (
            str(FIELD_WORDS.get(k, k)),
            _value_words(k, before.get(k)) if k in before else "",
            _value_words(k, after.get(k)),
        )
        for k in keys
    ]
    return LogEntry(
        id=row.id,
        created_at=row.created_at,
        actor_name=row.actor_name,
        action=row.action,
        action_words=str(ACTION_WORDS.get(row.action, row.action)),
        changes=changes,
        reason=reason,
        contribution_id=contribution_id,
    )


_COLUMNS = (
    Event.id,
    Event.created_at,
    Event.action,
    Event.before,
    Event.after,
    User.display_name.label("actor_name"),
)


@bp.get("/beitraege/<int:id>/protokoll")
@requires(can_moderate)
def contribution_log(id: int):
    contribution = db.session.get(Contribution, id) or abort(404)
    rows = db.session.execute(
        select(*_COLUMNS)
        .outerjoin(User, User.id == Event.actor_id)
        .where(
            Event.subject_type == Contribution.__tablename__,
            Event.subject_id == contribution.id,
        )
        .order_by(Event.created_at, Event.id)
    )
    return render_template(
        "moderation/log_contribution.html",
        contribution=contribution,
        entries=[_entry(row) for row in rows],
    )


@bp.get("/protokoll")
@requires(can_moderate)
def strategy_log():
    strategies = db.session.execute(
        select(Strategy.slug, Strategy.title).order_by(Strategy.title)
    ).all()
    slug = request.args.get("strategie", "")
    if not slug:
        return render_template("moderation/log_strategy.html", strategy=None, strategies=strategies)
    strategy = db.session.scalar(select(Strategy).where(Strategy.slug == slug)) or abort(404)
    action = request.args.get("aktion", "")
    after = request.args.get("nach", type=int)
    query = (
        select(*_COLUMNS, Event.subject_id)
        .join(
            Contribution,
            (Event.subject_type == Contribution.__tablename__)
            & (Contribution.id == Event.subject_id),
        )
        .outerjoin(User, User.id == Event.actor_id)
        .where(Contribution.strategy_id == strategy.id)
        .order_by(Event.id.desc())
        .limit(PER_PAGE + 1)
    )
    if action:
        query = query.where(Event.action == action)
    if after:
        query = query.where(Event.id < after)
    rows = db.session.execute(query).all()
    more = len(rows) > PER_PAGE
    entries = [_entry(row, row.subject_id) for row in rows[:PER_PAGE]]
    args = {"strategie": slug, **({"aktion": action} if action else {})}
    next_url = url_for(".strategy_log", **args, nach=entries[-1].id) if more else None
    first_url = url_for(".strategy_log", **args) if after else None
    return render_template(
        "moderation/log_strategy.html",
        strategy=strategy,
        strategies=strategies,
        entries=entries,
        action=action,
        action_words=CONTRIBUTION_ACTION_WORDS,
        next_url=next_url,
        first_url=first_url,
    )
