"""Query parameters of the API: each defined once, with its JSON schema (for the OpenAPI
description) and its parser (for the view), so the two cannot drift apart. A value that
does not parse is a 400 with a message that names the parameter and what it accepts."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from participation.api.problems import ApiError
from participation.discussion.models import ContributionKind, ProcessingStatus

# Database ids are 32-bit on PostgreSQL; larger numbers cannot name anything.
MAX_ID = 2**31 - 1
MAX_LIMIT = 100
DEFAULT_LIMIT = 50
KEY_PATTERN = r"^[A-Za-z0-9_-]{1,80}$"
_KEY = re.compile(KEY_PATTERN)


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    schema: dict[str, Any]
    parse: Callable[[str], Any]


def _integer(name: str, low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not re.fullmatch(r"[0-9]{1,10}", value):
            raise ApiError(400, f"“{name}” must be a whole number from {low} to {high}.")
        number = int(value)
        if not low <= number <= high:
            raise ApiError(400, f"“{name}” must be a whole number from {low} to {high}.")
        return number

    return parse


def _choice(name: str, choices: list[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in choices:
            raise ApiError(400, f"“{name}” must be one of: {', '.join(choices)}.")
        return value

    return parse


def _key(name: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not _KEY.fullmatch(value):
            raise ApiError(
                400, f"“{name}” must be a section key (letters, digits, - and _, at most 80)."
            )
        return value

    return parse


def _date(name: str) -> Callable[[str], date]:
    def parse(value: str) -> date:
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            raise ApiError(400, f"“{name}” must be a date like 2026-11-21.") from None

    return parse


CONTRIBUTION_PARAMS: tuple[Param, ...] = (
    Param(
        "section",
        "Only contributions on the section with this key (ideas: their field of action).",
        {"type": "string", "pattern": KEY_PATTERN},
        _key("section"),
    ),
    Param(
        "kind",
        "Only comments, replies or ideas.",
        {"type": "string", "enum": [k.value for k in ContributionKind]},
        _choice("kind", [k.value for k in ContributionKind]),
    ),
    Param(
        "status",
        "Only contributions with this processing status.",
        {"type": "string", "enum": [s.value for s in ProcessingStatus]},
        _choice("status", [s.value for s in ProcessingStatus]),
    ),
    Param(
        "created_from",
        "Only contributions written on or after this day (UTC).",
        {"type": "string", "format": "date"},
        _date("created_from"),
    ),
    Param(
        "created_to",
        "Only contributions written on or before this day (UTC).",
        {"type": "string", "format": "date"},
        _date("created_to"),
    ),
    Param(
        "after",
        "Cursor: only contributions with a higher number (the `next` link sets it).",
        {"type": "integer", "minimum": 0, "maximum": MAX_ID},
        _integer("after", 0, MAX_ID),
    ),
    Param(
        "limit",
        f"Contributions per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        _integer("limit", 1, MAX_LIMIT),
    ),
)


def parse(params: tuple[Param, ...], args: Mapping[str, str]) -> dict[str, Any]:
    """The given parameters, parsed; absent ones are left out."""
    values = {}
    for param in params:
        raw = args.get(param.name)
        if raw is not None:
            values[param.name] = param.parse(raw)
    return values


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_end(day: date) -> datetime | None:
    """The first moment after the day, or None when the calendar ends with it."""
    if day == date.max:
        return None
    return day_start(day + timedelta(days=1))


def path_id(value: str) -> int | None:
    """A contribution number from the path; None if it cannot name one."""
    if re.fullmatch(r"[0-9]{1,10}", value) and 1 <= int(value) <= MAX_ID:
        return int(value)
    return None


def path_key(value: str) -> str | None:
    return value if _KEY.fullmatch(value) else None
