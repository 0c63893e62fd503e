"""The moderation queue: what awaits a decision, oldest first, by keyset, with its context.

A queue item is a contribution that is pending (pre-moderation), published but not yet
reviewed (post-moderation, or edited), or reported. One page of up to 100 items and its
context (strategy, section and paragraph, parent, how many contributions the author made)
takes at most two queries, however long the queue is: the page with its context and the
authors' totals, and the paragraphs the items refer to (only when some do). The items
are read as plain rows; `queue_render` writes their markup.
"""

import re
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from html import unescape
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import and_, bindparam, case, func, literal, or_, select, text, tuple_
from sqlalchemy.orm import aliased

from participation.accounts.models import User
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
from participation.workshops.models import Workshop

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


@lru_cache(maxsize=1)
def _count_statement():
    # Built once: the navigation counts on every page a moderator opens.
    return select(func.count()).select_from(Contribution).where(in_queue())


def queue_count() -> int:
    """For the navigation: one query."""
    return db.session.scalar(_count_statement())


def request_queue_count() -> int:
    """`queue_count()` once per request: the queue page and the navigation both show it (a
    page of the queue brings it along, see `queue_page`)."""
    if not has_request_context():
        return queue_count()
    # Kept together with the request it was counted for: tests keep one app context (and so
    # one `g`) across several requests.
    cached = g.get("_moderation_queue_count")
    if cached is None or cached[0] is not request._get_current_object():
        return _remember_count(queue_count())
    return cached[1]


def _remember_count(total: int) -> int:
    if has_request_context():
        g._moderation_queue_count = (request._get_current_object(), total)
    return total


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


@dataclass(slots=True, frozen=True)
class QueueItem:
    """`contribution` is an `ItemRow` (of `_ITEM_COLUMNS`), not an ORM object: what the queue
    shows of it (id, kind, title, body_html, state, revision, dates, author_id and
    display_name, report_count). Immutable and hashable: `queue_render` keeps the markup of
    an item by everything it shows."""

    contribution: Any
    strategy_title: str = ""
    section_title: str | None = None
    paragraph_excerpt: str | None = None
    parent_excerpt: str | None = None
    parent_author: str | None = None
    other_contributions: int = 0


@dataclass
class QueuePage:
    items: list[QueueItem] = field(default_factory=list)
    next_cursor: str | None = None


def make_cursor(contribution) -> str:
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


def _shape(filters: Filters, cursor: bool) -> tuple:
    """Which conditions a page needs; their values are bound when it is read."""
    state = filters.state if filters.state in QUEUE_STATES else None
    return (
        bool(filters.strategy_id),
        bool(filters.section_key),
        bool(filters.kind),
        state,
        bool(filters.reported),
        bool(filters.channel),
        bool(filters.older_than_days),
        bool(filters.text and filters.text.strip()),
        cursor,
    )


def _values(filters: Filters, cursor: tuple[datetime, int] | None) -> dict:
    values = {
        "strategy_id": filters.strategy_id,
        "section_key": filters.section_key,
        "kind": filters.kind,
        "channel": filters.channel,
    }
    if filters.older_than_days:
        values["received_before"] = utcnow() - timedelta(days=filters.older_than_days)
    if filters.text and filters.text.strip():
        values["pattern"] = f"%{_escape_like(filters.text.strip())}%"
    if cursor:
        values["after_created"], values["after_id"] = cursor
    return {name: value for name, value in values.items() if value is not None}


@lru_cache(maxsize=128)
def _page_statement(shape: tuple, per_page: int):
    """The statement of a page of this shape. Kept: building it, and SQLAlchemy's key for
    its compiled form, cost more than reading the page."""
    strategy, section, kind, state, reported, channel, older, text_, cursor = shape
    C = Contribution
    # The whole queue's count rides along (evaluated once): one round trip less per page.
    total = _count_statement().correlate(None).scalar_subquery().label("queue_total")
    query = select(*_ITEM_COLUMNS, total).where(in_queue())
    if strategy:
        query = query.where(C.strategy_id == bindparam("strategy_id"))
    if section:
        query = query.where(C.section_key == bindparam("section_key"))
    if kind:
        query = query.where(C.kind == bindparam("kind"))
    if state == "pending":
        query = query.where(C.state == S.PENDING)
    elif state == "unreviewed":
        query = query.where(C.state == S.PUBLISHED, C.reviewed_at.is_(None))
    if state == "reported" or reported:
        query = query.where(C.report_count > 0)
    if channel:
        query = query.where(C.channel == bindparam("channel"))
    if older:
        query = query.where(C.created_at <= bindparam("received_before"))
    if text_:
        pattern = bindparam("pattern")
        query = query.where(
            or_(C.title.ilike(pattern, escape="\\"), C.body_md.ilike(pattern, escape="\\"))
        )
    if cursor:
        # A row comparison: both databases seek to it in the index instead of filtering.
        after = tuple_(
            bindparam("after_created", type_=C.created_at.type),
            bindparam("after_id", type_=C.id.type),
        )
        query = query.where(tuple_(C.created_at, C.id) > after)
    return query.order_by(C.created_at, C.id).limit(_constant(per_page + 1))


def _plain(html: str, limit: int = EXCERPT) -> str:
    text = " ".join(unescape(_TAG.sub(" ", html or "")).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _short(text: str | None, limit: int = EXCERPT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def page_statement(
    filters: Filters | None = None, *, after: str | None = None, per_page: int = PER_PAGE
):
    """One page of items, oldest first, after the cursor `after`, and one more to know
    whether there is a next page: the statement and the values to bind."""
    filters = filters or Filters()
    cursor = parse_cursor(after)
    return _page_statement(_shape(filters, bool(cursor)), per_page), _values(filters, cursor)


def queue_page(
    filters: Filters | None = None, *, after: str | None = None, per_page: int = PER_PAGE
) -> QueuePage:
    """One page of the queue, oldest first, starting after the cursor `after`."""
    statement, values = page_statement(filters, after=after, per_page=per_page)
    # Plain rows: the ORM's session layer adds nothing to them.
    rows = db.session.connection().execute(statement, values).all()
    if rows:
        _remember_count(rows[0].queue_total)
    items = _items(rows)
    page = QueuePage()
    if len(items) > per_page:
        items = items[:per_page]
        page.next_cursor = make_cursor(items[-1].contribution)
    page.items = items
    return page


def _with_context(contributions) -> list[QueueItem]:
    """The queue items of the given contributions: the detail page shows the same context."""
    C = Contribution
    ids = [c.id for c in contributions]
    if not ids:
        return []
    return _items(
        db.session.execute(
            select(*_ITEM_COLUMNS).where(C.id.in_(ids)).order_by(C.created_at, C.id)
        ).all()
    )


def _constant(value):
    """A constant written into the statement's text rather than bound: a statement without
    parameters is planned once per connection by PostgreSQL (psycopg prepares it), while
    with parameters PostgreSQL may plan it again on every page."""
    return literal(value, literal_execute=True)


def _display_name(contribution):
    """`Contribution.display_name` in SQL: an official reply's signature, else the account's
    or the guest's name."""
    signature = case(
        (
            and_(
                contribution.is_official.is_(True),
                contribution.official_signature != _constant(""),
            ),
            contribution.official_signature,
        )
    )
    account = select(User.display_name).where(User.id == contribution.author_id)
    return func.coalesce(
        signature, account.scalar_subquery(), contribution.guest_name, _constant("")
    )


_Parent = aliased(Contribution, name="parent")
_Other = aliased(Contribution, name="other")


def _author_total():
    """How many contributions the author has made (unconfirmed ones not counted), looked up
    per row by the index on the account or on the guest's address: `author_id = … OR
    guest_email = …` could use neither."""
    C, Other = Contribution, _Other  # noqa: N806
    # Only a guest's contribution is ever unconfirmed (until the address is confirmed;
    # discussion.services), so the accounts' count needs no condition on the state, and
    # PostgreSQL counts it from the index alone.
    by_account = select(func.count()).where(Other.author_id == C.author_id)
    by_guest = select(func.count()).where(
        Other.guest_email == C.guest_email,
        Other.author_id.is_(None),
        Other.state != _constant(S.UNCONFIRMED.value),
    )
    return case(
        (C.author_id.is_not(None), by_account.scalar_subquery()),
        (C.guest_email.is_not(None), by_guest.scalar_subquery()),
    )


def _of_parent(column):
    return select(column).where(_Parent.id == Contribution.parent_id).scalar_subquery()


# Plain rows, the context read by scalar subqueries: ORM objects (with their eagerly joined
# authors and the authors' role lists) would cost more than writing the page, and joins of
# six tables cost PostgreSQL more to plan (about 1 ms) than to run.
_ITEM_COLUMNS = (
    Contribution.id,
    Contribution.kind,
    Contribution.title,
    Contribution.body_html,
    Contribution.state,
    Contribution.revision,
    Contribution.created_at,
    Contribution.edited_at,
    Contribution.reviewed_at,
    Contribution.report_count,
    Contribution.author_id,
    Contribution.guest_email,
    Contribution.section_id,
    Contribution.paragraph_anchor,
    Contribution.parent_id,
    _display_name(Contribution).label("display_name"),
    select(Strategy.title)
    .where(Strategy.id == Contribution.strategy_id)
    .scalar_subquery()
    .label("strategy_title"),
    select(Section.title)
    .where(Section.id == Contribution.section_id)
    .scalar_subquery()
    .label("section_title"),
    _of_parent(_Parent.body_md).label("parent_body"),
    _of_parent(_display_name(_Parent)).label("parent_author"),
    _author_total().label("author_total"),
    # How it came in (a letter typed in by the office shows so in the queue).
    Contribution.channel,
    Contribution.received_on,
    select(Workshop.title)
    .where(Workshop.id == Contribution.workshop_id)
    .scalar_subquery()
    .label("workshop_title"),
)


# A row of `_ITEM_COLUMNS` as a named tuple: its fields are read some twenty times per item
# (here and in queue_render), and a SQLAlchemy row's attribute lookup costs ten times more.
ItemRow = namedtuple("ItemRow", [column.key for column in select(*_ITEM_COLUMNS).selected_columns])


def _items(rows) -> list[QueueItem]:
    """Queue items of rows of `_ITEM_COLUMNS` (and perhaps more columns after them), with the
    paragraphs they refer to (one more query, only when an item has a paragraph)."""
    if not rows:
        return []
    width = len(ItemRow._fields)
    rows = [ItemRow._make(row[:width]) for row in rows]
    paragraphs = _paragraphs(rows)
    items = []
    for row in rows:
        parent = row.parent_id is not None and row.parent_body is not None
        items.append(
            QueueItem(
                contribution=row,
                strategy_title=row.strategy_title or "",
                section_title=row.section_title,
                paragraph_excerpt=paragraphs.get((row.section_id, row.paragraph_anchor)),
                parent_excerpt=_short(row.parent_body) if parent else None,
                parent_author=row.parent_author if parent else None,
                other_contributions=max((row.author_total or 1) - 1, 0),
            )
        )
    return items


def _paragraphs(rows) -> dict[tuple[int, str], str]:
    """Excerpts of the paragraphs the items refer to, by (section id, anchor)."""
    wanted = {
        (r.section_id, r.paragraph_anchor) for r in rows if r.section_id and r.paragraph_anchor
    }
    if not wanted:
        return {}
    excerpts: dict[tuple[int, str], str] = {}
    for section_id, blocks in db.session.execute(
        select(Section.id, Section.blocks).where(Section.id.in_({s for s, _ in wanted}))
    ):
        for block in blocks or []:
            key = (section_id, block.get("anchor"))
            if key in wanted and key not in excerpts:
                excerpts[key] = _plain(block.get("html", ""))
    return excerpts
