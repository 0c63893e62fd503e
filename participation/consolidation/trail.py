"""The selection of an idea in its public status trail (moderation/status.py).

The events `idea.selected` and `idea.unselected` carry the kind and the public reason in
`after`; only those two become public, never who selected the idea or any rating.
"""

from flask_babel import lazy_gettext as _l

from participation.consolidation.labels import SELECTION_LABELS
from participation.consolidation.models import SelectionKind
from participation.moderation.status import TrailEntry, register_trail_action

SELECTED = "idea.selected"
UNSELECTED = "idea.unselected"


def selected_label(kind) -> str:
    """ "als Leitprojekt ausgewählt"."""
    return str(_l("selected as: %(kind)s", kind=SELECTION_LABELS[SelectionKind(kind)]))


def unselected_label() -> str:
    return str(_l("no longer selected as a project"))


class _Label:
    """Rendered when the trail is shown, in the reader's language."""

    def __init__(self, kind: SelectionKind | None):
        self.kind = kind

    def __str__(self) -> str:
        return selected_label(self.kind) if self.kind else unselected_label()


def _selected(at, after: dict) -> TrailEntry | None:
    try:
        kind = SelectionKind(after.get("selection"))
    except ValueError:
        return None
    return TrailEntry(
        at,
        None,
        after.get("public_reason") or None,
        label=_Label(kind),
        action=SELECTED,
        value=kind.value,
    )


def _unselected(at, after: dict) -> TrailEntry:
    return TrailEntry(
        at, None, after.get("public_reason") or None, label=_Label(None), action=UNSELECTED
    )


register_trail_action(SELECTED, _selected)
register_trail_action(UNSELECTED, _unselected)
