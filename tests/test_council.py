"""The council paper of a strategy: entered and changed in the editorial area, imported from
OParl (preview, then confirmation; and on the command line), shown on the public overview,
each change in the event log. The OParl server is the MockTransport of test_council_oparl."""

from datetime import date

import pytest
from sqlalchemy import select

from participation.accounts.models import Role
from participation.council.models import CouncilConsultation, CouncilPaper
from participation.events.models import Event
from participation.extensions import db
from participation.strategies.models import Strategy
from tests.helpers import signed_in_client
from tests.test_council_oparl import BASE, mock_transport

COMMITTEE = "Ausschuss für Digitalisierung und Organisation"
PAPER_FORM = {
    "reference": "VO/2027/0042",
    "url": "https://ris.example.org/vo0050.asp?__kvonr=42",
    "revision": "0",
    "consultations-0-committee": "Ausschuss für Digitalisierung und Organisation",
    "consultations-0-meeting_date": "2027-02-10",
    "consultations-0-result": "zur Kenntnis genommen",
    "consultations-1-committee": "Rat der Stadt Musterstadt",
    "consultations-1-meeting_date": "2027-03-18",
    "consultations-1-result": "",
    "consultations-2-committee": "",
    "consultations-2-meeting_date": "",
    "consultations-2-result": "",
}


@pytest.fixture
def strategy(make):
    return make.strategy(slug="digital-2030", title="Digitalstrategie 2030")


@pytest.fixture
def office(app, make):
    return signed_in_client(
        app, make.user(display_name="Redakteurin Ratsvorlage", roles=[Role.MODERATOR])
    )


@pytest.fixture
def oparl(app, monkeypatch):
    monkeypatch.setitem(app.config, "OPARL_TRANSPORT", mock_transport())


def html(response) -> str:
    return response.get_data(as_text=True)


def paper(app, strategy) -> CouncilPaper | None:
    with app.app_context():
        found = db.session.scalars(
            select(CouncilPaper).where(CouncilPaper.strategy_id == strategy.id)
        ).first()
        if found is not None:
            found.consultations  # noqa: B018 (loaded while the session is open)
        return found


def events(app, strategy) -> list[Event]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Event)
                .where(
                    Event.subject_type == "strategies",
                    Event.subject_id == strategy.id,
                    Event.action.like("council_paper.%"),
                )
                .order_by(Event.id)
            )
        )


def save(client, slug="digital-2030", **changes):
    return client.post(f"/redaktion/{slug}/ratsvorlage", data={**PAPER_FORM, **changes})


def test_only_those_who_manage_strategies(app, make, client, strategy):
    assert client.get("/redaktion/digital-2030/ratsvorlage").status_code == 302
    for roles in ((), (Role.DEPARTMENT,), (Role.COMMITTEE,)):
        other = signed_in_client(app, make.user(roles=roles))
        assert other.get("/redaktion/digital-2030/ratsvorlage").status_code == 403
        assert save(other).status_code == 403
        assert other.get("/redaktion/digital-2030/ratsvorlage/oparl").status_code == 403
    assert paper(app, strategy) is None
    admin = signed_in_client(app, make.user(roles=[Role.ADMIN]))
    assert admin.get("/redaktion/digital-2030/ratsvorlage").status_code == 200
    assert admin.get("/redaktion/unbekannt/ratsvorlage").status_code == 404


def test_the_editor_links_to_the_council_paper(office, strategy):
    page = html(office.get("/redaktion/digital-2030/einstellungen"))
    assert 'href="/redaktion/digital-2030/ratsvorlage"' in page
    assert "Ratsvorlage" in page


def test_enter_the_paper_and_see_it_on_the_overview(app, office, client, strategy):
    form = html(office.get("/redaktion/digital-2030/ratsvorlage"))
    assert 'name="consultations-0-committee"' in form
    assert 'list="council-results"' in form
    assert "zur Kenntnis genommen" in form  # a suggestion of the datalist
    assert "Beratung im Rat" not in html(client.get("/strategien/digital-2030"))

    response = save(office)
    assert response.status_code == 302
    assert "Die Ratsvorlage VO/2027/0042 wurde gespeichert." in html(office.get(response.location))
    saved = paper(app, strategy)
    assert saved.reference == "VO/2027/0042"
    assert [(c.committee, c.meeting_date, c.result) for c in saved.consultations] == [
        (COMMITTEE, date(2027, 2, 10), "zur Kenntnis genommen"),
        ("Rat der Stadt Musterstadt", date(2027, 3, 18), ""),
    ]
    (event,) = events(app, strategy)
    assert event.action == "council_paper.created"
    assert event.before is None
    assert event.after["reference"] == "VO/2027/0042"
    assert event.after["consultations"][0]["meeting_date"] == "2027-02-10"

    page = html(client.get("/strategien/digital-2030"))
    block = page[page.index('<section class="council-paper"') :]
    block = block[: block.index("</section>")]
    assert '<h2 class="kern-heading-large" id="council-heading">Beratung im Rat</h2>' in block
    assert '<a class="kern-link" href="https://ris.example.org/vo0050.asp?__kvonr=42">' in block
    assert "VO/2027/0042" in block
    assert "<caption" in block
    assert '<th scope="col"' in block
    assert '<th scope="row" class="kern-table__cell">Ausschuss für Digitalisierung' in block
    assert '<time datetime="2027-02-10">10. Februar 2027</time>' in block
    assert "zur Kenntnis genommen" in block
    assert "offen" in block  # the council's result is not known yet
    assert "Redakteurin" not in page

    client.set_cookie("lang", "en")
    english = html(client.get("/strategien/digital-2030"))
    assert "Consultation in the council" in english
    assert "February 10, 2027" in english
    assert "Meeting date" in english


@pytest.mark.parametrize(
    ("changes", "field", "german", "english"),
    [
        (
            {"reference": "  "},
            "reference",
            "Geben Sie die Drucksachennummer der Ratsvorlage ein",
            "Enter the reference number of the council paper",
        ),
        (
            {"url": "javascript:alert(1)"},
            "url",
            "Die Adresse muss mit http:// oder https:// beginnen",
            "The address must begin with http:// or https://",
        ),
        (
            {"url": "ftp://ris.example.org/vo/1"},
            "url",
            "Die Adresse muss mit http:// oder https:// beginnen",
            "The address must begin with http:// or https://",
        ),
        (
            {"consultations-1-meeting_date": "2027-02-30"},
            "consultations-1-meeting_date",
            "Geben Sie das Sitzungsdatum als gültiges Datum ein",
            "Enter the meeting date as a valid date",
        ),
        (
            {"consultations-1-committee": ""},
            "consultations-1-committee",
            "Geben Sie das Gremium an",
            "Enter the committee or the council",
        ),
        (
            {"reference": "V" * 101},
            "reference",
            "Field cannot be longer than 100 characters.",
            "Field cannot be longer than 100 characters.",
        ),
    ],
)
def test_refused_input_is_kept_with_a_message_at_its_field(
    app, office, strategy, changes, field, german, english
):
    for language, message in (("de", german), ("en", english)):
        office.set_cookie("lang", language)
        response = save(office, **changes)
        assert response.status_code == 200
        page = html(response)
        if "longer than" not in message:
            assert message in page
        assert f'id="{field}-error"' in page
        assert f'aria-describedby="{field}-error"' in page or f"{field}-error" in page
        assert 'id="error-summary"' in page
        assert f'href="#{field}"' in page
        # What was typed stays.
        assert "Rat der Stadt Musterstadt" in page or changes.get("consultations-1-committee") == ""
        assert "zur Kenntnis genommen" in page
    assert paper(app, strategy) is None
    assert events(app, strategy) == []


def test_a_row_needs_a_committee_only_once_something_is_typed_in_it(app, office, strategy):
    response = save(
        office, **{"consultations-2-committee": "", "consultations-2-result": "vertagt"}
    )
    assert response.status_code == 200
    assert 'id="consultations-2-committee-error"' in html(response)
    assert save(office).status_code == 302
    assert len(paper(app, strategy).consultations) == 2


def test_add_a_row_without_javascript(app, office, strategy):
    response = save(office, schritt="zeile")
    assert response.status_code == 200
    page = html(response)
    assert 'name="consultations-3-committee"' in page
    assert 'value="Rat der Stadt Musterstadt"' in page
    assert paper(app, strategy) is None


def test_change_and_remove_consultations(app, office, strategy):
    save(office)
    unchanged = save(office, revision="1")
    assert unchanged.status_code == 302
    assert len(events(app, strategy)) == 1  # nothing changed, nothing recorded
    assert paper(app, strategy).revision == 1

    response = save(
        office,
        revision="1",
        **{
            "consultations-0-remove": "y",
            "consultations-1-result": "geändert beschlossen",
        },
    )
    assert response.status_code == 302
    changed = paper(app, strategy)
    assert [(c.committee, c.result, c.position) for c in changed.consultations] == [
        ("Rat der Stadt Musterstadt", "geändert beschlossen", 0)
    ]
    assert changed.revision == 2
    created, updated = events(app, strategy)
    assert updated.action == "council_paper.updated"
    assert len(updated.before["consultations"]) == 2
    assert updated.after["consultations"] == [
        {
            "committee": "Rat der Stadt Musterstadt",
            "meeting_date": "2027-03-18",
            "result": "geändert beschlossen",
        }
    ]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(CouncilConsultation.id))) == 1


def test_a_stale_form_is_refused_with_the_current_entry(app, make, office, strategy):
    colleague = signed_in_client(app, make.user(roles=[Role.MODERATOR]))
    save(office)
    # Both loaded revision 1; the colleague saves first.
    assert save(colleague, revision="1", reference="VO/2027/0043").status_code == 302
    response = save(office, revision="1", url="https://ris.example.org/vo/42-neu")
    assert response.status_code == 200
    page = html(response)
    assert "Jemand anderes hat die Ratsvorlage inzwischen geändert." in page
    assert "Aktueller, von jemand anderem gespeicherter Eintrag" in page
    assert "VO/2027/0043" in page  # the current entry
    assert 'value="https://ris.example.org/vo/42-neu"' in page  # the input kept
    assert 'name="revision" type="hidden" value="2"' in page
    assert paper(app, strategy).url == PAPER_FORM["url"]
    # Saving again overwrites deliberately.
    assert save(office, revision="2", url="https://ris.example.org/vo/42-neu").status_code == 302
    assert paper(app, strategy).url == "https://ris.example.org/vo/42-neu"
    assert paper(app, strategy).reference == "VO/2027/0042"


def test_a_paper_removed_meanwhile_is_not_silently_created_again(app, office, strategy):
    save(office)
    office.post("/redaktion/digital-2030/ratsvorlage/entfernen", data={"revision": "1"})
    response = save(office, revision="1")
    assert response.status_code == 200
    assert "inzwischen entfernt" in html(response)
    assert paper(app, strategy) is None
    assert save(office, revision="0").status_code == 302


def test_remove_the_paper(app, office, client, strategy):
    save(office)
    assert "Beratung im Rat" in html(client.get("/strategien/digital-2030"))
    stale = office.post("/redaktion/digital-2030/ratsvorlage/entfernen", data={"revision": "7"})
    assert "inzwischen geändert" in html(office.get(stale.location))
    assert paper(app, strategy) is not None
    response = office.post("/redaktion/digital-2030/ratsvorlage/entfernen", data={"revision": "1"})
    assert response.status_code == 302
    assert "Die Verknüpfung mit der Ratsvorlage wurde entfernt." in html(
        office.get(response.location)
    )
    assert paper(app, strategy) is None
    assert "Beratung im Rat" not in html(client.get("/strategien/digital-2030"))
    *_, removed = events(app, strategy)
    assert removed.action == "council_paper.removed"
    assert removed.before["reference"] == "VO/2027/0042"
    with app.app_context():
        assert db.session.scalar(select(db.func.count(CouncilConsultation.id))) == 0


def test_import_from_oparl_with_preview_and_confirmation(app, office, client, strategy, oparl):
    page = html(office.get("/redaktion/digital-2030/ratsvorlage/oparl"))
    assert 'name="paper_url"' in page
    url = f"{BASE}/paper/749"
    response = office.post(
        "/redaktion/digital-2030/ratsvorlage/oparl",
        data={"paper_url": url, "revision": "0", "schritt": "vorschau"},
    )
    assert response.status_code == 200
    page = html(response)
    assert "VO/2027/0042" in page
    assert "Ausschuss für Digitalisierung und Organisation" in page
    assert "Rat der Stadt Musterstadt" in page
    assert "geändert beschlossen" in page
    assert "Tagesordnungspunkt 5.2" in page
    assert paper(app, strategy) is None  # nothing saved by the preview
    fingerprint = page.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]

    # A fingerprint from another preview: the new preview again, nothing saved.
    response = office.post(
        "/redaktion/digital-2030/ratsvorlage/oparl",
        data={"paper_url": url, "revision": "0", "schritt": "uebernehmen", "fingerprint": "x"},
    )
    assert response.status_code == 200
    assert "hat sich seit der Vorschau geändert" in html(response)
    assert paper(app, strategy) is None

    response = office.post(
        "/redaktion/digital-2030/ratsvorlage/oparl",
        data={
            "paper_url": url,
            "revision": "0",
            "schritt": "uebernehmen",
            "fingerprint": fingerprint,
        },
    )
    assert response.status_code == 302
    assert "Die Ratsvorlage VO/2027/0042 wurde übernommen." in html(office.get(response.location))
    imported = paper(app, strategy)
    assert imported.oparl_url == url
    assert imported.imported_at is not None
    assert imported.url == "https://ris.example.org/vo0050.asp?__kvonr=42"
    assert [(c.committee, c.meeting_date, c.result) for c in imported.consultations] == [
        (COMMITTEE, date(2027, 2, 10), "zur Kenntnis genommen"),
        ("Rat der Stadt Musterstadt", date(2027, 3, 18), "geändert beschlossen"),
    ]
    (event,) = events(app, strategy)
    assert event.action == "council_paper.imported"
    assert event.after["oparl_url"] == url
    public = html(client.get("/strategien/digital-2030"))
    assert "geändert beschlossen" in public
    # The editor says where it came from; the form offers the same address again.
    assert url in html(office.get("/redaktion/digital-2030/ratsvorlage"))
    assert f'value="{url}"' in html(office.get("/redaktion/digital-2030/ratsvorlage/oparl"))


def test_import_replaces_what_was_entered(app, office, strategy, oparl):
    save(office)
    url = f"{BASE}/paper/750"
    preview = office.post(
        "/redaktion/digital-2030/ratsvorlage/oparl",
        data={"paper_url": url, "revision": "1", "schritt": "vorschau"},
    )
    page = html(preview)
    assert "Das Übernehmen ersetzt den bisherigen Eintrag" in page
    fingerprint = page.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]
    response = office.post(
        "/redaktion/digital-2030/ratsvorlage/oparl",
        data={
            "paper_url": url,
            "revision": "1",
            "schritt": "uebernehmen",
            "fingerprint": fingerprint,
        },
    )
    assert response.status_code == 302
    replaced = paper(app, strategy)
    assert replaced.reference == "VO/2027/0057"
    assert [(c.committee, c.result) for c in replaced.consultations] == [
        ("Ausschuss für Digitalisierung und Organisation", "vertagt")
    ]
    assert replaced.revision == 2
    created, imported = events(app, strategy)
    assert imported.before["reference"] == "VO/2027/0042"


@pytest.mark.parametrize(
    ("url", "german", "english"),
    [
        (f"{BASE}/paper/404", "mit Status 404", "with status 404"),
        (f"{BASE}/html", "ist kein JSON", "is not JSON"),
        (f"{BASE}/meeting/243", "ist keine OParl-Drucksache", "is not an OParl Paper"),
        (f"{BASE}/timeout", "nicht innerhalb von 10 Sekunden", "did not answer within 10"),
        ("file:///etc/passwd", "muss mit http:// oder https:// beginnen", "must begin with"),
        ("", "Geben Sie die Adresse der OParl-Drucksache ein.", "Enter the address of the"),
    ],
)
def test_import_failures_are_shown_at_the_address(
    app, office, strategy, oparl, url, german, english
):
    for language, message in (("de", german), ("en", english)):
        office.set_cookie("lang", language)
        response = office.post(
            "/redaktion/digital-2030/ratsvorlage/oparl",
            data={"paper_url": url, "revision": "0", "schritt": "vorschau"},
        )
        assert response.status_code == 200
        page = html(response)
        assert message in page
        assert 'id="paper_url-error"' in page
        if url:
            assert f'value="{url}"' in page
    assert paper(app, strategy) is None


def test_command_line_import(app, strategy, oparl):
    runner = app.test_cli_runner()
    url = f"{BASE}/paper/749"
    dry = runner.invoke(args=["council", "import-oparl", "digital-2030", url, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Paper VO/2027/0042" in dry.output
    assert "2027-03-18  Rat der Stadt Musterstadt: geändert beschlossen" in dry.output
    assert "nothing saved" in dry.output
    assert paper(app, strategy) is None

    result = runner.invoke(args=["council", "import-oparl", "digital-2030", url])
    assert result.exit_code == 0, result.output
    assert "Saved as the council paper of “Digitalstrategie 2030”." in result.output
    assert [c.committee for c in paper(app, strategy).consultations] == [
        "Ausschuss für Digitalisierung und Organisation",
        "Rat der Stadt Musterstadt",
    ]
    (event,) = events(app, strategy)
    assert event.action == "council_paper.imported"
    assert event.actor_id is None

    failed = runner.invoke(args=["council", "import-oparl", "digital-2030", f"{BASE}/html"])
    assert failed.exit_code == 1
    assert "ist kein JSON" in failed.output
    unknown = runner.invoke(args=["council", "import-oparl", "gibt-es-nicht", url])
    assert unknown.exit_code == 1
    assert "gibt-es-nicht" in unknown.output


def test_the_strategy_keeps_no_paper_after_it_is_deleted(app, office, strategy):
    save(office)
    with app.app_context():
        db.session.delete(db.session.get(Strategy, strategy.id))
        db.session.commit()
        assert db.session.scalar(select(db.func.count(CouncilPaper.id))) == 0


def test_written_and_imported_fields_are_escaped(app, make, office, client, strategy, monkeypatch):
    """The XSS corpus (tests/xss_corpus.py) through every text of the council paper: typed
    into the form, and arriving from an OParl server in the import preview."""
    from urllib.parse import quote

    import httpx

    from tests.test_xss import PAYLOADS, Coverage, _ok, assert_safe, get_safe

    cov = Coverage()
    for i, payload in enumerate(PAYLOADS):
        result = PAYLOADS[(i + 1) % len(PAYLOADS)]
        response = save(
            office,
            revision=str(i),
            reference=payload,
            # Line breaks and control characters make an address invalid (refused).
            url="https://ris.example.org/vo?q=" + "".join(c for c in payload if c.isprintable()),
            **{
                "consultations-0-committee": payload,
                "consultations-0-result": result,
                "consultations-1-committee": f"Rat {quote(payload)}",
            },
        )
        _ok(response, "council paper")
        cov.add("reference", payload)
        cov.add("committee", payload)
        cov.add("result", result)
        get_safe(client, "/strategien/digital-2030", "overview with the council paper")
        get_safe(office, "/redaktion/digital-2030/ratsvorlage", "council paper form")
    cov.assert_complete("reference", "committee", "result")
    # A refused form shows the typed values again.
    for payload in PAYLOADS:
        response = save(office, revision="0", **{"consultations-1-meeting_date": payload[:40]})
        assert response.status_code == 200
        assert_safe(response.get_data(as_text=True), "refused council form")

    def handler(request):
        group = PAYLOADS[int(request.url.path.rsplit("/", 1)[-1]) :][:20]
        return httpx.Response(
            200,
            json={
                "type": "https://schema.oparl.org/1.1/Paper",
                "reference": group[0],
                "name": group[-1],
                "web": f"https://ris.example.org/?{group[0]}",
                "consultation": [
                    {
                        "meeting": {"name": f"Sitzung {p}", "start": "2027-02-10T17:00:00+01:00"},
                        "agendaItem": {"number": p, "name": p, "result": p},
                        "organization": [{"name": p}],
                    }
                    for p in group
                ],
            },
        )

    monkeypatch.setitem(app.config, "OPARL_TRANSPORT", httpx.MockTransport(handler))
    for start in range(0, len(PAYLOADS), 20):
        response = office.post(
            "/redaktion/digital-2030/ratsvorlage/oparl",
            data={"paper_url": f"{BASE}/paper/{start}", "schritt": "vorschau"},
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Tagesordnungspunkt" in page
        assert_safe(page, "OParl import preview")
