"""Consolidation of a strategy's ideas: the committee rates them, the office selects.

How other areas use it (e.g. the roadmap builds projects from selected ideas):

    from participation.consolidation import services as consolidation

    consolidation.selections_for(strategy)          # [IdeaSelection, ...] with .contribution
    consolidation.selections_for(strategy, SelectionKind.LEAD)
    consolidation.selection_of(idea)                # IdeaSelection | None
    consolidation.selection_kinds([idea_id, ...])   # {idea_id: SelectionKind}, one query
    consolidation.selection_label(kind)             # "Leitprojekt" (in the reader's language)

The rules, all here:
- Rating opens when the participation phase has closed (`closes_at` passed). Committee
  members rate each published idea on relevance and feasibility (1–5) with an optional
  comment, once per idea; they may change their rating until the office closes the rating
  round. Ratings stay fixed from then on, so the office decides on one set of figures that
  no late change moves, and every selection rests on the final ratings.
- Selecting needs a closed round; the round can be reopened only while nothing of the
  strategy is selected, so no selection ever stands on ratings that changed after it.
- A member sees the others' ratings of an idea (figures and comments, never who gave them)
  only once they have rated it themselves: every page and export asks `summary_for`.
- The office (`can_consolidate`) sees everything, with the raters' names.
- Events: `consolidation.rated` / `consolidation.rating_changed` (no values), and
  `idea.selected` / `idea.unselected` (kind and public reason, which are public and shown
  in the status trail, consolidation/trail.py).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean, pstdev

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from participation.consolidation import trail
from participation.consolidation.labels import selection_label
from participation.consolidation.models import (
    COMMENT_MAX,
    REASON_MAX,
    SCALE,
    IdeaRating,
    IdeaSelection,
    RatingRound,
    SelectionKind,
)
from participation.database import utcnow
from participation.discussion.models import Contribution, ContributionKind, ModerationState
from participation.events.services import record
from participation.extensions import db
from participation.i18n import LazyText
from participation.moderation import status
from participation.permissions import can_consolidate, can_rate_ideas
from participation.strategies.models import Strategy

__all__ = [
    "ConsolidationError",
    "IdeaSummary",
    "SelectionKind",
    "close_round",
    "is_rateable",
    "phase_closed",
    "rate",
    "rateable_ideas",
    "ratings_by",
    "reopen_round",
    "round_closed",
    "select_idea",
    "selection_kinds",
    "selection_label",
    "selection_of",
    "selections_for",
    "summaries",
    "summary_for",
    "unselect_idea",
]

RATED = "consolidation.rated"
RATING_CHANGED = "consolidation.rating_changed"
ROUND_CLOSED = "consolidation.round_closed"
ROUND_REOPENED = "consolidation.round_reopened"
# The status trail reads these two (trail.py names the same actions).
SELECTED = "idea.selected"
UNSELECTED = "idea.unselected"


class ConsolidationError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# --- the phase and the round -----------------------------------------------------------------


def phase_closed(strategy: Strategy, now: datetime | None = None) -> bool:
    """Rating starts when the participation phase is over."""
    return (now or utcnow()) >= strategy.closes_at


def round_of(strategy: Strategy) -> RatingRound | None:
    return db.session.get(RatingRound, strategy.id)


def round_closed(strategy: Strategy) -> bool:
    row = round_of(strategy)
    return row is not None and row.closed_at is not None


def close_round(strategy: Strategy, *, actor, now: datetime | None = None) -> RatingRound:
    if not can_consolidate(actor):
        raise ConsolidationError(_l("Only the office closes the rating round."))
    now = now or utcnow()
    if not phase_closed(strategy, now):
        raise ConsolidationError(_l("The participation phase has not closed yet."))
    row = db.session.scalar(
        select(RatingRound).where(RatingRound.strategy_id == strategy.id).with_for_update()
    )
    if row is not None and row.closed_at is not None:
        raise ConsolidationError(_l("The rating round is already closed."))
    if row is None:
        row = RatingRound(strategy_id=strategy.id)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError as error:
            raise ConsolidationError(_l("The rating round is already closed.")) from error
    row.closed_at = now
    row.closed_by_id = getattr(actor, "id", None)
    record(ROUND_CLOSED, strategy, actor)
    db.session.flush()
    return row


def reopen_round(strategy: Strategy, *, actor) -> None:
    if not can_consolidate(actor):
        raise ConsolidationError(_l("Only the office reopens the rating round."))
    row = db.session.scalar(
        select(RatingRound).where(RatingRound.strategy_id == strategy.id).with_for_update()
    )
    if row is None or row.closed_at is None:
        raise ConsolidationError(_l("The rating round is open."))
    if selections_for(strategy):
        raise ConsolidationError(
            _l(
                "Ideas of this strategy have been selected. Remove the selections before "
                "reopening the rating round, so that no selection rests on changed ratings."
            )
        )
    row.closed_at = None
    row.closed_by_id = None
    record(ROUND_REOPENED, strategy, actor)
    db.session.flush()


# --- the ideas ---------------------------------------------------------------------------------


def _rateable_conditions(strategy_id: int) -> tuple:
    return (
        Contribution.strategy_id == strategy_id,
        Contribution.kind == ContributionKind.IDEA,
        Contribution.state == ModerationState.PUBLISHED,
        # A duplicate merged into another idea is rated as that idea.
        Contribution.merged_into_id.is_(None),
    )


def rateable_ideas(strategy: Strategy) -> list[Contribution]:
    """The published ideas of the strategy, by number."""
    return list(
        db.session.scalars(
            select(Contribution).where(*_rateable_conditions(strategy.id)).order_by(Contribution.id)
        )
    )


def rateable_idea(strategy: Strategy, idea_id: int) -> Contribution | None:
    return db.session.scalar(
        select(Contribution).where(Contribution.id == idea_id, *_rateable_conditions(strategy.id))
    )


def is_rateable(idea: Contribution, strategy: Strategy) -> bool:
    return (
        idea.strategy_id == strategy.id
        and idea.kind is ContributionKind.IDEA
        and idea.state is ModerationState.PUBLISHED
        and idea.merged_into_id is None
    )


# --- rating ------------------------------------------------------------------------------------


def rating_of(idea_id: int, user) -> IdeaRating | None:
    if user is None or not getattr(user, "id", None):
        return None
    return db.session.scalar(
        select(IdeaRating).where(
            IdeaRating.contribution_id == idea_id, IdeaRating.rater_id == user.id
        )
    )


def ratings_by(user, strategy: Strategy) -> dict[int, IdeaRating]:
    """The member's own ratings of the strategy's ideas, by idea id (one query)."""
    rows = db.session.scalars(
        select(IdeaRating)
        .join(Contribution, Contribution.id == IdeaRating.contribution_id)
        .where(IdeaRating.rater_id == user.id, Contribution.strategy_id == strategy.id)
    )
    return {row.contribution_id: row for row in rows}


def _score(value, field_name: str) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if score not in SCALE:
        message = (
            _l("Please rate the relevance from 1 to 5.")
            if field_name == "relevance"
            else _l("Please rate the feasibility from 1 to 5.")
        )
        raise ConsolidationError(message, field_name)
    return score


def rate(
    idea: Contribution,
    strategy: Strategy,
    *,
    rater,
    relevance,
    feasibility,
    comment: str | None = None,
    now: datetime | None = None,
) -> IdeaRating:
    """Save the member's rating of the idea (a new one, or a change of theirs)."""
    if not can_rate_ideas(rater):
        raise ConsolidationError(_l("Only members of the steering committee rate ideas."))
    if not is_rateable(idea, strategy):
        raise ConsolidationError(_l("Only published ideas of this strategy can be rated."))
    now = now or utcnow()
    if not phase_closed(strategy, now):
        raise ConsolidationError(_l("Ideas can be rated once the participation phase has closed."))
    if round_closed(strategy):
        raise ConsolidationError(
            _l("The office has closed the rating round; ratings can no longer be changed.")
        )
    relevance = _score(relevance, "relevance")
    feasibility = _score(feasibility, "feasibility")
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        raise ConsolidationError(
            _l("The comment may have at most %(max)d characters.", max=COMMENT_MAX), "comment"
        )
    row = rating_of(idea.id, rater)
    if row is None:
        row = IdeaRating(
            contribution_id=idea.id,
            rater_id=rater.id,
            relevance=relevance,
            feasibility=feasibility,
            comment=comment,
            created_at=now,
            updated_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            # The same member sent the form twice at once: the first one made the row.
            row = rating_of(idea.id, rater)
            if row is None:
                raise
        else:
            record(RATED, idea, rater)
            db.session.flush()
            return row
    if (row.relevance, row.feasibility, row.comment) != (relevance, feasibility, comment):
        row.relevance = relevance
        row.feasibility = feasibility
        row.comment = comment
        row.updated_at = now
        # Which rating changed, never its values: the log is read by the office only, but
        # values have no place next to a name in a log that outlives the round.
        record(RATING_CHANGED, idea, rater)
    db.session.flush()
    return row


# --- what the office and the members see -----------------------------------------------------


@dataclass(frozen=True)
class Spread:
    """The ratings of one criterion: number, mean, standard deviation (of these ratings,
    not an estimate for a population) and range."""

    n: int
    mean: float | None
    sd: float | None
    low: int | None
    high: int | None

    @classmethod
    def of(cls, values: Sequence[int]) -> "Spread":
        if not values:
            return cls(0, None, None, None, None)
        return cls(len(values), fmean(values), pstdev(values), min(values), max(values))


@dataclass(frozen=True)
class RatingComment:
    text: str
    # Only filled in for the office; members read the comments without names.
    rater_name: str | None


@dataclass
class IdeaSummary:
    idea: Contribution
    relevance: Spread
    feasibility: Spread
    comments: list[RatingComment] = field(default_factory=list)
    selection: IdeaSelection | None = None

    @property
    def n(self) -> int:
        return self.relevance.n


def _rater_name(row: IdeaRating) -> str:
    # A deleted account keeps its ratings; its name is gone (privacy.services).
    return row.rater.display_name or str(_l("deleted account"))


def _summaries(ideas: list[Contribution], *, with_names: bool) -> dict[int, IdeaSummary]:
    ids = [idea.id for idea in ideas]
    ratings: dict[int, list[IdeaRating]] = {idea_id: [] for idea_id in ids}
    if ids:
        for row in db.session.scalars(
            select(IdeaRating)
            .where(IdeaRating.contribution_id.in_(ids))
            .order_by(IdeaRating.created_at, IdeaRating.id)
        ):
            ratings[row.contribution_id].append(row)
    selections = _selections_by_id(ids)
    result = {}
    for idea in ideas:
        rows = ratings[idea.id]
        result[idea.id] = IdeaSummary(
            idea=idea,
            relevance=Spread.of([row.relevance for row in rows]),
            feasibility=Spread.of([row.feasibility for row in rows]),
            comments=[
                RatingComment(row.comment, _rater_name(row) if with_names else None)
                for row in rows
                if row.comment
            ],
            selection=selections.get(idea.id),
        )
    return result


def summaries(strategy: Strategy, *, viewer) -> list[IdeaSummary]:
    """The office's table: every published idea with the figures of its ratings (three
    queries whatever the number of ideas). Refused to anyone but the office."""
    if not can_consolidate(viewer):
        raise ConsolidationError(_l("Only the office sees all ratings."))
    ideas = rateable_ideas(strategy)
    by_id = _summaries(ideas, with_names=True)
    return [by_id[idea.id] for idea in ideas]


def summary_for(idea: Contribution, viewer) -> IdeaSummary | None:
    """The figures of an idea's ratings as `viewer` may see them: all of them for the
    office; for a committee member only once they have rated the idea themselves (then
    without names); None for everyone else. Every page and export goes through here."""
    if can_consolidate(viewer):
        return _summaries([idea], with_names=True)[idea.id]
    if can_rate_ideas(viewer) and rating_of(idea.id, viewer) is not None:
        return _summaries([idea], with_names=False)[idea.id]
    return None


def member_summaries(strategy: Strategy, viewer) -> dict[int, IdeaSummary]:
    """For a member's list and export: the figures of just the ideas they have rated."""
    if not can_rate_ideas(viewer):
        return {}
    own = ratings_by(viewer, strategy)
    ideas = [idea for idea in rateable_ideas(strategy) if idea.id in own]
    return _summaries(ideas, with_names=False)


# --- selection ---------------------------------------------------------------------------------


def _selections_by_id(ids: Iterable[int]) -> dict[int, IdeaSelection]:
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(IdeaSelection).where(IdeaSelection.contribution_id.in_(ids)))
    return {row.contribution_id: row for row in rows}


def selection_of(idea: Contribution | int) -> IdeaSelection | None:
    idea_id = idea if isinstance(idea, int) else idea.id
    return db.session.get(IdeaSelection, idea_id)


def selection_kinds(ids: Iterable[int]) -> dict[int, SelectionKind]:
    """{idea id: kind} for the selected ones among `ids`, in one query (for lists)."""
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(IdeaSelection.contribution_id, IdeaSelection.kind).where(
            IdeaSelection.contribution_id.in_(ids)
        )
    )
    return {idea_id: kind for idea_id, kind in rows}


def selections_for(
    strategy: Strategy, kind: SelectionKind | str | None = None
) -> list[IdeaSelection]:
    """The strategy's selected ideas (their contribution loaded), by kind and number. An
    idea hidden or withdrawn after its selection is left out."""
    from sqlalchemy.orm import contains_eager

    query = (
        select(IdeaSelection)
        .join(Contribution, Contribution.id == IdeaSelection.contribution_id)
        .options(contains_eager(IdeaSelection.contribution))
        .where(*_rateable_conditions(strategy.id))
        .order_by(IdeaSelection.kind, Contribution.id)
    )
    if kind is not None:
        query = query.where(IdeaSelection.kind == SelectionKind(kind))
    rows = list(db.session.scalars(query))
    order = list(SelectionKind)
    rows.sort(key=lambda row: (order.index(row.kind), row.contribution_id))
    return rows


def _expected(value) -> SelectionKind | None:
    if value is None or value == "":
        return None
    try:
        return SelectionKind(value)
    except ValueError:
        return None


def _check_selecting(idea: Contribution, strategy: Strategy, actor, reason: str | None):
    if not can_consolidate(actor):
        raise ConsolidationError(_l("Only the office selects ideas."))
    if not is_rateable(idea, strategy):
        raise ConsolidationError(_l("Only published ideas of this strategy can be selected."))
    if not phase_closed(strategy) or not round_closed(strategy):
        raise ConsolidationError(
            _l("Ideas are selected once the office has closed the rating round.")
        )
    reason = (reason or "").replace("\r\n", "\n").strip() or None
    if reason and len(reason) > REASON_MAX:
        raise ConsolidationError(
            _l("The public reason may have at most %(max)d characters.", max=REASON_MAX),
            "public_reason",
        )
    return reason


def _current_selection(idea: Contribution, expected, check: bool) -> IdeaSelection | None:
    """Lock the idea's row (two moderators are served one after the other) and compare the
    selection now with the one the moderator saw."""
    db.session.execute(select(Contribution.id).where(Contribution.id == idea.id).with_for_update())
    current = db.session.scalar(
        select(IdeaSelection)
        .where(IdeaSelection.contribution_id == idea.id)
        .execution_options(populate_existing=True)
    )
    if check and (current.kind if current else None) != _expected(expected):
        raise ConsolidationError(_changed_meanwhile(current))
    return current


def _changed_meanwhile(current: IdeaSelection | None):
    now = selection_label(current.kind) if current else _l("not selected")
    return _l(
        "Someone else has changed the selection of this idea meanwhile; it is now: "
        "%(now)s. Please check it again.",
        now=now,
    )


def select_idea(
    idea: Contribution,
    strategy: Strategy,
    kind: SelectionKind | str,
    *,
    actor,
    public_reason: str | None = None,
    expected=None,
    check_expected: bool = True,
) -> IdeaSelection:
    """Select the idea as a lead project, potential project or quick win (or change the
    kind). `expected` is the kind the moderator saw ("" for none); another one now refuses."""
    reason = _check_selecting(idea, strategy, actor, public_reason)
    try:
        kind = SelectionKind(kind)
    except ValueError as error:
        raise ConsolidationError(_l("Please choose how the idea is selected."), "kind") from error
    current = _current_selection(idea, expected, check_expected)
    before = {"selection": current.kind.value if current else None}
    if current is not None:
        if current.kind is kind and (current.public_reason or None) == reason:
            return current
        current.kind = kind
        current.public_reason = reason
        current.selected_at = utcnow()
        current.selected_by_id = actor.id
        row = current
    else:
        row = IdeaSelection(
            contribution_id=idea.id, kind=kind, public_reason=reason, selected_by_id=actor.id
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError as error:
            # Another moderator's selection was saved between our check and our insert.
            raise ConsolidationError(_changed_meanwhile(selection_of(idea))) from error
    record(
        SELECTED,
        idea,
        actor,
        before=before,
        after={"selection": kind.value, "public_reason": reason},
    )
    status.tell_processing_step(
        idea, LazyText(lambda: trail.selected_label(kind)), reason, actor=actor
    )
    db.session.flush()
    return row


def unselect_idea(
    idea: Contribution,
    strategy: Strategy,
    *,
    actor,
    public_reason: str | None = None,
    expected=None,
    check_expected: bool = True,
) -> None:
    reason = _check_selecting(idea, strategy, actor, public_reason)
    current = _current_selection(idea, expected, check_expected)
    if current is None:
        raise ConsolidationError(_l("The idea is not selected."))
    old = current.kind
    db.session.delete(current)
    db.session.flush()
    record(
        UNSELECTED,
        idea,
        actor,
        before={"selection": old.value},
        after={"selection": None, "public_reason": reason},
    )
    status.tell_processing_step(idea, LazyText(trail.unselected_label), reason, actor=actor)
    db.session.flush()
