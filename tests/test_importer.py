"""Markdown import: headings to a section tree, and keys kept across versions."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from participation.accounts.models import Role
from participation.events.models import Event
from participation.extensions import db
from participation.strategies import services
from participation.strategies.importer import DocumentError, parse_markdown
from participation.strategies.models import SectionKind
from participation.strategies.services import StrategyError
from participation.strategies.tree import build_tree, walk

DOCUMENT = """\
# Vision 2030

Musterstadt ist *digital*.

### Leitsätze

- offen
- sicher

```
# kein Abschnitt, nur Code
```

## Handlungsfeld Bildung

Schulen bekommen WLAN.

## Projekt: Bürgerportal

Alle Anträge online.

# Umsetzung und Maßnahmen

Wie wir vorgehen.

# Anhang
"""


def test_headings_become_a_tree_with_bodies():
    tree = parse_markdown(DOCUMENT)
    assert [s.title for s in tree] == ["Vision 2030", "Umsetzung und Maßnahmen", "Anhang"]
    vision = tree[0]
    assert vision.kind == SectionKind.VISION
    assert vision.body_md.startswith("Musterstadt ist *digital*.")
    # Deeper headings and code blocks stay in the body.
    assert "### Leitsätze" in vision.body_md
    assert "# kein Abschnitt, nur Code" in vision.body_md
    assert [(c.title, c.kind) for c in vision.children] == [
        ("Handlungsfeld Bildung", SectionKind.FIELD_OF_ACTION),
        ("Projekt: Bürgerportal", SectionKind.PROJECT),
    ]
    assert vision.children[0].body_md == "Schulen bekommen WLAN."
    assert tree[1].kind == SectionKind.PROJECT  # "Maßnahmen"
    assert tree[2].body_md == ""
    assert tree[2].kind == SectionKind.TEXT


def test_text_before_first_heading_becomes_introduction(app):
    with app.test_request_context():
        tree = parse_markdown("Vorab ein Wort.\n\n# Vision\n\nText")
    assert [(s.title, s.body_md) for s in tree] == [
        ("Einleitung", "Vorab ein Wort."),
        ("Vision", "Text"),
    ]


def test_second_level_without_first_level_is_top_level():
    tree = parse_markdown("## Eins\n\nA\n\n## Zwei\n\nB\n")
    assert [(s.title, s.children) for s in tree] == [("Eins", []), ("Zwei", [])]


def test_setext_headings_and_windows_line_endings():
    tree = parse_markdown("Vision\r\n======\r\nText\r\n\r\nTeil\r\n----\r\nMehr\r\n")
    assert tree[0].title == "Vision"
    assert tree[0].body_md == "Text"
    assert tree[0].children[0].title == "Teil"
    assert tree[0].children[0].body_md == "Mehr"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "leer"),
        ("   \n\n", "leer"),
        ("Nur Text ohne Überschrift.\n\n### Zu tief", "keine Überschriften"),
        ("# Gut\n\n#\n\nText", "Zeile 3"),
    ],
)
def test_unusable_documents_are_refused_with_clear_message(app, text, expected):
    with app.test_request_context():
        with pytest.raises(DocumentError) as caught:
            parse_markdown(text)
        assert expected in str(caught.value.message)


@pytest.fixture
def editor(make):
    return make.user(roles=[Role.MODERATOR])


def keys_by_title(version):
    db.session.expire_all()
    return {
        node.section.title: (node.section.key, node.depth)
        for node in walk(build_tree(services.sections_of(version)))
    }


def test_import_replaces_draft_and_reimport_keeps_matching_keys(app, editor):
    with app.test_request_context():
        opens = datetime(2030, 1, 1, tzinfo=UTC)
        strategy = services.create_strategy(
            actor=editor, title="Strategie", slug="strategie", summary="", opens_at=opens,
            closes_at=opens + timedelta(days=10), moderation_mode="pre", review_hours="",
        )  # fmt: skip
        draft = services.get_draft(strategy)
        services.add_section(draft, actor=editor, title="Alt", kind="text", body_md="weg")
        version = services.import_document(strategy, DOCUMENT, actor=editor)
        assert version.id == draft.id
        first = keys_by_title(version)
        assert "Alt" not in first
        assert first["Handlungsfeld Bildung"] == ("handlungsfeld-bildung", 1)
        assert first["Vision 2030"] == ("vision-2030", 0)
        section = next(s for s in services.sections_of(version) if s.title == "Vision 2030")
        assert "<em>digital</em>" in section.body_html
        services.publish(strategy, actor=editor, change_note="v1")

        # v2: the field of action is renamed, a project added, "Anhang" moved under
        # "Umsetzung" (a new path, so a new key), and a brand new section takes the
        # title the old "Anhang" had at the top level... under another parent.
        revised = DOCUMENT.replace("## Handlungsfeld Bildung", "## Handlungsfeld Schule")
        revised = revised.replace("# Anhang", "## Anhang") + "\n## Projekt: Bürgerportal\n"
        services.import_document(strategy, revised, actor=editor)
        second = keys_by_title(services.get_draft(strategy))
        assert second["Vision 2030"] == first["Vision 2030"]
        assert second["Umsetzung und Maßnahmen"] == first["Umsetzung und Maßnahmen"]
        assert second["Handlungsfeld Schule"][0] == "handlungsfeld-schule"
        # Moved section: different path, so it does not claim the old key.
        assert second["Anhang"][0] != first["Anhang"][0]
        keys = [key for key, _ in second.values()]
        assert len(keys) == len(set(keys))
        summary = services.compare_draft(strategy)
        assert {s.title for s in summary.removed} == {"Handlungsfeld Bildung", "Anhang"}
        assert "Handlungsfeld Schule" in {s.title for s in summary.added}
        actions = db.session.scalars(
            select(Event.action).where(Event.action == "version.imported")
        ).all()
        assert len(actions) == 2


def test_import_with_bad_document_changes_nothing(app, editor):
    with app.test_request_context():
        opens = datetime(2030, 1, 1, tzinfo=UTC)
        strategy = services.create_strategy(
            actor=editor, title="S", slug="s", summary="", opens_at=opens,
            closes_at=opens + timedelta(days=10), moderation_mode="pre", review_hours="",
        )  # fmt: skip
        draft = services.get_draft(strategy)
        services.add_section(draft, actor=editor, title="Bleibt", kind="text", body_md="")
        with pytest.raises(StrategyError) as caught:
            services.import_document(strategy, "ohne Überschrift", actor=editor)
        assert caught.value.field == "text"
        assert [s.title for s in services.sections_of(draft)] == ["Bleibt"]
