"""The figures as readers see them: summary lines and one panel per figure (heading,
explanation, chart and the table with the same numbers), in the current language. The
statistics page and the council report both show these panels."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import format_date, format_decimal, format_percent, get_locale, gettext, ngettext
from markupsafe import Markup

from participation.discussion.idea_labels import CHANNEL_LABELS, STATUS_LABELS
from participation.discussion.models import Channel, ProcessingStatus
from participation.statistics import charts
from participation.statistics.services import Count, Figures


@dataclass
class Panel:
    id: str
    heading: str
    explanation: str
    headers: list[str]  # the first one heads the row headers
    rows: list[list[str]]  # first cell: the row's header
    chart: Markup | None


@dataclass
class Summary:
    label: str
    value: str
    note: str = ""


def number(value: int) -> str:
    return format_decimal(value)


def days(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return gettext("less than a day")
    return ngettext(
        "%(days)s day", "%(days)s days", 1 if value == 1 else 2, days=format_decimal(value, "0.#")
    )


def summary(figures: Figures) -> list[Summary]:
    kinds = figures.by_kind
    share = figures.answered_share
    return [
        Summary(
            gettext("Published contributions"),
            number(figures.contributions),
            gettext(
                "%(comments)s comments, %(replies)s replies, %(ideas)s ideas",
                comments=number(kinds.get("comment", 0)),
                replies=number(kinds.get("reply", 0)),
                ideas=number(kinds.get("idea", 0)),
            ),
        ),
        Summary(
            gettext("Suggestions"),
            number(figures.suggestions),
            gettext("Ideas and comments on the text: the contributions with a processing status."),
        ),
        Summary(
            gettext("Share answered"),
            format_percent(share, "#,##0 %") if share is not None else "–",
            gettext(
                "%(answered)s of %(suggestions)s suggestions have an official reply or a final "
                "status (adopted, partially adopted, not adopted, answered).",
                answered=number(figures.answered),
                suggestions=number(figures.suggestions),
            ),
        ),
        Summary(
            gettext("Official replies"),
            number(figures.official_replies),
            gettext("Replies of the office, not counted as contributions."),
        ),
        Summary(
            gettext("Median time to the first official reply"),
            days(figures.median_days_to_reply),
            gettext(
                "From the suggestion to the first official reply below it, over the "
                "%(count)s suggestions that have one.",
                count=number(figures.replied),
            ),
        ),
        Summary(
            gettext("Median time to a decision"),
            days(figures.median_days_to_decision),
            gettext(
                "From the suggestion to the first status adopted, partially adopted or not "
                "adopted, over the %(count)s suggestions that have one.",
                count=number(figures.decided),
            ),
        ),
    ]


def _week_label(week) -> str:
    return gettext("Wk %(week)d/%(year)d", week=week.number, year=week.year)


def _period(week) -> str:
    return gettext(
        "%(start)s to %(end)s",
        start=format_date(week.monday, "short"),
        end=format_date(week.monday + timedelta(days=6), "short"),
    )


def _chart_key(strategy_id: int, chart_id: str, *data) -> tuple:
    """Per chart: what it shows, in which language. A new contribution redraws the charts
    whose numbers it changes, not the others."""
    fingerprint = hashlib.sha256(json.dumps(data, default=str).encode()).hexdigest()[:24]
    return ("statistics-chart", strategy_id, str(get_locale()), chart_id, fingerprint)


def panels(figures: Figures, strategy_id: int, prefix: str = "chart") -> list[Panel]:
    """The panels in page order; a chart comes from the cache while its numbers, labels and
    language are unchanged."""
    contributions = gettext("Contributions")
    result: list[Panel] = []

    def bars(panel_id, heading, description, labels, values, axis_label, *, vertical=False):
        if not any(values):
            return None
        chart_id = f"{prefix}-{panel_id}"

        def render():
            if vertical:
                return charts.vertical_bars(
                    chart_id, heading, description, labels, values, axis_label
                )
            return charts.horizontal_bars(
                chart_id, heading, description, labels, values, axis_label, number
            )

        key = _chart_key(strategy_id, chart_id, heading, description, labels, values, vertical)
        return charts.cached(key, render)

    def counted(panel_id, heading, explanation, header, counts: list[Count], label_of, unit=None):
        unit = unit or contributions
        labels = [label_of(c) for c in counts]
        values = [c.count for c in counts]
        description = _describe(labels, values)
        result.append(
            Panel(
                id=panel_id,
                heading=heading,
                explanation=explanation,
                headers=[header, unit],
                rows=[[label, number(value)] for label, value in zip(labels, values, strict=True)],
                chart=bars(panel_id, heading, description, labels, values, unit),
            )
        )

    week_labels = [_week_label(w) for w in figures.weeks]
    week_values = [w.count for w in figures.weeks]
    heading = gettext("Contributions per week")
    result.append(
        Panel(
            id="weeks",
            heading=heading,
            explanation=gettext(
                "Published contributions by the calendar week (Monday to Sunday) in which "
                "they were written or, when the office entered them, received, from the start "
                "of the participation."
            ),
            headers=[gettext("Week"), gettext("Period"), contributions],
            rows=[
                [label, _period(week), number(week.count)]
                for label, week in zip(week_labels, figures.weeks, strict=True)
            ],
            chart=bars(
                "weeks",
                heading,
                _describe(week_labels, week_values),
                week_labels,
                week_values,
                contributions,
                vertical=True,
            ),
        )
    )
    counted(
        "sections",
        gettext("Contributions per section"),
        gettext(
            "Comments and replies on a section and ideas naming it as their field of action. "
            "A section keeps its place across versions."
        ),
        gettext("Section"),
        figures.sections,
        lambda c: c.label if c.key is not None else gettext("Ideas without a field of action"),
    )
    counted(
        "fields",
        gettext("Contributions per field of action"),
        gettext(
            "Each contribution counts for the field of action its section belongs to (the "
            "field itself or a section within it)."
        ),
        gettext("Field of action"),
        figures.fields,
        lambda c: c.label if c.key is not None else gettext("Not in a field of action"),
    )
    counted(
        "channels",
        gettext("Contributions per channel"),
        gettext(
            "How the contributions reached the office: online here, or by letter, phone, "
            "e-mail or at a workshop (entered by the office)."
        ),
        gettext("Channel"),
        figures.channels,
        lambda c: str(CHANNEL_LABELS[Channel(c.key)]),
    )
    counted(
        "statuses",
        gettext("Suggestions per processing status"),
        gettext(
            "The current processing status of the suggestions (ideas and comments on the text)."
        ),
        gettext("Processing status"),
        figures.statuses,
        lambda c: (
            str(STATUS_LABELS[ProcessingStatus(c.key)])
            if c.key is not None
            else gettext("no status yet")
        ),
        gettext("Suggestions"),
    )
    counted(
        "departments",
        gettext("Forwardings per department"),
        gettext(
            "How often published contributions were forwarded to a department for a statement."
        ),
        gettext("Department"),
        figures.departments,
        lambda c: c.label,
        gettext("Forwardings"),
    )
    return result


def _describe(labels: list[str], values: list[int]) -> str:
    """The chart's description: the largest values in words (the table has all)."""
    if not labels:
        return gettext("No data.")
    ranked = sorted(
        zip(values, range(len(values)), labels, strict=True), key=lambda t: (-t[0], t[1])
    )
    top = "; ".join(f"{label}: {number(value)}" for value, _, label in ranked[:3] if value)
    return gettext(
        "Bar chart of %(count)s values; the largest: %(top)s. The table with the chart lists "
        "every value.",
        count=number(len(labels)),
        top=top or "–",
    )
