"""The office's project form and the public roadmap's filter form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from participation.roadmap.labels import PRIORITY_LABELS, STATUS_LABELS
from participation.roadmap.models import DESCRIPTION_MAX, TITLE_MAX, ProjectPriority, ProjectStatus

QUARTER_CHOICES = [("", _l("Choose a quarter"))] + [
    (str(q), _l("Quarter %(quarter)d", quarter=q)) for q in (1, 2, 3, 4)
]
VIEW_TIMELINE = "zeitleiste"
VIEW_LIST = "liste"
VIEWS = (VIEW_TIMELINE, VIEW_LIST)


class CheckboxGroupField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def int_or_none(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class ProjectForm(FlaskForm):
    # The service checks every rule and names the field; the form only carries values, so
    # what was typed comes back unchanged with the message.
    title = StringField(_l("Title"), render_kw={"maxlength": TITLE_MAX})
    description_md = TextAreaField(
        _l("Description"),
        validators=[Optional()],
        render_kw={"rows": 8, "maxlength": DESCRIPTION_MAX},
    )
    field_key = SelectField(_l("Field of action"), validators=[Optional()], validate_choice=False)
    department_id = SelectField(
        _l("Responsible department"), validators=[Optional()], validate_choice=False
    )
    priority = RadioField(_l("Priority"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    start_quarter = SelectField(_l("Start quarter"), validate_choice=False)
    start_year = StringField(
        _l("Start year"), render_kw={"inputmode": "numeric", "maxlength": 4, "size": 6}
    )
    end_quarter = SelectField(_l("End quarter"), validate_choice=False)
    end_year = StringField(
        _l("End year"), render_kw={"inputmode": "numeric", "maxlength": 4, "size": 6}
    )
    is_public = BooleanField(_l("Show on the public roadmap"))
    idea_ids = CheckboxGroupField(_l("Linked ideas"), coerce=int, validate_choice=False)
    revision = HiddenField()

    def __init__(self, *args, fields=(), departments=(), ideas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.field_key.choices = [("", _l("No field of action"))] + [
            (node.section.key, f"{node.number} {node.section.title}".strip()) for node in fields
        ]
        self.department_id.choices = [("", _l("No department yet"))] + [
            (str(d.id), d.name) for d in departments
        ]
        self.priority.choices = [(p.value, PRIORITY_LABELS[p]) for p in ProjectPriority]
        self.status.choices = [(s.value, STATUS_LABELS[s]) for s in ProjectStatus]
        self.start_quarter.choices = QUARTER_CHOICES
        self.end_quarter.choices = QUARTER_CHOICES
        self.idea_ids.choices = [(idea.id, idea.title) for idea in ideas]
        for name in (
            "title",
            "priority",
            "status",
            "start_quarter",
            "start_year",
            "end_quarter",
            "end_year",
        ):
            self[name].flags.required = True

    def add_error(self, field: str | None, message) -> None:
        """An error from the services, shown next to its field (or on top of the form)."""
        if field and field in self._fields:
            self[field].errors = [*self[field].errors, message]
        else:
            self.form_errors.append(message)
        self._errors = None


class FilterForm(FlaskForm):
    """The public roadmap's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    handlungsfeld = SelectField(_l("Field of action"), validate_choice=False)
    amt = SelectField(_l("Department"), validate_choice=False)
    ansicht = HiddenField()

    def __init__(self, *args, fields=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.handlungsfeld.choices = [("", _l("All fields of action"))] + [
            (node.section.key, f"{node.number} {node.section.title}".strip()) for node in fields
        ]
        self.amt.choices = [("", _l("All departments"))] + [
            (str(d.id), d.name) for d in departments
        ]
        self.field_keys = {node.section.key for node in fields}
        self.department_ids = {d.id for d in departments}

    def values(self) -> tuple[str | None, int | None, str]:
        """The filters that apply (unknown values count as no filter) and the view."""
        key = self.handlungsfeld.data if self.handlungsfeld.data in self.field_keys else None
        department = int_or_none(self.amt.data)
        if department not in self.department_ids:
            department = None
        view = self.ansicht.data if self.ansicht.data in VIEWS else VIEW_TIMELINE
        return key, department, view
