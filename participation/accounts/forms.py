"""Account forms. Business rules (password strength, duplicates) live in services.py; the
forms check what can be checked from the input alone."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from participation.accounts.passwords import MAX_LENGTH
from participation.accounts.services import DISPLAY_NAME_MAX, DISPLAY_NAME_MIN, normalise_email


def _email_field(label=None):
    return EmailField(
        label or _l("E-mail address"),
        filters=[normalise_email],
        validators=[
            DataRequired(_l("Please enter your e-mail address.")),
            Length(max=254, message=_l("This e-mail address is too long.")),
            Email(_l("Please enter a valid e-mail address, e.g. name@example.org.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _display_name_field():
    return StringField(
        _l("Display name"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please enter a display name.")),
            Length(
                min=DISPLAY_NAME_MIN,
                max=DISPLAY_NAME_MAX,
                message=_l(
                    "Please use between %(min)d and %(max)d characters.",
                    min=DISPLAY_NAME_MIN,
                    max=DISPLAY_NAME_MAX,
                ),
            ),
        ],
        render_kw={"autocomplete": "nickname", "maxlength": DISPLAY_NAME_MAX},
    )


def _password_field(label, autocomplete="new-password", message=None):
    return PasswordField(
        label,
        validators=[
            InputRequired(message or _l("Please enter a password.")),
            Length(max=MAX_LENGTH),
        ],
        render_kw={"autocomplete": autocomplete},
    )


class RegisterForm(FlaskForm):
    email = _email_field()
    display_name = _display_name_field()
    password = _password_field(_l("Password"))
    password_repeat = PasswordField(
        _l("Repeat password"),
        validators=[
            InputRequired(_l("Please repeat the password.")),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    consent = BooleanField(
        _l("I have read the privacy notice and agree that my data is processed as described."),
        validators=[DataRequired(_l("Please agree to the privacy notice to register."))],
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Please enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Stay logged in on this device"))
    next = HiddenField()


class EmailForm(FlaskForm):
    """Just an address: resend the confirmation link, forgotten password."""

    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = _password_field(_l("New password"))
    password_repeat = PasswordField(
        _l("Repeat new password"),
        validators=[
            InputRequired(_l("Please repeat the password.")),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(FlaskForm):
    display_name = _display_name_field()


class ChangePasswordForm(FlaskForm):
    current_password = _password_field(
        _l("Current password"), "current-password", _l("Please enter your current password.")
    )
    new_password = _password_field(_l("New password"))
    new_password_repeat = PasswordField(
        _l("Repeat new password"),
        validators=[
            InputRequired(_l("Please repeat the password.")),
            EqualTo("new_password", _l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangeEmailForm(FlaskForm):
    email = _email_field(_l("New e-mail address"))
    password = _password_field(
        _l("Current password"), "current-password", _l("Please enter your current password.")
    )


class ConfirmForm(FlaskForm):
    """A single confirmation button: the form carries only the CSRF token."""
