"""Template filters for dates and times, shown in the installation's time zone."""

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, to_user_timezone


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
