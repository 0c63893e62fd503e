"""Response headers that every page gets."""

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


class _WithoutNul(ImmutableMultiDict):
    """Form and query values without NUL characters: PostgreSQL refuses them in text (a
    request carrying one failed with an error 500), and they only serve to hide markup."""

    def __init__(self, mapping=None):
        if mapping is not None and not isinstance(mapping, dict):
            mapping = [
                (
                    key.replace("\x00", ""),
                    value.replace("\x00", "") if isinstance(value, str) else value,
                )
                for key, value in mapping
            ]
        super().__init__(mapping)


class CleanRequest(Request):
    parameter_storage_class = _WithoutNul


def register(app: Flask) -> None:
    app.request_class = CleanRequest
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Only as many hops as configured: a client cannot forge its address or HTTPS by
        # sending the headers itself.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )

    @app.before_request
    def refuse_oversized_bodies():
        # Werkzeug only enforces the limit when a view reads the body; refuse it up front.
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and request.content_length and request.content_length > limit:
            abort(413)

    @app.after_request
    def headers(response):
        for name, value in security_headers(request.is_secure):
            response.headers.setdefault(name, value)
        return response


def security_headers(secure: bool) -> list[tuple[str, str]]:
    """The headers of every answer; also added to static files (operations/static.py)."""
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
    ]
    if secure:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers
