"""The public processing status of ideas and suggestions, and its dated trail.

`set_status` is the only writer of `Contribution.status`; every change is an event
`contribution.status_changed` whose `after` carries the public reason. The public trail is
read back from the event log (`status_trail`), so it shows exactly what the log says and
nothing else: dates, statuses and public reasons, never who set them or internal notes.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.lists import format_list
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm.exc import StaleDataError

from participation.discussion.idea_labels import STATUS_LABELS
from participation.discussion.models import (
    Contribution,
    ContributionKind,
    ModerationState,
    ProcessingStatus,
)
from participation.events.models import Event
from participation.events.services import record
from participation.extensions import db
from participation.i18n import LazyText
from participation.notifications import services as notifications
from participation.notifications.models import Kind
from participation.strategies.models import Section, Version
from participation.strategies.tree import build_tree, walk

STATUS_CHANGED = "contribution.status_changed"
PUBLIC_REASON_MAX = 2000
# The creation events of the kinds that can carry a status (the trail's first entry).
CREATED_ACTIONS = ("idea.created", "comment.created")


class StatusError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class TrailEntry:
    date: datetime
    # None for the entries other areas add (see `register_trail_action`): they have a label.
    status: ProcessingStatus | None
    public_reason: str | None
    # For "forwarded": the departments' names, which are public (the office's note is not).
    departments: tuple[str, ...] = ()
    # The public wording of an entry another area added (a lazy string), shown as it is.
    label: Any = None
    # For such entries: the action and its public value (e.g. "idea.selected", "lead").
    action: str | None = None
    value: str | None = None
    # For "adopted" and "partially adopted": the section of a later version, if recorded.
    adopted_into: "AdoptedInto | None" = None


@dataclass(frozen=True)
class AdoptedInto:
    """Where an adopted suggestion went: a section of a later published version. Kept in
    the status change's payload as it was named then (number and title in that version,
    which never change once it is published)."""

    version: int
    section_key: str
    title: str
    number: str = ""

    def payload(self) -> dict:
        return {
            "version": self.version,
            "section_key": self.section_key,
            "title": self.title,
            "number": self.number,
        }


def adopted_into_of(payload: dict | None) -> AdoptedInto | None:
    value = (payload or {}).get("adopted_into")
    if not isinstance(value, dict):
        return None
    try:
        return AdoptedInto(
            int(value["version"]),
            str(value["section_key"]),
            str(value["title"]),
            str(value.get("number") or ""),
        )
    except (KeyError, TypeError, ValueError):
        return None


def adopted_into_label(into: AdoptedInto) -> str:
    """ "übernommen in Abschnitt 2.1 „Bildung“ der Version 2"."""
    if into.number:
        return str(
            _l(
                "went into section %(number)s “%(title)s” of version %(version)s",
                number=into.number,
                title=into.title,
                version=into.version,
            )
        )
    return str(
        _l(
            "went into section “%(title)s” of version %(version)s",
            title=into.title,
            version=into.version,
        )
    )


# Other areas put their public steps into the same trail (e.g. the selection of an idea as a
# project, consolidation/trail.py): the event action, and a reader that turns the event's
# date and `after` into an entry (None to leave the event out). Only what the reader puts
# into the entry becomes public.
TrailReader = Callable[[datetime, dict], "TrailEntry | None"]
TRAIL_READERS: dict[str, TrailReader] = {}


def register_trail_action(action: str, reader: TrailReader) -> None:
    TRAIL_READERS[action] = reader


def status_label(status) -> str:
    if status is None:
        return ""
    return str(STATUS_LABELS[ProcessingStatus(status)])


def forwarded_label(departments: Sequence[str], locale=None) -> str:
    """ "an Amt für Mobilität und Schulverwaltungsamt weitergeleitet"."""
    names = format_list(list(departments), locale=str(locale or get_locale() or "de"))
    return str(_l("forwarded to %(departments)s", departments=names))


def trail_label(entry: TrailEntry) -> str:
    if entry.label is not None:
        return str(entry.label)
    if entry.status is ProcessingStatus.FORWARDED and entry.departments:
        return forwarded_label(entry.departments)
    return status_label(entry.status)


ADOPTED_STATUSES = (ProcessingStatus.ADOPTED, ProcessingStatus.PARTIALLY_ADOPTED)


def adoption_targets(contribution: Contribution) -> list[tuple[Section, int, str]]:
    """The sections an adopted suggestion can have gone into: those of the published
    versions newer than the one it was written on, as (section, version number, section
    number), newest version first and in reading order, from one query."""
    written_on = select(Version.number).where(Version.id == contribution.version_id)
    rows = db.session.execute(
        select(Section, Version.number)
        .join(Version, Version.id == Section.version_id)
        .where(
            Version.strategy_id == contribution.strategy_id,
            Version.number.is_not(None),
            Version.number > written_on.scalar_subquery(),
        )
    ).all()
    by_version: dict[int, list[Section]] = {}
    for section, number in rows:
        by_version.setdefault(number, []).append(section)
    targets = []
    for number in sorted(by_version, reverse=True):
        for node in walk(build_tree(by_version[number])):
            targets.append((node.section, number, node.number))
    return targets


def _adopted_into(
    contribution: Contribution, status: ProcessingStatus, section_id: int | None
) -> AdoptedInto | None:
    if not section_id or status not in ADOPTED_STATUSES:
        # Only an adoption goes somewhere; a choice left in the form for another status is
        # not a statement about the text.
        return None
    for section, version, number in adoption_targets(contribution):
        if section.id == section_id:
            return AdoptedInto(version, section.key, section.title, number)
    raise StatusError(
        _l("Please choose a section of a version published after the suggestion."),
        "adopted_into",
    )


def can_have_status(contribution: Contribution) -> bool:
    """Ideas and top-level comments (suggestions on the text) carry a processing status."""
    return contribution.kind is ContributionKind.IDEA or (
        contribution.kind is ContributionKind.COMMENT and contribution.parent_id is None
    )


def set_status(
    contribution: Contribution,
    new_status: ProcessingStatus | str,
    *,
    actor,
    public_reason: str | None = None,
    expected_status: ProcessingStatus | str | None = None,
    departments: Sequence[str] = (),
    adopted_into: int | None = None,
) -> Contribution:
    """Set the public processing status; `not_adopted` needs a public reason.

    `expected_status` is the status the moderator saw ("" for none; None skips the check);
    when the row has another status now, the change is refused instead of overwriting it.
    `departments`: with "forwarded", the names of the departments it went to, shown in the
    trail and told to the author (departments.services.forward). `adopted_into`: with
    "adopted" or "partially adopted", the id of the section of a later published version it
    went into, shown in the trail and the council report."""
    if not can_have_status(contribution):
        raise StatusError(_l("Only ideas and comments on the text have a processing status."))
    try:
        new_status = ProcessingStatus(new_status)
    except ValueError as error:
        raise StatusError(_l("Please choose a processing status."), "status") from error
    reason = (public_reason or "").replace("\r\n", "\n").strip() or None
    if new_status is ProcessingStatus.NOT_ADOPTED and not reason:
        raise StatusError(
            _l("Please give the public reason why the suggestion is not adopted."),
            "public_reason",
        )
    if reason and len(reason) > PUBLIC_REASON_MAX:
        raise StatusError(
            _l("The public reason may have at most %(max)d characters.", max=PUBLIC_REASON_MAX),
            "public_reason",
        )
    if contribution.state in (ModerationState.WITHDRAWN, ModerationState.REJECTED):
        raise StatusError(_l("A withdrawn or rejected contribution gets no processing status."))
    into = _adopted_into(contribution, new_status, adopted_into)

    # Lock the row and read its status as it is now, not as this session last saw it.
    current = db.session.execute(
        select(Contribution.status).where(Contribution.id == contribution.id).with_for_update()
    ).scalar_one()
    if expected_status is not None:
        expected = ProcessingStatus(expected_status) if expected_status else None
        if (current or None) != expected:
            db.session.refresh(contribution)
            raise StatusError(
                _l(
                    "Someone else has changed the processing status meanwhile: it was "
                    "“%(before)s”, it is now “%(now)s”. Please check it again.",
                    before=status_label(expected) or "–",
                    now=status_label(current) or "–",
                )
            )
    old = contribution.status
    contribution.status = new_status
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StatusError(
            _l("Someone else has changed this contribution meanwhile. Please look at it again.")
        ) from error
    departments = list(departments) if new_status is ProcessingStatus.FORWARDED else []
    record(
        STATUS_CHANGED,
        contribution,
        actor,
        before={"status": old.value if old else None},
        after={
            "status": new_status.value,
            "public_reason": reason,
            **({"departments": departments} if departments else {}),
            **({"adopted_into": into.payload()} if into else {}),
        },
    )
    _tell(contribution, new_status, reason, departments, actor)
    db.session.flush()
    return contribution


def _tell(
    contribution: Contribution,
    status: ProcessingStatus,
    reason: str | None,
    departments: Sequence[str],
    actor,
):
    # Rendered in each recipient's language when their mail is written.
    label = LazyText(lambda: forwarded_label(departments) if departments else status_label(status))
    tell_processing_step(contribution, label, reason, actor=actor)


def tell_processing_step(contribution: Contribution, label, reason: str | None, *, actor) -> None:
    """A new step in what became of a contribution (a status, a selection as a project):
    its author, then its followers (only of what the public can see), hear of it with the
    same kinds of notification and mail. `label` is lazy: each mail is in its reader's
    language."""
    author = notifications.author_of(contribution)
    base = current_app.config["BASE_URL"].rstrip("/")
    notifications.notify(
        author,
        Kind.OWN_CONTRIBUTIONS,
        _l("New processing status of your suggestion: %(status)s", status=label),
        "status_changed",
        actor=actor,
        detail=label,
        name=contribution.display_name,
        title=contribution.title,
        excerpt=contribution.body_md[:300],
        status=label,
        reason=reason,
        url=f"{base}/beitraege/{contribution.id}",
    )
    if contribution.state is ModerationState.PUBLISHED:
        notifications.status_changed_for_followers(
            contribution,
            label,
            reason,
            actor=actor,
            exclude={author.key} if author is not None else set(),
        )


def status_trail(contribution: Contribution) -> list[TrailEntry]:
    """The public trail, oldest first, read from the event log in one query: the creation
    (as "received"), every status change with its public reason, and the entries of the
    actions other areas registered (`register_trail_action`)."""
    return status_trails({contribution.id: contribution.created_at})[contribution.id]


def status_trails(created: Mapping[int, datetime] | None = None, *, ids=None) -> dict:
    """The public trails of many contributions in one query: {id: [TrailEntry, ...]}.

    `created` maps each contribution's id to its creation time (the first entry when the log
    has no creation event). `ids` may instead be a subquery of ids (the open data reads whole
    strategies this way); then `created` still supplies the creation times."""
    created = dict(created or {})
    rows = db.session.execute(
        select(Event.subject_id, Event.action, Event.created_at, Event.after)
        .where(
            Event.subject_type == Contribution.__tablename__,
            Event.subject_id.in_(ids if ids is not None else list(created)),
            or_(
                Event.action == STATUS_CHANGED,
                Event.action.in_(CREATED_ACTIONS),
                Event.action.in_(tuple(TRAIL_READERS)),
            ),
        )
        .order_by(Event.subject_id, Event.created_at, Event.id)
    ).all()
    grouped: dict[int, list] = {contribution_id: [] for contribution_id in created}
    for subject_id, action, created_at, after in rows:
        grouped.setdefault(subject_id, []).append((action, created_at, after))
    return {key: _trail(events, created.get(key)) for key, events in grouped.items()}


def _trail(rows, created_at: datetime | None) -> list[TrailEntry]:
    trail: list[TrailEntry] = []
    created = False
    for action, at, after in rows:
        if action in CREATED_ACTIONS:
            if not created:
                trail.append(TrailEntry(at, ProcessingStatus.RECEIVED, None))
                created = True
            continue
        after = after or {}
        reader = TRAIL_READERS.get(action)
        if reader is not None:
            entry = reader(at, after)
            if entry is not None:
                trail.append(entry)
            continue
        try:
            status = ProcessingStatus(after.get("status"))
        except ValueError:
            continue
        trail.append(
            TrailEntry(
                at,
                status,
                after.get("public_reason") or None,
                tuple(after.get("departments") or ()),
                adopted_into=adopted_into_of(after) if status in ADOPTED_STATUSES else None,
            )
        )
    if not created and created_at is not None:
        trail.insert(0, TrailEntry(created_at, ProcessingStatus.RECEIVED, None))
    return trail
