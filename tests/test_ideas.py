"""The ideas pages over HTTP: list with filters, sorting, search and pages; submitting as
account holder and as guest; the idea page; supporting."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from participation.discussion.models import (
    Channel,
    Contribution,
    ContributionKind,
    ModerationState,
    ProcessingStatus,
    Support,
)
from participation.extensions import db
from participation.strategies.models import ModerationMode, Section, SectionKind, Version
from tests.conftest import extract_link

SECTIONS = [
    ("Vision", "Die Stadt stellt Leistungen digital bereit."),
    ("Mobilität", "Mehr Busse und sichere Radwege."),
    ("Verwaltung", "Anträge online stellen."),
]


def html_of(response) -> str:
    return response.get_data(as_text=True)


def strategy_with_fields(app, make, **kwargs):
    """A strategy whose sections "mobilitaet" and "verwaltung" are fields of action."""
    strategy = make.strategy(sections=SECTIONS, **kwargs)
    with app.app_context():
        version_id = db.session.scalar(select(Version.id).where(Version.strategy_id == strategy.id))
        db.session.execute(
            update(Section)
            .where(Section.version_id == version_id, Section.key.in_(["mobilitaet", "verwaltung"]))
            .values(kind=SectionKind.FIELD_OF_ACTION)
        )
        db.session.commit()
        fields = {
            s.key: s
            for s in db.session.scalars(select(Section).where(Section.version_id == version_id))
        }
    return strategy, fields


def set_idea(app, idea, **values):
    with app.app_context():
        db.session.execute(update(Contribution).where(Contribution.id == idea.id).values(**values))
        db.session.commit()


def fresh(app, model, id_):
    with app.app_context():
        return db.session.get(model, id_)


def titles(page: str) -> list[str]:
    pattern = r'<h3 class="kern-heading-small" id="idee-\d+-titel"><a [^>]*>([^<]+)</a>'
    return re.findall(pattern, page)


def ideas_url(strategy, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/strategien/{strategy.slug}/ideen" + (f"?{query}" if query else "")


@pytest.fixture
def open_post(app, make):
    """A post-moderated strategy with fields of action (new ideas are published at once)."""
    return strategy_with_fields(app, make, moderation_mode=ModerationMode.POST)


# -- the list ---------------------------------------------------------------------------------


def test_list_shows_published_ideas_and_only_own_pending_ones(app, make, discuss, client, login):
    strategy, _fields = strategy_with_fields(app, make)  # pre-moderation: new ideas wait
    author, other = make.user(display_name="Ada"), make.user()
    waiting = discuss.idea(strategy, author, title="Wartende Idee")
    published = discuss.idea(strategy, other, title="Freigegebene Idee")
    set_idea(app, published, state=ModerationState.PUBLISHED)

    page = html_of(client.get(ideas_url(strategy)))
    assert titles(page) == ["Freigegebene Idee"]
    assert "1 Idee gefunden" in page
    assert "Zum Unterstützen anmelden" in page

    login(author)
    page = html_of(client.get(ideas_url(strategy)))
    assert titles(page) == ["Freigegebene Idee", "Wartende Idee"]
    card = page[page.index(f'id="beitrag-{waiting.id}"') :]
    assert "wartet auf Freigabe" in card[: card.index("</article>")]
    assert "2 Ideen gefunden" in page
    assert page.count("<h1") == 1
    assert "<legend" in page


def test_card_shows_author_field_status_and_counts(app, open_post, make, discuss, client):
    strategy, fields = open_post
    idea = discuss.idea(
        strategy, make.user(display_name="Bea"), title="Busse", field=fields["mobilitaet"]
    )
    discuss.reply(idea, make.user())
    set_idea(app, idea, status=ProcessingStatus.IN_REVIEW, support_count=3)
    page = html_of(client.get(ideas_url(strategy)))
    card = page[page.index(f'id="beitrag-{idea.id}"') :]
    card = card[: card.index("</article>")]
    assert "von Bea" in card
    assert "in Prüfung" in card
    assert "3 Unterstützungen" in card
    assert "1 Antwort" in card
    assert f'href="/strategien/{strategy.slug}/mobilitaet"' in card
    assert f'href="/strategien/{strategy.slug}/ideen/{idea.id}"' in card


def test_filters_by_field_status_and_channel(app, open_post, make, discuss, client):
    strategy, fields = open_post
    user = make.user()
    bus = discuss.idea(strategy, user, title="Busse", field=fields["mobilitaet"])
    form = discuss.idea(strategy, user, title="Formulare", field=fields["verwaltung"])
    letter = discuss.idea(strategy, user, title="Per Brief")
    set_idea(app, form, status=ProcessingStatus.ADOPTED)
    set_idea(app, letter, channel=Channel.LETTER)

    page = html_of(client.get(ideas_url(strategy, handlungsfeld="mobilitaet")))
    assert titles(page) == ["Busse"]
    assert '<option selected value="mobilitaet">' in page
    assert titles(html_of(client.get(ideas_url(strategy, status="adopted")))) == ["Formulare"]
    page = html_of(client.get(ideas_url(strategy, kanal="letter")))
    assert titles(page) == ["Per Brief"]
    assert "per Brief eingegangen" in page
    assert len(titles(html_of(client.get(ideas_url(strategy, status="received"))))) == 2
    assert bus.id  # all three exist
    page = html_of(client.get(ideas_url(strategy, handlungsfeld="verwaltung", status="received")))
    assert titles(page) == []
    assert "Keine Idee passt zu diesen Filtern." in page
    assert "0 Ideen gefunden" in page


def test_invalid_filter_values_are_ignored_with_a_message(app, open_post, make, discuss, client):
    strategy, _fields = open_post
    discuss.idea(strategy, make.user(), title="Eine")
    response = client.get(
        ideas_url(strategy, handlungsfeld="gibtsnicht", status="erfunden", kanal="x", seite="abc")
        + "&sortierung=%27%3B+DROP"
    )
    assert response.status_code == 200
    page = html_of(response)
    assert titles(page) == ["Eine"]
    assert "Einige Filterwerte waren ungültig und wurden ignoriert" in page
    for label in ("Handlungsfeld", "Bearbeitungsstand", "Eingangsweg", "Sortierung"):
        assert label in page[page.index("ignoriert:") :][:200]


def test_sorting_by_support_and_discussion(app, open_post, make, discuss, client):
    strategy, _fields = open_post
    user = make.user()
    a = discuss.idea(strategy, user, title="Alpha")
    b = discuss.idea(strategy, user, title="Beta")
    c = discuss.idea(strategy, user, title="Gamma")
    set_idea(app, a, support_count=5, reply_count=0)
    set_idea(app, b, support_count=1, reply_count=9)
    set_idea(app, c, support_count=3, reply_count=2)
    assert titles(html_of(client.get(ideas_url(strategy)))) == ["Gamma", "Beta", "Alpha"]
    page = html_of(client.get(ideas_url(strategy, sortierung="unterstuetzung")))
    assert titles(page) == ["Alpha", "Gamma", "Beta"]
    page = html_of(client.get(ideas_url(strategy, sortierung="diskussion")))
    assert titles(page) == ["Beta", "Gamma", "Alpha"]


def test_search_is_case_insensitive_and_treats_wildcards_literally(
    app, open_post, make, discuss, client
):
    strategy, _fields = open_post
    user = make.user()
    discuss.idea(strategy, user, title="WLAN im Rathaus", body="Überall freies Netz.")
    discuss.idea(strategy, user, title="Rabatt", body="100% digital und a_b getestet.")
    discuss.idea(strategy, user, title="Andere", body="1000 Dinge und axb.")
    assert titles(html_of(client.get(ideas_url(strategy, suche="wlan")))) == ["WLAN im Rathaus"]
    assert titles(html_of(client.get(ideas_url(strategy, suche="FREIES")))) == ["WLAN im Rathaus"]
    assert titles(html_of(client.get(ideas_url(strategy, suche="100%25")))) == ["Rabatt"]
    assert titles(html_of(client.get(ideas_url(strategy, suche="a_b")))) == ["Rabatt"]
    assert titles(html_of(client.get(ideas_url(strategy, suche="%25")))) == ["Rabatt"]
    page = html_of(client.get(ideas_url(strategy, suche="_")))
    assert titles(page) == ["Rabatt"]
    page = html_of(client.get(ideas_url(strategy, suche="a_b")))
    assert 'value="a_b"' in page


def test_pages_of_twenty_keep_the_filters(app, open_post, make, discuss, client):
    strategy, fields = open_post
    user = make.user()
    for n in range(23):
        discuss.idea(strategy, user, title=f"Idee Nummer {n:02d}", field=fields["mobilitaet"])
    discuss.idea(strategy, user, title="Ohne Feld")
    page = html_of(client.get(ideas_url(strategy, handlungsfeld="mobilitaet")))
    assert len(titles(page)) == 20
    assert titles(page)[0] == "Idee Nummer 22"
    assert "23 Ideen gefunden" in page
    assert "Seite 1 von 2" in page
    next_link = re.search(r'<a class="kern-link" rel="next" href="([^"]+)"', page).group(1)
    assert "handlungsfeld=mobilitaet" in next_link
    assert "seite=2" in next_link
    second = html_of(client.get(next_link.replace("&amp;", "&")))
    assert titles(second) == ["Idee Nummer 02", "Idee Nummer 01", "Idee Nummer 00"]
    assert 'rel="prev"' in second
    # A page beyond the end shows the last page.
    assert titles(html_of(client.get(ideas_url(strategy, seite=99)))) != []


def test_unknown_strategy_is_404(client):
    assert client.get("/strategien/gibt-es-nicht/ideen").status_code == 404


# -- submitting -------------------------------------------------------------------------------


def _idea_rows(app, strategy):
    with app.app_context():
        return list(
            db.session.scalars(
                select(Contribution).where(
                    Contribution.strategy_id == strategy.id,
                    Contribution.kind == ContributionKind.IDEA,
                )
            )
        )


def test_account_holder_submits_an_idea_that_waits_for_moderation(app, make, client, login):
    strategy, _fields = strategy_with_fields(app, make)
    user = make.user(display_name="Carla")
    login(user)
    page = html_of(client.get(f"/strategien/{strategy.slug}/ideen/neu"))
    assert "Handlungsfeld" in page
    assert 'name="guest_email"' not in page
    response = client.post(
        f"/strategien/{strategy.slug}/ideen/neu",
        data={"title": "Mehr Bänke", "body_md": "Im *Park*.", "field_of_action": "mobilitaet"},
    )
    assert response.status_code == 302
    [idea] = _idea_rows(app, strategy)
    assert response.headers["Location"] == f"/strategien/{strategy.slug}/ideen/{idea.id}"
    assert idea.state is ModerationState.PENDING
    assert idea.section_key == "mobilitaet"
    assert idea.author_id == user.id
    page = html_of(client.get(response.headers["Location"]))
    assert "sobald das Moderationsteam sie geprüft hat" in page
    assert "wartet auf Freigabe" in page
    assert "<h1" in page
    assert "Mehr Bänke</h1>" in page
    assert "<em>Park</em>" in page
    assert "aria-pressed" not in page  # waiting ideas cannot be supported yet
    # Nobody else sees it.
    client.post("/konto/abmelden")
    assert client.get(response.headers["Location"]).status_code == 404


def test_post_moderation_publishes_at_once(app, open_post, make, client, login):
    strategy, _fields = open_post
    login(make.user())
    response = client.post(
        f"/strategien/{strategy.slug}/ideen/neu",
        data={"title": "Sofort sichtbar", "body_md": "Text", "field_of_action": ""},
        follow_redirects=True,
    )
    page = html_of(response)
    assert "Sie ist jetzt veröffentlicht." in page
    [idea] = _idea_rows(app, strategy)
    assert idea.state is ModerationState.PUBLISHED
    assert idea.section_key is None


def test_guest_submits_an_idea_and_confirms_it_by_mail(app, make, client, mailbox):
    strategy, _fields = strategy_with_fields(app, make)
    page = html_of(client.get(f"/strategien/{strategy.slug}/ideen/neu"))
    assert 'name="guest_email"' in page
    assert "Datenschutzerklärung lesen" in page
    response = client.post(
        f"/strategien/{strategy.slug}/ideen/neu",
        data={
            "title": "Gast-Idee",
            "body_md": "Offenes WLAN.",
            "guest_name": "Gustav",
            "guest_email": "Gustav@Example.org",
            "guest_consent": "y",
            "website": "",
        },
        follow_redirects=True,
    )
    page = html_of(response)
    assert "Fast geschafft" in page
    assert "bitte E-Mail-Adresse bestätigen" in page
    [idea] = _idea_rows(app, strategy)
    assert idea.state is ModerationState.UNCONFIRMED
    assert idea.guest_name == "Gustav"
    mailbox.wait_for(1)
    link = extract_link(mailbox.body(mailbox.last_to("gustav@example.org")), "/bestaetigen/")
    client.post(link)
    assert fresh(app, Contribution, idea.id).state is ModerationState.PENDING
    # The address is never shown, neither to the guest nor to others.
    assert "gustav@example.org" not in html_of(client.get(f"/strategien/{strategy.slug}/ideen"))


def test_guest_errors_keep_the_typed_text(app, make, client):
    strategy, _fields = strategy_with_fields(app, make)
    response = client.post(
        f"/strategien/{strategy.slug}/ideen/neu",
        data={
            "title": "Gute Idee",
            "body_md": "Mein <b>langer</b> Text",
            "guest_name": "Gerda",
            "guest_email": "gerda@example.org",
        },
    )
    assert response.status_code == 400
    page = html_of(response)
    assert "Bitte stimmen Sie" in page or "Datenschutz" in page
    assert 'value="Gute Idee"' in page
    assert "Mein &lt;b&gt;langer&lt;/b&gt; Text</textarea>" in page
    assert 'value="Gerda"' in page
    assert _idea_rows(app, strategy) == []


def test_errors_keep_the_text_and_are_named(app, open_post, make, client, login):
    strategy, _fields = open_post
    login(make.user())
    long_title = "T" * 151
    response = client.post(
        f"/strategien/{strategy.slug}/ideen/neu",
        data={"title": long_title, "body_md": "x" * 5001, "field_of_action": "erfunden"},
    )
    assert response.status_code == 400
    page = html_of(response)
    assert "Bitte korrigieren Sie" in page
    assert f'value="{long_title}"' in page
    assert "x" * 5001 in page
    assert page.count("Höchstens 150 Zeichen.") >= 1
    assert "Bitte wählen Sie eines der Handlungsfelder." in page
    assert 'aria-invalid="true"' in page
    response = client.post(
        f"/strategien/{strategy.slug}/ideen/neu", data={"title": "  ", "body_md": " \n "}
    )
    page = html_of(response)
    assert "Bitte geben Sie Ihrer Idee einen Titel." in page
    assert "Bitte schreiben Sie einen Text." in page
    assert _idea_rows(app, strategy) == []


def test_duplicate_idea_is_refused_with_the_text_kept(app, open_post, make, client, login):
    strategy, _fields = open_post
    login(make.user())
    data = {"title": "Zweimal", "body_md": "Derselbe Text."}
    assert client.post(f"/strategien/{strategy.slug}/ideen/neu", data=data).status_code == 302
    response = client.post(f"/strategien/{strategy.slug}/ideen/neu", data=data)
    assert response.status_code == 400
    assert "innerhalb der letzten Stunde" in html_of(response) or "Stunde" in html_of(response)
    assert len(_idea_rows(app, strategy)) == 1


def test_honeypot_refuses_the_idea(app, open_post, make, client, login):
    strategy, _fields = open_post
    login(make.user())
    response = client.post(
        f"/strategien/{strategy.slug}/ideen/neu",
        data={"title": "Spam", "body_md": "Kaufen!", "website": "http://spam.example"},
    )
    assert response.status_code == 400
    assert "konnte nicht gesendet werden" in html_of(response)
    assert _idea_rows(app, strategy) == []


def test_closed_window_shows_a_notice_and_refuses_posts(app, make, client, login):
    strategy, _fields = strategy_with_fields(
        app, make, opens_in=timedelta(days=-40), duration=timedelta(days=30)
    )
    login(make.user())
    page = html_of(client.get(f"/strategien/{strategy.slug}/ideen/neu"))
    assert "Die Beteiligung läuft nicht" in page
    assert 'name="body_md"' not in page
    response = client.post(
        f"/strategien/{strategy.slug}/ideen/neu", data={"title": "Zu spät", "body_md": "Text"}
    )
    assert response.status_code == 403
    assert _idea_rows(app, strategy) == []
    listing = html_of(client.get(ideas_url(strategy)))
    assert "keine neuen Ideen eingereicht werden" in listing
    assert f"/strategien/{strategy.slug}/ideen/neu" not in listing


def test_new_ideas_share_the_posting_rate_limit(app, make, limited_client):
    strategy, _fields = strategy_with_fields(app, make, moderation_mode=ModerationMode.POST)
    statuses = [
        limited_client.post(f"/strategien/{strategy.slug}/ideen/neu", data={}).status_code
        for _ in range(6)
    ]
    assert statuses == [400] * 5 + [429]
    assert limited_client.get(f"/strategien/{strategy.slug}/ideen/neu").status_code == 200


# -- the idea page and supporting -------------------------------------------------------------


def test_idea_page_shows_meta_text_and_replies(app, open_post, make, discuss, client):
    strategy, fields = open_post
    idea = discuss.idea(
        strategy,
        make.user(display_name="Dora"),
        title="Radwege",
        body="Mehr **Radwege**.",
        field=fields["mobilitaet"],
    )
    discuss.reply(idea, make.user(display_name="Emil"), body="Gute Idee, finde ich.")
    response = client.get(f"/strategien/{strategy.slug}/ideen/{idea.id}")
    assert response.status_code == 200
    page = html_of(response)
    assert page.count("<h1") == 1
    assert "Radwege</h1>" in page
    assert "Dora" in page
    assert "<strong>Radwege</strong>" in page
    assert f'href="/strategien/{strategy.slug}/mobilitaet"' in page
    assert "eingegangen" in page
    assert "0 Unterstützungen" in page
    assert "1 Antwort" in page
    assert "Emil" in page
    assert "Gute Idee, finde ich." in page
    assert f'action="/beitraege/{idea.id}/antworten"' in page
    assert f'id="beitrag-{idea.id}"' in page


def test_permalink_of_an_idea_and_its_reply_lead_to_the_idea_page(
    app, open_post, make, discuss, client
):
    strategy, _fields = open_post
    idea = discuss.idea(strategy, make.user())
    reply = discuss.reply(idea, make.user())
    for target in (idea, reply):
        response = client.get(f"/beitraege/{target.id}")
        assert response.status_code == 302
        assert f"/strategien/{strategy.slug}/ideen/{idea.id}" in response.headers["Location"]
    page = html_of(client.get(f"/strategien/{strategy.slug}/ideen/{idea.id}?markiert={reply.id}"))
    assert "contribution--marked" in page


def test_idea_page_404_for_other_strategy_and_comments(app, open_post, make, discuss, client):
    strategy, _fields = open_post
    other, _ = strategy_with_fields(app, make)
    idea = discuss.idea(strategy, make.user())
    comment = discuss.comment(strategy, make.user())
    assert client.get(f"/strategien/{other.slug}/ideen/{idea.id}").status_code == 404
    assert client.get(f"/strategien/{strategy.slug}/ideen/{comment.id}").status_code == 404
    assert client.get(f"/strategien/{strategy.slug}/ideen/999999").status_code == 404


def _card(page: str, idea_id: int) -> str:
    card = page[page.index(f'id="beitrag-{idea_id}"') :]
    return card[: card.index("</article>")]


def test_support_toggles_via_http(app, open_post, make, discuss, client, login):
    strategy, _fields = open_post
    idea = discuss.idea(strategy, make.user(), title="Unterstützenswert")
    login(make.user())
    listing = ideas_url(strategy)
    card = _card(html_of(client.get(listing)), idea.id)
    assert 'aria-pressed="false"' in card
    assert "0 Unterstützungen" in card

    response = client.post(
        f"/beitraege/{idea.id}/unterstuetzen", data={"next": f"{listing}#beitrag-{idea.id}"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{listing}#beitrag-{idea.id}"
    page = html_of(client.get(listing))
    assert "Sie unterstützen diese Idee." in page
    card = _card(page, idea.id)
    assert 'aria-pressed="true"' in card
    assert "Unterstützt ✓ – Unterstützung zurückziehen" in card
    assert "1 Unterstützung" in card
    assert fresh(app, Contribution, idea.id).support_count == 1

    client.post(f"/beitraege/{idea.id}/unterstuetzen", data={"next": listing})
    page = html_of(client.get(listing))
    assert "Ihre Unterstützung wurde zurückgezogen." in page
    card = _card(page, idea.id)
    assert 'aria-pressed="false"' in card
    assert "0 Unterstützungen" in card
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Support)) == 0


def test_support_returns_to_the_idea_page_and_refuses_foreign_targets(
    app, open_post, make, discuss, client, login
):
    strategy, _fields = open_post
    idea = discuss.idea(strategy, make.user())
    login(make.user())
    response = client.post(
        f"/beitraege/{idea.id}/unterstuetzen", data={"next": "https://evil.example/"}
    )
    assert response.headers["Location"] == f"/strategien/{strategy.slug}/ideen/{idea.id}"
    page = html_of(client.get(response.headers["Location"]))
    assert 'aria-pressed="true"' in page
    assert "1 Unterstützung" in page
    # A GET (e.g. after logging in again) leads to the idea page instead of changing anything.
    response = client.get(f"/beitraege/{idea.id}/unterstuetzen")
    assert response.status_code == 302
    assert fresh(app, Contribution, idea.id).support_count == 1


def test_own_idea_may_be_supported(app, open_post, make, discuss, client, login):
    strategy, _fields = open_post
    author = make.user()
    idea = discuss.idea(strategy, author)
    login(author)
    client.post(f"/beitraege/{idea.id}/unterstuetzen")
    assert fresh(app, Contribution, idea.id).support_count == 1


def test_anonymous_support_goes_to_login(app, open_post, make, discuss, client):
    strategy, _fields = open_post
    idea = discuss.idea(strategy, make.user())
    response = client.post(f"/beitraege/{idea.id}/unterstuetzen")
    assert response.status_code == 302
    assert "/konto/anmelden" in response.headers["Location"]
    page = html_of(client.get(f"/strategien/{strategy.slug}/ideen/{idea.id}"))
    assert "Zum Unterstützen anmelden" in page
    assert "aria-pressed" not in page
    assert fresh(app, Contribution, idea.id).support_count == 0


def test_pending_and_unknown_ideas_cannot_be_supported(app, make, discuss, client, login):
    strategy, _fields = strategy_with_fields(app, make)
    author = make.user()
    pending = discuss.idea(strategy, author)
    login(author)
    response = client.post(f"/beitraege/{pending.id}/unterstuetzen", follow_redirects=True)
    assert "Nur veröffentlichte Ideen können unterstützt werden." in html_of(response)
    assert fresh(app, Contribution, pending.id).support_count == 0
    login(make.user())
    assert client.post(f"/beitraege/{pending.id}/unterstuetzen").status_code == 404
    comment = discuss.comment(strategy, author)
    assert client.post(f"/beitraege/{comment.id}/unterstuetzen").status_code == 404


def test_withdrawn_idea_with_replies_stays_as_placeholder(app, open_post, make, discuss, client):
    strategy, _fields = open_post
    idea = discuss.idea(strategy, make.user(), title="Geheimer Titel")
    discuss.reply(idea, make.user(), body="Antwort bleibt lesbar.")
    set_idea(app, idea, state=ModerationState.WITHDRAWN)
    page = html_of(client.get(f"/strategien/{strategy.slug}/ideen/{idea.id}"))
    assert "Zurückgezogene Idee" in page
    assert "Geheimer Titel" not in page
    assert "Antwort bleibt lesbar." in page
    assert "Geheimer Titel" not in html_of(client.get(ideas_url(strategy)))


def test_overview_links_to_the_ideas(app, open_post, client):
    strategy, _fields = open_post
    page = html_of(client.get(f"/strategien/{strategy.slug}"))
    assert f'href="/strategien/{strategy.slug}/ideen"' in page
    assert f'href="/strategien/{strategy.slug}/ideen/neu"' in page
    assert f'href="/strategien/{strategy.slug}/ideen"' in html_of(client.get("/"))


def test_english_ui(app, open_post, make, discuss, client, login):
    strategy, _fields = open_post
    discuss.idea(strategy, make.user(), title="Good idea")
    login(make.user())
    client.post("/sprache", data={"lang": "en", "next": "/"})
    page = html_of(client.get(ideas_url(strategy)))
    assert "1 idea found" in page
    assert "Filter, sort and search ideas" in page
    assert "most supported" in page
    assert ">Support<" in page
    page = html_of(client.get(f"/strategien/{strategy.slug}/ideen/neu"))
    assert "Submit an idea" in page
    assert 'lang="en"' in page


def test_reply_from_the_idea_page_and_own_idea_links(app, open_post, make, discuss, client, login):
    strategy, _fields = open_post
    author = make.user(display_name="Frieda")
    idea = discuss.idea(strategy, author, title="Bänke am Fluss")
    login(author)
    page = html_of(client.get(f"/strategien/{strategy.slug}/ideen/{idea.id}"))
    assert f'href="/beitraege/{idea.id}/bearbeiten"' in page
    assert f'href="/beitraege/{idea.id}/zurueckziehen"' in page
    response = client.post(
        f"/beitraege/{idea.id}/antworten", data={"body_md": "Ich ergänze: mit Schatten."}
    )
    assert response.status_code == 302
    page = html_of(client.get(response.headers["Location"], follow_redirects=True))
    assert "Ich ergänze: mit Schatten." in page
    assert "1 Antwort" in page
    assert fresh(app, Contribution, idea.id).reply_count == 1


def test_support_is_rate_limited_generously(app, open_post, make, discuss, limited_client):
    from participation.discussion.ideas import SUPPORT_LIMIT

    strategy, _fields = open_post
    idea = discuss.idea(strategy, make.user())
    user = make.user()
    allowed = int(SUPPORT_LIMIT.split()[0])
    with limited_client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    statuses = [
        limited_client.post(f"/beitraege/{idea.id}/unterstuetzen").status_code
        for _ in range(allowed + 1)
    ]
    assert statuses[:allowed] == [302] * allowed
    assert statuses[allowed] == 429
    assert fresh(app, Contribution, idea.id).support_count == 0  # an even number of toggles
