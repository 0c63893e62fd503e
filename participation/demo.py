"""`flask demo load`: the demo strategy and one account per role (development only).

Everything is created through the same services the web interface uses, so the demo data
is valid in every respect (events, rendered HTML, keys that survive between versions).
Loading is idempotent: what exists already (found by e-mail, short name or slug) is left
as it is, and a second run reports that nothing changed.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from participation.accounts.models import Department, Role, User
from participation.extensions import db
from participation.strategies.models import ModerationMode, Strategy

demo_cli = AppGroup("demo", help="Demo data for trying the platform.")

CONTENT = Path(__file__).parent / "demo_content"
DEMO_PASSWORD = "Beteiligung-Demo-2030"  # noqa: S105 (documented demo password)

DEPARTMENT = {
    "name": "Amt für Mobilität",
    "short_name": "AMob",
    "email": "mobilitaet@musterstadt.example",
}
# A second department without demo accounts, so that forwarding offers a choice.
SCHOOL_DEPARTMENT = {
    "name": "Schulverwaltungsamt",
    "short_name": "Amt 40",
    "email": "schulverwaltung@musterstadt.example",
}

# (e-mail, display name, roles, member of the demo department)
ACCOUNTS: list[tuple[str, str, tuple[Role, ...], bool]] = [
    ("buerger@example.org", "Kim aus der Altstadt", (), False),
    ("moderation@example.org", "Moderation Amt für Digitalisierung", (Role.MODERATOR,), False),
    ("fachamt@example.org", "Amt für Mobilität", (Role.DEPARTMENT,), True),
    ("lenkung@example.org", "Lenkungsausschuss", (Role.COMMITTEE,), False),
    ("gremium@example.org", "Mitglied des Lenkungsausschusses", (Role.COMMITTEE,), False),
    ("admin@example.org", "Administration", (Role.ADMIN,), False),
]

STRATEGY = {
    "slug": "digitalstrategie-2030",
    "title": "Digitalstrategie Musterstadt 2030",
    "summary": (
        "Wie soll Musterstadt im Jahr 2030 digital aufgestellt sein? Der Entwurf beschreibt "
        "eine Vision, sechs Handlungsfelder mit ersten Projekten und die Strukturen für die "
        "Umsetzung. Kommentieren Sie einzelne Abschnitte und bringen Sie eigene Ideen ein."
    ),
    "moderation_mode": ModerationMode.PRE,
    "review_hours": "Montag bis Freitag, 9 bis 16 Uhr",
}
PARTICIPATION_WEEKS = 8

# The published versions, oldest first: (document, change note).
VERSIONS = [
    (
        "digitalstrategie-2030-v1.md",
        "Erster Entwurf zur öffentlichen Beteiligung.",
    ),
    (
        "digitalstrategie-2030-v2.md",
        "Überarbeitung nach den ersten Rückmeldungen: Zeitplan für die Online-Leistungen "
        "präzisiert, Projekt „Digitale Pflegeplatzbörse“ ergänzt, Projekt „Schul-IT aus "
        "einer Hand“ in den Medienentwicklungsplan der Schulen überführt und das "
        "Handlungsfeld Mobilität neben Klimaschutz und Nachhaltigkeit gestellt.",
    ),
]


COUNCIL_PAPER = {
    "reference": "VO/2026/123",
    "url": "https://ris.musterstadt.example/vo0050.asp?__kvonr=123",
}


class DemoRefused(RuntimeError):
    """Demo data is not allowed in this installation (production)."""


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created)


def participation_window(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Open since the start of yesterday (local time), for eight weeks."""
    yesterday = now.astimezone(zone).date() - timedelta(days=1)
    opens_at = datetime.combine(yesterday, time(0), tzinfo=zone)
    closes_at = datetime.combine(
        yesterday + timedelta(weeks=PARTICIPATION_WEEKS), time(0), tzinfo=zone
    ) - timedelta(minutes=1)
    return opens_at, closes_at


def _department(result: DemoResult, actor: User | None, values=DEPARTMENT) -> Department:
    from participation.admin.services import create_department

    existing = db.session.scalar(
        select(Department).where(Department.short_name == values["short_name"])
    )
    if existing is not None:
        return existing
    department = create_department(
        values["name"], values["short_name"], values["email"], actor=actor
    )
    result.created.append(f"department {department.name} ({department.short_name})")
    return department


def _account(result: DemoResult, email, name, roles, department, actor) -> User:
    from participation.accounts.services import create_user

    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        return existing
    user = create_user(email, name, DEMO_PASSWORD, roles=roles, department=department, actor=actor)
    result.created.append(f"account {email}")
    return user


def _strategy(result: DemoResult, actor: User, now: datetime) -> Strategy | None:
    from participation.strategies import services

    if db.session.scalar(select(Strategy.id).where(Strategy.slug == STRATEGY["slug"])):
        return
    opens_at, closes_at = participation_window(
        now, ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    )
    strategy = services.create_strategy(
        actor=actor, opens_at=opens_at, closes_at=closes_at, **STRATEGY
    )
    for document, change_note in VERSIONS:
        text = (CONTENT / document).read_text(encoding="utf-8")
        services.import_document(strategy, text, actor=actor)
        version = services.publish(strategy, actor=actor, change_note=change_note)
        result.created.append(f"strategy {strategy.slug}, version {version.number}")
    return strategy


def load_demo(now: datetime | None = None) -> DemoResult:
    """Create whatever part of the demo data is missing; flushes, never commits."""
    from participation.database import utcnow

    if not current_app.config.get("DEMO_DATA_ALLOWED", False):
        raise DemoRefused(
            "Demo data is not allowed in this installation (DEMO_DATA_ALLOWED is off, "
            "as in production)."
        )
    now = now or utcnow()
    result = DemoResult()
    admin_email = next(email for email, _, roles, _ in ACCOUNTS if Role.ADMIN in roles)
    # The administrator first, so that it is the actor of everything else in the event log.
    ordered = sorted(ACCOUNTS, key=lambda account: account[0] != admin_email)
    admin = None
    department = None
    for email, name, roles, in_department in ordered:
        if in_department and department is None:
            department = _department(result, admin)
        user = _account(result, email, name, roles, department if in_department else None, admin)
        if email == admin_email:
            admin = user
    strategy = _strategy(result, admin, now)
    if strategy is not None:
        # Only with a new strategy, so that a second run changes nothing.
        from participation.demo_discussion import load_discussion

        citizen = db.session.scalar(select(User).where(User.email == "buerger@example.org"))
        moderator = db.session.scalar(select(User).where(User.email == "moderation@example.org"))
        count = load_discussion(strategy, citizen, moderator)
        result.created.append(f"{count} comments, replies and ideas")
    _forwardings(result, admin)
    _outcomes(result)
    _council_paper(result, admin)
    _roadmap(result, admin)
    _consolidation(result, admin, now)
    _workshops(result)
    db.session.flush()
    return result


def _workshops(result: DemoResult) -> None:
    """Two workshops with results, a letter and a phone call, once; also added to demo data
    loaded before they existed."""
    from participation.demo_workshops import load_workshops
    from participation.workshops.models import Workshop

    strategy = db.session.scalar(select(Strategy).where(Strategy.slug == STRATEGY["slug"]))
    if strategy is None or db.session.scalar(
        select(Workshop.id).where(Workshop.strategy_id == strategy.id).limit(1)
    ):
        return
    moderator = db.session.scalar(select(User).where(User.email == "moderation@example.org"))
    if moderator is None:
        return
    count = load_workshops(strategy, moderator)
    result.created.append(f"2 workshops, {count} contributions by letter, phone and workshop")


def _consolidation(result: DemoResult, admin: User, now: datetime) -> None:
    """An earlier, closed participation with the committee's ratings and two selections."""
    from participation.consolidation.demo import SLUG, load_consolidation

    count = load_consolidation(admin, now)
    if count:
        result.created.append(f"strategy {SLUG} with {count} rated ideas and two selections")


def _roadmap(result: DemoResult, admin: User) -> None:
    """The demo roadmap, once (also added to demo data loaded before it existed)."""
    from participation.demo_roadmap import DIGITAL_DEPARTMENT, load_roadmap

    strategy = db.session.scalar(select(Strategy).where(Strategy.slug == STRATEGY["slug"]))
    moderator = db.session.scalar(select(User).where(User.email == "moderation@example.org"))
    if strategy is None or moderator is None:
        return
    departments = {
        values["short_name"]: _department(result, admin, values)
        for values in (DEPARTMENT, SCHOOL_DEPARTMENT, DIGITAL_DEPARTMENT)
    }
    count = load_roadmap(strategy, moderator, departments)
    if count:
        result.created.append(f"{count} roadmap projects")


def _council_paper(result: DemoResult, admin: User) -> None:
    """The demo strategy's council paper, once: the committee took note of the draft before
    the participation; the council decides after it. Also added to older demo data."""
    from participation.council import services as council

    strategy = db.session.scalar(select(Strategy).where(Strategy.slug == STRATEGY["slug"]))
    if strategy is None or council.paper_of(strategy.id) is not None:
        return
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    opened = strategy.opens_at.astimezone(zone).date()
    closed = strategy.closes_at.astimezone(zone).date()
    council.save_paper(
        strategy,
        actor=admin,
        expected_revision=0,
        reference=COUNCIL_PAPER["reference"],
        url=COUNCIL_PAPER["url"],
        consultations=[
            council.ConsultationInput(
                "Ausschuss für Digitalisierung und Organisation",
                opened - timedelta(days=14),
                "zur Kenntnis genommen",
            ),
            council.ConsultationInput("Rat der Stadt Musterstadt", closed + timedelta(days=42)),
        ],
    )
    result.created.append(f"council paper {COUNCIL_PAPER['reference']}")


def _outcomes(result: DemoResult) -> None:
    """Official replies and decisions on some demo suggestions (after the forwardings), so
    that the statistics and the council report have something to count. Also added to demo
    data loaded before they existed."""
    from participation.demo_statistics import load_outcomes

    strategy = db.session.scalar(select(Strategy).where(Strategy.slug == STRATEGY["slug"]))
    moderator = db.session.scalar(select(User).where(User.email == "moderation@example.org"))
    if strategy is None or moderator is None:
        return
    count = load_outcomes(strategy, moderator)
    if count:
        result.created.append(f"{count} official replies and decisions")


def _forwardings(result: DemoResult, admin: User) -> None:
    """Forwardings of the demo discussion, once: one answered, two open (one of them in the
    inbox of fachamt@example.org). Also added to demo data loaded before they existed."""
    from participation.demo_discussion import load_forwardings
    from participation.departments.models import Forwarding
    from participation.discussion.models import Contribution

    strategy = db.session.scalar(select(Strategy).where(Strategy.slug == STRATEGY["slug"]))
    if strategy is None:
        return
    forwarded = db.session.scalar(
        select(Forwarding.id)
        .join(Contribution, Contribution.id == Forwarding.contribution_id)
        .where(Contribution.strategy_id == strategy.id)
        .limit(1)
    )
    if forwarded is not None:
        return
    schools = _department(result, admin, SCHOOL_DEPARTMENT)
    mobility = _department(result, admin, DEPARTMENT)
    moderator = db.session.scalar(select(User).where(User.email == "moderation@example.org"))
    member = db.session.scalar(select(User).where(User.email == "fachamt@example.org"))
    if moderator is None or member is None or member.department_id != mobility.id:
        return
    count = load_forwardings(strategy, moderator, member, mobility, schools)
    result.created.append(f"{count} forwardings to departments")


@demo_cli.command("load")
@with_appcontext
def load():
    """Load the demo strategy and demo accounts (idempotent)."""
    try:
        # The services build translated messages, which need a request for the locale.
        with current_app.test_request_context("/"):
            result = load_demo()
    except DemoRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    if result.changed:
        click.echo("Demo data loaded:")
        for line in result.created:
            click.echo(f"  created {line}")
    else:
        click.echo("Demo data is already complete; nothing changed.")
    click.echo("")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, _name, roles, in_department in ACCOUNTS:
        role = ", ".join(role.value for role in roles) or "citizen"
        extra = f", {DEPARTMENT['name']}" if in_department else ""
        click.echo(f"  {email:<26} {role}{extra}")
    click.echo(f"Demo strategy: /strategien/{STRATEGY['slug']}")
