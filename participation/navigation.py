"""Redirect targets: only paths on this site, never another host (no open redirects)."""

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next(target: str | None, fallback_endpoint: str = "strategies.index") -> str:
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for(fallback_endpoint)


def current_path() -> str:
    return request.full_path.rstrip("?") if request.query_string else request.path
