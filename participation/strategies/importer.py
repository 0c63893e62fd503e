"""Markdown documents to a section tree, for importing a whole strategy text at once.

The document's structure:

- `# Title` starts a top-level section, `## Title` a child of the `#` section before it.
  A `##` before any `#` becomes a top-level section (documents that only use `##` work too).
- The text between two such headings is the body of the section above it; deeper headings
  (`###` and below) stay in the body as they are.
- Text before the first heading becomes a section titled "Introduction" ("Einleitung").
- An empty document, or one without any `#`/`##` heading, is refused with a clear message.
- The kind of each section is guessed from words in its heading (see `guess_kind`); editors
  can change it afterwards.

Headings are found with the same Markdown parser that renders the text, so a `# line` inside
a code block or a quote is not taken for a heading.
"""

from dataclasses import dataclass, field

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from slugify import slugify

from participation.strategies.models import SectionKind

TITLE_MAX_LENGTH = 200
KEY_MAX_LENGTH = 80
GERMAN_REPLACEMENTS = [
    ("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss"),
]  # fmt: skip

# Checked in this order; the first keyword found in the lower-cased heading decides.
KIND_KEYWORDS: list[tuple[str, SectionKind]] = [
    ("vision", SectionKind.VISION),
    ("leitbild", SectionKind.VISION),
    ("handlungsfeld", SectionKind.FIELD_OF_ACTION),
    ("field of action", SectionKind.FIELD_OF_ACTION),
    ("projekt", SectionKind.PROJECT),
    ("maßnahme", SectionKind.PROJECT),
    ("massnahme", SectionKind.PROJECT),
    ("project", SectionKind.PROJECT),
]


def make_slug(text: str, max_length: int = KEY_MAX_LENGTH) -> str:
    """URL-safe lower-case slug with German transliteration (ä→ae, ß→ss)."""
    return slugify(
        text or "", replacements=GERMAN_REPLACEMENTS, max_length=max_length, word_boundary=True
    )


class DocumentError(ValueError):
    """The document cannot be imported; `message` says why, for the editor."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class ImportedSection:
    title: str
    kind: SectionKind
    body_md: str = ""
    children: list["ImportedSection"] = field(default_factory=list)
    line: int = 0  # 1-based line of the heading in the document (0: introduction)

    @property
    def slug(self) -> str:
        return make_slug(self.title)


def guess_kind(title: str) -> SectionKind:
    lowered = title.casefold()
    for keyword, kind in KIND_KEYWORDS:
        if keyword in lowered:
            return kind
    return SectionKind.TEXT


def _heading_text(inline_token) -> str:
    """Plain text of a heading: emphasis and code marks dropped."""
    parts = []
    for child in inline_token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _body(lines: list[str], start: int, end: int) -> str:
    return "\n".join(line.rstrip() for line in lines[start:end]).strip("\n")


def parse_markdown(text: str) -> list[ImportedSection]:
    """The section tree of a Markdown document (see the module docstring for the rules)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise DocumentError(_l("The document is empty."))
    lines = text.split("\n")
    tokens = MarkdownIt("commonmark").parse(text)
    headings = []  # (level, title, first line, line after the heading)
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and token.tag in ("h1", "h2"):
            start, end = token.map
            title = _heading_text(tokens[index + 1])
            if not title:
                raise DocumentError(
                    _l("The heading on line %(line)d has no title.", line=start + 1)
                )
            if len(title) > TITLE_MAX_LENGTH:
                raise DocumentError(
                    _l(
                        "The heading on line %(line)d is longer than %(max)d characters.",
                        line=start + 1,
                        max=TITLE_MAX_LENGTH,
                    )
                )
            headings.append((int(token.tag[1]), title, start, end))
    if not headings:
        raise DocumentError(
            _l(
                "The document has no headings. Start each section with a line such as "
                "“# Title” (and each subsection with “## Title”)."
            )
        )

    roots: list[ImportedSection] = []
    intro = _body(lines, 0, headings[0][2])
    if intro.strip():
        roots.append(ImportedSection(title=gettext("Introduction"), kind=SectionKind.TEXT,
                                     body_md=intro))  # fmt: skip
    current_root: ImportedSection | None = None
    for position, (level, title, start, end) in enumerate(headings):
        next_start = headings[position + 1][2] if position + 1 < len(headings) else len(lines)
        section = ImportedSection(
            title=title, kind=guess_kind(title), body_md=_body(lines, end, next_start),
            line=start + 1,
        )  # fmt: skip
        if level == 2 and current_root is not None:
            current_root.children.append(section)
        else:
            roots.append(section)
            if level == 1:
                current_root = section
    return roots


def walk_imported(sections: list[ImportedSection], path: tuple[str, ...] = ()):
    """(section, title-slug path) pairs, depth-first in document order."""
    for section in sections:
        own = (*path, section.slug)
        yield section, own
        yield from walk_imported(section.children, own)
