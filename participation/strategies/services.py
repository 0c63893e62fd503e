"""Editorial operations on strategies, their draft and its section tree.

Every function validates, changes state, records an event and flushes; none commits (the
view or CLI command does). Published versions are immutable: anything that would change a
section or version that is no longer the draft raises `StrategyError`.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from participation.database import utcnow
from participation.events.services import record
from participation.extensions import db
from participation.notifications import services as notifications
from participation.strategies.importer import DocumentError, make_slug, parse_markdown
from participation.strategies.models import (
    ModerationMode,
    Section,
    SectionKind,
    Strategy,
    Version,
)
from participation.strategies.tree import build_tree, walk

STRATEGY_FIELDS = (
    "title", "slug", "summary", "opens_at", "closes_at", "moderation_mode", "review_hours",
    "adopted_on",
)  # fmt: skip
DIRECTIONS = ("up", "down", "in", "out")
FALLBACK_KEY = "abschnitt"


class StrategyError(Exception):
    """A domain rule refused the change; `message` is user-facing (translated, lazy).

    `field` names the form field the message belongs to, if any. `current` is the row as it
    is now when someone else changed it meanwhile (so the form can show it)."""

    def __init__(self, message, *, field: str | None = None, current: Any = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.current = current


# --- helpers -------------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _snapshot(obj, names) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in names}


def _section_snapshot(section: Section) -> dict[str, Any]:
    return {
        "key": section.key,
        "title": section.title,
        "kind": section.kind.value,
        "parent_id": section.parent_id,
        "position": section.position,
        "body_md": section.body_md,
    }


def _flush_or_fail(message, field: str | None = None) -> None:
    """Flush in a savepoint; a unique constraint lost to a concurrent editor becomes a
    StrategyError instead of breaking the whole transaction."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise StrategyError(message, field=field) from error


def _parent_is(parent_id: int | None):
    return Section.parent_id.is_(None) if parent_id is None else Section.parent_id == parent_id


def _siblings(version_id: int, parent_id: int | None) -> list[Section]:
    return list(
        db.session.scalars(
            select(Section)
            .where(Section.version_id == version_id, _parent_is(parent_id))
            .order_by(Section.position, Section.id)
        )
    )


def _renumber(siblings: list[Section]) -> None:
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            sibling.position = position


def _require_draft(version: Version) -> Version:
    """The version, locked, if it is still the draft; published versions cannot change."""
    locked = db.session.scalars(
        select(Version).where(Version.id == version.id, Version.number.is_(None)).with_for_update()
    ).first()
    if locked is None:
        raise StrategyError(
            _l("Published versions cannot be changed. Start a new draft to make changes.")
        )
    return locked


# Path segments that public and editorial URLs use beside a section key or strategy slug.
RESERVED_SECTION_KEYS = frozenset(
    {
        "versionen",
        "vergleich",
        "ideen",
        "folgen",
        "nicht-mehr-folgen",
        "workshops",
        "roadmap",
        "statistik",
        "bericht",
    }
)
RESERVED_STRATEGY_SLUGS = frozenset({"neu"})


def _unique_key(version_id: int, title: str, taken: set[str] | None = None) -> str:
    if taken is None:
        taken = set(db.session.scalars(select(Section.key).where(Section.version_id == version_id)))
    taken = taken | RESERVED_SECTION_KEYS
    base = make_slug(title, max_length=70) or FALLBACK_KEY
    key, n = base, 2
    while key in taken:
        key = f"{base}-{n}"
        n += 1
    return key


def _check_kind(kind) -> SectionKind:
    try:
        return SectionKind(kind)
    except ValueError as error:
        raise StrategyError(_l("Choose a kind of section."), field="kind") from error


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise StrategyError(_l("Enter a title."), field="title")
    if len(title) > 200:
        raise StrategyError(_l("The title must not exceed 200 characters."), field="title")
    return title


# --- strategies ----------------------------------------------------------------------------


def _validate_strategy(values: dict[str, Any], strategy: Strategy | None) -> None:
    title = (values.get("title") or "").strip()
    if not title:
        raise StrategyError(_l("Enter a title."), field="title")
    slug = values.get("slug") or ""
    if not slug or slug != make_slug(slug) or len(slug) > 80:
        raise StrategyError(
            _l("Use only lower-case letters, digits and hyphens for the web address."),
            field="slug",
        )
    if slug in RESERVED_STRATEGY_SLUGS:
        raise StrategyError(
            _l("The web address “%(slug)s” is reserved; please choose another.", slug=slug),
            field="slug",
        )
    taken = db.session.scalars(select(Strategy.id).where(Strategy.slug == slug)).first()
    if taken is not None and (strategy is None or taken != strategy.id):
        raise StrategyError(
            _l("Another strategy already uses the web address “%(slug)s”.", slug=slug),
            field="slug",
        )
    opens_at, closes_at = values.get("opens_at"), values.get("closes_at")
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise StrategyError(_l("Enter a date and time."), field=name)
    if closes_at <= opens_at:
        raise StrategyError(_l("The participation must close after it opens."), field="closes_at")


def create_strategy(
    *, actor, title, slug, summary, opens_at, closes_at, moderation_mode, review_hours
) -> Strategy:
    """A new strategy with its empty draft."""
    values = {
        "title": (title or "").strip(),
        "slug": (slug or "").strip() or make_slug(title or ""),
        "summary": (summary or "").strip(),
        "opens_at": opens_at,
        "closes_at": closes_at,
        "moderation_mode": ModerationMode(moderation_mode),
        "review_hours": (review_hours or "").strip(),
    }
    _validate_strategy(values, None)
    strategy = Strategy(**values, created_by_id=getattr(actor, "id", None))
    strategy.versions.append(Version(number=None))
    db.session.add(strategy)
    _flush_or_fail(
        _l("Another strategy already uses the web address “%(slug)s”.", slug=values["slug"]),
        field="slug",
    )
    record("strategy.created", strategy, actor, after=_snapshot(strategy, STRATEGY_FIELDS))
    db.session.flush()
    return strategy


def update_strategy(strategy: Strategy, *, actor, expected_revision: int, **fields) -> Strategy:
    """Change the settings; refuses if someone saved them since `expected_revision`."""
    unknown = set(fields) - set(STRATEGY_FIELDS)
    if unknown:
        raise TypeError(f"unknown strategy fields: {sorted(unknown)}")
    if strategy.revision != expected_revision:
        raise StrategyError(
            _l(
                "Someone else changed these settings meanwhile. The form shows your input; "
                "the current values are listed below. Save again to overwrite them."
            ),
            current=strategy,
        )
    if "moderation_mode" in fields:
        fields["moderation_mode"] = ModerationMode(fields["moderation_mode"])
    for name in ("title", "summary", "review_hours", "slug"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if "slug" in fields and not fields["slug"]:
        fields["slug"] = make_slug(fields.get("title", strategy.title))
    values = _snapshot(strategy, STRATEGY_FIELDS) | fields
    values["opens_at"] = fields.get("opens_at", strategy.opens_at)
    values["closes_at"] = fields.get("closes_at", strategy.closes_at)
    _validate_strategy(values, strategy)

    changed = [
        name
        for name in STRATEGY_FIELDS
        if name in fields and getattr(strategy, name) != fields[name]
    ]
    before = _snapshot(strategy, changed)
    for name in changed:
        setattr(strategy, name, fields[name])
    if not changed:
        return strategy
    try:
        _flush_or_fail(
            _l("Another strategy already uses the web address “%(slug)s”.", slug=values["slug"]),
            field="slug",
        )
    except StaleDataError as error:
        raise StrategyError(
            _l("Someone else changed these settings meanwhile. Please reload the page."),
        ) from error
    record("strategy.updated", strategy, actor, before=before, after=_snapshot(strategy, changed))
    db.session.flush()
    return strategy


def _lock_strategy(strategy: Strategy) -> Strategy:
    """Serialise draft creation and publishing per strategy (a no-op lock on SQLite, where
    writers are serialised by the database anyway)."""
    return db.session.scalars(
        select(Strategy)
        .where(Strategy.id == strategy.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


# --- versions ------------------------------------------------------------------------------


def get_draft(strategy: Strategy) -> Version | None:
    return db.session.scalars(
        select(Version).where(Version.strategy_id == strategy.id, Version.number.is_(None))
    ).first()


def get_latest_version(strategy: Strategy) -> Version | None:
    """The latest published version, or None."""
    return db.session.scalars(
        select(Version)
        .where(Version.strategy_id == strategy.id, Version.number.is_not(None))
        .order_by(Version.number.desc())
        .limit(1)
    ).first()


def sections_of(version: Version) -> list[Section]:
    return list(
        db.session.scalars(
            select(Section)
            .where(Section.version_id == version.id)
            .order_by(Section.position, Section.id)
        )
    )


def ensure_draft(strategy: Strategy, *, actor) -> Version:
    """The draft; if there is none, a new one that copies the latest published version."""
    draft = get_draft(strategy)
    if draft is not None:
        return draft
    _lock_strategy(strategy)
    draft = get_draft(strategy)
    if draft is not None:
        return draft
    latest = get_latest_version(strategy)
    draft = Version(strategy_id=strategy.id, number=None)
    db.session.add(draft)
    copies: dict[int, Section] = {}
    if latest is not None:
        for node in walk(build_tree(sections_of(latest))):
            old = node.section
            copy = Section(
                version=draft,
                parent=copies[old.parent_id] if old.parent_id else None,
                key=old.key,
                position=old.position,
                kind=old.kind,
                title=old.title,
                body_md=old.body_md,
                body_html=old.body_html,
                blocks=old.blocks,
            )
            copies[old.id] = copy
            db.session.add(copy)
    _flush_or_fail(_l("Someone else started a new draft meanwhile. Please reload the page."))
    record(
        "version.draft_started",
        draft,
        actor,
        after={"copied_from": latest.number if latest else None, "sections": len(copies)},
    )
    db.session.flush()
    return draft


# --- sections ------------------------------------------------------------------------------


def add_section(draft: Version, *, actor, title, kind, body_md, parent=None) -> Section:
    """A new section, last among its siblings; its key is a unique slug of the title."""
    _require_draft(draft)
    title = _check_title(title)
    kind = _check_kind(kind)
    if parent is not None and parent.version_id != draft.id:
        raise StrategyError(_l("The parent section belongs to another version."))
    parent_id = parent.id if parent is not None else None
    last = db.session.scalar(
        select(func.max(Section.position)).where(
            Section.version_id == draft.id, _parent_is(parent_id)
        )
    )
    section = Section(
        version_id=draft.id,
        parent_id=parent_id,
        key=_unique_key(draft.id, title),
        position=0 if last is None else last + 1,
        kind=kind,
        title=title,
    )
    section.set_body(body_md)
    db.session.add(section)
    _flush_or_fail(_l("Someone else added a section with the same title meanwhile. Try again."))
    db.session.expire(draft, ["sections"])
    if parent is not None:
        db.session.expire(parent, ["children"])
    record("section.added", section, actor, after=_section_snapshot(section))
    db.session.flush()
    return section


def update_section(
    section: Section, *, actor, expected_revision: int, title, kind, body_md
) -> Section:
    """New title, kind and text; refuses if someone saved the section since
    `expected_revision` (the error carries the current section)."""
    _require_draft(section.version)
    title = _check_title(title)
    kind = _check_kind(kind)
    stale = StrategyError(
        _l(
            "Someone else changed this section meanwhile. Your text is kept in the form; "
            "the current text is shown below. Save again to replace it with yours."
        ),
        current=section,
    )
    if section.revision != expected_revision:
        raise stale
    before = _section_snapshot(section)
    section.title = title
    section.kind = kind
    section.set_body(body_md)
    if _section_snapshot(section) != before:
        try:
            db.session.flush()
        except StaleDataError as error:
            raise stale from error
        record("section.updated", section, actor, before=before, after=_section_snapshot(section))
        db.session.flush()
    return section


def move_section(section: Section, *, actor, direction: str) -> Section:
    """up/down among siblings; "in": last child of the previous sibling; "out": next sibling
    of its parent."""
    if direction not in DIRECTIONS:
        raise StrategyError(_l("Unknown direction."))
    _require_draft(section.version)
    before = _section_snapshot(section)
    siblings = _siblings(section.version_id, section.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.id == section.id)
    old_parent = section.parent

    if direction == "up":
        if index == 0:
            raise StrategyError(_l("This section is already the first one at its level."))
        siblings[index - 1], siblings[index] = siblings[index], siblings[index - 1]
        _renumber(siblings)
    elif direction == "down":
        if index == len(siblings) - 1:
            raise StrategyError(_l("This section is already the last one at its level."))
        siblings[index + 1], siblings[index] = siblings[index], siblings[index + 1]
        _renumber(siblings)
    elif direction == "in":
        if index == 0:
            raise StrategyError(
                _l("The first section at a level cannot be indented: it has no section above.")
            )
        new_parent = siblings[index - 1]
        children = _siblings(section.version_id, new_parent.id)
        section.parent = new_parent
        section.position = len(children)
        _renumber(children + [section])
        _renumber(siblings[:index] + siblings[index + 1 :])
    else:  # out
        if old_parent is None:
            raise StrategyError(_l("This section is already at the top level."))
        parent_siblings = _siblings(section.version_id, old_parent.parent_id)
        at = next(i for i, s in enumerate(parent_siblings) if s.id == old_parent.id)
        section.parent = old_parent.parent
        _renumber(siblings[:index] + siblings[index + 1 :])
        _renumber(parent_siblings[: at + 1] + [section] + parent_siblings[at + 1 :])

    db.session.flush()
    db.session.expire(section.version, ["sections"])
    for affected in {old_parent, section.parent} - {None}:
        db.session.expire(affected, ["children"])
    record(f"section.moved_{direction}", section, actor, before=before,
           after=_section_snapshot(section))  # fmt: skip
    db.session.flush()
    return section


def _subtree_ids(section: Section) -> list[int]:
    rows = db.session.execute(
        select(Section.id, Section.parent_id).where(Section.version_id == section.version_id)
    ).all()
    children: dict[int | None, list[int]] = {}
    for id_, parent_id in rows:
        children.setdefault(parent_id, []).append(id_)
    ids, todo = [], [section.id]
    while todo:
        current = todo.pop()
        ids.append(current)
        todo.extend(children.get(current, []))
    return ids


def delete_section(section: Section, *, actor) -> None:
    """Remove a draft section together with all its subsections."""
    version = _require_draft(section.version)
    ids = _subtree_ids(section)
    parent = section.parent
    parent_id = section.parent_id
    record("section.deleted", section, actor, before=_section_snapshot(section) | {
        "removed_sections": len(ids)})  # fmt: skip
    db.session.execute(
        delete(Section).where(Section.id.in_(ids)).execution_options(synchronize_session="fetch")
    )
    db.session.expire(version, ["sections"])
    if parent is not None:
        db.session.expire(parent, ["children"])
    _renumber(_siblings(version.id, parent_id))
    db.session.flush()


def count_descendants(section: Section) -> int:
    return len(_subtree_ids(section)) - 1


# --- import --------------------------------------------------------------------------------


def _key_paths(version: Version | None) -> dict[tuple[str, ...], str]:
    """Title-slug path (root to section) -> key, for matching an imported document."""
    if version is None:
        return {}
    paths: dict[tuple[str, ...], str] = {}

    def visit(nodes, prefix):
        for node in nodes:
            path = (*prefix, make_slug(node.section.title))
            paths.setdefault(path, node.section.key)
            visit(node.children, path)

    visit(build_tree(sections_of(version)), ())
    return paths


def import_document(strategy: Strategy, text: str, *, actor) -> Version:
    """Replace the draft's sections with the parsed document. A section whose title-slug
    path matches one in the latest published version keeps that section's key, so the two
    versions can be compared; all other sections get new keys."""
    from participation.strategies.importer import walk_imported

    try:
        imported = parse_markdown(text)
    except DocumentError as error:
        raise StrategyError(error.message, field="text") from error
    draft = _require_draft(ensure_draft(strategy, actor=actor))
    latest = get_latest_version(strategy)
    known = _key_paths(latest)

    keys: dict[int, str] = {}
    used: set[str] = set()
    flat = list(walk_imported(imported))
    for item, path in flat:
        key = known.get(path)
        if key is not None and key not in used:
            keys[id(item)] = key
            used.add(key)
    reserved = used | set(known.values())
    for item, _path in flat:
        if id(item) not in keys:
            key = _unique_key(draft.id, item.title, taken=reserved)
            keys[id(item)] = key
            reserved.add(key)

    removed = db.session.scalar(
        select(func.count()).select_from(Section).where(Section.version_id == draft.id)
    )
    db.session.execute(
        delete(Section)
        .where(Section.version_id == draft.id)
        .execution_options(synchronize_session="fetch")
    )
    # Children removed by ON DELETE CASCADE are not reported back to the session; drop
    # every section of the draft from the identity map so a reused id cannot collide.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Section) and obj.version_id == draft.id:
            db.session.expunge(obj)
    db.session.expire(draft, ["sections"])

    def create(items, parent):
        for position, item in enumerate(items):
            section = Section(
                version=draft,
                parent=parent,
                key=keys[id(item)],
                position=position,
                kind=item.kind,
                title=item.title,
            )
            section.set_body(item.body_md)
            db.session.add(section)
            create(item.children, section)

    create(imported, None)
    db.session.flush()
    record(
        "version.imported",
        draft,
        actor,
        before={"sections": removed},
        after={"sections": len(flat), "kept_keys": sorted(used)},
    )
    db.session.flush()
    return draft


# --- publishing ----------------------------------------------------------------------------


@dataclass
class ChangeSummary:
    """The draft compared with the latest published version, section by section (by key).

    "Changed" means a different title, kind, text or parent; reordering among siblings
    alone does not count."""

    added: list[Section] = field(default_factory=list)
    changed: list[Section] = field(default_factory=list)
    removed: list[Section] = field(default_factory=list)
    unchanged: int = 0

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def _comparable(section: Section, keys_by_id: dict[int, str]):
    return (
        section.title,
        section.kind,
        section.body_md,
        keys_by_id.get(section.parent_id) if section.parent_id else None,
    )


def compare_draft(strategy: Strategy) -> ChangeSummary:
    draft = get_draft(strategy)
    latest = get_latest_version(strategy)
    summary = ChangeSummary()
    new = sections_of(draft) if draft else []
    old = sections_of(latest) if latest else []
    new_keys = {s.id: s.key for s in new}
    old_keys = {s.id: s.key for s in old}
    old_by_key = {s.key: s for s in old}
    new_by_key = {s.key: s for s in new}
    for node in walk(build_tree(new)):
        section = node.section
        previous = old_by_key.get(section.key)
        if previous is None:
            summary.added.append(section)
        elif _comparable(section, new_keys) != _comparable(previous, old_keys):
            summary.changed.append(section)
        else:
            summary.unchanged += 1
    for node in walk(build_tree(old)):
        if node.section.key not in new_by_key:
            summary.removed.append(node.section)
    return summary


def publish(strategy: Strategy, *, actor, change_note: str) -> Version:
    """The draft becomes the next numbered version and can no longer change.

    Two editors publishing at once: the strategy row is locked (where the database can),
    the draft is claimed with a conditional UPDATE, and the number is unique per strategy,
    so the second one gets a StrategyError and nothing is saved twice."""
    change_note = (change_note or "").strip()
    if not change_note:
        raise StrategyError(_l("Describe what changed in this version."), field="change_note")
    _lock_strategy(strategy)
    draft = db.session.scalars(
        select(Version)
        .where(Version.strategy_id == strategy.id, Version.number.is_(None))
        .execution_options(populate_existing=True)
    ).first()
    gone = StrategyError(
        _l(
            "There is no draft to publish: someone else has probably just published it. "
            "Check the list of versions."
        )
    )
    if draft is None:
        raise gone
    count = db.session.scalar(
        select(func.count()).select_from(Section).where(Section.version_id == draft.id)
    )
    if not count:
        raise StrategyError(_l("The draft has no sections yet; there is nothing to publish."))
    number = (
        db.session.scalar(
            select(func.max(Version.number)).where(Version.strategy_id == strategy.id)
        )
        or 0
    ) + 1
    now = utcnow()
    try:
        with db.session.begin_nested():
            result = db.session.execute(
                update(Version)
                .where(Version.id == draft.id, Version.number.is_(None))
                .values(
                    number=number,
                    published_at=now,
                    published_by_id=getattr(actor, "id", None),
                    change_note=change_note,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise gone
    except IntegrityError as error:
        raise gone from error
    db.session.refresh(draft)
    record(
        "version.published",
        draft,
        actor,
        after={"number": number, "change_note": change_note, "sections": count},
    )
    notifications.version_published(strategy, draft, actor=actor)
    db.session.flush()
    return draft
