"""Security properties of every response: headers, cookies, the session at login, redirect
targets (next=) and rate limits on every write.

Routes are walked like tests/test_route_permissions.py does, with its `world` of sample
objects, so that a new route is covered without editing this file.
"""

import re
from html import unescape
from urllib.parse import unquote, urlsplit

import pytest
from flask import session

from config import ProductionConfig, TestingConfig
from participation import create_app, permissions
from participation.extensions import UNLIMITED_WRITES, db, limiter
from tests import test_route_permissions
from tests.helpers import signed_in_client
from tests.test_route_permissions import AUTHOR_ONLY, ROLES, _routes, _url

# One of everything a URL can point at, and one user per role (a fixture).
world = test_route_permissions.world

# --- headers ---------------------------------------------------------------------------------


def _directives(csp: str) -> dict[str, list[str]]:
    directives = {}
    for part in csp.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_security_headers(response, where: str) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        return [f"{where}: no Content-Security-Policy"]
    directives = _directives(csp)
    scripts = directives.get("script-src", directives.get("default-src"))
    if not scripts or "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts:
        problems.append(f"{where}: script-src {scripts}")
    if directives.get("frame-ancestors") != ["'none'"]:
        problems.append(f"{where}: frame-ancestors {directives.get('frame-ancestors')}")
    if directives.get("object-src") != ["'none'"]:
        problems.append(f"{where}: object-src {directives.get('object-src')}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: X-Content-Type-Options")
    if response.headers.get("Referrer-Policy") not in (
        "same-origin",
        "no-referrer",
        "strict-origin",
    ):
        problems.append(f"{where}: Referrer-Policy {response.headers.get('Referrer-Policy')}")
    if "Strict-Transport-Security" in response.headers:
        problems.append(f"{where}: HSTS over plain HTTP")
    return problems


def _client_with_access(app, users, rule):
    """Anonymous for public routes (the citizen for author-only ones), otherwise the first
    role that may open the route, so that the real page is rendered, not a refusal."""
    permission = app.view_functions[rule.endpoint].required_permission
    if rule.endpoint in AUTHOR_ONLY:
        return signed_in_client(app, users["citizen"])
    if permission == permissions.PUBLIC:
        return app.test_client()
    for name in ROLES:
        user = users.get(name)
        if user is not None and permission(user):
            return signed_in_client(app, user)
    raise AssertionError(f"no role may open {rule.endpoint}")


def test_every_get_route_sends_the_security_headers(app, world):
    users, values = world
    problems = []
    walked = 0
    for rule in _routes(app):
        if "GET" not in (rule.methods or ()):
            continue
        client = _client_with_access(app, users, rule)
        url = _url(app, rule, values)
        response = client.get(url)
        assert response.status_code < 500, f"GET {url}: {response.status_code}"
        problems += _assert_security_headers(response, f"GET {url}")
        walked += 1
    assert problems == [], "\n".join(problems)
    assert walked > 40


def test_error_pages_and_static_files_send_the_headers_too(client):
    for response in (client.get("/gibt-es-nicht"), client.get("/static/css/app.css")):
        assert _assert_security_headers(response, response.request.path) == []
        response.close()


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    response = client.get("/", base_url="https://localhost")
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts


def _proxied_app(database_url, **overrides):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, **overrides)

    @app.get("/_address")
    @permissions.public
    def address():
        from flask import request

        return request.remote_addr or ""

    return app


def test_behind_a_trusted_proxy_https_is_recognised_by_its_header(database_url):
    """TLS usually ends at a reverse proxy; with TRUSTED_PROXIES set, its X-Forwarded-Proto
    counts (and its X-Forwarded-For is the client's address for rate limits). Without it, a
    client cannot claim either by sending the headers itself."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    direct = {"REMOTE_ADDR": "10.0.0.2"}
    untrusting = _proxied_app(database_url)
    client = untrusting.test_client()
    assert "Strict-Transport-Security" not in client.get("/", headers=forwarded).headers
    assert client.get("/_address", headers=forwarded, environ_base=direct).text == "10.0.0.2"
    trusting = _proxied_app(database_url, TRUSTED_PROXIES=1)
    client = trusting.test_client()
    response = client.get("/", headers=forwarded)
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert client.get("/_address", headers=forwarded, environ_base=direct).text == "203.0.113.9"
    for built in (untrusting, trusting):
        with built.app_context():
            db.engine.dispose()


# --- cookies and the session -----------------------------------------------------------------


def _set_cookie(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def _attributes(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_session_cookie_is_httponly_and_samesite_lax(client, make, login):
    user = make.user()
    cookie = _set_cookie(login(user), "session")
    attributes = _attributes(cookie)
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


@pytest.fixture
def production_app():
    app = create_app(
        ProductionConfig,
        SECRET_KEY="p" * 64,
        SQLALCHEMY_DATABASE_URI="postgresql://user@127.0.0.1/never-connected",
        RATELIMIT_STORAGE_URI="memory://",
        # The language switch below is posted without a form; CSRF has tests of its own.
        WTF_CSRF_ENABLED=False,
    )

    # A page that only writes the session: the production app has no database here.
    @app.get("/_probe")
    @permissions.public
    def probe():
        session["probe"] = True
        return "ok"

    return app


def test_production_cookies_are_secure_httponly_and_lax(production_app):
    client = production_app.test_client()
    response = client.get("/_probe", base_url="https://localhost")
    attributes = _attributes(_set_cookie(response, "session"))
    assert {"secure", "httponly", "samesite=lax"} <= attributes
    language = client.post(
        "/sprache", data={"lang": "en", "next": "/"}, base_url="https://localhost"
    )
    assert {"secure", "httponly", "samesite=lax"} <= _attributes(_set_cookie(language, "lang"))
    config = production_app.config
    assert config["REMEMBER_COOKIE_SECURE"]
    assert config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_login_renews_the_session(client, make, login):
    """Nothing from before the login survives it: no planted value, no CSRF token an attacker
    may have fixed, and the cookie is a new one."""
    user = make.user()
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
        before["csrf_token"] = "known-to-the-attacker"
    old_cookie = client.get_cookie("session").value
    login(user)
    new_cookie = client.get_cookie("session").value
    assert new_cookie != old_cookie
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after.get("csrf_token") != "known-to-the-attacker"
        assert after["_user_id"] == user.get_id()


# --- open redirects --------------------------------------------------------------------------

FOREIGN_TARGETS = [
    "//evil.example/phish",
    "///evil.example/phish",
    "https://evil.example/phish",
    "HTTPS://evil.example",
    "https:evil.example",
    "http://127.0.0.1.evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    # Encoded once more than a form encodes: must not be decoded into a foreign target.
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "%2f%5cevil.example",
    "https%3A%2F%2Fevil.example",
    "//evil.example%2F@localhost/",
    "/@evil.example",
]


def _foreign(location: str) -> str | None:
    """Why `location` leaves this site (or runs script), or None when it stays here."""
    for candidate in (location, unquote(location), unquote(unquote(location))):
        stripped = "".join(ch for ch in candidate if ch not in "\t\n\r").strip()
        parts = urlsplit(stripped.replace("\\", "/"))
        if parts.scheme or parts.netloc:
            return f"scheme {parts.scheme!r} / host {parts.netloc!r}"
        if not stripped.startswith("/") or stripped.startswith("//"):
            return "not a path on this site"
    return None


LINK_ATTRIBUTE = re.compile(r'(?:href|action|src|formaction)="([^"]*)"')
INPUT = re.compile(r"<input\b[^>]*>")


def _link_values(html: str) -> list[str]:
    values = LINK_ATTRIBUTE.findall(html)
    for tag in INPUT.findall(html):
        if re.search(r'name="(?:next|back)"', tag) and (
            value := re.search(r'value="([^"]*)"', tag)
        ):
            values.append(value.group(1))
    return [unescape(value) for value in values]


def _check_redirects(send, expect_redirect: bool = True) -> None:
    problems = []
    for target in FOREIGN_TARGETS:
        response = send(target)
        if expect_redirect:
            if response.status_code != 302:
                problems.append(f"{target!r}: status {response.status_code}")
                continue
            location = response.headers["Location"]
            # The target may appear as a query value of a local URL (e.g. the queue's
            # `zurueck`), so the whole location and each of its query values are checked.
            reason = _foreign(location)
            query = urlsplit(location).query
            for pair in filter(None, query.split("&")):
                value = unquote(pair.partition("=")[2])
                if value and value.startswith(("/", "\\", "h", "H", "j", "J", "d")):
                    reason = reason or _foreign(value)
            if reason:
                problems.append(f"{target!r} -> {location!r}: {reason}")
        else:
            # The page is shown instead: no link, form or hidden `next`/`back` in it leads
            # to the foreign target (local URLs that carry it in their query are harmless).
            html = response.get_data(as_text=True)
            for value in _link_values(html):
                if ("evil" in value or "script" in value.lower()) and _foreign(value):
                    problems.append(f"{target!r}: the page links to {value!r}")
    assert problems == [], "\n".join(problems)


def _published_comment_of(app, author, other, make, discuss):
    """A published comment of `author` in a strategy, returned with that strategy."""
    from participation.discussion import services
    from participation.discussion.models import Contribution, ModerationState

    strategy = make.strategy(sections=[("Vision", "Text.")])
    comment = discuss.comment(strategy, author, body="Ein Beitrag zum Melden.")
    with app.test_request_context():
        services.change_state(
            db.session.get(Contribution, comment.id),
            ModerationState.PUBLISHED,
            actor=None,
            action="test.publish",
        )
        db.session.commit()
    return comment


def test_language_switch_refuses_foreign_next(client):
    _check_redirects(lambda target: client.post("/sprache", data={"lang": "de", "next": target}))


def test_login_form_refuses_foreign_next(client, make):
    user = make.user()

    def send(target):
        response = client.post(
            "/konto/anmelden",
            data={"email": user.email, "password": "correct horse battery", "next": target},
        )
        client.post("/konto/abmelden")
        return response

    _check_redirects(send)


def test_login_page_of_a_signed_in_user_refuses_foreign_next(app, make):
    client = signed_in_client(app, make.user())
    _check_redirects(lambda target: client.get("/konto/anmelden", query_string={"next": target}))


def test_login_page_does_not_put_a_foreign_next_into_links(client):
    """The login form carries `next` in a hidden field; it is only read back through
    safe_next, but it must never become a link or form action."""
    for target in FOREIGN_TARGETS:
        html = client.get("/konto/anmelden", query_string={"next": target}).get_data(as_text=True)
        assert f'href="{target}' not in html
        assert f'action="{target}' not in html


def test_idea_support_refuses_foreign_next(app, world):
    users, values = world
    client = signed_in_client(app, users["admin"])
    url = f"/beitraege/{values['id']}/unterstuetzen"
    _check_redirects(lambda target: client.post(url, data={"next": target}))


@pytest.mark.parametrize(
    "path",
    [
        "/beitraege/{id}/folgen",
        "/beitraege/{id}/nicht-mehr-folgen",
        "/strategien/{slug}/folgen",
        "/strategien/{slug}/nicht-mehr-folgen",
    ],
)
def test_following_refuses_foreign_next(app, world, path):
    users, values = world
    client = signed_in_client(app, users["citizen"])
    url = path.format(**values)
    _check_redirects(lambda target: client.post(url, data={"next": target}))


def test_report_form_refuses_foreign_next(app, make, discuss):
    author, reader = make.user(), make.user()
    comment = _published_comment_of(app, author, reader, make, discuss)
    client = signed_in_client(app, reader)
    url = f"/beitraege/{comment.id}/melden"
    connection = app.extensions["test_connection"]

    def send(target):
        # Each report is undone, so that the next one is not refused as a repeat.
        savepoint = connection.begin_nested()
        response = client.post(url, data={"next": target, "reason": "spam", "note": "Test"})
        savepoint.rollback()
        return response

    first = send("/")
    if first.status_code != 302:
        # The form wants more fields: a refused report renders the page, which must not
        # carry the foreign target either.
        _check_redirects(send, expect_redirect=False)
    else:
        _check_redirects(send)


@pytest.mark.parametrize(
    ("path", "field", "data"),
    [
        ("/moderation/beitraege/{id}/notizen", "next", {"body": "Notiz"}),
        ("/moderation/beitraege/{id}/sperren", "next", {}),
        ("/moderation/beitraege/{id}/entsperren", "next", {}),
        ("/moderation/beitraege/{id}/entscheiden", "back", {}),
        ("/moderation/entscheiden", "back", {}),
    ],
)
def test_moderation_forms_refuse_foreign_back_links(app, world, path, field, data):
    users, values = world
    client = signed_in_client(app, users["moderator"])
    url = path.format(**values)
    _check_redirects(lambda target: client.post(url, data={**data, field: target}))


def test_moderation_detail_does_not_link_back_to_a_foreign_target(app, world):
    users, values = world
    client = signed_in_client(app, users["moderator"])
    url = f"/moderation/beitraege/{values['id']}"
    _check_redirects(
        lambda target: client.get(url, query_string={"zurueck": target}), expect_redirect=False
    )


# --- rate limits -----------------------------------------------------------------------------

# POST routes that carry no rate limit on purpose; each entry is also in
# participation.extensions.UNLIMITED_WRITES with its reason.
UNLIMITED = {"notifications.unsubscribe_one_click"}


def _write_limits(app, rule, url) -> list:
    """The limits the limiter would apply to a POST of `url`, exemptions evaluated."""
    blueprint = rule.endpoint.rpartition(".")[0] or None
    with app.test_request_context(url, method="POST"):
        applied, decorated = limiter.limit_manager.resolve_limits(app, rule.endpoint, blueprint)
        limits = [*applied, *decorated]
        return [limit for limit in limits if not limit.method_exempt and not limit.is_exempt]


def test_every_write_route_is_rate_limited(app, world):
    _users, values = world
    assert UNLIMITED == set(UNLIMITED_WRITES)
    unlimited, walked = [], 0
    for rule in _routes(app):
        writes = (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
        if not writes:
            continue
        walked += 1
        limits = _write_limits(app, rule, _url(app, rule, values))
        if rule.endpoint in UNLIMITED:
            assert limits == [], f"{rule.endpoint} is limited after all: drop it from the list"
        elif not limits:
            unlimited.append(rule.endpoint)
    assert unlimited == []
    assert walked > 50


def test_the_default_write_limit_refuses_the_61st_post_in_a_minute(limited_app):
    client = limited_app.test_client()
    statuses = [
        client.post("/sprache", data={"lang": "de", "next": "/"}).status_code for _ in range(61)
    ]
    assert statuses[:60] == [302] * 60
    assert statuses[60] == 429
    # Reading is not limited by it.
    assert client.get("/konto/anmelden").status_code == 200


def test_the_default_write_limit_counts_per_account(limited_app, make):
    """Two people behind one address (an office) do not share one budget."""
    first, second = make.user(), make.user()
    one = signed_in_client(limited_app, first)
    other = signed_in_client(limited_app, second)
    for _ in range(60):
        one.post("/sprache", data={"lang": "de", "next": "/"})
    assert one.post("/sprache", data={"lang": "de"}).status_code == 429
    assert other.post("/sprache", data={"lang": "de"}).status_code == 302
