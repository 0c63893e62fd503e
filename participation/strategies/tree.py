"""The section tree of one version, built in Python from a single flat list of rows."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from participation.strategies.models import Section


@dataclass
class Node:
    section: Section
    depth: int
    children: list["Node"] = field(default_factory=list)
    number: str = ""  # "2.3": the position readers see in the table of contents


def build_tree(sections: Iterable[Section]) -> list[Node]:
    """Roots in order, each with its children in order; numbered like a document outline."""
    by_parent: dict[int | None, list[Section]] = {}
    for section in sections:
        by_parent.setdefault(section.parent_id, []).append(section)
    for siblings in by_parent.values():
        siblings.sort(key=lambda s: (s.position, s.id or 0))

    def grow(parent_id: int | None, depth: int, prefix: str) -> list[Node]:
        nodes = []
        for index, section in enumerate(by_parent.get(parent_id, []), start=1):
            number = f"{prefix}{index}"
            node = Node(section=section, depth=depth, number=number)
            node.children = grow(section.id, depth + 1, f"{number}.")
            nodes.append(node)
        return nodes

    return grow(None, 0, "")


def walk(nodes: list[Node]) -> Iterator[Node]:
    """Depth-first, in reading order."""
    for node in nodes:
        yield node
        yield from walk(node.children)
