"""Compare two versions of a strategy, section by section (matched by their stable `key`).

Each section is added, removed, changed (title, kind or body), moved (other parent, or its
order among its siblings changed) or unchanged; a section can be changed and moved at once.
Changed bodies are compared paragraph by paragraph (the paragraphs `markup.render_document`
finds), and inside a reworded paragraph word by word.

The HTML is built from plain text with markupsafe only: every piece of text is escaped,
so nothing an editor typed can become markup here. Marks are `<ins>`/`<del>` elements that
carry a visually hidden label, so they do not rely on colour.
"""

import enum
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from flask_babel import gettext
from markupsafe import Markup, escape

from participation.markup import render_document
from participation.strategies.models import Section, Version
from participation.strategies.queries import section_rows
from participation.strategies.tree import Node, build_tree, walk

# Below this similarity two paragraphs are shown as one removed and one inserted, since
# word marks across unrelated text are harder to read than two whole paragraphs.
WORD_DIFF_MIN_RATIO = 0.35


class Status(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    MOVED = "moved"
    UNCHANGED = "unchanged"


@dataclass
class SectionChange:
    key: str
    old: Node | None
    new: Node | None
    title_changed: bool = False
    kind_changed: bool = False
    body_changed: bool = False
    moved: bool = False
    title_html: Markup = field(default_factory=Markup)
    body_html: Markup = field(default_factory=Markup)

    @property
    def node(self) -> Node:
        return self.new or self.old  # type: ignore[return-value]

    @property
    def section(self) -> Section:
        return self.node.section

    @property
    def changed(self) -> bool:
        return self.title_changed or self.kind_changed or self.body_changed

    @property
    def statuses(self) -> list[Status]:
        """Every status that applies, for the badges: changed and moved can go together."""
        if self.old is None:
            return [Status.ADDED]
        if self.new is None:
            return [Status.REMOVED]
        found = []
        if self.changed:
            found.append(Status.CHANGED)
        if self.moved:
            found.append(Status.MOVED)
        return found or [Status.UNCHANGED]

    @property
    def status(self) -> Status:
        return self.statuses[0]


@dataclass
class VersionDiff:
    old: Version
    new: Version
    changes: list[SectionChange]  # everything but the unchanged, in reading order
    unchanged: list[SectionChange]

    @property
    def counts(self) -> dict[Status, int]:
        counts = dict.fromkeys(Status, 0)
        for change in self.changes:
            for status in change.statuses:
                counts[status] += 1
        counts[Status.UNCHANGED] = len(self.unchanged)
        return counts

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)


# -- marks -------------------------------------------------------------------------------


def _label(text: str) -> Markup:
    return Markup('<span class="visually-hidden">{} </span>').format(text)


def ins(text: str) -> Markup:
    return Markup("<ins>{}{}</ins>").format(_label(gettext("inserted:")), text)


def delete(text: str) -> Markup:
    return Markup("<del>{}{}</del>").format(_label(gettext("removed:")), text)


def word_diff(old: str, new: str) -> Markup:
    """`new` with the words taken out of `old` and put in marked."""
    a, b = old.split(), new.split()
    parts: list[Markup] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(Markup.escape(" ".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            parts.append(delete(" ".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            parts.append(ins(" ".join(b[j1:j2])))
    return Markup(" ").join(parts)


def _paragraph(content: Markup | str, css: str = "") -> Markup:
    if css:
        return Markup('<p class="{}">{}</p>').format(css, content)
    return Markup("<p>{}</p>").format(content)


def paragraphs_of(body_md: str) -> list[str]:
    return [paragraph.text for paragraph in render_document(body_md).paragraphs]


def paragraph_diff(old: list[str], new: list[str]) -> Markup:
    """Paragraphs aligned by their text; reworded paragraphs marked word by word."""
    out: list[Markup] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(_paragraph(text, "diff-unchanged") for text in new[j1:j2])
            continue
        olds, news = old[i1:i2], new[j1:j2]
        for index in range(max(len(olds), len(news))):
            before = olds[index] if index < len(olds) else None
            after = news[index] if index < len(news) else None
            if before is not None and after is not None:
                ratio = SequenceMatcher(None, before.split(), after.split()).ratio()
                if ratio >= WORD_DIFF_MIN_RATIO:
                    out.append(_paragraph(word_diff(before, after)))
                    continue
            if before is not None:
                out.append(_paragraph(delete(before)))
            if after is not None:
                out.append(_paragraph(ins(after)))
    return Markup("\n").join(out)


# -- sections ----------------------------------------------------------------------------


def _index(nodes: list[Node]) -> tuple[list[Node], dict[str, Node], dict[str, str | None]]:
    """Reading order, node by key and parent key by key."""
    order = list(walk(nodes))
    by_key = {node.section.key: node for node in order}
    parent_key: dict[str, str | None] = {}
    for node in order:
        for child in node.children:
            parent_key[child.section.key] = node.section.key
        parent_key.setdefault(node.section.key, None)
    return order, by_key, parent_key


def _moved_keys(old_nodes: list[Node], new_nodes: list[Node]) -> set[str]:
    """Keys whose parent changed, or whose order among the siblings that stayed with the
    same parent changed. Inserting or removing a sibling moves nothing."""
    _, old_by_key, old_parent = _index(old_nodes)
    new_order, new_by_key, new_parent = _index(new_nodes)
    common = old_by_key.keys() & new_by_key.keys()
    moved = {key for key in common if old_parent[key] != new_parent[key]}
    stayed = common - moved

    def children(nodes: list[Node], parent: str | None, by_key: dict[str, Node]) -> list[str]:
        level = nodes if parent is None else by_key[parent].children
        return [node.section.key for node in level if node.section.key in stayed]

    parents = {None} | {new_parent[key] for key in stayed}
    for parent in parents:
        if parent is not None and parent not in old_by_key:
            continue
        before = children(old_nodes, parent, old_by_key)
        after = children(new_nodes, parent, new_by_key)
        matcher = SequenceMatcher(None, before, after, autojunk=False)
        kept = {key for a, _, size in matcher.get_matching_blocks() for key in before[a : a + size]}
        moved |= set(after) - kept
    return moved


def _compare(key: str, old: Node | None, new: Node | None, moved: bool) -> SectionChange:
    change = SectionChange(key=key, old=old, new=new, moved=moved)
    if old is None and new is not None:
        change.title_html = ins(new.section.title)
        change.body_html = Markup("\n").join(
            _paragraph(ins(text)) for text in paragraphs_of(new.section.body_md)
        )
        return change
    if new is None and old is not None:
        change.title_html = delete(old.section.title)
        change.body_html = Markup("\n").join(
            _paragraph(delete(text)) for text in paragraphs_of(old.section.body_md)
        )
        return change
    a, b = old.section, new.section  # type: ignore[union-attr]  (both exist here)
    change.title_changed = a.title != b.title
    change.kind_changed = a.kind != b.kind
    change.title_html = word_diff(a.title, b.title) if change.title_changed else escape(b.title)
    before, after = paragraphs_of(a.body_md), paragraphs_of(b.body_md)
    change.body_changed = before != after
    if change.body_changed:
        change.body_html = paragraph_diff(before, after)
    return change


def compare_trees(old: Version, new: Version, old_nodes: list[Node], new_nodes: list[Node]):
    old_order, old_by_key, _ = _index(old_nodes)
    new_order, new_by_key, _ = _index(new_nodes)
    moved = _moved_keys(old_nodes, new_nodes)

    # New reading order; a removed section appears after what preceded it in the old one.
    keys = [node.section.key for node in new_order]
    for index, node in enumerate(old_order):
        key = node.section.key
        if key in new_by_key:
            continue
        position = 0
        for earlier in reversed(old_order[:index]):
            if earlier.section.key in keys:
                position = keys.index(earlier.section.key) + 1
                break
        keys.insert(position, key)

    changes, unchanged = [], []
    for key in keys:
        change = _compare(key, old_by_key.get(key), new_by_key.get(key), key in moved)
        (unchanged if change.statuses == [Status.UNCHANGED] else changes).append(change)
    return VersionDiff(old=old, new=new, changes=changes, unchanged=unchanged)


def compare(old: Version, new: Version) -> VersionDiff:
    """Two queries: the sections of each version."""
    return compare_trees(old, new, build_tree(section_rows(old)), build_tree(section_rows(new)))
