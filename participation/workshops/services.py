"""Workshops of a strategy process: the moderation creates, changes and deletes them; the
public reads the published ones with their published results.

Results are contributions (channel "workshop"), entered through participation.analogue. A
workshop with results is never deleted — the moderation unpublishes it instead — so no
contribution, accepted or not, loses its origin.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participation import permissions
from participation.database import utcnow
from participation.discussion.models import Contribution, ModerationState
from participation.events.services import record
from participation.extensions import db
from participation.markup import render_contribution
from participation.strategies import queries as strategy_queries
from participation.strategies.models import SectionKind, Strategy
from participation.workshops.models import (
    PARTICIPANTS_MAX,
    PLACE_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Workshop,
    WorkshopFormat,
)

# The fields the event log compares before and after a change.
_LOGGED = ("title", "held_on", "ends_on", "format", "place", "section_key", "participants")


class WorkshopError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass
class WorkshopInput:
    title: str | None
    held_on: date | None
    ends_on: date | None
    format: str | None
    place: str | None
    section_key: str | None
    participants: int | None
    summary_md: str | None
    published: bool


def field_of_action_keys(strategy: Strategy) -> dict[str, str]:
    """Key → title of the fields of action of the latest published version."""
    version = strategy_queries.latest_version(strategy)
    if version is None:
        return {}
    return {
        node.section.key: f"{node.number} {node.section.title}"
        for node in strategy_queries.reading_order(strategy_queries.section_tree(version))
        if node.section.kind is SectionKind.FIELD_OF_ACTION
    }


def _clean(strategy: Strategy, data: WorkshopInput, current_key: str | None = None) -> dict:
    title = " ".join((data.title or "").split())
    if not title:
        raise WorkshopError(_l("Please give the workshop a title."), "title")
    if len(title) > TITLE_MAX:
        raise WorkshopError(
            _l("The title may have at most %(max)d characters.", max=TITLE_MAX), "title"
        )
    if data.held_on is None:
        raise WorkshopError(_l("Please enter the date of the workshop."), "held_on")
    if data.ends_on is not None and data.ends_on < data.held_on:
        raise WorkshopError(_l("The last day cannot be before the first."), "ends_on")
    try:
        workshop_format = WorkshopFormat(data.format or "")
    except ValueError:
        raise WorkshopError(_l("Please choose the format."), "format") from None
    place = " ".join((data.place or "").split())
    if len(place) > PLACE_MAX:
        raise WorkshopError(
            _l("The place may have at most %(max)d characters.", max=PLACE_MAX), "place"
        )
    key = data.section_key or None
    # A workshop keeps a field of action that a later version dropped, but a new choice
    # must be a field of action of the current version.
    if key is not None and key != current_key and key not in field_of_action_keys(strategy):
        raise WorkshopError(_l("Please choose a field of action."), "section_key")
    participants = data.participants
    if participants is not None and not 0 <= participants <= PARTICIPANTS_MAX:
        raise WorkshopError(
            _l("Please enter a number of participants from 0 to %(max)d.", max=PARTICIPANTS_MAX),
            "participants",
        )
    summary = (data.summary_md or "").replace("\r\n", "\n").strip()
    if len(summary) > SUMMARY_MAX:
        raise WorkshopError(
            _l("The summary may have at most %(max)d characters.", max=SUMMARY_MAX),
            "summary_md",
        )
    return {
        "title": title,
        "held_on": data.held_on,
        "ends_on": data.ends_on,
        "format": workshop_format,
        "place": place,
        "section_key": key,
        "participants": participants,
        "summary_md": summary,
        "summary_html": render_contribution(summary).html if summary else "",
        "published": bool(data.published),
    }


def _check_actor(actor) -> None:
    if not permissions.can_moderate(actor):
        raise WorkshopError(_l("Only the moderation can manage workshops."))


def _logged(values: dict) -> dict:
    return {
        key: (value.isoformat() if isinstance(value, date) else str(value) if value else value)
        for key, value in values.items()
        if key in _LOGGED or key == "published"
    }


def create_workshop(strategy: Strategy, data: WorkshopInput, *, actor) -> Workshop:
    _check_actor(actor)
    values = _clean(strategy, data)
    workshop = Workshop(strategy_id=strategy.id, **values)
    db.session.add(workshop)
    db.session.flush()
    record("workshop.created", workshop, actor, after=_logged(values))
    return workshop


def update_workshop(
    workshop: Workshop, data: WorkshopInput, *, actor, expected_revision: int | None = None
) -> Workshop:
    _check_actor(actor)
    if expected_revision is not None and expected_revision != workshop.revision:
        raise WorkshopError(
            _l("Someone else changed this workshop meanwhile. Please check it and save again.")
        )
    strategy = db.session.get(Strategy, workshop.strategy_id)
    values = _clean(strategy, data, current_key=workshop.section_key)
    before = {key: getattr(workshop, key) for key in values}
    changed = {key: value for key, value in values.items() if before[key] != value}
    if not changed:
        return workshop
    for key, value in changed.items():
        setattr(workshop, key, value)
    workshop.updated_at = utcnow()
    # The revision column makes a concurrent save fail here rather than overwrite.
    db.session.flush()
    record(
        "workshop.updated",
        workshop,
        actor,
        before=_logged({k: before[k] for k in changed}),
        after=_logged(changed),
    )
    return workshop


def result_count(workshop: Workshop) -> int:
    """Every result entered, whatever its moderation state."""
    return db.session.scalar(select(func.count()).where(Contribution.workshop_id == workshop.id))


def delete_workshop(workshop: Workshop, *, actor) -> None:
    _check_actor(actor)
    if result_count(workshop):
        raise WorkshopError(
            _l(
                "This workshop has results, so it cannot be deleted. Unpublish it instead "
                "to take it off the public page."
            )
        )
    record("workshop.deleted", workshop, actor, before=_logged(_values_of(workshop)))
    try:
        # A result entered at the same moment holds the row: the foreign key refuses.
        with db.session.begin_nested():
            db.session.delete(workshop)
    except IntegrityError:
        raise WorkshopError(
            _l("A result was just entered for this workshop, so it cannot be deleted.")
        ) from None


def _values_of(workshop: Workshop) -> dict:
    return {key: getattr(workshop, key) for key in (*_LOGGED, "published")}


# --- reading -------------------------------------------------------------------------------


def workshops_of(strategy: Strategy, *, published_only: bool) -> list[Workshop]:
    query = select(Workshop).where(Workshop.strategy_id == strategy.id)
    if published_only:
        query = query.where(Workshop.published.is_(True))
    return list(db.session.scalars(query.order_by(Workshop.held_on.desc(), Workshop.id.desc())))


def result_counts(strategy: Strategy) -> dict[int, int]:
    """Results per workshop of the strategy, in every state (for the moderation)."""
    rows = db.session.execute(
        select(Contribution.workshop_id, func.count())
        .where(Contribution.strategy_id == strategy.id, Contribution.workshop_id.is_not(None))
        .group_by(Contribution.workshop_id)
    )
    return dict(rows.all())


def published_results(workshop_ids: list[int]) -> dict[int, list[Contribution]]:
    """The published results of these workshops, oldest first, by workshop."""
    if not workshop_ids:
        return {}
    results: dict[int, list[Contribution]] = {wid: [] for wid in workshop_ids}
    for contribution in db.session.scalars(
        select(Contribution)
        .where(
            Contribution.workshop_id.in_(workshop_ids),
            Contribution.state == ModerationState.PUBLISHED,
        )
        .order_by(Contribution.received_on, Contribution.id)
    ):
        results[contribution.workshop_id].append(contribution)
    return results
