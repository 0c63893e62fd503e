"""Taking part through the pages, as an account holder: comments on sections and
paragraphs, replies, deep replies, editing, withdrawing, permalinks, closed windows."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from participation.database import utcnow
from participation.discussion import services
from participation.discussion.models import Contribution, ModerationState
from participation.extensions import db
from participation.strategies.models import ModerationMode

TEXT = "Erster Absatz über das Bürgerbüro.\n\nZweiter Absatz über Radwege.\n\nDritter Absatz."


@pytest.fixture
def post_strategy(make):
    return make.strategy(
        slug="radplan", moderation_mode=ModerationMode.POST, sections=[("Mobilität", TEXT)]
    )


def html(response) -> str:
    return response.get_data(as_text=True)


def anchors(app, slug="radplan"):
    with app.app_context():
        from participation.strategies.models import Section, Strategy, Version

        strategy = db.session.scalars(select(Strategy).where(Strategy.slug == slug)).one()
        section = db.session.scalars(
            select(Section).join(Version).where(Version.strategy_id == strategy.id)
        ).first()
        return section.anchors


def contributions(app):
    with app.app_context():
        return list(db.session.scalars(select(Contribution).order_by(Contribution.id)))


def test_section_page_shows_paragraph_controls_and_the_form(client, app, post_strategy):
    page = html(client.get("/strategien/radplan/mobilitaet"))
    first, second, _ = anchors(app)
    assert f'href="?absatz={second}#diskussion"' in page
    assert "Absatz 2 kommentieren" in page
    assert '<h2 class="kern-heading-large" id="diskussion-heading">Diskussion</h2>' in page
    assert 'action="/strategien/radplan/mobilitaet/kommentare"' in page
    assert 'maxlength="5000"' in page
    # Not logged in: guest fields, the honeypot and a way to log in instead.
    assert 'name="guest_email"' in page
    assert "wird nie veröffentlicht" in page
    assert 'name="website"' in page
    assert 'tabindex="-1"' in page
    assert 'autocomplete="off"' in page
    assert "Stattdessen anmelden" in page
    assert "Noch keine Kommentare." in page


def test_comment_on_section_is_published_and_permalink_marks_it(
    client, app, make, login, post_strategy
):
    citizen = make.user(display_name="Clara Bürger")
    login(citizen)
    response = client.post(
        "/strategien/radplan/mobilitaet/kommentare", data={"body_md": "Mehr **Radwege**!"}
    )
    assert response.status_code == 302
    (comment,) = contributions(app)
    assert comment.state is ModerationState.PUBLISHED
    assert comment.author_id == citizen.id
    assert response.headers["Location"] == f"/beitraege/{comment.id}"
    landed = client.get(response.headers["Location"])
    assert landed.status_code == 302
    assert landed.headers["Location"] == (
        f"/strategien/radplan/mobilitaet?markiert={comment.id}#beitrag-{comment.id}"
    )
    page = html(client.get(landed.headers["Location"]))
    assert "Vielen Dank! Ihr Beitrag wurde veröffentlicht." in page
    assert f'id="beitrag-{comment.id}"' in page
    assert "contribution--marked" in page
    assert "markierter Beitrag" in page
    assert "<strong>Radwege</strong>" in page
    assert "Clara Bürger" in page
    assert f'href="/beitraege/{comment.id}/bearbeiten"' in page
    assert f'href="/beitraege/{comment.id}/zurueckziehen"' in page
    assert f'href="/beitraege/{comment.id}/antworten"' in page
    assert re.search(r'<time datetime="[^"]+">\d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr</time>', page)


def test_comment_on_paragraph_counts_and_links_to_it(client, app, make, login, post_strategy):
    citizen = make.user()
    login(citizen)
    _, second, _ = anchors(app)
    page = html(client.get(f"/strategien/radplan/mobilitaet?absatz={second}"))
    assert "Kommentar zu Absatz 2" in page
    assert f'<input id="absatz" name="absatz" type="hidden" value="{second}">' in page
    assert "Zweiter Absatz über Radwege." in page
    assert "Alle Kommentare zu diesem Abschnitt anzeigen" in page
    response = client.post(
        "/strategien/radplan/mobilitaet/kommentare",
        data={"body_md": "Radwege bitte breiter.", "absatz": second},
    )
    assert response.status_code == 302
    (comment,) = contributions(app)
    assert comment.paragraph_anchor == second
    page = html(client.get("/strategien/radplan/mobilitaet"))
    assert "Absatz 2 kommentieren (1 Kommentar)" in page
    assert f'<a class="kern-link" href="#{second}">zu Absatz 2</a>' in page
    # Filtered to another paragraph, the comment is not listed.
    first = anchors(app)[0]
    other = html(client.get(f"/strategien/radplan/mobilitaet?absatz={first}"))
    assert f'id="beitrag-{comment.id}"' not in other
    assert "Noch keine Kommentare zu diesem Absatz." in other


def test_pre_moderated_comment_is_pending_for_its_author_only(client, app, make, login):
    make.strategy(slug="vorab", sections=[("Mobilität", TEXT)], review_hours="werktags 9–16 Uhr")
    author = make.user()
    login(author)
    response = client.post(
        "/strategien/vorab/mobilitaet/kommentare",
        data={"body_md": "Wartet noch."},
        follow_redirects=True,
    )
    page = html(response)
    assert "Ihr Beitrag wird nach Prüfung veröffentlicht (Prüfzeiten: werktags 9–16 Uhr)" in page
    assert "wartet auf Freigabe" in page
    assert "Wartet noch." in page
    # Others (and anonymous readers) do not see it, not even by its permalink.
    (comment,) = contributions(app)
    other = app.test_client()
    assert "Wartet noch." not in html(other.get("/strategien/vorab/mobilitaet"))
    assert other.get(f"/beitraege/{comment.id}").status_code == 404
    # Published by the moderation, it counts on the paragraph control.
    with app.test_request_context():
        services.change_state(
            db.session.get(Contribution, comment.id),
            ModerationState.PUBLISHED,
            actor=None,
            action="contribution.published",
        )
        db.session.commit()
    assert "Wartet noch." in html(other.get("/strategien/vorab/mobilitaet"))


def test_reply_page_and_deep_replies_flattened(client, app, make, login, discuss, post_strategy):
    anna, ben = make.user(display_name="Anna"), make.user(display_name="Ben")
    root = discuss.comment(post_strategy, anna, body="Wurzel.")
    login(ben)
    page = html(client.get(f"/beitraege/{root.id}/antworten"))
    assert "<h1" in page
    assert "Antwort an Anna" in page
    assert "Wurzel." in page
    parent = root
    for n in range(5):
        response = client.post(
            f"/beitraege/{parent.id}/antworten", data={"body_md": f"Antwort Nummer {n}."}
        )
        assert response.status_code == 302, html(response)
        parent = contributions(app)[-1]
    page = html(client.get("/strategien/radplan/mobilitaet"))
    assert page.count('class="threads threads--replies"') == 3  # four levels nest
    assert "Antwort an Ben" in page  # depth 4 and 5 are flat, naming whom they answer
    assert re.search(r"<h6[^>]*>Ben", page)
    with app.app_context():
        assert db.session.get(Contribution, root.id).reply_count == 5


def test_edit_within_window_and_refused_after(client, app, make, login, discuss, post_strategy):
    author = make.user()
    comment = discuss.comment(post_strategy, author, body="Alter Text.")
    login(author)
    page = html(client.get(f"/beitraege/{comment.id}/bearbeiten"))
    assert "Alter Text." in page
    assert 'name="revision"' in page
    response = client.post(
        f"/beitraege/{comment.id}/bearbeiten",
        data={"body_md": "Neuer Text.", "revision": comment.revision},
        follow_redirects=True,
    )
    page = html(response)
    assert "Ihre Änderungen wurden gespeichert." in page
    assert "Neuer Text." in page
    assert "bearbeitet" in page
    # A stale form (revision of before) is refused with the current text shown.
    stale = client.post(
        f"/beitraege/{comment.id}/bearbeiten",
        data={"body_md": "Dritter Text.", "revision": comment.revision},
    )
    assert stale.status_code == 200
    assert "zwischenzeitlich geändert" in html(stale)
    assert "Dritter Text." in html(stale)
    # After 15 minutes: no edit link, and the page refuses.
    with app.app_context():
        db.session.execute(
            update(Contribution)
            .where(Contribution.id == comment.id)
            .values(created_at=utcnow() - timedelta(minutes=16))
        )
        db.session.commit()
    assert f"/beitraege/{comment.id}/bearbeiten" not in html(
        client.get("/strategien/radplan/mobilitaet")
    )
    assert client.get(f"/beitraege/{comment.id}/bearbeiten").status_code == 403
    refused = client.post(f"/beitraege/{comment.id}/bearbeiten", data={"body_md": "Zu spät."})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(Contribution, comment.id).body_md == "Neuer Text."


def test_others_cannot_edit_or_withdraw(client, app, make, login, discuss, post_strategy):
    comment = discuss.comment(post_strategy, make.user())
    login(make.user())
    assert client.get(f"/beitraege/{comment.id}/bearbeiten").status_code == 403
    assert client.post(f"/beitraege/{comment.id}/zurueckziehen").status_code == 403
    page = html(client.get("/strategien/radplan/mobilitaet"))
    assert f"/beitraege/{comment.id}/zurueckziehen" not in page


def test_withdraw_leaves_a_placeholder_that_keeps_replies(
    client, app, make, login, discuss, post_strategy
):
    author, other = make.user(display_name="Anna"), make.user(display_name="Ben")
    root = discuss.comment(post_strategy, author, body="Bald weg.")
    answer = discuss.reply(root, other, body="Ich antworte trotzdem.")
    login(author)
    page = html(client.get(f"/beitraege/{root.id}/zurueckziehen"))
    assert "Beitrag zurückziehen?" in page
    assert "Bald weg." in page
    response = client.post(f"/beitraege/{root.id}/zurueckziehen")
    assert response.status_code == 302
    page = html(client.get(response.headers["Location"]))
    assert "Ihr Beitrag wurde zurückgezogen." in page
    assert "Dieser Beitrag wurde zurückgezogen." in page
    assert "Bald weg." not in page
    assert "Ich antworte trotzdem." in page
    with app.app_context():
        assert db.session.get(Contribution, root.id).state is ModerationState.WITHDRAWN
    # A withdrawn comment without replies disappears entirely.
    lonely = discuss.comment(post_strategy, author, body="Auch weg.")
    client.post(f"/beitraege/{lonely.id}/zurueckziehen")
    assert client.get(f"/beitraege/{lonely.id}").status_code == 404
    assert client.get(f"/beitraege/{answer.id}").status_code == 302


def test_hidden_contribution_shows_the_moderation_placeholder(
    client, app, make, discuss, post_strategy
):
    root = discuss.comment(post_strategy, make.user(), body="Unfreundlich.")
    discuss.reply(root, make.user(), body="Sachliche Antwort.")
    with app.test_request_context():
        services.change_state(
            db.session.get(Contribution, root.id),
            ModerationState.HIDDEN,
            actor=None,
            action="contribution.hidden",
        )
        db.session.commit()
    page = html(client.get("/strategien/radplan/mobilitaet"))
    assert "Dieser Beitrag wurde von der Moderation ausgeblendet." in page
    assert "Unfreundlich." not in page
    assert "Sachliche Antwort." in page


def test_errors_keep_the_text(client, app, make, login, discuss, post_strategy):
    citizen = make.user()
    login(citizen)
    url = "/strategien/radplan/mobilitaet/kommentare"
    empty = html(client.post(url, data={"body_md": "   "}))
    assert "Bitte korrigieren Sie" in empty
    assert "Bitte schreiben Sie einen Text." in empty
    long_text = "Sehr lang. " * 500
    too_long = html(client.post(url, data={"body_md": long_text}))
    assert "5000" in too_long
    assert "Sehr lang. Sehr lang." in too_long
    assert 'aria-invalid="true"' in too_long
    client.post(url, data={"body_md": "Einmal reicht."})
    duplicate = html(client.post(url, data={"body_md": "Einmal reicht."}))
    assert "innerhalb der letzten Stunde" in duplicate
    assert "Einmal reicht." in duplicate
    assert len(contributions(app)) == 1


def test_honeypot_refuses_and_saves_nothing(client, app, make, login, post_strategy):
    login(make.user())
    response = client.post(
        "/strategien/radplan/mobilitaet/kommentare",
        data={"body_md": "Kaufen Sie jetzt!", "website": "http://spam.example"},
    )
    page = html(response)
    assert "Ihr Beitrag konnte nicht gesendet werden." in page
    assert "Kaufen Sie jetzt!" in page
    assert contributions(app) == []


def test_closed_window_shows_a_notice_and_refuses_posts(client, app, make, login):
    make.strategy(
        slug="vorbei",
        sections=[("Mobilität", TEXT)],
        opens_in=timedelta(days=-40),
        duration=timedelta(days=30),
    )
    login(make.user())
    page = html(client.get("/strategien/vorbei/mobilitaet"))
    assert "Die Beteiligung ist beendet." in page
    assert 'action="/strategien/vorbei/mobilitaet/kommentare"' not in page
    response = client.post("/strategien/vorbei/mobilitaet/kommentare", data={"body_md": "Spät."})
    # The service refuses it; the page shows the notice instead of a form.
    assert "Die Beteiligung ist beendet." in html(response)
    assert 'name="body_md"' not in html(response)
    assert contributions(app) == []


def test_upcoming_window_says_when_it_begins(client, make):
    make.strategy(slug="bald", sections=[("Mobilität", TEXT)], opens_in=timedelta(days=3))
    page = html(client.get("/strategien/bald/mobilitaet"))
    assert "Die Beteiligung beginnt am" in page


def test_unconfirmed_account_gets_the_service_message(client, app, make, login, post_strategy):
    login(make.user(confirmed=False))
    response = client.post("/strategien/radplan/mobilitaet/kommentare", data={"body_md": "Hallo."})
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in html(response)
    assert contributions(app) == []


def test_permalink_of_an_old_thread_lands_on_page_two(client, app, make, discuss, post_strategy):
    author = make.user()
    old = discuss.comment(post_strategy, author, body="Der älteste Strang.")
    reply = discuss.reply(old, make.user(), body="Antwort im alten Strang.")
    for n in range(24):
        discuss.comment(post_strategy, author, body=f"Strang {n}.")
    response = client.get(f"/beitraege/{reply.id}")
    assert response.headers["Location"] == (
        f"/strategien/radplan/mobilitaet?seite=2&markiert={reply.id}#beitrag-{reply.id}"
    )
    page = html(client.get(response.headers["Location"]))
    assert "Antwort im alten Strang." in page
    assert "contribution--marked" in page
    assert "Seite 2 von 2" in page
    assert 'rel="prev" href="?seite=1#diskussion"' in page
    first = html(client.get("/strategien/radplan/mobilitaet"))
    assert 'rel="next" href="?seite=2#diskussion"' in first
    assert "Der älteste Strang." not in first


def test_older_version_is_read_only(client, app, make, discuss, post_strategy):
    from participation.strategies import services as strategy_services
    from participation.strategies.models import Strategy

    comment = discuss.comment(post_strategy, make.user(), anchor=anchors(app)[1])
    with app.test_request_context():
        strategy = db.session.get(Strategy, post_strategy.id)
        strategy_services.ensure_draft(strategy, actor=None)
        strategy_services.publish(strategy, actor=None, change_note="Zweite Fassung")
        db.session.commit()
    page = html(client.get("/strategien/radplan/versionen/1/mobilitaet"))
    assert "Kommentare zu Absatz 2 (1 Kommentar)" in page
    assert 'action="/strategien/radplan/mobilitaet/kommentare"' not in page
    assert "Kommentare werden zur aktuellen Fassung geschrieben." in page
    assert f'id="beitrag-{comment.id}"' in page
    assert f"/beitraege/{comment.id}/antworten" not in page


def test_english_comment_flow(client, app, make, login, post_strategy):
    client.set_cookie("lang", "en")
    login(make.user())
    _, second, _ = anchors(app)
    page = html(client.get("/strategien/radplan/mobilitaet"))
    assert "Comment on paragraph 2" in page
    assert "Discussion" in page
    response = client.post(
        "/strategien/radplan/mobilitaet/kommentare",
        data={"body_md": "In English.", "absatz": second},
        follow_redirects=True,
    )
    page = html(response)
    assert "Thank you! Your contribution has been published." in page
    assert "on paragraph 2" in page
    assert "Comment on paragraph 2 (1 comment)" in page
    assert re.search(r"\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d", page)


def test_names_and_texts_are_escaped(client, app, make, discuss, post_strategy):
    evil = make.user(display_name='<script>alert("x")</script>')
    discuss.comment(post_strategy, evil, body="<b>fett</b> <script>alert(1)</script>")
    page = html(client.get("/strategien/radplan/mobilitaet"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_posting_is_rate_limited_across_comments_and_replies(
    limited_client, make, discuss, post_strategy
):
    root = discuss.comment(post_strategy, make.user())
    url = "/strategien/radplan/mobilitaet/kommentare"
    statuses = [limited_client.post(url, data={"body_md": ""}).status_code for _ in range(3)]
    statuses += [
        limited_client.post(f"/beitraege/{root.id}/antworten", data={"body_md": ""}).status_code
        for _ in range(2)
    ]
    assert statuses == [200] * 5
    refused = limited_client.post(f"/beitraege/{root.id}/antworten", data={"body_md": "x"})
    assert refused.status_code == 429
    assert "Zu viele Versuche" in html(refused)
    # Reading stays possible.
    assert limited_client.get(f"/beitraege/{root.id}/antworten").status_code == 200
    assert limited_client.get("/strategien/radplan/mobilitaet").status_code == 200
