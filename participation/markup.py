"""Markdown to sanitised HTML: the one place that renders user or editor text.

Text is rendered once, when it is saved; templates output the stored HTML. Two profiles:
`document` for the strategy text written by editors (headings, tables, paragraph anchors)
and `contribution` for what citizens write (paragraphs, emphasis, lists, links, quotes).
Raw HTML in the source is never passed through: markdown-it escapes it, and bleach then
removes anything outside the allow-list as a second line of defence.
"""

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import bleach
from bleach.linkifier import Linker
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

ANCHORED_BLOCKS = ("paragraph", "bullet_list", "ordered_list", "blockquote", "heading", "table")
LINK_REL = "nofollow ugc noopener"
SAFE_PROTOCOLS = ("http", "https", "mailto")

_CONTRIBUTION_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "a", "blockquote", "code"}
_DOCUMENT_TAGS = _CONTRIBUTION_TAGS | {
    "h2", "h3", "h4", "h5", "h6", "pre", "hr", "del", "s",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ANCHORED_TAGS = ("p", "ul", "ol", "blockquote", "h2", "h3", "h4", "h5", "h6", "table")


@dataclass(frozen=True)
class Paragraph:
    anchor: str
    text: str


@dataclass(frozen=True)
class Block:
    """One top-level block of a document, rendered and sanitised on its own, so that pages
    can place a comment control beside each paragraph without parsing stored HTML."""

    anchor: str | None
    html: str


@dataclass(frozen=True)
class Rendered:
    html: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


def paragraph_anchor(text: str) -> str:
    """Derived from the paragraph's own text, so an unchanged paragraph keeps its anchor
    in every later version wherever it moves."""
    normalised = " ".join(text.split()).casefold()
    return "p-" + hashlib.sha256(normalised.encode()).hexdigest()[:10]


@lru_cache(maxsize=2)
def _parser(profile: str) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # Images would load from anywhere: third-party requests are not allowed on our pages.
    md.disable(["image"])
    if profile == "document":
        md.enable(["table", "strikethrough"])
    else:
        md.disable(["heading", "lheading", "code", "fence", "hr", "html_block", "html_inline"])
    return md


def _block_text(tokens, start: int) -> tuple[str, int]:
    """Plain text of the block opening at `start`, and the index of its closing token."""
    depth, parts, i = 0, [], start
    while True:
        token = tokens[i]
        depth += token.nesting
        if token.type == "inline":
            parts.append("".join(child.content for child in token.children or []) or token.content)
        if depth == 0:
            return " ".join(parts), i
        i += 1


def _anchor_blocks(tokens) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    seen: dict[str, int] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if (
            token.level == 0
            and token.nesting == 1
            and token.type.removesuffix("_open") in ANCHORED_BLOCKS
        ):
            text, end = _block_text(tokens, i)
            anchor = paragraph_anchor(text)
            seen[anchor] = seen.get(anchor, 0) + 1
            if seen[anchor] > 1:
                anchor = f"{anchor}-{seen[anchor]}"
            token.attrSet("id", anchor)
            paragraphs.append(Paragraph(anchor=anchor, text=" ".join(text.split())))
            i = end + 1
            continue
        i += 1
    return paragraphs


def _normalise_headings(tokens) -> None:
    """The page's h1 is the section title, so the body's highest heading becomes h2 and the
    others keep their distance to it: no skipped levels, whatever the author started with."""
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    if not levels:
        return
    shift = 2 - min(levels)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(max(int(token.tag[1]) + shift, 2), 6)}"


def _link_attributes(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if not href:
        return None
    attrs[(None, "rel")] = LINK_REL
    return attrs


def _clean(html: str, tags: set[str], anchored: bool) -> str:
    attributes = {"a": ["href", "title", "rel"], "th": ["align"], "td": ["align"]}
    if anchored:
        for tag in _ANCHORED_TAGS:
            attributes.setdefault(tag, []).append("id")
    cleaned = bleach.clean(
        html, tags=tags, attributes=attributes, protocols=SAFE_PROTOCOLS, strip=True
    )
    linker = Linker(callbacks=[_link_attributes], skip_tags={"pre", "code"}, parse_email=False)
    return linker.linkify(cleaned).strip()


def _top_level_ranges(tokens):
    """(start, end) index pairs of each top-level block's tokens."""
    start, depth = None, 0
    for i, token in enumerate(tokens):
        if start is None:
            start = i
        depth += token.nesting
        if depth == 0:
            yield start, i
            start = None


def render_document(source: str) -> Rendered:
    """Editor text of a strategy section. Headings start at h2 (the section title is h1)."""
    md = _parser("document")
    tokens = md.parse(source or "")
    paragraphs = _anchor_blocks(tokens)
    _normalise_headings(tokens)
    blocks = []
    for start, end in _top_level_ranges(tokens):
        html = _clean(
            md.renderer.render(tokens[start : end + 1], md.options, {}),
            _DOCUMENT_TAGS,
            anchored=True,
        )
        if html:
            blocks.append(Block(anchor=tokens[start].attrGet("id"), html=html))
    return Rendered(
        html="\n".join(block.html for block in blocks), paragraphs=paragraphs, blocks=blocks
    )


def render_contribution(source: str) -> Rendered:
    """What a citizen writes: the small Markdown subset, links marked as user content."""
    md = _parser("contribution")
    html = md.render(source or "")
    return Rendered(html=_clean(html, _CONTRIBUTION_TAGS, anchored=False))


def plain_text(html: str) -> str:
    """Text of stored HTML for summaries and search; never rendered as markup."""
    return " ".join(bleach.clean(html, tags=set(), strip=True).split())


_TABLE = re.compile(r"<table\b.*?</table>", re.S)


def scrollable_tables(html: str, label: str) -> Markup:
    """Stored HTML with each table in a region that scrolls sideways on narrow screens
    (WCAG 1.4.10 reflow) and can be scrolled by keyboard, being focusable (2.1.1). Done when
    shown rather than when saved, so that text stored before gets it too."""
    if "<table" not in html:
        return Markup(html)  # noqa: S704  (sanitised by _clean when it was saved)
    opening = f'<div class="table-scroll" role="region" tabindex="0" aria-label="{escape(label)}">'
    wrapped = _TABLE.sub(lambda match: f"{opening}{match.group(0)}</div>", html)
    return Markup(wrapped)  # noqa: S704  (sanitised when saved; the label is escaped)
