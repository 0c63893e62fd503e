"""Forms for taking part in a discussion. The rules (length, duplicates, window, guests)
live in services.py; the forms carry the input, the honeypot and the CSRF token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import HiddenInput

from participation.discussion.services import BODY_MAX, NAME_MAX, TITLE_MAX


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class _PostingForm(FlaskForm):
    body_md = TextAreaField(
        _l("Your contribution"),
        validators=[DataRequired(_l("Please write a text."))],
        render_kw={"maxlength": BODY_MAX, "rows": 8},
    )
    # Honeypot: hidden from sighted users by CSS, skipped by the keyboard, left empty by
    # humans (its label says so). Whatever fills it is refused.
    website = StringField(
        _l("Please leave this field empty"),
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )
    guest_name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[Optional()],
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX},
    )
    guest_email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[Optional()],
        render_kw={"autocomplete": "email", "spellcheck": "false", "maxlength": 254},
    )
    guest_consent = BooleanField(_l("I agree to the privacy notice."))

    def for_guest(self) -> None:
        """Anonymous visitors take part as guests: name, address and consent are required."""
        for field in (self.guest_name, self.guest_email):
            field.flags.required = True

    def add_error(self, field: str | None, message) -> None:
        """An error from the services, shown next to its field (or on top of the form)."""
        if field and field in self._fields:
            self[field].errors = [*self[field].errors, message]
        else:
            self.form_errors.append(message)
        self._errors = None


class CommentForm(_PostingForm):
    absatz = HiddenField()


class ReplyForm(_PostingForm):
    pass


class EditForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional()], render_kw={"maxlength": TITLE_MAX})
    body_md = TextAreaField(
        _l("Your contribution"),
        validators=[DataRequired(_l("Please write a text."))],
        render_kw={"maxlength": BODY_MAX, "rows": 8},
    )
    revision = IntegerField(widget=HiddenInput(), validators=[Optional()])

    add_error = _PostingForm.add_error


class ConfirmForm(FlaskForm):
    """Withdrawing: the button's form carries the CSRF token only."""
