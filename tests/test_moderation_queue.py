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
    return len(_statements(app, fn))


def _statements(app, fn) -> list[str]:
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
    return statements


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
    # user, strategies for the filter, page (with its context, the authors' totals and the
    # queue's count, shared with the navigation), reasons, and what else the layout counts
    # for the navigation: fixed, whatever the size.
    assert queries <= 8, queries
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


# --- the page as written by queue_render ----------------------------------------------------


def _mixed(app, make, accounts, guests):
    """Waiting contributions of every sort of context: by an account and by guests, comments
    and replies, every other comment on a paragraph."""
    from participation.strategies.models import Section

    author = make.user(display_name="Konto <Autorin>")
    strategy = make.strategy(
        title="Strategie & Co",
        sections=[("Vision", "Erster Absatz über Glasfaser.\n\nZweiter Absatz über Schulen.")],
        moderation_mode=ModerationMode.POST,
    )
    with app.app_context():
        seed_section(strategy.id, "vision", accounts, author_id=author.id, seed=2)
        seed_section(strategy.id, "vision", guests, seed=3)
        section = db.session.scalars(
            select(Section).where(Section.key == "vision", Section.title == "Vision")
        ).all()[-1]
        db.session.execute(
            update(Contribution)
            .where(
                Contribution.strategy_id == strategy.id,
                Contribution.parent_id.is_(None),
                Contribution.id % 2 == 0,
            )
            .values(paragraph_anchor=section.anchors[1])
        )
        db.session.commit()
    return strategy


def _has_every_context(app):
    with app.app_context():
        items = queue.queue_page().items
    assert any(i.parent_excerpt for i in items)
    assert any(i.paragraph_excerpt for i in items)
    assert any(i.contribution.author_id is None for i in items)
    assert any(i.contribution.author_id is not None for i in items)
    return len(items)


def test_query_count_is_the_same_for_a_few_items_and_a_full_page(
    app, make, client, login, moderator
):
    """Whatever the page holds (replies, paragraphs, accounts and guests), the number of
    statements does not depend on how many items it shows."""
    login(moderator)
    results = {}
    for accounts, guests in ((3, 3), (80, 80)):
        strategy = _mixed(app, make, accounts, guests)
        shown = _has_every_context(app)
        pages = []
        results[shown] = _statements(
            app,
            lambda pages=pages: pages.append(client.get("/moderation/").get_data(as_text=True)),
        )
        assert pages[0].count('class="queue-item"') == shown
        with app.app_context():
            db.session.execute(
                update(Contribution)
                .where(Contribution.strategy_id == strategy.id)
                .values(reviewed_at=utcnow())
            )
            db.session.commit()
    assert sorted(results) == [6, 100]
    assert len(results[6]) == len(results[100]), results
    # The items with their context, the authors' totals and the queue's count are one
    # statement; the paragraphs they refer to one more.
    statements = [" ".join(statement.split()) for statement in results[100]]
    reading = [s for s in statements if " FROM contributions" in s or " FROM sections" in s]
    assert len(reading) == 2, reading
    assert "FROM contributions AS other" in reading[0]
    assert reading[1].startswith("SELECT sections.id, sections.blocks")
    # Besides them: the user, the strategies for the filter, the reasons, and what the
    # layout counts for the navigation.
    assert len(results[100]) <= 8, results[100]


def _item_html(html, contribution_id):
    start = html.index(f'<li class="queue-item" id="eintrag-{contribution_id}">')
    return html[start : html.index("</li>", start)]


def test_items_show_context_and_forms(app, make, discuss, client, login, moderator):
    from participation.moderation.labels import rejection_choices

    strategy = make.strategy(title="Strategie <b>& Co</b>", moderation_mode=ModerationMode.POST)
    author = make.user(display_name="Anna <script>")
    root = discuss.comment(strategy, make.user(display_name="Ben & Co"), body="Oben.")
    reply = discuss.reply(root, author, body="Ich <b>nicht</b>.")
    other = discuss.comment(strategy, author)
    with app.app_context():
        db.session.execute(
            update(Contribution).where(Contribution.id == reply.id).values(report_count=2)
        )
        db.session.commit()
        with app.test_request_context():
            reasons = rejection_choices()
    login(moderator)
    html = client.get("/moderation/").get_data(as_text=True)
    item = _item_html(html, reply.id)
    detail = f"/moderation/beitraege/{reply.id}?zurueck=/moderation/"
    assert (
        f'<h3 class="kern-heading-small" id="eintrag-{reply.id}-titel"><a class="kern-link" '
        f'href="{detail}">'
    ) in item
    assert (
        f'href="/moderation/beitraege/{other.id}?zurueck=/moderation/">Kommentar {other.id}</a>'
        in html
    )
    # The kind is the noun: "Antwort", not the verb "Antworten" of the reply buttons.
    assert f'href="{detail}">Antwort {reply.id}</a></h3>' in item
    assert f'<article aria-labelledby="eintrag-{reply.id}-titel">' in item
    assert f'id="waehlen-{reply.id}" value="{reply.id}:published:{reply.revision}">' in item
    assert (
        f'<label class="kern-label" for="waehlen-{reply.id}">Auswählen'
        f'<span class="kern-sr-only"> – Beitrag {reply.id}</span></label>'
    ) in item
    # Context: everything a user wrote is escaped.
    assert "<dt>Strategie</dt><dd>Strategie &lt;b&gt;&amp; Co&lt;/b&gt;</dd>" in item
    assert "<dt>Abschnitt</dt><dd>Vision</dd>" in item
    assert "<dt>Antwort auf Ben &amp; Co</dt><dd><q>Oben.</q></dd>" in item
    assert "<dd>Anna &lt;script&gt; – 1 weiterer Beitrag</dd>" in item
    assert "veröffentlicht – noch nicht geprüft – 2 offene Meldungen</dd>" in item
    assert "<script>" not in item
    # The body as sanitised when it was saved.
    assert '<div class="contribution-body"><p>Ich &lt;b&gt;nicht&lt;/b&gt;.</p></div>' in item
    # The decision form: works without JavaScript, each control labelled.
    assert (
        f'<form method="post" action="/moderation/beitraege/{reply.id}/entscheiden" '
        'class="decision-form">'
    ) in item
    assert '<input type="hidden" name="state" value="published">' in item
    assert '<input type="hidden" name="back" value="/moderation/">' in item
    assert (
        '<button type="submit" class="kern-btn kern-btn--primary" name="action" value="hide">'
        f'<span class="kern-label">Ausblenden<span class="kern-sr-only"> – Beitrag {reply.id}'
        "</span></span></button>"
    ) in item
    assert 'value="mark_reviewed"><span class="kern-label">Als geprüft markieren' in item
    assert (
        f'<label class="kern-label" for="reason-{reply.id}">Grund für die Ablehnung'
        f'<span class="kern-sr-only"> – Beitrag {reply.id}</span></label>' in item
    )
    assert f'<select class="kern-form-input__select" id="reason-{reply.id}" name="reason">' in item
    # The reasons as the netiquette table names them, in German.
    assert reasons
    options = '<option value="">– Grund wählen –</option>' + "".join(
        f'<option value="{value}">{label}</option>' for value, label in reasons
    )
    assert options in item
    assert "Beleidigung" in item


def test_every_form_carries_the_page_token_and_a_decision_goes_through(
    app, make, discuss, moderator, monkeypatch
):
    from tests.helpers import signed_in_client

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    strategy = make.strategy()
    comments = [discuss.comment(strategy, make.user()) for _ in range(3)]
    mod = signed_in_client(app, moderator)
    html = mod.get("/moderation/").get_data(as_text=True)
    tokens = [part.split('"', 1)[0] for part in html.split('name="csrf_token" value="')[1:]]
    # One per item (besides the bulk form and the layout's), all the token of this page.
    listing = html[html.index('<ol class="queue-list">') :]
    assert listing.count('name="csrf_token"') == len(comments)
    assert len(set(tokens)) == 1
    item = _item_html(html, comments[1].id)
    fields = dict(
        (name, value)
        for name, value in (
            (part.split('"', 1)[0], part.split('value="', 1)[1].split('"', 1)[0])
            for part in item.split('<input type="hidden" name="')[1:]
        )
    )
    assert set(fields) == {"csrf_token", "state", "revision", "back"}
    response = mod.post(
        f"/moderation/beitraege/{comments[1].id}/entscheiden", data={**fields, "action": "publish"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/moderation/#meldungen")
    with app.app_context():
        assert db.session.get(Contribution, comments[1].id).state.value == "published"
    # Without the token the same form is refused.
    fields.pop("csrf_token")
    refused = mod.post(
        f"/moderation/beitraege/{comments[2].id}/entscheiden",
        data={**fields, "state": "pending", "action": "publish"},
    )
    assert refused.status_code == 400


def test_queue_in_english(app, make, discuss, client, login, moderator):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    comment = discuss.comment(strategy, make.user(display_name="Dora"))
    login(moderator)
    client.set_cookie("lang", "en")
    html = client.get("/moderation/").get_data(as_text=True)
    item = _item_html(html, comment.id)
    assert f"Comment {comment.id}</a></h3>" in item
    assert "<dt>Strategy</dt>" in item
    assert "<dd>Dora – 0 further contributions</dd>" in item
    assert "published – not yet reviewed</dd>" in item
    assert f'Select<span class="kern-sr-only"> – contribution {comment.id}</span>' in item
    assert '<option value="">– choose a reason –</option>' in item
    assert "Reason for rejecting" in item


def test_detail_page_shows_the_same_context(app, make, discuss, client, login, moderator):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    root = discuss.comment(strategy, make.user(display_name="Ben"), body="Das finde ich gut.")
    reply = discuss.reply(root, make.user(display_name="Anna"), body="Ich nicht.")
    login(moderator)
    html = client.get(f"/moderation/beitraege/{reply.id}").get_data(as_text=True)
    queue_html = _item_html(client.get("/moderation/").get_data(as_text=True), reply.id)
    context = html[html.index('<dl class="moderation-context">') :]
    context = context[: context.index("</dl>") + 5]
    assert context in queue_html
    assert "<dt>Antwort auf Ben</dt><dd><q>Das finde ich gut.</q></dd>" in context


def test_times_are_written_as_the_datetime_filter_writes_them(app):
    import random

    from flask_babel import force_locale

    from participation.moderation.queue_render import datetime_formatter

    rng = random.Random(7)
    start = utcnow().replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    # Over a year, so both changes of daylight saving time are included.
    stamps = [start + timedelta(seconds=rng.randrange(366 * 86_400)) for _ in range(500)]
    stamps += [start.replace(month=3, day=29, hour=h, minute=30) for h in range(4)]
    with app.test_request_context():
        datetime_filter = app.jinja_env.filters["datetime"]
        for locale in ("de", "en"):
            with force_locale(locale):
                write = datetime_formatter()
                assert [write(s) for s in stamps] == [datetime_filter(s) for s in stamps]


def test_filter_and_bulk_forms_follow_values_language_strategies_and_reasons(
    app, make, discuss, client, login, moderator
):
    """The forms' markup is kept between requests (queue_render.fragment); what they show
    must still follow the submitted filters, the language, the strategies and the reasons."""
    from participation.moderation.models import NetiquetteReason

    strategy = make.strategy(title="Erste Strategie")
    discuss.comment(strategy, make.user())
    login(moderator)
    html = client.get("/moderation/?suche=Radweg&tage=0").get_data(as_text=True)
    assert 'value="Radweg"' in html
    assert "1 bis 3650 Tage" in html
    html = client.get("/moderation/?suche=Bus").get_data(as_text=True)
    assert 'value="Bus"' in html
    assert 'value="Radweg"' not in html
    assert "1 bis 3650 Tage" not in html
    assert "Zweite Strategie" not in html
    make.strategy(title="Zweite Strategie")
    html = client.get("/moderation/?suche=Bus").get_data(as_text=True)
    assert ">Zweite Strategie</option>" in html
    assert "Warteschlange filtern" in html
    with app.app_context():
        reason = db.session.scalars(select(NetiquetteReason).order_by(NetiquetteReason.id)).first()
        reason.label_de = "Beleidigung (geändert)"
        db.session.commit()
    html = client.get("/moderation/").get_data(as_text=True)
    bulk = html[html.index('id="bulk"') : html.index("</form>", html.index('id="bulk"'))]
    assert "Beleidigung (geändert)" in bulk
    client.set_cookie("lang", "en")
    html = client.get("/moderation/?suche=Bus").get_data(as_text=True)
    assert "Filter the queue" in html
    assert "Warteschlange filtern" not in html
    assert 'value="Bus"' in html


def test_each_item_offers_exactly_the_decisions_allowed_now(
    app, make, discuss, client, login, moderator
):
    """The renderer writes one decision form per sort of item; every item must still offer
    what `services.allowed_actions` allows for it."""
    from participation.discussion.models import ModerationState
    from participation.moderation.services import allowed_actions

    pre = make.strategy()
    post = make.strategy(moderation_mode=ModerationMode.POST)
    author = make.user()
    pending = discuss.comment(pre, author)
    unreviewed = discuss.comment(post, author)
    reported = discuss.comment(post, author)
    hidden = discuss.comment(post, author)
    reported_unreviewed = discuss.comment(post, author)
    with app.app_context():
        now = utcnow()
        for id_, values in (
            (reported.id, {"reviewed_at": now, "report_count": 1}),
            (hidden.id, {"reviewed_at": now, "report_count": 3, "state": ModerationState.HIDDEN}),
            (reported_unreviewed.id, {"report_count": 2}),
        ):
            db.session.execute(update(Contribution).where(Contribution.id == id_).values(**values))
        db.session.commit()
        expected = {
            c.id: {a.value for a in allowed_actions(c)}
            for c in db.session.scalars(select(Contribution)).unique()
        }
    login(moderator)
    html = client.get("/moderation/").get_data(as_text=True)
    for contribution in (pending, unreviewed, reported, hidden, reported_unreviewed):
        item = _item_html(html, contribution.id)
        form = item[item.index("<form") :]
        offered = {part.split('"', 1)[0] for part in form.split('name="action" value="')[1:]}
        assert offered == expected[contribution.id], contribution.id
        assert (f'id="reason-{contribution.id}"' in form) == ("reject" in offered)
        assert f'action="/moderation/beitraege/{contribution.id}/entscheiden"' in form
    assert len({frozenset(v) for v in expected.values()}) >= 3


def test_a_reply_to_an_official_reply_names_the_office(app, make, discuss, client, login):
    """The queue's display names are read in SQL; they follow `Contribution.display_name`:
    an official reply is signed by the office, not by the moderator who wrote it."""
    from tests.helpers import signed_in_client

    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    moderator = make.user(roles=[Role.MODERATOR], display_name="Kim Muster")
    comment = discuss.comment(strategy, make.user(display_name="Berta"), body="Mehr Busse.")
    signed_in_client(app, moderator).post(
        f"/moderation/beitraege/{comment.id}/antworten", data={"body_md": "Wir prüfen das."}
    )
    with app.app_context():
        official = db.session.scalars(
            select(Contribution).where(Contribution.parent_id == comment.id)
        ).one()
        signature = official.official_signature
    reply = discuss.reply(official, make.user(display_name="Carl"), body="Danke!")
    login(moderator)
    item = _item_html(client.get("/moderation/").get_data(as_text=True), reply.id)
    assert signature
    assert f"<dt>Antwort auf {signature}</dt><dd><q>Wir prüfen das.</q></dd>" in item
    assert "Kim Muster" not in item


def test_kept_item_markup_follows_every_change_and_each_session_token(
    app, make, discuss, moderator
):
    """queue_render keeps an item's markup by everything it shows: a change to the item, its
    author or its author's count shows at once, and each moderator gets their own token."""
    from participation.accounts.models import User
    from tests.helpers import signed_in_client

    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    author = make.user(display_name="Anna")
    comment = discuss.comment(strategy, author, body="Erster Text.")
    first = signed_in_client(app, moderator)
    before = _item_html(first.get("/moderation/").get_data(as_text=True), comment.id)
    assert "Anna – 0 weitere Beiträge" in before
    with app.app_context():
        db.session.execute(
            update(Contribution)
            .where(Contribution.id == comment.id)
            .values(body_html="<p>Zweiter Text.</p>", report_count=1)
        )
        db.session.execute(update(User).where(User.id == author.id).values(display_name="Anne"))
        db.session.commit()
    discuss.comment(strategy, author, body="Noch einer.")
    html = first.get("/moderation/").get_data(as_text=True)
    after = _item_html(html, comment.id)
    assert "Zweiter Text." in after
    assert "Erster Text." not in after
    assert "Anne – 1 weiterer Beitrag" in after
    assert "1 offene Meldung" in after
    other = signed_in_client(app, make.user(roles=[Role.MODERATOR]))
    other_html = other.get("/moderation/").get_data(as_text=True)
    assert _item_html(other_html, comment.id) == after.replace(
        _token_of(after), _token_of(_item_html(other_html, comment.id))
    )
    assert _token_of(after) != _token_of(_item_html(other_html, comment.id))
    assert _token_of(after) == _token_of(html[html.index('id="bulk"') :])


def _token_of(html):
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
