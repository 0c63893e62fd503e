"""Merging a duplicate idea into another of the same strategy.

The duplicate stays readable with a notice linking to the original, leaves the ideas list and
can no longer be supported. Its supports move to the original in set logic: supporters of both
count once. Both rows are locked first, so two moderators merging at once cannot move the
supports twice or merge into an idea that is itself being merged.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from participation.discussion.models import (
    Contribution,
    ContributionKind,
    ModerationState,
    Support,
)
from participation.events.services import record
from participation.extensions import db
from participation.moderation.services import _base
from participation.notifications.models import Kind
from participation.notifications.services import author_of, notify


class MergeError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def merge_candidates(idea: Contribution) -> list[tuple[int, str]]:
    """(id, title) of the strategy's other published ideas that are not merged themselves."""
    return list(
        db.session.execute(
            select(Contribution.id, Contribution.title)
            .where(
                Contribution.strategy_id == idea.strategy_id,
                Contribution.kind == ContributionKind.IDEA,
                Contribution.state == ModerationState.PUBLISHED,
                Contribution.merged_into_id.is_(None),
                Contribution.id != idea.id,
            )
            .order_by(Contribution.title, Contribution.id)
        )
    )


def _lock(ids: list[int]) -> dict[int, Contribution]:
    rows = db.session.scalars(
        select(Contribution)
        .where(Contribution.id.in_(ids))
        .order_by(Contribution.id)
        .with_for_update(of=Contribution)
        .execution_options(populate_existing=True)
    ).unique()
    return {row.id: row for row in rows}


def _supporters(idea_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Support).where(Support.contribution_id == idea_id)
    )


def _recount(idea_id: int) -> None:
    db.session.execute(
        update(Contribution)
        .where(Contribution.id == idea_id)
        .values(
            support_count=select(func.count())
            .where(Support.contribution_id == idea_id)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )


def merge_idea(duplicate: Contribution, original: Contribution, *, actor) -> Contribution:
    """Merge `duplicate` into `original`; returns the duplicate. Raises MergeError."""
    if duplicate.id == original.id:
        raise MergeError(_l("An idea cannot be merged with itself."))
    rows = _lock([duplicate.id, original.id])
    duplicate, original = rows.get(duplicate.id), rows.get(original.id)
    if duplicate is None or original is None:
        raise MergeError(_l("The idea no longer exists."))
    for idea in (duplicate, original):
        if idea.kind is not ContributionKind.IDEA or idea.state is not ModerationState.PUBLISHED:
            raise MergeError(_l("Only published ideas can be merged."))
    if duplicate.strategy_id != original.strategy_id:
        raise MergeError(_l("Only ideas on the same strategy can be merged."))
    if duplicate.merged_into_id is not None:
        raise MergeError(_l("This idea has already been merged into another one."))
    if original.merged_into_id is not None:
        raise MergeError(
            _l("The chosen idea has itself been merged into another one; choose that one.")
        )

    before = {
        "merged_into_id": None,
        "support_count": duplicate.support_count,
        "original_support_count": original.support_count,
    }
    already = aliased(Support)
    supporters_before = _supporters(original.id)
    db.session.execute(
        insert(Support).from_select(
            ["contribution_id", "user_id", "created_at"],
            select(literal(original.id), Support.user_id, Support.created_at).where(
                Support.contribution_id == duplicate.id,
                ~exists().where(
                    already.contribution_id == original.id, already.user_id == Support.user_id
                ),
            ),
        )
    )
    moved = _supporters(original.id) - supporters_before
    db.session.execute(delete(Support).where(Support.contribution_id == duplicate.id))
    db.session.execute(
        update(Contribution)
        .where(Contribution.id == duplicate.id)
        .values(merged_into_id=original.id)
        .execution_options(synchronize_session=False)
    )
    _recount(duplicate.id)
    _recount(original.id)
    db.session.expire(duplicate, ["merged_into_id", "support_count", "revision"])
    db.session.expire(original, ["support_count", "revision"])
    record(
        "idea.merged",
        duplicate,
        actor,
        before=before,
        after={
            "merged_into_id": original.id,
            "support_count": duplicate.support_count,
            "original_support_count": original.support_count,
            "supports_moved": moved,
        },
    )
    notify(
        author_of(duplicate),
        Kind.OWN_CONTRIBUTIONS,
        _l("Your idea has been merged with a similar one"),
        "idea_merged",
        actor=actor,
        name=duplicate.display_name,
        title=duplicate.title,
        original_title=original.title,
        url=f"{_base()}/beitraege/{original.id}",
    )
    db.session.flush()
    return duplicate
