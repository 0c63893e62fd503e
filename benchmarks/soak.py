"""Soak and fault test of the production stack (issue 9, "Load and faults").

    .venv/bin/python benchmarks/soak.py [--duration 60]

A fresh PostgreSQL database `participation_soak` (127.0.0.1:5432) is migrated and seeded
with a pre-moderated strategy (300 comments, 60 ideas), 20 writer accounts and a moderator.
gunicorn serves the app with the production profile and docs/gunicorn.conf.py (4 workers ×
4 threads) on 127.0.0.1:8100, `flask outbox work` sends mail, Redis (127.0.0.1:6379,
database 2) keeps the rate limits and wakes the worker. The SMTP server (aiosmtpd on
127.0.0.1:2526) is down for the whole run.

For `--duration` seconds 200 readers (section pages, the complete discussion, the ideas
list and pages, permalinks) and 20 logged-in writers (comments, replies, supports, reports,
each text with a unique marker) use the site while a moderator publishes from the queue.
One gunicorn worker is killed with SIGKILL, and PostgreSQL ends every connection of the app
twice (pg_terminate_backend). Then the SMTP server starts and the script waits for the mail.

It prints requests/s, p50/p99 per route and the answers by status, then checks: every write
answered with success is in the database exactly once; no duplicate rows; no answer 5xx
(requests cut off with the killed worker are connection errors, counted apart); the app
answers /healthz after the faults; every queued mail reaches the SMTP server exactly once
(by Message-ID). Exit code 0 only when every check passes.

Rate limits stay on, in Redis, as in production; every simulated person comes from an address
of its own (X-Forwarded-For through TRUSTED_PROXIES=1, as behind nginx), and the posting
limit (5 contributions per 10 minutes and account) is raised through RATELIMIT_POSTING, as
are REPORT_HIDE_THRESHOLD (three reports would hide contributions mid-run) and the outbox
backoff (seconds instead of minutes, so that the mail leaves soon after the SMTP server is
back). Everything listens on 127.0.0.1; every process started is stopped, also on errors and
Ctrl-C.
"""

import argparse
import asyncio
import contextlib
import io
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
VENV_BIN = Path(sys.executable).parent
DATABASE = "participation_soak"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
PG_SOAK = f"host=127.0.0.1 port=5432 user=postgres dbname={DATABASE} connect_timeout=3"
DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/2"
PASSWORD = "soak-" + secrets.token_urlsafe(12)
RUN = secrets.token_hex(3)
MARKER = re.compile(r"\[soak:([0-9a-f]{6}):([a-z0-9-]+)\]")

os.environ["LOG_LEVEL"] = "WARNING"
os.environ.setdefault("PARTICIPATION_ENV", "development")
# discussion.py's measure of other processes' CPU; its own backends are those of this database.
os.environ["BENCH_DATABASE"] = DATABASE
from discussion import ForeignCpu, load_note  # noqa: E402

# --- setup --------------------------------------------------------------------------------------


def check_services() -> None:
    import psycopg
    import redis

    try:
        with psycopg.connect(PG_ADMIN, autocommit=True):
            pass
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL on 127.0.0.1:5432 is not reachable ({error}); start it first")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        sys.exit(f"Redis on 127.0.0.1:6379 is not reachable ({error}); start it first")


@dataclass
class World:
    slug: str
    section_keys: list[str]
    busy_key: str
    comment_ids: list[int]
    idea_ids: list[int]
    writers: list[tuple[int, str]]  # (user id, e-mail)
    moderator: str


def seed_database() -> World:
    import logging

    import psycopg
    import seed as seeding
    from flask_migrate import upgrade
    from sqlalchemy import select

    from participation import create_app
    from participation.accounts.models import Role, User, UserRole
    from participation.accounts.passwords import hash_password
    from participation.database import utcnow
    from participation.discussion.models import Contribution, ContributionKind, ModerationState
    from participation.extensions import db
    from participation.strategies.models import ModerationMode, Section, Strategy

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    app = create_app(SQLALCHEMY_DATABASE_URI=DATABASE_URL, RATELIMIT_ENABLED=False)
    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade()
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        seeded = seeding.seed(300, ideas=60, users=60)
        strategy = db.session.get(Strategy, seeded.strategy_id)
        # Pre-moderation: what the writers post waits for the moderator.
        strategy.moderation_mode = ModerationMode.PRE
        password_hash = hash_password(PASSWORD)
        now = utcnow()
        writers = []
        for n in range(40):
            user = User(
                email=f"soak-writer-{n}@example.org",
                display_name=f"Schreiberin {n}",
                password_hash=password_hash,
                email_confirmed_at=now,
            )
            db.session.add(user)
            writers.append(user)
        moderator = User(
            email="soak-moderator@example.org",
            display_name="Moderation Soak",
            password_hash=password_hash,
            email_confirmed_at=now,
            role_rows=[UserRole(role=Role.MODERATOR)],
        )
        db.session.add(moderator)
        db.session.commit()
        keys = list(
            db.session.scalars(
                select(Section.key)
                .where(Section.version_id == strategy.versions[-1].id)
                .order_by(Section.position)
            )
        )
        published = ModerationState.PUBLISHED
        comment_ids = list(
            db.session.scalars(
                select(Contribution.id).where(
                    Contribution.kind == ContributionKind.COMMENT,
                    Contribution.state == published,
                    Contribution.parent_id.is_(None),
                    Contribution.author_id.is_not(None),
                )
            )
        )
        idea_ids = list(
            db.session.scalars(
                select(Contribution.id).where(
                    Contribution.kind == ContributionKind.IDEA, Contribution.state == published
                )
            )
        )
        world = World(
            slug=seeded.slug,
            section_keys=keys,
            busy_key=seeded.section_key,
            comment_ids=comment_ids,
            idea_ids=idea_ids,
            writers=[(w.id, w.email) for w in writers],
            moderator=moderator.email,
        )
        db.session.remove()
        db.engine.dispose()
    return world


# --- processes ----------------------------------------------------------------------------------


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        # As gunicorn binds: connections of an earlier run in TIME_WAIT do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Processes:
    """gunicorn, the outbox worker and the SMTP server; `stop_all` ends whatever runs."""

    def __init__(self, args, logdir: Path):
        self.args = args
        self.logdir = logdir
        self.gunicorn: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.smtp = None
        self.env = {
            **os.environ,
            "PARTICIPATION_ENV": "production",
            "FLASK_APP": "wsgi.py",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "BASE_URL": f"http://127.0.0.1:{args.port}",
            # Plain HTTP on 127.0.0.1: the browser-side settings of an HTTPS installation.
            "SESSION_COOKIE_SECURE": "false",
            "REQUIRE_TWO_FACTOR_FOR_STAFF": "false",
            "TRUSTED_PROXIES": "1",
            "RATELIMIT_POSTING": "100000 per hour",
            "REPORT_HIDE_THRESHOLD": "100000",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(args.smtp_port),
            "MAIL_TIMEOUT": "5",
            "OUTBOX_POLL_SECONDS": "2",
            "OUTBOX_RETRY_BASE_SECONDS": "2",
            "OUTBOX_RETRY_MAX_SECONDS": "5",
            "OUTBOX_MAX_ATTEMPTS": "1000",
            "LOG_LEVEL": "INFO",
            "GUNICORN_WORKERS": str(args.workers),
            "GUNICORN_BIND": f"127.0.0.1:{args.port}",
            "PYTHONUNBUFFERED": "1",
        }

    def start_app(self) -> None:
        for port in (self.args.port, self.args.smtp_port):
            if not port_free(port):
                raise RuntimeError(f"port {port} on 127.0.0.1 is in use")
        self.gunicorn = subprocess.Popen(  # noqa: S603  (fixed command line)
            [str(VENV_BIN / "gunicorn"), "--config", "docs/gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.logdir / "gunicorn.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.worker = subprocess.Popen(  # noqa: S603
            [str(VENV_BIN / "flask"), "outbox", "work"],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.logdir / "worker.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        import httpx

        while time.monotonic() < deadline:
            if self.gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.logdir / 'gunicorn.log'}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{self.args.port}/healthz").status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def worker_pids(self) -> list[int]:
        """gunicorn's workers: the children of its master process."""
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rpartition(")")[2].split()[1])
                if ppid == self.gunicorn.pid:
                    children.append(int(entry.name))
        return sorted(children)

    def start_smtp(self):
        from aiosmtpd.controller import Controller

        from tests.smtp import _Handler

        self.smtp = Controller(_Handler(), hostname="127.0.0.1", port=self.args.smtp_port)
        self.smtp.start()
        return self.smtp.handler

    def stop_all(self) -> None:
        for process in (self.gunicorn, self.worker):
            if process is None or process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.gunicorn, self.worker):
            if process is None:
                continue
            try:
                process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.smtp is not None:
            with contextlib.suppress(Exception):
                self.smtp.stop()
            self.smtp = None


# --- the simulated people -----------------------------------------------------------------------


@dataclass
class Result:
    route: str
    status: int | None  # None: no answer (connection error, timeout)
    ms: float
    at: float
    error: str = ""


@dataclass
class Write:
    kind: str  # comment, reply, support, report
    marker: str
    user_id: int
    target: int | None
    status: int | None
    location: str = ""


@dataclass
class Stats:
    results: list[Result] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    published: int = 0
    crashed: list[str] = field(default_factory=list)  # simulated people that gave up
    decide_refused: int = 0


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
ITEM_RE = re.compile(r'name="items" id="waehlen-\d+" value="(\d+):pending:(\d*)"')


def csrf(html: str) -> str:
    found = CSRF_RE.search(html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1) or found.group(2)


class Person:
    def __init__(self, base: str, address: str, stats: Stats, timeout: float):
        import httpx

        self.stats = stats
        self.client = httpx.AsyncClient(
            base_url=base,
            headers={"X-Forwarded-For": address, "User-Agent": "soak"},
            timeout=timeout,
            # An idle connection is given up before gunicorn closes it (keepalive = 5 s):
            # otherwise a request sent just as the server closes it is lost (as with any
            # client or proxy that keeps connections longer than the server does).
            limits=httpx.Limits(
                max_connections=1, max_keepalive_connections=1, keepalive_expiry=3.0
            ),
            follow_redirects=False,
        )

    async def request(self, route: str, method: str, url: str, data=None):
        import httpx

        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, data=data)
        except httpx.HTTPError as error:
            self.stats.results.append(
                Result(
                    route,
                    None,
                    (time.perf_counter() - started) * 1000,
                    time.monotonic(),
                    type(error).__name__,
                )
            )
            return None
        self.stats.results.append(
            Result(
                route,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                time.monotonic(),
            )
        )
        return response

    async def login(self, email: str) -> None:
        page = await self.request("GET login", "GET", "/konto/anmelden")
        if page is None:
            raise RuntimeError("login page did not answer")
        response = await self.request(
            "POST login",
            "POST",
            "/konto/anmelden",
            {"csrf_token": csrf(page.text), "email": email, "password": PASSWORD, "next": ""},
        )
        if response is None or response.status_code != 302:
            raise RuntimeError(f"login of {email} failed: {response and response.status_code}")

    async def close(self):
        await self.client.aclose()


async def reader(
    person: Person, world: World, stop: asyncio.Event, rng: random.Random, think: float
):
    slug = world.slug
    while not stop.is_set():
        choice = rng.random()
        if choice < 0.45:
            key = rng.choice(world.section_keys)
            await person.request("GET section", "GET", f"/strategien/{slug}/{key}")
        elif choice < 0.55:
            key = rng.choice(world.section_keys)
            await person.request("GET discussion", "GET", f"/strategien/{slug}/{key}/diskussion")
        elif choice < 0.75:
            await person.request("GET ideas", "GET", f"/strategien/{slug}/ideen")
        elif choice < 0.9:
            idea = rng.choice(world.idea_ids)
            await person.request("GET idea", "GET", f"/strategien/{slug}/ideen/{idea}")
        else:
            comment = rng.choice(world.comment_ids)
            await person.request("GET permalink", "GET", f"/beitraege/{comment}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), rng.uniform(0.5, 1.5) * think)


TEXTS = (
    "Ich finde den Abschnitt gut, aber die Umsetzung braucht einen klaren Zeitplan.",
    "Bitte auch an Menschen ohne Smartphone denken: das Bürgerbüro muss bleiben.",
    "Offene Daten zu Haushalt und Verkehr wären ein echter Fortschritt für alle.",
    "Wer pflegt die Formulare, wenn sich Gesetze ändern? Das sollte geregelt sein.",
)


async def writer(person, world, stop, rng, user_id: int, token: str, name: str):
    stats = person.stats
    slug = world.slug
    ideas = rng.sample(world.idea_ids, len(world.idea_ids))
    reportable = rng.sample(world.comment_ids, 8)  # the report limit is 10 per hour
    count = 0
    while not stop.is_set():
        count += 1
        marker = f"[soak:{RUN}:{name}-{count}]"
        choice = rng.random()
        if choice < 0.4:
            key = world.busy_key if rng.random() < 0.5 else rng.choice(world.section_keys)
            form = {
                "csrf_token": token,
                "body_md": f"{rng.choice(TEXTS)} {marker}",
                "absatz": "",
                "website": "",
            }
            response = await person.request(
                "POST comment", "POST", f"/strategien/{slug}/{key}/kommentare", form
            )
            kind, target = "comment", None
        elif choice < 0.7:
            target = rng.choice(world.comment_ids)
            form = {"csrf_token": token, "body_md": f"{rng.choice(TEXTS)} {marker}", "website": ""}
            response = await person.request(
                "POST reply", "POST", f"/beitraege/{target}/antworten", form
            )
            kind = "reply"
        elif choice < 0.9 and ideas:
            target = ideas.pop()
            response = await person.request(
                "POST support",
                "POST",
                f"/beitraege/{target}/unterstuetzen",
                {"csrf_token": token, "next": ""},
            )
            kind = "support"
        elif reportable:
            target = reportable.pop()
            form = {"csrf_token": token, "reason": "off_topic", "text": f"Nicht zum Thema {marker}"}
            response = await person.request(
                "POST report", "POST", f"/beitraege/{target}/melden", form
            )
            kind = "report"
        else:
            continue
        stats.writes.append(
            Write(
                kind,
                marker,
                user_id,
                target,
                response.status_code if response else None,
                response.headers.get("location", "") if response else "",
            )
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), rng.uniform(0.3, 1.2))


async def moderator(person: Person, stop: asyncio.Event, rng: random.Random):
    stats = person.stats
    while not stop.is_set():
        page = await person.request("GET queue", "GET", "/moderation/?zustand=pending")
        if page is not None and page.status_code == 200:
            items = ITEM_RE.findall(page.text)[:20]
            if items:
                form = {
                    "csrf_token": csrf(page.text),
                    "action": "publish",
                    "back": "/moderation/?zustand=pending",
                    "items": [f"{cid}:pending:{rev}" for cid, rev in items],
                }
                response = await person.request(
                    "POST publish", "POST", "/moderation/entscheiden", form
                )
                if response is not None and response.status_code == 302:
                    stats.published += len(items)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), rng.uniform(0.5, 1.5))


# --- faults -------------------------------------------------------------------------------------


@dataclass
class Faults:
    killed_worker: int | None = None
    killed_at: float | None = None
    terminated: list[tuple[float, int]] = field(default_factory=list)


def terminate_app_connections() -> int:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (DATABASE,),
        ).fetchall()
    return sum(1 for (done,) in rows if done)


async def fault_injector(processes: Processes, faults: Faults, duration: float, stop):
    start = time.monotonic()
    plan = [(0.3, "kill"), (0.5, "terminate"), (0.75, "terminate")]
    for share, what in plan:
        delay = start + share * duration - time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0, delay))
        if stop.is_set():
            return
        if what == "kill":
            pids = processes.worker_pids()
            if pids:
                victim = random.choice(pids)
                os.kill(victim, signal.SIGKILL)
                faults.killed_worker, faults.killed_at = victim, time.monotonic()
                print(f"  {time.monotonic() - start:5.1f} s  killed gunicorn worker {victim}")
        else:
            count = await asyncio.to_thread(terminate_app_connections)
            faults.terminated.append((time.monotonic(), count))
            print(f"  {time.monotonic() - start:5.1f} s  pg_terminate_backend: {count} connections")


async def run_load(args, world: World, processes: Processes, stats: Stats, faults: Faults):
    base = f"http://127.0.0.1:{args.port}"
    rng = random.Random(2030)
    stop = asyncio.Event()

    def address(n: int) -> str:
        return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 or 1}"

    writer_people = []
    for n, (user_id, email) in enumerate(world.writers[: args.writers]):
        person = Person(base, address(1000 + n), stats, args.timeout)
        await person.login(email)
        # The token of a form shown after the login (the session is new after it).
        page = await person.client.get(f"/strategien/{world.slug}/{world.busy_key}")
        writer_people.append((person, user_id, csrf(page.text), f"w{n}"))
    mod = Person(base, address(5000), stats, args.timeout)
    await mod.login(world.moderator)
    readers = [Person(base, address(10000 + n), stats, args.timeout) for n in range(args.readers)]
    stats.results.clear()  # the logins are not part of the figures

    started = time.monotonic()
    tasks = [
        asyncio.create_task(reader(p, world, stop, random.Random(rng.random()), args.think))
        for p in readers
    ]
    tasks += [
        asyncio.create_task(
            writer(p, world, stop, random.Random(rng.random()), user_id, token, name)
        )
        for p, user_id, token, name in writer_people
    ]
    tasks.append(asyncio.create_task(moderator(mod, stop, random.Random(rng.random()))))
    injector = asyncio.create_task(fault_injector(processes, faults, args.duration, stop))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), args.duration)
    stop.set()
    # Requests in progress finish (at most the client timeout); no new ones start.
    for outcome in await asyncio.gather(*tasks, injector, return_exceptions=True):
        if isinstance(outcome, BaseException):
            stats.crashed.append(f"{type(outcome).__name__}: {outcome}")
    elapsed = time.monotonic() - started
    for person in [*readers, mod, *(p for p, *_ in writer_people)]:
        await person.close()
    return started, elapsed


def wait_quiet(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sample = ForeignCpu()
        time.sleep(3)
        if sample.share() < 0.1:
            return
    if seconds:
        print("  (still busy after waiting; running anyway)")


# --- checks -------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def report_figures(stats: Stats, elapsed: float) -> None:
    by_route = defaultdict(list)
    for result in stats.results:
        by_route[result.route].append(result)
    total = len(stats.results)
    print(f"\n{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s")
    print(f"{'route':<16} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}  answers")
    for route in sorted(by_route):
        results = by_route[route]
        times = [r.ms for r in results if r.status is not None]
        statuses = Counter(str(r.status) if r.status else "no answer" for r in results)
        answers = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        p50 = f"{percentile(times, 0.5):.1f}" if times else "–"
        p99 = f"{percentile(times, 0.99):.1f}" if times else "–"
        print(
            f"{route:<16} {len(results):>8} {len(results) / elapsed:>7.1f} {p50:>8} {p99:>8}"
            f"  {answers}"
        )


def success(write: Write) -> bool:
    return write.status == 302 and "/konto/anmelden" not in write.location


def check_database(stats: Stats, checks: list[tuple[bool, str]]) -> None:
    import psycopg

    with psycopg.connect(PG_SOAK) as conn:
        contributions = conn.execute(
            "SELECT body_md, id FROM contributions WHERE body_md LIKE %s", (f"%[soak:{RUN}:%",)
        ).fetchall()
        reports = conn.execute(
            "SELECT text, id FROM reports WHERE text LIKE %s", (f"%[soak:{RUN}:%",)
        ).fetchall()
        supports = conn.execute(
            "SELECT contribution_id, user_id, count(*) FROM supports "
            "GROUP BY contribution_id, user_id"
        ).fetchall()
    stored = Counter()
    for text, _id in [*contributions, *reports]:
        for match in MARKER.finditer(text or ""):
            stored[match.group(0)] += 1
    support_rows = {(c, u): n for c, u, n in supports}

    succeeded = [w for w in stats.writes if success(w)]
    lost, doubled, unexpected = [], [], []
    for write in succeeded:
        if write.kind == "support":
            n = support_rows.get((write.target, write.user_id), 0)
        else:
            n = stored.get(write.marker, 0)
        if n == 0:
            lost.append(write)
        elif n > 1:
            doubled.append(write)
    answered = {w.marker for w in succeeded}
    unknown = {w.marker for w in stats.writes if w.status is None or w.status >= 500}
    for marker, n in stored.items():
        if marker not in answered and marker not in unknown:
            unexpected.append(marker)
        if n > 1 and marker not in {w.marker for w in doubled}:
            doubled.append(marker)
    kinds = Counter(w.kind for w in succeeded)
    stored_without_answer = sum(1 for m in stored if m in unknown and m not in answered)
    by_kind = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    print(
        f"\nwrites answered with success: {len(succeeded)} ({by_kind}); "
        f"other answers: {Counter(str(w.status) for w in stats.writes if not success(w))}; "
        f"stored although the answer was lost: {stored_without_answer}"
    )
    checks.append((not lost, f"every successful write is stored ({len(lost)} lost)"))
    checks.append((not doubled, f"no write stored twice ({len(doubled)} doubled)"))
    checks.append(
        (not unexpected, f"nothing stored that was refused ({len(unexpected)} such rows)")
    )
    duplicate_supports = sum(1 for n in support_rows.values() if n > 1)
    checks.append((duplicate_supports == 0, f"no duplicate supports ({duplicate_supports})"))


def outbox_rows():
    import psycopg

    with psycopg.connect(PG_SOAK) as conn:
        return conn.execute(
            "SELECT message_id, sent_at IS NOT NULL, failed_at IS NOT NULL FROM outbox_messages"
        ).fetchall()


def wait_for_mail(handler, timeout: float) -> tuple[list, Counter]:
    deadline = time.monotonic() + timeout
    while True:
        rows = outbox_rows()
        pending = [r for r in rows if not r[1] and not r[2]]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(1)
    time.sleep(2)  # anything sent twice would arrive now
    with handler.lock:
        received = Counter(str(m["Message-ID"]) for m in handler.messages)
    return outbox_rows(), received


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--smtp-port", type=int, default=2526)
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="client timeout in seconds (60, as gunicorn's)"
    )
    parser.add_argument(
        "--mail-wait",
        type=float,
        default=60.0,
        help="seconds to wait for the outbox after the SMTP server starts",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="a reader's mean time on a page in seconds (5: 200 readers ask about 40 pages/s)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="S",
        help="before the load, wait up to S seconds until other processes leave the CPU idle",
    )
    args = parser.parse_args()
    if not 1 <= args.writers <= 40 or args.duration <= 0 or args.duration > 900:
        parser.error("--writers must be 1–40 and --duration 0–900 s")

    check_services()
    logdir = Path(tempfile.mkdtemp(prefix="soak-"))
    print(f"soak run {RUN}: database {DATABASE}, Redis {REDIS_URL}, logs in {logdir}")
    setup_started = time.monotonic()
    world = seed_database()
    processes = Processes(args, logdir)
    interrupted = threading.Event()

    def on_signal(signum, frame):
        interrupted.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    checks: list[tuple[bool, str]] = []
    stats, faults = Stats(), Faults()
    try:
        processes.start_app()
        print(
            f"set up in {time.monotonic() - setup_started:.1f} s; gunicorn workers "
            f"{processes.worker_pids()}; SMTP on :{args.smtp_port} stays down; "
            f"{args.readers} readers, {args.writers} writers, 1 moderator for "
            f"{args.duration:g} s"
        )
        wait_quiet(args.wait_quiet)
        foreign = ForeignCpu()
        started, elapsed = asyncio.run(run_load(args, world, processes, stats, faults))
        report_figures(stats, elapsed)
        print(f"{foreign.note()}; {load_note()}")

        print(f"\nstarting the SMTP server on 127.0.0.1:{args.smtp_port}")
        handler = processes.start_smtp()
        mail_started = time.monotonic()
        rows, received = wait_for_mail(handler, args.mail_wait)
        health = __import__("httpx").get(f"http://127.0.0.1:{args.port}/healthz").status_code
        processes.stop_all()

        server_errors = [r for r in stats.results if r.status and r.status >= 500]
        no_answer = [r for r in stats.results if r.status is None]
        # Cut off with the killed worker: requests in flight then, and requests sent soon
        # after on a kept-alive connection to it (the next request after a pause).
        window = 1.5 * max(args.think, 1.5) + 5
        near_kill = [
            r
            for r in no_answer
            if faults.killed_at is not None
            and faults.killed_at - 1 <= r.at <= faults.killed_at + window
        ]
        print(
            f"connection errors (no answer): {len(no_answer)}, of them "
            f"{len(near_kill)} around the killed worker; "
            f"{Counter(r.error for r in no_answer)}"
        )
        retried = sum(
            line.count("serving it again")
            for line in (logdir / "gunicorn.log").read_text(errors="replace").splitlines()
        )
        print(f"requests served again after a lost database connection: {retried}")
        check_database(stats, checks)
        checks.append(
            (not server_errors, f"no answer 5xx ({Counter(r.status for r in server_errors)})")
        )
        checks.append(
            (
                len(near_kill) == len(no_answer),
                f"connection errors only with the killed worker "
                f"({len(no_answer) - len(near_kill)} others)",
            )
        )
        checks.append(
            (
                faults.killed_worker is not None and len(faults.terminated) == 2,
                "faults injected: 1 worker killed, connections terminated twice",
            )
        )
        after_faults = [
            r
            for r in stats.results
            if faults.terminated and r.at > faults.terminated[-1][0] + 1 and r.status == 200
        ]
        checks.append(
            (
                bool(after_faults) and health == 200,
                f"recovered: {len(after_faults)} good answers after the last fault, "
                f"/healthz {health}",
            )
        )
        queued = len(rows)
        sent = sum(1 for r in rows if r[1])
        failed = sum(1 for r in rows if r[2])
        ids = {r[0] for r in rows}
        twice = sum(1 for n in received.values() if n > 1)
        strangers = sum(1 for mid in received if mid not in ids)
        print(
            f"mail: {queued} queued, {sent} sent within {time.monotonic() - mail_started:.1f} s "
            f"of the SMTP server's start, {failed} given up; SMTP received "
            f"{sum(received.values())} ({len(received)} distinct Message-IDs)"
        )
        checks.append((queued > 0, f"mail was queued while SMTP was down ({queued})"))
        checks.append(
            (
                sent == queued and set(received) == ids,
                f"every queued mail delivered ({sent}/{queued}, received "
                f"{len(set(received) & ids)})",
            )
        )
        checks.append(
            (
                twice == 0 and strangers == 0,
                f"each mail delivered once ({twice} twice, {strangers} unknown)",
            )
        )
        checks.append((stats.published > 0, f"moderator published {stats.published}"))
        checks.append((not stats.crashed, f"no simulated person gave up {stats.crashed[:3]}"))
    except KeyboardInterrupt:
        print("interrupted")
        return 130
    finally:
        processes.stop_all()
    print()
    for ok, text in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
