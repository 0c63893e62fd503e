"""Reading forwardings: a department's inbox, one inbox item with its context, the office's
overview and the forwardings panel of the moderation detail page.

What a department member may see is decided here and nowhere else: the forwardings to
their own department, and of other departments' forwardings of the same contribution only
those whose statement the office has shared.
"""

import enum
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager

from participation.accounts.models import Department
from participation.departments.models import Forwarding, ForwardingMessage, ForwardingState
from participation.departments.services import overdue_condition
from participation.discussion.models import Contribution, ModerationState
from participation.discussion.services import ancestor_ids
from participation.extensions import db
from participation.strategies.models import Section, Strategy

PER_PAGE = 50
THREAD_CHILDREN = 20


class View(enum.StrEnum):
    """The tabs; the values are the German URL parameter `ansicht`."""

    OPEN = "offen"
    OVERDUE = "ueberfaellig"
    ANSWERED = "beantwortet"
    RETURNED = "zurueckgegeben"
    WITHDRAWN = "zurueckgenommen"


INBOX_VIEWS = (View.OPEN, View.OVERDUE, View.ANSWERED, View.WITHDRAWN)
OFFICE_VIEWS = (View.OPEN, View.OVERDUE, View.ANSWERED, View.RETURNED, View.WITHDRAWN)


def _condition(view: View, today: date, *, office: bool):
    if view is View.OPEN:
        return Forwarding.state == ForwardingState.OPEN
    if view is View.OVERDUE:
        return overdue_condition(today)
    if view is View.ANSWERED and not office:
        # For the department, an item sent back is done as well.
        return Forwarding.state.in_((ForwardingState.ANSWERED, ForwardingState.RETURNED))
    if view is View.ANSWERED:
        return Forwarding.state == ForwardingState.ANSWERED
    if view is View.WITHDRAWN:
        return Forwarding.state == ForwardingState.WITHDRAWN
    return Forwarding.state == ForwardingState.RETURNED


def _ordered(stmt: Select, view: View) -> Select:
    if view in (View.OPEN, View.OVERDUE):
        return stmt.order_by(Forwarding.due_on, Forwarding.id)
    if view is View.WITHDRAWN:
        return stmt.order_by(Forwarding.withdrawn_at.desc(), Forwarding.id.desc())
    return stmt.order_by(Forwarding.answered_at.desc(), Forwarding.id.desc())


def _listing(view: View, today: date, *, office: bool, department_id: int | None):
    stmt = (
        select(Forwarding)
        .join(Forwarding.contribution)
        .options(contains_eager(Forwarding.contribution))
        .where(_condition(view, today, office=office))
    )
    if department_id is not None:
        stmt = stmt.where(Forwarding.department_id == department_id)
    return _ordered(stmt, view)


def counts(today: date, views, *, office: bool, department_id: int | None) -> dict[View, int]:
    """The number behind each tab, in one query."""
    base = select(
        *(
            func.count(Forwarding.id).filter(_condition(view, today, office=office))
            for view in views
        )
    )
    if department_id is not None:
        base = base.where(Forwarding.department_id == department_id)
    row = db.session.execute(base).one()
    return dict(zip(views, (value or 0 for value in row), strict=True))


@dataclass
class ListPage:
    view: View
    items: list[Forwarding]
    sections: dict[int, str]
    page: int
    pages: int
    total: int


def list_page(
    view: View, today: date, page: int, *, office: bool, department_id: int | None
) -> ListPage:
    pagination = db.paginate(
        _listing(view, today, office=office, department_id=department_id),
        page=max(page, 1),
        per_page=PER_PAGE,
        error_out=False,
        count=True,
    )
    items = list(pagination.items)
    section_ids = {f.contribution.section_id for f in items if f.contribution.section_id}
    sections = (
        dict(
            db.session.execute(
                select(Section.id, Section.title).where(Section.id.in_(section_ids))
            ).all()
        )
        if section_ids
        else {}
    )
    return ListPage(
        view=view,
        items=items,
        sections=sections,
        page=pagination.page,
        pages=pagination.pages or 1,
        total=pagination.total or 0,
    )


def overdue_count(today: date) -> int:
    return db.session.scalar(select(func.count(Forwarding.id)).where(overdue_condition(today)))


def open_count(department_id: int) -> int:
    return db.session.scalar(
        select(func.count(Forwarding.id)).where(
            Forwarding.department_id == department_id,
            Forwarding.state == ForwardingState.OPEN,
        )
    )


# --- one item --------------------------------------------------------------------------------


def forwarding_for_member(forwarding_id: int, user) -> Forwarding | None:
    """The forwarding, if it went to the user's department; otherwise None (a 404: the
    member learns nothing, not even that the item exists)."""
    department_id = getattr(user, "department_id", None)
    if department_id is None:
        return None
    return db.session.scalar(
        select(Forwarding).where(
            Forwarding.id == forwarding_id, Forwarding.department_id == department_id
        )
    )


def messages_by_forwarding(forwarding_ids) -> dict[int, list[ForwardingMessage]]:
    ids = list(forwarding_ids)
    found: dict[int, list[ForwardingMessage]] = {i: [] for i in ids}
    if not ids:
        return found
    for message in db.session.scalars(
        select(ForwardingMessage)
        .where(ForwardingMessage.forwarding_id.in_(ids))
        .order_by(ForwardingMessage.created_at, ForwardingMessage.id)
    ).unique():
        found[message.forwarding_id].append(message)
    return found


def history_for_member(forwarding: Forwarding) -> list[Forwarding]:
    """The other forwardings of the same contribution that this department may see: its
    own, and other departments' whose statement the office has shared. Oldest first."""
    return list(
        db.session.scalars(
            select(Forwarding)
            .where(
                Forwarding.contribution_id == forwarding.contribution_id,
                Forwarding.id != forwarding.id,
                or_(
                    Forwarding.department_id == forwarding.department_id,
                    and_(
                        Forwarding.shared.is_(True),
                        Forwarding.state.in_((ForwardingState.ANSWERED, ForwardingState.RETURNED)),
                    ),
                ),
            )
            .order_by(Forwarding.created_at, Forwarding.id)
        ).unique()
    )


@dataclass
class ItemContext:
    """What a department sees around a forwarded contribution: where it was written, the
    paragraph it is about, and the published contributions around it in its thread."""

    contribution: Contribution
    strategy: Strategy
    section: Section | None
    paragraph_html: str | None
    ancestors: list[Contribution] = field(default_factory=list)
    children: list[Contribution] = field(default_factory=list)
    text_visible: bool = True


VISIBLE_STATES = (ModerationState.PUBLISHED, ModerationState.HIDDEN)


def item_context(contribution: Contribution) -> ItemContext:
    strategy = db.session.get(Strategy, contribution.strategy_id)
    section = db.session.get(Section, contribution.section_id) if contribution.section_id else None
    paragraph_html = None
    if section is not None and contribution.paragraph_anchor:
        paragraph_html = next(
            (
                block["html"]
                for block in section.blocks or []
                if block.get("anchor") == contribution.paragraph_anchor
            ),
            None,
        )
    above = ancestor_ids(contribution)
    ancestors = (
        list(
            db.session.scalars(
                select(Contribution)
                .where(
                    Contribution.id.in_(above),
                    Contribution.state == ModerationState.PUBLISHED,
                )
                .order_by(Contribution.path)
            ).unique()
        )
        if above
        else []
    )
    children = list(
        db.session.scalars(
            select(Contribution)
            .where(
                Contribution.parent_id == contribution.id,
                Contribution.state == ModerationState.PUBLISHED,
            )
            .order_by(Contribution.created_at, Contribution.id)
            .limit(THREAD_CHILDREN)
        ).unique()
    )
    return ItemContext(
        contribution=contribution,
        strategy=strategy,
        section=section,
        paragraph_html=paragraph_html,
        ancestors=ancestors,
        children=children,
        # A text its author withdrew (or the moderation rejected) is not shown any more.
        text_visible=contribution.state in VISIBLE_STATES,
    )


# --- the office ------------------------------------------------------------------------------


def forwardings_of(contribution_id: int) -> list[Forwarding]:
    """Every forwarding of a contribution, for the office, oldest first."""
    return list(
        db.session.scalars(
            select(Forwarding)
            .where(Forwarding.contribution_id == contribution_id)
            .order_by(Forwarding.created_at, Forwarding.id)
        ).unique()
    )


def all_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(func.lower(Department.name))))
