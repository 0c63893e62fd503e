"""The netiquette reasons as administrators keep them: add, edit, reorder, deactivate,
reactivate and delete.

The key is stored on rejected contributions and in the event log, so it never changes
after creation, and a reason that was ever given stays in the table (deactivated, it is no
longer offered but old rejections keep their label). Every change is written to the event
log. Nothing commits.
"""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participation.accounts.models import User
from participation.discussion.models import Contribution
from participation.events.models import Event
from participation.events.services import record
from participation.extensions import db
from participation.moderation.labels import forget_netiquette_reasons
from participation.moderation.models import (
    REASON_EXPLANATION_MAX,
    REASON_KEY_MAX,
    REASON_LABEL_MAX,
    NetiquetteReason,
)

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
DIRECTIONS = ("up", "down")
# The decisions whose events name a reason (`after.reason`).
_REASON_EVENTS = ("moderation.rejected", "moderation.hidden")


class ReasonError(ValueError):
    """A rule refused the change. `field` names the form field the message belongs to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ReasonRow:
    reason: NetiquetteReason
    # Contributions rejected with it right now (revised ones no longer count here).
    rejected: int


def reasons_with_counts() -> list[ReasonRow]:
    rows = db.session.execute(
        select(NetiquetteReason, func.count(Contribution.id))
        .outerjoin(Contribution, Contribution.rejection_reason == NetiquetteReason.key)
        .group_by(NetiquetteReason.id)
        .order_by(NetiquetteReason.position, NetiquetteReason.id)
    ).all()
    return [ReasonRow(reason, rejected) for reason, rejected in rows]


def times_used(reason: NetiquetteReason) -> int:
    """How often the reason was given, as the event log records it (it keeps the key
    forever, also after the author revised the text). Contributions rejected with it now
    count too, for rejections stored without an event (e.g. imported data)."""
    on_contributions = db.session.scalar(
        select(func.count(Contribution.id)).where(Contribution.rejection_reason == reason.key)
    )
    in_events = db.session.scalar(
        select(func.count(Event.id)).where(
            Event.action.in_(_REASON_EVENTS),
            Event.after["reason"].as_string() == reason.key,
        )
    )
    return max(on_contributions or 0, in_events or 0)


def _clean_text(value: str | None, *, field: str, required_message, max_length: int) -> str:
    value = " ".join((value or "").split())
    if required_message is not None and not value:
        raise ReasonError(required_message, field)
    if len(value) > max_length:
        raise ReasonError(
            _l("At most %(max)d characters, please.", max=max_length),
            field,
        )
    return value


def _clean_explanation(value: str | None, field: str) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > REASON_EXPLANATION_MAX:
        raise ReasonError(
            _l("At most %(max)d characters, please.", max=REASON_EXPLANATION_MAX), field
        )
    return value


def _clean_key(key: str | None) -> str:
    key = (key or "").strip().lower()
    if not key:
        raise ReasonError(_l("Please enter a key."), "key")
    if len(key) > REASON_KEY_MAX or not KEY_PATTERN.fullmatch(key):
        raise ReasonError(
            _l(
                "The key may contain lowercase letters a–z, digits and underscores, starts "
                "with a letter and has at most %(max)d characters.",
                max=REASON_KEY_MAX,
            ),
            "key",
        )
    taken = db.session.scalar(select(NetiquetteReason.id).where(NetiquetteReason.key == key))
    if taken is not None:
        raise ReasonError(_l("A reason with this key already exists."), "key")
    return key


def _clean_labels(label_de, label_en, exclude_id: int | None) -> tuple[str, str]:
    label_de = _clean_text(
        label_de,
        field="label_de",
        required_message=_l("Please enter the German label."),
        max_length=REASON_LABEL_MAX,
    )
    label_en = _clean_text(
        label_en,
        field="label_en",
        required_message=_l("Please enter the English label."),
        max_length=REASON_LABEL_MAX,
    )
    # Two reasons with the same label could not be told apart in the moderators' list.
    for column, value, field in (
        (NetiquetteReason.label_de, label_de, "label_de"),
        (NetiquetteReason.label_en, label_en, "label_en"),
    ):
        stmt = select(NetiquetteReason.id).where(func.lower(column) == value.lower())
        if exclude_id is not None:
            stmt = stmt.where(NetiquetteReason.id != exclude_id)
        if db.session.scalar(stmt) is not None:
            raise ReasonError(_l("Another reason already has this label."), field)
    return label_de, label_en


def _snapshot(reason: NetiquetteReason) -> dict:
    return {
        "key": reason.key,
        "label_de": reason.label_de,
        "label_en": reason.label_en,
        "explanation_de": reason.explanation_de,
        "explanation_en": reason.explanation_en,
    }


def create_reason(
    *,
    key: str,
    label_de: str,
    label_en: str,
    explanation_de: str = "",
    explanation_en: str = "",
    actor: User,
) -> NetiquetteReason:
    """A new active reason at the end of the list."""
    key = _clean_key(key)
    label_de, label_en = _clean_labels(label_de, label_en, None)
    last = db.session.scalar(select(func.max(NetiquetteReason.position)))
    reason = NetiquetteReason(
        key=key,
        label_de=label_de,
        label_en=label_en,
        explanation_de=_clean_explanation(explanation_de, "explanation_de"),
        explanation_en=_clean_explanation(explanation_en, "explanation_en"),
        position=(last + 1) if last is not None else 0,
        is_active=True,
    )
    db.session.add(reason)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Someone else created the same key at the same moment.
        raise ReasonError(_l("A reason with this key already exists."), "key") from None
    record("netiquette_reason.created", reason, actor=actor, after=_snapshot(reason))
    db.session.flush()
    forget_netiquette_reasons()
    return reason


def update_reason(
    reason: NetiquetteReason,
    *,
    label_de: str,
    label_en: str,
    explanation_de: str = "",
    explanation_en: str = "",
    actor: User,
) -> bool:
    """Labels and explanations; the key stays. False if nothing changed."""
    label_de, label_en = _clean_labels(label_de, label_en, reason.id)
    explanation_de = _clean_explanation(explanation_de, "explanation_de")
    explanation_en = _clean_explanation(explanation_en, "explanation_en")
    before = _snapshot(reason)
    reason.label_de, reason.label_en = label_de, label_en
    reason.explanation_de, reason.explanation_en = explanation_de, explanation_en
    after = _snapshot(reason)
    if after == before:
        return False
    db.session.flush()
    changed = [name for name in after if after[name] != before[name]]
    record(
        "netiquette_reason.updated",
        reason,
        actor=actor,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    db.session.flush()
    forget_netiquette_reasons()
    return True


def _ordered_for_update() -> list[NetiquetteReason]:
    """All reasons in display order, locked: two administrators reordering at once are
    applied one after the other."""
    return list(
        db.session.scalars(
            select(NetiquetteReason)
            .order_by(NetiquetteReason.position, NetiquetteReason.id)
            .with_for_update()
        )
    )


def move_reason(reason: NetiquetteReason, direction: str, *, actor: User) -> bool:
    """One place up or down. False when it already is first (last)."""
    if direction not in DIRECTIONS:
        raise ReasonError(_l("Unknown direction."))
    ordered = _ordered_for_update()
    index = next((i for i, r in enumerate(ordered) if r.id == reason.id), None)
    if index is None:
        raise ReasonError(_l("This reason no longer exists."))
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        return False
    before = ordered[index].position
    ordered[index], ordered[other] = ordered[other], ordered[index]
    # Renumbered densely: equal positions (e.g. from two additions at once) sort by id only.
    for position, row in enumerate(ordered):
        if row.position != position:
            row.position = position
    db.session.flush()
    record(
        f"netiquette_reason.moved_{direction}",
        reason,
        actor=actor,
        before={"position": before},
        after={"position": reason.position},
    )
    db.session.flush()
    forget_netiquette_reasons()
    return True


def _other_active(reason: NetiquetteReason) -> int:
    return (
        db.session.scalar(
            select(func.count(NetiquetteReason.id)).where(
                NetiquetteReason.is_active.is_(True), NetiquetteReason.id != reason.id
            )
        )
        or 0
    )


def _last_active_refused(reason: NetiquetteReason) -> None:
    # Locked in display order (the same order as reordering) so two administrators cannot
    # each switch off one of the last two.
    _ordered_for_update()
    db.session.refresh(reason)
    if reason.is_active and _other_active(reason) == 0:
        raise ReasonError(
            _l(
                "This is the last active reason. Moderators need at least one to reject "
                "a contribution; add or reactivate another one first."
            )
        )


def set_active(reason: NetiquetteReason, active: bool, *, actor: User) -> bool:
    """Deactivate (no longer offered to moderators) or reactivate. False if it already was."""
    if not active:
        _last_active_refused(reason)
    if reason.is_active == active:
        return False
    reason.is_active = active
    db.session.flush()
    record(
        "netiquette_reason.reactivated" if active else "netiquette_reason.deactivated",
        reason,
        actor=actor,
        before={"is_active": not active},
        after={"is_active": active},
    )
    db.session.flush()
    forget_netiquette_reasons()
    return True


def delete_reason(reason: NetiquetteReason, *, actor: User) -> None:
    """Only a reason that was never given. The row lock makes a moderator who rejects with
    it at this moment wait (or fail cleanly once it is gone), see moderation.services."""
    _last_active_refused(reason)
    used = times_used(reason)
    if used:
        raise ReasonError(
            ngettext(
                "This reason has been given once, so it cannot be deleted: old decisions "
                "keep showing it. Deactivate it instead.",
                "This reason has been given %(num)d times, so it cannot be deleted: old "
                "decisions keep showing it. Deactivate it instead.",
                used,
            )
        )
    record("netiquette_reason.deleted", reason, actor=actor, before=_snapshot(reason))
    db.session.delete(reason)
    db.session.flush()
    forget_netiquette_reasons()
