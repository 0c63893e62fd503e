"""Fixtures: one database per test worker built by the migrations, every test inside a
transaction that is rolled back, a real SMTP server for mail, and factory helpers.

PARTICIPATION_TEST_BACKEND=postgresql runs the suite against TEST_DATABASE_URL.
"""

import os
import re
from datetime import timedelta
from urllib.parse import urlsplit

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestingConfig
from participation import create_app
from participation.extensions import db, limiter
from tests.factories import DiscussionFactory, Factory
from tests.smtp import SMTPServer

BACKEND = os.environ.get("PARTICIPATION_TEST_BACKEND", "sqlite")


def _postgresql_url(worker_id: str) -> sa.URL:
    base = sa.make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{base.database or 'participation_test'}_{worker_id}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    if BACKEND == "postgresql":
        return _postgresql_url(worker_id).render_as_string(hide_password=False)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(database_url, smtp_server):
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
    )
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _rate_limits_off():
    """The limiter is one object for the whole process and `init_app` of any app switches it
    on or off: a test that builds a production app would otherwise leave limits on for every
    later test on the same worker. Tests that want limits build their own app."""
    limiter.enabled = False
    yield
    limiter.enabled = False


@pytest.fixture
def limited_app(database_url, smtp_server):
    """A second app with rate limits on, for the tests of the limits themselves. The limiter
    is one object for the whole process: it is switched off and emptied afterwards."""
    limited = create_app(
        TestingConfig,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
    )
    try:
        yield limited
    finally:
        limiter.reset()
        limiter.enabled = False
        with limited.app_context():
            db.engine.dispose()


@pytest.fixture
def limited_client(limited_app):
    return limited_app.test_client()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Every test runs inside one outer transaction that is rolled back afterwards; the
    code under test commits to savepoints within it."""
    if "live_database" in request.fixturenames:
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    # Each app context (each request) still gets its own session, as in production, but all
    # of them work inside the outer transaction. No context stays pushed during the test:
    # a shared one would also share `g` (the logged-in user, the locale) across requests.
    # Objects keep their loaded values after commit so that tests can read what factories
    # returned; to see changes made by a request, tests query again.
    db.session = scoped_session(
        sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ),
        scopefunc=original.registry.scopefunc,
    )
    app.extensions["test_connection"] = connection
    try:
        yield
    finally:
        app.extensions.pop("test_connection", None)
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def app_ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def discuss(app):
    """Post comments, replies and ideas through the real services: discuss.comment(...)."""
    return DiscussionFactory(app)


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.clear()
    return smtp_server


@pytest.fixture
def make(app):
    """Factory helpers: make.user(...), make.strategy(...), ... Each call runs in its own
    app context; the returned objects are detached with their values loaded."""
    return Factory(app)


def extract_link(text: str, path_fragment: str) -> str:
    """The path and query of the first link in `text` that contains `path_fragment`."""
    for url in re.findall(r"https?://\S+", text):
        if path_fragment in url:
            parts = urlsplit(url)
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link containing {path_fragment!r} in:\n{text}")


@pytest.fixture
def login(client):
    def do_login(user, password: str = "correct horse battery"):
        response = client.post(
            "/konto/anmelden",
            data={"email": user.email, "password": password},
            follow_redirects=False,
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do_login


ONE_DAY = timedelta(days=1)
