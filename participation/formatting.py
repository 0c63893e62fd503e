"""Template filters: dates and times in the installation's time zone, stored document HTML."""

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, gettext, to_user_timezone

from participation.markup import scrollable_tables


def register(app: Flask) -> None:
    @app.template_filter("datetime")
    def datetime_filter(value: datetime | None, fmt: str = "medium") -> str:
        return format_datetime(value, fmt) if value else ""

    @app.template_filter("date")
    def date_filter(value: date | datetime | None, fmt: str = "long") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = to_user_timezone(value).date()
        return format_date(value, fmt)

    @app.template_filter("document")
    def document_filter(html: str | None):
        """Stored, sanitised document HTML as markup, its tables scrollable."""
        return scrollable_tables(html or "", gettext("Table (scrolls sideways)"))
