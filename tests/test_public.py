"""The public reading side: start page, overview, sections and versions."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from participation.database import utcnow
from participation.extensions import db
from participation.strategies.models import ModerationMode, Strategy
from participation.strategies.views import days_left
from tests.public_data import V1, add_version, strategy_with_tree

BERLIN = ZoneInfo("Europe/Berlin")


def html_of(response) -> str:
    return response.get_data(as_text=True)


def berlin_noon_in(days: int) -> datetime:
    today = datetime.now(BERLIN).date()
    return datetime.combine(today + timedelta(days=days), time(12), tzinfo=BERLIN)


# -- start page --------------------------------------------------------------------------


def test_start_page_empty_state(client):
    response = client.get("/")
    assert response.status_code == 200
    page = html_of(response)
    assert "Derzeit läuft keine Beteiligung" in page
    assert "So funktioniert die Beteiligung" in page
    assert page.count("<h1") == 1


def test_start_page_orders_open_first_and_shows_phase_and_days_left(client, make):
    make.strategy(title="Abgeschlossene Agenda", opens_in=timedelta(days=-60))
    make.strategy(title="Kommende Agenda", opens_in=timedelta(days=10))
    closes = berlin_noon_in(5)
    make.strategy(
        title="Laufende Agenda",
        opens_in=timedelta(days=-1),
        duration=closes - (utcnow() - timedelta(days=1)),
    )
    make.strategy(title="Unveröffentlichte Agenda", published=False)

    page = html_of(client.get("/"))
    positions = [page.index(t) for t in ("Laufende", "Kommende", "Abgeschlossene")]
    assert positions == sorted(positions)
    assert "Unveröffentlichte Agenda" not in page
    assert "Beteiligung läuft" in page
    assert "Demnächst" in page
    assert "Beteiligung beendet" in page
    assert "noch 5 Tage" in page
    assert 'href="/strategien/' in page


def test_adopted_strategy_is_listed_last_with_its_badge(client, make, app):
    adopted = make.strategy(title="Beschlossene Agenda", opens_in=timedelta(days=-90))
    make.strategy(title="Offene Agenda")
    with app.app_context():
        db.session.get(Strategy, adopted.id).adopted_on = date(2026, 1, 15)
        db.session.commit()
    page = html_of(client.get("/"))
    assert page.index("Offene Agenda") < page.index("Beschlossene Agenda")
    assert "Beschlossen" in page


@pytest.mark.parametrize(
    ("closes_local", "now_local", "expected"),
    [
        (datetime(2026, 3, 20, 0, 0), datetime(2026, 3, 10, 9, 0), 9),  # ends at midnight
        (datetime(2026, 3, 20, 18, 0), datetime(2026, 3, 10, 23, 30), 10),
        (datetime(2026, 3, 20, 18, 0), datetime(2026, 3, 20, 8, 0), 0),  # last day
        # 23:30 UTC is already the next day in Berlin.
        (datetime(2026, 3, 20, 18, 0), datetime(2026, 3, 11, 0, 30), 9),
    ],
)
def test_days_left_counts_calendar_days_in_berlin(app, closes_local, now_local, expected):
    strategy = Strategy(
        opens_at=datetime(2026, 1, 1, tzinfo=UTC),
        closes_at=closes_local.replace(tzinfo=BERLIN),
    )
    with app.app_context():
        assert days_left(strategy, now_local.replace(tzinfo=BERLIN).astimezone(UTC)) == expected
        assert days_left(strategy, datetime(2026, 4, 1, tzinfo=UTC)) is None


# -- overview ----------------------------------------------------------------------------


def test_overview_shows_window_moderation_version_and_numbered_toc(client, make, app):
    strategy = strategy_with_tree(
        make,
        app,
        slug="agenda",
        review_hours="Montag bis Freitag, 9 bis 16 Uhr",
        moderation_mode=ModerationMode.PRE,
    )
    response = client.get("/strategien/agenda")
    assert response.status_code == 200
    page = html_of(response)
    assert strategy.title in page
    assert "Beteiligung läuft" in page
    assert "Montag bis Freitag, 9 bis 16 Uhr" in page
    assert "bevor sie veröffentlicht werden" in page
    assert re.search(r"Version 1 vom \d+\. \w+ \d{4}", page)
    assert 'href="/strategien/agenda/versionen"' in page
    # Nested ordered lists, numbered like an outline.
    toc = page[page.index('<ol class="toc">') :]
    assert toc.count('<ol class="toc">') == 3  # root, Handlungsfelder, Verwaltung
    for number, title in [("1", "Einleitung"), ("2.1", "Verwaltung"), ("2.1.1", "Bürgerportal")]:
        assert f'<span class="toc__number">{number}</span> {title}' in toc
    assert 'href="/strategien/agenda/portal"' in toc


def test_overview_post_moderation_note(client, make):
    make.strategy(slug="nachher", moderation_mode=ModerationMode.POST)
    assert "sofort veröffentlicht" in html_of(client.get("/strategien/nachher"))


def test_unpublished_strategy_is_404_everywhere(client, make):
    make.strategy(slug="geheim", published=False, sections=[("Vision", "Text")])
    for path in (
        "/strategien/geheim",
        "/strategien/geheim/vision",
        "/strategien/geheim/versionen",
        "/strategien/geheim/vergleich",
    ):
        assert client.get(path).status_code == 404, path


def test_unknown_strategy_is_404(client):
    assert client.get("/strategien/gibt-es-nicht").status_code == 404


# -- section page ------------------------------------------------------------------------


def test_section_page_has_breadcrumbs_anchors_children_and_reading_order(client, make, app):
    strategy_with_tree(make, app, slug="agenda")
    response = client.get("/strategien/agenda/verwaltung")
    assert response.status_code == 200
    page = html_of(response)
    crumbs = page[page.index('aria-label="Brotkrümelnavigation"') :]
    crumbs = crumbs[: crumbs.index("</nav>")]
    assert 'href="/strategien/agenda"' in crumbs
    assert 'href="/strategien/agenda/handlungsfelder">2 Handlungsfelder' in crumbs
    assert 'aria-current="page">2.1 Verwaltung' in crumbs
    assert re.search(r'<h1[^>]*><span class="section-number">2.1</span> Verwaltung</h1>', page)
    assert "Handlungsfeld" in page
    # The stored paragraph carries its anchor, and the paragraph list links to it.
    anchor = re.search(r'<p id="(p-[0-9a-f]{10})">Anträge werden online gestellt.</p>', page)
    assert anchor
    assert f'href="#{anchor.group(1)}"' in page
    assert "Absatz 1" in page
    # Children and reading order.
    assert 'href="/strategien/agenda/portal">2.1.1 Bürgerportal' in page
    prev = r'rel="prev" href="/strategien/agenda/handlungsfelder">[^<]*2 Handlungsfelder'
    assert re.search(prev, page)
    assert re.search(r'rel="next" href="/strategien/agenda/portal">[^<]*2.1.1 Bürgerportal', page)


def test_first_and_last_sections_have_one_neighbour(client, make, app):
    strategy_with_tree(make, app, slug="agenda")
    first = html_of(client.get("/strategien/agenda/einleitung"))
    assert 'rel="prev"' not in first
    assert 'rel="next" href="/strategien/agenda/handlungsfelder"' in first
    last = html_of(client.get("/strategien/agenda/ausblick"))
    assert 'rel="prev" href="/strategien/agenda/mobilitaet"' in last
    assert 'rel="next"' not in last


def test_unknown_section_is_404(client, make):
    make.strategy(slug="agenda")
    assert client.get("/strategien/agenda/gibt-es-nicht").status_code == 404


def test_draft_sections_are_not_public(client, make, app):
    strategy = make.strategy(slug="agenda")
    add_version(app, strategy, None, [("entwurf", "Nur im Entwurf", "Geheim.")])
    assert client.get("/strategien/agenda/entwurf").status_code == 404
    assert "Nur im Entwurf" not in html_of(client.get("/strategien/agenda"))


def test_body_html_is_not_altered_and_script_is_escaped(client, make):
    make.strategy(slug="agenda", sections=[("Vision", "Hallo <script>alert(1)</script> Welt")])
    page = html_of(client.get("/strategien/agenda/vision"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


# -- versions ----------------------------------------------------------------------------


def _two_versions(make, app):
    strategy = strategy_with_tree(make, app, slug="agenda")
    v2 = [list(item) for item in V1]
    v2[0] = ("einleitung", "Einleitung", "Musterstadt wird digital und offen.")
    add_version(app, strategy, 2, v2, "Einleitung überarbeitet")
    return strategy


def test_version_list_links_to_each_version_and_its_predecessor(client, make, app):
    _two_versions(make, app)
    page = html_of(client.get("/strategien/agenda/versionen"))
    assert page.index("Version 2") < page.index("Version 1")
    assert "Einleitung überarbeitet" in page
    assert "Erster Entwurf" in page
    assert 'href="/strategien/agenda/versionen/1"' in page
    assert 'href="/strategien/agenda/vergleich?von=1&amp;zu=2"' in page
    overview = html_of(client.get("/strategien/agenda"))
    assert "Version 2 vom" in overview


def test_older_version_shows_notice_and_links_to_current(client, make, app):
    _two_versions(make, app)
    page = html_of(client.get("/strategien/agenda/versionen/1"))
    assert "Sie lesen eine ältere Fassung" in page
    assert 'href="/strategien/agenda/versionen/1/einleitung"' in page
    section = html_of(client.get("/strategien/agenda/versionen/1/einleitung"))
    assert "Sie lesen eine ältere Fassung" in section
    assert "Das Dokument beschreibt den Weg." in section
    assert 'href="/strategien/agenda/einleitung"' in section
    assert 'rel="next" href="/strategien/agenda/versionen/1/handlungsfelder"' in section
    current = html_of(client.get("/strategien/agenda/einleitung"))
    assert "ältere Fassung" not in current
    assert "Das Dokument beschreibt den Weg." not in current


def test_current_version_number_redirects_to_canonical_page(client, make, app):
    _two_versions(make, app)
    response = client.get("/strategien/agenda/versionen/2/einleitung")
    assert response.status_code == 302
    assert response.headers["Location"] == "/strategien/agenda/einleitung"
    assert client.get("/strategien/agenda/versionen/7").status_code == 404
    assert client.get("/strategien/agenda/versionen/1/gibt-es-nicht").status_code == 404
