"""Errors of the API as problem details (RFC 9457), also for errors raised outside its
views (an unknown address under /api/, a rate limit), so a client never gets an HTML page."""

from flask import Response, json, request
from werkzeug.exceptions import HTTPException

PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"


class ApiError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def problem(status: int, detail: str | None = None) -> Response:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status}
    if detail:
        body["detail"] = detail
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def is_api_request() -> bool:
    return request.path.startswith(PREFIX)


def from_http_exception(error: HTTPException) -> Response:
    response = problem(error.code or 500, error.description)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
