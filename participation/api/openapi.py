"""The OpenAPI 3.1 description of /api/v1, built from what the code already knows.

The schemas of the answers come from the serializers (opendata.contributions.FIELDS and
api.resources), the query parameters of the contribution list from api.params — the same
definitions the views use — so a field or a parameter exists in one place only. What is
written here is the table of operations and their prose.
"""

from typing import Any

from flask import current_app

from participation.api import params, resources
from participation.api.problems import MEDIA_TYPE as PROBLEM
from participation.opendata.contributions import TRAIL_ENTRY_SCHEMA, record_schema

PREFIX = "/api/v1"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str, **extra) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", *extra],
        "properties": {"items": {"type": "array", "items": _ref(name)}, **extra},
    }


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": _ref("Problem")}}}


NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}
BAD_REQUEST = {"400": {"$ref": "#/components/responses/BadRequest"}}

SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "description": "Short name of the strategy, as in its address on the site.",
    "schema": {"type": "string", "pattern": params.KEY_PATTERN},
}
CONTRIBUTION_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "Number of the contribution.",
    "schema": {"type": "integer", "minimum": 1, "maximum": params.MAX_ID},
}
VERSION_NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "description": "Number of a published version.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999},
}


def _query(param: params.Param) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": "query",
        "required": False,
        "description": param.description,
        "schema": param.schema,
    }


def _operations() -> dict[str, Any]:
    return {
        "/strategies": {
            "get": {
                "operationId": "listStrategies",
                "summary": "Published strategies",
                "responses": {"200": _ok("The strategies", _list_of("Strategy"))},
            }
        },
        "/strategies/{slug}": {
            "get": {
                "operationId": "getStrategy",
                "summary": "One strategy",
                "parameters": [SLUG],
                "responses": {"200": _ok("The strategy", _ref("Strategy")), **NOT_FOUND},
            }
        },
        "/strategies/{slug}/versions": {
            "get": {
                "operationId": "listVersions",
                "summary": "The published versions of a strategy, newest first",
                "parameters": [SLUG],
                "responses": {"200": _ok("The versions", _list_of("Version")), **NOT_FOUND},
            }
        },
        "/strategies/{slug}/versions/{number}/sections": {
            "get": {
                "operationId": "listSections",
                "summary": "The sections of a published version, in reading order",
                "parameters": [SLUG, VERSION_NUMBER],
                "responses": {"200": _ok("The sections", _list_of("Section")), **NOT_FOUND},
            }
        },
        "/strategies/{slug}/contributions": {
            "get": {
                "operationId": "listContributions",
                "summary": "Published contributions of a strategy, oldest first, paged",
                "description": (
                    "Display names only where the author agreed, otherwise a stable "
                    "pseudonym; official replies are signed by the administration. Follow "
                    "`next` for the next page (null on the last)."
                ),
                "parameters": [SLUG, *(_query(p) for p in params.CONTRIBUTION_PARAMS)],
                "responses": {
                    "200": _ok(
                        "A page of contributions",
                        _list_of(
                            "Contribution",
                            limit={"type": "integer"},
                            next={"type": ["string", "null"], "format": "uri"},
                        ),
                    ),
                    **BAD_REQUEST,
                    **NOT_FOUND,
                },
            }
        },
        "/contributions/{id}": {
            "get": {
                "operationId": "getContribution",
                "summary": "One published contribution",
                "parameters": [CONTRIBUTION_ID],
                "responses": {"200": _ok("The contribution", _ref("Contribution")), **NOT_FOUND},
            }
        },
        "/contributions/{id}/status-trail": {
            "get": {
                "operationId": "getStatusTrail",
                "summary": "The dated processing statuses of a contribution, oldest first",
                "parameters": [CONTRIBUTION_ID],
                "responses": {
                    "200": _ok(
                        "The status trail",
                        {
                            "type": "object",
                            "required": ["contribution_id", "items"],
                            "properties": {
                                "contribution_id": {"type": "integer"},
                                "items": {"type": "array", "items": _ref("StatusTrailEntry")},
                            },
                        },
                    ),
                    **NOT_FOUND,
                },
            }
        },
    }


def document() -> dict[str, Any]:
    config = current_app.config
    licence_uri = config["OPEN_DATA_LICENSE_URI"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"Participation API – {config['MUNICIPALITY_NAME']}",
            "version": "1.0.0",
            "description": (
                "Read-only access to the published content of the participation platform: "
                "strategies, their versions and sections, and the published contributions "
                f"with official replies and status trails. Data licence: {licence_uri}."
            ),
            "license": {"name": config["OPEN_DATA_LICENSE_LABEL"], "url": licence_uri},
        },
        "servers": [{"url": config["BASE_URL"].rstrip("/") + PREFIX}],
        "paths": _operations(),
        "components": {
            "schemas": {
                "Strategy": resources.STRATEGY_SCHEMA,
                "Version": resources.VERSION_SCHEMA,
                "Section": resources.SECTION_SCHEMA,
                "Contribution": record_schema(),
                "StatusTrailEntry": TRAIL_ENTRY_SCHEMA,
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                    },
                },
            },
            "responses": {
                "BadRequest": _problem("A query parameter is not valid; `detail` says which."),
                "NotFound": _problem("Nothing public has this address."),
            },
        },
    }
