"""Redis as the outbox worker's doorbell (REDIS_URL set).

The outbox table stays the only record of what must be sent: a message is written in the
same transaction as the change that causes it, which no queue outside the database can
promise. Redis only carries a signal, "there is mail for the worker", pushed after a
commit that left messages to the worker (more than a request sends itself, or sending after
the commit switched off). The worker blocks on that list instead of sleeping, so such mail
leaves at once instead of after the next poll. A lost signal (Redis restarted, unreachable,
or the push failed) costs nothing but the wait for the next poll (OUTBOX_POLL_SECONDS):
the worker keeps polling the table either way, and a signal never says *what* to send.
"""

import logging
import threading
import time

from flask import current_app

log = logging.getLogger("participation.outbox")

KEY = "participation:outbox:wake"
# One pending signal is enough: a round sends everything that is due.
_MAX_PENDING = 1

_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def _client(url: str):
    import redis

    with _clients_lock:
        client = _clients.get(url)
        if client is None:
            # Short timeouts: a request must not hang on a Redis that is away.
            client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            _clients[url] = client
        return client


def ring() -> bool:
    """Tell a waiting worker that mail is due. False when there is no Redis or it failed
    (the worker then finds the mail at its next poll)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return False
    try:
        client = _client(url)
        pipe = client.pipeline(transaction=False)
        pipe.lpush(KEY, "1")
        pipe.ltrim(KEY, 0, _MAX_PENDING - 1)
        pipe.execute()
        return True
    except Exception as error:  # noqa: BLE001  (the worker's poll is the fallback)
        log.warning("could not signal the outbox worker through Redis: %s", error)
        return False


def waiter(url: str | None):
    """A function `wait(stop, seconds)` for the worker: returns after `seconds`, when
    `stop` is set, or early when a signal arrives through Redis."""
    if not url:
        return lambda stop, seconds: stop.wait(seconds)

    def wait(stop: threading.Event, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                # At most a second at a time, so that SIGTERM is answered quickly.
                if _client(url).blpop([KEY], timeout=min(1.0, left)) is not None:
                    return
            except Exception as error:  # noqa: BLE001
                log.warning("outbox worker: Redis unavailable (%s); polling instead", error)
                stop.wait(min(left, 5))
                return

    return wait
