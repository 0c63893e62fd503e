"""Forms of the ideas pages: the GET filter form of the list and the form for a new idea."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from participation.consolidation.labels import SELECTION_LABELS
from participation.consolidation.models import SelectionKind
from participation.discussion.forms import _PostingForm, _strip
from participation.discussion.idea_labels import CHANNEL_LABELS, STATUS_LABELS
from participation.discussion.idea_queries import (
    SEARCH_MAX,
    SELECTED_ANY,
    SORT_DISCUSSED,
    SORT_NEWEST,
    SORT_SUPPORT,
    IdeaFilters,
)
from participation.discussion.models import Channel, ProcessingStatus
from participation.discussion.services import BODY_MAX, TITLE_MAX

ALL = ""


class IdeaFilterForm(FlaskForm):
    """The list's filters, read from the query string. A value that is not one of the
    choices is dropped (the list ignores it and says so); the form never refuses the page."""

    class Meta:
        csrf = False

    handlungsfeld = SelectField(_l("Field of action"), validate_choice=False)
    status = SelectField(_l("Processing status"), validate_choice=False)
    kanal = SelectField(_l("Channel"), validate_choice=False)
    auswahl = SelectField(_l("Selected as a project"), validate_choice=False)
    sortierung = SelectField(_l("Sort by"), validate_choice=False)
    suche = StringField(_l("Search in title and text"))

    def __init__(self, fields_of_action, **kwargs):
        super().__init__(**kwargs)
        self.handlungsfeld.choices = [(ALL, _l("all"))] + [
            (node.section.key, f"{node.number} {node.section.title}") for node in fields_of_action
        ]
        self.status.choices = [(ALL, _l("all"))] + [
            (status.value, STATUS_LABELS[status]) for status in ProcessingStatus
        ]
        self.kanal.choices = [(ALL, _l("all"))] + [
            (channel.value, CHANNEL_LABELS[channel]) for channel in Channel
        ]
        self.auswahl.choices = [(ALL, _l("all")), (SELECTED_ANY, _l("any selection"))] + [
            (kind.value, SELECTION_LABELS[kind]) for kind in SelectionKind
        ]
        self.sortierung.choices = [
            (SORT_NEWEST, _l("newest first")),
            (SORT_SUPPORT, _l("most supported")),
            (SORT_DISCUSSED, _l("most discussed")),
        ]
        # Every filter has a value ("all" at least), so none is marked "optional"; the
        # template renders them with required=False, so the browser does not insist.
        for name in ("handlungsfeld", "status", "kanal", "auswahl", "sortierung", "suche"):
            self[name].flags.required = True

    def filters(self) -> tuple[IdeaFilters, list[str]]:
        """The valid filters, and the labels of the fields whose value was ignored."""
        ignored = []
        values = {}
        for name in ("handlungsfeld", "status", "kanal", "auswahl", "sortierung"):
            f = self[name]
            allowed = {value for value, _label in f.choices}
            if f.data is None or f.data == ALL:
                f.data = f.choices[0][0]
            elif f.data not in allowed:
                ignored.append(str(f.label.text))
                f.data = f.choices[0][0]
            values[name] = f.data
        search = " ".join((self.suche.data or "").split())
        if len(search) > SEARCH_MAX:
            ignored.append(str(self.suche.label.text))
            search = ""
        self.suche.data = search
        return (
            IdeaFilters(
                field_key=values["handlungsfeld"] or None,
                status=ProcessingStatus(values["status"]) if values["status"] else None,
                channel=Channel(values["kanal"]) if values["kanal"] else None,
                sort=values["sortierung"],
                search=search,
                selection=values["auswahl"] or None,
            ),
            ignored,
        )

    def is_filtered(self) -> bool:
        return any(
            self[name].data not in (None, ALL)
            for name in ("handlungsfeld", "status", "kanal", "auswahl")
        ) or bool(self.suche.data)


class IdeaForm(_PostingForm):
    """A new idea: the shared posting fields (text, honeypot, guest fields) plus title and
    field of action. The service checks every rule again; the validators here only put the
    first messages next to the fields at once."""

    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please give your idea a title.")),
            Length(max=TITLE_MAX, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"maxlength": TITLE_MAX},
    )
    body_md = TextAreaField(
        _l("Your idea"),
        validators=[
            DataRequired(_l("Please write a text.")),
            Length(max=BODY_MAX, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"maxlength": BODY_MAX, "rows": 10},
    )
    field_of_action = SelectField(_l("Field of action"), validate_choice=False)

    def __init__(self, fields_of_action, **kwargs):
        super().__init__(**kwargs)
        self.field_of_action.choices = [(ALL, _l("none (the strategy as a whole)"))] + [
            (node.section.key, f"{node.number} {node.section.title}") for node in fields_of_action
        ]

    def validate_field_of_action(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose one of the fields of action."))


class SupportForm(FlaskForm):
    """The support button; `next` is where to return (checked with safe_next)."""

    next = HiddenField()
