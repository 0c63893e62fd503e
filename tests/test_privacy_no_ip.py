"""No IP addresses stored: no column for them, none in the rows a request writes, and the
application's logs shorten them to their network (IPv4 /24, IPv6 /48)."""

import json
import logging
import re

import sqlalchemy as sa
from sqlalchemy import select

from participation.events.models import Event
from participation.extensions import db
from participation.outbox.models import OutboxMessage
from participation.privacy.logs import LOGGERS, truncate_ip, truncate_ips
from participation.strategies.models import ModerationMode

CLIENT = "203.0.113.77"
FORWARDED = "198.51.100.23"
IP_LIKE = re.compile(
    r"(^|_)(ip|ips|ipv4|ipv6|ip_address|remote_addr|remote_address|client_addr)($|_)"
)


def test_no_table_has_an_ip_like_column(app):
    with app.app_context():
        inspector = sa.inspect(db.engine)
        columns = [
            f"{table}.{column['name']}"
            for table in inspector.get_table_names()
            for column in inspector.get_columns(table)
        ]
    assert len(columns) > 50  # the migrated schema, not an empty database
    assert [c for c in columns if IP_LIKE.search(c.split(".", 1)[1].lower())] == []


def _rows_as_text(app) -> str:
    with app.app_context():
        parts = []
        for event in db.session.scalars(select(Event)):
            parts.append(json.dumps([event.action, event.before, event.after]))
        for message in db.session.scalars(select(OutboxMessage)):
            parts.append(
                json.dumps([message.recipient, message.subject, message.body_text, message.headers])
            )
            parts.append(message.body_html or "")
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                parts.append(" ".join(str(value) for value in row))
        return "\n".join(parts)


def test_rows_written_by_requests_hold_no_ip(app, make, mailbox):
    make.strategy(slug="ipfrei", moderation_mode=ModerationMode.POST)
    client = app.test_client()
    environ = {"REMOTE_ADDR": CLIENT}
    headers = {"X-Forwarded-For": FORWARDED, "X-Real-IP": FORWARDED}
    posted = client.post(
        "/strategien/ipfrei/vision/kommentare",
        data={
            "body_md": "Ein Gastbeitrag ohne IP.",
            "guest_name": "Gerda Gast",
            "guest_email": "gerda@example.org",
            "guest_consent": "y",
        },
        environ_base=environ,
        headers=headers,
    )
    assert posted.status_code == 302
    registered = client.post(
        "/konto/registrieren",
        data={
            "email": "ipfrei@example.org",
            "display_name": "Ohne IP",
            "password": "ein langes Passwort ohne Adresse",
            "password_repeat": "ein langes Passwort ohne Adresse",
            "consent": "y",
        },
        environ_base=environ,
        headers=headers,
    )
    assert registered.status_code == 302
    user = make.user()
    logged_in = client.post(
        "/konto/anmelden",
        data={"email": user.email, "password": "correct horse battery"},
        environ_base=environ,
        headers=headers,
    )
    assert logged_in.status_code == 302
    text = _rows_as_text(app)
    assert "Ein Gastbeitrag ohne IP." in text  # the rows were read
    assert "account.registered" in text
    for address in (CLIENT, FORWARDED, "203.0.113.", "198.51.100."):
        assert address not in text


def test_truncation_to_networks():
    assert truncate_ip("203.0.113.77") == "203.0.113.0"
    assert truncate_ip("2001:db8:abcd:12:1:2:3:4") == "2001:db8:abcd::"
    line = f'{CLIENT} - - [21/Nov/2026 09:12:46] "GET / HTTP/1.1" 200 via 2001:db8:1:2::5.'
    assert truncate_ips(line) == (
        '203.0.113.0 - - [21/Nov/2026 09:12:46] "GET / HTTP/1.1" 200 via 2001:db8:1::.'
    )
    assert truncate_ips("version 1.2.3.4.5 at 09:12:46") == "version 1.2.3.4.5 at 09:12:46"


def test_logs_of_a_rate_limit_breach_hold_no_full_ip(limited_client, caplog, monkeypatch):
    # Alembic's logging setup in the migrations (run by the `app` fixture) switches off the
    # loggers that existed before it; a served application has them on.
    for name in LOGGERS:
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)
    with caplog.at_level(logging.INFO):
        statuses = [
            limited_client.post(
                "/konto/passwort-vergessen",
                data={"email": "niemand@example.org"},
                environ_base={"REMOTE_ADDR": CLIENT},
            ).status_code
            for _ in range(7)
        ]
        logging.getLogger("werkzeug").info('%s - - "GET / HTTP/1.1" 200', CLIENT)
    assert 429 in statuses
    assert "exceeded" in caplog.text
    assert "203.0.113.0" in caplog.text
    assert CLIENT not in caplog.text
