"""Builds published versions with nested sections for the public page and diff tests.

`spec` is a list of `(key, title, body)` or `(key, title, body, kind, children)` tuples.
"""

from datetime import timedelta

from participation.database import utcnow
from participation.extensions import db
from participation.strategies.models import Section, SectionKind, Strategy, Version


def _sections(spec, version: Version, parent: Section | None = None) -> None:
    for position, item in enumerate(spec):
        key, title, body, *rest = item
        kind = rest[0] if rest else SectionKind.TEXT
        children = rest[1] if len(rest) > 1 else []
        section = Section(
            version=version,
            parent=parent,
            key=key,
            title=title,
            position=position,
            kind=kind,
        )
        section.set_body(body)
        db.session.add(section)
        _sections(children, version, section)


def add_version(app, strategy: Strategy, number: int | None, spec, change_note: str = "") -> int:
    """Adds a version (published unless number is None) and returns its id."""
    with app.app_context():
        version = Version(
            strategy_id=strategy.id,
            number=number,
            published_at=utcnow() - timedelta(days=10 - (number or 0)) if number else None,
            change_note=change_note,
        )
        db.session.add(version)
        _sections(spec, version)
        db.session.commit()
        return version.id


V1 = [
    ("einleitung", "Einleitung", "Musterstadt wird digital.\n\nDas Dokument beschreibt den Weg."),
    (
        "handlungsfelder",
        "Handlungsfelder",
        "Sechs Felder.",
        SectionKind.TEXT,
        [
            (
                "verwaltung",
                "Verwaltung",
                "Anträge werden online gestellt.",
                SectionKind.FIELD_OF_ACTION,
                [("portal", "Bürgerportal", "Ein Portal für alles.", SectionKind.PROJECT, [])],
            ),
            ("mobilitaet", "Mobilität", "Busse fahren pünktlich.", SectionKind.FIELD_OF_ACTION, []),
        ],
    ),
    ("ausblick", "Ausblick", "Wir berichten jährlich."),
]


def strategy_with_tree(make, app, **fields) -> Strategy:
    """A strategy whose v1 is the nested tree V1 (the factory's own v1 is removed)."""
    strategy = make.strategy(sections=[("Platzhalter", "x")], **fields)
    with app.app_context():
        version = db.session.get(Strategy, strategy.id).versions[0]
        db.session.delete(version)
        db.session.commit()
    add_version(app, strategy, 1, V1, "Erster Entwurf")
    return strategy
