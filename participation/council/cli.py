"""`flask council import-oparl <slug> <paper-url>`: link a strategy to its council paper
from an OParl endpoint, as the editor's import does."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from participation.council import services
from participation.council.oparl import OParlError
from participation.council.services import CouncilError
from participation.extensions import db
from participation.strategies.models import Strategy

council_cli = AppGroup("council", help="Council papers of strategies.")


def describe(imported) -> list[str]:
    lines = [
        f"Paper {imported.reference}: {imported.name or '–'}",
        f"  address: {imported.url or '–'}",
    ]
    if not imported.consultations:
        lines.append("  no consultations")
    for c in imported.consultations:
        when = c.meeting_date.isoformat() if c.meeting_date else "no date"
        lines.append(f"  {when}  {c.committee}: {c.result or 'open'}")
    return lines


@council_cli.command("import-oparl")
@click.argument("slug")
@click.argument("paper_url")
@click.option("--dry-run", is_flag=True, help="Only show what would be saved.")
def import_oparl(slug: str, paper_url: str, dry_run: bool) -> None:
    """Fetch the OParl Paper at PAPER_URL with its consultations and save it as the council
    paper of the strategy SLUG (replacing what was entered before)."""
    strategy = db.session.scalar(select(Strategy).where(Strategy.slug == slug))
    if strategy is None:
        raise click.ClickException(f"There is no strategy with the address “{slug}”.")
    # Messages are translated; the command speaks the installation's default language.
    with current_app.test_request_context("/"):
        try:
            imported = services.fetch_from_oparl(paper_url)
            for line in describe(imported):
                click.echo(line)
            if dry_run:
                click.echo("Dry run: nothing saved.")
                return
            services.apply_import(strategy, imported, actor=None, expected_revision=None)
        except (OParlError, CouncilError) as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from None
        db.session.commit()
    click.echo(f"Saved as the council paper of “{strategy.title}”.")
