"""What readers see for phases, section kinds and diff states (translated lazily)."""

from flask_babel import lazy_gettext as _l

from participation.strategies.models import ModerationMode, Phase, SectionKind

PHASE_LABELS = {
    Phase.UPCOMING: _l("Coming soon"),
    Phase.OPEN: _l("Participation open"),
    Phase.CLOSED: _l("Participation closed"),
    Phase.ADOPTED: _l("Adopted"),
}

# KERN badge variants; the label is always text, the colour only repeats it.
PHASE_BADGES = {
    Phase.UPCOMING: "info",
    Phase.OPEN: "success",
    Phase.CLOSED: "warning",
    Phase.ADOPTED: "info",
}

KIND_LABELS = {
    SectionKind.VISION: _l("Vision"),
    SectionKind.FIELD_OF_ACTION: _l("Field of action"),
    SectionKind.PROJECT: _l("Project"),
    SectionKind.TEXT: _l("Text"),
}

MODERATION_NOTES = {
    ModerationMode.PRE: _l(
        "Contributions are checked by the moderation team before they are published."
    ),
    ModerationMode.POST: _l(
        "Contributions are published at once; the moderation team reviews them afterwards."
    ),
}

DIFF_STATUS_LABELS = {
    "added": _l("Added"),
    "removed": _l("Removed"),
    "changed": _l("Changed"),
    "moved": _l("Moved"),
    "unchanged": _l("Unchanged"),
}

DIFF_STATUS_BADGES = {
    "added": "success",
    "removed": "danger",
    "changed": "warning",
    "moved": "info",
    "unchanged": "info",
}
