"""The read-only JSON API under /api/v1.

Only GET. Every answer carries `Access-Control-Allow-Origin: *`: the data is public and
licensed for reuse, no cookie or credential is ever needed or honoured (the API reads no
session), so letting any web page read it exposes nothing a browser could not fetch anyway
— and lets open-data tools run in the browser. Forms do not reach it, so CSRF protection
has nothing to protect here (the blueprint is exempt).
"""

from flask import Blueprint, current_app, jsonify, request, url_for
from sqlalchemy import func, select

from participation.api import openapi as spec
from participation.api import params, resources
from participation.api.problems import ApiError, problem
from participation.discussion.models import ContributionKind, ProcessingStatus
from participation.extensions import csrf, db, limiter
from participation.opendata.contributions import Filters, published_contributions
from participation.permissions import public
from participation.strategies import queries
from participation.strategies.models import Strategy, Version
from participation.strategies.tree import build_tree

bp = Blueprint("api", __name__)
csrf.exempt(bp)
limiter.limit("120 per minute")(bp)


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return problem(error.status, error.detail)


@bp.after_request
def allow_any_origin(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _strategy_or_404(slug: str) -> Strategy:
    strategy = queries.published_strategy(slug) if params.path_key(slug) else None
    if strategy is None:
        raise ApiError(404, "There is no published strategy with this slug.")
    return strategy


def _latest_numbers() -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Version.strategy_id, func.max(Version.number))
            .where(Version.number.is_not(None))
            .group_by(Version.strategy_id)
        ).all()
    )


@bp.get("/strategies")
@public
def strategies():
    latest = _latest_numbers()
    items = [resources.strategy(s, latest.get(s.id)) for s in queries.published_strategies()]
    return jsonify({"items": items})


@bp.get("/strategies/<slug>")
@public
def strategy(slug: str):
    item = _strategy_or_404(slug)
    latest = queries.latest_version(item)
    return jsonify(resources.strategy(item, latest.number if latest else None))


@bp.get("/strategies/<slug>/versions")
@public
def versions(slug: str):
    item = _strategy_or_404(slug)
    return jsonify(
        {"items": [resources.version(v, item.slug) for v in queries.published_versions(item)]}
    )


@bp.get("/strategies/<slug>/versions/<number>/sections")
@public
def sections(slug: str, number: str):
    item = _strategy_or_404(slug)
    version = None
    if number.isascii() and number.isdigit() and len(number) <= 9:
        version = queries.version_by_number(item, int(number))
    if version is None or version.number is None:
        raise ApiError(404, "This strategy has no published version with this number.")
    rows = queries.section_rows(version)
    keys = {row.id: row.key for row in rows}
    nodes = queries.reading_order(build_tree(rows))
    return jsonify(
        {
            "items": [
                resources.section(n.section, n.number, keys, item.slug, version.number)
                for n in nodes
            ]
        }
    )


@bp.get("/strategies/<slug>/contributions")
@public
def contributions(slug: str):
    item = _strategy_or_404(slug)
    values = params.parse(params.CONTRIBUTION_PARAMS, request.args)
    start, end = values.get("created_from"), values.get("created_to")
    if start and end and start > end:
        raise ApiError(400, "“created_from” must not be after “created_to”.")
    limit = values.get("limit", params.DEFAULT_LIMIT)
    filters = Filters(
        strategy_id=item.id,
        section_key=values.get("section"),
        kind=ContributionKind(values["kind"]) if "kind" in values else None,
        status=ProcessingStatus(values["status"]) if "status" in values else None,
        created_from=params.day_start(start) if start else None,
        created_before=params.day_end(end) if end else None,
    )
    items = published_contributions(filters, after=values.get("after"), limit=limit)
    next_url = None
    if len(items) == limit:
        known = {param.name for param in params.CONTRIBUTION_PARAMS}
        query = {k: v for k, v in request.args.items() if k in known}
        query.update(after=items[-1]["id"], limit=limit)
        next_url = current_app.config["BASE_URL"].rstrip("/") + url_for(
            ".contributions", slug=item.slug, **query
        )
    return jsonify({"items": items, "limit": limit, "next": next_url})


def _contribution_or_404(id: str) -> dict:
    number = params.path_id(id)
    found = published_contributions(Filters(contribution_id=number), limit=1) if number else []
    if not found:
        raise ApiError(404, "There is no published contribution with this number.")
    return found[0]


@bp.get("/contributions/<id>")
@public
def contribution(id: str):
    return jsonify(_contribution_or_404(id))


@bp.get("/contributions/<id>/status-trail")
@public
def status_trail(id: str):
    record = _contribution_or_404(id)
    return jsonify({"contribution_id": record["id"], "items": record["status_trail"]})


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(spec.document())
