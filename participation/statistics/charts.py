"""Bar charts as inline SVG, drawn by matplotlib on the server.

matplotlib writes text as text (`svg.fonttype: none`), so the charts stay searchable,
zoomable and selectable. Its output is then adapted for inline use in a page with a strict
Content-Security-Policy (`style-src 'self'`), which would block `style` attributes and
`<style>` elements: every style declaration becomes the equivalent presentation attribute.
The fixed width and height go (the viewBox stays, so CSS sizes the chart), every id gets the
chart's prefix (several charts share one page), and the root carries role="img", a
`<title>` and a `<desc>` that it is labelled and described by.

A chart depends only on its data and labels; rendered charts are kept per process under a
key of the caller's choosing (strategy, chart, language and a fingerprint of what it shows).
"""

import copy
import io
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Hashable, Sequence

import matplotlib

matplotlib.use("Agg")

from markupsafe import Markup  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from participation.fragments import FragmentCache  # noqa: E402

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# Dark blue bars on white (contrast 9.6:1), black text: every chart has one series, so no
# distinction rests on colour or hatching.
BAR_COLOUR = "#1b4f8a"
TEXT_COLOUR = "#1a1a1a"
GRID_COLOUR = "#8c8c8c"
FONT = "DejaVu Sans"
FONT_SIZE = 11

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",
        # Stable ids for clip paths and markers, so identical data gives identical bytes.
        "svg.hashsalt": "participation",
        "font.family": "sans-serif",
        "font.sans-serif": [FONT, "Liberation Sans", "sans-serif"],
        "font.size": FONT_SIZE,
        "text.color": TEXT_COLOUR,
        "axes.labelcolor": TEXT_COLOUR,
        "axes.edgecolor": TEXT_COLOUR,
        "xtick.color": TEXT_COLOUR,
        "ytick.color": TEXT_COLOUR,
    }
)

WIDTH_INCHES = 7.5
LABEL_WIDTH = 34  # characters per line of a category label

_cache = FragmentCache(size=256)


def cached(key: Hashable, render) -> Markup:
    svg = _cache.get(key)
    if svg is None:
        svg = str(render())
        _cache.put(key, svg)
    return Markup(svg)  # noqa: S704  (made by inline_svg: ElementTree escapes every text)


def literal(label) -> str:
    """A label shown as written: matplotlib would read text between two $ as a formula
    (section titles and department names are written by people)."""
    return str(label).replace("$", r"\$")


def horizontal_bars(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[int],
    axis_label: str,
    value_text,
) -> Markup:
    """One bar per category, categories top to bottom in the given order, each bar with its
    value written beside it (`value_text` formats a number in the reader's language)."""
    wrapped = [textwrap.fill(literal(label), LABEL_WIDTH) for label in labels]
    lines = sum(label.count("\n") + 1 for label in wrapped)
    height = 0.9 + 0.32 * max(lines, len(labels)) + 0.1 * len(labels)
    figure = Figure(figsize=(WIDTH_INCHES, height))
    axes = figure.subplots()
    positions = list(range(len(labels)))
    bars = axes.barh(positions, values, color=BAR_COLOUR, height=0.6)
    axes.set_yticks(positions, wrapped)
    axes.invert_yaxis()
    axes.bar_label(bars, labels=[value_text(v) for v in values], padding=3)
    _value_axis(axes.xaxis, max(values, default=0))
    axes.set_xlabel(axis_label)
    axes.xaxis.grid(True, color=GRID_COLOUR, linewidth=0.5)
    axes.set_axisbelow(True)
    _plain_frame(axes)
    return _finish(figure, chart_id, title, description)


def vertical_bars(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[int],
    axis_label: str,
) -> Markup:
    """One bar per period, left to right; with many periods only every n-th is labelled
    (the table beside the chart has them all)."""
    count = len(labels)
    figure = Figure(figsize=(WIDTH_INCHES, 3.4))
    axes = figure.subplots()
    positions = list(range(count))
    axes.bar(positions, values, color=BAR_COLOUR, width=0.7)
    step = max(1, -(-count // 12))
    shown = positions[::step]
    axes.set_xticks(shown, [literal(labels[i]) for i in shown], rotation=45 if count > 6 else 0)
    if count > 6:
        for tick in axes.get_xticklabels():
            tick.set_horizontalalignment("right")
    _value_axis(axes.yaxis, max(values, default=0))
    axes.set_ylabel(axis_label)
    axes.yaxis.grid(True, color=GRID_COLOUR, linewidth=0.5)
    axes.set_axisbelow(True)
    _plain_frame(axes)
    return _finish(figure, chart_id, title, description)


def _value_axis(axis, largest: int) -> None:
    axis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    if largest == 0:
        # All zero: matplotlib would otherwise centre the axis on 0 with negative ticks.
        axis.set_view_interval(0, 1, ignore=True)


def _plain_frame(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _finish(figure: Figure, chart_id: str, title: str, description: str) -> Markup:
    buffer = io.StringIO()
    figure.savefig(
        buffer,
        format="svg",
        bbox_inches="tight",
        pad_inches=0.1,
        metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
    )
    svg = inline_svg(buffer.getvalue(), chart_id, title, description)
    return Markup(svg)  # noqa: S704  (serialised by ElementTree, which escapes every text)


_URL_REF = re.compile(r"url\(#([^)]+)\)")


def _copy_uses(root: ET.Element, href: str) -> None:
    """matplotlib draws each marker (the ticks) once in <defs> and places it with <use>,
    which pages here may not contain (the HTML checks refuse it: it can pull in content).
    Each <use> becomes a copy of what it points to, moved into place; the originals go."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    parents = {child: parent for parent in root.iter() for child in parent}
    used = set()
    for use in [element for element in root.iter() if element.tag == f"{{{SVG_NS}}}use"]:
        target_id = use.get(href, "").lstrip("#")
        target = by_id.get(target_id)
        parent = parents[use]
        index = list(parent).index(use)
        parent.remove(use)
        if target is None:
            continue
        used.add(target_id)
        placed = copy.deepcopy(target)
        placed.attrib.pop("id", None)
        transforms = [
            use.get("transform", ""),
            f"translate({use.get('x', '0')} {use.get('y', '0')})",
            target.get("transform", ""),
        ]
        for name, value in use.attrib.items():
            if name not in (href, "x", "y", "transform", "id"):
                placed.set(name, value)
        placed.set("transform", " ".join(t for t in transforms if t))
        parent.insert(index, placed)
    for target_id in used:
        target = by_id[target_id]
        parents[target].remove(target)


_PROPERTY = re.compile(r"\s*([a-z-]+)\s*:\s*(.+?)\s*$")


def inline_svg(source: str, prefix: str, title: str, description: str) -> str:
    """matplotlib's SVG document as an element for a page (see the module's docstring)."""
    root = ET.fromstring(source)  # noqa: S314  (matplotlib's own output, not user input)
    tag = f"{{{SVG_NS}}}"
    href = f"{{{XLINK_NS}}}href"
    _copy_uses(root, href)
    # Only ids that something points to are kept (matplotlib names every group).
    referenced = set()
    for element in root.iter():
        for value in element.attrib.values():
            referenced.update(_URL_REF.findall(value))
        if element.get(href, "").startswith("#"):
            referenced.add(element.get(href)[1:])
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{tag}style":
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                match = _PROPERTY.match(declaration)
                if match:
                    element.set(match.group(1), match.group(2))
        if "id" in element.attrib:
            if element.get("id") in referenced:
                element.set("id", f"{prefix}-{element.get('id')}")
            else:
                del element.attrib["id"]
        for name in ("clip-path", "mask", "filter", "fill", "stroke"):
            value = element.get(name)
            if value and "url(#" in value:
                element.set(name, _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", value))
        if element.get(href, "").startswith("#"):
            element.set(href, f"#{prefix}-{element.get(href)[1:]}")
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{tag}defs" and len(child) == 0:
                parent.remove(child)
    # What the removed <style> said for every element, as inherited attributes.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.attrib.pop("version", None)
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-title")
    root.set("aria-describedby", f"{prefix}-desc")
    root.set("focusable", "false")
    root.set("class", "chart__svg")
    title_element = ET.Element(f"{tag}title", {"id": f"{prefix}-title"})
    title_element.text = title
    desc_element = ET.Element(f"{tag}desc", {"id": f"{prefix}-desc"})
    desc_element.text = description
    root.insert(0, desc_element)
    root.insert(0, title_element)
    # Plain names instead of ElementTree's namespace registry, which is global (WeasyPrint
    # registers its own default namespace, and ours would come out as "ns0:svg").
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(tag):
            element.tag = element.tag[len(tag) :]
        for name in [name for name in element.attrib if name.startswith("{")]:
            value = element.attrib.pop(name)
            if name == href:
                element.set("xlink:href", value)
    root.set("xmlns", SVG_NS)
    return ET.tostring(root, encoding="unicode")
