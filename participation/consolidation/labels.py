"""The words for the kinds of selection and the rating scale, in the reader's language."""

from flask_babel import lazy_gettext as _l

from participation.consolidation.models import SelectionKind

SELECTION_LABELS = {
    SelectionKind.LEAD: _l("Lead project"),
    SelectionKind.POTENTIAL: _l("Potential project"),
    SelectionKind.QUICK_WIN: _l("Quick win"),
}

# KERN badge variants: lead projects stand out, quick wins read as done soon.
SELECTION_BADGES = {
    SelectionKind.LEAD: "success",
    SelectionKind.POTENTIAL: "info",
    SelectionKind.QUICK_WIN: "success",
}

RELEVANCE_SCALE = {
    1: _l("1 – hardly relevant"),
    2: _l("2 – somewhat relevant"),
    3: _l("3 – relevant"),
    4: _l("4 – very relevant"),
    5: _l("5 – essential for the strategy"),
}

FEASIBILITY_SCALE = {
    1: _l("1 – hardly feasible"),
    2: _l("2 – feasible with great effort"),
    3: _l("3 – feasible with moderate effort"),
    4: _l("4 – easily feasible"),
    5: _l("5 – feasible at once"),
}


def selection_label(kind) -> str:
    if kind is None:
        return ""
    return str(SELECTION_LABELS[SelectionKind(kind)])
