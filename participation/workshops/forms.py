"""The moderation's workshop form and the confirmation of a deletion. The rules live in
workshops.services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import HiddenInput

from participation.discussion.forms import _PostingForm, _strip
from participation.workshops.models import (
    PARTICIPANTS_MAX,
    PLACE_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    WorkshopFormat,
)
from participation.workshops.services import WorkshopInput

FORMAT_LABELS = {
    WorkshopFormat.IN_PERSON: _l("in person"),
    WorkshopFormat.ONLINE: _l("online"),
    WorkshopFormat.HYBRID: _l("hybrid (in person and online)"),
}


class WorkshopForm(FlaskForm):
    title = StringField(_l("Title"), filters=[_strip], render_kw={"maxlength": TITLE_MAX})
    held_on = DateField(_l("Date"), validators=[Optional()])
    ends_on = DateField(_l("Last day (for workshops over several days)"), validators=[Optional()])
    format = RadioField(
        _l("Format"),
        choices=[SelectChoice(f.value, label) for f, label in FORMAT_LABELS.items()],
        validate_choice=False,
    )
    place = StringField(_l("Place"), filters=[_strip], render_kw={"maxlength": PLACE_MAX})
    section_key = SelectField(_l("Field of action"), validate_choice=False)
    participants = IntegerField(
        _l("Number of participants"),
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=PARTICIPANTS_MAX,
                message=_l("Please enter a number from 0 to %(max)d.", max=PARTICIPANTS_MAX),
            ),
        ],
        render_kw={"inputmode": "numeric", "min": 0, "max": PARTICIPANTS_MAX},
    )
    summary_md = TextAreaField(_l("Summary"), render_kw={"maxlength": SUMMARY_MAX, "rows": 10})
    published = BooleanField(_l("Show on the public workshops page"))
    revision = IntegerField(widget=HiddenInput(), validators=[Optional()])

    add_error = _PostingForm.add_error

    def __init__(self, fields_of_action: dict[str, str], **kwargs):
        super().__init__(**kwargs)
        self.section_key.choices = [SelectChoice("", _l("none (the strategy as a whole)"))] + [
            SelectChoice(key, label) for key, label in fields_of_action.items()
        ]
        for name in ("title", "held_on", "format"):
            self[name].flags.required = True

    def data_input(self) -> WorkshopInput:
        return WorkshopInput(
            title=self.title.data,
            held_on=self.held_on.data,
            ends_on=self.ends_on.data,
            format=self.format.data,
            place=self.place.data,
            section_key=self.section_key.data or None,
            participants=self.participants.data,
            summary_md=self.summary_md.data,
            published=self.published.data,
        )


class ConfirmForm(FlaskForm):
    """A button's form: the CSRF token only."""
