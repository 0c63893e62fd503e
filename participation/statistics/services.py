"""The figures of a strategy's participation, over published contributions only.

`strategy_figures` reads everything in a fixed number of statements, however many
contributions there are: the sections of all published versions, the published
contributions (a few columns each, official replies included to date the first answer), the
status changes of those contributions, and the forwardings per department. Everything else
is counted in Python. Nothing internal is read: no texts, no authors, no notes, nothing that
is pending, rejected, hidden or withdrawn; of the forwardings only the departments' names
(which the public status trail shows anyway) and counts.

Definitions, also said on the page:
- *contributions*: published comments, replies and ideas, without the office's official
  replies; one the office entered for a citizen (letter, phone, …) counts from the day it
  came in (`received_on`), not from the day it was typed in;
- *suggestions*: published ideas and comments on the text (top-level comments), the
  contributions that carry a processing status;
- *answered*: a suggestion with an official reply directly below it, or with one of the
  final statuses (adopted, partially adopted, not adopted, answered);
- *days to the first official reply*: from a suggestion to the first official reply below
  it, over the suggestions that have one;
- *days to a decision*: from a suggestion to the first status change to adopted, partially
  adopted or not adopted, over the suggestions that have one.
"""

import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from participation.accounts.models import Department
from participation.database import utcnow
from participation.departments.models import Forwarding, ForwardingState
from participation.discussion.models import (
    Channel,
    Contribution,
    ContributionKind,
    ModerationState,
    ProcessingStatus,
)
from participation.events.models import Event
from participation.extensions import db
from participation.moderation.status import STATUS_CHANGED
from participation.strategies.models import Section, SectionKind, Strategy, Version

FINAL_STATUSES = frozenset(
    {
        ProcessingStatus.ADOPTED,
        ProcessingStatus.PARTIALLY_ADOPTED,
        ProcessingStatus.NOT_ADOPTED,
        ProcessingStatus.ANSWERED,
    }
)
DECISIONS = frozenset(
    {ProcessingStatus.ADOPTED, ProcessingStatus.PARTIALLY_ADOPTED, ProcessingStatus.NOT_ADOPTED}
)
# The order of the status table: the way a suggestion travels.
STATUS_ORDER = (
    ProcessingStatus.RECEIVED,
    ProcessingStatus.FORWARDED,
    ProcessingStatus.IN_REVIEW,
    ProcessingStatus.ANSWERED,
    ProcessingStatus.ADOPTED,
    ProcessingStatus.PARTIALLY_ADOPTED,
    ProcessingStatus.NOT_ADOPTED,
)
DAY_SECONDS = 86400


@dataclass(frozen=True)
class Count:
    """One line of a figure: `key` identifies it (a section key, a status, …; None for
    "none"), `label` is what readers see when the label is data (section titles, department
    names) and empty when the view translates the key."""

    key: str | None
    count: int
    label: str = ""


@dataclass(frozen=True)
class Week:
    monday: date  # in the installation's time zone
    year: int  # ISO year and week
    number: int
    count: int


@dataclass
class Figures:
    contributions: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    suggestions: int = 0
    answered: int = 0
    official_replies: int = 0
    replied: int = 0  # suggestions with an official reply
    median_days_to_reply: float | None = None
    decided: int = 0  # suggestions with a decision
    median_days_to_decision: float | None = None
    weeks: list[Week] = field(default_factory=list)
    sections: list[Count] = field(default_factory=list)
    fields: list[Count] = field(default_factory=list)
    channels: list[Count] = field(default_factory=list)
    statuses: list[Count] = field(default_factory=list)
    departments: list[Count] = field(default_factory=list)

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.suggestions if self.suggestions else None


@dataclass(frozen=True)
class SectionInfo:
    id: int
    parent_id: int | None
    key: str
    kind: SectionKind
    title: str
    version_number: int
    position: int


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def published_sections(strategy: Strategy) -> list[SectionInfo]:
    """The sections of every published version of the strategy, in one statement."""
    rows = db.session.execute(
        select(
            Section.id,
            Section.parent_id,
            Section.key,
            Section.kind,
            Section.title,
            Version.number,
            Section.position,
        )
        .join(Version, Version.id == Section.version_id)
        .where(Version.strategy_id == strategy.id, Version.number.is_not(None))
    ).all()
    return [SectionInfo(*row) for row in rows]


def latest_titles(sections: list[SectionInfo]) -> dict[str, str]:
    """Each key's title in the newest version that has it (sections follow their key)."""
    titles: dict[str, tuple[int, str]] = {}
    for info in sections:
        if info.key not in titles or titles[info.key][0] < info.version_number:
            titles[info.key] = (info.version_number, info.title)
    return {key: title for key, (_, title) in titles.items()}


def _position(info: SectionInfo):
    return (info.position, info.id)


def reading_order(sections: list[SectionInfo]) -> list[str]:
    """The keys in the reading order of the newest version, then keys that only older
    versions have, in their own reading order."""
    order: list[str] = []
    for number in sorted({s.version_number for s in sections}, reverse=True):
        by_parent: dict[int | None, list[SectionInfo]] = {}
        for info in sections:
            if info.version_number == number:
                by_parent.setdefault(info.parent_id, []).append(info)

        def walk(parent_id, by_parent=by_parent):
            for info in sorted(by_parent.get(parent_id, []), key=_position):
                yield info.key
                yield from walk(info.id)

        for key in walk(None):
            if key not in order:
                order.append(key)
    return order


def field_of_action_of(sections: list[SectionInfo]) -> dict[int, str]:
    """Section id -> key of the field of action it lies in (itself or an ancestor)."""
    by_id = {info.id: info for info in sections}
    found: dict[int, str] = {}
    for info in sections:
        current: SectionInfo | None = info
        while current is not None and current.kind is not SectionKind.FIELD_OF_ACTION:
            current = by_id.get(current.parent_id) if current.parent_id else None
        if current is not None:
            found[info.id] = current.key
    return found


def monday_of(moment: datetime, tz: ZoneInfo) -> date:
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday())


def week_buckets(
    strategy: Strategy, created: list[datetime], now: datetime | None = None
) -> list[Week]:
    """One bucket per calendar week (Monday to Sunday, local time) from the week the
    participation opened (or the first contribution, if earlier) to the week it closed or
    the current week, whichever is earlier (or the last contribution's, if later); weeks
    without contributions are there with 0."""
    tz = zone()
    now = now or utcnow()
    counts = Counter(monday_of(moment, tz) for moment in created)
    first = monday_of(strategy.opens_at, tz)
    last = monday_of(min(now, strategy.closes_at), tz)
    if counts:
        first = min(first, min(counts))
        last = max(last, max(counts))
    weeks = []
    monday = first
    while monday <= last:
        iso = monday.isocalendar()
        weeks.append(Week(monday, iso.year, iso.week, counts.get(monday, 0)))
        monday += timedelta(days=7)
    return weeks


def _median_days(durations: list[timedelta]) -> float | None:
    if not durations:
        return None
    return statistics.median(d.total_seconds() for d in durations) / DAY_SECONDS


@dataclass(frozen=True)
class _Row:
    id: int
    kind: ContributionKind
    parent_id: int | None
    section_id: int | None
    section_key: str | None
    channel: Channel
    status: ProcessingStatus | None
    created_at: datetime
    is_official: bool
    received_on: date | None = None

    @property
    def is_suggestion(self) -> bool:
        return self.kind is ContributionKind.IDEA or (
            self.kind is ContributionKind.COMMENT and self.parent_id is None
        )


def _published_rows(strategy: Strategy) -> list[_Row]:
    rows = db.session.execute(
        select(
            Contribution.id,
            Contribution.kind,
            Contribution.parent_id,
            Contribution.section_id,
            Contribution.section_key,
            Contribution.channel,
            Contribution.status,
            Contribution.created_at,
            Contribution.is_official,
            Contribution.received_on,
        ).where(
            Contribution.strategy_id == strategy.id,
            Contribution.state == ModerationState.PUBLISHED,
        )
    ).all()
    tz = zone()
    found = []
    for row in rows:
        item = _Row(*row)
        if item.received_on is not None:
            # Entered by the office later: it counts from the day it came in (local midnight).
            arrived = datetime.combine(item.received_on, time(0), tzinfo=tz).astimezone(UTC)
            item = replace(item, created_at=min(arrived, item.created_at))
        found.append(item)
    return found


def decision_events(strategy: Strategy) -> list[tuple[int, datetime, dict]]:
    """(contribution id, when, payload) of every status change of the strategy's published
    contributions, oldest first, in one statement."""
    published = select(Contribution.id).where(
        Contribution.strategy_id == strategy.id,
        Contribution.state == ModerationState.PUBLISHED,
    )
    rows = db.session.execute(
        select(Event.subject_id, Event.created_at, Event.after)
        .where(
            Event.action == STATUS_CHANGED,
            Event.subject_type == Contribution.__tablename__,
            Event.subject_id.in_(published.scalar_subquery()),
        )
        .order_by(Event.created_at, Event.id)
    ).all()
    return [(row[0], row[1], row[2] or {}) for row in rows]


def _departments(strategy: Strategy) -> list[Count]:
    rows = db.session.execute(
        select(Department.name, func.count(Forwarding.id))
        .join(Forwarding, Forwarding.department_id == Department.id)
        .join(Contribution, Contribution.id == Forwarding.contribution_id)
        .where(
            Contribution.strategy_id == strategy.id,
            Contribution.state == ModerationState.PUBLISHED,
            # Taken back by the office (sent to the wrong department): not a forwarding.
            Forwarding.state != ForwardingState.WITHDRAWN,
        )
        .group_by(Department.name)
    ).all()
    rows = sorted(rows, key=lambda row: (-row[1], row[0].lower()))
    return [Count(name, count, name) for name, count in rows]


def strategy_figures(strategy: Strategy, now: datetime | None = None) -> Figures:
    """All figures of the statistics page and the report, in four statements."""
    sections = published_sections(strategy)
    rows = _published_rows(strategy)
    events = decision_events(strategy)
    departments = _departments(strategy)
    return compute(strategy, sections, rows, events, departments, now)


def compute(strategy, sections, rows, events, departments, now=None) -> Figures:
    citizens = [row for row in rows if not row.is_official]
    by_id = {row.id: row for row in citizens}
    suggestions = [row for row in citizens if row.is_suggestion]
    figures = Figures(
        contributions=len(citizens),
        by_kind={
            kind.value: sum(1 for row in citizens if row.kind is kind) for kind in ContributionKind
        },
        suggestions=len(suggestions),
        official_replies=sum(1 for row in rows if row.is_official),
        departments=departments,
    )

    first_reply: dict[int, datetime] = {}
    for row in rows:
        if row.is_official and row.parent_id in by_id:
            known = first_reply.get(row.parent_id)
            if known is None or row.created_at < known:
                first_reply[row.parent_id] = row.created_at
    first_decision: dict[int, datetime] = {}
    for contribution_id, moment, after in events:
        try:
            status = ProcessingStatus(after.get("status"))
        except ValueError:
            continue
        if status in DECISIONS and contribution_id not in first_decision:
            first_decision[contribution_id] = moment

    reply_durations, decision_durations = [], []
    for row in suggestions:
        if row.id in first_reply:
            reply_durations.append(max(first_reply[row.id] - row.created_at, timedelta(0)))
        if row.id in first_decision:
            decision_durations.append(max(first_decision[row.id] - row.created_at, timedelta(0)))
    figures.replied = len(reply_durations)
    figures.median_days_to_reply = _median_days(reply_durations)
    figures.decided = len(decision_durations)
    figures.median_days_to_decision = _median_days(decision_durations)
    figures.answered = sum(
        1 for row in suggestions if row.id in first_reply or row.status in FINAL_STATUSES
    )

    figures.weeks = week_buckets(strategy, [row.created_at for row in citizens], now)

    titles = latest_titles(sections)
    order = reading_order(sections)
    per_key = Counter(row.section_key for row in citizens)
    figures.sections = [Count(key, per_key[key], titles[key]) for key in order if per_key[key]]
    unknown = sorted(key for key in per_key if key is not None and key not in titles)
    figures.sections += [Count(key, per_key[key], key) for key in unknown]
    if per_key[None]:
        figures.sections.append(Count(None, per_key[None]))

    field_of = field_of_action_of(sections)
    # A contribution whose section row is gone still has its key: the field of action of
    # that key in any published version.
    field_by_key = {info.key: field_of[info.id] for info in sections if info.id in field_of}
    per_field = Counter(
        field_of.get(row.section_id) if row.section_id else field_by_key.get(row.section_key)
        for row in citizens
    )
    field_keys = [
        key
        for key in order
        if any(s.key == key and s.kind is SectionKind.FIELD_OF_ACTION for s in sections)
    ]
    figures.fields = [Count(key, per_field[key], titles[key]) for key in field_keys]
    if per_field[None]:
        figures.fields.append(Count(None, per_field[None]))

    per_channel = Counter(row.channel for row in citizens)
    figures.channels = [Count(channel.value, per_channel[channel]) for channel in Channel]

    per_status = Counter(row.status for row in suggestions)
    figures.statuses = [Count(status.value, per_status[status]) for status in STATUS_ORDER]
    if per_status[None]:
        figures.statuses.append(Count(None, per_status[None]))
    return figures
