"""Readers' reports: any logged-in reader (not the author) reports a published contribution
once, with a reason. `Contribution.report_count` counts the open reports (one per person, so
also the distinct reporters); when it reaches `REPORT_HIDE_THRESHOLD` the contribution is
hidden until a moderator decides (`moderation.services.decide` resolves the reports).
Reporters are shown to moderators only.

Functions flush, never commit; a refusal raises `ReportError` (message, form field).
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from participation.accounts.models import User
from participation.database import utcnow
from participation.discussion.models import Contribution, ModerationState
from participation.discussion.services import change_state
from participation.events.services import record
from participation.extensions import db
from participation.moderation import labels
from participation.moderation.models import REPORT_TEXT_MAX, Report, ReportReason

DEFAULT_HIDE_THRESHOLD = 3


class ReportError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def reason_label(reason: ReportReason | str) -> str:
    return labels.report_label(reason)


def reason_choices() -> list[tuple[str, str]]:
    return [(reason.value, labels.REPORT_LABELS[reason]) for reason in ReportReason]


def hide_threshold() -> int:
    return max(1, int(current_app.config.get("REPORT_HIDE_THRESHOLD", DEFAULT_HIDE_THRESHOLD)))


def can_report(contribution: Contribution, user) -> bool:
    return (
        bool(user and user.is_authenticated)
        and contribution.state is ModerationState.PUBLISHED
        and contribution.author_id != user.id
    )


def has_reported(contribution: Contribution, user) -> bool:
    return (
        db.session.scalar(
            select(Report.id).where(
                Report.contribution_id == contribution.id, Report.reporter_id == user.id
            )
        )
        is not None
    )


def _clean_text(reason: ReportReason, text: str | None) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if reason is ReportReason.OTHER and not text:
        raise ReportError(_l("Please describe briefly what is wrong with it."), "text")
    if len(text) > REPORT_TEXT_MAX:
        raise ReportError(
            _l(
                "Your text has %(count)d characters; at most %(max)d are possible.",
                count=len(text),
                max=REPORT_TEXT_MAX,
            ),
            "text",
        )
    return text


ALREADY_REPORTED = _l(
    "You have already reported this contribution. Thank you – the moderation will look at it."
)


def report(
    contribution: Contribution,
    *,
    reporter,
    reason: ReportReason | str,
    text: str | None = "",
    now: datetime | None = None,
) -> Report:
    """Record the reader's report; hides the contribution when enough people reported it."""
    if not (reporter and reporter.is_authenticated):
        raise ReportError(_l("Please log in to report a contribution."))
    if contribution.author_id is not None and contribution.author_id == reporter.id:
        raise ReportError(_l("You cannot report your own contribution."))
    if contribution.state is not ModerationState.PUBLISHED:
        raise ReportError(_l("Only published contributions can be reported."))
    try:
        reason = ReportReason(reason)
    except ValueError as error:
        raise ReportError(_l("Please choose a reason."), "reason") from error
    text = _clean_text(reason, text)
    if has_reported(contribution, reporter):
        raise ReportError(ALREADY_REPORTED)
    entry = Report(
        contribution_id=contribution.id,
        reporter_id=reporter.id,
        reason=reason,
        text=text,
        created_at=now or utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError as error:
        # The same person's second request arrived at the same moment.
        raise ReportError(ALREADY_REPORTED) from error
    # Atomic: concurrent reports from different people each add one. Not through the ORM,
    # so the revision a moderator's form carries stays valid.
    db.session.execute(
        update(Contribution)
        .where(Contribution.id == contribution.id)
        .values(report_count=Contribution.report_count + 1)
        .execution_options(synchronize_session=False)
    )
    # State too: a concurrent report may have hidden it meanwhile.
    db.session.expire(contribution, ["report_count", "revision", "state"])
    record(
        "contribution.reported",
        contribution,
        reporter,
        after={"reason": reason.value, "report_id": entry.id},
    )
    open_reports = contribution.report_count
    if open_reports >= hide_threshold() and contribution.state is ModerationState.PUBLISHED:
        change_state(
            contribution,
            ModerationState.HIDDEN,
            actor=None,
            action="contribution.hidden_by_reports",
            details={"open_reports": open_reports},
        )
    return entry


# --- the moderators' list -------------------------------------------------------------------


@dataclass
class OpenReport:
    reporter_name: str
    reason: ReportReason
    text: str
    created_at: datetime


@dataclass
class ReportedItem:
    contribution: Contribution
    reports: list[OpenReport] = field(default_factory=list)

    @property
    def reason_counts(self) -> list[tuple[ReportReason, int]]:
        counts: dict[ReportReason, int] = {}
        for entry in self.reports:
            counts[entry.reason] = counts.get(entry.reason, 0) + 1
        return sorted(counts.items(), key=lambda item: (-item[1], item[0].value))


def reported_items(limit: int = 200) -> list[ReportedItem]:
    """Contributions with open reports, most reported first, with their open reports (two
    queries). For moderators only: it names the reporters."""
    contributions = list(
        db.session.scalars(
            select(Contribution)
            .where(Contribution.report_count > 0)
            .order_by(Contribution.report_count.desc(), Contribution.id)
            .limit(limit)
        )
    )
    items = {c.id: ReportedItem(c) for c in contributions}
    if items:
        rows = db.session.execute(
            select(
                Report.contribution_id,
                func.coalesce(User.display_name, "").label("name"),
                Report.reason,
                Report.text,
                Report.created_at,
            )
            .outerjoin(User, User.id == Report.reporter_id)
            .where(Report.contribution_id.in_(items), Report.resolved_at.is_(None))
            .order_by(Report.created_at, Report.id)
        )
        for row in rows:
            items[row.contribution_id].reports.append(
                OpenReport(row.name, row.reason, row.text, row.created_at)
            )
    return list(items.values())
