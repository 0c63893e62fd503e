"""Labels for the moderation reasons and states (used by the queue, the decision forms, the
report form and the mails). The netiquette reasons come from the table the administrators
keep, in the language of the request; report reasons and states are translated lazily."""

from dataclasses import dataclass

from flask import g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from participation.discussion.models import ModerationState
from participation.extensions import db
from participation.moderation.models import NetiquetteReason, ReportReason

REPORT_LABELS = {
    ReportReason.INSULT: _l("Insult"),
    ReportReason.DISCRIMINATION: _l("Discrimination"),
    ReportReason.THREAT: _l("Threat or violence"),
    ReportReason.UNLAWFUL: _l("Unlawful content"),
    ReportReason.PERSONAL_DATA: _l("Personal data of third parties"),
    ReportReason.SPAM: _l("Advertising or spam"),
    ReportReason.OFF_TOPIC: _l("Not related to the topic"),
    ReportReason.OTHER: _l("Other reason"),
}

STATE_LABELS = {
    ModerationState.UNCONFIRMED: _l("unconfirmed"),
    ModerationState.PENDING: _l("awaiting moderation"),
    ModerationState.PUBLISHED: _l("published"),
    ModerationState.REJECTED: _l("rejected"),
    ModerationState.HIDDEN: _l("hidden"),
    ModerationState.WITHDRAWN: _l("withdrawn"),
}


@dataclass(frozen=True)
class Reason:
    """A netiquette reason as read for one request (plain values: safe after a commit)."""

    key: str
    label_de: str
    label_en: str
    explanation_de: str
    explanation_en: str
    is_active: bool

    @property
    def label(self) -> str:
        return self.label_en if _english() else self.label_de

    @property
    def explanation(self) -> str:
        return self.explanation_en if _english() else self.explanation_de


def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


_CACHE = "_netiquette_reasons"


def netiquette_reasons() -> list[Reason]:
    """All reasons, active and inactive, in display order: one query per request (or app
    context), cached on `flask.g`."""
    cached = g.get(_CACHE)
    if cached is None:
        rows = db.session.execute(
            select(
                NetiquetteReason.key,
                NetiquetteReason.label_de,
                NetiquetteReason.label_en,
                NetiquetteReason.explanation_de,
                NetiquetteReason.explanation_en,
                NetiquetteReason.is_active,
            ).order_by(NetiquetteReason.position, NetiquetteReason.id)
        )
        cached = [Reason(*row) for row in rows]
        setattr(g, _CACHE, cached)
    return cached


def forget_netiquette_reasons() -> None:
    """After a change to the table: the next read in this request queries again."""
    g.pop(_CACHE, None)


def netiquette_reason(value) -> Reason | None:
    return next((r for r in netiquette_reasons() if r.key == value), None)


def rejection_choices() -> list[tuple[str, str]]:
    """The active netiquette reasons a moderator may pick, as (key, label in the current
    language) in display order: the one source for the decision forms and the queue."""
    return [(reason.key, reason.label) for reason in netiquette_reasons() if reason.is_active]


def rejection_label(value) -> str:
    """The label of a stored reason key, also of a deactivated reason."""
    reason = netiquette_reason(value)
    return reason.label if reason is not None else str(value or "")


def report_label(value) -> str:
    try:
        return str(REPORT_LABELS[ReportReason(value)])
    except ValueError:
        return str(value or "")


def state_label(value) -> str:
    try:
        return str(STATE_LABELS[ModerationState(value)])
    except ValueError:
        return str(value or "")
