"""Forms of forwarding (the office) and of the department inbox."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from participation.departments.labels import RECOMMENDATION_LABELS
from participation.departments.models import (
    MESSAGE_MAX,
    NOTE_MAX,
    STATEMENT_MAX,
    WITHDRAWAL_REASON_MAX,
    Recommendation,
)
from participation.discussion.services import BODY_MAX


class CheckboxGroupField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ForwardForm(FlaskForm):
    # The services check the rules (at least one department, a due date in the future) and
    # say what is wrong in the form's words.
    departments = CheckboxGroupField(_l("Departments"), coerce=int, validators=[Optional()])
    # Not `note`: the decision form on the same page has a field of that name.
    forward_note = TextAreaField(
        _l("Internal note to the department"),
        validators=[Optional()],
        render_kw={"rows": 4, "maxlength": NOTE_MAX},
    )
    due_on = DateField(_l("Due date"), validators=[InputRequired(_l("Please enter a due date."))])

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.departments.choices = [(d.id, d.name) for d in departments]


class StatementForm(FlaskForm):
    recommendation = RadioField(
        _l("Recommendation"),
        validators=[InputRequired(_l("Please choose a recommendation."))],
        choices=[],
    )
    statement = TextAreaField(
        _l("Statement"),
        validators=[DataRequired(_l("Please write your statement."))],
        render_kw={"rows": 8, "maxlength": STATEMENT_MAX},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.recommendation.choices = [
            (value.value, RECOMMENDATION_LABELS[value]) for value in Recommendation
        ]


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(_l("Please write your message."))],
        render_kw={"rows": 4, "maxlength": MESSAGE_MAX},
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for withdrawing"),
        validators=[
            DataRequired(_l("Please say why the forwarding is withdrawn; the department reads it."))
        ],
        render_kw={"rows": 3, "maxlength": WITHDRAWAL_REASON_MAX},
    )


class ShareForm(FlaskForm):
    shared = HiddenField()


class DepartmentReplyForm(FlaskForm):
    body_md = TextAreaField(
        _l("Official reply"),
        validators=[DataRequired(_l("Please write the reply."))],
        render_kw={"rows": 8, "maxlength": BODY_MAX},
    )
