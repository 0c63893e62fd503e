"""A live server on 127.0.0.1 with the demo data, and Debian's Chromium driven by Playwright
(executable_path; no browser download)."""

import os
import shutil
import threading
from pathlib import Path

import flask_migrate
import pytest
from werkzeug.serving import make_server

from config import TestingConfig
from participation import create_app

# CHROMIUM names another binary (or, set to a missing path, shows how the suite skips).
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_database(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"


@pytest.fixture(scope="session")
def live_app(live_database, smtp_server):
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=live_database,
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        flask_migrate.upgrade()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return app


def _buffered(app):
    """Werkzeug's development server skips closing a response when the browser drops the
    connection early (a font request cancelled by navigation), leaving a file open until the
    garbage collector finds it. Reading every response whole and closing it here keeps the
    server from holding files, which pytest would otherwise report in an unrelated test."""

    def wsgi(environ, start_response):
        iterable = app(environ, start_response)
        try:
            body = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        return [body]

    return wsgi


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, _buffered(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    # The only reason to skip: a machine without Chromium (`make browser` installs Debian's).
    # Anything else that keeps the browser from starting is an error, not a skip.
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).is_file():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: browser tests (tests/e2e) skipped; "
            "install it with `make browser` (apt-get install chromium)"
        )
    from playwright import sync_api  # a dev requirement: missing it is an error

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, live_database):
    context = browser.new_context(base_url=live_server, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
