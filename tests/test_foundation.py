"""The application shell: configuration, schema, layout, errors and languages."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from config import DEV_SECRET_KEY, ProductionConfig
from participation import ConfigError, create_app
from participation.extensions import db


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}, "DATABASE_URL"),
    ],
)
def test_production_refuses_unsafe_settings(overrides, message):
    with pytest.raises(ConfigError, match=message) as caught:
        create_app(ProductionConfig, **overrides)
    assert "\n" not in str(caught.value)


def test_production_starts_with_safe_settings():
    app = create_app(
        ProductionConfig,
        SECRET_KEY="k" * 64,
        SQLALCHEMY_DATABASE_URI="postgresql://user@127.0.0.1/participation",
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unknown_url_gets_friendly_404_in_layout(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Seite nicht gefunden" in html
    assert 'href="#main"' in html  # the layout's skip link


def test_oversized_body_gets_clear_message(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/konto/anmelden", data={"email": "x" * (limit + 10)})
    assert response.status_code == 413
    assert "größer" in response.get_data(as_text=True)


def test_german_by_default_and_english_remembered(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Zum Inhalt springen" in page
    response = client.post("/sprache", data={"lang": "en", "next": "/konto/anmelden"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/konto/anmelden"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Skip to main content" in page


def test_language_switch_refuses_foreign_redirect(client):
    response = client.post("/sprache", data={"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    response = client.post("/sprache", data={"lang": "en", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_security_headers(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
