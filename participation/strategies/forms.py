"""Forms of the editorial area. Dates are entered in local time (BABEL_DEFAULT_TIMEZONE)
and converted to UTC here; the services only see aware UTC datetimes."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from participation.strategies.labels import KIND_LABELS
from participation.strategies.models import ModerationMode, SectionKind

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_utc(local: datetime | None) -> datetime | None:
    """A naive local date and time from the form as an aware UTC datetime."""
    if local is None:
        return None
    return local.replace(tzinfo=local_zone()).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """An aware datetime as the naive local value a datetime-local input shows."""
    if value is None:
        return None
    return value.astimezone(local_zone()).replace(tzinfo=None, second=0, microsecond=0)


class StrategyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Web address"),
        validators=[
            Optional(),
            Length(max=80),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Use only lower-case letters, digits and hyphens for the web address."),
            ),
        ],
    )
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=2000)])
    opens_at = DateTimeLocalField(
        _l("Participation opens"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(message=_l("Enter a date and time."))],
    )
    closes_at = DateTimeLocalField(
        _l("Participation closes"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(message=_l("Enter a date and time."))],
    )
    moderation_mode = RadioField(
        _l("Moderation"),
        choices=[
            SelectChoice(
                ModerationMode.PRE.value,
                _l("Before publication: moderators check every contribution first"),
            ),
            SelectChoice(
                ModerationMode.POST.value,
                _l("After publication: contributions appear at once and are checked afterwards"),
            ),
        ],  # fmt: skip
        default=ModerationMode.PRE.value,
        validators=[InputRequired()],
    )
    review_hours = StringField(
        _l("Review hours of the moderation"), validators=[Optional(), Length(max=300)]
    )
    revision = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The participation must close after it opens."))

    def values(self) -> dict:
        """Everything the services take, dates in UTC."""
        return {
            "title": self.title.data,
            "slug": self.slug.data or "",
            "summary": self.summary.data or "",
            "opens_at": to_utc(self.opens_at.data),
            "closes_at": to_utc(self.closes_at.data),
            "moderation_mode": self.moderation_mode.data,
            "review_hours": self.review_hours.data or "",
        }

    def load(self, strategy) -> None:
        self.title.data = strategy.title
        self.slug.data = strategy.slug
        self.summary.data = strategy.summary
        self.opens_at.data = to_local(strategy.opens_at)
        self.closes_at.data = to_local(strategy.closes_at)
        self.moderation_mode.data = strategy.moderation_mode.value
        self.review_hours.data = strategy.review_hours
        self.revision.data = strategy.revision


def kind_choices():
    return [SelectChoice(kind.value, KIND_LABELS[kind]) for kind in SectionKind]


class SectionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of section"), choices=kind_choices, default=SectionKind.TEXT.value)
    body_md = TextAreaField(_l("Text"), validators=[Optional(), Length(max=100_000)])
    revision = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ImportForm(FlaskForm):
    text = TextAreaField(_l("Markdown text"), validators=[Optional(), Length(max=1_000_000)])
    document = FileField(
        _l("or a Markdown file (.md)"),
        validators=[
            FileAllowed(["md", "markdown", "txt"], _l("Upload a Markdown file ending in .md."))
        ],
    )
    step = HiddenField()


class PublishForm(FlaskForm):
    change_note = TextAreaField(
        _l("Change note"),
        validators=[
            DataRequired(message=_l("Describe what changed in this version.")),
            Length(max=5000),
        ],
    )


class ConfirmForm(FlaskForm):
    """A button-only POST form: CSRF protection and nothing else."""
