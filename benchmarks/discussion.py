"""Benchmark of the discussion pages under gunicorn (issue 3, "Speed").

    .venv/bin/python benchmarks/discussion.py [--comments 1000 5000] [--duration 10]

For each comment count: a fresh database (PostgreSQL `participation_bench` on 127.0.0.1:5432
when reachable, else a temporary SQLite file), migrated and seeded with one open
post-moderated strategy, one section with that many comments, ~200 ideas with supports and a
confirmed citizen. Then gunicorn (2 sync workers, 127.0.0.1, free port) serves the real app
and the script measures the section page, the complete discussion, the ideas list and posting
a comment: p50/p99 at one connection, requests/s at 16 connections (wrk when installed, else
Python threads), response size. A bare Flask app (benchmarks/bare_app.py) then serves the same
bytes from memory under the same gunicorn settings, for the ratio. Everything stays on
127.0.0.1; both servers are always stopped. The exit code is 0 even when a target fails.
"""

import argparse
import contextlib
import cProfile
import http.client
import io
import os
import pickle
import pstats
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote_plus, urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
VENV_BIN = Path(sys.executable).parent
GUNICORN = str(VENV_BIN / "gunicorn")
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
# Its own database, dropped and created per run; BENCH_DATABASE names another so that two
# benchmarks (discussion and queue) can run side by side without dropping each other's data.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "participation_bench")
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
CONNECTIONS = 16

# The app reads these when it is imported (config.py); set before any participation import.
os.environ["LOG_LEVEL"] = "WARNING"
os.environ.setdefault("PARTICIPATION_ENV", "development")

TARGETS = {  # route -> (comment count it applies to or None for all, p50 limit in ms)
    "section page": (1000, 10.0),
    "complete discussion": (1000, 35.0),
    "post comment": (None, 8.0),
}


# --- database -------------------------------------------------------------------------------


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True):
            return True
    except Exception:  # noqa: BLE001  (any failure means: use SQLite)
        return False


def fresh_database(backend: str, workdir: Path, comments: int) -> str:
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
        return PG_URL
    path = workdir / f"bench-{comments}.sqlite3"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def make_app(url: str):
    from participation import create_app

    return create_app(SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False, MAIL_BACKEND="log")


def migrate_and_seed(url: str, comments: int, ideas: int):
    import logging

    import seed as seeding
    from flask_migrate import upgrade

    from participation.extensions import db

    app = make_app(url)
    with app.app_context():
        # Alembic's env.py configures logging from alembic.ini (INFO on stderr); keep quiet.
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade()
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        seeded = seeding.seed(comments, ideas=ideas)
        db.session.remove()
        db.engine.dispose()
    return seeded


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers on 127.0.0.1:<free port>; stopped on exit, whatever
    happens (the process group gets SIGTERM, then SIGKILL)."""

    def __init__(self, app_spec: str, env: dict[str, str], pythonpath: Path = ROOT):
        self.port = free_port()
        self.command = [
            GUNICORN,
            "--workers=2",
            "--worker-class=sync",
            f"--bind=127.0.0.1:{self.port}",
            "--log-level=warning",
            f"--chdir={ROOT}",
            f"--pythonpath={pythonpath}",
            app_spec,
        ]
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.process = subprocess.Popen(  # noqa: S603  (our own fixed command line)
            self.command, env=self.env, start_new_session=True
        )
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- HTTP client ------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


class Client:
    """One connection, reused while the server keeps it open (gunicorn's sync workers close
    it after each response; http.client then reconnects for the next request)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def send(self, req: Request) -> tuple[int, http.client.HTTPMessage, bytes]:
        try:
            self.conn.request(req.method, req.path, body=req.body, headers=req.headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()
            self.conn.request(req.method, req.path, body=req.body, headers=req.headers)
            response = self.conn.getresponse()
        body = response.read()
        if response.will_close:
            self.conn.close()
        return response.status, response.headers, body

    def close(self) -> None:
        self.conn.close()


class Session:
    """A browser: keeps cookies."""

    def __init__(self, port: int):
        self.client = Client(port)
        self.cookies: dict[str, str] = {}

    def send(self, method, path, form=None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, content = self.client.send(Request(method, path, body, headers))
        for line in response_headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return status, content


CSRF_RE = re.compile(
    rb'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"'
)


def csrf_token(html: bytes) -> str | None:
    found = CSRF_RE.search(html)
    if not found:
        return None
    return (found.group(1) or found.group(2)).decode()


def log_in(port: int, section_path: str) -> tuple[str, str]:
    """The citizen logs in; returns (Cookie header, CSRF token from the section page)."""
    import seed as seeding

    browser = Session(port)
    status, page = browser.send("GET", "/konto/anmelden")
    token = csrf_token(page)
    status, page = browser.send(
        "POST",
        "/konto/anmelden",
        {
            "csrf_token": token,
            "email": seeding.CITIZEN_EMAIL,
            "password": seeding.CITIZEN_PASSWORD,
            "next": "",
        },
    )
    if status != 302:
        raise RuntimeError(f"login failed with {status}")
    status, page = browser.send("GET", section_path)
    token = csrf_token(page) or token
    browser.client.close()
    # The flash message of the login stays in the cookie; it would be shown once on the next
    # page anyway. Posting does not update this cookie (a browser would show the flash on the
    # redirected page and come back to a cookie like this one).
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items()), token


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Figures:
    size: int | None = None
    p50: float | None = None  # ms
    p99: float | None = None
    rps: float | None = None
    samples: int = 0
    errors: int = 0
    concurrent_errors: int = 0
    tool: str = ""
    status: int | None = None
    busy: float = 0.0  # share of the CPU other processes used during the measurement


def percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def sequential(port: int, make, duration: float, max_requests: int, warmup: int = 20):
    """One connection, one request after the other, for `duration` s or `max_requests`."""
    client = Client(port)
    try:
        for i in range(warmup):
            client.send(make(-1 - i))
        latencies, errors, sizes = [], 0, []
        deadline = time.perf_counter() + duration
        i = 0
        while i < max_requests and time.perf_counter() < deadline:
            req = make(i)
            start = time.perf_counter()
            status, _, body = client.send(req)
            latencies.append((time.perf_counter() - start) * 1000)
            errors += status != req.expect
            sizes.append(len(body))
            i += 1
    finally:
        client.close()
    latencies.sort()
    return latencies, errors, statistics.median(sizes)


def concurrent_python(port: int, make, duration: float, connections: int = CONNECTIONS):
    """`connections` threads, each with its own connection, for `duration` s."""
    counts = [0] * connections
    errors = [0] * connections
    stop = threading.Event()

    def worker(n: int):
        client = Client(port)
        i = n * 10_000_000
        try:
            while not stop.is_set():
                req = make(i)
                status, _, _ = client.send(req)
                counts[n] += 1
                errors[n] += status != req.expect
                i += 1
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(duration)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start), sum(errors)


WRK_POST = """
local threads = {}
local counter = 0
errors = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function request()
  counter = counter + 1
  local body = "csrf_token=%(token)s&absatz=&website=&body_md=%(text)s+%%28" .. NONCE .. "-" ..
    tid .. "-" .. counter .. "%%29"
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "%(cookie)s",
  }, body)
end
function response(status, headers, body)
  if status ~= 302 then errors = errors + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("errors") end
  io.write(string.format("BENCH_NON302 %%d\\n", total))
end
"""


def concurrent_wrk(port: int, path: str, duration: float, script: Path | None = None):
    command = [
        "wrk",
        "--threads=2",
        f"--connections={CONNECTIONS}",
        f"--duration={max(1, round(duration))}s",
        "--timeout=10s",
    ]
    if script is not None:
        command.append(f"--script={script}")
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(  # noqa: S603  (wrk with our own arguments)
        command, capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", output).group(1))
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output):
        errors += int(found.group(1))
    if found := re.search(r"BENCH_NON302 (\d+)", output):
        errors = int(found.group(1))
    socket_errors = r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
    if found := re.search(socket_errors, output):
        errors += int(found.group(1)) + int(found.group(4))
    return rps, errors


def wait_quiet(args) -> None:
    """With --wait-quiet S: wait (at most S seconds) until other processes leave the CPU."""
    deadline = time.monotonic() + args.wait_quiet
    while time.monotonic() < deadline:
        sample = ForeignCpu()
        time.sleep(3)
        if sample.share() < 0.1:
            return
    if args.wait_quiet:
        print("  (still busy after waiting; measuring anyway)")


def measure_get(port: int, path: str, args, use_wrk: bool) -> Figures:
    wait_quiet(args)
    foreign = ForeignCpu()
    figures = _measure_get(port, path, args, use_wrk)
    figures.busy = foreign.share()
    return figures


def _measure_get(port: int, path: str, args, use_wrk: bool) -> Figures:
    req = Request("GET", path)
    latencies, errors, size = sequential(port, lambda i: req, args.duration, args.max_requests)
    figures = Figures(
        size=int(size),
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        samples=len(latencies),
        errors=errors,
    )
    if use_wrk:
        figures.rps, figures.concurrent_errors = concurrent_wrk(port, path, args.duration)
        figures.tool = "wrk"
    else:
        figures.rps, figures.concurrent_errors = concurrent_python(
            port, lambda i: req, args.duration
        )
        figures.tool = "python"
    return figures


def measure_post(port: int, section_path: str, args, use_wrk: bool, workdir: Path) -> Figures:
    import seed as seeding

    cookie, token = log_in(port, section_path)
    path = section_path + "/kommentare"
    nonce = secrets.token_hex(3)
    texts = [seeding.german_text(random.Random(n)) for n in range(50)]

    def make(i: int) -> Request:
        body = urlencode(
            {
                "csrf_token": token,
                "body_md": f"{texts[i % len(texts)]} (Beitrag {nonce}-{i})",
                "absatz": "",
                "website": "",
            }
        ).encode()
        return Request(
            "POST",
            path,
            body,
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            expect=302,
        )

    probe = Client(port)
    status, _, _ = probe.send(make(-1000))
    probe.close()
    if status != 302:
        print(f"  posting answers HTTP {status} (expected 302); not measured")
        return Figures(status=status)
    wait_quiet(args)
    foreign = ForeignCpu()
    latencies, errors, size = sequential(port, make, args.duration, args.max_requests)
    figures = Figures(
        size=int(size),
        p50=percentile(latencies, 0.5),
        p99=percentile(latencies, 0.99),
        samples=len(latencies),
        errors=errors,
    )
    if use_wrk:
        script = workdir / "post.lua"
        script.write_text(
            WRK_POST.replace("NONCE", f'"{secrets.token_hex(3)}"')
            % {
                "token": quote_plus(token),
                "text": quote_plus(texts[0]).replace("%", "%%"),
                "path": path,
                "cookie": cookie.replace('"', '\\"'),
            }
        )
        figures.rps, figures.concurrent_errors = concurrent_wrk(port, path, args.duration, script)
        figures.tool = "wrk+lua"
    else:
        figures.rps, figures.concurrent_errors = concurrent_python(
            port, lambda i: make(i + 1_000_000), args.duration
        )
        figures.tool = "python"
    figures.busy = foreign.share()
    return figures


# --- profiling --------------------------------------------------------------------------------


def _logged_in_client(app, section_path: str):
    import seed as seeding

    client = app.test_client()
    token = csrf_token(client.get("/konto/anmelden").data)
    client.post(
        "/konto/anmelden",
        data={
            "csrf_token": token,
            "email": seeding.CITIZEN_EMAIL,
            "password": seeding.CITIZEN_PASSWORD,
            "next": "",
        },
    )
    return client, csrf_token(client.get(section_path).data) or token


APP_CODE = r"participation/|templates/|flask_wtf|flask_login|orm/session.py.*\(commit\)"


def profile_routes(url: str, paths: dict[str, str], workdir: Path, rounds: int = 20) -> str:
    """In-process cProfile of the given routes (Flask test client, same database); the
    route "post comment" is posted as the logged-in citizen, the others fetched anonymously."""
    import seed as seeding

    app = make_app(url)
    anonymous = app.test_client()
    report = []
    for name, path in paths.items():
        if name == "post comment":
            client, token = _logged_in_client(app, path.removesuffix("/kommentare"))
            texts = [seeding.german_text(random.Random(n)) for n in range(50)]
            nonce = secrets.token_hex(3)

            def request(i, client=client, token=token, path=path, texts=texts, nonce=nonce):
                body_md = f"{texts[i % len(texts)]} (Profil {nonce}-{i})"
                data = {"csrf_token": token, "body_md": body_md, "absatz": "", "website": ""}
                return client.post(path, data=data)
        else:

            def request(i, path=path):
                return anonymous.get(path)

        for i in range(3):
            request(-1 - i)
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(rounds):
            request(i)
        profiler.disable()
        slug = re.sub(r"\W+", "-", name)
        out = workdir / f"profile-{slug}.prof"
        profiler.dump_stats(out)
        for title, order, restriction in (
            ("everything, by own time", "tottime", (15,)),
            ("application code and templates, by cumulative time", "cumulative", (APP_CODE, 22)),
        ):
            stream = io.StringIO()
            stats = pstats.Stats(profiler, stream=stream).sort_stats(order)
            stats.print_stats(*restriction)
            lines = [
                line.replace(str(ROOT) + "/", "")
                for line in stream.getvalue().splitlines()
                if line.strip() and "List reduced" not in line
            ][2:]
            report.append(
                f"\n--- profile of {name} ({path}), {rounds} requests in-process under cProfile "
                f"(times inflated by the profiler), {title} ({out}):\n" + "\n".join(lines)
            )
    return "\n".join(report)


# --- reporting --------------------------------------------------------------------------------


ROUTES = ("section page", "complete discussion", "ideas list", "post comment")


def fmt(value, spec=".1f", unit=""):
    return "–" if value is None else f"{value:{spec}}{unit}"


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) / {five:.2f} (5 min) on {os.cpu_count()} CPUs"


class ForeignCpu:
    """CPU seconds that processes other than this benchmark (and its PostgreSQL backends)
    used meanwhile, from /proc: a busy machine inflates every figure."""

    def __init__(self):
        self.start_time, self.start = time.monotonic(), self._snapshot()

    @staticmethod
    def _snapshot() -> dict[int, int]:
        ticks, parents = {}, {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            pid = int(entry.name)
            parents[pid] = int(fields[1])
            if BENCH_DATABASE.encode() in cmdline:
                continue
            # utime + stime; not the children's times, which jump when a long-lived child is
            # reaped. Processes that start and end in between are missed: a lower bound.
            ticks[pid] = int(fields[11]) + int(fields[12])
        mine = {os.getpid()}
        for pid in sorted(parents):
            chain, seen = pid, set()
            while chain > 1 and chain not in seen:
                seen.add(chain)
                if chain in mine:
                    mine.add(pid)
                    break
                chain = parents.get(chain, 0)
        return {pid: t for pid, t in ticks.items() if pid not in mine}

    def share(self) -> float:
        end = self._snapshot()
        used = sum(max(0, t - self.start.get(pid, 0)) for pid, t in end.items())
        seconds = used / os.sysconf("SC_CLK_TCK")
        return min(1.0, seconds / ((time.monotonic() - self.start_time) * (os.cpu_count() or 1)))

    def note(self) -> str:
        share = self.share()
        note = f"other processes used {share:.0%} of the machine's CPU meanwhile"
        if share > 0.1:
            note += "  ← BUSY: the figures are inflated by other work"
        return note


def print_table(comments: int, real: dict[str, Figures], bare: dict[str, Figures]) -> None:
    header = (
        "route",
        "size",
        "p50",
        "p99",
        "req/s@16",
        "bare p50",
        "bare req/s",
        "ratio p50",
        "ratio req/s",
    )
    rows = []
    for name in ROUTES:
        r, b = real.get(name), bare.get(name)
        if r is None:
            rows.append((name, "missing", "", "", "", "", "", "", ""))
            continue
        if r.p50 is None:
            rows.append((name, f"HTTP {r.status}", "", "", "", "", "", "", ""))
            continue
        rows.append(
            (
                name,
                f"{r.size / 1024:.1f} kB",
                fmt(r.p50, ".2f", " ms"),
                fmt(r.p99, ".2f", " ms"),
                fmt(r.rps, ".0f"),
                fmt(b.p50 if b else None, ".2f", " ms"),
                fmt(b.rps if b else None, ".0f"),
                fmt(r.p50 / b.p50 if b else None, ".1f", "×"),
                fmt(b.rps / r.rps if b and r.rps else None, ".1f", "×"),
            )
        )
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{comments:,} comments")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    notes = []
    for name in ROUTES:
        r = real.get(name)
        if r and r.p50 is not None:
            b = bare.get(name)
            busy = max(r.busy, b.busy if b else 0)
            notes.append(
                f"{name}: {r.samples} sequential requests, {r.errors} errors; "
                f"16 connections by {r.tool}, {r.concurrent_errors} errors; "
                f"other processes took {busy:.0%} of the CPU"
                + ("  ← BUSY, figures inflated" if busy > 0.1 else "")
            )
    print("\n".join("  " + note for note in notes))


def verdicts(results: dict[int, dict[str, Figures]]) -> list[str]:
    lines = []
    for name, (applies, limit) in TARGETS.items():
        for comments, real in results.items():
            if applies is not None and comments != applies:
                continue
            figures = real.get(name)
            if figures is None or figures.p50 is None:
                why = f"HTTP {figures.status}" if figures and figures.status else "route missing"
                lines.append(f"MISSING  {name} at {comments:,}: not measured ({why})")
                continue
            ok = figures.p50 <= limit
            lines.append(
                f"{'PASS' if ok else 'FAIL'}     {name} at {comments:,} comments: "
                f"p50 {figures.p50:.2f} ms (target ≤ {limit:g} ms)"
            )
    counts = sorted(results)
    if len(counts) >= 2:
        low, high = counts[0], counts[-1]
        allowed = high / low
        for name in ROUTES:
            a, b = results[low].get(name), results[high].get(name)
            if not (a and b and a.p50 and b.p50):
                continue
            growth = b.p50 / a.p50
            verdict = "PASS" if growth <= allowed else "FAIL"
            note = ""
            if name == "section page" and growth > 1.2:
                note = " (paginated: should be about flat)"
            size_growth = b.size / a.size if a.size else 0
            lines.append(
                f"{verdict}     growth {low:,} → {high:,} of {name}: p50 ×{growth:.2f}, "
                f"req/s ÷{(a.rps / b.rps) if b.rps else 0:.2f}, size ×{size_growth:.2f} "
                f"(limit ×{allowed:g}){note}"
            )
    return lines


# --- the run ----------------------------------------------------------------------------------


def run_count(comments: int, args, backend: str, workdir: Path, use_wrk: bool):
    print(f"\n=== {comments:,} comments: fresh {backend} database, migrating and seeding …")
    print(f"before: {load_note()}")
    foreign = ForeignCpu()
    url = fresh_database(backend, workdir, comments)
    started = time.perf_counter()
    seeded = migrate_and_seed(url, comments, args.ideas)
    print(
        f"seeded in {time.perf_counter() - started:.1f} s: {seeded.comments} comments, "
        f"{seeded.ideas} ideas, {seeded.supports} supports"
    )
    section = f"/strategien/{seeded.slug}/{seeded.section_key}"
    paths = {
        "section page": section,
        "complete discussion": section + "/diskussion",
        "ideas list": f"/strategien/{seeded.slug}/ideen",
    }
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_ENABLED": "false",
        "MAIL_BACKEND": "log",
        "LOG_LEVEL": "WARNING",
        "PARTICIPATION_ENV": "development",
    }
    real: dict[str, Figures] = {}
    captured: dict[str, tuple[int, str, bytes]] = {}
    with Server("wsgi:app", env) as server:
        print(f"real app: gunicorn on 127.0.0.1:{server.port}")
        probe = Client(server.port)
        for name, path in paths.items():
            status, headers, body = probe.send(Request("GET", path))
            if status != 200:
                print(f"  {name}: {path} answers HTTP {status}; not measured")
                real[name] = Figures(status=status)
                continue
            captured[path] = (status, headers.get("Content-Type", "text/html"), body)
        probe.close()
        for name, path in paths.items():
            if path in captured:
                print(f"  measuring {name} ({path}) …", flush=True)
                real[name] = measure_get(server.port, path, args, use_wrk)
        # Profiles of the GET routes now, before posting adds comments.
        profiles = _profile(args, comments, url, paths, real, workdir)
        print(f"  measuring post comment ({section}/kommentare) …", flush=True)
        try:
            real["post comment"] = measure_post(server.port, section, args, use_wrk, workdir)
        except Exception as error:  # noqa: BLE001  (report and go on with the rest)
            print(f"  posting not measured: {error!r}")
        post = {"post comment": section + "/kommentare"}
        profiles += _profile(args, comments, url, post, real, workdir)

    bare: dict[str, Figures] = {}
    responses = workdir / f"responses-{comments}.pickle"
    with responses.open("wb") as fh:
        pickle.dump(captured, fh)
    with Server("bare_app:app", {"BENCH_RESPONSES": str(responses)}, pythonpath=HERE) as server:
        print(f"bare app: gunicorn on 127.0.0.1:{server.port}")
        for name, path in paths.items():
            if path in captured:
                print(f"  measuring bare {name} …", flush=True)
                bare[name] = measure_get(server.port, path, args, use_wrk)
                if bare[name].size != len(captured[path][2]):
                    print(f"  warning: bare {name} answered {bare[name].size} bytes")
    print(foreign.note())
    print_table(comments, real, bare)

    print(profiles)
    return real, bare


def _profile(args, comments, url, paths, real, workdir) -> str:
    """Profiles of the routes that missed their target (of all measured with --profile)."""
    chosen = {}
    for name, path in paths.items():
        figures = real.get(name)
        if figures is None or figures.p50 is None:
            continue
        applies, limit = TARGETS.get(name, (-1, float("inf")))
        if args.profile or (applies in (None, comments) and figures.p50 > limit):
            chosen[name] = path
    if not chosen:
        return ""
    args.keep_workdir = True
    print(f"  profiling {', '.join(chosen)} in-process …", flush=True)
    return profile_routes(url, chosen, workdir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument(
        "--max-requests", type=int, default=5000, help="cap of sequential requests per route"
    )
    parser.add_argument("--ideas", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true", help="use SQLite even if PG is up")
    parser.add_argument("--no-wrk", action="store_true", help="Python threads instead of wrk")
    parser.add_argument("--profile", action="store_true", help="profile every measured route")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="S",
        help="before each measurement wait up to S seconds until other processes are idle",
    )
    args = parser.parse_args()

    backend = "sqlite" if args.sqlite or not postgres_reachable() else "postgresql"
    use_wrk = not args.no_wrk and shutil.which("wrk") is not None
    print(
        f"participation discussion benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} CPUs, database: {backend}"
        + (f" (PostgreSQL {BENCH_DATABASE} on 127.0.0.1:5432)" if backend == "postgresql" else "")
        + f", 16-connection load by: {'wrk' if use_wrk else 'Python threads'}"
    )
    print(
        f"each measurement: {args.duration:g} s (sequential: at most {args.max_requests} "
        "requests after 20 warm-up requests); gunicorn 2 sync workers"
    )
    workdir = Path(tempfile.mkdtemp(prefix="participation-bench-"))
    results: dict[int, dict[str, Figures]] = {}
    try:
        for comments in args.comments:
            results[comments], _ = run_count(comments, args, backend, workdir, use_wrk)
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped")
    finally:
        if getattr(args, "keep_workdir", False):
            print(f"\nprofiles (.prof, for snakeviz/pstats) kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if results:
        print("\nTargets (issue 3, 2-core machine):")
        for line in verdicts(results):
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
