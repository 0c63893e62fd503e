"""Editorial services: strategies, the draft's section tree, publishing."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from participation.accounts.models import Role
from participation.database import utcnow
from participation.events.models import Event
from participation.extensions import db
from participation.strategies import services
from participation.strategies.models import ModerationMode, Section, SectionKind, Version
from participation.strategies.services import StrategyError
from participation.strategies.tree import build_tree, walk

OPENS = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def editor(make):
    return make.user(roles=[Role.MODERATOR])


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def new_strategy(actor, slug="digitalstrategie", title="Digitalstrategie"):
    return services.create_strategy(
        actor=actor,
        title=title,
        slug=slug,
        summary="Worum es geht.",
        opens_at=OPENS,
        closes_at=OPENS + timedelta(days=30),
        moderation_mode=ModerationMode.PRE,
        review_hours="Mo–Fr 9–16 Uhr",
    )


def outline(version):
    """[(depth, title)] in reading order: what the tree looks like."""
    db.session.expire_all()
    rows = db.session.scalars(select(Section).where(Section.version_id == version.id))
    return [(node.depth, node.section.title) for node in walk(build_tree(rows))]


def add(draft, actor, title, parent=None, body="Text."):
    return services.add_section(
        draft, actor=actor, title=title, kind=SectionKind.TEXT, body_md=body, parent=parent
    )


def test_create_strategy_makes_empty_draft_and_records_event(ctx, editor):
    strategy = new_strategy(editor)
    draft = services.get_draft(strategy)
    assert draft is not None
    assert draft.number is None
    assert services.sections_of(draft) == []
    event = db.session.scalars(select(Event).where(Event.action == "strategy.created")).one()
    assert event.subject_id == strategy.id
    assert event.actor_id == editor.id


def test_strategy_slug_must_be_unique_and_clean(ctx, editor):
    new_strategy(editor)
    with pytest.raises(StrategyError) as caught:
        new_strategy(editor)
    assert caught.value.field == "slug"
    with pytest.raises(StrategyError) as caught:
        new_strategy(editor, slug="Mit Leerzeichen")
    assert caught.value.field == "slug"


def test_slug_derived_from_title_with_german_replacements(ctx, editor):
    strategy = new_strategy(editor, slug="", title="Größere Überlegungen für Bürger")
    assert strategy.slug == "groessere-ueberlegungen-fuer-buerger"


def test_window_must_close_after_opening(ctx, editor):
    with pytest.raises(StrategyError) as caught:
        services.create_strategy(
            actor=editor, title="X", slug="x", summary="", opens_at=OPENS, closes_at=OPENS,
            moderation_mode="post", review_hours="",
        )  # fmt: skip
    assert caught.value.field == "closes_at"


def test_update_strategy_checks_revision(ctx, editor):
    strategy = new_strategy(editor)
    services.update_strategy(
        strategy, actor=editor, expected_revision=strategy.revision, title="Neuer Titel"
    )
    assert strategy.title == "Neuer Titel"
    assert strategy.revision == 2
    with pytest.raises(StrategyError) as caught:
        services.update_strategy(strategy, actor=editor, expected_revision=1, title="Alt")
    assert caught.value.current is strategy
    assert strategy.title == "Neuer Titel"
    actions = db.session.scalars(select(Event.action).order_by(Event.id)).all()
    assert actions == ["strategy.created", "strategy.updated"]


def test_add_section_appends_and_keys_are_unique(ctx, editor):
    draft = services.get_draft(new_strategy(editor))
    first = add(draft, editor, "Bildung & Schule")
    second = add(draft, editor, "Bildung & Schule")
    third = add(draft, editor, "Straßen")
    assert [first.key, second.key, third.key] == ["bildung-schule", "bildung-schule-2", "strassen"]
    assert [first.position, second.position, third.position] == [0, 1, 2]
    child = add(draft, editor, "Unterpunkt", parent=first)
    assert child.position == 0
    assert child.parent_id == first.id
    assert first.body_html.startswith("<p")


def test_moves(ctx, editor):
    draft = services.get_draft(new_strategy(editor))
    a, b, c = (add(draft, editor, title) for title in "ABC")
    services.move_section(c, actor=editor, direction="up")
    assert outline(draft) == [(0, "A"), (0, "C"), (0, "B")]
    services.move_section(a, actor=editor, direction="down")
    assert outline(draft) == [(0, "C"), (0, "A"), (0, "B")]
    services.move_section(a, actor=editor, direction="in")
    services.move_section(b, actor=editor, direction="in")
    assert outline(draft) == [(0, "C"), (1, "A"), (1, "B")]
    services.move_section(a, actor=editor, direction="out")
    assert outline(draft) == [(0, "C"), (1, "B"), (0, "A")]
    services.move_section(b, actor=editor, direction="out")
    assert outline(draft) == [(0, "C"), (0, "B"), (0, "A")]
    positions = db.session.scalars(
        select(Section.position).where(Section.version_id == draft.id).order_by(Section.position)
    ).all()
    assert positions == [0, 1, 2]
    moves = db.session.scalars(select(Event.action).where(Event.action.like("section.moved%")))
    assert len(list(moves)) == 6


def test_move_edge_cases_are_refused(ctx, editor):
    draft = services.get_draft(new_strategy(editor))
    a, b = add(draft, editor, "A"), add(draft, editor, "B")
    child = add(draft, editor, "Kind", parent=a)
    for section, direction in [(a, "up"), (b, "down"), (a, "in"), (child, "in"), (a, "out")]:
        with pytest.raises(StrategyError):
            services.move_section(section, actor=editor, direction=direction)
    assert outline(draft) == [(0, "A"), (1, "Kind"), (0, "B")]


def test_indent_keeps_children_with_section(ctx, editor):
    draft = services.get_draft(new_strategy(editor))
    _a, b = add(draft, editor, "A"), add(draft, editor, "B")
    add(draft, editor, "B1", parent=b)
    services.move_section(b, actor=editor, direction="in")
    assert outline(draft) == [(0, "A"), (1, "B"), (2, "B1")]


def test_delete_section_takes_children(ctx, editor):
    draft = services.get_draft(new_strategy(editor))
    a, b = add(draft, editor, "A"), add(draft, editor, "B")
    child = add(draft, editor, "A1", parent=a)
    add(draft, editor, "A1a", parent=child)
    assert services.count_descendants(a) == 2
    services.delete_section(a, actor=editor)
    assert outline(draft) == [(0, "B")]
    assert db.session.get(Section, b.id).position == 0


def test_update_section_renders_and_detects_stale_revision(ctx, editor):
    draft = services.get_draft(new_strategy(editor))
    section = add(draft, editor, "A")
    services.update_section(
        section, actor=editor, expected_revision=section.revision, title="A neu",
        kind="vision", body_md="## Ziel\n\n*wichtig*",
    )  # fmt: skip
    assert section.kind == SectionKind.VISION
    assert "<em>wichtig</em>" in section.body_html
    assert "<h2" in section.body_html  # body headings start below the h1 title
    with pytest.raises(StrategyError) as caught:
        services.update_section(
            section, actor=editor, expected_revision=1, title="B", kind="text", body_md=""
        )
    assert caught.value.current is section
    assert section.title == "A neu"


def test_publish_numbers_versions_and_freezes_them(ctx, editor):
    strategy = new_strategy(editor)
    draft = services.get_draft(strategy)
    with pytest.raises(StrategyError):
        services.publish(strategy, actor=editor, change_note="Leer")
    section = add(draft, editor, "Vision")
    with pytest.raises(StrategyError) as caught:
        services.publish(strategy, actor=editor, change_note="  ")
    assert caught.value.field == "change_note"

    v1 = services.publish(strategy, actor=editor, change_note="Erster Entwurf")
    assert (v1.id, v1.number, v1.published_at is not None) == (draft.id, 1, True)
    assert services.get_draft(strategy) is None
    for attempt in (
        lambda: add(v1, editor, "Neu"),
        lambda: services.update_section(
            section,
            actor=editor,
            expected_revision=section.revision,
            title="X",
            kind="text",
            body_md="",
        ),  # fmt: skip
        lambda: services.move_section(section, actor=editor, direction="down"),
        lambda: services.delete_section(section, actor=editor),
        lambda: services.publish(strategy, actor=editor, change_note="Nochmal"),
    ):
        with pytest.raises(StrategyError):
            attempt()

    draft2 = services.ensure_draft(strategy, actor=editor)
    add(draft2, editor, "Projekte")
    v2 = services.publish(strategy, actor=editor, change_note="Zweiter Entwurf")
    assert v2.number == 2
    assert [t for _, t in outline(v1)] == ["Vision"]
    assert [t for _, t in outline(v2)] == ["Vision", "Projekte"]


def test_ensure_draft_copies_latest_version(ctx, editor):
    strategy = new_strategy(editor)
    draft = services.get_draft(strategy)
    a = add(draft, editor, "A", body="Erster *Text*")
    add(draft, editor, "A1", parent=a)
    add(draft, editor, "B")
    services.publish(strategy, actor=editor, change_note="v1")
    copy = services.ensure_draft(strategy, actor=editor)
    assert copy.id != draft.id
    assert copy.number is None
    assert services.ensure_draft(strategy, actor=editor) is copy

    def shape(version):
        rows = services.sections_of(version)
        keys = {s.id: s.key for s in rows}
        return sorted(
            (s.key, keys.get(s.parent_id), s.position, s.title, s.body_md, s.body_html)
            for s in rows
        )

    assert shape(copy) == shape(draft)
    assert {s.id for s in services.sections_of(copy)}.isdisjoint(
        s.id for s in services.sections_of(draft)
    )


def test_second_publish_of_same_draft_is_refused(app, ctx, editor):
    strategy = new_strategy(editor)
    add(services.get_draft(strategy), editor, "A")
    db.session.commit()
    # Another editor, in another session, publishes the same draft first.
    with app.app_context():
        other = db.session.get(type(strategy), strategy.id)
        services.publish(other, actor=editor, change_note="Schneller")
        db.session.commit()
    with pytest.raises(StrategyError, match="keinen Entwurf"):
        services.publish(strategy, actor=editor, change_note="Langsamer")
    numbers = db.session.scalars(
        select(Version.number).where(Version.strategy_id == strategy.id)
    ).all()
    assert numbers == [1]


def test_stale_section_edit_from_another_session(app, ctx, editor):
    strategy = new_strategy(editor)
    section = add(services.get_draft(strategy), editor, "A")
    db.session.commit()
    loaded_revision = section.revision
    with app.app_context():
        other = db.session.get(Section, section.id)
        services.update_section(
            other, actor=editor, expected_revision=loaded_revision, title="Von B",
            kind="text", body_md="B",
        )  # fmt: skip
        db.session.commit()
    db.session.refresh(section)
    with pytest.raises(StrategyError) as caught:
        services.update_section(
            section, actor=editor, expected_revision=loaded_revision, title="Von A",
            kind="text", body_md="A",
        )  # fmt: skip
    assert caught.value.current.title == "Von B"


def test_stale_section_object_is_caught_at_flush(app, ctx, editor):
    strategy = new_strategy(editor)
    section = add(services.get_draft(strategy), editor, "A")
    db.session.commit()
    with app.app_context():
        other = db.session.get(Section, section.id)
        services.update_section(
            other, actor=editor, expected_revision=other.revision, title="Von B",
            kind="text", body_md="B",
        )  # fmt: skip
        db.session.commit()
    # This session still holds revision 1: the UPDATE finds no row with it.
    with pytest.raises(StrategyError):
        services.update_section(
            section, actor=editor, expected_revision=section.revision, title="Von A",
            kind="text", body_md="A",
        )  # fmt: skip
    db.session.rollback()
    assert db.session.get(Section, section.id).title == "Von B"


def test_reserved_words_are_never_keys_or_slugs(app_ctx):
    strategy = services.create_strategy(
        actor=None,
        title="Versionen",
        slug="",
        summary="",
        opens_at=utcnow(),
        closes_at=utcnow() + timedelta(days=1),
        moderation_mode="pre",
        review_hours="",
    )
    draft = services.get_draft(strategy)
    assert (
        services.add_section(draft, actor=None, title="Versionen", kind="text", body_md="").key
        != "versionen"
    )
    assert (
        services.add_section(draft, actor=None, title="Vergleich", kind="text", body_md="").key
        != "vergleich"
    )
    with pytest.raises(services.StrategyError):
        services.create_strategy(
            actor=None,
            title="Neu",
            slug="neu",
            summary="",
            opens_at=utcnow(),
            closes_at=utcnow() + timedelta(days=1),
            moderation_mode="pre",
            review_hours="",
        )
