"""`flask privacy purge`: erase what is no longer needed (run daily by a timer)."""

import click
from flask.cli import AppGroup

from participation.extensions import db
from participation.privacy import services

privacy_cli = AppGroup("privacy", help="Data protection: erase data no longer needed.")


@privacy_cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Erase guests' addresses this many days after confirmation "
    "(default: PRIVACY_GUEST_EMAIL_DAYS).",
)
def purge(days: int | None) -> None:
    """Erase guests' e-mail addresses, unconfirmed guest follows and old mail once they
    are no longer needed. Safe to run any number of times."""
    result = services.purge(days=days)
    db.session.commit()
    click.echo(str(result))
