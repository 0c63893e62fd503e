"""The relevance × feasibility chart of the office's table, as SVG made on the server.

matplotlib draws it (Agg, text kept as text: `svg.fonttype: none`, so that it is read,
searched and zoomed like the page). Each idea is a point labelled with its number; dashed
lines at the middle of the scale split the chart into quadrants (top right: the relevant and
feasible ideas). The table beside it on the page is its text alternative.

The SVG is made fit for the page by the statistics' `inline_svg` (participation/statistics/
charts.py): presentation attributes instead of the styles the Content-Security-Policy
forbids, role="img" labelled by a <title> and described by a <desc>, prefixed ids, and the
markers (points, ticks) copied into place instead of <use>, which the HTML checks refuse.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

from participation.statistics.charts import inline_svg  # noqa: E402

SCALE_MIN, SCALE_MAX = 1, 5
MIDDLE = 3
POINT = "#004b76"
GUIDE = "#595959"  # 7:1 on white
TEXT = "#1b1b1b"


@dataclass(frozen=True)
class Point:
    number: int
    relevance: float
    feasibility: float


def scatter_svg(
    points: Sequence[Point],
    *,
    title: str,
    description: str,
    x_label: str,
    y_label: str,
    id_prefix: str = "konsolidierung-diagramm",
) -> str:
    """The chart as an inline SVG element (a string of markup, escaped where needed)."""
    figure = Figure(figsize=(6.4, 6.4))
    axes = figure.add_subplot()
    low, high = SCALE_MIN - 0.5, SCALE_MAX + 0.5
    axes.set_xlim(low, high)
    axes.set_ylim(low, high)
    axes.set_aspect("equal")
    axes.set_xticks(range(SCALE_MIN, SCALE_MAX + 1))
    axes.set_yticks(range(SCALE_MIN, SCALE_MAX + 1))
    axes.axvline(MIDDLE, color=GUIDE, linestyle="--", linewidth=1)
    axes.axhline(MIDDLE, color=GUIDE, linestyle="--", linewidth=1)
    axes.set_xlabel(x_label, color=TEXT, fontsize=11)
    axes.set_ylabel(y_label, color=TEXT, fontsize=11)
    axes.tick_params(colors=TEXT, labelsize=10)
    for spine in axes.spines.values():
        spine.set_color(GUIDE)
    if points:
        axes.scatter(
            [p.relevance for p in points],
            [p.feasibility for p in points],
            s=36,
            color=POINT,
            zorder=3,
        )
        for p in points:
            axes.annotate(
                str(p.number),
                (p.relevance, p.feasibility),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=9,
                color=TEXT,
                zorder=4,
            )
    figure.tight_layout()
    buffer = io.StringIO()
    # A fixed salt and no metadata (no date): the same figures give the same SVG.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "konsolidierung"}):
        figure.savefig(
            buffer,
            format="svg",
            metadata={"Creator": None, "Date": None, "Format": None, "Type": None},
        )
    return inline_svg(buffer.getvalue(), id_prefix, title, description)
