"""The moderation queue: what it contains, filters, keyset pagination, context, query
count, permissions and the navigation count."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from participation.accounts.models import Role
from participation.database import utcnow
from participation.discussion.models import Channel, Contribution, ContributionKind
from participation.extensions import db
from participation.moderation import queue
from participation.strategies.models import ModerationMode
from tests.bulk import seed_section


@pytest.fixture
def moderator(make):
    return make.user(display_name="Moderation", roles=[Role.MODERATOR])


def _seed(app, make, total, *, author=None):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    with app.app_context():
        seed_section(strategy.id, "vision", total, author_id=author.id if author else None)
        # Spread the times, with ties, so that the keyset has to break them by id.
        now = utcnow()
        for minutes in range(5):
            db.session.execute(
                update(Contribution)
                .where(Contribution.strategy_id == strategy.id, Contribution.id % 5 == minutes)
                .values(created_at=now - timedelta(minutes=10 * minutes))
            )
        db.session.commit()
    return strategy


def _all_pages(app, filters=None, per_page=100):
    seen, cursor, pages = [], None, 0
    with app.app_context():
        while True:
            page = queue.queue_page(filters, after=cursor, per_page=per_page)
            seen.extend(item.contribution.id for item in page.items)
            pages += 1
            if not page.next_cursor:
                return seen, pages
            cursor = page.next_cursor


def test_keyset_pages_have_no_duplicates_or_gaps(app, make):
    _seed(app, make, 250)
    seen, pages = _all_pages(app, per_page=37)
    assert pages == 7
    assert len(seen) == len(set(seen)) == 250
    with app.app_context():
        expected = db.session.scalars(
            select(Contribution.id).order_by(Contribution.created_at, Contribution.id)
        ).all()
    assert seen == expected


def test_queue_contains_pending_unreviewed_and_reported_only(app, make, discuss, moderator):
    pre = make.strategy()
    post = make.strategy(moderation_mode=ModerationMode.POST)
    author = make.user()
    pending = discuss.comment(pre, author)
    unreviewed = discuss.comment(post, author)
    reviewed = discuss.comment(post, author)
    reported = discuss.comment(post, author)
    with app.app_context():
        now = utcnow()
        db.session.execute(
            update(Contribution)
            .where(Contribution.id.in_([reviewed.id, reported.id]))
            .values(reviewed_at=now)
        )
        db.session.execute(
            update(Contribution).where(Contribution.id == reported.id).values(report_count=2)
        )
        db.session.commit()
        ids = [i.contribution.id for i in queue.queue_page().items]
        assert ids == [pending.id, unreviewed.id, reported.id]
        assert queue.queue_count() == 3
        by_state = {
            state: [i.contribution.id for i in queue.queue_page(queue.Filters(state=state)).items]
            for state in queue.QUEUE_STATES
        }
        assert by_state == {
            "pending": [pending.id],
            "unreviewed": [unreviewed.id],
            "reported": [reported.id],
        }


def test_filters(app, make, discuss):
    one = make.strategy(
        sections=[("Vision", "Text."), ("Verkehr", "Mehr Busse.")],
        moderation_mode=ModerationMode.POST,
    )
    two = make.strategy()
    author = make.user()
    a = discuss.comment(one, author, body="Radwege 100% sicher machen", section_key="verkehr")
    b = discuss.comment(one, author, body="Mehr offene Daten_bitte")
    c = discuss.idea(two, author, title="Bürgerbüro online")
    reply = discuss.reply(b, author)
    with app.app_context():
        db.session.execute(
            update(Contribution)
            .where(Contribution.id == a.id)
            .values(created_at=utcnow() - timedelta(days=10), channel=Channel.LETTER)
        )
        db.session.commit()

        def ids(**kwargs):
            return [i.contribution.id for i in queue.queue_page(queue.Filters(**kwargs)).items]

        assert ids(strategy_id=two.id) == [c.id]
        assert ids(section_key=a.section_key) == [a.id]
        assert ids(kind=ContributionKind.REPLY) == [reply.id]
        assert ids(kind=ContributionKind.IDEA) == [c.id]
        assert ids(channel=Channel.LETTER) == [a.id]
        assert ids(older_than_days=7) == [a.id]
        assert ids(text="100%") == [a.id]
        assert ids(text="n%b") == []
        assert ids(text="Date__bitte") == []
        assert ids(text="Daten_bitte") == [b.id]
        assert ids(text="bürgerbüro") in ([c.id], [])  # SQLite lower() is ASCII-only
        assert ids(text="online") == [c.id]
        assert ids(reported=True) == []


def test_items_carry_their_context(app, make, discuss):
    strategy = make.strategy(
        title="Digitalstrategie Musterstadt",
        sections=[("Vision", "Erster Absatz über Glasfaser.\n\nZweiter Absatz über Schulen.")],
        moderation_mode=ModerationMode.POST,
    )
    author, other = make.user(display_name="Anna"), make.user(display_name="Ben")
    with app.app_context():
        from participation.strategies.models import Section

        anchors = db.session.scalars(select(Section).where(Section.key == "vision")).all()
        anchor = next(s for s in anchors if s.version.strategy_id == strategy.id).anchors[1]
    root = discuss.comment(strategy, other, body="Das finde ich gut.", anchor=anchor)
    discuss.comment(strategy, author)
    reply = discuss.reply(root, author, body="Ich nicht.")
    with app.app_context():
        items = {i.contribution.id: i for i in queue.queue_page().items}
    item = items[reply.id]
    assert item.strategy_title == "Digitalstrategie Musterstadt"
    assert item.section_title == "Vision"
    assert item.parent_excerpt == "Das finde ich gut."
    assert item.parent_author == "Ben"
    assert item.other_contributions == 1
    assert "Zweiter Absatz" in items[root.id].paragraph_excerpt


def _count(app, fn):
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    engine = app.extensions["test_connection"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("total", [10, 300])
def test_queue_page_query_count_does_not_grow(app, make, client, login, moderator, total):
    author = make.user()
    strategy = _seed(app, make, total, author=author)
    login(moderator)
    counts = []

    def load():
        response = client.get("/moderation/")
        assert response.status_code == 200
        counts.append(response.get_data(as_text=True).count('class="queue-item"'))

    queries = _count(app, load)
    assert counts == [min(total, 100)]
    assert strategy
    # user, strategies for the filter, page, strategies, sections, parents, authors' counts,
    # total, nav count (and the session's own statements): fixed, whatever the size.
    assert queries <= 12, queries
    test_queue_page_query_count_does_not_grow.counts = getattr(
        test_queue_page_query_count_does_not_grow, "counts", {}
    ) | {total: queries}


def test_query_count_is_the_same_for_10_and_300(app, make, client, login, moderator):
    results = {}
    for total in (10, 300):
        author = make.user()
        _seed(app, make, total, author=author)
        login(moderator)
        results[total] = _count(app, lambda: client.get("/moderation/"))
        with app.app_context():
            db.session.execute(update(Contribution).values(reviewed_at=utcnow()))
            db.session.commit()
    assert results[10] == results[300]


def test_queue_page_lists_items_with_decisions_and_next_link(
    app, make, discuss, client, login, moderator
):
    strategy = _seed(app, make, 120)
    login(moderator)
    html = client.get(f"/moderation/?strategie={strategy.id}").get_data(as_text=True)
    assert html.count('class="queue-item"') == 100
    assert "<legend" in html
    assert 'rel="next"' in html
    assert 'name="action" value="mark_reviewed"' in html
    next_url = html.split('rel="next"')[0].rsplit('href="', 1)[1].split('"', 1)[0]
    assert "nach=" in next_url
    assert f"strategie={strategy.id}" in next_url
    html2 = client.get(next_url.replace("&amp;", "&")).get_data(as_text=True)
    assert html2.count('class="queue-item"') == 20
    assert 'rel="next"' not in html2


def test_permissions(app, make, client, login):
    response = client.get("/moderation/")
    assert response.status_code == 302
    assert "/konto/anmelden" in response.headers["Location"]
    login(make.user())
    assert client.get("/moderation/").status_code == 403
    assert client.post("/moderation/entscheiden").status_code in (400, 403)


def test_nav_shows_queue_count_for_moderators_only(app, make, discuss, client, login, moderator):
    strategy = make.strategy()
    citizen = make.user()
    discuss.comment(strategy, citizen)
    discuss.comment(strategy, citizen)
    login(citizen)
    assert "/moderation/" not in client.get("/").get_data(as_text=True)
    client.post("/konto/abmelden")
    moderator_client = app.test_client()
    with moderator_client.session_transaction() as session:
        session["_user_id"] = moderator.get_id()
        session["_fresh"] = True
    html = moderator_client.get("/").get_data(as_text=True)
    assert 'href="/moderation/"' in html
    assert "2 warten" in html
