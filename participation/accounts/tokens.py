"""Signed, time-limited links sent by mail.

Each purpose has its own salt, so a token made for one purpose is worthless for another.
Payloads are signed, not encrypted: they carry ids and fingerprints, never secrets.
"""

import hashlib
import hmac
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONFIRM_EMAIL = "accounts.confirm-email"
RESET_PASSWORD = "accounts.reset-password"  # noqa: S105 (a salt, not a password)
CHANGE_EMAIL = "accounts.change-email"


class TokenInvalid(Exception):
    """The link is damaged, was made for something else, or has been used already."""


class TokenExpired(TokenInvalid):
    """The link was genuine but is older than its validity period."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict[str, Any]:
    """The payload of a genuine, unexpired token; TokenExpired or TokenInvalid otherwise."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
    if not isinstance(payload, dict):
        raise TokenInvalid
    return payload


def fingerprint(value: str) -> str:
    """A short keyed digest of `value` (e.g. the password hash) to bind a token to a state
    without putting the value itself into the link."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, built on BASE_URL (which includes any path prefix the
    site is mounted under), so it works from a mail and outside a request (CLI)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path
