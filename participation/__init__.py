"""The participation platform: `create_app()` builds the Flask application."""

from pathlib import Path

from flask import Flask

from participation import errors, extensions, security
from participation.database import configure_engine
from participation.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration is unsafe for the chosen profile."""


def check_production(config) -> None:
    """Refuse unsafe production settings with one line that says what to change."""
    from config import DEV_SECRET_KEY

    secret = config.get("SECRET_KEY") or ""
    if secret in (DEV_SECRET_KEY, "") or len(secret) < 32:
        raise ConfigError(
            "Refusing to start in production: set SECRET_KEY to a random value of at least "
            "32 characters (e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigError(
            "Refusing to start in production: DATABASE_URL points to SQLite; "
            "set it to a PostgreSQL URL (postgresql+psycopg://user:password@host/db)."
        )


def create_app(config_object=None, **overrides) -> Flask:
    from config import select_config

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_object or select_config())
    app.config.update(overrides)
    if app.config["ENV_NAME"] == "production":
        check_production(app.config)
    _normalise_database_url(app)
    Path(app.instance_path).mkdir(exist_ok=True)
    from participation.operations import request_log

    request_log.configure_logging(app.config["LOG_LEVEL"])
    from participation.privacy import logs

    logs.install()
    # First of all hooks: the request id and the clock exist for every other one.
    request_log.register(app)

    import participation.accounts.session  # noqa: F401  (user loader)
    import participation.models  # noqa: F401  (complete metadata before anything queries)
    from participation.i18n import select_locale

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    from participation.operations import retry

    retry.register(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    # Not the bare name `mail`: importing the participation.mail module rebinds it.
    extensions.mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    _register_blueprints(app)
    from participation import i18n

    i18n.register(app)
    errors.register(app)
    # Static files before the security hooks: ProxyFix then wraps them too (HSTS).
    from participation.operations import static

    static.register(app)
    security.register(app)
    _register_template_helpers(app)
    _register_cli(app)
    from participation.outbox import services as outbox

    outbox.register(app)
    return app


def _normalise_database_url(app: Flask) -> None:
    """Accept the common postgres:// and postgresql:// forms and use psycopg 3 for them."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len(prefix) :]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Sessions in UTC: psycopg then returns timestamps in `datetime.UTC` itself, which the
        # UTC column type passes through instead of converting every value.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("options", "-c TimeZone=UTC")
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _register_blueprints(app: Flask) -> None:
    from participation import i18n
    from participation.accounts import views as accounts
    from participation.admin import views as admin
    from participation.discussion import ideas
    from participation.discussion import views as discussion
    from participation.pages import views as pages
    from participation.strategies import editor
    from participation.strategies import views as strategies

    app.register_blueprint(strategies.bp)
    app.register_blueprint(editor.bp, url_prefix="/redaktion")
    app.register_blueprint(accounts.bp, url_prefix="/konto")
    app.register_blueprint(admin.bp, url_prefix="/verwaltung")
    app.register_blueprint(pages.bp)
    app.register_blueprint(discussion.bp)
    app.register_blueprint(i18n.bp)
    app.register_blueprint(ideas.bp)
    from participation.moderation import report_views

    app.register_blueprint(report_views.bp)
    from participation.moderation import views as moderation

    app.register_blueprint(moderation.bp, url_prefix="/moderation")
    from participation.moderation import official_views

    app.register_blueprint(official_views.bp, url_prefix="/moderation")
    app.register_blueprint(moderation.revision_bp)
    from participation.moderation import status_views

    app.register_blueprint(status_views.bp, url_prefix="/moderation")
    from participation.moderation import merge_views

    app.register_blueprint(merge_views.bp)
    from participation.departments import views as departments

    app.register_blueprint(departments.bp, url_prefix="/fachamt")
    app.register_blueprint(departments.office_bp, url_prefix="/moderation")
    from participation.notifications import views as notifications

    app.register_blueprint(notifications.bp)
    notifications.register(app)
    from participation.analogue import views as analogue
    from participation.workshops import views as workshops

    app.register_blueprint(analogue.bp, url_prefix="/moderation")
    app.register_blueprint(workshops.bp)
    from participation.roadmap import views as roadmap

    app.register_blueprint(roadmap.bp)
    app.register_blueprint(roadmap.office_bp, url_prefix="/moderation/roadmap")
    from participation.consolidation import views as consolidation

    app.register_blueprint(consolidation.bp)
    from participation.privacy import views as privacy

    app.register_blueprint(privacy.bp, url_prefix="/konto")
    from participation.opendata import views as opendata

    app.register_blueprint(opendata.bp)
    from participation.api import views as api

    app.register_blueprint(api.bp, url_prefix="/api/v1")
    from participation.statistics import views as statistics

    app.register_blueprint(statistics.bp)
    from participation.council import views as council

    app.register_blueprint(council.bp, url_prefix="/redaktion")
    council.register(app)
    from participation.operations import health

    app.register_blueprint(health.bp)


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from participation import formatting, permissions
    from participation.navigation import current_path
    from participation.pages.models import PageSlug

    @app.context_processor
    def inject():
        return {
            "current_locale": str(get_locale()),
            **permissions.TEMPLATE_PREDICATES,
            "municipality": app.config["MUNICIPALITY_NAME"],
            "office_name": app.config["OFFICE_NAME"],
            "current_path": current_path,
            "PageSlug": PageSlug,
        }

    formatting.register(app)
    from participation.discussion.render import render_threads

    app.jinja_env.globals["render_thread_html"] = render_threads


def _register_cli(app: Flask) -> None:
    from participation.accounts.cli import users_cli
    from participation.demo import demo_cli
    from participation.departments.views import forwardings_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    from participation.outbox.cli import outbox_cli

    app.cli.add_command(outbox_cli)
    app.cli.add_command(forwardings_cli)
    from participation.notifications.cli import notifications_cli

    app.cli.add_command(notifications_cli)
    from participation.privacy.cli import privacy_cli

    app.cli.add_command(privacy_cli)
    from participation.council.cli import council_cli

    app.cli.add_command(council_cli)
    from participation.operations.cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
