# gunicorn settings for participation in production.
#   gunicorn --config docs/gunicorn.conf.py wsgi:app
# Every value can be changed through the environment (GUNICORN_*), e.g. in the systemd unit.
#
# Not named ./gunicorn.conf.py at the top of the project on purpose: gunicorn reads that file
# by itself from the working directory, and the benchmarks start gunicorn with settings of
# their own.
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Processes × threads = requests served at once. A page costs mostly Python time (templates,
# markup), which threads of one process do not share, so there are about two processes per
# core; the threads keep a process busy while one of its requests waits for the database or
# hands mail to the mail server, and let keep-alive connections from the proxy idle cheaply.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count())
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)

# A worker that says nothing for this long is killed and replaced (a request stuck on a
# database that does not answer). The pages answer in milliseconds; the slowest legitimate
# requests (a PDF report, an import) take a few seconds.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM/SIGHUP, requests in progress get this long to finish before the worker stops.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds an idle connection from the reverse proxy stays open. The proxy must give idle
# connections up sooner (docs/nginx-participation.conf: keepalive_timeout 4s), or it may send
# a request on a connection that gunicorn is just closing.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# A worker is replaced after this many requests (± jitter, so that not all restart at once):
# whatever a long-running process accumulates (fragment caches are bounded, but libraries
# may not be) is given back regularly.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# No preloading: each worker imports the application after the fork, so that `systemctl
# reload` (SIGHUP) starts workers with newly installed code without dropping a request, and
# no database connection or lock made in the master is ever shared by forked processes. The
# cost is a second or two more at start and some memory that copy-on-write would share.
preload_app = False

# The application writes one line per request itself (route rule instead of the address,
# request id, user id, status, duration; participation/operations/request_log.py). gunicorn's
# access log would add a second line with the full address (which carries signed tokens, e.g.
# /konto/e-mail-bestaetigen/<token>) and the client's IP address, so it stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "participation"
# gunicorn's control interface (`gunicornc`) is not used: signals and systemd manage the
# process, and its default socket path (~/.gunicorn/gunicorn.ctl) would be shared by every
# gunicorn of the same user on the machine.
control_socket_disable = True
# The workers' heartbeat files in memory, not on a disk that may stall under load.
SHM = "/dev/shm"  # noqa: S108  (gunicorn's documented choice; files are per worker, mode 0600)
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
