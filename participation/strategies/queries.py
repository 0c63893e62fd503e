"""Reads for the public pages: published strategies, their versions and section trees.

Every function issues a fixed number of queries, independent of the number of sections,
so that templates never trigger a query inside a loop: a version's sections are loaded in
one query and arranged into a tree in Python (`tree.build_tree`).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select

from participation.database import utcnow
from participation.extensions import db
from participation.strategies.models import Phase, Section, Strategy, Version
from participation.strategies.tree import Node, build_tree, walk

# Start page order: running consultations first, then those about to start, then the past.
PHASE_ORDER = {Phase.OPEN: 0, Phase.UPCOMING: 1, Phase.CLOSED: 2, Phase.ADOPTED: 2}


def _is_published():
    return Version.number.is_not(None)


def _has_published_version():
    return exists().where(Version.strategy_id == Strategy.id, _is_published())


def published_strategies(now: datetime | None = None) -> list[Strategy]:
    """Strategies with at least one published version: open ones first (closing soonest
    first), then upcoming (opening soonest first), then closed and adopted (latest first)."""
    now = now or utcnow()
    strategies = db.session.scalars(select(Strategy).where(_has_published_version())).all()

    def order(strategy: Strategy):
        phase = strategy.phase_at(now)
        rank = PHASE_ORDER[phase]
        if phase is Phase.OPEN:
            moment = strategy.closes_at.timestamp()
        elif phase is Phase.UPCOMING:
            moment = strategy.opens_at.timestamp()
        else:
            moment = -strategy.closes_at.timestamp()
        return (rank, moment, strategy.title)

    return sorted(strategies, key=order)


def published_strategy(slug: str) -> Strategy | None:
    """The strategy with this slug, if the public may see it (it has a published version)."""
    return db.session.scalar(
        select(Strategy).where(Strategy.slug == slug, _has_published_version())
    )


def latest_version(strategy: Strategy) -> Version | None:
    return db.session.scalar(
        select(Version)
        .where(Version.strategy_id == strategy.id, _is_published())
        .order_by(Version.number.desc())
        .limit(1)
    )


def version_by_number(strategy: Strategy, number: int) -> Version | None:
    return db.session.scalar(
        select(Version).where(Version.strategy_id == strategy.id, Version.number == number)
    )


def published_versions(strategy: Strategy) -> list[Version]:
    """All published versions, newest first."""
    return list(
        db.session.scalars(
            select(Version)
            .where(Version.strategy_id == strategy.id, _is_published())
            .order_by(Version.number.desc())
        )
    )


def section_rows(version: Version) -> list[Section]:
    """The flat list of a version's sections, in one query."""
    return list(db.session.scalars(select(Section).where(Section.version_id == version.id)))


def section_tree(version: Version) -> list[Node]:
    """The version's table of contents: numbered nodes, built from one query."""
    return build_tree(section_rows(version))


def reading_order(nodes: list[Node]) -> list[Node]:
    return list(walk(nodes))


@dataclass
class SectionPlace:
    """A section in its tree: its node, the path from the root, previous and next."""

    node: Node
    ancestors: list[Node]
    previous: Node | None
    next: Node | None


def place_of(nodes: list[Node], key: str) -> SectionPlace | None:
    """Where the section `key` sits in the tree (no queries: works on built nodes)."""
    order = reading_order(nodes)
    for index, node in enumerate(order):
        if node.section.key == key:
            return SectionPlace(
                node=node,
                ancestors=_ancestors(nodes, node),
                previous=order[index - 1] if index > 0 else None,
                next=order[index + 1] if index + 1 < len(order) else None,
            )
    return None


def _ancestors(nodes: list[Node], target: Node) -> list[Node]:
    def search(level: list[Node], path: list[Node]) -> list[Node] | None:
        for node in level:
            if node is target:
                return path
            found = search(node.children, [*path, node])
            if found is not None:
                return found
        return None

    return search(nodes, []) or []


def section_by_key(version: Version, key: str) -> Section | None:
    return db.session.scalar(
        select(Section).where(Section.version_id == version.id, Section.key == key)
    )


def current_section(slug: str, key: str) -> tuple[Strategy, Version, Section] | None:
    """A published strategy, its latest version and the section `key` in it, in one query
    (posting a comment needs all three on every request)."""
    row = db.session.execute(
        select(Strategy, Version, Section)
        .join(Version, Version.strategy_id == Strategy.id)
        .join(Section, Section.version_id == Version.id)
        .where(Strategy.slug == slug, Version.number == _latest_number(), Section.key == key)
    ).first()
    return tuple(row) if row is not None else None


def published_with_latest(slug: str) -> tuple[Strategy, Version] | None:
    """A public strategy and its latest published version, in one query."""
    row = db.session.execute(
        select(Strategy, Version)
        .join(Version, Version.strategy_id == Strategy.id)
        .where(Strategy.slug == slug, Version.number == _latest_number())
    ).first()
    return tuple(row) if row is not None else None


def _latest_number():
    return (
        select(func.max(Version.number))
        .where(Version.strategy_id == Strategy.id)
        .correlate(Strategy)
        .scalar_subquery()
    )
