"""Comparing two versions: section states, paragraph and word marks, escaping, the page."""

import pytest
from markupsafe import Markup

from participation.extensions import db
from participation.strategies.diff import Status, compare, paragraph_diff, word_diff
from participation.strategies.models import SectionKind, Version
from tests.public_data import V1, add_version, strategy_with_tree

DEL = '<del><span class="visually-hidden">entfernt: </span>'
INS = '<ins><span class="visually-hidden">eingefügt: </span>'

V2 = [
    # Einleitung: second paragraph reworded, a third added.
    (
        "einleitung",
        "Einleitung",
        "Musterstadt wird digital.\n\nDas Dokument beschreibt den neuen Weg.\n\nNeu dabei.",
    ),
    (
        "handlungsfelder",
        "Handlungsfelder",
        "Sechs Felder.",
        SectionKind.TEXT,
        [
            # Mobilität now before Verwaltung: one of the two moved.
            ("mobilitaet", "Mobilität", "Busse fahren pünktlich.", SectionKind.FIELD_OF_ACTION, []),
            (
                "verwaltung",
                "Verwaltung",
                "Anträge werden online gestellt.",
                SectionKind.FIELD_OF_ACTION,
                [("termine", "Terminbuchung", "Termine online.", SectionKind.PROJECT, [])],
            ),
        ],
    ),
    # Ausblick: title and kind changed; Bürgerportal removed; Termine added.
    ("ausblick", "Ausblick und Roadmap", "Wir berichten jährlich.", SectionKind.PROJECT, []),
]


@pytest.fixture
def versions(make, app):
    strategy = strategy_with_tree(make, app, slug="agenda")
    v2 = add_version(app, strategy, 2, V2, "Überarbeitet")
    with app.app_context():
        v1 = db.session.get(Version, v2).strategy.versions[0].id
    return v1, v2


def _result(app, versions):
    with app.test_request_context():
        old, new = (db.session.get(Version, v) for v in versions)
        result = compare(old, new)
        by_key = {change.key: change for change in result.changes + result.unchanged}
        return result, by_key


def test_sections_are_classified_by_key(app, versions):
    result, by_key = _result(app, versions)
    assert by_key["termine"].statuses == [Status.ADDED]
    assert by_key["portal"].statuses == [Status.REMOVED]
    assert by_key["einleitung"].statuses == [Status.CHANGED]
    assert by_key["einleitung"].body_changed
    assert by_key["ausblick"].title_changed
    assert by_key["ausblick"].kind_changed
    assert not by_key["ausblick"].body_changed
    assert by_key["ausblick"].statuses == [Status.CHANGED]
    moved = {key for key, change in by_key.items() if Status.MOVED in change.statuses}
    assert len(moved) == 1
    assert moved <= {"mobilitaet", "verwaltung"}
    assert {c.key for c in result.unchanged} == {"handlungsfelder"} | (
        {"mobilitaet", "verwaltung"} - moved
    )
    counts = result.counts
    assert (counts["added"], counts["changed"], counts["removed"], counts["moved"]) == (1, 2, 1, 1)


def test_removed_section_is_listed_where_it_was(app, versions):
    result, _ = _result(app, versions)
    order = [change.key for change in result.changes + result.unchanged]
    assert "portal" in order
    keys = [c.key for c in result.changes]
    assert keys.index("einleitung") < keys.index("portal") < keys.index("ausblick")


def test_inserting_a_sibling_moves_nothing(make, app):
    strategy = strategy_with_tree(make, app, slug="agenda")
    v2 = [("neu", "Ganz neu", "Vorwort."), *V1]
    new_id = add_version(app, strategy, 2, v2, "Vorwort")
    with app.test_request_context():
        new = db.session.get(Version, new_id)
        result = compare(new.strategy.versions[0], new)
    assert [(c.key, c.statuses) for c in result.changes] == [("neu", [Status.ADDED])]


def test_reworded_paragraph_gets_word_marks(app, versions):
    _, by_key = _result(app, versions)
    body = str(by_key["einleitung"].body_html)
    assert '<p class="diff-unchanged">Musterstadt wird digital.</p>' in body
    assert f"Das Dokument beschreibt den {INS}neuen</ins> Weg." in body
    assert f"<p>{INS}Neu dabei.</ins></p>" in body
    title = str(by_key["ausblick"].title_html)
    assert title == f"Ausblick {INS}und Roadmap</ins>"
    removed = str(by_key["portal"].body_html)
    assert removed == f"<p>{DEL}Ein Portal für alles.</del></p>"


def test_unrelated_paragraphs_are_replaced_whole(app):
    with app.test_request_context():
        html = str(paragraph_diff(["Alpha beta gamma."], ["Ganz andere Worte hier."]))
    assert html == f"<p>{DEL}Alpha beta gamma.</del></p>\n<p>{INS}Ganz andere Worte hier.</ins></p>"


def test_word_diff_escapes_everything(app):
    with app.test_request_context():
        html = word_diff('Wir <b>laden</b> "alle" ein', "Wir <script>alert(1)</script> ein & mehr")
    assert isinstance(html, Markup)
    assert "<script>" not in html
    assert "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp; mehr" in html
    assert "&#34;alle&#34;" in html


def test_script_in_bodies_is_escaped_in_the_diff(make, app, client):
    strategy = make.strategy(slug="agenda", sections=[("Vision", "Erster <em>Text</em>.")])
    new_id = add_version(
        app, strategy, 2, [("vision", "Vision", "Erster <script>alert(1)</script>.")]
    )
    with app.test_request_context():
        new = db.session.get(Version, new_id)
        result = compare(new.strategy.versions[0], new)
    html = str(result.changes[0].body_html)
    assert "<script>" not in html
    assert "<em>" not in html
    assert "&lt;script&gt;" in html
    page = client.get("/strategien/agenda/vergleich?von=1&zu=2").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# -- the page ----------------------------------------------------------------------------


def test_compare_page_shows_summary_badges_and_marks(client, versions):
    response = client.get("/strategien/agenda/vergleich?von=1&zu=2")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Änderungen von Version 1 zu Version 2" in page
    for label in ("Neu", "Geändert", "Entfernt", "Verschoben"):
        assert f'<span class="kern-label">{label}</span>' in page
    assert "Überarbeitet" in page  # the change note
    assert INS in page
    assert DEL in page
    assert "Unveränderte Abschnitte (2)" in page
    assert '<option selected value="1">' in page


def test_compare_page_defaults_to_the_latest_two_versions(client, versions):
    page = client.get("/strategien/agenda/vergleich").get_data(as_text=True)
    assert "Änderungen von Version 1 zu Version 2" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("von=abc&zu=2", "Bitte wählen Sie eine der veröffentlichten Versionen."),
        ("von=1&zu=9", "Bitte wählen Sie eine der veröffentlichten Versionen."),
        ("von=2&zu=2", "Bitte wählen Sie zwei verschiedene Versionen."),
        ("von=1", "Bitte wählen Sie eine Version."),
        ("von=-1&zu=1e9", "Bitte wählen Sie eine der veröffentlichten Versionen."),
    ],
)
def test_bad_parameters_get_a_clear_message(client, versions, query, message):
    response = client.get(f"/strategien/agenda/vergleich?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'id="error-summary"' in page
    assert "Änderungen von Version" not in page


def test_compare_with_a_single_version_explains_why(client, make):
    make.strategy(slug="agenda")
    page = client.get("/strategien/agenda/vergleich").get_data(as_text=True)
    assert "nur eine Version veröffentlicht" in page
