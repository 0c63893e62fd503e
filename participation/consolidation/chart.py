"""The relevance × feasibility chart of the office's table, as SVG made on the server.

matplotlib draws it (Agg, text kept as text: `svg.fonttype: none`, so that it is read,
searched and zoomed like the page); the SVG is put into the page inline with role="img", a
title and a description, and the table beside it is its text alternative. Each idea is a
point labelled with its number; dashed lines at the middle of the scale split the chart into
quadrants (the top right holds the relevant and feasible ideas).

participation/statistics/ had no reusable chart helper when this was written, so the chart
lives here. The page's Content-Security-Policy allows no inline styles, so the style
attributes matplotlib writes become SVG presentation attributes, which CSP does not touch,
and the text takes the page's font.
"""

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)

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


_STYLE = re.compile(r'\sstyle="([^"]*)"')
_ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
_MARKER = re.compile(r"<path\s+id=\"([^\"]+)\"([^>]*?)/>", re.DOTALL)
_USE = re.compile(r"<use\s+([^>]*?)/>", re.DOTALL)
_XML_PROLOGUE = re.compile(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL)
_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")


def _attributes(match: re.Match) -> str:
    parts = []
    for declaration in match.group(1).split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if not name:
            continue
        if name == "font-family":
            value = "inherit"
        parts.append(f" {name}={quoteattr(value)}")
    return "".join(parts)


def _without_use(svg: str) -> str:
    """matplotlib draws each marker (points, ticks) once in <defs> and places it with
    <use>; the page's HTML checks refuse <use> (it can pull in content), so every <use>
    becomes a copy of its path, moved into place."""
    markers = {}
    for match in _MARKER.finditer(svg):
        markers[match.group(1)] = dict(_ATTRIBUTE.findall(match.group(2)))
    svg = _MARKER.sub("", svg)

    def copy(match: re.Match) -> str:
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        marker = markers[attributes.pop("xlink:href", "").lstrip("#")]
        x, y = attributes.pop("x", "0"), attributes.pop("y", "0")
        merged = {**marker, **attributes, "transform": f"translate({x} {y})"}
        return (
            "<path"
            + "".join(f" {name}={quoteattr(value)}" for name, value in merged.items())
            + "/>"
        )

    return _USE.sub(copy, svg)


def _inline(svg: str, title: str, description: str, id_prefix: str) -> str:
    svg = _XML_PROLOGUE.sub("", svg)
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _STYLE.sub(_attributes, svg)
    svg = _without_use(svg)
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"

    def opening(match: re.Match) -> str:
        view_box = re.search(r'viewBox="([^"]*)"', match.group(1)).group(1)
        # Inline in HTML the SVG needs no namespaces; the drawing defaults go on a group.
        return (
            f'<svg viewBox="{view_box}" class="consolidation-chart__svg" role="img" '
            f'aria-labelledby="{title_id} {desc_id}">'
            f'<title id="{title_id}">{escape(title)}</title>'
            f'<desc id="{desc_id}">{escape(description)}</desc>'
            '<g stroke-linejoin="round" stroke-linecap="butt">'
        )

    svg = _SVG_OPEN.sub(opening, svg, count=1).strip()
    return svg.removesuffix("</svg>").rstrip() + "</g></svg>"


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
    # Text as text; a fixed salt and no metadata (no date), so the same figures give the
    # same SVG.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "konsolidierung"}):
        buffer = io.StringIO()
        figure.savefig(
            buffer,
            format="svg",
            metadata={"Creator": None, "Date": None, "Format": None, "Type": None},
        )
    return _inline(buffer.getvalue(), title, description, id_prefix)
