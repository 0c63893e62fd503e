"""Strategies, versions and sections as the API returns them, each with its JSON schema
next to the function that builds it (openapi.py reads the schemas from here)."""

from typing import Any

from flask import current_app, url_for

from participation.opendata.contributions import iso
from participation.strategies.models import Phase, Section, SectionKind, Strategy, Version


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _nullable(kind: str, **extra) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


STRATEGY_SCHEMA = {
    "type": "object",
    "required": [
        "slug",
        "title",
        "summary",
        "phase",
        "opens_at",
        "closes_at",
        "adopted_on",
        "latest_version",
        "url",
        "versions_url",
        "contributions_url",
    ],
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "summary": {"type": "string", "description": "Markdown"},
        "phase": {"type": "string", "enum": [p.value for p in Phase]},
        "opens_at": {"type": "string", "format": "date-time"},
        "closes_at": {"type": "string", "format": "date-time"},
        "adopted_on": _nullable("string", format="date"),
        "latest_version": _nullable("integer"),
        "url": {"type": "string", "format": "uri"},
        "versions_url": {"type": "string", "format": "uri"},
        "contributions_url": {"type": "string", "format": "uri"},
    },
}


def strategy(item: Strategy, latest: int | None) -> dict[str, Any]:
    return {
        "slug": item.slug,
        "title": item.title,
        "summary": item.summary or "",
        "phase": item.phase.value,
        "opens_at": iso(item.opens_at),
        "closes_at": iso(item.closes_at),
        "adopted_on": item.adopted_on.isoformat() if item.adopted_on else None,
        "latest_version": latest,
        "url": _absolute("strategies.overview", slug=item.slug),
        "versions_url": _absolute("api.versions", slug=item.slug),
        "contributions_url": _absolute("api.contributions", slug=item.slug),
    }


VERSION_SCHEMA = {
    "type": "object",
    "required": ["number", "published_at", "change_note", "url", "sections_url"],
    "properties": {
        "number": {"type": "integer"},
        "published_at": {"type": "string", "format": "date-time"},
        "change_note": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "sections_url": {"type": "string", "format": "uri"},
    },
}


def version(item: Version, slug: str) -> dict[str, Any]:
    return {
        "number": item.number,
        "published_at": iso(item.published_at),
        "change_note": item.change_note or "",
        "url": _absolute("strategies.version_overview", slug=slug, number=item.number),
        "sections_url": _absolute("api.sections", slug=slug, number=str(item.number)),
    }


SECTION_SCHEMA = {
    "type": "object",
    "required": ["key", "number", "title", "kind", "parent_key", "text", "paragraphs", "url"],
    "properties": {
        "key": {"type": "string"},
        "number": {"type": "string", "description": "Place in the outline, e.g. 2.3"},
        "title": {"type": "string"},
        "kind": {"type": "string", "enum": [k.value for k in SectionKind]},
        "parent_key": _nullable("string"),
        "text": {"type": "string", "description": "Markdown"},
        "paragraphs": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Anchors of the paragraphs that can be commented on",
        },
        "url": {"type": "string", "format": "uri"},
    },
}


def section(
    item: Section, outline: str, keys: dict[int, str], slug: str, number: int
) -> dict[str, Any]:
    return {
        "key": item.key,
        "number": outline,
        "title": item.title,
        "kind": SectionKind(item.kind).value,
        "parent_key": keys.get(item.parent_id) if item.parent_id else None,
        "text": item.body_md or "",
        "paragraphs": item.anchors,
        "url": _absolute("strategies.version_section", slug=slug, number=number, key=item.key),
    }
