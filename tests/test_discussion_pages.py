"""Reading discussions at scale: the section page loads in a fixed number of queries for 10
and for 1,000 comments; the complete discussion page shows all of them; permalinks."""

import re

import pytest
from sqlalchemy import event, select

from participation.discussion.models import Contribution
from participation.extensions import db
from participation.strategies.models import ModerationMode
from tests.bulk import seed_section


def html(response) -> str:
    return response.get_data(as_text=True)


def seeded(app, make, total, author=None):
    strategy = make.strategy(
        slug=f"viel-{total}",
        moderation_mode=ModerationMode.POST,
        sections=[("Vision", "Erster Absatz.\n\nZweiter Absatz.")],
    )
    with app.app_context():
        seed_section(strategy.id, "vision", total, author_id=author.id if author else None)
    return strategy


def count_statements(app, fn):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    engine = app.extensions["test_connection"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements


@pytest.mark.parametrize("who", ["anonymous", "citizen"])
def test_section_page_query_count_does_not_grow(app, make, client, login, who):
    if who == "citizen":
        login(make.user())
    counts = {}
    for total in (10, 1000):
        strategy = seeded(app, make, total)
        url = f"/strategien/{strategy.slug}/vision"

        def load(url=url):
            response = client.get(url)
            assert response.status_code == 200
            assert 'class="threads"' in html(response)

        counts[total] = len(count_statements(app, load))
    assert counts[10] == counts[1000], counts
    assert counts[10] >= 4  # the listener really counted (strategy, sections, counts, threads)


def test_complete_discussion_page_renders_a_thousand_comments(app, make, client):
    strategy = seeded(app, make, 1000, author=make.user(display_name="Vielschreiberin"))
    response = client.get(f"/strategien/{strategy.slug}/vision/diskussion")
    assert response.status_code == 200
    page = html(response)
    assert len(re.findall(r'<article class="contribution[^"]*" id="beitrag-\d+"', page)) == 1000
    assert "<h1" in page
    assert page.count("<h1") == 1
    assert "Vielschreiberin" in page
    assert "<form" not in page.split('id="main"')[1].split("</main>")[0]
    with app.app_context():
        roots = db.session.scalars(
            select(Contribution.id).where(
                Contribution.strategy_id == strategy.id, Contribution.parent_id.is_(None)
            )
        ).all()
    assert f"{len(roots)} Diskussionsstränge" in page


def test_complete_discussion_query_count_does_not_grow(app, make, client):
    counts = {}
    for total in (10, 300):
        strategy = seeded(app, make, total)
        url = f"/strategien/{strategy.slug}/vision/diskussion"
        counts[total] = len(count_statements(app, lambda url=url: client.get(url)))
    assert counts[10] == counts[300], counts


def test_section_page_is_paginated_with_twenty_threads(app, make, client):
    strategy = seeded(app, make, 400)
    page = html(client.get(f"/strategien/{strategy.slug}/vision"))
    with app.app_context():
        roots = db.session.scalars(
            select(Contribution.id)
            .where(Contribution.strategy_id == strategy.id, Contribution.parent_id.is_(None))
            .order_by(Contribution.id.desc())
        ).all()
    pages = -(-len(roots) // 20)
    top_level = re.findall(r'<ol class="threads">\s*<li class="threads__item">', page)
    assert len(top_level) == 1
    assert f'id="beitrag-{roots[0]}"' in page
    assert f'id="beitrag-{roots[20]}"' not in page
    assert f"Seite 1 von {pages}" in page
    assert 'rel="next" href="?seite=2#diskussion"' in page
    second = html(client.get(f"/strategien/{strategy.slug}/vision?seite=2"))
    assert f'id="beitrag-{roots[20]}"' in second
    assert 'rel="prev" href="?seite=1#diskussion"' in second
    # Out of range pages show the last page rather than an error.
    assert client.get(f"/strategien/{strategy.slug}/vision?seite=999").status_code == 200
    assert client.get(f"/strategien/{strategy.slug}/vision?seite=abc").status_code == 200


def test_unknown_contribution_and_section_give_404(client, make):
    make.strategy(slug="leer")
    assert client.get("/beitraege/999999").status_code == 404
    assert client.get("/beitraege/999999/antworten").status_code == 404
    assert client.get("/strategien/leer/gibtsnicht/diskussion").status_code == 404
    assert client.post("/strategien/leer/gibtsnicht/kommentare").status_code in (400, 404)
