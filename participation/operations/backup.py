"""Backups of the whole database and their restoration.

PostgreSQL: `pg_dump --format=custom` (compressed, restorable table by table, across server
versions) and `pg_restore --clean --if-exists --single-transaction`, so that a restore
either replaces everything or changes nothing. SQLite: the sqlite3 online backup API, which
copies a consistent state even while the application writes.

A restore replaces whatever the target database holds. It refuses a database that holds
data (accounts, strategies or contributions) unless told otherwise: restoring the backup of
last night over today's database by mistake would lose a day of contributions.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

# Tables whose rows are data someone made; a database with none of them is "empty" even
# when it has been migrated (migrations write reference rows such as netiquette reasons).
CONTENT_TABLES = ("users", "strategies", "contributions")


class BackupError(RuntimeError):
    """Backing up or restoring failed; the message says why."""


def _libpq(url: sa.URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, the password in the environment (not on
    the command line, where every user of the machine could read it)."""
    args = ["--no-password"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) in the server's major version or newer."
        )
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def holds_data(engine: sa.Engine) -> bool:
    """Whether any account, strategy or contribution exists (False for a new database)."""
    existing = set(sa.inspect(engine).get_table_names())
    with engine.connect() as connection:
        for table in CONTENT_TABLES:
            if (
                table in existing
                and connection.execute(
                    sa.text(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608  (fixed names)
                ).first()
            ):
                return True
    return False


def backup(engine: sa.Engine, target: Path) -> None:
    """Write a backup of the whole database to `target` (replaced if it exists)."""
    url = engine.url
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    if url.get_backend_name() == "postgresql":
        args, env = _libpq(url)
        _run(
            [_tool("pg_dump"), *args, "--format=custom", f"--file={partial}", url.database],
            env,
        )
    elif url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        destination = sqlite3.connect(partial)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
    else:
        raise BackupError(f"backups of {url.get_backend_name()} are not supported")
    # Only a complete backup takes the name: an interrupted run leaves the old one intact.
    partial.replace(target)


def restore(engine: sa.Engine, source: Path, *, force: bool = False) -> None:
    """Replace the database's content with the backup in `source`. Refuses a database that
    holds data unless `force`."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if not force and holds_data(engine):
        raise BackupError(
            "the database already holds data (accounts, strategies or contributions); "
            "restoring would replace it. Use --force if that is what you want."
        )
    # No connection of this process may hold the old tables while they are replaced.
    engine.dispose()
    url = engine.url
    if url.get_backend_name() == "postgresql":
        args, env = _libpq(url)
        _run(
            [
                _tool("pg_restore"),
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={url.database}",
                str(source),
            ],
            env,
        )
    elif url.get_backend_name() == "sqlite":
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            if backup_db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not an intact SQLite database")
            backup_db.backup(target)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} could not be restored: {error}") from error
        finally:
            target.close()
            backup_db.close()
    else:
        raise BackupError(f"restoring {url.get_backend_name()} is not supported")
