"""The moderation queue: what awaits a decision, oldest first, by keyset, with its context.

A queue item is a contribution that is pending (pre-moderation), published but not yet
reviewed (post-moderation, or edited), or reported. One page of up to 100 items and its
context (strategy, section and paragraph, parent, how many contributions the author made)
takes a fixed number of queries, however long the queue is.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import load_only, raiseload

from participation.database import utcnow
from participation.discussion.models import (
    AWAITING_DECISION,
    Channel,
    Contribution,
    ContributionKind,
)
from participation.discussion.models import ModerationState as S
from participation.extensions import db
from participation.strategies.models import Section, Strategy

PER_PAGE = 100
EXCERPT = 240
_CURSOR_FORMAT = "%Y%m%dT%H%M%S%f"
_TAG = re.compile(r"<[^>]+>")

QUEUE_STATES = ("pending", "unreviewed", "reported")


def in_queue():
    """The SQL condition for "awaits a decision": the predicate of the partial index
    `ix_contributions_awaiting`, written out with literal values so that both databases use
    that index (with bound parameters neither can prove that the index covers the query)."""
    return text(
        "("
        + AWAITING_DECISION.replace("state", "contributions.state")
        .replace("reviewed_at", "contributions.reviewed_at")
        .replace("report_count", "contributions.report_count")
        + ")"
    )


def queue_count() -> int:
    """For the navigation: one query."""
    return db.session.scalar(select(func.count()).select_from(Contribution).where(in_queue()))


@dataclass
class Filters:
    strategy_id: int | None = None
    section_key: str | None = None
    kind: ContributionKind | None = None
    state: str | None = None  # pending / unreviewed / reported
    reported: bool = False
    channel: Channel | None = None
    older_than_days: int | None = None
    text: str | None = None


@dataclass
class QueueItem:
    contribution: Contribution
    strategy_title: str = ""
    strategy_slug: str = ""
    section_title: str | None = None
    paragraph_excerpt: str | None = None
    parent_excerpt: str | None = None
    parent_author: str | None = None
    other_contributions: int = 0


@dataclass
class QueuePage:
    items: list[QueueItem] = field(default_factory=list)
    next_cursor: str | None = None


def make_cursor(contribution: Contribution) -> str:
    return f"{contribution.created_at.astimezone(UTC).strftime(_CURSOR_FORMAT)}_{contribution.id}"


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    if not value:
        return None
    try:
        stamp, id_ = value.rsplit("_", 1)
        return datetime.strptime(stamp, _CURSOR_FORMAT).replace(tzinfo=UTC), int(id_)
    except ValueError:
        return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(filters: Filters):
    C = Contribution
    query = select(C).where(in_queue())
    if filters.strategy_id:
        query = query.where(C.strategy_id == filters.strategy_id)
    if filters.section_key:
        query = query.where(C.section_key == filters.section_key)
    if filters.kind:
        query = query.where(C.kind == filters.kind)
    if filters.state == "pending":
        query = query.where(C.state == S.PENDING)
    elif filters.state == "unreviewed":
        query = query.where(C.state == S.PUBLISHED, C.reviewed_at.is_(None))
    elif filters.state == "reported" or filters.reported:
        query = query.where(C.report_count > 0)
    if filters.reported and filters.state != "reported":
        query = query.where(C.report_count > 0)
    if filters.channel:
        query = query.where(C.channel == filters.channel)
    if filters.older_than_days:
        query = query.where(C.created_at <= utcnow() - timedelta(days=filters.older_than_days))
    if filters.text:
        pattern = f"%{_escape_like(filters.text.strip())}%"
        query = query.where(
            or_(C.title.ilike(pattern, escape="\\"), C.body_md.ilike(pattern, escape="\\"))
        )
    return query


def _plain(html: str, limit: int = EXCERPT) -> str:
    text = " ".join(unescape(_TAG.sub(" ", html or "")).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _short(text: str | None, limit: int = EXCERPT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def queue_page(
    filters: Filters | None = None, *, after: str | None = None, per_page: int = PER_PAGE
) -> QueuePage:
    """One page of the queue, oldest first, starting after the cursor `after`."""
    filters = filters or Filters()
    C = Contribution
    query = _filtered(filters)
    cursor = parse_cursor(after)
    if cursor:
        created, id_ = cursor
        query = query.where(or_(C.created_at > created, and_(C.created_at == created, C.id > id_)))
    rows = list(
        db.session.scalars(
            query.options(raiseload(C.parent)).order_by(C.created_at, C.id).limit(per_page + 1)
        ).unique()
    )
    page = QueuePage()
    if len(rows) > per_page:
        rows = rows[:per_page]
        page.next_cursor = make_cursor(rows[-1])
    if not rows:
        return page
    page.items = _with_context(rows)
    return page


def _with_context(rows: list[Contribution]) -> list[QueueItem]:
    """Strategy, section, parent and the author's other contributions: four queries."""
    C = Contribution
    strategies = {
        row.id: row
        for row in db.session.execute(
            select(Strategy.id, Strategy.title, Strategy.slug).where(
                Strategy.id.in_({c.strategy_id for c in rows})
            )
        )
    }
    section_ids = {c.section_id for c in rows if c.section_id}
    sections = (
        {
            row.id: row
            for row in db.session.execute(
                select(Section.id, Section.title, Section.blocks).where(Section.id.in_(section_ids))
            )
        }
        if section_ids
        else {}
    )
    parent_ids = {c.parent_id for c in rows if c.parent_id}
    parents = (
        {
            p.id: p
            for p in db.session.scalars(
                select(C)
                .options(load_only(C.id, C.body_md, C.guest_name, C.state, C.author_id))
                .where(C.id.in_(parent_ids))
            ).unique()
        }
        if parent_ids
        else {}
    )
    author_ids = {c.author_id for c in rows if c.author_id}
    guest_emails = {c.guest_email for c in rows if c.author_id is None and c.guest_email}
    totals: dict[tuple, int] = {}
    conditions = []
    if author_ids:
        conditions.append(C.author_id.in_(author_ids))
    if guest_emails:
        conditions.append(and_(C.author_id.is_(None), C.guest_email.in_(guest_emails)))
    if conditions:
        for author_id, guest_email, count in db.session.execute(
            select(C.author_id, C.guest_email, func.count())
            .where(or_(*conditions), C.state != S.UNCONFIRMED)
            .group_by(C.author_id, C.guest_email)
        ):
            key = ("a", author_id) if author_id is not None else ("g", guest_email)
            totals[key] = totals.get(key, 0) + count
    items = []
    for c in rows:
        strategy = strategies.get(c.strategy_id)
        item = QueueItem(
            contribution=c,
            strategy_title=strategy.title if strategy else "",
            strategy_slug=strategy.slug if strategy else "",
        )
        section = sections.get(c.section_id)
        if section is not None:
            item.section_title = section.title
            if c.paragraph_anchor:
                for block in section.blocks or []:
                    if block.get("anchor") == c.paragraph_anchor:
                        item.paragraph_excerpt = _plain(block.get("html", ""))
                        break
        parent = parents.get(c.parent_id)
        if parent is not None:
            item.parent_excerpt = _short(parent.body_md)
            item.parent_author = parent.display_name
        key = ("a", c.author_id) if c.author_id is not None else ("g", c.guest_email)
        item.other_contributions = max(totals.get(key, 1) - 1, 0)
        items.append(item)
    return items
