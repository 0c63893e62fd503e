"""Redirect targets: only paths on this site, never another host (no open redirects)."""

from urllib.parse import unquote, urlsplit

from flask import request, url_for


def _local_path(target: str) -> bool:
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        # Browsers drop tabs and line breaks inside URLs ("/\t/evil.example" is "//evil...").
        and not any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)
    )


def safe_next(target: str | None, fallback_endpoint: str = "strategies.index") -> str:
    # The decoded form must be a local path too: a proxy or a later redirect may decode
    # "/%2F%2Fevil.example" into "///evil.example".
    if target and _local_path(target) and _local_path(unquote(target)):
        return target
    return url_for(fallback_endpoint)


def current_path() -> str:
    return request.full_path.rstrip("?") if request.query_string else request.path
