"""Forms of the council paper: entering it by hand and importing it from OParl."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FieldList, Form, FormField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from participation.council.models import (
    COMMITTEE_MAX,
    CONSULTATIONS_MAX,
    REFERENCE_MAX,
    RESULT_MAX,
    URL_MAX,
)
from participation.council.oparl import OParlError, check_address
from participation.council.services import COMMITTEE_MESSAGE, URL_MESSAGE, ConsultationInput


class ConsultationForm(Form):
    """One row; not a FlaskForm, so that the rows carry no CSRF token of their own."""

    committee = StringField(
        _l("Committee or council"),
        validators=[Optional(), Length(max=COMMITTEE_MAX)],
        render_kw={"maxlength": COMMITTEE_MAX},
    )
    meeting_date = DateField(
        _l("Meeting date"),
        validators=[Optional()],
        invalid_value_message=_l("Enter the meeting date as a valid date (day, month, year)."),
    )
    result = StringField(
        _l("Result"),
        validators=[Optional(), Length(max=RESULT_MAX)],
        render_kw={"maxlength": RESULT_MAX, "list": "council-results", "autocomplete": "off"},
    )
    remove = BooleanField(_l("Remove this consultation"))

    def is_blank(self) -> bool:
        typed_date = any((value or "").strip() for value in self.meeting_date.raw_data or ())
        return not (
            (self.committee.data or "").strip() or typed_date or (self.result.data or "").strip()
        )


class CouncilPaperForm(FlaskForm):
    reference = StringField(
        _l("Reference number"),
        validators=[
            DataRequired(_l("Enter the reference number of the council paper, e.g. VO/2026/123.")),
            Length(max=REFERENCE_MAX),
        ],
        render_kw={"maxlength": REFERENCE_MAX, "autocomplete": "off"},
    )
    url = StringField(
        _l("Address of the paper in the council information system"),
        validators=[Optional(), Length(max=URL_MAX)],
        render_kw={"maxlength": URL_MAX, "type": "url", "inputmode": "url"},
    )
    consultations = FieldList(FormField(ConsultationForm), max_entries=CONSULTATIONS_MAX + 1)
    revision = HiddenField()

    def validate_url(self, field):
        if (field.data or "").strip():
            try:
                check_address(field.data)
            except OParlError as error:
                raise ValidationError(URL_MESSAGE) from error

    def validate(self, extra_validators=None) -> bool:
        """The fields, and in each row that is kept a committee (the service checks again;
        here every error of the form shows at once)."""
        valid = super().validate(extra_validators)
        for row in self.kept_rows():
            if not (row.form.committee.data or "").strip():
                row.form.committee.errors = [*row.form.committee.errors, COMMITTEE_MESSAGE]
                valid = False
        return valid

    def load(self, paper) -> None:
        self.reference.data = paper.reference if paper else ""
        self.url.data = paper.url if paper else ""
        self.revision.data = str(paper.revision) if paper else "0"
        while len(self.consultations.entries):
            self.consultations.pop_entry()
        for consultation in paper.consultations if paper else ():
            self.consultations.append_entry(
                {
                    "committee": consultation.committee,
                    "meeting_date": consultation.meeting_date,
                    "result": consultation.result,
                }
            )

    def rows(self) -> list[ConsultationInput]:
        """The consultations to save: removed and empty rows left out."""
        return [
            ConsultationInput(
                committee=row.form.committee.data or "",
                meeting_date=row.form.meeting_date.data,
                result=row.form.result.data or "",
            )
            for row in self.kept_rows()
        ]

    def kept_rows(self):
        return [
            row
            for row in self.consultations
            if not row.form.remove.data and not row.form.is_blank()
        ]

    def expected_revision(self) -> int:
        try:
            return int(self.revision.data or 0)
        except ValueError:
            return 0


class OParlImportForm(FlaskForm):
    paper_url = StringField(
        _l("Address of the OParl Paper"),
        validators=[
            DataRequired(_l("Enter the address of the OParl Paper.")),
            Length(max=URL_MAX),
        ],
        render_kw={"maxlength": URL_MAX, "type": "url", "inputmode": "url", "autocomplete": "off"},
    )
    fingerprint = HiddenField()
    revision = HiddenField()

    def expected_revision(self) -> int:
        try:
            return int(self.revision.data or 0)
        except ValueError:
            return 0


class RemoveForm(FlaskForm):
    revision = HiddenField()
