"""What people read for a forwarding's state and a department's recommendation."""

from flask_babel import lazy_gettext as _l

from participation.departments.models import ForwardingState, Recommendation

STATE_LABELS = {
    ForwardingState.OPEN: _l("open"),
    ForwardingState.ANSWERED: _l("answered"),
    ForwardingState.RETURNED: _l("returned to the office"),
    ForwardingState.WITHDRAWN: _l("withdrawn by the office"),
}
OVERDUE_LABEL = _l("overdue")

# KERN badge variants; the badge always carries its label as text.
STATE_BADGES = {
    ForwardingState.OPEN: "info",
    ForwardingState.ANSWERED: "success",
    ForwardingState.RETURNED: "warning",
    ForwardingState.WITHDRAWN: "warning",
}

RECOMMENDATION_LABELS = {
    Recommendation.ADOPT: _l("adopt"),
    Recommendation.ADOPT_IN_PART: _l("adopt in part"),
    Recommendation.DO_NOT_ADOPT: _l("do not adopt"),
    Recommendation.ALREADY_PLANNED: _l("already planned"),
    Recommendation.NOT_RESPONSIBLE: _l("not our responsibility (back to the office)"),
}


def recommendation_label(value) -> str:
    if not value:
        return ""
    try:
        return str(RECOMMENDATION_LABELS[Recommendation(value)])
    except ValueError:
        return str(value)
