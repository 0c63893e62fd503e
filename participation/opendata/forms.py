"""The citizen's choice how the open data names them."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class ConsentForm(FlaskForm):
    show_name = BooleanField(
        _l("Show my display name with my contributions in the open data"),
    )
