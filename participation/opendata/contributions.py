"""Published contributions as open data: one serializer for the downloads and the API.

`published_contributions` reads a set of contributions with a fixed number of statements,
however many there are: the pseudonyms are brought up to date (two INSERT … SELECT), then
one query for the rows with their strategy, version, section and author, one for the
official replies below them and one for their status trails (moderation.status). Each row
becomes a plain dict (`FIELDS` describes every key); nothing else is read from the models,
so nothing unpublished or internal (e-mail addresses, notes, rejection reasons, reporters)
can slip in.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import aliased

from participation.accounts.models import User
from participation.discussion.models import (
    Channel,
    Contribution,
    ContributionKind,
    ModerationState,
    ProcessingStatus,
)
from participation.events.models import Event
from participation.extensions import db
from participation.moderation.status import (
    STATUS_CHANGED,
    can_have_status,
    status_trails,
    trail_label,
)
from participation.opendata import authors
from participation.opendata.models import Pseudonym
from participation.opendata.registry import Dataset, Field, register
from participation.strategies.models import Section, Strategy, Version


def iso(value: datetime | None) -> str | None:
    """UTC, to the second, as RFC 3339 (what JSON Schema calls date-time)."""
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat()


def _replies_cell(replies: list[dict]) -> str:
    return "\n\n".join(f"{r['date']} – {r['signed_by']}: {r['text']}" for r in replies)


def _trail_cell(trail: list[dict]) -> str:
    """One line per entry: "2026-11-21T10:00:00+00:00 not_adopted – Nicht übernommen: …"."""
    lines = []
    for entry in trail:
        code = entry["status"] or entry["event"] or ""
        line = f"{entry['date']} {code} – {entry['label']}"
        if entry["public_reason"]:
            line += f": {entry['public_reason']}"
        lines.append(line)
    return "\n".join(lines)


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
DATE_TIME = {"type": "string", "format": "date-time"}

OFFICIAL_REPLY_SCHEMA = {
    "type": "object",
    "required": ["id", "date", "signed_by", "text"],
    "properties": {
        "id": INTEGER,
        "date": DATE_TIME,
        "signed_by": STRING,
        "text": STRING,
    },
}
ADOPTED_INTO_SCHEMA = {
    "type": ["object", "null"],
    "required": ["version", "section_key", "title", "number"],
    "properties": {
        "version": INTEGER,
        "section_key": STRING,
        "title": STRING,
        "number": STRING,
    },
}
TRAIL_ENTRY_SCHEMA = {
    "type": "object",
    "required": [
        "date",
        "status",
        "label",
        "event",
        "value",
        "public_reason",
        "departments",
        "adopted_into",
    ],
    "properties": {
        "date": DATE_TIME,
        "status": {
            "type": ["string", "null"],
            "enum": [*(s.value for s in ProcessingStatus), None],
        },
        "label": STRING,
        "event": nullable(STRING),
        "value": nullable(STRING),
        "public_reason": nullable(STRING),
        "departments": {"type": "array", "items": STRING},
        "adopted_into": ADOPTED_INTO_SCHEMA,
    },
}

KIND = {"type": "string", "enum": [k.value for k in ContributionKind]}
AUTHOR_TYPE = {"type": "string", "enum": ["name", "pseudonym", "office"]}
CHANNEL = {"type": "string", "enum": [c.value for c in Channel]}
STATUS = {"type": ["string", "null"], "enum": [*(s.value for s in ProcessingStatus), None]}

FIELDS: tuple[Field, ...] = (
    Field("id", _l("Number of the contribution"), INTEGER),
    Field("url", _l("Address of the contribution on this site"), {**STRING, "format": "uri"}),
    Field("strategy", _l("Short name (slug) of the strategy"), STRING),
    Field("strategy_title", _l("Title of the strategy"), STRING),
    Field("version", _l("Number of the version of the draft it was written on"), INTEGER),
    Field("section_key", _l("Key of the section (the same in every version)"), nullable(STRING)),
    Field("section_title", _l("Title of the section"), nullable(STRING)),
    Field("paragraph_anchor", _l("Anchor of the paragraph commented on"), nullable(STRING)),
    Field("parent_id", _l("Number of the contribution replied to"), nullable(INTEGER)),
    Field("kind", _l("comment, reply or idea"), KIND),
    Field("official", _l("An official reply of the administration"), {"type": "boolean"}),
    Field("title", _l("Title (ideas only)"), nullable(STRING)),
    Field("text", _l("Text (Markdown)"), STRING),
    Field("author", _l("Display name (if agreed), pseudonym, or the office signing"), STRING),
    Field("author_type", _l("name, pseudonym or office"), AUTHOR_TYPE),
    Field("channel", _l("How it reached the administration"), CHANNEL),
    Field("created", _l("Date and time written (UTC)"), DATE_TIME),
    Field("status", _l("Processing status"), STATUS),
    Field("supports", _l("Number of supporters (ideas)"), INTEGER),
    Field(
        "merged_into_id",
        _l("Number of the idea this duplicate was merged into"),
        nullable(INTEGER),
    ),
    Field(
        "official_replies",
        _l("Official replies: date, signed by, text"),
        {"type": "array", "items": OFFICIAL_REPLY_SCHEMA},
        _replies_cell,
    ),
    Field(
        "status_trail",
        _l("Status trail: date, status, departments, public reason"),
        {"type": "array", "items": TRAIL_ENTRY_SCHEMA},
        _trail_cell,
    ),
)


def record_schema() -> dict[str, Any]:
    """The JSON schema of one contribution, for the OpenAPI description."""
    return {
        "type": "object",
        "required": [f.name for f in FIELDS],
        "properties": {f.name: {**f.schema, "description": str(f.description)} for f in FIELDS},
    }


@dataclass(frozen=True)
class Filters:
    strategy_id: int | None = None
    section_key: str | None = None
    kind: ContributionKind | None = None
    status: ProcessingStatus | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    contribution_id: int | None = None

    def conditions(self) -> list:
        where = [Contribution.state == ModerationState.PUBLISHED]
        if self.strategy_id is not None:
            where.append(Contribution.strategy_id == self.strategy_id)
        if self.section_key is not None:
            where.append(Contribution.section_key == self.section_key)
        if self.kind is not None:
            where.append(Contribution.kind == self.kind)
        if self.status is not None:
            where.append(Contribution.status == self.status)
        if self.created_from is not None:
            where.append(Contribution.created_at >= self.created_from)
        if self.created_before is not None:
            where.append(Contribution.created_at < self.created_before)
        if self.contribution_id is not None:
            where.append(Contribution.id == self.contribution_id)
        return where


def _rows_query(where: list, after: int | None, limit: int | None) -> Select:
    by_user, by_contribution = aliased(Pseudonym), aliased(Pseudonym)
    query = (
        select(
            Contribution.id,
            Contribution.kind,
            Contribution.parent_id,
            Contribution.section_key,
            Contribution.paragraph_anchor,
            Contribution.title,
            Contribution.body_md,
            Contribution.channel,
            Contribution.created_at,
            Contribution.status,
            Contribution.support_count,
            Contribution.merged_into_id,
            Contribution.is_official,
            Contribution.official_signature,
            Contribution.author_id,
            Strategy.slug,
            Strategy.title.label("strategy_title"),
            Version.number,
            Section.title.label("section_title"),
            User.display_name,
            User.deleted_at,
            User.open_data_show_name,
            by_user.id.label("user_pseudonym"),
            by_contribution.id.label("contribution_pseudonym"),
        )
        .join(Strategy, Strategy.id == Contribution.strategy_id)
        .join(Version, Version.id == Contribution.version_id)
        .outerjoin(Section, Section.id == Contribution.section_id)
        .outerjoin(User, User.id == Contribution.author_id)
        .outerjoin(by_user, by_user.user_id == Contribution.author_id)
        .outerjoin(by_contribution, by_contribution.contribution_id == Contribution.id)
        .where(*where)
        .order_by(Contribution.id)
    )
    if after is not None:
        query = query.where(Contribution.id > after)
    if limit is not None:
        query = query.limit(limit)
    return query


def published_contributions(
    filters: Filters = Filters(), *, after: int | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """The published contributions that match, oldest first (by number), serialized."""
    if authors.ensure_pseudonyms():
        # Durable before any response names them: were the numbers rolled back after being
        # shown, the next download could give "Teilnehmer:in 17" to someone else.
        db.session.commit()
    where = filters.conditions()
    rows = db.session.execute(_rows_query(where, after, limit)).all()
    if not rows:
        return []
    if limit is None:
        ids: Any = select(Contribution.id).where(*where)  # the whole set, as a subquery
    else:
        ids = [row.id for row in rows]
    replies = _official_replies(ids)
    trails = status_trails(
        {row.id: row.created_at for row in rows if can_have_status(row)},
        ids=ids if limit is None else None,
    )
    names = authors.Names()
    # One URL built, the rest by pattern: url_for for each of thousands of rows is slow.
    marker = 987654321
    before, after_id = (
        current_app.config["BASE_URL"].rstrip("/") + url_for("discussion.permalink", id=marker)
    ).split(str(marker))
    return [
        serialize(row, replies.get(row.id, []), trails.get(row.id), names, before, after_id)
        for row in rows
    ]


def _official_replies(ids) -> dict[int, list[dict]]:
    """The published official replies directly below the given contributions."""
    rows = db.session.execute(
        select(
            Contribution.id,
            Contribution.parent_id,
            Contribution.created_at,
            Contribution.official_signature,
            Contribution.body_md,
        )
        .where(
            Contribution.parent_id.in_(ids),
            Contribution.is_official.is_(True),
            Contribution.state == ModerationState.PUBLISHED,
        )
        .order_by(Contribution.id)
    ).all()
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row.parent_id, []).append(row)
    return found


def serialize(
    row, replies: Sequence, trail, names: "authors.Names", url_before: str, url_after: str
) -> dict:
    author, author_type = names.author(row)
    return {
        "id": row.id,
        "url": f"{url_before}{row.id}{url_after}",
        "strategy": row.slug,
        "strategy_title": row.strategy_title,
        "version": row.number,
        "section_key": row.section_key,
        "section_title": row.section_title,
        "paragraph_anchor": row.paragraph_anchor,
        "parent_id": row.parent_id,
        "kind": ContributionKind(row.kind).value,
        "official": bool(row.is_official),
        "title": row.title,
        "text": row.body_md,
        "author": author,
        "author_type": author_type,
        "channel": Channel(row.channel).value,
        "created": iso(row.created_at),
        "status": ProcessingStatus(row.status).value if row.status else None,
        "supports": row.support_count,
        "merged_into_id": row.merged_into_id,
        "official_replies": [
            {
                "id": reply.id,
                "date": iso(reply.created_at),
                "signed_by": names.sign(reply.official_signature),
                "text": reply.body_md,
            }
            for reply in replies
        ],
        "status_trail": [trail_entry(entry) for entry in trail or ()],
    }


def trail_entry(entry) -> dict[str, Any]:
    """An entry of the public trail. Statuses have a code; steps other areas add to the trail
    (e.g. an idea selected as a project) have none, but their event, value and wording."""
    adopted = getattr(entry, "adopted_into", None)
    return {
        "date": iso(entry.date),
        "status": entry.status.value if entry.status else None,
        "label": trail_label(entry),
        "event": getattr(entry, "action", None),
        "value": getattr(entry, "value", None),
        "public_reason": entry.public_reason,
        "departments": list(entry.departments),
        "adopted_into": {
            "version": adopted.version,
            "section_key": adopted.section_key,
            "title": adopted.title,
            "number": adopted.number,
        }
        if adopted
        else None,
    }


# --- the datasets ------------------------------------------------------------------------------


def _dates() -> dict[int | None, tuple[datetime | None, datetime | None]]:
    """{strategy id: (issued, modified)} and None for all strategies together: issued is the
    first published version, modified the latest published version, published contribution,
    edit or status change. Three grouped queries for every strategy at once."""
    published = Contribution.state == ModerationState.PUBLISHED
    issued = dict(
        db.session.execute(
            select(Version.strategy_id, func.min(Version.published_at))
            .where(Version.number.is_not(None))
            .group_by(Version.strategy_id)
        ).all()
    )
    moments = union_all(
        select(Version.strategy_id.label("sid"), Version.published_at.label("at")).where(
            Version.number.is_not(None)
        ),
        select(Contribution.strategy_id, func.max(Contribution.created_at))
        .where(published)
        .group_by(Contribution.strategy_id),
        select(Contribution.strategy_id, func.max(Contribution.edited_at))
        .where(published)
        .group_by(Contribution.strategy_id),
    ).subquery()
    modified = dict(
        db.session.execute(
            select(moments.c.sid, func.max(moments.c.at)).group_by(moments.c.sid)
        ).all()
    )
    changed = dict(
        db.session.execute(
            select(Contribution.strategy_id, func.max(Event.created_at))
            .join(Contribution, Contribution.id == Event.subject_id)
            .where(Event.subject_type == Contribution.__tablename__, Event.action == STATUS_CHANGED)
            .group_by(Contribution.strategy_id)
        ).all()
    )
    result: dict[int | None, tuple] = {}
    for sid, first in issued.items():
        latest = max((m for m in (modified.get(sid), changed.get(sid)) if m), default=first)
        result[sid] = (first, latest)
    if result:
        result[None] = (
            min(d[0] for d in result.values() if d[0]),
            max(d[1] for d in result.values() if d[1]),
        )
    return result


ALL_NAME = "beitraege"


def dataset_name(slug: str) -> str:
    return f"{ALL_NAME}-{slug}"


@register
def contribution_datasets() -> list[Dataset]:
    """One dataset for every strategy with a published version, and one for all of them."""
    from participation.strategies.queries import published_strategies

    strategies = published_strategies()
    if not strategies:
        return []
    dates = _dates()
    base = current_app.config["BASE_URL"].rstrip("/")
    keywords = (_("participation"), _("digital strategy"), _("citizen participation"))
    found = [
        Dataset(
            name=ALL_NAME,
            title=_("Contributions to all strategies"),
            description=_(
                "All published comments, replies and ideas of the public participation on "
                "the strategies of %(municipality)s, with the official replies and the "
                "processing status of each suggestion.",
                municipality=current_app.config["MUNICIPALITY_NAME"],
            ),
            fields=FIELDS,
            rows=lambda: published_contributions(Filters()),
            issued=dates.get(None, (None, None))[0],
            modified=dates.get(None, (None, None))[1],
            keywords=keywords,
        )
    ]
    for strategy in strategies:
        issued, modified = dates.get(strategy.id, (None, None))
        found.append(
            Dataset(
                name=dataset_name(strategy.slug),
                title=_("Contributions to “%(title)s”", title=strategy.title),
                description=_(
                    "The published comments, replies and ideas on the strategy “%(title)s”, "
                    "with the official replies and the processing status of each suggestion.",
                    title=strategy.title,
                ),
                fields=FIELDS,
                rows=lambda strategy_id=strategy.id: published_contributions(
                    Filters(strategy_id=strategy_id)
                ),
                issued=issued,
                modified=modified,
                keywords=keywords,
                landing_page=f"{base}{url_for('strategies.overview', slug=strategy.slug)}",
            )
        )
    return found
