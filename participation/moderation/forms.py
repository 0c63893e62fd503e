"""Forms of the moderation queue: the filters (GET, no token), one decision, many decisions,
and the author's revision of a rejected contribution."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from participation.discussion.idea_labels import CHANNEL_LABELS
from participation.discussion.models import Channel, ContributionKind, ModerationState
from participation.discussion.services import BODY_MAX, TITLE_MAX
from participation.moderation.labels import rejection_choices
from participation.moderation.models import REJECTION_NOTE_MAX
from participation.moderation.queue import Filters
from participation.moderation.services import Action

KIND_LABELS = {
    # The noun: "Reply" alone is the verb of the reply buttons ("Antworten").
    ContributionKind.COMMENT: _l("Comment"),
    ContributionKind.REPLY: lazy_pgettext("contribution kind", "Reply"),
    ContributionKind.IDEA: _l("Idea"),
}

ACTION_LABELS = {
    Action.PUBLISH: _l("Publish"),
    Action.REJECT: _l("Reject"),
    Action.HIDE: _l("Hide"),
    Action.RESTORE: _l("Restore"),
    Action.MARK_REVIEWED: _l("Mark as reviewed"),
}

QUEUE_STATE_LABELS = {
    "pending": _l("Awaiting publication"),
    "unreviewed": _l("Published, not yet reviewed"),
    "reported": _l("Reported"),
}


def _reason_choices():
    """Read per form, i.e. per request: administrators change the list at run time."""
    return [SelectChoice("", _l("– choose a reason –"))] + [
        SelectChoice(value, label) for value, label in rejection_choices()
    ]


class _ReasonChoices:
    """Fills the `reason` select from the netiquette reasons when the form is built."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = _reason_choices()


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class QueueFilterForm(FlaskForm):
    """Read from the query string; a GET form needs no CSRF token."""

    class Meta:
        csrf = False

    strategie = SelectField(_l("Strategy"), coerce=str, validators=[Optional()])
    abschnitt = StringField(_l("Section (key)"), filters=[_strip], validators=[Optional()])
    art = SelectField(
        _l("Kind"),
        choices=[SelectChoice("", _l("all"))]
        + [SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        validators=[Optional()],
    )
    zustand = SelectField(
        _l("Awaiting"),
        choices=[SelectChoice("", _l("all"))]
        + [SelectChoice(k, label) for k, label in QUEUE_STATE_LABELS.items()],
        validators=[Optional()],
    )
    gemeldet = BooleanField(_l("Reported only"))
    kanal = SelectField(
        _l("Channel"),
        choices=[SelectChoice("", _l("all"))]
        + [SelectChoice(c.value, label) for c, label in CHANNEL_LABELS.items()],
        validators=[Optional()],
    )
    tage = IntegerField(
        _l("Older than (days)"),
        validators=[Optional(), NumberRange(min=1, max=3650, message=_l("1 to 3650 days"))],
        render_kw={"inputmode": "numeric"},
    )
    suche = StringField(_l("Search text"), filters=[_strip], validators=[Optional()])

    def set_strategies(self, strategies) -> None:
        self.strategie.choices = [SelectChoice("", _l("all"))] + [
            SelectChoice(str(s.id), s.title) for s in strategies
        ]

    def filters(self) -> Filters:
        """The filters to apply; invalid values are ignored (and shown as errors)."""
        ok = self.validate()
        errors = self.errors if not ok else {}
        value = lambda name: None if name in errors else self[name].data or None  # noqa: E731
        strategy = value("strategie")
        return Filters(
            strategy_id=int(strategy) if strategy and strategy.isdigit() else None,
            section_key=value("abschnitt"),
            kind=ContributionKind(value("art")) if value("art") else None,
            state=value("zustand"),
            reported=bool(value("gemeldet")),
            channel=Channel(value("kanal")) if value("kanal") else None,
            older_than_days=value("tage"),
            text=value("suche"),
        )


class DecisionForm(_ReasonChoices, FlaskForm):
    action = SelectField(
        _l("Decision"), choices=[SelectChoice(a.value, label) for a, label in ACTION_LABELS.items()]
    )
    state = HiddenField(validators=[DataRequired()])
    revision = IntegerField(widget=HiddenInput(), validators=[Optional()])
    reason = SelectField(_l("Reason for rejecting"), choices=[], validate_choice=False)
    note = TextAreaField(
        _l("Note to the author"),
        validators=[Optional()],
        render_kw={"maxlength": REJECTION_NOTE_MAX, "rows": 3},
    )
    back = HiddenField()

    def validate_state(self, field):
        if field.data not in {s.value for s in ModerationState}:
            field.data = ""


class BulkDecisionForm(_ReasonChoices, FlaskForm):
    """The checked items arrive as "id:state:revision" (what the moderator saw)."""

    items = SelectMultipleField(_l("Contributions"), validate_choice=False)
    action = SelectField(
        _l("Decision for the selected contributions"),
        choices=[SelectChoice(a.value, label) for a, label in ACTION_LABELS.items()],
    )
    reason = SelectField(_l("Reason for rejecting"), choices=[], validate_choice=False)
    back = HiddenField()

    def expected(self) -> dict[int, tuple[str, int | None]]:
        seen = {}
        states = {s.value for s in ModerationState}
        for value in self.items.data or []:
            parts = str(value).split(":")
            if len(parts) != 3 or not parts[0].isdigit() or parts[1] not in states:
                continue
            seen[int(parts[0])] = (parts[1], int(parts[2]) if parts[2].isdigit() else None)
        return seen


class ReviseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional()], render_kw={"maxlength": TITLE_MAX})
    body_md = TextAreaField(
        _l("Your contribution"),
        validators=[DataRequired(_l("Please write a text."))],
        render_kw={"maxlength": BODY_MAX, "rows": 8},
    )

    def add_error(self, field: str | None, message) -> None:
        if field and field in self._fields:
            self._fields[field].errors = [*self._fields[field].errors, message]
        else:
            self.form_errors.append(message)


class OfficialReplyForm(FlaskForm):
    """An official reply of the office in the thread of a contribution."""

    body_md = TextAreaField(
        _l("Official reply"),
        validators=[DataRequired(message=_l("Please write the reply."))],
        render_kw={"maxlength": BODY_MAX, "rows": 8},
    )
    show_own_name = BooleanField(_l("with my name"))


class AnswerTemplateForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Please enter a title."))],
        render_kw={"maxlength": 120},
    )
    body_md = TextAreaField(
        _l("Text"),
        validators=[DataRequired(message=_l("Please enter the text of the template."))],
        render_kw={"maxlength": BODY_MAX, "rows": 10},
    )


class ConfirmForm(FlaskForm):
    """Only the CSRF token: confirms a deletion."""
