"""The account deletion form (the export needs none: it is a download)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, InputRequired, Length

from participation.accounts.passwords import MAX_LENGTH


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Current password"),
        validators=[
            InputRequired(_l("Please enter your current password.")),
            Length(max=MAX_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I want to delete my account. I know that this cannot be undone."),
        validators=[DataRequired(_l("Please confirm that you want to delete your account."))],
    )
