"""Static files served by the application itself (WhiteNoise), with cache headers.

Every `url_for('static', ...)` carries `?v=<hash of the file's content>`. A request with
that parameter may be kept by browsers and proxies for a year without asking again
(`immutable`): a changed file gets a new hash and so a new address. Requests without it
(the fonts that a stylesheet loads by a relative address, old bookmarks) are cached for
STATIC_MAX_AGE seconds. WhiteNoise answers from a file index built at start, with ETag and
Last-Modified, before Flask's routing, sessions and database are involved; an nginx in
front may serve /static itself instead (README, "Running in production")."""

import hashlib
from pathlib import Path
from urllib.parse import parse_qs

from flask import Flask
from whitenoise import WhiteNoise

from participation.security import security_headers

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"


class _Versions:
    """The content hash per file; recomputed when the file changes (development)."""

    def __init__(self, root: Path):
        self.root = root
        self._known: dict[str, tuple[float, str]] = {}

    def __call__(self, filename: str) -> str | None:
        path = (self.root / filename).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        mtime = path.stat().st_mtime
        known = self._known.get(filename)
        if known is None or known[0] != mtime:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            known = self._known[filename] = (mtime, digest)
        return known[1]


class _StaticHeaders:
    """Around WhiteNoise: a year's `immutable` for versioned addresses, and the security
    headers every page gets (participation/security.py), which Flask's hooks cannot add to
    what WhiteNoise answers itself. Inside ProxyFix, so that HSTS sees the real scheme."""

    def __init__(self, app, prefix: str):
        self.app = app
        self.prefix = prefix

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.prefix):
            return self.app(environ, start_response)
        versioned = "v" in parse_qs(environ.get("QUERY_STRING", ""))
        secure = environ.get("wsgi.url_scheme") == "https"

        def static_start_response(status, headers, exc_info=None):
            if versioned and status.startswith(("200", "304")):
                headers = [(k, v) for k, v in headers if k.lower() != "cache-control"]
                headers.append(("Cache-Control", IMMUTABLE))
            present = {name.lower() for name, _ in headers}
            for name, value in security_headers(secure):
                if name.lower() not in present:
                    headers.append((name, value))
            return start_response(status, headers, exc_info)

        return self.app(environ, static_start_response)


def register(app: Flask) -> None:
    root = Path(app.static_folder).resolve()
    prefix = (app.static_url_path or "/static").rstrip("/") + "/"
    versions = _Versions(root)

    @app.url_defaults
    def _static_version(endpoint, values):
        if endpoint == "static" and "v" not in values:
            version = versions(values.get("filename", ""))
            if version:
                values["v"] = version

    served = WhiteNoise(
        app.wsgi_app,
        root=str(root),
        prefix=prefix,
        max_age=app.config["STATIC_MAX_AGE"],
        # Development rebuilds the vendored assets while the server runs; production's
        # files are fixed at deployment, and indexing them once at start is cheaper.
        autorefresh=app.debug or app.config["TEMPLATES_AUTO_RELOAD"] is True,
    )
    app.wsgi_app = _StaticHeaders(served, prefix)
