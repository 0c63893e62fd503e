"""Forms of the notification pages. The rules live in services.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice

from participation.notifications.labels import DELIVERY_LABELS, KIND_LABELS
from participation.notifications.models import EMAIL_MAX
from participation.notifications.services import allowed_deliveries


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ButtonForm(FlaskForm):
    """A single button: the form carries the CSRF token (and where to go back to)."""

    next = HiddenField()


class GuestFollowForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        render_kw={"autocomplete": "email", "spellcheck": "false", "maxlength": EMAIL_MAX},
    )
    consent = BooleanField(_l("I agree to the privacy notice."))
    # Honeypot, as on the posting forms: humans leave it empty (its label says so).
    website = StringField(
        _l("Please leave this field empty"),
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )

    def add_error(self, field: str | None, message) -> None:
        if field and field in self._fields:
            self[field].errors = [*self[field].errors, message]
        else:
            self.form_errors.append(message)
        self._errors = None


def preferences_form(kinds, current) -> FlaskForm:
    """One group of radio buttons per kind the person can choose for."""

    class PreferencesForm(FlaskForm):
        pass

    for kind in kinds:
        setattr(
            PreferencesForm,
            kind.value,
            RadioField(
                KIND_LABELS[kind],
                choices=[
                    SelectChoice(d.value, DELIVERY_LABELS[d]) for d in allowed_deliveries(kind)
                ],
                default=current[kind].value,
            ),
        )
    form = PreferencesForm()
    form.kinds = list(kinds)
    return form
