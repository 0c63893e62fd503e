"""Benchmark of the moderation queue under gunicorn (issue 4, "The queue").

    .venv/bin/python benchmarks/moderation_queue.py [--contributions 100000] [--duration 10]
        [--wait-quiet 30] [--in-process 200] [--no-vacuum] [--explain]

A fresh database (PostgreSQL `participation_bench` when reachable, else SQLite), migrated and
seeded by `seed.py` (strategy, fields of action, ideas) plus, in bulk, `--contributions`
comments spread over 60 days: mostly published and reviewed, a few thousand awaiting a
decision (pending, published but unreviewed, reported), spread over the whole time. A
moderator logs in; gunicorn (2 sync workers) serves the real app and the script measures the
first page of the queue `/moderation/` (100 items) and the third page by keyset cursor:
p50/p99 at one connection and requests/s at 16 connections (wrk with the session cookie when
installed, else Python threads). Target: p50 ≤ 10 ms. The exit code is 0 even when it fails.
`--in-process N` also times N requests of the first page through Flask's test client (wall
clock and the process's own CPU time, which other work on the machine disturbs less).
"""

import argparse
import random
import secrets
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import discussion as bench  # sets sys.path and the environment before the app is imported
from discussion import (
    Client,
    Figures,
    ForeignCpu,
    Request,
    Server,
    Session,
    concurrent_python,
    concurrent_wrk,
    csrf_token,
    fresh_database,
    load_note,
    make_app,
    percentile,
    postgres_reachable,
    sequential,
    wait_quiet,
)

TARGET_P50 = 10.0
MODERATOR_EMAIL = "moderation@example.org"
MODERATOR_PASSWORD = secrets.token_urlsafe(16)
DAYS = 60
# How many contributions await a decision, of each kind (the rest is published and reviewed).
PENDING, UNREVIEWED, REPORTED = 1500, 1500, 300
WRK_COOKIE = 'wrk.headers["Cookie"] = "%s"\n'


def seed_queue(url: str, total: int, users: int, vacuum: bool = True) -> dict:
    """seed.py's strategy, users and ideas, then `total` comments in bulk; a moderator."""
    import contextlib
    import io
    import logging

    import seed as seeding
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from participation.accounts.models import Role, User, UserRole
    from participation.accounts.passwords import hash_password
    from participation.database import utcnow
    from participation.discussion.models import (
        PATH_DIGITS,
        Channel,
        Contribution,
        ContributionKind,
        ModerationState,
    )
    from participation.discussion.services import text_hash
    from participation.extensions import db
    from participation.markup import render_contribution
    from participation.strategies.models import Section

    app = make_app(url)
    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade()
        logging.getLogger().setLevel(logging.WARNING)
        seeded = seeding.seed(0, ideas=200, users=users)
        moderator = User(
            email=MODERATOR_EMAIL,
            display_name="Moderation Benchmark",
            password_hash=hash_password(MODERATOR_PASSWORD),
            email_confirmed_at=utcnow(),
        )
        db.session.add(moderator)
        db.session.flush()
        db.session.add(UserRole(user_id=moderator.id, role=Role.MODERATOR))
        rng = random.Random(4)
        sections = list(
            db.session.scalars(
                db.select(Section).where(Section.key.is_not(None)).order_by(Section.id)
            )
        )
        user_ids = list(db.session.scalars(db.select(User.id).where(User.email.like("person%"))))
        # Rendering 100,000 texts would take minutes; a few hundred distinct ones are reused.
        texts = []
        for n in range(400):
            body = seeding.german_text(rng) + f" ({n})"
            texts.append((body, render_contribution(body).html, text_hash(body, None)))
        start = (db.session.scalar(db.select(db.func.max(Contribution.id))) or 0) + 1
        now = utcnow()
        first = now - timedelta(days=DAYS)
        waiting = rng.sample(range(total), PENDING + UNREVIEWED + REPORTED)
        kinds = {}
        for n, index in enumerate(waiting):
            kinds[index] = (
                "pending"
                if n < PENDING
                else "unreviewed"
                if n < PENDING + UNREVIEWED
                else "reported"
            )
        version_id = sections[0].version_id
        rows = []
        started = time.perf_counter()
        for offset in range(total):
            id_ = start + offset
            created = first + timedelta(seconds=offset * (DAYS * 86_400 - 3600) / total)
            body, html, digest = texts[offset % len(texts)]
            section = sections[offset % len(sections)]
            kind = kinds.get(offset)
            guest = rng.random() < 0.2
            name = rng.choice(seeding.FIRST_NAMES)
            rows.append(
                {
                    "id": id_,
                    "strategy_id": seeded.strategy_id,
                    "version_id": version_id,
                    "section_id": section.id,
                    "section_key": section.key,
                    "paragraph_anchor": None,
                    "kind": ContributionKind.COMMENT,
                    "parent_id": None,
                    "root_id": id_,
                    "path": f"{id_:0{PATH_DIGITS}d}/",
                    "depth": 0,
                    "title": None,
                    "body_md": body,
                    "body_html": html,
                    "text_hash": digest,
                    "author_id": None if guest else rng.choice(user_ids),
                    "guest_name": name if guest else None,
                    "guest_email": f"{name.lower()}{offset % 500}@example.org" if guest else None,
                    "guest_confirmed_at": created if guest else None,
                    "state": ModerationState.PENDING
                    if kind == "pending"
                    else ModerationState.PUBLISHED,
                    "reviewed_at": None if kind in ("pending", "unreviewed") else created,
                    "status": None,
                    "channel": Channel.ONLINE,
                    "is_official": False,
                    "report_count": rng.randint(1, 2) if kind == "reported" else 0,
                    "reply_count": 0,
                    "support_count": 0,
                    "created_at": created,
                    "revision": 1,
                }
            )
            if len(rows) == 5000:
                db.session.execute(insert(Contribution), rows)
                rows = []
        if rows:
            db.session.execute(insert(Contribution), rows)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('contributions', 'id'), "
                    "(SELECT max(id) FROM contributions))"
                )
            )
        db.session.commit()
        inserted = time.perf_counter() - started
        if vacuum and db.engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk insert this size (this machine's server runs
            # with autovacuum off): without it the visibility map is empty and every
            # index-only scan (the queue's count, the authors' totals) visits the table too.
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"inserted_in": inserted, "waiting": len(waiting), "slug": seeded.slug}


def log_in_moderator(port: int) -> str:
    browser = Session(port)
    _, page = browser.send("GET", "/konto/anmelden")
    status, _ = browser.send(
        "POST",
        "/konto/anmelden",
        {
            "csrf_token": csrf_token(page),
            "email": MODERATOR_EMAIL,
            "password": MODERATOR_PASSWORD,
            "next": "",
        },
    )
    if status != 302:
        raise RuntimeError(f"moderator login failed with {status}")
    browser.send("GET", "/moderation/")  # shows the login flash once
    browser.client.close()
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


def measure(port: int, path: str, cookie: str, args, use_wrk: bool, workdir: Path) -> Figures:
    req = Request("GET", path, headers={"Cookie": cookie})
    wait_quiet(args)
    foreign = ForeignCpu()
    latencies, errors, size = sequential(port, lambda i: req, args.duration, args.max_requests)
    figures = Figures(
        size=int(size),
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        samples=len(latencies),
        errors=errors,
    )
    if use_wrk:
        script = workdir / "cookie.lua"
        script.write_text(WRK_COOKIE % cookie.replace('"', '\\"'))
        figures.rps, figures.concurrent_errors = concurrent_wrk(port, path, args.duration, script)
        figures.tool = "wrk"
    else:
        figures.rps, figures.concurrent_errors = concurrent_python(
            port, lambda i: req, args.duration
        )
        figures.tool = "python"
    figures.busy = foreign.share()
    return figures


def explain(url: str, backend: str) -> str:
    """The plans of the queue's page query (items, context, authors' totals and the queue's
    count) and of the navigation's count on other pages, as the app issues them."""
    from sqlalchemy import func, select

    from participation.discussion.models import Contribution
    from participation.extensions import db
    from participation.moderation import queue

    app = make_app(url)
    lines = []
    with app.app_context():
        statement, values = queue.page_statement()
        page = statement.params(values)
        # The count of other pages' navigation (the queue page reads it with its items).
        count = select(func.count()).select_from(Contribution).where(queue.in_queue())
        prefix = "EXPLAIN ANALYZE " if backend == "postgresql" else "EXPLAIN QUERY PLAN "
        for name, statement in (("page", page), ("count", count)):
            compiled = statement.compile(
                dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}
            )
            rows = db.session.execute(db.text(prefix + str(compiled))).all()
            lines.append(f"--- {name}:")
            lines += ["  " + " ".join(str(v) for v in row) for row in rows]
        db.session.remove()
        db.engine.dispose()
    return "\n".join(lines)


def in_process(url: str, path: str, requests: int) -> tuple[float, float, float]:
    """p50 wall-clock and CPU milliseconds and the mean number of SQL statements of `path`,
    fetched `requests` times by the moderator through Flask's test client (no HTTP, no
    gunicorn): a comparison of code versions that a busy machine disturbs less."""
    import statistics

    from sqlalchemy import event

    from participation.extensions import db

    app = make_app(url)
    client = app.test_client()
    token = csrf_token(client.get("/konto/anmelden").data)
    response = client.post(
        "/konto/anmelden",
        data={
            "csrf_token": token,
            "email": MODERATOR_EMAIL,
            "password": MODERATOR_PASSWORD,
            "next": "",
        },
    )
    if response.status_code != 302:
        raise RuntimeError(f"moderator login failed with {response.status_code}")
    statements = [0]

    def count(*_args):
        statements[0] += 1

    for _ in range(20):
        client.get(path)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    walls, cpus = [], []
    for _ in range(requests):
        wall, cpu = time.perf_counter(), time.thread_time()
        if client.get(path).status_code != 200:
            raise RuntimeError(f"{path} failed in-process")
        cpus.append((time.thread_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return statistics.median(walls), statistics.median(cpus), statements[0] / requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contributions", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--explain", action="store_true", help="print the queue's query plans")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="S",
        help="before each measurement wait up to S seconds until other processes leave the CPU",
    )
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="N",
        help="also time N requests of the first page in-process (Flask test client)",
    )
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="only ANALYZE after seeding (the visibility map stays empty, as if autovacuum "
        "had not run yet)",
    )
    args = parser.parse_args()
    backend = "sqlite" if args.sqlite or not postgres_reachable() else "postgresql"
    use_wrk = not args.no_wrk and shutil.which("wrk") is not None
    print(
        f"participation queue benchmark, {args.contributions:,} contributions, database: "
        f"{backend}, 16-connection load by {'wrk' if use_wrk else 'Python threads'}; "
        f"{load_note()}"
    )
    workdir = Path(tempfile.mkdtemp(prefix="participation-queue-bench-"))
    try:
        url = fresh_database(backend, workdir, args.contributions)
        started = time.perf_counter()
        seeded = seed_queue(url, args.contributions, args.users, vacuum=not args.no_vacuum)
        print(
            f"seeded in {time.perf_counter() - started:.1f} s ({args.contributions:,} inserted "
            f"in {seeded['inserted_in']:.1f} s), {seeded['waiting']:,} awaiting a decision; "
            + ("analysed only" if args.no_vacuum or backend != "postgresql" else "vacuumed")
        )
        if args.explain:
            print(explain(url, backend))
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(32),
            "RATELIMIT_ENABLED": "false",
            "MAIL_BACKEND": "log",
            "LOG_LEVEL": "WARNING",
            "PARTICIPATION_ENV": "development",
        }
        results = {}
        with Server("wsgi:app", env) as server:
            cookie = log_in_moderator(server.port)
            probe = Client(server.port)
            status, _, body = probe.send(Request("GET", "/moderation/", headers={"Cookie": cookie}))
            probe.close()
            if status != 200:
                print(f"queue answers HTTP {status}; not measured")
                return 0
            paths = {"queue, first page": "/moderation/"}
            cursor = bench.re.search(rb'href="(/moderation/\?[^"]*nach=[^"]+)"', body)
            if cursor:
                # The second page by keyset (the link the page itself offers).
                paths["queue, next page"] = cursor.group(1).decode().replace("&amp;", "&")
            for name, path in paths.items():
                print(f"  measuring {name} ({path}) …", flush=True)
                results[name] = measure(server.port, path, cookie, args, use_wrk, workdir)
        print(f"\n{'route':<20} {'size':>9} {'p50':>9} {'p99':>9} {'req/s@16':>9}")
        for name, f in results.items():
            print(
                f"{name:<20} {f.size / 1024:>6.1f} kB {f.p50:>6.2f} ms {f.p99:>6.2f} ms "
                f"{f.rps:>9.0f}   ({f.samples} sequential, {f.errors} errors; "
                f"{f.tool} {f.concurrent_errors} errors; others took {f.busy:.0%} CPU)"
            )
        if args.in_process:
            wait_quiet(args)
            wall, cpu, statements = in_process(url, "/moderation/", args.in_process)
            print(
                f"\nin-process, first page, {args.in_process} requests: p50 {wall:.2f} ms wall, "
                f"{cpu:.2f} ms CPU of this process; {statements:.0f} SQL statements per page"
            )
        print("\nTarget (issue 4): queue, 100 items per page, p50 ≤ 10 ms")
        for name, f in results.items():
            verdict = "PASS" if f.p50 <= TARGET_P50 else "FAIL"
            print(f"  {verdict}     {name}: p50 {f.p50:.2f} ms (target ≤ {TARGET_P50:g} ms)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
