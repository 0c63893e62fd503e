"""Take the README screenshot: a section page of the demo strategy, rendered by Chromium.

python scripts/screenshot.py docs/screenshot.png
"""

import sys
import tempfile
import threading
from pathlib import Path

import flask_migrate
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import DevelopmentConfig  # noqa: E402
from participation import create_app  # noqa: E402

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def main(target: str, path: str = "/strategien/digitalstrategie-2030") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/shot.db")
        with app.app_context():
            flask_migrate.upgrade()
        app.test_cli_runner().invoke(args=["demo", "load"])
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{server.server_port}{path}")
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=target, full_page=False)
            browser.close()
        server.shutdown()
    print(f"screenshot written to {target}")


if __name__ == "__main__":
    main(*sys.argv[1:])
