"""What people read for a project's priority, status and time frame."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from participation.roadmap.models import ProjectPriority, ProjectStatus

PRIORITY_LABELS = {
    ProjectPriority.LEAD: _l("Lead project"),
    ProjectPriority.POTENTIAL: _l("Potential project"),
    ProjectPriority.QUICK_WIN: _l("Quick win"),
}

STATUS_LABELS = {
    ProjectStatus.PLANNED: _l("planned"),
    ProjectStatus.IN_PROGRESS: _l("in progress"),
    ProjectStatus.DONE: _l("done"),
    ProjectStatus.PAUSED: _l("paused"),
}

# KERN badge variants; the badge always carries its label as text.
STATUS_BADGES = {
    ProjectStatus.PLANNED: "info",
    ProjectStatus.IN_PROGRESS: "warning",
    ProjectStatus.DONE: "success",
    ProjectStatus.PAUSED: "danger",
}


def quarter_label(year: int, quarter: int) -> str:
    return gettext("Q%(quarter)d %(year)d", quarter=quarter, year=year)


def time_frame(project) -> str:
    start = quarter_label(project.start_year, project.start_quarter)
    if (project.start_year, project.start_quarter) == (project.end_year, project.end_quarter):
        return start
    return gettext(
        "%(start)s to %(end)s",
        start=start,
        end=quarter_label(project.end_year, project.end_quarter),
    )
