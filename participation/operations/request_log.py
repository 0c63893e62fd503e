"""One log line per request, and the request id on every log line written during it.

The line is logfmt (`key=value` pairs): one line per event that `journalctl`, `grep` and
people read as it is, and that log shippers (Loki, Vector, Fluent Bit) parse without a
schema. It names the route by its rule (`/konto/e-mail-bestaetigen/<token>`), never the
requested path: paths carry signed tokens that let whoever reads them act as their owner.
The user appears by id only, never by e-mail address, and no client address is written.

The request id comes from `X-Request-ID` when a trusted reverse proxy sets it
(TRUSTED_PROXIES > 0; nginx: `proxy_set_header X-Request-ID $request_id;`), so that the
proxy's and the application's lines can be joined; otherwise it is generated. It is sent
back in the response header of the same name.
"""

import logging
import re
import secrets
import time

from flask import Flask, g, has_request_context, request

log = logging.getLogger("participation.requests")

HEADER = "X-Request-ID"
# What a proxy may hand us: short and without spaces, quotes or line breaks, so that it can
# neither forge log lines nor fields.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# The load balancer's health check runs every few seconds; its successful answers would
# bury everything else.
QUIET_ENDPOINTS = frozenset({"operations.healthz"})


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


def _incoming_id(app: Flask) -> str:
    supplied = request.headers.get(HEADER, "")
    if app.config.get("TRUSTED_PROXIES", 0) and _ACCEPTED_ID.fullmatch(supplied):
        return supplied
    return secrets.token_hex(8)


_BARE = re.compile(r'[^\s"=\\]+')


def _value(value) -> str:
    text = str(value)
    if _BARE.fullmatch(text):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'


def logfmt(**fields) -> str:
    return " ".join(f"{key}={_value(value)}" for key, value in fields.items())


def _user_id() -> str:
    # Only a user already loaded for this request: loading one here would cost a query for
    # anonymous requests and could fail after a database error.
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return str(user.id)
    return "-"


def access_line(response_status: int, duration_ms: float) -> str:
    rule = request.url_rule
    return logfmt(
        method=request.method,
        route=rule.rule if rule is not None else "-",
        endpoint=request.endpoint or "-",
        status=response_status,
        duration_ms=f"{duration_ms:.1f}",
        user=_user_id(),
    )


class RequestIdFormatter(logging.Formatter):
    """The usual line, plus ` request_id=…` for lines written while serving a request."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} request_id={request_id}" if request_id else line


_factory_installed = False


def _install_record_factory() -> None:
    """Every log record gets the request id of the request being served (or None), so that
    any handler (also a test's) can show it."""
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = current_request_id()
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: str) -> None:
    _install_record_factory()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(RequestIdFormatter(FORMAT))
        root.addHandler(handler)
        root.setLevel(level)


def register(app: Flask) -> None:
    """Registered before every other hook, so that the id and the clock exist for all of
    them (also when one of them ends the request early)."""

    @app.before_request
    def _start():
        if "request_id" in g:
            return  # the hooks run again after a lost database connection (retry.py)
        g.request_started = time.perf_counter()
        g.request_id = _incoming_id(app)

    @app.after_request
    def _finish(response):
        started = g.get("request_started")
        if started is None:  # a hook before ours answered; still give the id out
            g.request_id = g.get("request_id") or _incoming_id(app)
            started = time.perf_counter()
        response.headers[HEADER] = g.request_id
        duration_ms = (time.perf_counter() - started) * 1000
        quiet = request.endpoint in QUIET_ENDPOINTS and response.status_code < 400
        log.log(
            logging.DEBUG if quiet else logging.INFO,
            access_line(response.status_code, duration_ms),
        )
        return response
