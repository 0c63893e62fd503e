"""Production operation: the health check, the request log, static files' cache headers,
Redis for rate limits and the outbox worker's wake-up, and the retry of a request whose
database connection was cut."""

import logging
import re
import subprocess
import sys
import threading
import time

import pytest
from flask import g
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from participation.extensions import db
from participation.operations import request_log, retry
from participation.operations.static import IMMUTABLE
from participation.outbox import wakeup
from tests.conftest import BACKEND
from tests.helpers import signed_in_client

REDIS_TEST_URL = "redis://127.0.0.1:6379/3"


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({error})")
    return client


# --- /healthz -----------------------------------------------------------------------------------


def test_healthz_answers_ok_without_cookie_or_caching(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_public_and_never_rate_limited(app, limited_client):
    from participation import permissions

    view = app.view_functions["operations.healthz"]
    assert view.required_permission == permissions.PUBLIC
    # A load balancer asks every few seconds from one address.
    assert {limited_client.get("/healthz").status_code for _ in range(70)} == {200}


def test_healthz_answers_503_when_the_database_fails(app, client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    with caplog.at_level(logging.WARNING, logger="participation.health"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"
    # An application log line written during the request carries its id.
    (record,) = [r for r in caplog.records if r.name == "participation.health"]
    assert record.request_id == response.headers["X-Request-ID"]


# --- the request log ----------------------------------------------------------------------------


def _access_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "participation.requests"]


def test_one_line_per_request_with_rule_not_the_token(client, caplog):
    token = "eyJzZWNyZXQiOiJ0b2tlbiJ9.Zm9vYmFy.c2lnbmF0dXJl"
    with caplog.at_level(logging.INFO, logger="participation.requests"):
        response = client.get(f"/konto/e-mail-bestaetigen/{token}")
    (record,) = _access_lines(caplog)
    line = record.getMessage()
    assert token not in caplog.text
    assert "route=/konto/e-mail-bestaetigen/<token>" in line
    assert "method=GET" in line
    assert f"status={response.status_code}" in line
    assert re.search(r"duration_ms=\d+\.\d", line)
    assert "user=-" in line
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert record.request_id == request_id
    formatted = request_log.RequestIdFormatter(request_log.FORMAT).format(record)
    assert formatted.endswith(f"request_id={request_id}")


def test_the_line_names_the_user_by_id_never_by_email(app, make, caplog):
    user = make.user(email="geheim.adresse@example.org")
    client = signed_in_client(app, user)
    with caplog.at_level(logging.INFO, logger="participation.requests"):
        client.get("/konto/einstellungen")
    (record,) = _access_lines(caplog)
    assert f"user={user.id}" in record.getMessage()
    assert "geheim.adresse" not in caplog.text


def test_unknown_addresses_and_errors_are_logged_without_the_path(client, caplog):
    with caplog.at_level(logging.INFO, logger="participation.requests"):
        client.get("/gibt-es-nicht/geheimer-pfad")
    (record,) = _access_lines(caplog)
    assert "route=- endpoint=- status=404" in record.getMessage()
    assert "geheimer-pfad" not in caplog.text


def test_healthz_successes_stay_out_of_the_info_log(client, caplog):
    with caplog.at_level(logging.INFO, logger="participation.requests"):
        client.get("/healthz")
    assert _access_lines(caplog) == []


def test_request_id_from_a_trusted_proxy_only(app, client, monkeypatch):
    supplied = {"X-Request-ID": "nginx-4f2a9c"}
    assert client.get("/healthz", headers=supplied).headers["X-Request-ID"] != "nginx-4f2a9c"
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    assert client.get("/healthz", headers=supplied).headers["X-Request-ID"] == "nginx-4f2a9c"
    # Nothing that could forge a log line or a field is taken over.
    forged = client.get("/healthz", headers={"X-Request-ID": "a b=c"}).headers["X-Request-ID"]
    assert forged != "a b=c"
    assert re.fullmatch(r"[0-9a-f]{16}", forged)


def test_logfmt_quotes_values_with_spaces_and_line_breaks():
    assert request_log.logfmt(a="plain", b="two words", c='say "x"\nnext') == (
        'a=plain b="two words" c="say \\"x\\"\\nnext"'
    )


# --- static files -------------------------------------------------------------------------------


def test_static_addresses_carry_a_content_hash_and_are_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    stylesheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page).group(1)
    response = client.get(stylesheet)
    response.close()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
    assert "ETag" in response.headers or "Last-Modified" in response.headers
    # Asked again, the browser gets "not modified" and the same long caching.
    again = client.get(stylesheet, headers={"If-None-Match": response.headers["ETag"]})
    again.close()
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == IMMUTABLE


def test_static_files_get_hsts_behind_a_trusted_https_proxy(database_url, smtp_server):
    from config import TestingConfig
    from participation import create_app

    proxied = create_app(
        TestingConfig,
        TRUSTED_PROXIES=1,
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
    )
    response = proxied.test_client().get(
        "/static/css/app.css", headers={"X-Forwarded-Proto": "https"}
    )
    response.close()
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    with proxied.app_context():
        db.engine.dispose()


def test_static_files_without_hash_are_cached_briefly(app, client):
    response = client.get("/static/css/app.css")
    response.close()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == f"max-age={app.config['STATIC_MAX_AGE']}, public"


# --- Redis ------------------------------------------------------------------------------------


def _production_settings(env: dict[str, str]) -> list[str]:
    code = "import config; c = config.ProductionConfig; print(c.RATELIMIT_STORAGE_URI, c.REDIS_URL)"
    command = [sys.executable, "-c", code]
    return subprocess.run(  # noqa: S603  (this interpreter, a fixed program)
        command, env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, check=True
    ).stdout.split()


def test_redis_url_sets_the_rate_limit_storage():
    """config.py reads the environment when imported: a fresh interpreter shows it."""
    url = "redis://cache.example:6379/0"
    assert _production_settings({"REDIS_URL": url}) == [url, url]
    assert _production_settings({}) == ["memory://", "None"]


@pytest.fixture
def redis_limited_app(database_url, smtp_server):
    from config import TestingConfig
    from participation import create_app
    from participation.extensions import limiter

    client = _redis()
    client.flushdb()
    limited = create_app(
        TestingConfig,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=REDIS_TEST_URL,
        REDIS_URL=REDIS_TEST_URL,
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
    )
    try:
        yield limited, client
    finally:
        client.flushdb()
        limiter.init_app(limited)  # leaves nothing pointing at Redis for later tests
        limiter.reset()
        limiter.enabled = False
        with limited.app_context():
            db.engine.dispose()


def test_rate_limits_are_counted_in_redis(redis_limited_app):
    app, redis_client = redis_limited_app
    client = app.test_client()
    answers = [
        client.post("/konto/anmelden", data={"email": "x@example.org", "password": "x"}).status_code
        for _ in range(11)
    ]
    assert answers[:10] == [200] * 10
    assert answers[10] == 429
    # The counters live in Redis, where every app server sees them.
    assert any(b"anmelden" in key or b"login" in key for key in redis_client.keys("*"))


def test_the_outbox_worker_is_woken_through_redis(redis_limited_app):
    app, redis_client = redis_limited_app
    wait = wakeup.waiter(REDIS_TEST_URL)
    stop = threading.Event()
    with app.app_context():
        assert wakeup.ring() is True
    started = time.monotonic()
    wait(stop, 10)
    assert time.monotonic() - started < 2
    # Signals do not pile up: one pending wake-up at most.
    with app.app_context():
        for _ in range(5):
            wakeup.ring()
    assert redis_client.llen(wakeup.KEY) == 1


def test_without_redis_the_worker_polls(app):
    stop = threading.Event()
    with app.app_context():
        assert wakeup.ring() is False
    started = time.monotonic()
    wakeup.waiter(None)(stop, 0.2)
    assert time.monotonic() - started >= 0.2


def test_unreachable_redis_does_not_fail_the_request(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    with app.app_context():
        assert wakeup.ring() is False


# --- retry after a lost connection --------------------------------------------------------------


def _lost():
    return OperationalError(
        "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
    )


def test_a_request_that_lost_its_connection_before_a_commit_runs_once_more(app):
    calls = []

    def view():
        calls.append(1)
        if len(calls) == 1:
            raise _lost()
        return "ok"

    with app.test_request_context():
        assert retry._again_once(view)() == "ok"
    assert len(calls) == 2


def test_no_second_run_after_a_commit_of_unknown_outcome(app):
    calls = []

    def view():
        calls.append(1)
        g.setdefault(retry.COMMITS, []).append(retry.UNKNOWN)
        raise _lost()

    with app.test_request_context(), pytest.raises(OperationalError):
        retry._again_once(view)()
    assert len(calls) == 1


def test_a_commit_that_wrote_nothing_does_not_prevent_the_second_run(app):
    calls = []

    def view():
        calls.append(1)
        if len(calls) == 1:
            g.setdefault(retry.COMMITS, []).append(None)
            raise _lost()
        return "ok"

    with app.test_request_context():
        assert retry._again_once(view)() == "ok"
    assert len(calls) == 2


def test_a_connection_lost_before_the_commit_was_sent_allows_the_second_run(app):
    """The transaction id is asked for just before the COMMIT; when that fails, the COMMIT
    never leaves and the transaction dies with the connection (found by the soak test)."""

    class Dead:
        class dialect:  # noqa: N801
            name = "postgresql"

        def exec_driver_sql(self, statement):
            raise _lost()

    calls = []

    def view():
        calls.append(1)
        if len(calls) == 1:
            retry._note_commit(Dead())
        return "ok"

    with app.test_request_context():
        assert retry._again_once(view)() == "ok"
    assert len(calls) == 2


@pytest.mark.skipif(BACKEND != "postgresql", reason="transaction ids are PostgreSQL's")
def test_postgresql_tells_whether_a_transaction_was_committed(app):
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(text("CREATE TEMPORARY TABLE probe (n int)"))
            connection.commit()
            connection.execute(text("INSERT INTO probe VALUES (1)"))
            aborted = connection.execute(text("SELECT txid_current()")).scalar()
            connection.rollback()
            connection.execute(text("INSERT INTO probe VALUES (2)"))
            committed = connection.execute(text("SELECT txid_current()")).scalar()
            connection.commit()
        assert retry._all_aborted([aborted]) is True
        assert retry._all_aborted([None, aborted]) is True
        assert retry._all_aborted([aborted, committed]) is False
        assert retry._all_aborted([retry.UNKNOWN]) is False


def test_other_database_errors_are_not_retried(app):
    calls = []

    def view():
        calls.append(1)
        raise OperationalError("SELECT 1", {}, Exception("deadlock detected"))

    with app.test_request_context(), pytest.raises(OperationalError):
        retry._again_once(view)()
    assert len(calls) == 1
