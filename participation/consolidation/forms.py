"""Forms of the committee's rating and of the office's selection."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Optional

from participation.consolidation.labels import (
    FEASIBILITY_SCALE,
    RELEVANCE_SCALE,
    SELECTION_LABELS,
)
from participation.consolidation.models import COMMENT_MAX, REASON_MAX, SelectionKind

NOT_SELECTED = "none"


class RatingForm(FlaskForm):
    # The service checks the range and says so in the criterion's words.
    relevance = RadioField(
        _l("Relevance"),
        choices=[],
        validate_choice=False,
        validators=[InputRequired(_l("Please rate the relevance from 1 to 5."))],
    )
    feasibility = RadioField(
        _l("Feasibility"),
        choices=[],
        validate_choice=False,
        validators=[InputRequired(_l("Please rate the feasibility from 1 to 5."))],
    )
    comment = TextAreaField(
        _l("Comment for the committee and the office"),
        validators=[Optional()],
        render_kw={"rows": 4, "maxlength": COMMENT_MAX},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.relevance.choices = [(str(k), label) for k, label in RELEVANCE_SCALE.items()]
        self.feasibility.choices = [(str(k), label) for k, label in FEASIBILITY_SCALE.items()]


class SelectionForm(FlaskForm):
    kind = RadioField(
        _l("Selection"),
        choices=[],
        validators=[InputRequired(_l("Please choose how the idea is selected."))],
    )
    public_reason = TextAreaField(
        _l("Public reason"),
        validators=[Optional()],
        render_kw={"rows": 3, "maxlength": REASON_MAX},
    )
    # The selection the moderator saw; another one now means someone else changed it.
    expected = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.value, SELECTION_LABELS[kind]) for kind in SelectionKind] + [
            (NOT_SELECTED, _l("not selected"))
        ]


class RoundForm(FlaskForm):
    """Closing or reopening the rating round: the button is all there is."""
