"""The ideas list of a strategy: filters, sorting and text search in one query for the page,
one count, and one query for the ideas this reader supports. Authors are joined; the
field-of-action titles come from one query of the latest version's sections (the caller
loads them once and passes what it needs), so nothing is loaded per idea."""

from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, lazyload

from participation.accounts.models import User
from participation.consolidation.models import IdeaSelection, SelectionKind
from participation.discussion import services
from participation.discussion.models import (
    Channel,
    Contribution,
    ContributionKind,
    ModerationState,
    ProcessingStatus,
)
from participation.discussion.queries import OWN_STATES, build_threads, thread_rows, visible
from participation.extensions import db
from participation.strategies.models import SectionKind, Version
from participation.strategies.queries import section_tree
from participation.strategies.tree import Node, walk

IDEAS_PER_PAGE = 20
SEARCH_MAX = 200

SORT_NEWEST = "neueste"
SORT_SUPPORT = "unterstuetzung"
SORT_DISCUSSED = "diskussion"
_ORDER = {
    SORT_NEWEST: (Contribution.created_at.desc(), Contribution.id.desc()),
    SORT_SUPPORT: (Contribution.support_count.desc(), Contribution.id.desc()),
    SORT_DISCUSSED: (Contribution.reply_count.desc(), Contribution.id.desc()),
}
SORTS = tuple(_ORDER)
SELECTED_ANY = "ausgewaehlt"


@dataclass(frozen=True)
class IdeaFilters:
    field_key: str | None = None
    status: ProcessingStatus | None = None
    channel: Channel | None = None
    sort: str = SORT_NEWEST
    search: str = ""
    # The office's selection as a project (consolidation): a kind, or SELECTED_ANY.
    selection: str | None = None


@dataclass
class IdeaPage:
    ideas: list[Contribution]
    page: int
    pages: int
    total: int
    supported: set[int] = field(default_factory=set)
    # The office's selections among these ideas (consolidation), read with the page.
    selections: dict[int, SelectionKind] = field(default_factory=dict)


def fields_of_action(version: Version) -> list[Node]:
    """The latest version's fields of action in reading order, numbered (one query)."""
    nodes = walk(section_tree(version))
    return [node for node in nodes if node.section.kind is SectionKind.FIELD_OF_ACTION]


def like_pattern(term: str) -> str:
    """A LIKE pattern that finds `term` literally: % and _ lose their special meaning."""
    escaped = term.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def listed(viewer_id: int | None, guest_ids: frozenset[int] = frozenset()):
    """Ideas in the list: published ones, and the reader's own that still wait."""
    own = []
    if viewer_id is not None:
        own.append(Contribution.author_id == viewer_id)
    if guest_ids:
        own.append(Contribution.id.in_(guest_ids))
    if not own:
        return Contribution.state == ModerationState.PUBLISHED
    return or_(
        Contribution.state == ModerationState.PUBLISHED,
        and_(Contribution.state.in_(OWN_STATES), or_(*own)),
    )


def _conditions(strategy_id: int, filters: IdeaFilters, viewer_id, guest_ids) -> list:
    conditions = [
        Contribution.strategy_id == strategy_id,
        Contribution.kind == ContributionKind.IDEA,
        listed(viewer_id, guest_ids),
        # A duplicate merged into another idea is read through its notice, not listed.
        Contribution.merged_into_id.is_(None),
    ]
    if filters.field_key:
        conditions.append(Contribution.section_key == filters.field_key)
    if filters.status is not None:
        conditions.append(Contribution.status == filters.status)
    if filters.channel is not None:
        conditions.append(Contribution.channel == filters.channel)
    if filters.selection is not None:
        selected = select(IdeaSelection.contribution_id)
        if filters.selection != SELECTED_ANY:
            selected = selected.where(IdeaSelection.kind == SelectionKind(filters.selection))
        conditions.append(Contribution.id.in_(selected))
    term = " ".join(filters.search.split())[:SEARCH_MAX]
    if term:
        pattern = like_pattern(term)
        conditions.append(
            or_(
                Contribution.title.ilike(pattern, escape="/"),
                Contribution.body_md.ilike(pattern, escape="/"),
            )
        )
    return conditions


def idea_page(
    strategy_id: int,
    filters: IdeaFilters,
    *,
    page: int = 1,
    viewer=None,
    guest_ids: frozenset[int] = frozenset(),
    per_page: int = IDEAS_PER_PAGE,
) -> IdeaPage:
    viewer_id = viewer.id if viewer is not None and viewer.is_authenticated else None
    conditions = _conditions(strategy_id, filters, viewer_id, guest_ids)
    total = db.session.scalar(select(func.count()).select_from(Contribution).where(*conditions))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    ideas = []
    selections = {}
    if total:
        rows = db.session.execute(
            select(Contribution, IdeaSelection.kind)
            .options(joinedload(Contribution.author).options(lazyload(User.role_rows)))
            .outerjoin(IdeaSelection, IdeaSelection.contribution_id == Contribution.id)
            .where(*conditions)
            .order_by(*_ORDER.get(filters.sort, _ORDER[SORT_NEWEST]))
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).unique()
        for idea, kind in rows:
            ideas.append(idea)
            if kind is not None:
                selections[idea.id] = kind
    supported = services.supported_ids(viewer, [idea.id for idea in ideas])
    return IdeaPage(ideas, page, pages, total, supported, selections)


def visible_idea(
    strategy_id: int, idea_id: int, viewer_id: int | None, guest_ids: frozenset[int]
) -> Contribution | None:
    """One idea as this reader may see it (published, own waiting, or a withdrawn or hidden
    idea kept as a placeholder because replies hang below it); None otherwise."""
    return db.session.scalar(
        select(Contribution).where(
            Contribution.id == idea_id,
            Contribution.strategy_id == strategy_id,
            Contribution.kind == ContributionKind.IDEA,
            visible(viewer_id, guest_ids),
        )
    )


def idea_replies(idea: Contribution, viewer_id: int | None, guest_ids: frozenset[int]) -> list:
    """The replies below an idea as nested thread nodes (one query)."""
    rows = thread_rows(
        Contribution.root_id == idea.id,
        or_(Contribution.id == idea.id, visible(viewer_id, guest_ids)),
    )
    roots = build_threads(rows, viewer_id, guest_ids)
    return roots[0].children if roots else []
