"""`GET /healthz` for load balancers, process managers and monitoring.

It answers 200 only when a trivial query reaches the database: a web process whose
database is gone can serve nothing of use and should be taken out of the rotation. It
needs no login, sets no cookie and is not rate limited (a load balancer asks every few
seconds from one address); its successful answers stay out of the request log."""

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from participation.extensions import db, limiter
from participation.permissions import public

log = logging.getLogger("participation.health")

bp = Blueprint("operations", __name__)


@bp.get("/healthz")
@public
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001  (whatever failed, the answer is 503)
        db.session.rollback()
        log.warning("health check: database unreachable: %s", type(error).__name__)
        response = jsonify(status="unavailable", database="unreachable")
        response.status_code = 503
    else:
        response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
