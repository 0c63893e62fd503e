"""`flask backup FILE` and `flask restore FILE [--force]`."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from participation.extensions import db
from participation.operations import backup as backups


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write a backup of the whole database to FILE (PostgreSQL: pg_dump's custom format;
    SQLite: a copy of the database file)."""
    try:
        backups.backup(db.engine, file)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written to {file} ({file.stat().st_size} bytes)")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace a database that already holds accounts, strategies or contributions.",
)
@with_appcontext
def restore_command(file: Path, force: bool) -> None:
    """Replace the database's content with the backup in FILE. Stop the web application
    and the outbox worker first; run `flask db upgrade` afterwards when the backup is
    older than the installed version."""
    db.session.remove()
    try:
        backups.restore(db.engine, file, force=force)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"database restored from {file}")
