"""`flask outbox ...`: the worker that sends the mail, and a look at what waits."""

import signal
import threading
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from participation.extensions import db
from participation.outbox import services, wakeup
from participation.outbox.models import OutboxState

outbox_cli = AppGroup("outbox", help="The mail outbox: send, inspect, clean up.")


def _summary(tally: services.Tally) -> str:
    return (
        f"{tally.sent} sent, {tally.retrying} waiting for another attempt, {tally.failed} given up"
    )


@outbox_cli.command("work")
@click.option("--once", is_flag=True, help="Send everything that is due, then exit.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds between rounds (default: OUTBOX_POLL_SECONDS).",
)
def work(once: bool, poll: float | None) -> None:
    """Send the mail in the outbox, with retries. Runs until stopped (SIGTERM or Ctrl-C
    ends it after the message being sent); run it under a process manager in production."""
    if once:
        tally = services.drain()
        click.echo(_summary(tally))
        for error in dict.fromkeys(tally.errors):
            click.echo(f"  error: {error}")
        return
    stop = threading.Event()

    def _stop(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    poll = poll or current_app.config["OUTBOX_POLL_SECONDS"]
    backend = current_app.config["MAIL_BACKEND"]
    redis_url = current_app.config.get("REDIS_URL")
    woken = ", woken through Redis" if redis_url else ""
    click.echo(f"outbox worker: sending by {backend}, every {poll:g} s{woken}; stop with Ctrl-C")
    services.run_worker(stop, poll_seconds=poll, wait=wakeup.waiter(redis_url))
    click.echo("outbox worker stopped")


@outbox_cli.command("status")
def status() -> None:
    """How many messages are waiting, given up and sent."""
    counts = services.counts()
    for state in (OutboxState.PENDING, OutboxState.FAILED, OutboxState.SENT):
        click.echo(f"{state.value}: {counts[state]}")


@outbox_cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Delete sent mail older than this many days (default: OUTBOX_KEEP_SENT_DAYS).",
)
def purge(days: int | None) -> None:
    """Delete sent mail after a while: it holds personal data and links with tokens."""
    days = days or current_app.config["OUTBOX_KEEP_SENT_DAYS"]
    deleted = services.purge_sent(timedelta(days=days))
    db.session.commit()
    click.echo(f"{deleted} sent message(s) older than {days} days deleted")
