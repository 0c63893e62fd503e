"""Benchmark of the statistics page and the council report (issue 7).

    .venv/bin/python benchmarks/council_report.py [--contributions 2000] [--repeat 5]
        [--sqlite]

A fresh database (PostgreSQL `participation_bench_report` on 127.0.0.1:5432 when reachable,
else a temporary SQLite file; BENCH_DATABASE names another PostgreSQL database), migrated and
seeded by `seed.py` (one strategy, four fields of action, comments with replies, ideas with
statuses), then in bulk: a second published version, official replies below about a third
of the suggestions, status changes (adopted with the section of version 2 it went into,
partially adopted, not adopted, answered) in the event log, and forwardings to three
departments. `--contributions` counts the citizens' contributions (a fifth of them ideas).

Measured in-process through Flask's test client (the page and the report are rendered by
the same code under gunicorn; what matters here is the rendering, not the server): the
public statistics page `/strategien/<slug>/statistik`, the printable report
`/strategien/<slug>/bericht` and the PDF `/strategien/<slug>/bericht.pdf`, as a moderator.
Each route once with the chart and PDF caches empty (charts drawn by matplotlib, the PDF by
WeasyPrint), then `--repeat` times with the charts cached (the PDF rendered anew each time),
and the PDF once more as a repeated request (served from the PDF cache): first, p50 and max
wall clock, p50 of the process's CPU time (which other work on the machine disturbs less),
and the response size. The six charts are also drawn alone, uncached, to show what the
chart cache saves, and the SELECT statements of one statistics page are counted. The exit
code is 1 when a route does not answer 200.
"""

import argparse
import contextlib
import io
import logging
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE", "participation_bench_report")

import discussion as bench  # noqa: E402  (sets sys.path and the environment first)

REPEAT = 5


def _bulk_outcomes(strategy_id: int, rng: random.Random) -> dict:
    """Version 2, official replies, status changes and forwardings, written in bulk the way
    the services leave them."""
    from sqlalchemy import insert, select, text, update

    from participation.accounts.models import Department, Role, User, UserRole
    from participation.accounts.passwords import hash_password
    from participation.database import utcnow
    from participation.departments.models import Forwarding, ForwardingState
    from participation.discussion.models import (
        PATH_DIGITS,
        Contribution,
        ContributionKind,
        ModerationState,
        ProcessingStatus,
    )
    from participation.events.models import Event
    from participation.extensions import db
    from participation.markup import render_contribution
    from participation.moderation.status import STATUS_CHANGED
    from participation.strategies.models import Section, Version

    now = utcnow()
    moderator = User(
        email="moderation@example.org",
        display_name="Moderation Benchmark",
        password_hash=hash_password(secrets.token_urlsafe(16)),
        email_confirmed_at=now,
        role_rows=[UserRole(role=Role.MODERATOR)],
    )
    db.session.add(moderator)
    v1 = db.session.scalar(select(Version).where(Version.strategy_id == strategy_id))
    v2 = Version(strategy_id=strategy_id, number=2, published_at=now, change_note="Zweite Fassung")
    db.session.add(v2)
    db.session.flush()
    targets = []
    for old in db.session.scalars(select(Section).where(Section.version_id == v1.id)):
        section = Section(
            version_id=v2.id, key=old.key, title=old.title, position=old.position, kind=old.kind
        )
        section.set_body(old.body_md)
        db.session.add(section)
        targets.append(section)
    departments = [
        Department(name=name, short_name=short, email=f"{short.lower()}@example.org")
        for name, short in (
            ("Amt für Mobilität", "AMob"),
            ("Schulverwaltungsamt", "SVA"),
            ("Umweltamt", "UA"),
        )
    ]
    db.session.add_all(departments)
    db.session.flush()

    suggestions = db.session.execute(
        select(Contribution.id, Contribution.created_at, Contribution.path).where(
            Contribution.strategy_id == strategy_id,
            Contribution.parent_id.is_(None),
        )
    ).all()
    next_id = (db.session.scalar(select(db.func.max(Contribution.id))) or 0) + 1
    replies, events, forwardings, statuses = [], [], [], {}
    reply_md = (
        "Vielen Dank für Ihren Vorschlag. Wir haben ihn an das zuständige Fachamt gegeben "
        "und melden uns mit dem Ergebnis."
    )
    reply_html = render_contribution(reply_md).html
    decisions = (
        ProcessingStatus.ADOPTED,
        ProcessingStatus.PARTIALLY_ADOPTED,
        ProcessingStatus.NOT_ADOPTED,
        ProcessingStatus.ANSWERED,
    )
    for id_, created_at, path in suggestions:
        if rng.random() < 0.35:
            at = created_at + timedelta(hours=rng.uniform(2, 120))
            replies.append(
                {
                    "id": next_id,
                    "strategy_id": strategy_id,
                    "version_id": v1.id,
                    "kind": ContributionKind.REPLY,
                    "parent_id": id_,
                    "root_id": id_,
                    "path": f"{path}{next_id:0{PATH_DIGITS}d}/",
                    "depth": 1,
                    "body_md": reply_md,
                    "body_html": reply_html,
                    "text_hash": f"official-{next_id}",
                    "author_id": moderator.id,
                    "state": ModerationState.PUBLISHED,
                    "reviewed_at": at,
                    "is_official": True,
                    "official_signature": "Amt für Digitalisierung",
                    "created_at": at,
                    "revision": 1,
                }
            )
            next_id += 1
        if rng.random() < 0.3:
            status = rng.choice(decisions)
            after = {"status": status.value, "public_reason": "Begründung der Entscheidung."}
            if status is ProcessingStatus.ADOPTED:
                target = rng.choice(targets)
                after["adopted_into"] = {
                    "version": 2,
                    "section_key": target.key,
                    "title": target.title,
                    "number": str(target.position + 1),
                }
            events.append(
                {
                    "created_at": created_at + timedelta(days=rng.uniform(1, 20)),
                    "actor_id": moderator.id,
                    "action": STATUS_CHANGED,
                    "subject_type": "contributions",
                    "subject_id": id_,
                    "before": {"status": None},
                    "after": after,
                }
            )
            statuses[id_] = status
        if rng.random() < 0.1:
            forwardings.append(
                {
                    "contribution_id": id_,
                    "department_id": rng.choice(departments).id,
                    "created_at": created_at,
                    "due_on": (created_at + timedelta(days=14)).date(),
                    "state": ForwardingState.OPEN,
                    "note": "",
                    "shared": False,
                    "reminder_count": 0,
                }
            )
    for chunk in range(0, len(replies), 1000):
        db.session.execute(insert(Contribution), replies[chunk : chunk + 1000])
    if events:
        db.session.execute(insert(Event), events)
    if forwardings:
        db.session.execute(insert(Forwarding), forwardings)
    for status in decisions:
        ids = [id_ for id_, value in statuses.items() if value is status]
        if ids:
            db.session.execute(
                update(Contribution).where(Contribution.id.in_(ids)).values(status=status),
                execution_options={"synchronize_session": False},
            )
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('contributions', 'id'), "
                "(SELECT max(id) FROM contributions))"
            )
        )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {
        "moderator_id": moderator.id,
        "official_replies": len(replies),
        "decisions": len(events),
        "forwardings": len(forwardings),
    }


def seed_all(url: str, contributions: int) -> dict:
    import seed as seeding
    from flask_migrate import upgrade

    from participation.extensions import db

    app = bench.make_app(url)
    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade()
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        ideas = contributions // 5
        seeded = seeding.seed(contributions - ideas, ideas=ideas)
        extra = _bulk_outcomes(seeded.strategy_id, random.Random(7))
        db.session.remove()
        db.engine.dispose()
    return {"slug": seeded.slug, **extra}


def timed(client, path: str, repeat: int, before=None) -> dict:
    """The first request, then `repeat` more (`before` runs ahead of each, untimed): wall
    clock and the process's CPU time in ms (other work on the machine inflates the wall
    clock, hardly the CPU time), the worst status and the size in bytes."""

    def one():
        if before is not None:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        return (
            (time.perf_counter() - wall) * 1000,
            (time.process_time() - cpu) * 1000,
            response.status_code,
            len(response.data),
        )

    first = one()
    rest = [one() for _ in range(repeat)]
    return {
        "first": first[0],
        "first_cpu": first[1],
        "wall": sorted(r[0] for r in rest),
        "cpu": sorted(r[1] for r in rest),
        "status": max(r[2] for r in [first, *rest]),
        "size": first[3],
    }


def chart_times(app, slug: str) -> list[float]:
    """Each of the six charts drawn alone, without the cache, in ms."""
    from participation.statistics import charts, panels, services
    from participation.strategies import queries

    with app.test_request_context():
        strategy, _ = queries.published_with_latest(slug)
        figures = services.strategy_figures(strategy)
        times = []
        original = charts.cached
        try:

            def measured(key, render):
                start = time.perf_counter()
                svg = render()
                times.append((time.perf_counter() - start) * 1000)
                return svg

            charts.cached = measured
            panels.panels(figures, strategy.id)
        finally:
            charts.cached = original
    return times


def count_selects(app, client, path: str) -> int:
    import sqlalchemy as sa

    from participation.extensions import db

    found = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            found.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributions", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--sqlite", action="store_true", help="SQLite even when PostgreSQL is up")
    args = parser.parse_args()

    backend = "postgresql" if not args.sqlite and bench.postgres_reachable() else "sqlite"
    workdir = Path(tempfile.mkdtemp(prefix="bench-report-"))
    url = bench.fresh_database(backend, workdir, args.contributions)
    where = bench.BENCH_DATABASE if backend == "postgresql" else "temporary SQLite file"
    print(f"database: {backend} ({where})")
    start = time.perf_counter()
    seeded = seed_all(url, args.contributions)
    print(
        f"seeded in {time.perf_counter() - start:.1f} s: {args.contributions} contributions, "
        f"{seeded['official_replies']} official replies, {seeded['decisions']} decisions, "
        f"{seeded['forwardings']} forwardings"
    )

    from participation.statistics import charts

    app = bench.make_app(url)
    client = app.test_client()
    from participation.accounts.models import User
    from participation.extensions import db

    with app.app_context():
        user = db.session.get(User, seeded["moderator_id"])
        with client.session_transaction() as session:
            # Signed in as the moderator without the login form (as tests/helpers.py does).
            session["_user_id"] = user.get_id()
            session["_fresh"] = True

    from participation.statistics import report

    def no_pdf_cache():
        report._pdfs = type(report._pdfs)(size=4)

    slug = seeded["slug"]
    pdf = f"/strategien/{slug}/bericht.pdf"
    routes = (
        ("statistics page", f"/strategien/{slug}/statistik", args.repeat, None),
        ("report (HTML)", f"/strategien/{slug}/bericht", args.repeat, None),
        ("report (PDF)", pdf, max(2, args.repeat // 2), no_pdf_cache),
        ("PDF again", pdf, args.repeat, None),
    )
    print()
    print(f"{'route':<16} {'first':>8} {'p50':>8} {'max':>8} {'cpu p50':>8} {'n':>3} {'size':>8}")
    failed = False
    for name, path, repeat, before in routes:
        if name != "PDF again":
            charts._cache = type(charts._cache)(size=256)
            no_pdf_cache()
        else:
            client.get(path)
        found = timed(client, path, repeat, before)
        failed |= found["status"] != 200
        print(
            f"{name:<16} {found['first']:>6.0f}ms {statistics.median(found['wall']):>6.0f}ms "
            f"{found['wall'][-1]:>6.0f}ms {statistics.median(found['cpu']):>6.0f}ms "
            f"{len(found['wall']):>3} {found['size'] / 1024:>6.0f}kB"
            + ("" if found["status"] == 200 else f"  status {found['status']}")
        )
    print(
        "first: chart and PDF caches empty; p50/max/cpu: charts cached, each PDF rendered "
        "anew;\nPDF again: the same report asked for again (served from the PDF cache)"
    )
    drawn = chart_times(app, slug)
    print(
        f"\ncharts drawn without the cache: {len(drawn)} charts, "
        f"{statistics.median(drawn):.0f} ms median, {sum(drawn):.0f} ms together"
    )
    selects = count_selects(app, client, routes[0][1])
    print(f"SELECT statements of one statistics page (signed in as moderator): {selects}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
