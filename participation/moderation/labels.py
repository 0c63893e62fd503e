"""Labels for the moderation reasons and states (translated lazily; used by the queue, the
decision forms, the report form and the mails)."""

from flask_babel import lazy_gettext as _l

from participation.discussion.models import ModerationState
from participation.moderation.models import RejectionReason, ReportReason

REJECTION_LABELS = {
    RejectionReason.INSULT: _l("Insult"),
    RejectionReason.DISCRIMINATION: _l("Discrimination"),
    RejectionReason.THREAT: _l("Threat or violence"),
    RejectionReason.UNLAWFUL: _l("Unlawful content"),
    RejectionReason.COPYRIGHT: _l("Copyright infringement"),
    RejectionReason.PERSONAL_DATA: _l("Personal data of third parties"),
    RejectionReason.SPAM: _l("Advertising or spam"),
    RejectionReason.OFF_TOPIC: _l("Not related to the topic"),
    RejectionReason.DUPLICATE: _l("Repetition or duplicate"),
}

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


def rejection_choices() -> list[tuple[str, str]]:
    """The netiquette reasons a moderator may pick, as (value, label) in display order: the one
    source for the decision forms and the queue renderer."""
    return [(reason.value, str(label)) for reason, label in REJECTION_LABELS.items()]


def rejection_label(value) -> str:
    try:
        return str(REJECTION_LABELS[RejectionReason(value)])
    except ValueError:
        return str(value or "")


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
