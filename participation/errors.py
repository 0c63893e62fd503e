"""Friendly error pages inside the layout, in the user's language."""

import logging

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("participation.errors")

MESSAGES = {
    400: (_l("Request not understood"), _l("The request could not be processed. Please go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("This page does not exist or is no longer available. Please check the address or start again from the home page.")),
    405: (_l("Not allowed"), _l("This action is not possible here.")),
    413: (_l("Too much data"), _l("What you sent is larger than we accept (at most %(limit)s MB). Please shorten the text or choose a smaller file.")),
    429: (_l("Too many attempts"), _l("You have tried this too often in a short time. Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred on our side. Nothing you entered before this page was lost; please try again in a moment.")),
}  # fmt: skip


def render_error(code: int, title=None, message=None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    from flask import current_app

    limit = current_app.config.get("MAX_CONTENT_LENGTH", 0) // (1024 * 1024)
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=title or default_title,
            message=message
            or (default_message % {"limit": limit} if code == 413 else default_message),
        ),
        code,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            _l("Form expired"),
            _l(
                "For your security the form has expired. Please go back, reload the page and send it again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        from participation.api import problems

        if problems.is_api_request():
            return problems.from_http_exception(error)
        if error.code in MESSAGES:
            return render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def unexpected(error):
        from participation.extensions import db

        db.session.rollback()
        log.exception("unhandled error")
        from participation.api import problems

        if problems.is_api_request():
            return problems.problem(500)
        return render_error(500)
