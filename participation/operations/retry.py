"""A request whose database connection is lost before anything was committed is served
again, once, on a new connection.

The database drops connections on a restart, a failover, or `pg_terminate_backend`.
Connections waiting in the pool are tested before use (`pool_pre_ping`), but one that is
cut while a request is using it fails that request's next statement. Nothing of such a
request has been written (the server rolled its transaction back when the connection died),
and mail is written to the outbox in that same transaction, so running the view once more
is safe. Not so once a COMMIT has been sent: it may have been carried out just before the
connection was lost, and running the view again could store a contribution twice. Such a
request, and one that fails again, ends with the usual error page.
"""

import logging

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from participation.extensions import db

log = logging.getLogger("participation.database")

COMMITTED = "_db_commit_attempted"


def _note_commit(connection) -> None:
    if has_request_context():
        setattr(g, COMMITTED, True)


def is_lost_connection(error: BaseException) -> bool:
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _again_once(step):
    """`step` (the view, or the before-request hooks that load the user), run once more
    when it lost its connection before any commit."""

    def run():
        try:
            return step()
        except DBAPIError as error:
            if not is_lost_connection(error) or g.get(COMMITTED):
                raise
            db.session.rollback()
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
