"""The public pages issue a fixed number of queries, however long the strategy is."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from participation.extensions import db
from participation.strategies.models import SectionKind
from tests.public_data import add_version


@contextmanager
def count_queries(app):
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def _strategy(make, app, slug: str, fields: int, projects: int):
    spec = [("einleitung", "Einleitung", "Am Anfang.\n\nZweiter Absatz.")]
    for f in range(fields):
        children = [
            (f"projekt-{f}-{p}", f"Projekt {f}.{p}", "Text.", SectionKind.PROJECT, [])
            for p in range(projects)
        ]
        spec.append(
            (f"feld-{f}", f"Feld {f}", "Beschreibung.", SectionKind.FIELD_OF_ACTION, children)
        )
    strategy = make.strategy(slug=slug, sections=[("Platzhalter", "x")])
    add_version(app, strategy, 2, spec, "Ausführlich")
    return strategy


@pytest.mark.parametrize(
    "path",
    [
        "/strategien/{slug}/feld-0",
        "/strategien/{slug}",
        "/strategien/{slug}/versionen/1",
        "/strategien/{slug}/vergleich?von=1&zu=2",
        "/",
    ],
)
def test_query_count_does_not_grow_with_the_number_of_sections(client, make, app, path):
    _strategy(make, app, "klein", fields=1, projects=1)
    _strategy(make, app, "gross", fields=8, projects=5)
    counts = []
    for slug in ("klein", "gross"):
        with count_queries(app) as statements:
            response = client.get(path.format(slug=slug))
        assert response.status_code == 200, path
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_section_page_needs_three_queries(client, make, app):
    _strategy(make, app, "gross", fields=8, projects=5)
    with count_queries(app) as statements:
        response = client.get("/strategien/gross/projekt-3-2")
    assert response.status_code == 200
    assert "Projekt 3.2" in response.get_data(as_text=True)
    # The strategy, its latest version and all sections of that version; then the
    # discussion below the text: paragraph counts, the number of threads and this page's
    # threads (their rows only when there are any).
    assert len(statements) <= 6, statements
