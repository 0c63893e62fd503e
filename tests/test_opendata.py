"""Open data: who is named and how, what never gets in, CSV that spreadsheets read safely,
the DCAT-AP.de catalogue, the page in both languages and a bounded number of queries."""

import csv
import io
import json
import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.discussion import services as discussion
from participation.discussion.models import Contribution, ProcessingStatus
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import notes, official
from participation.moderation import services as moderation
from participation.moderation import status as status_service
from participation.opendata import contributions as opendata
from participation.opendata import files
from participation.opendata.authors import CONSENT_CHANGED
from participation.privacy import services as privacy
from participation.strategies.models import Strategy
from participation.strategies.queries import latest_version
from tests.bulk import seed_section
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import signed_in_client
from tests.test_discussion_pages import count_statements

FORMULAS = {
    "equals": '=HYPERLINK("http://example.org/x","klick")',
    "plus": "+49 Bürgertelefon bitte",
    "minus": "-2+3 Stimmen mehr",
    "at": "@SUM(A1:A2) Summe",
}
MULTILINE = 'Erste Zeile mit "Zitat", Komma; Semikolon\n\nZweite Zeile: Öffnungszeiten ÄÖÜß'
SECRET = {
    "moderator_name": "Mona Geheim-Moderatorin",
    "moderator_email": "mona-geheim@example.org",
    "author_email": "paul-geheim@example.org",
    "consenting_email": "carla-geheim@example.org",
    "deleted_email": "dora-geheim@example.org",
    "guest_email": "gast-geheim@example.org",
    "guest_name": "Gerda Geheimgast",
    "deleted_name": "Dora Gelöscht",
    "note": "Geheime-interne-Notiz",
    "pending": "Geheimer-wartender-Kommentar",
    "rejection_note": "Geheime-Ablehnungsnotiz",
    "rejected": "Geheimer-abgelehnter-Text",
}


@dataclass
class World:
    slug: str
    strategy_id: int
    users: dict[str, User] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(app, make) -> World:
    users = {
        # Created first (lowest id) but writes last: pseudonyms follow the contributions.
        "late": make.user(display_name="Lena Später"),
        "plain": make.user(display_name="Paul Pseudonym", email=SECRET["author_email"]),
        "consenting": make.user(
            display_name="Carla Zustimmung",
            email=SECRET["consenting_email"],
            open_data_show_name=True,
        ),
        "formula_name": make.user(display_name="=1+1 Formelname", open_data_show_name=True),
        "deleted": make.user(
            display_name=SECRET["deleted_name"],
            email=SECRET["deleted_email"],
            open_data_show_name=True,
        ),
        "moderator": make.user(
            display_name=SECRET["moderator_name"],
            email=SECRET["moderator_email"],
            roles=[Role.MODERATOR],
        ),
    }
    strategy = make.strategy(
        title="Digitalstrategie Offen",
        sections=[("Vision", "Erster Absatz.\n\nZweiter Absatz."), ("Mobilität", "Mehr Busse.")],
    )
    w = World(slug=strategy.slug, strategy_id=strategy.id, users=users)
    with app.test_request_context():
        s = db.session.get(Strategy, strategy.id)
        u = {name: db.session.get(User, user.id) for name, user in users.items()}
        version = latest_version(s)
        vision, mobility = version.sections[0], version.sections[1]

        def publish(c):
            moderation.decide(c, "publish", actor=u["moderator"], expected_state=c.state)
            return c

        def comment(who, text, section=vision, anchor=None):
            return publish(
                discussion.post_comment(
                    s, section, version=version, author=who, body_md=text, paragraph_anchor=anchor
                )
            )

        ids = w.ids
        ids["plain"] = comment(u["plain"], "Bitte mehr Radwege.", anchor=vision.anchors[0]).id
        ids["plain_again"] = comment(u["plain"], "Und Bänke.", section=mobility).id
        ids["consenting"] = comment(u["consenting"], MULTILINE).id
        ids["formula_name"] = comment(u["formula_name"], "Ein Kommentar mit Formelnamen.").id
        ids["deleted"] = comment(u["deleted"], "Von einem später gelöschten Konto.").id
        for name, text in FORMULAS.items():
            ids[f"formula_{name}"] = comment(u["plain"], text).id
        ids["guest"] = publish(
            discussion.post_comment(
                s,
                vision,
                version=version,
                author=None,
                guest=discussion.Guest(
                    name=SECRET["guest_name"],
                    email=SECRET["guest_email"],
                    consent=True,
                    verified=True,
                ),
                body_md="Ein Gastkommentar.",
            )
        ).id
        ids["late"] = comment(u["late"], "Spät, aber dabei.").id
        reply = publish(
            discussion.post_reply(
                db.session.get(Contribution, ids["plain"]), author=u["late"], body_md="Genau!"
            )
        )
        ids["reply"] = reply.id
        answer = official.post_official_reply(
            db.session.get(Contribution, ids["plain"]),
            actor=u["moderator"],
            body_md="Das Amt prüft die Radwege.",
            show_own_name=True,
        )
        ids["official"] = answer.id
        idea = publish(
            discussion.post_idea(
                s,
                author=u["plain"],
                title="Quartiersgarage",
                body_md="Eine Garage für das Quartier.",
                field_of_action=mobility,
            )
        )
        ids["idea"] = idea.id
        status_service.set_status(idea, ProcessingStatus.IN_REVIEW, actor=u["moderator"])
        status_service.set_status(
            idea,
            ProcessingStatus.NOT_ADOPTED,
            actor=u["moderator"],
            public_reason="Der Platz reicht nicht.",
        )
        notes.add_note(idea, actor=u["moderator"], body=SECRET["note"])
        discussion.post_comment(
            s, vision, version=version, author=u["plain"], body_md=SECRET["pending"]
        )
        rejected = discussion.post_comment(
            s, vision, version=version, author=u["plain"], body_md=SECRET["rejected"]
        )
        from participation.moderation.labels import rejection_choices

        moderation.decide(
            rejected,
            "reject",
            actor=u["moderator"],
            expected_state=rejected.state,
            reason=rejection_choices()[0][0],
            note=SECRET["rejection_note"],
        )
        privacy.delete_account(u["deleted"], DEFAULT_PASSWORD)
        db.session.commit()
    return w


def _json(client, name):
    response = client.get(f"/offene-daten/{name}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def _csv(client, name) -> tuple[bytes, list[dict[str, str]]]:
    response = client.get(f"/offene-daten/{name}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    text = raw.decode("utf-8-sig")
    return raw, list(csv.DictReader(io.StringIO(text, newline="")))


def _by_id(items) -> dict[int, dict]:
    return {int(item["id"]): item for item in items}


# --- names and pseudonyms ----------------------------------------------------------------------


def test_names_only_with_consent_and_pseudonyms_for_everyone_else(client, world):
    items = _by_id(_json(client, f"beitraege-{world.slug}")["items"])
    ids = world.ids
    assert items[ids["consenting"]]["author"] == "Carla Zustimmung"
    assert items[ids["consenting"]]["author_type"] == "name"
    plain = items[ids["plain"]]
    assert plain["author_type"] == "pseudonym"
    assert plain["author"].startswith("Teilnehmer:in ")
    # One pseudonym for all contributions of the same account, another for another person.
    assert items[ids["plain_again"]]["author"] == plain["author"]
    assert items[ids["idea"]]["author"] == plain["author"]
    assert items[ids["late"]]["author"] != plain["author"]
    assert items[ids["reply"]]["author"] == items[ids["late"]]["author"]
    # A guest is never named; a deleted account neither, though it had agreed.
    assert items[ids["guest"]]["author_type"] == "pseudonym"
    assert items[ids["deleted"]]["author_type"] == "pseudonym"
    assert len({items[ids[k]]["author"] for k in ("plain", "late", "guest", "deleted")}) == 4


def test_pseudonyms_follow_first_contributions_not_user_ids(client, world):
    items = _by_id(_json(client, "beitraege")["items"])
    number = {
        name: int(items[world.ids[name]]["author"].rsplit(" ", 1)[1])
        for name in ("plain", "late", "guest")
    }
    # "late" has the lowest user id but wrote after "plain"; guests come after the accounts.
    assert world.users["late"].id < world.users["plain"].id
    assert number["plain"] < number["late"] < number["guest"]


def test_pseudonyms_stay_the_same_across_downloads_and_languages(app, client, world):
    first = _by_id(_json(client, f"beitraege-{world.slug}")["items"])
    _raw, rows = _csv(client, "beitraege")
    second = _by_id(rows)
    english = app.test_client()
    english.post("/sprache", data={"lang": "en"})
    third = _by_id(_json(english, f"beitraege-{world.slug}")["items"])
    for key in ("plain", "late", "guest", "deleted"):
        contribution = world.ids[key]
        assert first[contribution]["author"] == second[contribution]["author"]
        number = first[contribution]["author"].removeprefix("Teilnehmer:in ")
        assert third[contribution]["author"] == f"Participant {number}"


def test_official_replies_are_signed_as_the_office_without_the_moderators_name(app, client, world):
    items = _by_id(_json(client, f"beitraege-{world.slug}")["items"])
    office = app.config["OFFICE_NAME"]
    (answer,) = items[world.ids["plain"]]["official_replies"]
    assert answer == {
        "id": world.ids["official"],
        "date": answer["date"],
        "signed_by": office,
        "text": "Das Amt prüft die Radwege.",
    }
    row = items[world.ids["official"]]
    assert (row["author"], row["author_type"], row["official"]) == (office, "office", True)


def test_status_trail_with_public_reasons(client, world):
    items = _by_id(_json(client, f"beitraege-{world.slug}")["items"])
    idea = items[world.ids["idea"]]
    assert idea["status"] == "not_adopted"
    assert [entry["status"] for entry in idea["status_trail"]] == [
        "received",
        "in_review",
        "not_adopted",
    ]
    assert idea["status_trail"][-1]["public_reason"] == "Der Platz reicht nicht."
    assert items[world.ids["reply"]]["status_trail"] == []


def test_consent_is_off_by_default_changeable_and_logged(app, client, world):
    user = world.users["plain"]
    assert user.open_data_show_name is False
    me = signed_in_client(app, user)
    page = me.get("/konto/").get_data(as_text=True)
    assert 'action="/konto/offene-daten"' in page
    (checkbox,) = re.findall(r'<input[^>]*name="show_name"[^>]*>', page)
    assert "checked" not in checkbox

    response = me.post("/konto/offene-daten", data={"show_name": "y"})
    assert response.status_code == 302
    items = _by_id(_json(client, f"beitraege-{world.slug}")["items"])
    assert items[world.ids["plain"]]["author"] == "Paul Pseudonym"

    page = me.get("/konto/").get_data(as_text=True)
    (checkbox,) = re.findall(r'<input[^>]*name="show_name"[^>]*>', page)
    assert "checked" in checkbox
    me.post("/konto/offene-daten", data={})
    again = _by_id(_json(client, f"beitraege-{world.slug}")["items"])
    assert again[world.ids["plain"]]["author_type"] == "pseudonym"
    with app.app_context():
        changes = db.session.scalars(
            select(Event.after)
            .where(Event.action == CONSENT_CHANGED, Event.subject_id == user.id)
            .order_by(Event.id)
        ).all()
    assert changes == [{"open_data_show_name": True}, {"open_data_show_name": False}]


# --- nothing internal ---------------------------------------------------------------------------


def test_no_addresses_names_or_internal_text_in_any_download(client, world):
    bodies = [client.get("/offene-daten").get_data(as_text=True)]
    for name in ("beitraege", f"beitraege-{world.slug}"):
        bodies.append(client.get(f"/offene-daten/{name}.json").get_data(as_text=True))
        bodies.append(client.get(f"/offene-daten/{name}.csv").get_data().decode("utf-8-sig"))
    bodies.append(client.get("/offene-daten/katalog.jsonld").get_data(as_text=True))
    for body in bodies:
        for marker, text in SECRET.items():
            assert text not in body, marker
        assert "@example.org" not in body
        assert "Lena Später" not in body
        assert "Paul Pseudonym" not in body


def test_only_published_contributions(client, world):
    items = _json(client, "beitraege")["items"]
    with client.application.app_context():
        states = set(
            db.session.scalars(
                select(Contribution.state).where(Contribution.id.in_([i["id"] for i in items]))
            )
        )
    assert {str(state) for state in states} == {"published"}
    assert len(items) == len(world.ids)


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_has_bom_header_crlf_and_parses_back_to_the_json_values(client, world):
    raw, rows = _csv(client, f"beitraege-{world.slug}")
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.split(b"\r\n", 1)[0].decode("utf-8-sig") == ",".join(f.name for f in opendata.FIELDS)
    items = _by_id(_json(client, f"beitraege-{world.slug}")["items"])
    assert len(rows) == len(items)
    for row in rows:
        item = items[int(row["id"])]
        for f in opendata.FIELDS:
            value = item[f.name]
            expected = f.to_cell(value).replace("\r\n", "\n")
            if isinstance(value, str) or f.cell is not None:
                expected = files.neutralise(expected)
            assert row[f.name] == expected, (f.name, row[f.name], expected)
    # Umlauts and line breaks survive; the text is the author's Markdown.
    assert _by_id(rows)[world.ids["consenting"]]["text"] == MULTILINE


def test_csv_neutralises_formulas_in_texts_and_names(client, world):
    _raw, rows = _csv(client, "beitraege")
    by_id = _by_id(rows)
    for name, text in FORMULAS.items():
        assert by_id[world.ids[f"formula_{name}"]]["text"] == "'" + text
    assert by_id[world.ids["formula_name"]]["author"] == "'=1+1 Formelname"
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(files.FORMULA_STARTS), cell


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_neutralise(cell, safe):
    assert files.neutralise(cell) == safe


def test_csv_is_streamed_in_chunks(app):
    fields = opendata.FIELDS[:2]
    rows = [{"id": n, "url": f"u{n}"} for n in range(files.CHUNK * 2 + 1)]
    chunks = list(files.csv_bytes(fields, rows))
    assert len(chunks) == 4  # the BOM, two full chunks, the rest
    text = b"".join(chunks).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text, newline="")))) == len(rows) + 1


# --- the page and the catalogue -----------------------------------------------------------------


def test_open_data_page_in_both_languages(app, world):
    german = app.test_client().get("/offene-daten").get_data(as_text=True)
    assert '<html lang="de">' in german
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0" in german
    assert f"/offene-daten/beitraege-{world.slug}.csv" in german
    assert "Offene Daten" in german
    english_client = app.test_client()
    english_client.post("/sprache", data={"lang": "en"})
    english = english_client.get("/offene-daten").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Open data" in english
    assert "Download" in english
    # The catalogue is embedded for harvesters that read the page.
    start = english.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    embedded = json.loads(english[start : english.index("</script>", start)])
    assert embedded["@type"] == "dcat:Catalog"


def test_footer_links_the_open_data_page(client, world):
    assert 'href="/offene-daten"' in client.get("/").get_data(as_text=True)


def _uris(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@id":
                yield value
            else:
                yield from _uris(value)
    elif isinstance(node, list):
        for value in node:
            yield from _uris(value)


DATASET_REQUIRED = (
    "dct:title",
    "dct:description",
    "dct:publisher",
    "dcatde:contributorID",
    "dct:issued",
    "dct:modified",
    "dct:language",
    "dcat:theme",
    "dcat:distribution",
)
DISTRIBUTION_REQUIRED = (
    "dcat:accessURL",
    "dcat:downloadURL",
    "dct:format",
    "dcat:mediaType",
    "dct:license",
    "dcatde:licenseAttributionByText",
)


def test_dcat_catalogue_has_the_required_properties_and_absolute_urls(app, client, world):
    response = client.get("/offene-daten/katalog.jsonld")
    assert response.mimetype == "application/ld+json"
    catalog = json.loads(response.get_data(as_text=True))
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["@context"]["dcatde"] == "http://dcat-ap.de/def/dcatde/"
    for key in ("dct:title", "dct:description", "dct:publisher", "dcat:dataset"):
        assert catalog[key], key
    assert catalog["dct:publisher"]["foaf:name"] == app.config["MUNICIPALITY_NAME"]
    names = {d["dct:identifier"] for d in catalog["dcat:dataset"]}
    assert {"beitraege", f"beitraege-{world.slug}"} <= names
    for dataset in catalog["dcat:dataset"]:
        assert dataset["@type"] == "dcat:Dataset"
        for key in DATASET_REQUIRED:
            assert dataset.get(key), (dataset["dct:identifier"], key)
        formats = set()
        for distribution in dataset["dcat:distribution"]:
            assert distribution["@type"] == "dcat:Distribution"
            for key in DISTRIBUTION_REQUIRED:
                assert distribution.get(key), key
            assert distribution["dct:license"]["@id"] == (
                "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
            )
            formats.add(distribution["dct:format"]["@id"].rsplit("/", 1)[1])
            download = distribution["dcat:downloadURL"]["@id"]
            assert client.get(download.removeprefix(app.config["BASE_URL"])).status_code == 200
        assert formats == {"CSV", "JSON"}
        assert "dcatde:politicalGeocodingURI" not in dataset
    uris = list(_uris(catalog))
    assert len(uris) > 20
    assert all(uri.startswith(("http://", "https://")) for uri in uris), uris


def test_dcat_takes_licence_attribution_and_geocoding_from_the_config(
    app, client, world, monkeypatch
):
    geocoding = "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/099999999"
    monkeypatch.setitem(app.config, "OPEN_DATA_GEOCODING_URI", geocoding)
    monkeypatch.setitem(app.config, "OPEN_DATA_ATTRIBUTION", "Stadt Beispiel, Amt 12")
    monkeypatch.setitem(
        app.config, "OPEN_DATA_LICENSE_URI", "http://dcat-ap.de/def/licenses/cc-by/4.0"
    )
    catalog = json.loads(client.get("/offene-daten/katalog.jsonld").get_data(as_text=True))
    dataset = catalog["dcat:dataset"][0]
    assert dataset["dcatde:politicalGeocodingURI"] == {"@id": geocoding}
    distribution = dataset["dcat:distribution"][0]
    assert distribution["dcatde:licenseAttributionByText"] == "Stadt Beispiel, Amt 12"
    assert distribution["dct:license"]["@id"] == "http://dcat-ap.de/def/licenses/cc-by/4.0"
    document = _json(client, "beitraege")
    assert document["license"] == "http://dcat-ap.de/def/licenses/cc-by/4.0"
    assert document["attribution"] == "Stadt Beispiel, Amt 12"


def test_unknown_dataset_is_404(client, world):
    assert client.get("/offene-daten/gibt-es-nicht.csv").status_code == 404
    assert client.get("/offene-daten/gibt-es-nicht.json").status_code == 404


def test_no_strategy_no_datasets(client):
    assert client.get("/offene-daten").status_code == 200
    catalog = json.loads(client.get("/offene-daten/katalog.jsonld").get_data(as_text=True))
    assert catalog["dcat:dataset"] == []


# --- queries ------------------------------------------------------------------------------------


def test_a_download_reads_with_a_fixed_number_of_statements(app, client, make, world):
    author = make.user()

    def count(slug):
        return len(
            count_statements(
                app, lambda: client.get(f"/offene-daten/beitraege-{slug}.csv").get_data()
            )
        )

    small = make.strategy(sections=[("Vision", "Text.")])
    large = make.strategy(sections=[("Vision", "Text.")])
    with app.app_context():
        seed_section(small.id, "vision", 10, author_id=author.id)
        seed_section(large.id, "vision", 600, author_id=author.id)
        db.session.commit()
    client.get(f"/offene-daten/beitraege-{small.slug}.csv")  # numbers the authors once
    few, many = count(small.slug), count(large.slug)
    assert many == few
    assert many <= 20
    _raw, rows = _csv(client, f"beitraege-{large.slug}")
    assert len(rows) == 600


def test_the_personal_data_export_names_the_choice_and_the_pseudonym(app, client, world):
    items = _by_id(_json(client, "beitraege")["items"])
    number = int(items[world.ids["plain"]]["author"].rsplit(" ", 1)[1])
    export = signed_in_client(app, world.users["plain"]).get("/konto/meine-daten.json")
    account = json.loads(export.get_data(as_text=True))["account"]
    assert account["open_data_show_name"] is False
    assert account["open_data_pseudonym"] == number


def test_signatures_keep_departments_and_drop_moderators_names(app, make):
    from participation.opendata.authors import Signer

    make.department(name="Amt für Mobilität")
    with app.app_context():
        sign = Signer()
        office = app.config["OFFICE_NAME"]
        assert sign(f"{office} – Mona Geheim-Moderatorin") == office
        assert sign("Amt für Mobilität") == "Amt für Mobilität"
        assert sign(None) == office


def test_titles_cannot_break_out_of_the_embedded_catalogue(client, make):
    title = "</script><script>alert(1)</script> & <b>"
    make.strategy(title=title)
    page = client.get("/offene-daten").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    start = page.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    embedded = json.loads(page[start : page.index("</script>", start)])
    titles = [d["dct:title"] for d in embedded["dcat:dataset"]]
    assert f"Beiträge zu „{title}“" in titles
