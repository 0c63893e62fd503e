"""The form a moderator types a letter, call, e-mail, visit or workshop result into. The
rules live in analogue.services (and discussion.services); the form carries the input."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from participation.analogue.labels import ANALOGUE_CHANNELS, ENTRY_CHANNEL_LABELS
from participation.discussion.forms import _PostingForm, _strip
from participation.discussion.models import ContributionKind
from participation.discussion.services import BODY_MAX, NAME_MAX, TITLE_MAX

# The value of the "whole strategy" choice of the target select.
WHOLE_STRATEGY = ""

KIND_CHOICES = [
    SelectChoice(ContributionKind.COMMENT.value, _l("Comment on a section")),
    SelectChoice(ContributionKind.IDEA.value, _l("Idea or suggestion")),
]


class EntryForm(FlaskForm):
    channel = RadioField(
        _l("Received by"),
        choices=[SelectChoice(c.value, ENTRY_CHANNEL_LABELS[c]) for c in ANALOGUE_CHANNELS],
        validate_choice=False,
    )
    received_on = DateField(
        _l("Date received"),
        validators=[Optional()],
        render_kw={"autocomplete": "off"},
    )
    kind = RadioField(_l("Kind of contribution"), choices=KIND_CHOICES, validate_choice=False)
    target = SelectField(_l("Section or field of action"), validate_choice=False)
    title = StringField(
        _l("Title of the idea"),
        filters=[_strip],
        validators=[Optional()],
        render_kw={"maxlength": TITLE_MAX},
    )
    body_md = TextAreaField(
        _l("Text of the contribution"),
        render_kw={"maxlength": BODY_MAX, "rows": 10},
    )
    name = StringField(
        _l("Name of the citizen"),
        filters=[_strip],
        validators=[Optional()],
        render_kw={"maxlength": NAME_MAX, "autocomplete": "off"},
    )
    name_consent = BooleanField(
        _l("The citizen agreed that this name is published with the contribution.")
    )
    email = EmailField(
        _l("E-mail address for answers"),
        filters=[_strip],
        validators=[Optional()],
        render_kw={"maxlength": 254, "spellcheck": "false", "autocomplete": "off"},
    )
    email_consent = BooleanField(
        _l(
            "The citizen wants answers by e-mail and agreed that the address is stored for "
            "this purpose."
        )
    )

    add_error = _PostingForm.add_error

    def __init__(self, targets, *, workshop=None, **kwargs):
        super().__init__(**kwargs)
        self.target.choices = [SelectChoice(value, label) for value, label in targets]
        self.channel.flags.required = workshop is None
        for name in ("received_on", "kind", "body_md"):
            self[name].flags.required = True
        if workshop is not None:
            # A workshop's results come in on the workshop's channel; nothing to choose.
            del self.channel
