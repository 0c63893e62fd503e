"""Consolidation: the committee rates ideas after the participation phase (blind until the
member's own rating, on every page and in the CSV), the office's table and chart, the rating
round, selections (public badge, list marker, status trail, mails, events) and two
moderators selecting at once."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from participation.accounts.models import Role, User
from participation.consolidation import services
from participation.consolidation.chart import Point, scatter_svg
from participation.consolidation.models import IdeaRating, IdeaSelection, SelectionKind
from participation.consolidation.services import ConsolidationError
from participation.database import utcnow
from participation.discussion.models import Contribution
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import services as moderation
from participation.moderation import status as status_service
from participation.notifications.models import Follow
from participation.strategies.models import Strategy
from tests.helpers import signed_in_client


@pytest.fixture
def world(app, make, discuss):
    strategy = make.strategy(slug="digital-2030", title="Digitalstrategie 2030")
    moderator = make.user(display_name="Moderation Amt", roles=[Role.MODERATOR])
    anna = make.user(
        email="anna@example.org", display_name="Ratsmitglied Anna", roles=[Role.COMMITTEE]
    )
    bert = make.user(
        email="bert@example.org", display_name="Ratsmitglied Bert", roles=[Role.COMMITTEE]
    )
    author = make.user(email="autorin@example.org", display_name="Autorin Ada")
    ideas = []
    for title in ("Offenes WLAN am Marktplatz", "Digitale Bürgerkarte", "Sensoren für Parkplätze"):
        idea = discuss.idea(strategy, author, title=title, body=f"{title}: bitte umsetzen.")
        with app.test_request_context():
            moderation.decide(
                db.session.get(Contribution, idea.id),
                "publish",
                actor=db.session.get(User, moderator.id),
                expected_state="pending",
            )
            db.session.commit()
        ideas.append(idea)
    return {
        "strategy": strategy,
        "moderator": moderator,
        "anna": anna,
        "bert": bert,
        "author": author,
        "ideas": ideas,
    }


def _close_phase(app, strategy):
    with app.app_context():
        db.session.execute(
            update(Strategy)
            .where(Strategy.id == strategy.id)
            .values(opens_at=utcnow() - timedelta(days=40), closes_at=utcnow() - timedelta(days=1))
        )
        db.session.commit()


@pytest.fixture
def closed(app, world):
    _close_phase(app, world["strategy"])
    return world


def _rate(client, slug, idea_id, relevance, feasibility, comment=""):
    return client.post(
        f"/konsolidierung/{slug}/bewerten/{idea_id}",
        data={"relevance": relevance, "feasibility": feasibility, "comment": comment},
    )


def _ratings(app):
    with app.app_context():
        return list(db.session.scalars(select(IdeaRating).order_by(IdeaRating.id)))


def _close_round(app, world):
    client = signed_in_client(app, world["moderator"])
    response = client.post(f"/konsolidierung/{world['strategy'].slug}/runde", data={})
    assert response.status_code == 302
    return client


def _select(client, world, idea_id, kind, expected="", reason=""):
    return client.post(
        f"/konsolidierung/{world['strategy'].slug}/auswertung/{idea_id}/auswahl",
        data={"kind": kind, "expected": expected, "public_reason": reason},
    )


# --- rating rules ------------------------------------------------------------------------------


def test_before_the_phase_closes_there_is_a_message_and_no_rating(app, world):
    client = signed_in_client(app, world["anna"])
    slug, idea = world["strategy"].slug, world["ideas"][0]
    page = client.get(f"/konsolidierung/{slug}/bewerten/{idea.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Die Beteiligungsphase ist noch nicht abgeschlossen." in html
    assert 'name="relevance"' not in html
    listing = client.get(f"/konsolidierung/{slug}/bewerten").get_data(as_text=True)
    assert "noch nicht abgeschlossen" in listing
    assert idea.title not in listing
    response = _rate(client, slug, idea.id, 4, 3)
    assert response.status_code == 409
    assert _ratings(app) == []
    with app.test_request_context(), pytest.raises(ConsolidationError):
        services.rate(
            db.session.get(Contribution, idea.id),
            db.session.get(Strategy, world["strategy"].id),
            rater=db.session.get(User, world["anna"].id),
            relevance=4,
            feasibility=3,
        )


def test_a_member_rates_once_and_may_change_the_rating(app, closed):
    world = closed
    client = signed_in_client(app, world["anna"])
    slug, idea = world["strategy"].slug, world["ideas"][0]
    form = client.get(f"/konsolidierung/{slug}/bewerten/{idea.id}").get_data(as_text=True)
    # Radio groups in fieldsets with a legend and a hint explaining the scale.
    assert form.count("<fieldset") == 2
    assert '<legend class="kern-label">Relevanz</legend>' in form
    assert '<legend class="kern-label">Machbarkeit</legend>' in form
    assert "5 – wesentlich für die Strategie" in form
    assert "1 – kaum umsetzbar" in form

    response = _rate(client, slug, idea.id, 4, 2, "Wichtig, aber teuer.")
    assert response.status_code == 302
    response = _rate(client, slug, idea.id, 5, 2, "Wichtig, aber teuer.")
    assert response.status_code == 302
    (rating,) = _ratings(app)
    assert (rating.relevance, rating.feasibility, rating.comment) == (5, 2, "Wichtig, aber teuer.")
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(Event.action)
                .where(Event.subject_type == "contributions", Event.subject_id == idea.id)
                .where(Event.action.like("consolidation.%"))
                .order_by(Event.id)
            )
        )
        events = list(
            db.session.scalars(select(Event).where(Event.action.like("consolidation.rat%")))
        )
    assert actions == ["consolidation.rated", "consolidation.rating_changed"]
    # The log says that someone rated, never the values.
    assert all(e.before is None and e.after is None for e in events)


@pytest.mark.parametrize(
    ("relevance", "feasibility", "message"),
    [
        ("0", "3", "Bitte bewerten Sie die Relevanz von 1 bis 5."),
        ("6", "3", "Bitte bewerten Sie die Relevanz von 1 bis 5."),
        ("3", "", "Bitte bewerten Sie die Machbarkeit von 1 bis 5."),
        ("drei", "3", "Bitte bewerten Sie die Relevanz von 1 bis 5."),
    ],
)
def test_scores_outside_one_to_five_are_refused_and_the_input_kept(
    app, closed, relevance, feasibility, message
):
    world = closed
    client = signed_in_client(app, world["anna"])
    response = _rate(
        client, world["strategy"].slug, world["ideas"][0].id, relevance, feasibility, "Mein Text"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert "Mein Text" in html
    assert _ratings(app) == []


def test_the_service_refuses_out_of_range_and_the_database_too(app, closed):
    world = closed
    with app.test_request_context():
        args = dict(
            rater=db.session.get(User, world["anna"].id),
        )
        idea = db.session.get(Contribution, world["ideas"][0].id)
        strategy = db.session.get(Strategy, world["strategy"].id)
        for relevance, feasibility in ((0, 3), (3, 6), (None, 2)):
            with pytest.raises(ConsolidationError):
                services.rate(idea, strategy, relevance=relevance, feasibility=feasibility, **args)
        services.rate(idea, strategy, relevance=1, feasibility=5, **args)
        db.session.commit()
        row = db.session.scalar(select(IdeaRating))
        row.relevance = 7
        with pytest.raises(Exception, match="(?i)check|constraint"):
            db.session.flush()
        db.session.rollback()


def test_one_rating_per_member_and_idea_in_the_database(app, closed):
    world = closed
    with app.app_context():
        for _ in range(2):
            db.session.add(
                IdeaRating(
                    contribution_id=world["ideas"][0].id,
                    rater_id=world["anna"].id,
                    relevance=3,
                    feasibility=3,
                )
            )
        with pytest.raises(Exception, match="(?i)unique"):
            db.session.flush()
        db.session.rollback()


def test_others_ratings_are_hidden_until_the_member_has_rated(app, closed):
    world = closed
    slug = world["strategy"].slug
    idea, other = world["ideas"][0], world["ideas"][1]
    anna = signed_in_client(app, world["anna"])
    bert = signed_in_client(app, world["bert"])
    assert _rate(anna, slug, idea.id, 5, 4, "GEHEIMER-KOMMENTAR von Anna").status_code == 302
    assert _rate(anna, slug, other.id, 2, 2).status_code == 302

    # Bert has not rated: neither Anna's figures nor her comment, nor any average.
    page = bert.get(f"/konsolidierung/{slug}/bewerten/{idea.id}").get_data(as_text=True)
    assert "GEHEIMER-KOMMENTAR" not in page
    assert "Mittelwert" not in page
    assert "sehen die Bewertungen der anderen Mitglieder zu dieser Idee, sobald" in page
    listing = bert.get(f"/konsolidierung/{slug}/bewerten").get_data(as_text=True)
    assert "0 von 3 Ideen bewertet." in listing
    assert "GEHEIMER-KOMMENTAR" not in listing
    exported = bert.get(f"/konsolidierung/{slug}/bewerten.csv")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 4
    assert all(cell == "" for row in rows[1:] for cell in row[2:])
    assert "GEHEIMER-KOMMENTAR" not in exported.get_data(as_text=True)
    # The office's pages stay closed to committee members.
    assert bert.get(f"/konsolidierung/{slug}/auswertung").status_code == 403
    assert bert.get(f"/konsolidierung/{slug}/auswertung.csv").status_code == 403
    assert bert.get(f"/konsolidierung/{slug}/auswertung/{idea.id}").status_code == 403

    # Once Bert has rated, he sees the figures and the comment, without Anna's name.
    assert _rate(bert, slug, idea.id, 3, 4).status_code == 302
    page = bert.get(f"/konsolidierung/{slug}/bewerten/{idea.id}").get_data(as_text=True)
    assert "GEHEIMER-KOMMENTAR von Anna" in page
    assert "Mittelwert 4,0, Standardabweichung 1,0, von 3 bis 5" in page
    assert "Ratsmitglied Anna" not in page
    exported = bert.get(f"/konsolidierung/{slug}/bewerten.csv").get_data(as_text=True)
    rows = {row[0]: row for row in csv.reader(io.StringIO(exported.lstrip("\ufeff")))}
    assert rows[str(idea.id)][2:4] == ["3", "4"]
    assert rows[str(idea.id)][5] == "2"  # two ratings
    assert "GEHEIMER-KOMMENTAR von Anna" in rows[str(idea.id)][-1]
    assert "Ratsmitglied Anna" not in exported
    # Still nothing of the idea he has not rated.
    assert all(cell == "" for cell in rows[str(other.id)][2:])

    with app.test_request_context():
        assert services.summary_for(db.session.get(Contribution, other.id), world["bert"]) is None
        assert services.summary_for(db.session.get(Contribution, other.id), world["author"]) is None


def test_progress_lists_what_is_still_to_rate(app, closed):
    world = closed
    slug = world["strategy"].slug
    client = signed_in_client(app, world["anna"])
    _rate(client, slug, world["ideas"][1].id, 3, 3)
    html = client.get(f"/konsolidierung/{slug}/bewerten").get_data(as_text=True)
    assert "1 von 3 Ideen bewertet." in html
    to_rate = html.split('id="offen-heading"', 1)[1].split("</section>", 1)[0]
    assert world["ideas"][0].title in to_rate
    assert world["ideas"][2].title in to_rate
    assert world["ideas"][1].title not in to_rate


def test_closing_the_round_freezes_the_ratings(app, closed):
    world = closed
    slug = world["strategy"].slug
    anna = signed_in_client(app, world["anna"])
    _rate(anna, slug, world["ideas"][0].id, 4, 4)
    _close_round(app, world)
    response = _rate(anna, slug, world["ideas"][0].id, 1, 1)
    assert response.status_code == 409
    assert "hat die Bewertungsrunde abgeschlossen" in response.get_data(as_text=True)
    (rating,) = _ratings(app)
    assert (rating.relevance, rating.feasibility) == (4, 4)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.action == "consolidation.round_closed")
            )
            == 1
        )


def test_english_pages(app, closed):
    world = closed
    client = signed_in_client(app, world["anna"])
    client.set_cookie("lang", "en")
    html = client.get(
        f"/konsolidierung/{world['strategy'].slug}/bewerten/{world['ideas'][0].id}"
    ).get_data(as_text=True)
    assert '<legend class="kern-label">Relevance</legend>' in html
    assert "5 – essential for the strategy" in html
    office = signed_in_client(app, world["moderator"])
    office.set_cookie("lang", "en")
    html = office.get(f"/konsolidierung/{world['strategy'].slug}/auswertung").get_data(as_text=True)
    assert "Relevance (mean)" in html
    assert "Close the rating round" in html


# --- the office's table and chart --------------------------------------------------------------


def _rate_all(app, world):
    slug = world["strategy"].slug
    anna = signed_in_client(app, world["anna"])
    bert = signed_in_client(app, world["bert"])
    first, second, third = world["ideas"]
    _rate(anna, slug, first.id, 5, 2, "Sehr wichtig")
    _rate(bert, slug, first.id, 3, 4)
    _rate(anna, slug, second.id, 2, 5)
    _rate(bert, slug, second.id, 2, 5, "Schnell machbar")
    # The third idea stays unrated.


def test_the_office_table_shows_n_mean_spread_and_comments(app, closed):
    world = closed
    _rate_all(app, world)
    first, second, third = world["ideas"]
    client = signed_in_client(app, world["moderator"])
    html = client.get(f"/konsolidierung/{world['strategy'].slug}/auswertung").get_data(as_text=True)
    table = html.split('id="auswertung-tabelle"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=\"kern-table__row\">(.*?)</tr>", table, re.S)[1:]
    cells = [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S) for row in rows]
    by_number = {int(c[0]): c for c in cells}
    assert by_number[first.id][2] == "2"
    assert by_number[first.id][3] == "4,0"
    assert by_number[first.id][4] == "1,0 (3–5)"
    assert by_number[first.id][5] == "3,0"
    assert by_number[first.id][6] == "1,0 (2–4)"
    assert "Ratsmitglied Anna:</strong>" in by_number[first.id][8]
    assert "Sehr wichtig" in by_number[first.id][8]
    assert by_number[second.id][4] == "0,0 (2–2)"
    assert by_number[third.id][2] == "0"
    assert by_number[third.id][3] == "–"
    # Default order: by number, marked on the header.
    assert [int(c[0]) for c in cells] == [first.id, second.id, third.id]
    assert 'aria-sort="ascending"' in table
    assert table.count("aria-sort=") == 1


@pytest.mark.parametrize(
    ("key", "direction", "expected"),
    [
        ("relevanz", "ab", [0, 1, 2]),
        ("relevanz", "auf", [1, 0, 2]),
        ("machbarkeit", "ab", [1, 0, 2]),
        ("anzahl", "auf", [2, 0, 1]),
        ("relevanz-streuung", "ab", [0, 1, 2]),
        ("titel", "auf", [1, 0, 2]),
    ],
)
def test_the_table_sorts_on_the_server_by_each_column(app, closed, key, direction, expected):
    world = closed
    _rate_all(app, world)
    client = signed_in_client(app, world["moderator"])
    html = client.get(
        f"/konsolidierung/{world['strategy'].slug}/auswertung?sortierung={key}&richtung={direction}"
    ).get_data(as_text=True)
    table = html.split('id="auswertung-tabelle"', 1)[1].split("</table>", 1)[0]
    first_cells = (
        r'<td class="kern-table__cell kern-table__cell--numeric">(\d+)</td>\s*<th scope="row"'
    )
    numbers = [int(n) for n in re.findall(first_cells, table)]
    assert numbers == [world["ideas"][i].id for i in expected]
    aria = "descending" if direction == "ab" else "ascending"
    header = re.search(
        r'<th scope="col"[^>]*aria-sort="(\w+)"[^>]*>\s*<a[^>]*sortierung=([\w-]+)', table
    )
    assert header.group(1) == aria
    assert header.group(2) == key


def test_the_chart_is_an_accessible_svg_with_labelled_points(app, closed):
    world = closed
    _rate_all(app, world)
    client = signed_in_client(app, world["moderator"])
    html = client.get(f"/konsolidierung/{world['strategy'].slug}/auswertung").get_data(as_text=True)
    chart = r'<svg [^>]*aria-labelledby="konsolidierung-diagramm-title".*?</svg>'
    svg = re.search(chart, html, re.S).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="konsolidierung-diagramm-title"' in svg
    assert 'aria-describedby="konsolidierung-diagramm-desc"' in svg
    assert '<title id="konsolidierung-diagramm-title">Relevanz und Machbarkeit der Ideen' in svg
    assert "1 Idee ohne Bewertung wird nicht gezeigt." in svg
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    # The points' labels (9px; the ticks are 10px): the rated ideas, not the unrated one.
    labels = re.findall(r'<text[^>]*font-size="9px"[^>]*>([^<]*)</text>', svg)
    assert sorted(labels) == sorted([str(world["ideas"][0].id), str(world["ideas"][1].id)])
    assert "Relevanz (Mittelwert, 1–5)" in texts
    # Text stays text, and nothing needs inline styles (the CSP allows none).
    assert "style=" not in svg
    assert "<style" not in svg
    assert "stroke-dasharray" in svg  # the quadrant lines
    # Markers are copied into place: no <use>, which the page's HTML checks refuse.
    assert "<use" not in svg
    assert 'href="#auswertung-tabelle"' in html


def test_the_chart_helper_is_stable_and_escapes_its_texts():
    points = [Point(3, 4.5, 2.0), Point(11, 1.0, 5.0)]
    first = scatter_svg(points, title="A <b>", description="D & E", x_label="x", y_label="y")
    second = scatter_svg(points, title="A <b>", description="D & E", x_label="x", y_label="y")
    assert first == second
    assert "A &lt;b&gt;" in first
    assert "D &amp; E" in first
    assert first.startswith("<svg")
    assert "<use" not in first


def test_office_csv_has_all_figures_with_names(app, closed):
    world = closed
    _rate_all(app, world)
    client = signed_in_client(app, world["moderator"])
    response = client.get(f"/konsolidierung/{world['strategy'].slug}/auswertung.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Nummer", "Idee", "Bewertungen"]
    first = next(row for row in rows if row[0] == str(world["ideas"][0].id))
    assert first[2:9] == ["2", "4,00", "1,00", "3–5", "3,00", "1,00", "2–4"]
    assert "Ratsmitglied Anna: Sehr wichtig" in first[10]


def test_csv_cells_that_look_like_formulas_are_quoted(app, closed):
    world = closed
    client = signed_in_client(app, world["anna"])
    _rate(client, world["strategy"].slug, world["ideas"][0].id, 3, 3, "=HYPERLINK(1)")
    office = signed_in_client(app, world["moderator"])
    text = office.get(f"/konsolidierung/{world['strategy'].slug}/auswertung.csv").get_data(
        as_text=True
    )
    assert "'Ratsmitglied Anna: =HYPERLINK(1)" not in text  # the cell starts with the name
    own = client.get(f"/konsolidierung/{world['strategy'].slug}/bewerten.csv").get_data(
        as_text=True
    )
    assert "'=HYPERLINK(1)" in own


# --- selection ---------------------------------------------------------------------------------


def test_selecting_needs_a_closed_round_and_committee_members_cannot_select(app, closed):
    world = closed
    idea = world["ideas"][0]
    office = signed_in_client(app, world["moderator"])
    response = _select(office, world, idea.id, "lead")
    assert response.status_code == 400
    assert "sobald das Amt die Bewertungsrunde abgeschlossen hat" in response.get_data(as_text=True)
    _close_round(app, world)
    member = signed_in_client(app, world["anna"])
    assert _select(member, world, idea.id, "lead").status_code == 403
    with app.test_request_context(), pytest.raises(ConsolidationError):
        services.select_idea(
            db.session.get(Contribution, idea.id),
            db.session.get(Strategy, world["strategy"].id),
            "lead",
            actor=db.session.get(User, world["anna"].id),
            expected="",
        )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdeaSelection)) == 0


def test_a_selection_is_public_in_badge_list_and_trail_and_tells_the_followers(
    app, closed, mailbox
):
    world = closed
    first, second, _third = world["ideas"]
    follower = signed_in_client(app, world["bert"])  # any account may follow
    assert follower.post(f"/beitraege/{first.id}/folgen").status_code in (302, 303)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Follow)) >= 1
    _rate_all(app, world)
    office = _close_round(app, world)
    mailbox.clear()
    response = _select(office, world, first.id, "lead", reason="Trägt das Handlungsfeld.")
    assert response.status_code == 302
    assert _select(office, world, second.id, "quick_win").status_code == 302

    slug = world["strategy"].slug
    public = app.test_client()
    page = public.get(f"/strategien/{slug}/ideen/{first.id}").get_data(as_text=True)
    assert "Leitprojekt" in page
    trail = page.split('id="bearbeitungsstand"', 1)[1].split("</section>", 1)[0]
    entries = re.findall(r"<li class=\"status-trail__entry\">(.*?)</li>", trail, re.S)
    labels = [re.search(r"<strong>(.*?)</strong>", e).group(1) for e in entries]
    assert labels == ["eingegangen", "ausgewählt als: Leitprojekt"]
    assert "Trägt das Handlungsfeld." in entries[-1]
    # Nothing of the ratings or the raters on the public page.
    for secret in ("Ratsmitglied", "Sehr wichtig", "Schnell machbar", "Moderation Amt"):
        assert secret not in page
    listing = public.get(f"/strategien/{slug}/ideen").get_data(as_text=True)
    assert listing.count("Ausgewählt als:") == 2
    assert "Quick Win" in listing

    messages = mailbox.wait_for(2)
    to_author = [m for m in messages if m["To"] == "autorin@example.org"]
    assert to_author
    assert "ausgewählt als: Leitprojekt" in to_author[0]["Subject"]

    # Changing and removing: both in the trail, with the reason.
    assert _select(office, world, first.id, "potential", expected="lead").status_code == 302
    assert (
        _select(
            office, world, first.id, "none", expected="potential", reason="Doch nicht."
        ).status_code
        == 302
    )
    page = public.get(f"/strategien/{slug}/ideen/{first.id}").get_data(as_text=True)
    trail = page.split('id="bearbeitungsstand"', 1)[1].split("</section>", 1)[0]
    labels = re.findall(r"<strong>(.*?)</strong>", trail)
    assert labels[-2:] == ["ausgewählt als: Potenzialprojekt", "nicht mehr als Projekt ausgewählt"]
    assert "Doch nicht." in trail
    assert "Leitprojekt</span>" not in page.split('id="bearbeitungsstand"', 1)[0]
    with app.app_context():
        events = list(
            db.session.scalars(
                select(Event)
                .where(Event.subject_id == first.id, Event.action.like("idea.%selected"))
                .order_by(Event.id)
            )
        )
    assert [e.action for e in events] == ["idea.selected", "idea.selected", "idea.unselected"]
    assert events[1].before == {"selection": "lead"}
    assert events[2].after == {"selection": None, "public_reason": "Doch nicht."}


def test_the_trail_in_english(app, closed):
    world = closed
    office = _close_round(app, world)
    _select(office, world, world["ideas"][0].id, "quick_win")
    client = app.test_client()
    client.set_cookie("lang", "en")
    page = client.get(
        f"/strategien/{world['strategy'].slug}/ideen/{world['ideas'][0].id}"
    ).get_data(as_text=True)
    assert "selected as: Quick win" in page
    with app.test_request_context():
        trail = status_service.status_trail(db.session.get(Contribution, world["ideas"][0].id))
    assert [(e.action, e.value) for e in trail][-1] == ("idea.selected", "quick_win")
    assert trail[-1].status is None


def test_the_round_cannot_be_reopened_while_ideas_are_selected(app, closed):
    world = closed
    office = _close_round(app, world)
    _select(office, world, world["ideas"][0].id, "lead")
    slug = world["strategy"].slug
    response = office.post(
        f"/konsolidierung/{slug}/runde", data={"aktion": "wieder-oeffnen"}, follow_redirects=True
    )
    assert "Entfernen Sie die Auswahl" in response.get_data(as_text=True)
    with app.test_request_context():
        assert services.round_closed(db.session.get(Strategy, world["strategy"].id))
    _select(office, world, world["ideas"][0].id, "none", expected="lead")
    office.post(f"/konsolidierung/{slug}/runde", data={"aktion": "wieder-oeffnen"})
    with app.test_request_context():
        assert not services.round_closed(db.session.get(Strategy, world["strategy"].id))


def test_a_stale_form_does_not_overwrite_another_moderators_selection(app, closed, make):
    """Both moderators opened the page while the idea was not selected; the second one's
    form says so and is refused instead of overwriting."""
    world = closed
    other = make.user(display_name="Zweite Moderatorin", roles=[Role.MODERATOR])
    first_client = _close_round(app, world)
    second_client = signed_in_client(app, other)
    idea = world["ideas"][0]
    assert _select(first_client, world, idea.id, "lead", expected="").status_code == 302
    response = _select(second_client, world, idea.id, "quick_win", expected="", reason="Mein Grund")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Jemand anderes hat die Auswahl dieser Idee inzwischen geändert" in html
    assert "Mein Grund" in html
    with app.app_context():
        assert db.session.get(IdeaSelection, idea.id).kind is SelectionKind.LEAD


def test_two_moderators_at_the_same_moment_leave_one_selection(app, closed, make, monkeypatch):
    """Both passed the check before either had saved (the loser read no selection): the
    primary key on the idea refuses the second insert, and the loser is told."""
    world = closed
    other = make.user(display_name="Zweite Moderatorin", roles=[Role.MODERATOR])
    _close_round(app, world)
    idea = world["ideas"][0]
    with app.test_request_context():
        services.select_idea(
            db.session.get(Contribution, idea.id),
            db.session.get(Strategy, world["strategy"].id),
            "lead",
            actor=db.session.get(User, world["moderator"].id),
            expected="",
        )
        db.session.commit()

    real_scalar = db.session.scalar
    stale = []

    def stale_read(statement, *args, **kwargs):
        if "idea_selections" in str(statement) and not stale:
            stale.append(statement)
            return None  # what the loser read before the winner committed
        return real_scalar(statement, *args, **kwargs)

    with app.test_request_context():
        monkeypatch.setattr(db.session, "scalar", stale_read)
        try:
            with pytest.raises(ConsolidationError) as refused:
                services.select_idea(
                    db.session.get(Contribution, idea.id),
                    db.session.get(Strategy, world["strategy"].id),
                    "quick_win",
                    actor=db.session.get(User, other.id),
                    expected="",
                )
        finally:
            monkeypatch.undo()
            db.session.rollback()
    assert stale, "the read of the current selection was not reached"
    assert "inzwischen geändert" in str(refused.value)
    with app.app_context():
        rows = list(db.session.scalars(select(IdeaSelection)))
        assert [(r.contribution_id, r.kind) for r in rows] == [(idea.id, SelectionKind.LEAD)]
        assert (
            db.session.scalar(
                select(func.count()).select_from(Event).where(Event.action == "idea.selected")
            )
            == 1
        )


def test_selections_for_is_the_api_for_other_areas(app, closed):
    world = closed
    office = _close_round(app, world)
    first, second, third = world["ideas"]
    _select(office, world, third.id, "quick_win")
    _select(office, world, first.id, "lead")
    _select(office, world, second.id, "potential")
    with app.test_request_context():
        strategy = db.session.get(Strategy, world["strategy"].id)
        rows = services.selections_for(strategy)
        assert [(r.contribution_id, r.kind) for r in rows] == [
            (first.id, SelectionKind.LEAD),
            (second.id, SelectionKind.POTENTIAL),
            (third.id, SelectionKind.QUICK_WIN),
        ]
        assert rows[0].contribution.title == first.title
        assert [r.contribution_id for r in services.selections_for(strategy, "lead")] == [first.id]
        assert services.selection_of(second.id).kind is SelectionKind.POTENTIAL
        assert services.selection_kinds([first.id, 999999]) == {first.id: SelectionKind.LEAD}


def test_the_demo_has_a_closed_participation_with_ratings_and_two_selections(app):
    from participation.consolidation.demo import SLUG

    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "gremium@example.org" in result.output
    with app.test_request_context():
        strategy = db.session.scalar(select(Strategy).where(Strategy.slug == SLUG))
        assert services.phase_closed(strategy)
        assert services.round_closed(strategy)
        kinds = [row.kind for row in services.selections_for(strategy)]
        assert kinds == [SelectionKind.LEAD, SelectionKind.QUICK_WIN]
        raters = db.session.scalars(select(IdeaRating.rater_id).distinct()).all()
        assert len(raters) == 2
        office = db.session.scalar(select(User).where(User.email == "moderation@example.org"))
    html = signed_in_client(app, office).get(f"/konsolidierung/{SLUG}/auswertung")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert "Eine App für Bus, Leihrad und Parken" in text
    assert "Leitprojekt" in text


def test_the_ideas_list_filters_by_selection(app, closed):
    world = closed
    office = _close_round(app, world)
    first, second, third = world["ideas"]
    _select(office, world, first.id, "lead")
    _select(office, world, second.id, "quick_win")
    client = app.test_client()
    base = f"/strategien/{world['strategy'].slug}/ideen"

    def titles(query):
        html = client.get(f"{base}?{query}").get_data(as_text=True)
        return {idea.title for idea in world["ideas"] if idea.title in html}

    assert titles("auswahl=ausgewaehlt") == {first.title, second.title}
    assert titles("auswahl=lead") == {first.title}
    assert titles("auswahl=quick_win") == {second.title}
    assert titles("auswahl=") == {first.title, second.title, third.title}
    html = client.get(f"{base}?auswahl=unsinn").get_data(as_text=True)
    assert "Als Projekt ausgewählt" in html  # named among the ignored filters
    assert {i.title for i in world["ideas"] if i.title in html} == {
        first.title,
        second.title,
        third.title,
    }
    form = client.get(base).get_data(as_text=True)
    assert '<select class="kern-form-input__select" id="auswahl" name="auswahl"' in form


def test_own_ratings_are_in_the_data_export_and_outlive_a_deleted_account(app, closed):
    from participation.privacy import services as privacy

    world = closed
    slug = world["strategy"].slug
    anna = signed_in_client(app, world["anna"])
    _rate(anna, slug, world["ideas"][0].id, 4, 3, "Annas Kommentar")
    _rate(signed_in_client(app, world["bert"]), slug, world["ideas"][0].id, 2, 2, "Berts Text")
    with app.test_request_context():
        exported = privacy.export_data(db.session.get(User, world["anna"].id))
    assert exported["idea_ratings"] == [
        {
            "contribution_id": world["ideas"][0].id,
            "relevance": 4,
            "feasibility": 3,
            "comment": "Annas Kommentar",
            "created_at": exported["idea_ratings"][0]["created_at"],
            "updated_at": exported["idea_ratings"][0]["updated_at"],
        }
    ]
    assert "Berts Text" not in str(exported)
    with app.app_context():
        db.session.get(User, world["anna"].id).display_name = ""
        db.session.commit()
    html = signed_in_client(app, world["moderator"]).get(f"/konsolidierung/{slug}/auswertung")
    assert "gelöschtes Konto:</strong>" in html.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "member_pages", "office_pages"),
    [
        (None, "login", "login"),
        ((), 403, 403),
        ((Role.COMMITTEE,), 200, 403),
        ((Role.MODERATOR,), 403, 200),
        ((Role.ADMIN,), 403, 200),
        ((Role.DEPARTMENT,), 403, 403),
    ],
)
def test_who_may_open_which_page_after_the_phase(
    app, closed, make, role, member_pages, office_pages
):
    """The role × route audit walks these routes with an open strategy; here the same with
    a closed one, where the forms are on the pages."""
    world = closed
    slug, idea = world["strategy"].slug, world["ideas"][0].id
    if role is None:
        client = app.test_client()
    else:
        department = make.department() if Role.DEPARTMENT in role else None
        client = signed_in_client(app, make.user(roles=list(role), department=department))
    pages = {
        f"/konsolidierung/{slug}/bewerten": member_pages,
        f"/konsolidierung/{slug}/bewerten/{idea}": member_pages,
        f"/konsolidierung/{slug}/bewerten.csv": member_pages,
        f"/konsolidierung/{slug}/auswertung": office_pages,
        f"/konsolidierung/{slug}/auswertung.csv": office_pages,
        f"/konsolidierung/{slug}/auswertung/{idea}": office_pages,
    }
    for url, expected in pages.items():
        response = client.get(url)
        if expected == "login":
            assert response.status_code == 302, url
            assert "/konto/anmelden" in response.headers["Location"]
        else:
            assert response.status_code == expected, url
    overview = client.get("/konsolidierung/")
    if role is None:
        assert overview.status_code == 302
    else:
        may = member_pages == 200 or office_pages == 200
        assert overview.status_code == (200 if may else 403)
