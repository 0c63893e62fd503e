"""Upgrading keeps every row.

On SQLite, batch mode rebuilds a table by copying it and dropping the original; with
foreign keys on, that DROP would delete every row that references the table (ON DELETE
CASCADE). A database filled at the last released schema is upgraded to the newest and
must still hold everything.
"""

# Fixed SQL of this test only (no outside input): S608 does not apply.
# ruff: noqa: S608
import flask_migrate
import sqlalchemy as sa

from config import TestingConfig
from participation import create_app
from participation.extensions import db

RELEASED = "0007_two_factor"
NOW = "2026-11-01 10:00:00.000000"

ROWS = [
    "INSERT INTO users (id, email, display_name, password_hash, auth_version, is_active,"
    f" created_at) VALUES (1, 'a@example.org', 'Anna', 'x', 1, 1, '{NOW}')",
    "INSERT INTO departments (id, name, short_name, created_at, may_publish_replies)"
    f" VALUES (1, 'Amt für Mobilität', 'Mobilität', '{NOW}', 0)",
    "INSERT INTO strategies (id, slug, title, summary, opens_at, closes_at, moderation_mode,"
    f" review_hours, created_at, revision) VALUES (1, 'plan', 'Plan', '', '{NOW}',"
    " '2027-01-01 00:00:00.000000', 'post', '', '2026-10-01 00:00:00.000000', 1)",
    "INSERT INTO versions (id, strategy_id, number, change_note, created_at, published_at)"
    f" VALUES (1, 1, 1, '', '{NOW}', '{NOW}')",
    # A section keyed like the roadmap page, which now takes its address, and one keyed
    # "roadmap-2" already, so that the renamed one must take "roadmap-3".
    "INSERT INTO sections (id, version_id, key, position, kind, title, body_md, body_html,"
    f" blocks, updated_at, revision) VALUES (1, 1, 'roadmap', 1, 'text', 'Roadmap', '', '',"
    f" '[]', '{NOW}', 1), (2, 1, 'roadmap-2', 2, 'text', 'Roadmap II', '', '', '[]', '{NOW}', 1)",
    "INSERT INTO contributions (id, strategy_id, version_id, kind, path, depth, title, body_md,"
    " body_html, text_hash, author_id, state, channel, is_official, report_count,"
    " reply_count, support_count, created_at, revision, section_id, section_key) VALUES (1, 1, 1,"
    " 'idea', '0000000001',"
    f" 0, 'Titel', 'Idee', '<p>Idee</p>', 'h1', 1, 'published', 'online', 0, 0, 1, 1, '{NOW}',"
    " 1, 1, 'roadmap')",
    "INSERT INTO contributions (id, strategy_id, version_id, kind, parent_id, root_id, path,"
    " depth, body_md, body_html, text_hash, author_id, state, channel, is_official,"
    " report_count, reply_count, support_count, created_at, revision) VALUES (2, 1, 1, 'reply',"
    " 1, 1, '0000000001.0000000002', 1, 'Antwort', '<p>Antwort</p>', 'h2', 1, 'published',"
    f" 'letter', 0, 0, 0, 0, '{NOW}', 1)",
    f"INSERT INTO supports (id, contribution_id, user_id, created_at) VALUES (1, 1, 1, '{NOW}')",
    "INSERT INTO forwardings (id, contribution_id, department_id, created_at, note, due_on,"
    f" state, shared, reminder_count) VALUES (1, 1, 1, '{NOW}', '', '2026-11-15', 'open', 0, 0)",
]
COUNTED = ("users", "departments", "strategies", "versions", "sections", "contributions",
           "supports", "forwardings", "events")  # fmt: skip


def test_upgrading_a_filled_sqlite_database_keeps_every_row(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        flask_migrate.upgrade(revision=RELEASED)
        with db.engine.begin() as connection:
            for statement in ROWS:
                connection.exec_driver_sql(statement)
            before = _counts(connection)
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert _counts(connection) == before
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            reply = connection.execute(sa.text("SELECT parent_id, channel FROM contributions"
                                               " WHERE id = 2")).one()  # fmt: skip
            assert tuple(reply) == (1, "letter")
            keys = connection.execute(sa.text("SELECT id, key FROM sections ORDER BY id")).all()
            assert [tuple(row) for row in keys] == [(1, "roadmap-3"), (2, "roadmap-2")]
            idea = connection.execute(
                sa.text("SELECT section_key FROM contributions WHERE id = 1")
            ).scalar()
            assert idea == "roadmap-3"
        db.engine.dispose()


def _counts(connection) -> dict[str, int]:
    return {
        table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
        for table in COUNTED
    }
