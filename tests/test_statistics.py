"""The statistics page and the council report (issue 7).

A fixture with known dates: six published contributions over three calendar weeks, official
replies and decisions at known distances, forwardings to two departments, and contributions
in every state that must not count (pending, hidden, withdrawn, rejected), carrying markers
that must never show."""

import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy import select, update

from participation.accounts.models import Department, Role, User
from participation.departments.models import Forwarding, ForwardingState
from participation.discussion.models import (
    Channel,
    Contribution,
    ModerationState,
    ProcessingStatus,
)
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import official
from participation.moderation import status as status_service
from participation.statistics import services
from participation.strategies.models import ModerationMode, Section, SectionKind, Strategy
from participation.strategies.services import RESERVED_SECTION_KEYS
from tests.helpers import signed_in_client
from tests.public_data import add_version, strategy_with_tree

OPENS = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MARKERS = (
    "Statmarker-pending",
    "Statmarker-hidden",
    "Statmarker-withdrawn",
    "Statmarker-rejected",
)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def _set(app, contribution_id: int, **values) -> None:
    with app.app_context():
        db.session.execute(
            update(Contribution).where(Contribution.id == contribution_id).values(**values)
        )
        db.session.commit()


def _event(app, contribution_id: int, when: datetime, status: ProcessingStatus, **after):
    """A status change as the log has it, at a chosen moment (set_status would stamp now)."""
    with app.app_context():
        db.session.add(
            Event(
                created_at=when,
                action=status_service.STATUS_CHANGED,
                subject_type="contributions",
                subject_id=contribution_id,
                after={"status": status.value, "public_reason": None, **after},
            )
        )
        db.session.execute(
            update(Contribution).where(Contribution.id == contribution_id).values(status=status)
        )
        db.session.commit()


def _official(app, parent, moderator, when: datetime, body: str):
    with app.test_request_context():
        reply = official.post_official_reply(
            db.session.get(Contribution, parent.id),
            actor=db.session.get(User, moderator.id),
            body_md=body,
            show_own_name=False,
        )
        db.session.commit()
        reply_id = reply.id
    _set(app, reply_id, created_at=when)
    return reply_id


def _forward(app, contribution_id: int, department_id: int) -> None:
    with app.app_context():
        db.session.add(
            Forwarding(
                contribution_id=contribution_id,
                department_id=department_id,
                due_on=at(30).date(),
            )
        )
        db.session.commit()


@pytest.fixture
def world(app, make, discuss):
    strategy = strategy_with_tree(make, app, moderation_mode=ModerationMode.POST)
    moderator = make.user(roles=(Role.MODERATOR,), display_name="Statmarker Modname")
    authors = [make.user() for _ in range(4)]
    with app.app_context():
        fields = {
            s.key: s
            for s in db.session.scalars(
                select(Section)
                .join(Section.version)
                .where(Section.version.has(strategy_id=strategy.id))
            )
        }
    c1 = discuss.comment(strategy, authors[0], "Mehr Termine online.", section_key="verwaltung")
    r1 = discuss.reply(c1, authors[1], "Da stimme ich zu.")
    c2 = discuss.comment(strategy, authors[1], "Das Portal braucht Hilfe.", section_key="portal")
    c3 = discuss.comment(strategy, authors[2], "Ein Brief zur Einleitung.", "einleitung")
    i1 = discuss.idea(strategy, authors[2], "Busse per App", field=fields["mobilitaet"])
    i2 = discuss.idea(strategy, authors[3], "Offenes WLAN")
    hidden_states = {
        "pending": ModerationState.PENDING,
        "hidden": ModerationState.HIDDEN,
        "withdrawn": ModerationState.WITHDRAWN,
        "rejected": ModerationState.REJECTED,
    }
    others = {}
    for name, state in hidden_states.items():
        other = discuss.comment(
            strategy, authors[3], f"Statmarker-{name} text.", section_key="mobilitaet"
        )
        values = {"state": state, "status": ProcessingStatus.ADOPTED, "created_at": at(10)}
        if state is ModerationState.REJECTED:
            values["rejection_reason"] = "offensive"
        _set(app, other.id, **values)
        others[name] = other.id

    _set(app, c1.id, created_at=at(3))
    _set(app, r1.id, created_at=at(4))
    _set(app, c2.id, created_at=at(10))
    _set(app, c3.id, created_at=at(11), channel=Channel.LETTER)
    _set(app, i1.id, created_at=at(5))
    _set(app, i2.id, created_at=at(16))
    with app.app_context():
        db.session.execute(
            update(Strategy)
            .where(Strategy.id == strategy.id)
            .values(opens_at=OPENS, closes_at=OPENS + timedelta(days=28))
        )
        db.session.commit()

    # Official replies: c1 after 2 days, i1 after 4 days; one to a reply (not a suggestion)
    # and one to a hidden contribution count for neither median.
    _official(app, c1, moderator, at(5), "Danke, wir prüfen das.")
    _official(app, i1, moderator, at(9), "Eine gute Idee.")
    _official(app, r1, moderator, at(6), "Auch Ihnen danke.")
    # Decisions: c1 partially adopted after 6 days then back in review (the first decision
    # counts), c2 not adopted after 2 days, i1 adopted after 10 days, into section 1 of v2.
    _event(app, c1.id, at(9), ProcessingStatus.PARTIALLY_ADOPTED)
    _event(app, c1.id, at(12), ProcessingStatus.IN_REVIEW)
    _event(app, c2.id, at(12), ProcessingStatus.NOT_ADOPTED, public_reason="Zu teuer.")
    into = {"version": 2, "section_key": "mobilitaet", "title": "Mobilität", "number": "2.2"}
    _event(app, i1.id, at(15), ProcessingStatus.ADOPTED, adopted_into=into)
    _event(app, others["pending"], at(11), ProcessingStatus.ADOPTED)

    first = make.department(name="Amt für Mobilität")
    second = make.department(name="Schulverwaltungsamt")
    _forward(app, c2.id, first.id)
    _forward(app, i1.id, first.id)
    _forward(app, i1.id, second.id)
    _forward(app, others["hidden"], second.id)
    return {
        "strategy": strategy,
        "moderator": moderator,
        "citizen": authors[0],
        "author_names": [author.display_name for author in authors],
        "ids": {"c1": c1.id, "r1": r1.id, "c2": c2.id, "c3": c3.id, "i1": i1.id, "i2": i2.id},
        "others": others,
    }


def figures_of(app, strategy):
    with app.test_request_context():
        return services.strategy_figures(db.session.get(Strategy, strategy.id), now=NOW)


def test_figures_count_published_contributions_only(app, world):
    figures = figures_of(app, world["strategy"])
    assert figures.contributions == 6
    assert figures.by_kind == {"comment": 3, "reply": 1, "idea": 2}
    assert figures.suggestions == 5
    assert figures.official_replies == 3
    # c1 (official reply), c2 (not adopted) and i1 (reply and adopted); not c3, not i2.
    assert figures.answered == 3
    assert figures.answered_share == pytest.approx(0.6)


def test_medians_of_first_reply_and_first_decision(app, world):
    figures = figures_of(app, world["strategy"])
    assert figures.replied == 2
    assert figures.median_days_to_reply == pytest.approx(3.0)  # 2 and 4 days
    assert figures.decided == 3
    assert figures.median_days_to_decision == pytest.approx(6.0)  # 6, 2 and 10 days


def test_weeks_sections_fields_channels_statuses_departments(app, world):
    figures = figures_of(app, world["strategy"])
    assert [(w.monday.isoformat(), w.number, w.count) for w in figures.weeks] == [
        ("2026-11-02", 45, 3),
        ("2026-11-09", 46, 2),
        ("2026-11-16", 47, 1),
    ]
    assert [(c.key, c.count) for c in figures.sections] == [
        ("einleitung", 1),
        ("verwaltung", 2),
        ("portal", 1),
        ("mobilitaet", 1),
        (None, 1),
    ]
    assert [(c.key, c.label, c.count) for c in figures.fields] == [
        ("verwaltung", "Verwaltung", 3),
        ("mobilitaet", "Mobilität", 1),
        (None, "", 2),
    ]
    channels = {c.key: c.count for c in figures.channels}
    assert channels["online"] == 5
    assert channels["letter"] == 1
    assert sum(channels.values()) == 6
    statuses = {c.key: c.count for c in figures.statuses}
    assert statuses == {
        "received": 1,
        "forwarded": 0,
        "in_review": 1,
        "answered": 0,
        "adopted": 1,
        "partially_adopted": 0,
        "not_adopted": 1,
        None: 1,
    }
    assert [(c.label, c.count) for c in figures.departments] == [
        ("Amt für Mobilität", 2),
        ("Schulverwaltungsamt", 1),
    ]


def test_a_withdrawn_forwarding_is_not_counted(app, world):
    with app.app_context():
        forwarding = db.session.scalars(
            select(Forwarding).join(Department).where(Department.name == "Schulverwaltungsamt")
        ).first()
        forwarding.state = ForwardingState.WITHDRAWN
        forwarding.withdrawn_at = at(30)
        forwarding.withdrawal_reason = "Falsches Amt."
        db.session.commit()
    figures = figures_of(app, world["strategy"])
    assert [(c.label, c.count) for c in figures.departments] == [("Amt für Mobilität", 2)]


def test_week_buckets_follow_the_local_week(app, make):
    """Sunday 23:30 in Berlin is Sunday 22:30 UTC: still the old week; Monday 00:30 Berlin
    (Sunday 23:30 UTC) is the next one."""
    strategy = make.strategy()
    with app.app_context():
        strategy = db.session.get(Strategy, strategy.id)
        strategy.opens_at = OPENS
        strategy.closes_at = OPENS + timedelta(days=20)
        weeks = services.week_buckets(
            strategy,
            [datetime(2026, 11, 8, 22, 30, tzinfo=UTC), datetime(2026, 11, 8, 23, 30, tzinfo=UTC)],
            now=datetime(2026, 11, 10, tzinfo=UTC),
        )
    assert [(w.monday.isoformat(), w.count) for w in weeks] == [
        ("2026-11-02", 1),
        ("2026-11-09", 1),
    ]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_page_is_public_with_a_chart_and_a_table_per_figure(app, client, world):
    response = client.get(f"/strategien/{world['strategy'].slug}/statistik")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    charts = re.findall(r"<svg [^>]*role=\"img\"[^>]*>", html)
    assert len(charts) == 6
    for chart in charts:
        title_id = re.search(r'aria-labelledby="([^"]+)"', chart).group(1)
        desc_id = re.search(r'aria-describedby="([^"]+)"', chart).group(1)
        assert f'<title id="{title_id}">' in html
        assert f'<desc id="{desc_id}">' in html
        assert "width=" not in chart
        assert "viewBox=" in chart
    # No style attributes or elements the Content-Security-Policy would block.
    svgs = re.findall(r"<svg .*?</svg>", html, flags=re.S)
    assert not any("style=" in svg or "<style" in svg for svg in svgs)
    # Nor <use> (the HTML checks refuse it): matplotlib's tick markers are copied into place.
    assert not any("<use" in svg for svg in svgs)
    assert html.count("<table") == 6
    assert html.count('<th scope="row"') > 10
    assert "<caption" in html
    text = _text(html)
    assert "Beiträge je Woche" in text
    assert "Weiterleitungen je Fachamt" in text
    assert "Amt für Mobilität" in text
    assert "60 %" in text  # share answered
    assert "3 Tage" in text
    assert "6 Tage" in text
    for marker in (*MARKERS, "Statmarker Modname"):
        assert marker not in html
    # The council report is not offered to the public.
    assert "/bericht" not in html


def test_page_in_english(app, client, world):
    client.post("/sprache", data={"lang": "en", "next": "/"})
    html = client.get(f"/strategien/{world['strategy'].slug}/statistik").get_data(as_text=True)
    text = _text(html)
    assert "Contributions per week" in text
    assert "Forwardings per department" in text
    assert "Wk 47/2026" in text
    assert "Beiträge je Woche" not in text


def test_overview_links_to_the_statistics(client, world):
    html = client.get(f"/strategien/{world['strategy'].slug}").get_data(as_text=True)
    assert f"/strategien/{world['strategy'].slug}/statistik" in html


def test_statistik_and_bericht_are_not_section_keys():
    assert {"statistik", "bericht"} <= RESERVED_SECTION_KEYS


def _count_selects(app, client, url: str) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_page_issues_a_fixed_number_of_statements(app, client, discuss, make, world):
    url = f"/strategien/{world['strategy'].slug}/statistik"
    before = _count_selects(app, client, url)
    authors = [make.user() for _ in range(3)]
    with app.app_context():
        db.session.execute(
            update(Strategy)
            .where(Strategy.id == world["strategy"].id)
            .values(opens_at=datetime.now(UTC) - timedelta(days=3))
        )
        db.session.commit()
    for n, author in enumerate(authors):
        comment = discuss.comment(world["strategy"], author, f"Noch einer {n}.", "verwaltung")
        discuss.reply(comment, authors[n - 1], f"Antwort {n}.")
        discuss.idea(world["strategy"], author, f"Idee {n}")
    after = _count_selects(app, client, url)
    assert after == before
    assert before <= 12


def _pdf_structure(pdf: bytes):
    reader = PdfReader(BytesIO(pdf))
    root = reader.trailer["/Root"]
    kinds, figure_alts = set(), []

    def walk(node):
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if "/S" in node:
                kinds.add(str(node["/S"]))
                if node["/S"] == "/Figure":
                    figure_alts.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            if kids is not None:
                walk(kids)
        elif isinstance(node, list):
            for kid in node:
                walk(kid)

    walk(root["/StructTreeRoot"])
    text = "".join(page.extract_text() for page in reader.pages)
    return reader, root, kinds, text, figure_alts


def test_report_is_for_moderators_only(app, client, make, world):
    slug = world["strategy"].slug
    for path in (f"/strategien/{slug}/bericht", f"/strategien/{slug}/bericht.pdf"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/konto/anmelden" in response.headers["Location"]
        citizen = signed_in_client(app, world["citizen"])
        assert citizen.get(path).status_code == 403
        department = make.user(roles=(Role.DEPARTMENT,), department=make.department())
        assert signed_in_client(app, department).get(path).status_code == 403
    page = signed_in_client(app, world["moderator"]).get(f"/strategien/{slug}/statistik")
    assert f"/strategien/{slug}/bericht" in page.get_data(as_text=True)


def test_report_html_in_german_with_sections_replies_and_adopted(app, world):
    moderator = signed_in_client(app, world["moderator"])
    moderator.post("/sprache", data={"lang": "en", "next": "/"})
    response = moderator.get(f"/strategien/{world['strategy'].slug}/bericht")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="de">' in html
    text = _text(html)
    assert "Beteiligungsbericht" in text
    assert "Vorschläge je Abschnitt" in text
    for body in ("Mehr Termine online.", "Ein Brief zur Einleitung.", "Eine gute Idee."):
        assert body in text
    assert "Zu teuer." in text  # the public reason of "not adopted"
    assert "übernommen in Abschnitt 2.2 „Mobilität“ der Version 2" in text
    # The reply of a citizen is counted, not printed; nothing unpublished, no author names.
    assert "Da stimme ich zu." not in text
    # The report itself (the page around it names the signed-in moderator).
    report = html[html.index('<div class="report">') :]
    for marker in (*MARKERS, "Statmarker Modname"):
        assert marker not in report
    for name in world["author_names"]:
        assert name not in text
    assert len(re.findall(r'<svg [^>]*role="img"', html)) == 6
    assert "/bericht.pdf" in html


def test_report_pdf_is_tagged_german_text(app, world):
    moderator = signed_in_client(app, world["moderator"])
    response = moderator.get(f"/strategien/{world['strategy'].slug}/bericht.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    pdf = response.data
    assert pdf.startswith(b"%PDF-")
    reader, root, kinds, text, figure_alts = _pdf_structure(pdf)
    # Each chart is a figure with its title as the alternative text.
    assert "Beiträge je Woche" in figure_alts
    assert len(figure_alts) == 6
    assert all(figure_alts)
    assert root["/Lang"] == "de"
    assert root["/MarkInfo"]["/Marked"]
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/Figure"} <= kinds
    assert reader.metadata.title.startswith("Beteiligungsbericht: ")
    flat = re.sub(r"\s+", " ", text)
    assert "Beteiligungsbericht" in flat
    assert "Mehr Termine online." in flat
    assert "Beiträge je Woche" in flat
    for marker in MARKERS:
        assert marker not in flat


def test_adopted_into_a_later_version_shows_in_the_trail(app, make, discuss, world):
    strategy = world["strategy"]
    add_version(
        app,
        strategy,
        2,
        [
            ("einleitung", "Einleitung", "Neu."),
            ("mobilitaet", "Mobilität", "Busse per App.", SectionKind.FIELD_OF_ACTION, []),
        ],
    )
    i2 = world["ids"]["i2"]
    with app.test_request_context():
        contribution = db.session.get(Contribution, i2)
        targets = status_service.adoption_targets(contribution)
        assert [(s.key, version, number) for s, version, number in targets] == [
            ("einleitung", 2, "1"),
            ("mobilitaet", 2, "2"),
        ]
        v1_section = db.session.scalar(
            select(Section.id).where(Section.key == "verwaltung", Section.version.has(number=1))
        )
    moderator = signed_in_client(app, world["moderator"])
    page = moderator.get(f"/moderation/beitraege/{i2}").get_data(as_text=True)
    assert 'name="adopted_into"' in page
    assert "Version 2: 2 Mobilität" in page
    # A section of the version it was written on is refused with a message at the field.
    refused = moderator.post(
        f"/moderation/beitraege/{i2}/status",
        data={
            "status": "adopted",
            "expected_status": "received",
            "adopted_into": str(v1_section),
            "public_reason": "Gute Idee.",
        },
    )
    assert refused.status_code == 400
    assert "Bitte wählen Sie einen Abschnitt einer Version" in refused.get_data(as_text=True)
    target = next(s.id for s, _, _ in targets if s.key == "mobilitaet")
    done = moderator.post(
        f"/moderation/beitraege/{i2}/status",
        data={
            "status": "adopted",
            "expected_status": "received",
            "adopted_into": str(target),
            "public_reason": "Gute Idee.",
        },
    )
    assert done.status_code == 302
    public = signed_in_client(app, world["citizen"])
    idea_page = public.get(f"/beitraege/{i2}", follow_redirects=True).get_data(as_text=True)
    assert "übernommen in Abschnitt 2 „Mobilität“ der Version 2" in idea_page
    with app.app_context():
        event = db.session.scalars(
            select(Event)
            .where(Event.subject_id == i2, Event.action == status_service.STATUS_CHANGED)
            .order_by(Event.id.desc())
        ).first()
        assert event.after["adopted_into"] == {
            "version": 2,
            "section_key": "mobilitaet",
            "title": "Mobilität",
            "number": "2",
        }


def test_a_section_choice_is_ignored_for_other_statuses(app, world):
    add_version(app, world["strategy"], 2, [("einleitung", "Einleitung", "Neu.")])
    i2 = world["ids"]["i2"]
    with app.test_request_context():
        contribution = db.session.get(Contribution, i2)
        (target, _, _) = status_service.adoption_targets(contribution)[0]
        status_service.set_status(
            contribution,
            ProcessingStatus.IN_REVIEW,
            actor=db.session.get(User, world["moderator"].id),
            adopted_into=target.id,
        )
        db.session.commit()
        trail = status_service.status_trail(contribution)
    assert trail[-1].status is ProcessingStatus.IN_REVIEW
    assert trail[-1].adopted_into is None


def test_departments_are_counted_not_named_when_never_forwarded(app, make):
    strategy = make.strategy()
    make.department(name="Ungenutztes Amt")
    with app.test_request_context():
        figures = services.strategy_figures(db.session.get(Strategy, strategy.id))
        assert figures.departments == []
        assert figures.contributions == 0
        assert figures.answered_share is None
        assert db.session.scalar(select(Department.id).where(Department.name == "Ungenutztes Amt"))


def test_demo_data_gives_the_statistics_something_to_count(app, client):
    for _ in range(2):  # the second run adds nothing
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    with app.test_request_context():
        strategy = db.session.scalar(
            select(Strategy).where(Strategy.slug == "digitalstrategie-2030")
        )
        figures = services.strategy_figures(strategy)
    assert figures.contributions >= 10
    assert figures.official_replies == 2
    assert figures.replied == 2
    assert figures.decided == 3
    assert 0 < figures.answered < figures.suggestions
    assert sum(c.count for c in figures.departments) >= 2
    assert any(c.key is not None and c.count for c in figures.fields)
    html = client.get("/strategien/digitalstrategie-2030/statistik").get_data(as_text=True)
    assert "weniger als ein Tag" in html


def test_entered_contributions_count_from_the_day_they_came_in(app, make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    author = make.user()
    letter = discuss.comment(strategy, author, "Ein Brief vom Montag.")
    _set(
        app,
        letter.id,
        channel=Channel.LETTER,
        received_on=datetime(2026, 11, 9).date(),
        created_at=at(18),
    )
    with app.app_context():
        db.session.execute(
            update(Strategy)
            .where(Strategy.id == strategy.id)
            .values(opens_at=OPENS, closes_at=OPENS + timedelta(days=28))
        )
        db.session.commit()
    figures = figures_of(app, strategy)
    assert [(w.monday.isoformat(), w.count) for w in figures.weeks] == [
        ("2026-11-02", 0),
        ("2026-11-09", 1),
        ("2026-11-16", 0),
    ]


def test_staff_areas_link_to_the_report(app, world):
    moderator = signed_in_client(app, world["moderator"])
    slug = world["strategy"].slug
    for url in ("/redaktion/", f"/moderation/protokoll?strategie={slug}"):
        html = moderator.get(url).get_data(as_text=True)
        assert f"/strategien/{slug}/bericht" in html, url


def test_chart_labels_are_shown_as_written(app):
    """Dollar signs would make matplotlib read a formula; markup is escaped. WeasyPrint
    registers its own default XML namespace when it is first used: the chart keeps plain
    element names all the same."""
    import weasyprint.pdf.metadata  # noqa: F401

    from participation.statistics import charts

    svg = str(
        charts.horizontal_bars(
            "probe",
            "Titel",
            "Beschreibung",
            ["Kosten $5 bis $6", "<b>fett</b> & so"],
            [1, 2],
            "Beiträge",
            str,
        )
    )
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "Kosten $5 bis $6" in texts
    assert "&lt;b&gt;fett&lt;/b&gt; &amp; so" in texts
    assert '<title id="probe-title">Titel</title>' in svg
    assert svg.startswith('<svg viewBox="')
    assert "ns0:" not in svg


def test_charts_are_drawn_once_and_again_only_when_their_numbers_change(
    app, client, discuss, make, world, monkeypatch
):
    from participation.fragments import FragmentCache
    from participation.statistics import charts

    monkeypatch.setattr(charts, "_cache", FragmentCache(size=64))
    drawn = []
    for name in ("horizontal_bars", "vertical_bars"):
        original = getattr(charts, name)

        def recording(chart_id, *args, original=original, **kwargs):
            drawn.append(chart_id)
            return original(chart_id, *args, **kwargs)

        monkeypatch.setattr(charts, name, recording)
    url = f"/strategien/{world['strategy'].slug}/statistik"
    client.get(url)
    assert len(drawn) == 6
    drawn.clear()
    client.get(url)
    assert drawn == []
    with app.app_context():
        db.session.execute(
            update(Strategy)
            .where(Strategy.id == world["strategy"].id)
            .values(opens_at=datetime.now(UTC) - timedelta(days=3))
        )
        db.session.commit()
    discuss.comment(world["strategy"], make.user(), "Noch ein Gedanke.", "einleitung")
    client.get(url)
    # Not the departments: no forwarding changed.
    assert "chart-departments" not in drawn
    assert {"chart-sections", "chart-channels"} <= set(drawn)
