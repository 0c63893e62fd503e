"""`flask backup` and `flask restore`: a backup restored into an emptied database brings back
every contribution; a database that holds data is only replaced with --force.

SQLite always; PostgreSQL when TEST_DATABASE_URL is set and pg_dump is installed (in a
database of its own, `pt_prod`)."""

import os
import shutil

import flask_migrate
import pytest
import sqlalchemy as sa

from config import TestingConfig
from participation import create_app
from participation.demo import load_demo
from participation.extensions import db
from participation.operations import backup as backups

PG_DATABASE = "pt_prod"


def _postgresql_url() -> str | None:
    if not os.environ.get("TEST_DATABASE_URL") or shutil.which("pg_dump") is None:
        return None
    return (
        sa.make_url(os.environ["TEST_DATABASE_URL"])
        .set(database=PG_DATABASE)
        .render_as_string(hide_password=False)
    )


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _empty_database(url: str, path=None) -> None:
    """Drop and create the database (PostgreSQL) or remove the file (SQLite)."""
    if url.startswith("sqlite"):
        path.unlink(missing_ok=True)
        return
    admin = _admin_engine(url)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def live_database(request, tmp_path):
    """A database of this test's own (the name also keeps the rolled-back test transaction
    of conftest away: backup and restore work on whole databases)."""
    if request.param == "sqlite":
        path = tmp_path / "backup-test.sqlite3"
        url = f"sqlite:///{path}"
    else:
        url = _postgresql_url()
        if url is None:
            pytest.skip("PostgreSQL backup: TEST_DATABASE_URL not set or pg_dump not installed")
        path = None
    _empty_database(url, path)
    yield url, path
    if path is None:
        admin = _admin_engine(url)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        admin.dispose()


def _contributions(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            sa.text("SELECT id, kind, state, body_md, author_id FROM contributions ORDER BY id")
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_backup_wipe_restore_finds_every_contribution(live_database, tmp_path, smtp_server):
    url, path = live_database
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=url,
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
    )
    runner = app.test_cli_runner()
    with app.app_context():
        flask_migrate.upgrade()
        with app.test_request_context("/"):
            load_demo()
        db.session.commit()
        db.session.remove()
    before = _contributions(app)
    assert len(before) >= 10

    target = tmp_path / "participation.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output
    assert target.stat().st_size > 0

    # Restoring over the live data is refused without --force, and changes nothing.
    result = runner.invoke(args=["restore", str(target)])
    assert result.exit_code != 0
    assert "--force" in result.output
    assert _contributions(app) == before

    with app.app_context():
        db.engine.dispose()
    _empty_database(url, path)
    with app.app_context():
        assert not backups.holds_data(db.engine)

    result = runner.invoke(args=["restore", str(target)])
    assert result.exit_code == 0, result.output
    assert _contributions(app) == before
    with app.app_context():
        # The restored database is at the migrations' head and in use as before.
        assert db.session.scalar(sa.text("SELECT count(*) FROM users")) > 0
        heads = db.session.scalars(sa.text("SELECT version_num FROM alembic_version")).all()
        db.session.remove()
    assert heads

    # With --force the backup replaces what is there (here: one more contribution).
    with app.app_context():
        last = {"id": before[-1][0]}
        db.session.execute(sa.text("DELETE FROM contributions WHERE id = :id"), last)
        db.session.commit()
        db.session.remove()
    assert _contributions(app) != before
    result = runner.invoke(args=["restore", "--force", str(target)])
    assert result.exit_code == 0, result.output
    assert _contributions(app) == before
    with app.app_context():
        db.engine.dispose()


def test_restore_refuses_a_file_that_is_no_backup(tmp_path):
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("no database here")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'target.sqlite3'}")
    with pytest.raises(backups.BackupError):
        backups.restore(engine, not_a_backup)
    engine.dispose()


def test_backup_refuses_an_in_memory_database(tmp_path):
    engine = sa.create_engine("sqlite://")
    with pytest.raises(backups.BackupError, match="in-memory"):
        backups.backup(engine, tmp_path / "x.backup")
