"""Reading discussions: a page of threads in a fixed number of queries, built into trees in
Python; paragraph counts; the page a permalink lands on; the ideas list."""

from collections import namedtuple
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import String, and_, func, or_, select, type_coerce

from participation.accounts.models import User
from participation.discussion.models import Contribution, ContributionKind, ModerationState

THREADS_PER_PAGE = 20
MAX_DISPLAY_DEPTH = 3  # 0..3: four visible levels; deeper replies are shown flat at the last

PUBLIC = ModerationState.PUBLISHED
# Not public, but kept as a placeholder while published replies hang below them.
PLACEHOLDER_STATES = (ModerationState.WITHDRAWN, ModerationState.HIDDEN, ModerationState.REJECTED)
OWN_STATES = (ModerationState.PENDING, ModerationState.UNCONFIRMED)


@dataclass(slots=True)
class ThreadNode:
    contribution: Contribution
    display_depth: int
    children: list["ThreadNode"] = field(default_factory=list)
    in_reply_to: str | None = None  # name shown when the reply is flattened below its parent
    placeholder: bool = False  # withdrawn or hidden: only a note, no text
    own_pending: bool = False


@dataclass
class ThreadPage:
    threads: list[ThreadNode]
    page: int
    pages: int
    total_threads: int


def visible(viewer_id: int | None, guest_ids: frozenset[int] = frozenset()):
    """What a reader may see: published contributions, placeholders that keep replies
    readable, and their own contributions that are still waiting."""
    own = []
    if viewer_id is not None:
        own.append(Contribution.author_id == viewer_id)
    if guest_ids:
        own.append(Contribution.id.in_(guest_ids))
    clauses = [
        Contribution.state == PUBLIC,
        and_(Contribution.state.in_(PLACEHOLDER_STATES), Contribution.reply_count > 0),
    ]
    if own:
        clauses.append(and_(Contribution.state.in_(OWN_STATES), or_(*own)))
    return or_(*clauses)


def _section_roots(strategy_id: int, section_key: str, paragraph_anchor: str | None):
    query = select(Contribution.id).where(
        Contribution.strategy_id == strategy_id,
        Contribution.section_key == section_key,
        Contribution.parent_id.is_(None),
        Contribution.kind == ContributionKind.COMMENT,
    )
    if paragraph_anchor is not None:
        query = query.where(Contribution.paragraph_anchor == paragraph_anchor)
    return query


def build_threads(rows, viewer_id, guest_ids) -> list[ThreadNode]:
    """Rows ordered by path (depth first); returns the roots with nested children.

    Levels 0 to MAX_DISPLAY_DEPTH nest; a deeper reply is listed flat at the last level,
    right after its parent's branch, and names the one it answers."""
    nodes: dict[int, ThreadNode] = {}
    roots: list[ThreadNode] = []
    # Rows carry states as text, ORM objects as enums; an enum member hashes by its name, so
    # the sets hold both forms.
    placeholder_states = frozenset((*PLACEHOLDER_STATES, *(s.value for s in PLACEHOLDER_STATES)))
    own_states = frozenset((*OWN_STATES, *(s.value for s in OWN_STATES)))
    for row in rows:
        parent_id = row.parent_id
        depth = row.depth
        state = row.state
        if parent_id:
            parent = nodes.get(parent_id)
            if parent is None:
                continue  # the parent is not visible to this reader, so neither is the branch
        else:
            parent = None
        node = ThreadNode(
            row,
            depth if depth < MAX_DISPLAY_DEPTH else MAX_DISPLAY_DEPTH,
            [],
            None,
            state in placeholder_states,
            state in own_states,
        )
        nodes[row.id] = node
        if parent is None:
            roots.append(node)
        elif depth <= MAX_DISPLAY_DEPTH:
            parent.children.append(node)
        else:
            holder = parent
            while holder.contribution.depth > MAX_DISPLAY_DEPTH - 1:
                holder = nodes[holder.contribution.parent_id]
            node.in_reply_to = None if parent.placeholder else parent.contribution.display_name
            holder.children.append(node)
    return roots


# What the thread pages show, read as plain rows: building ORM objects (and their authors'
# role lists) for thousands of contributions would cost more than rendering them.
THREAD_COLUMNS = (
    Contribution.id,
    Contribution.parent_id,
    Contribution.depth,
    Contribution.version_id,
    Contribution.paragraph_anchor,
    Contribution.body_html,
    Contribution.author_id,
    # An official reply shows its signature (the office) instead of the author's name.
    func.coalesce(
        Contribution.official_signature, User.display_name, Contribution.guest_name, ""
    ).label("display_name"),
    # A plain string: the renderer compares it with text, and converting thousands of values
    # to enums is measurable. (The enums are StrEnums, so comparisons with them still hold.)
    type_coerce(Contribution.state, String).label("state"),
    Contribution.is_official,
    Contribution.official_signature,
    Contribution.created_at,
    Contribution.edited_at,
    # Set on a thread's root when a moderator has closed the thread for replies.
    Contribution.locked_at,
    # The public processing status of suggestions (None for most comments), as text.
    type_coerce(Contribution.status, String).label("status"),
    # How it came in: "online", or a letter, call, ... typed in by the office (analogue).
    type_coerce(Contribution.channel, String).label("channel"),
    Contribution.received_on,
    Contribution.workshop_id,
)


@lru_cache(maxsize=16)
def _row_type(fields: tuple[str, ...]):
    return namedtuple("ThreadRow", fields)


def thread_rows(*criteria, extra=None) -> list:
    """Contributions matching `criteria` as light rows in thread (path) order.

    The rows are named tuples: building and rendering a thread reads about twenty fields per
    contribution, and a named tuple's field costs a tenth of a result row's."""
    from participation.extensions import db

    columns = (*THREAD_COLUMNS, extra) if extra is not None else THREAD_COLUMNS
    result = db.session.execute(
        select(*columns)
        .outerjoin(User, User.id == Contribution.author_id)
        .where(*criteria)
        .order_by(Contribution.root_id.desc(), Contribution.path)
    )
    return list(map(_row_type(tuple(result.keys()))._make, result))


def section_threads(
    strategy_id: int,
    section_key: str,
    *,
    page: int = 1,
    viewer_id: int | None = None,
    guest_ids: frozenset[int] = frozenset(),
    paragraph_anchor: str | None = None,
    per_page: int | None = THREADS_PER_PAGE,
) -> ThreadPage:
    """Newest threads first. Two queries, whatever the number of comments: count the
    threads, then load this page's threads whole (the page's roots picked in a subquery)."""
    from participation.extensions import db

    roots = _section_roots(strategy_id, section_key, paragraph_anchor).where(
        visible(viewer_id, guest_ids)
    )
    # The number of threads rides along as a column of the rows query (evaluated once), so a
    # page costs one round trip; only a page past the end needs a second one.
    total_column = select(func.count()).select_from(roots.subquery()).scalar_subquery()
    page = 1 if per_page is None else max(page, 1)
    while True:
        page_roots = roots
        if per_page is not None:
            page_roots = (
                roots.order_by(Contribution.id.desc()).limit(per_page).offset((page - 1) * per_page)
            )
        rows = thread_rows(
            Contribution.root_id.in_(page_roots),
            visible(viewer_id, guest_ids),
            extra=total_column.label("total_threads"),
        )
        if rows or page == 1:
            break
        total = db.session.scalar(select(func.count()).select_from(roots.subquery()))
        page = max(1, -(-total // per_page))
    total = rows[0].total_threads if rows else 0
    pages = 1 if per_page is None else max(1, -(-total // per_page))
    return ThreadPage(build_threads(rows, viewer_id, guest_ids), page, pages, total)


def page_of_root(
    contribution: Contribution, viewer_id=None, guest_ids=frozenset(), per_page=THREADS_PER_PAGE
) -> int:
    """The page of the section's threads on which this contribution's thread appears."""
    from participation.extensions import db

    newer = db.session.scalar(
        select(func.count()).select_from(
            _section_roots(contribution.strategy_id, contribution.section_key, None)
            .where(visible(viewer_id, guest_ids), Contribution.id > contribution.root_id)
            .subquery()
        )
    )
    return newer // per_page + 1


def paragraph_counts(strategy_id: int, section_key: str) -> dict[str, int]:
    """Published comments and replies per paragraph anchor, in one query."""
    from participation.extensions import db

    rows = db.session.execute(
        select(Contribution.paragraph_anchor, func.count())
        .where(
            Contribution.strategy_id == strategy_id,
            Contribution.section_key == section_key,
            Contribution.paragraph_anchor.is_not(None),
            Contribution.state == PUBLIC,
        )
        .group_by(Contribution.paragraph_anchor)
    )
    return dict(rows.all())
