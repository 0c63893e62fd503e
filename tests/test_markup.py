"""The one module that turns Markdown into HTML."""

from bs4 import BeautifulSoup

from participation.markup import (
    paragraph_anchor,
    render_contribution,
    render_document,
    scrollable_tables,
)


def test_raw_html_and_scripts_never_survive():
    html = render_document('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">').html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None
    assert soup.find("img") is None
    assert all(not a.startswith("on") for tag in soup.find_all(True) for a in tag.attrs)


def test_dangerous_link_schemes_are_dropped():
    html = render_contribution(
        "[a](javascript:alert(1)) [b](data:text/html,x) [c](https://ok.example)"
    ).html
    soup = BeautifulSoup(html, "html.parser")
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert hrefs == ["https://ok.example"]
    assert soup.find("a")["rel"] == ["nofollow", "ugc", "noopener"]


def test_contributions_allow_only_the_small_subset():
    html = render_contribution("# Titel\n\n*kursiv* **fett**\n\n- eins\n\n> Zitat").html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("h1") is None
    assert {tag.name for tag in soup.find_all(True)} <= {
        "p",
        "em",
        "strong",
        "ul",
        "li",
        "blockquote",
    }


def test_every_block_gets_a_stable_anchor_that_survives_edits_elsewhere():
    first = render_document("Erster Absatz.\n\nZweiter Absatz.")
    second = render_document("Neuer Absatz davor.\n\nErster Absatz.\n\nZweiter  Absatz, geändert.")
    assert [p.anchor for p in first.paragraphs][0] == second.paragraphs[1].anchor
    assert first.paragraphs[1].anchor not in {p.anchor for p in second.paragraphs}
    assert f'id="{paragraph_anchor("Erster Absatz.")}"' in second.html


def test_repeated_paragraphs_get_distinct_anchors():
    rendered = render_document("Gleich.\n\nGleich.")
    anchors = [p.anchor for p in rendered.paragraphs]
    assert len(set(anchors)) == 2


def test_body_headings_start_at_h2_without_gaps():
    html = render_document("### Unterpunkt\n\nText\n\n#### Detail").html
    soup = BeautifulSoup(html, "html.parser")
    assert [h.name for h in soup.find_all(["h2", "h3", "h4", "h5"])] == ["h2", "h3"]


def test_images_are_not_loaded_from_anywhere():
    html = render_document("![Bild](https://tracker.example/pixel.png)").html
    assert "<img" not in html


def test_tables_scroll_in_a_focusable_labelled_region():
    html = render_document("Text.\n\n| Jahr | Ziel |\n|---|---|\n| 2030 | Alles digital |\n").html
    shown = scrollable_tables(html, 'Tabelle "breit"')
    assert shown.count('<div class="table-scroll" role="region" tabindex="0"') == 1
    assert 'aria-label="Tabelle &#34;breit&#34;"' in shown
    start = shown.index('<div class="table-scroll"')
    assert shown[start:].index("<table") < shown[start:].index("</table></div>")
    assert scrollable_tables("<p>Ohne</p>", "x") == "<p>Ohne</p>"


def test_a_section_with_a_table_shows_it_scrollable(client, make):
    make.strategy(
        slug="tabellenplan", sections=[("Ziele", "| Jahr | Ziel |\n|---|---|\n| 2030 | Ja |")]
    )
    page = client.get("/strategien/tabellenplan/ziele").get_data(as_text=True)
    assert 'role="region" tabindex="0" aria-label="Tabelle (seitlich scrollbar)"><table' in page
