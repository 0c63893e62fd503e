"""Forms of the administration area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from participation.accounts.models import Role

ROLE_LABELS = {
    Role.MODERATOR: _l("Moderation"),
    Role.DEPARTMENT: _l("Department"),
    Role.COMMITTEE: _l("Steering committee"),
    Role.ADMIN: _l("Administration"),
}


class CheckboxGroupField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("E-mail or display name"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Role"), validators=[Optional()], default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [
            ("", _l("All")),
            ("none", _l("Citizens without staff role")),
            *[(role.value, label) for role, label in ROLE_LABELS.items()],
        ]


class UserForm(FlaskForm):
    roles = CheckboxGroupField(_l("Roles"), validators=[Optional()])
    department = SelectField(_l("Department"), coerce=int, validators=[Optional()], default=0)
    is_active = BooleanField(_l("Account is active"))

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = [(role.value, label) for role, label in ROLE_LABELS.items()]
        self.department.choices = [(0, _l("No department"))] + [
            (department.id, department.name) for department in departments
        ]


class DepartmentForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Please enter the name of the department.")), Length(max=200)],
    )
    short_name = StringField(
        _l("Short name"),
        validators=[DataRequired(_l("Please enter a short name.")), Length(max=40)],
    )
    email = StringField(
        _l("Functional mailbox"),
        validators=[
            Optional(),
            Length(max=254),
            Email(_l("Please enter a valid e-mail address."), check_deliverability=False),
        ],
    )
    may_publish_replies = BooleanField(_l("May publish its official replies itself"))


class DepartmentMemberForm(FlaskForm):
    # Not `email`: the department's own form on the same page has that field.
    member_email = StringField(
        _l("E-mail address of the account"),
        validators=[
            DataRequired(_l("Please enter the e-mail address of an account.")),
            Length(max=254),
        ],
    )


class PageForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Please enter a title.")), Length(max=200)]
    )
    body_md = TextAreaField(
        _l("Text (Markdown)"),
        validators=[DataRequired(_l("Please enter the text of the page."))],
        render_kw={"rows": 24},
    )
    revision = HiddenField(validators=[InputRequired()])


class ConfirmForm(FlaskForm):
    """A POST button with CSRF protection (reset, delete)."""


class ReasonForm(FlaskForm):
    """A netiquette reason: labels and public explanations in both languages."""

    label_de = StringField(
        _l("Label (German)"),
        validators=[DataRequired(_l("Please enter the German label.")), Length(max=120)],
    )
    label_en = StringField(
        _l("Label (English)"),
        validators=[DataRequired(_l("Please enter the English label.")), Length(max=120)],
    )
    explanation_de = TextAreaField(
        _l("Explanation for the author (German)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 3, "maxlength": 1000},
    )
    explanation_en = TextAreaField(
        _l("Explanation for the author (English)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 3, "maxlength": 1000},
    )


class NewReasonForm(ReasonForm):
    key = StringField(
        _l("Key"),
        validators=[
            DataRequired(_l("Please enter a key.")),
            # The same rule as admin.reasons (which also lowercases), to show all errors at once.
            Regexp(
                r"^\s*[A-Za-z][A-Za-z0-9_]{0,31}\s*$",
                message=_l(
                    "The key may contain lowercase letters a–z, digits and underscores, starts "
                    "with a letter and has at most %(max)d characters.",
                    max=32,
                ),
            ),
        ],
        render_kw={"maxlength": 32, "autocapitalize": "none", "spellcheck": "false"},
    )
