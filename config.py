"""Settings, read from the environment with safe development defaults.

`PARTICIPATION_ENV` selects the profile: development (default), testing or production.
Production refuses to start with a development secret or SQLite (see `check_production`).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET_KEY = "dev-only-secret-key-change-me"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'participation.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Who runs this installation; shown in the header, mails and legal pages.
    MUNICIPALITY_NAME = os.environ.get("MUNICIPALITY_NAME", "Stadt Musterstadt")
    OFFICE_NAME = os.environ.get("OFFICE_NAME", "Amt für Digitalisierung")
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "de")
    BABEL_DEFAULT_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Europe/Berlin")
    LANGUAGES = ("de", "en")

    # "log" writes mail to the application log; "smtp" sends it through MAIL_SERVER.
    MAIL_BACKEND = os.environ.get(
        "MAIL_BACKEND", "smtp" if os.environ.get("MAIL_SERVER") else "log"
    )
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "beteiligung@musterstadt.example")
    # Seconds for each network operation with the mail server; a hanging server must not
    # hold a request or outlive a worker's lease (OUTBOX_LEASE_SECONDS).
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 20)

    # The outbox (participation/outbox): every mail is a row written with the change that
    # causes it, sent right after the commit and otherwise by `flask outbox work`.
    OUTBOX_SEND_AFTER_COMMIT = _bool("OUTBOX_SEND_AFTER_COMMIT", True)
    # More mails than this from one transaction are left to the worker.
    OUTBOX_SEND_AFTER_COMMIT_LIMIT = _int("OUTBOX_SEND_AFTER_COMMIT_LIMIT", 50)
    # A worker thread inside the web process (development only; production runs the worker
    # as a process of its own).
    OUTBOX_BACKGROUND_WORKER = False
    OUTBOX_POLL_SECONDS = _int("OUTBOX_POLL_SECONDS", 10)
    OUTBOX_BATCH_SIZE = _int("OUTBOX_BATCH_SIZE", 20)
    OUTBOX_LEASE_SECONDS = _int("OUTBOX_LEASE_SECONDS", 600)
    # Waits after failed attempts: 1 min, 2, 4, ... at most 6 h; 20 attempts span about three
    # days, so a mail server that is down over a weekend loses nothing.
    OUTBOX_RETRY_BASE_SECONDS = _int("OUTBOX_RETRY_BASE_SECONDS", 60)
    OUTBOX_RETRY_MAX_SECONDS = _int("OUTBOX_RETRY_MAX_SECONDS", 6 * 3600)
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 20)
    # `flask outbox purge` deletes sent mail older than this.
    OUTBOX_KEEP_SENT_DAYS = _int("OUTBOX_KEEP_SENT_DAYS", 30)

    # Data protection (participation/privacy, the privacy notice). `flask privacy purge`
    # erases a guest's e-mail address this many days after the contribution was confirmed.
    PRIVACY_GUEST_EMAIL_DAYS = _int("PRIVACY_GUEST_EMAIL_DAYS", 90)
    # Who is responsible, shown in the privacy notice and the accessibility statement.
    # The defaults are placeholders that make a missing setting obvious on the page.
    CONTROLLER_ADDRESS = os.environ.get(
        "CONTROLLER_ADDRESS", "[Anschrift der Verwaltung: Straße, PLZ Ort]"
    )
    CONTROLLER_EMAIL = os.environ.get("CONTROLLER_EMAIL", "[E-Mail-Adresse der Verwaltung]")
    CONTROLLER_PHONE = os.environ.get("CONTROLLER_PHONE", "[Telefonnummer der Verwaltung]")
    DPO_CONTACT = os.environ.get(
        "DPO_CONTACT", "[Name, Anschrift und E-Mail-Adresse der/des Datenschutzbeauftragten]"
    )
    SUPERVISORY_AUTHORITY = os.environ.get(
        "SUPERVISORY_AUTHORITY",
        "[Landesbeauftragte/r für den Datenschutz: Name, Anschrift, Website]",
    )
    ACCESSIBILITY_CONTACT = os.environ.get(
        "ACCESSIBILITY_CONTACT", "[E-Mail-Adresse und Telefonnummer für Barrieremeldungen]"
    )
    ACCESSIBILITY_ENFORCEMENT_BODY = os.environ.get(
        "ACCESSIBILITY_ENFORCEMENT_BODY",
        "[Durchsetzungsstelle des Landes bzw. Schlichtungsstelle nach § 16 BGG: "
        "Name, Anschrift, Website]",
    )
    ACCESSIBILITY_STATEMENT_DATE = os.environ.get("ACCESSIBILITY_STATEMENT_DATE", "[Datum]")

    # Open data (participation/opendata): the licence of the downloads and the DCAT-AP.de
    # catalogue at /offene-daten/katalog.jsonld. The attribution text defaults to the
    # municipality's name; the publisher's URI to BASE_URL. CONTRIBUTOR_ID is the
    # dcatde:contributorID the open-data portal assigned (GovData needs it for harvesting);
    # GEOCODING_URI e.g. http://dcat-ap.de/def/politicalGeocoding/municipalityKey/<AGS>.
    OPEN_DATA_LICENSE_URI = os.environ.get(
        "OPEN_DATA_LICENSE_URI", "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    )
    OPEN_DATA_LICENSE_LABEL = os.environ.get(
        "OPEN_DATA_LICENSE_LABEL", "Datenlizenz Deutschland – Namensnennung – Version 2.0"
    )
    OPEN_DATA_ATTRIBUTION = os.environ.get("OPEN_DATA_ATTRIBUTION", "")
    OPEN_DATA_PUBLISHER_URI = os.environ.get("OPEN_DATA_PUBLISHER_URI", "")
    OPEN_DATA_CONTRIBUTOR_ID = os.environ.get("OPEN_DATA_CONTRIBUTOR_ID", "")
    OPEN_DATA_GEOCODING_URI = os.environ.get("OPEN_DATA_GEOCODING_URI", "")

    # Redis keeps the rate-limit counters of all app servers (without it each process counts
    # on its own, in memory) and wakes the outbox worker (participation/outbox/wakeup.py).
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    # Redis away: count in memory meanwhile rather than refuse every limited request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Contributions (comments, replies, ideas) per account and per client address. A load
    # test raises it (benchmarks/soak.py); a real installation has no reason to.
    RATELIMIT_POSTING = os.environ.get("RATELIMIT_POSTING", "5 per 10 minutes")
    # Static files without the content hash in their address (see participation/operations/
    # static.py; addresses with it are cached for a year).
    STATIC_MAX_AGE = _int("STATIC_MAX_AGE", 3600)
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True

    # Uploads (Markdown import) and forms stay far below this.
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    EMAIL_CONFIRM_MAX_AGE = 7 * 24 * 3600
    PASSWORD_RESET_MAX_AGE = 2 * 3600

    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (TLS
    # usually ends at one): their headers then give the client's address (rate limits) and
    # HTTPS (HSTS, secure links). 0 trusts no such header.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    DEMO_DATA_ALLOWED = True
    # Moderators and administrators must set up TOTP two-factor login before they can open
    # anything else (participation.accounts.two_factor); on by default in production.
    REQUIRE_TWO_FACTOR_FOR_STAFF = _bool("REQUIRE_TWO_FACTOR_FOR_STAFF", False)
    # Open reports from this many distinct readers hide a contribution until a moderator decides.
    REPORT_HIDE_THRESHOLD = _int("REPORT_HIDE_THRESHOLD", 3)
    # Importing a council paper from OParl: seconds per request, largest answer in bytes.
    OPARL_TIMEOUT = _int("OPARL_TIMEOUT", 10)
    OPARL_MAX_BYTES = _int("OPARL_MAX_BYTES", 1024 * 1024)


class DevelopmentConfig(Config):
    OUTBOX_BACKGROUND_WORKER = _bool("OUTBOX_BACKGROUND_WORKER", True)


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "smtp"
    # Flask-Mail suppresses sending when TESTING is on; the tests use a real SMTP server.
    MAIL_SUPPRESS_SEND = False
    OUTBOX_BACKGROUND_WORKER = False
    # Tests that let the mail server fail must not wait for a socket timeout.
    MAIL_TIMEOUT = 5
    # Tests post forms directly; test_csrf.py checks the protection with it switched on.
    WTF_CSRF_ENABLED = False
    SERVER_NAME = None
    BASE_URL = "http://localhost"


class ProductionConfig(Config):
    ENV_NAME = "production"
    # Only for trying the production stack on one's own machine (`make serve-prod`).
    DEMO_DATA_ALLOWED = _bool("DEMO_DATA_ALLOWED", False)
    # Mail goes to MAIL_SERVER (default: the local MTA on localhost:25). Writing it to the log
    # would put password-reset links there; only an explicit MAIL_BACKEND=log does that.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    REQUIRE_TWO_FACTOR_FOR_STAFF = _bool("REQUIRE_TWO_FACTOR_FOR_STAFF", True)
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Per process. pre_ping replaces connections the server has dropped (restart, failover,
    # pg_terminate_backend) before a request uses them. A gunicorn worker serves THREADS
    # requests at once and the outbox sends after commits on a connection of its own, so
    # the pool needs a little more than the threads; the total over all processes
    # (workers × (DB_POOL_SIZE + DB_MAX_OVERFLOW) + worker processes) must stay below
    # PostgreSQL's max_connections (100 by default).
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        "pool_size": _int("DB_POOL_SIZE", 5),
        "max_overflow": _int("DB_MAX_OVERFLOW", 5),
        "pool_timeout": _int("DB_POOL_TIMEOUT", 10),
        # Recycled before firewalls or poolers in between cut idle connections silently.
        "pool_recycle": _int("DB_POOL_RECYCLE", 1800),
        # Error messages (and so the log) show statements without their values, which may
        # be e-mail addresses or texts.
        "hide_parameters": True,
    }


PROFILES = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def select_config():
    return PROFILES[os.environ.get("PARTICIPATION_ENV", "development")]
