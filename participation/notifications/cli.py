"""`flask notifications digest`: the daily digests (run it once a day, e.g. by a timer;
running it again the same day sends nothing twice)."""

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from participation.extensions import db
from participation.notifications import digest

notifications_cli = AppGroup("notifications", help="E-mail notifications.")


@notifications_cli.command("digest")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The local day the digests are for (default: today).",
)
@with_appcontext
def digest_command(day):
    """Send today's digests: each person's collected notifications, and the moderators'
    overview of the queue and of overdue forwardings. Idempotent per day."""
    today: date | None = day.date() if day else None
    # Mail subjects and bodies are translated, which needs a request for the locale.
    with current_app.test_request_context("/"):
        run = digest.send_digests(today=today, after_each=db.session.commit)
        db.session.commit()
    click.echo(
        f"Sent {run.items} digest(s) of collected notifications and "
        f"{run.moderation} moderation digest(s)."
    )
