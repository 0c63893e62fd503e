"""The ideas list costs the same number of SQL statements for 10 and for 200 ideas."""

import pytest
from sqlalchemy import event, insert, select, update

from participation.database import utcnow
from participation.discussion.models import (
    PATH_DIGITS,
    Contribution,
    ContributionKind,
    ModerationState,
    Support,
)
from participation.discussion.services import text_hash
from participation.extensions import db
from participation.strategies.models import ModerationMode, Section, SectionKind, Version

SECTIONS = [("Vision", "Text."), ("Mobilität", "Busse."), ("Verwaltung", "Anträge.")]


def seed_ideas(app, strategy, total: int, author_ids: list[int]) -> list[int]:
    """Published ideas by several authors, spread over the fields of action."""
    with app.app_context():
        version_id = db.session.scalar(select(Version.id).where(Version.strategy_id == strategy.id))
        db.session.execute(
            update(Section)
            .where(Section.version_id == version_id, Section.key != "vision")
            .values(kind=SectionKind.FIELD_OF_ACTION)
        )
        sections = list(db.session.scalars(select(Section).where(Section.version_id == version_id)))
        start = (db.session.scalar(select(db.func.max(Contribution.id))) or 0) + 1
        rows = []
        for n in range(total):
            id_ = start + n
            section = sections[n % len(sections)]
            body = f"Idee Nummer {n} für die Stadt."
            rows.append(
                {
                    "id": id_,
                    "strategy_id": strategy.id,
                    "version_id": version_id,
                    "section_id": section.id,
                    "section_key": section.key,
                    "kind": ContributionKind.IDEA,
                    "root_id": id_,
                    "path": f"{id_:0{PATH_DIGITS}d}/",
                    "depth": 0,
                    "title": f"Idee {n}",
                    "body_md": body,
                    "body_html": f"<p>{body}</p>",
                    "text_hash": text_hash(body, f"Idee {n}"),
                    "author_id": author_ids[n % len(author_ids)],
                    "state": ModerationState.PUBLISHED,
                    "status": "received",
                    "reply_count": n % 4,
                    "support_count": n % 7,
                    "created_at": utcnow(),
                    "revision": 1,
                    "is_official": False,
                    "channel": "online",
                }
            )
        db.session.execute(insert(Contribution), rows)
        db.session.commit()
        return [row["id"] for row in rows]


def count_statements(app, fn) -> list[str]:
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = app.extensions["test_connection"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements


@pytest.mark.parametrize("total", [10, 200])
def test_ideas_list_queries_do_not_grow(app, make, client, login, total):
    strategy = make.strategy(sections=SECTIONS, moderation_mode=ModerationMode.POST)
    authors = [make.user().id for _ in range(5)]
    viewer = make.user()
    ids = seed_ideas(app, strategy, total, authors)
    with app.app_context():
        db.session.add_all(Support(contribution_id=i, user_id=viewer.id) for i in ids[-5:])
        db.session.commit()
    login(viewer)
    url = f"/strategien/{strategy.slug}/ideen?sortierung=unterstuetzung&suche=Idee"
    pages = []
    statements = count_statements(app, lambda: pages.append(client.get(url)))
    page = pages[0].get_data(as_text=True)
    assert pages[0].status_code == 200
    assert page.count('class="kern-card idea-card"') == min(total, 20)
    assert f"{total} Ideen gefunden" in page
    assert "Mobilität" in page
    # Strategy, latest version, its sections, the session user with their roles joined, the
    # count, the page of ideas with their authors joined, the viewer's supports: nothing per idea.
    assert len(statements) == 7, "\n".join(statements)
    assert sum("FROM contributions" in s for s in statements) == 2
