"""A request whose database connection is cut before it has written anything is served
again, once, on a new connection.

The database drops connections on a restart, a failover, or `pg_terminate_backend`.
Connections waiting in the pool are tested before use (`pool_pre_ping`), but one that is
cut while a request is using it fails that request's next statement. Nothing of such a
request has been written (the server rolls the transaction back when the connection dies),
and mail is written to the outbox in that same transaction, so running the view once more
is safe.

A COMMIT is the exception: the server may have carried it out just before the connection
was lost, and running the view again would then store a contribution twice (or take back a
support). So every commit notes its transaction id (PostgreSQL's `txid_current_if_assigned()`,
NULL for a transaction that wrote nothing), and after a lost connection the request runs
again only when PostgreSQL reports each such transaction as aborted (`txid_status`). A
transaction that did commit, an unknown outcome, and a second failure end with the usual
error page.
"""

import logging
import time

from flask import Flask, g, has_request_context
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from participation.extensions import db

log = logging.getLogger("participation.database")

# Per request: the transaction id of every commit that was sent (None: it wrote nothing),
# or UNKNOWN when a commit's outcome cannot be looked up (SQLite, or the id query failed).
COMMITS = "_db_commits"
UNKNOWN = "unknown"


def _note_commit(connection) -> None:
    if not has_request_context():
        return
    commits = g.setdefault(COMMITS, [])
    if connection.dialect.name != "postgresql":
        commits.append(UNKNOWN)
        return
    # Asked before the COMMIT is sent: if the connection is already gone, this fails and
    # the COMMIT never leaves, which the lookup below then finds aborted.
    commits.append(UNKNOWN)
    try:
        txid = connection.exec_driver_sql("SELECT txid_current_if_assigned()").scalar()
    except DBAPIError as error:
        if is_lost_connection(error):
            commits.pop()  # the COMMIT is never sent: the transaction dies with the connection
        raise
    commits[-1] = txid


def _all_aborted(txids: list) -> bool:
    """Whether no transaction of the request has been committed (asked on a new
    connection; an aborted one may show as in progress for a moment while its server
    process ends)."""
    if UNKNOWN in txids:
        return False
    written = [txid for txid in txids if txid is not None]
    if not written:
        return True
    deadline = time.monotonic() + 2.0
    while True:
        try:
            with db.engine.connect() as connection:
                states = {
                    connection.execute(text("SELECT txid_status(:t)"), {"t": txid}).scalar()
                    for txid in written
                }
        except DBAPIError:
            return False
        if states == {"aborted"}:
            return True
        if "committed" in states or time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def is_lost_connection(error: BaseException) -> bool:
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _again_once(step):
    """`step` (the view, or the before-request hooks that load the user), run once more
    when it lost its connection and nothing it did was committed."""

    def run():
        try:
            return step()
        except DBAPIError as error:
            if not is_lost_connection(error):
                raise
            db.session.rollback()
            if not _all_aborted(g.get(COMMITS, [])):
                raise
            g.pop(COMMITS, None)
            log.warning("database connection lost during a request; serving it again")
            return step()

    return run


def register(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if not event.contains(engine, "commit", _note_commit):
        event.listen(engine, "commit", _note_commit)
    app.preprocess_request = _again_once(app.preprocess_request)
    app.dispatch_request = _again_once(app.dispatch_request)

    @app.teardown_appcontext
    def _end_session(exc):
        # Registered after Flask-SQLAlchemy's teardown, so it runs before it. Closing the
        # session rolls back on the connection; when that connection has just been cut,
        # the answer (already complete) must not turn into an error 500.
        try:
            db.session.remove()
        except DBAPIError as error:
            if not is_lost_connection(error):
                raise
            db.session.registry.clear()
            log.warning("database connection lost after a request; it is replaced")
