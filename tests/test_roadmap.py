"""The roadmap: the rules of projects (time frame, linkable ideas, fields of action), who may
edit them, two moderators saving at once, who is told of a new status, the public pages
with their filters, and that nothing internal appears on them."""

import csv
import io
import json
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from participation.accounts.models import Role, User
from participation.consolidation.models import IdeaSelection, SelectionKind
from participation.discussion.models import Contribution
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import services as moderation
from participation.moderation.labels import rejection_choices
from participation.notifications import services as notifications
from participation.notifications.models import Delivery, Kind, NotificationItem
from participation.outbox.models import OutboxMessage
from participation.roadmap import export, services
from participation.roadmap.models import ProjectPriority, ProjectStatus, RoadmapProject
from participation.strategies.models import Section, SectionKind, Strategy
from tests.helpers import signed_in_client


@pytest.fixture
def moderator(make):
    return make.user(display_name="Moderatorin Roadmap", roles=[Role.MODERATOR])


@pytest.fixture
def strategy(app, make):
    """A strategy with two fields of action and one ordinary text section."""
    strategy = make.strategy(
        sections=[("Einleitung", "Text."), ("Mobilität", "Busse."), ("Bildung", "Schulen.")]
    )
    with app.app_context():
        for section in db.session.get(Strategy, strategy.id).versions[0].sections:
            if section.key != "einleitung":
                section.kind = SectionKind.FIELD_OF_ACTION
        db.session.commit()
    return strategy


def _publish(app, idea_id):
    with app.test_request_context():
        idea = db.session.get(Contribution, idea_id)
        moderation.decide(idea, "publish", actor=None, expected_state=idea.state.value)
        db.session.commit()


@pytest.fixture
def idea(app, make, discuss, strategy):
    author = make.user(email="autorin@example.org", display_name="Autorin")
    created = discuss.idea(strategy, author, title="Carsharing am Bahnhof")
    _publish(app, created.id)
    return created


def _data(**overrides) -> services.ProjectData:
    values = {
        "title": "Mobilitätsplattform",
        "priority": ProjectPriority.LEAD,
        "start_year": 2027,
        "start_quarter": 1,
        "end_year": 2028,
        "end_quarter": 2,
        "field_key": "mobilitaet",
        "is_public": True,
    }
    values.update(overrides)
    return services.ProjectData(**values)


def _create(app, strategy, actor=None, **overrides) -> RoadmapProject:
    with app.test_request_context():
        project = services.create_project(
            db.session.get(Strategy, strategy.id),
            _data(**overrides),
            actor=db.session.get(User, actor.id) if actor else None,
        )
        db.session.commit()
        return project


def _update(app, project_id, actor, **overrides):
    with app.test_request_context():
        project = db.session.get(RoadmapProject, project_id)
        fields = {
            name: getattr(project, name)
            for name in (
                "title",
                "priority",
                "start_year",
                "start_quarter",
                "end_year",
                "end_quarter",
                "field_key",
                "department_id",
                "status",
                "is_public",
                "description_md",
            )
        }
        fields["idea_ids"] = [i.id for i in project.ideas]
        fields.update(overrides)
        services.update_project(
            project,
            services.ProjectData(**fields),
            actor=db.session.get(User, actor.id),
            expected_revision=project.revision,
        )
        db.session.commit()


def _error(app, strategy, **overrides) -> services.RoadmapError:
    with app.test_request_context(), pytest.raises(services.RoadmapError) as caught:
        services.create_project(
            db.session.get(Strategy, strategy.id), _data(**overrides), actor=None
        )
    with app.app_context():
        db.session.rollback()
    return caught.value


# --- rules -------------------------------------------------------------------------------------


def test_the_time_frame_is_checked(app, strategy):
    assert _error(app, strategy, end_year=2026, end_quarter=4).field == "end_year"
    assert _error(app, strategy, end_year=2027, end_quarter=None).field == "end_quarter"
    assert _error(app, strategy, start_quarter=5).field == "start_quarter"
    assert _error(app, strategy, start_year=1999).field == "start_year"
    assert _error(app, strategy, start_year=None).field == "start_year"
    # One quarter is a valid time frame, and the database refuses what the service would.
    project = _create(app, strategy, start_year=2027, start_quarter=3, end_year=2027, end_quarter=3)
    with app.test_request_context():
        row = db.session.get(RoadmapProject, project.id)
        row.end_quarter = 2
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_title_priority_field_and_department_are_checked(app, strategy):
    assert _error(app, strategy, title="   ").field == "title"
    assert _error(app, strategy, title="x" * 201).field == "title"
    assert _error(app, strategy, priority="high").field == "priority"
    assert _error(app, strategy, status="cancelled").field == "status"
    # A text section is not a field of action; neither is an unknown key.
    assert _error(app, strategy, field_key="einleitung").field == "field_key"
    assert _error(app, strategy, field_key="gibt-es-nicht").field == "field_key"
    assert _error(app, strategy, department_id=999999).field == "department_id"


def test_only_published_ideas_of_the_same_strategy_can_be_linked(
    app, make, discuss, strategy, idea
):
    author = make.user()
    waiting = discuss.idea(strategy, author, title="Noch nicht freigegeben")
    other_strategy = make.strategy()
    foreign = discuss.idea(other_strategy, author, title="Andere Strategie")
    _publish(app, foreign.id)
    comment = discuss.comment(strategy, author)
    _publish(app, comment.id)
    for wrong in (waiting, foreign, comment):
        error = _error(app, strategy, idea_ids=[idea.id, wrong.id])
        assert error.field == "idea_ids"
        with app.test_request_context():
            assert str(wrong.id) in str(error.message)
    project = _create(app, strategy, idea_ids=[idea.id])
    with app.app_context():
        assert [i.id for i in db.session.get(RoadmapProject, project.id).ideas] == [idea.id]
        offered = services.linkable_ideas(db.session.get(Strategy, strategy.id))
        assert [i.id for i in offered] == [idea.id]


def test_changes_are_logged_as_events(app, strategy, moderator, idea):
    project = _create(app, strategy, actor=moderator)
    _update(app, project.id, moderator, title="Neue Plattform", idea_ids=[idea.id])
    _update(app, project.id, moderator, status=ProjectStatus.IN_PROGRESS)
    with app.app_context():
        events = db.session.scalars(
            select(Event)
            .where(Event.subject_type == "roadmap_projects", Event.subject_id == project.id)
            .order_by(Event.id)
        ).all()
        assert [e.action for e in events] == [
            "roadmap.project_created",
            "roadmap.project_updated",
            "roadmap.status_changed",
        ]
        assert all(e.actor_id == moderator.id for e in events)
        assert events[1].before == {"title": "Mobilitätsplattform", "idea_ids": []}
        assert events[1].after == {"title": "Neue Plattform", "idea_ids": [idea.id]}
        assert events[2].after == {"status": "in_progress"}
        history = services.status_history(db.session.get(RoadmapProject, project.id))
        assert [h.status for h in history] == [ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS]


# --- permissions -------------------------------------------------------------------------------


def test_only_the_office_reaches_the_roadmap_administration(app, make, strategy):
    project = _create(app, strategy)
    urls = [
        "/moderation/roadmap/",
        f"/moderation/roadmap/{strategy.slug}",
        f"/moderation/roadmap/{strategy.slug}/neu",
        f"/moderation/roadmap/projekte/{project.id}",
    ]
    department = make.department()
    for roles, allowed in (
        ((), False),
        ((Role.DEPARTMENT,), False),
        ((Role.COMMITTEE,), False),
        ((Role.MODERATOR,), True),
        ((Role.ADMIN,), True),
    ):
        user = make.user(roles=roles, department=department if Role.DEPARTMENT in roles else None)
        client = signed_in_client(app, user)
        for url in urls:
            assert client.get(url).status_code == (200 if allowed else 403), (roles, url)
            if url.endswith("/neu") or "projekte" in url:
                response = client.post(url, data={"title": "Übernahme"})
                assert response.status_code == (400 if allowed else 403), (roles, url)
    anonymous = app.test_client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302
        assert "/konto/anmelden" in response.headers["Location"]
    with app.app_context():
        assert db.session.get(RoadmapProject, project.id).title == "Mobilitätsplattform"


# --- the office's forms ------------------------------------------------------------------------


def _form_fields(html: str) -> dict:
    fields = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        if name not in ("idea_ids", "priority", "is_public"):
            fields[name] = unescape(value)
    return fields


def _select(app, idea_id, kind):
    with app.app_context():
        db.session.add(IdeaSelection(contribution_id=idea_id, kind=SelectionKind(kind)))
        db.session.commit()


def test_only_a_selected_idea_offers_a_project(app, strategy, moderator, idea):
    client = signed_in_client(app, moderator)
    link = f"/moderation/roadmap/{strategy.slug}/neu?idee={idea.id}"
    page = client.get(f"/strategien/{strategy.slug}/ideen/{idea.id}").get_data(as_text=True)
    assert link not in unescape(page)
    assert client.get(link).status_code == 404
    _select(app, idea.id, "potential")
    page = client.get(f"/strategien/{strategy.slug}/ideen/{idea.id}").get_data(as_text=True)
    assert link in unescape(page)
    form = client.get(link).get_data(as_text=True)
    (checked,) = re.findall(r'<input[^>]*name="priority"[^>]*>', form)[1:2]
    assert "checked" in checked
    assert 'value="potential"' in checked
    # Citizens never see the office's link.
    citizen = app.test_client().get(f"/strategien/{strategy.slug}/ideen/{idea.id}")
    assert "/moderation/roadmap/" not in citizen.get_data(as_text=True)


def test_a_project_is_created_from_an_idea(app, strategy, moderator, idea):
    _select(app, idea.id, "lead")
    client = signed_in_client(app, moderator)
    with app.test_request_context():
        idea_page = client.get(f"/strategien/{strategy.slug}/ideen/{idea.id}").get_data(
            as_text=True
        )
    link = f"/moderation/roadmap/{strategy.slug}/neu?idee={idea.id}"
    assert link in unescape(idea_page)
    detail = client.get(f"/moderation/beitraege/{idea.id}")
    if detail.status_code == 200:
        assert link in unescape(detail.get_data(as_text=True))
    form = client.get(link).get_data(as_text=True)
    assert 'value="Carsharing am Bahnhof"' in form
    assert f'value="{idea.id}" checked' in form
    response = client.post(
        link,
        data={
            "title": "Carsharing für alle",
            "priority": "quick_win",
            "status": "planned",
            "field_key": "mobilitaet",
            "start_quarter": "2",
            "start_year": "2027",
            "end_quarter": "4",
            "end_year": "2027",
            "idea_ids": [str(idea.id)],
            "is_public": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        project = db.session.scalars(select(RoadmapProject)).one()
        assert project.source_idea_id == idea.id
        assert project.priority is ProjectPriority.QUICK_WIN
        assert [i.id for i in project.ideas] == [idea.id]
    # The idea's page names the project with its status.
    page = app.test_client().get(f"/strategien/{strategy.slug}/ideen/{idea.id}")
    html = page.get_data(as_text=True)
    assert "Carsharing für alle" in html
    assert "geplant" in html


def test_bad_input_keeps_what_was_typed(app, strategy, moderator):
    client = signed_in_client(app, moderator)
    response = client.post(
        f"/moderation/roadmap/{strategy.slug}/neu",
        data={
            "title": "Digitale Schule",
            "description_md": "Tablets für *alle*.",
            "priority": "lead",
            "status": "planned",
            "start_quarter": "3",
            "start_year": "2028",
            "end_quarter": "1",
            "end_year": "2027",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Das Ende kann nicht vor dem Beginn liegen." in html
    assert 'value="Digitale Schule"' in html
    assert "Tablets für *alle*." in html
    assert 'value="2028"' in html
    with app.app_context():
        assert db.session.scalars(select(RoadmapProject)).all() == []


def test_two_moderators_saving_at_once(app, make, strategy, moderator):
    project = _create(app, strategy, actor=moderator)
    other = make.user(roles=[Role.MODERATOR])
    first, second = signed_in_client(app, moderator), signed_in_client(app, other)
    url = f"/moderation/roadmap/projekte/{project.id}"
    seen_first = _form_fields(first.get(url).get_data(as_text=True))
    seen_second = _form_fields(second.get(url).get_data(as_text=True))
    assert seen_first["revision"] == seen_second["revision"] == "1"

    def post(client, seen, title):
        return client.post(
            url,
            data={
                **seen,
                "title": title,
                "priority": "lead",
                "status": "planned",
                "field_key": "mobilitaet",
                "start_quarter": "1",
                "end_quarter": "2",
                "is_public": "y",
            },
        )

    assert post(first, seen_first, "Fassung der ersten").status_code == 302
    response = post(second, seen_second, "Fassung der zweiten")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Jemand anderes hat dieses Projekt inzwischen gespeichert" in html
    assert 'value="Fassung der zweiten"' in html
    with app.app_context():
        assert db.session.get(RoadmapProject, project.id).title == "Fassung der ersten"
    # The form now carries the current revision: saving again is a conscious decision.
    again = _form_fields(html)
    assert again["revision"] == "2"
    assert post(second, again, "Fassung der zweiten").status_code == 302
    with app.app_context():
        saved = db.session.get(RoadmapProject, project.id)
        assert (saved.title, saved.revision) == ("Fassung der zweiten", 3)


def test_a_stale_revision_is_refused_by_the_service(app, strategy, moderator):
    project = _create(app, strategy, actor=moderator)
    with app.test_request_context():
        row = db.session.get(RoadmapProject, project.id)
        with pytest.raises(services.RoadmapError) as caught:
            services.update_project(
                row, _data(title="Veraltet"), actor=moderator, expected_revision=0
            )
        assert caught.value.field is None
        db.session.rollback()
        assert db.session.get(RoadmapProject, project.id).title == "Mobilitätsplattform"


# --- notifications -----------------------------------------------------------------------------


def _follow(app, user, idea_id, delivery=None):
    with app.test_request_context():
        person = db.session.get(User, user.id)
        notifications.follow(
            person, notifications.thread_target(db.session.get(Contribution, idea_id))
        )
        if delivery is not None:
            notifications.set_preferences(person, {Kind.FOLLOWED_THREADS: delivery})
        db.session.commit()


def _told(app) -> dict[str, list[str]]:
    """Everyone told of a roadmap project: {address: [subjects]} of mails and digest items."""
    with app.app_context():
        told: dict[str, list[str]] = {}
        mails = select(OutboxMessage).where(OutboxMessage.kind == "roadmap_status_changed")
        for row in db.session.scalars(mails):
            told.setdefault(row.recipient, []).append(row.subject)
        items = select(NotificationItem).where(NotificationItem.url.contains("/roadmap/"))
        for item in db.session.scalars(items):
            address = db.session.get(User, item.user_id).email if item.user_id else item.email
            told.setdefault(address, []).append(item.subject)
        return told


def test_a_status_change_tells_each_person_once(app, make, discuss, strategy, moderator, idea):
    second = discuss.idea(strategy, make.user(email="zweite@example.org"), title="Leihräder")
    _publish(app, second.id)
    # The author of the first idea follows the second; a follower follows both (immediate
    # mail, English); another follows one with the daily digest; the moderator follows both.
    with app.app_context():
        first_author = db.session.get(User, idea.author_id)
    follower = make.user(email="folgt-beiden@example.org", locale="en")
    digest_reader = make.user(email="taeglich@example.org")
    for person, idea_id, delivery in (
        (first_author, second.id, None),
        (follower, idea.id, Delivery.IMMEDIATE),
        (follower, second.id, None),
        (digest_reader, second.id, None),
        (moderator, idea.id, Delivery.IMMEDIATE),
        (moderator, second.id, None),
    ):
        _follow(app, person, idea_id, delivery)
    project = _create(app, strategy, actor=moderator, idea_ids=[idea.id, second.id])
    assert _told(app) == {}, "creating a project tells nobody"

    _update(app, project.id, moderator, status=ProjectStatus.IN_PROGRESS)
    told = _told(app)
    assert sorted(told) == sorted(
        [
            "autorin@example.org",
            "zweite@example.org",
            "folgt-beiden@example.org",
            "taeglich@example.org",
        ]
    )
    assert all(len(subjects) == 1 for subjects in told.values()), told
    assert told["autorin@example.org"] == ["Roadmap-Projekt „Mobilitätsplattform“: in Umsetzung"]
    assert told["folgt-beiden@example.org"] == [
        "Roadmap project “Mobilitätsplattform”: in progress"
    ]
    with app.app_context():
        english = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == "folgt-beiden@example.org",
                OutboxMessage.kind == "roadmap_status_changed",
            )
        ).one()
        assert "which you follow, went into the project" in english.body_text
        assert f"/strategien/{strategy.slug}/roadmap/{project.id}" in english.body_text
        german = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == "autorin@example.org",
                OutboxMessage.kind == "roadmap_status_changed",
            )
        ).one()
        assert "Ihre Idee „Carsharing am Bahnhof“" in german.body_text
        assert "Ihre Idee" in (german.body_html or "")
        item = db.session.scalars(
            select(NotificationItem).where(NotificationItem.url.contains("/roadmap/"))
        ).one()
        assert item.kind is Kind.FOLLOWED_THREADS


def test_an_internal_project_tells_nobody(app, strategy, moderator, idea):
    project = _create(app, strategy, actor=moderator, idea_ids=[idea.id], is_public=False)
    _update(app, project.id, moderator, status=ProjectStatus.DONE)
    assert _told(app) == {}


# --- public pages ------------------------------------------------------------------------------


@pytest.fixture
def roadmap(app, make, strategy, moderator, idea):
    mobility = make.department(name="Amt für Mobilität")
    schools = make.department(name="Schulverwaltungsamt")
    projects = {
        "bus": _create(
            app,
            strategy,
            title="Echtzeit-Busanzeige",
            department_id=mobility.id,
            idea_ids=[idea.id],
            start_year=2027,
            start_quarter=2,
        ),
        "school": _create(
            app,
            strategy,
            title="WLAN in Schulen",
            field_key="bildung",
            department_id=schools.id,
            priority=ProjectPriority.QUICK_WIN,
            start_year=2027,
            start_quarter=1,
            end_year=2027,
            end_quarter=1,
        ),
        "secret": _create(
            app,
            strategy,
            title="Geheimes Vorhaben Roadmapmarker",
            description_md="Interne Planung Roadmapmarker",
            department_id=mobility.id,
            idea_ids=[idea.id],
            is_public=False,
        ),
    }
    return projects, {"mobility": mobility, "schools": schools}


def test_the_public_roadmap_as_timeline_and_list(app, strategy, roadmap):
    projects, _departments = roadmap
    client = app.test_client()
    timeline = client.get(f"/strategien/{strategy.slug}/roadmap").get_data(as_text=True)
    assert '<ol class="roadmap-timeline">' in timeline
    # Grouped by the starting quarter, in order.
    assert timeline.index("Beginn im 1. Quartal 2027") < timeline.index("WLAN in Schulen")
    assert timeline.index("WLAN in Schulen") < timeline.index("Beginn im 2. Quartal 2027")
    assert timeline.index("Beginn im 2. Quartal 2027") < timeline.index("Echtzeit-Busanzeige")
    listing = client.get(f"/strategien/{strategy.slug}/roadmap?ansicht=liste").get_data(
        as_text=True
    )
    assert "<table" in listing
    assert '<th scope="col"' in listing
    assert "Echtzeit-Busanzeige" in listing
    assert "Amt für Mobilität" in listing
    assert "Quick Win" in listing
    assert "2. Quartal 2027 bis 2. Quartal 2028" in listing
    english = client.get(
        f"/strategien/{strategy.slug}/roadmap?ansicht=liste", headers={"Cookie": "lang=en"}
    )
    assert english.status_code == 200
    overview = client.get(f"/strategien/{strategy.slug}").get_data(as_text=True)
    assert f"/strategien/{strategy.slug}/roadmap" in overview


def test_filters_are_kept_in_the_url(app, strategy, roadmap):
    projects, departments = roadmap
    client = app.test_client()
    base = f"/strategien/{strategy.slug}/roadmap"
    by_field = client.get(f"{base}?handlungsfeld=bildung&ansicht=liste").get_data(as_text=True)
    assert "WLAN in Schulen" in by_field
    assert "Echtzeit-Busanzeige" not in by_field
    by_department = client.get(f"{base}?amt={departments['mobility'].id}").get_data(as_text=True)
    assert "Echtzeit-Busanzeige" in by_department
    assert "WLAN in Schulen" not in by_department
    # The view switch keeps the filter.
    assert f"ansicht=liste&amp;amt={departments['mobility'].id}" in by_department or (
        f"amt={departments['mobility'].id}&amp;ansicht=liste" in by_department
    )
    assert '<label class="kern-label" for="amt">' in by_department
    both = client.get(f"{base}?handlungsfeld=bildung&amt={departments['mobility'].id}")
    assert "Kein Projekt passt zu diesen Filtern." in both.get_data(as_text=True)
    # Unknown values are no filter.
    everything = client.get(f"{base}?handlungsfeld=unsinn&amt=abc&ansicht=quer")
    assert everything.status_code == 200
    html = everything.get_data(as_text=True)
    assert "WLAN in Schulen" in html
    assert "Echtzeit-Busanzeige" in html


def test_a_project_page_with_ideas_and_history(app, strategy, roadmap, moderator, idea):
    projects, _departments = roadmap
    _update(app, projects["bus"].id, moderator, status=ProjectStatus.IN_PROGRESS)
    html = (
        app.test_client()
        .get(f"/strategien/{strategy.slug}/roadmap/{projects['bus'].id}")
        .get_data(as_text=True)
    )
    assert "Echtzeit-Busanzeige" in html
    assert "Amt für Mobilität" in html
    assert f"/strategien/{strategy.slug}/ideen/{idea.id}" in html
    history = html.split('id="history-heading"', 1)[1]
    assert history.index("geplant") < history.index("in Umsetzung")
    assert "Moderatorin Roadmap" not in html


def test_internal_projects_appear_nowhere_public(app, strategy, roadmap, idea):
    projects, departments = roadmap
    client = app.test_client()
    pages = [
        f"/strategien/{strategy.slug}/roadmap",
        f"/strategien/{strategy.slug}/roadmap?ansicht=liste",
        f"/strategien/{strategy.slug}/roadmap?amt={departments['mobility'].id}",
        f"/strategien/{strategy.slug}/ideen/{idea.id}",
        f"/strategien/{strategy.slug}",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Roadmapmarker" not in response.get_data(as_text=True), url
    secret = client.get(f"/strategien/{strategy.slug}/roadmap/{projects['secret'].id}")
    assert secret.status_code == 404
    # A project of another strategy is not found under this one.
    assert client.get("/strategien/gibt-es-nicht/roadmap").status_code == 404
    with app.app_context():
        rows = export.rows(db.session.get(Strategy, strategy.id))
        assert "Roadmapmarker" not in repr(rows)
        assert {row["title"] for row in rows} == {"Echtzeit-Busanzeige", "WLAN in Schulen"}


def test_an_idea_hidden_later_drops_out_of_the_project_page(app, strategy, roadmap, idea):
    projects, _departments = roadmap
    with app.test_request_context():
        row = db.session.get(Contribution, idea.id)
        moderation.decide(
            row,
            "hide",
            actor=None,
            expected_state=row.state.value,
            reason=rejection_choices()[0][0],
            note="Verborgen.",
        )
        db.session.commit()
    html = (
        app.test_client()
        .get(f"/strategien/{strategy.slug}/roadmap/{projects['bus'].id}")
        .get_data(as_text=True)
    )
    assert "Carsharing am Bahnhof" not in html


def test_markup_in_the_description_is_sanitised(app, strategy):
    project = _create(
        app,
        strategy,
        description_md="Gut <script>alert(1)</script> [x](javascript:alert(1)) **fett**",
    )
    html = (
        app.test_client()
        .get(f"/strategien/{strategy.slug}/roadmap/{project.id}")
        .get_data(as_text=True)
    )
    assert "<strong>fett</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html


def test_the_section_key_roadmap_is_reserved(app, make):
    from participation.strategies.services import RESERVED_SECTION_KEYS

    assert "roadmap" in RESERVED_SECTION_KEYS
    with app.app_context():
        assert db.session.scalar(select(Section).where(Section.key == "roadmap")) is None


# --- open data ---------------------------------------------------------------------------------


def test_the_roadmap_is_an_open_data_set(app, strategy, roadmap, idea):
    projects, departments = roadmap
    client = app.test_client()
    document = json.loads(client.get("/offene-daten/roadmap.json").get_data(as_text=True))
    items = {item["id"]: item for item in document["items"]}
    assert set(items) == {projects["bus"].id, projects["school"].id}
    bus = items[projects["bus"].id]
    assert bus["strategy"] == strategy.slug
    assert bus["field_of_action_key"] == "mobilitaet"
    assert bus["field_of_action"] == "Mobilität"
    assert bus["department"] == "Amt für Mobilität"
    assert bus["priority"] == "lead"
    assert bus["status"] == "planned"
    assert (bus["start_year"], bus["start_quarter"]) == (2027, 2)
    assert (bus["end_year"], bus["end_quarter"]) == (2028, 2)
    assert bus["linked_idea_ids"] == [idea.id]
    assert bus["url"].endswith(f"/strategien/{strategy.slug}/roadmap/{projects['bus'].id}")
    response = client.get("/offene-daten/roadmap.csv")
    assert response.status_code == 200
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    by_id = {row["id"]: row for row in rows}
    assert by_id[str(projects["bus"].id)]["linked_idea_ids"] == str(idea.id)
    assert "Roadmapmarker" not in text
    assert "Roadmapmarker" not in json.dumps(document)
    page = client.get("/offene-daten").get_data(as_text=True)
    assert "/offene-daten/roadmap.csv" in page


def test_no_roadmap_data_set_without_a_public_project(app, strategy):
    _create(app, strategy, is_public=False)
    assert app.test_client().get("/offene-daten/roadmap.json").status_code == 404


# --- demo --------------------------------------------------------------------------------------


def test_the_demo_has_a_roadmap(app):
    runner = app.test_cli_runner()
    output = runner.invoke(args=["demo", "load"]).output
    assert "6 roadmap projects" in output
    client = app.test_client()
    html = client.get("/strategien/digitalstrategie-2030/roadmap").get_data(as_text=True)
    assert "Mobilitätsplattform Musterstadt" in html
    assert "Baustellen" not in html  # linked ideas are named on the project's page only
    assert "Energiemonitoring" not in html  # still internal
    with app.app_context():
        project = db.session.scalars(
            select(RoadmapProject).where(RoadmapProject.title == "Mobilitätsplattform Musterstadt")
        ).one()
        assert [i.title for i in project.ideas] == ["Baustellen-Karte mit Umleitungen"]
    page = client.get(f"/strategien/digitalstrategie-2030/roadmap/{project.id}")
    assert "Baustellen-Karte mit Umleitungen" in page.get_data(as_text=True)
    assert "nothing changed" in runner.invoke(args=["demo", "load"]).output


def test_the_consolidation_offers_a_project_for_selected_ideas(app, make, discuss, moderator):
    closed = make.strategy()
    author = make.user()
    chosen = discuss.idea(closed, author, title="Ausgewählte Idee")
    other = discuss.idea(closed, author, title="Nicht ausgewählte Idee")
    for item in (chosen, other):
        _publish(app, item.id)
    with app.app_context():
        # The participation phase has ended: the consolidation's evaluation lists the ideas.
        row = db.session.get(Strategy, closed.id)
        row.opens_at -= timedelta(days=60)
        row.closes_at = row.opens_at + timedelta(days=30)
        db.session.commit()
    _select(app, chosen.id, "quick_win")
    client = signed_in_client(app, moderator)
    new = f"/moderation/roadmap/{closed.slug}/neu?idee="
    table = unescape(client.get(f"/konsolidierung/{closed.slug}/auswertung").get_data(as_text=True))
    assert f"{new}{chosen.id}" in table
    assert f"{new}{other.id}" not in table
    page = client.get(f"/konsolidierung/{closed.slug}/auswertung/{chosen.id}")
    assert f"{new}{chosen.id}" in unescape(page.get_data(as_text=True))
    page = client.get(f"/konsolidierung/{closed.slug}/auswertung/{other.id}")
    assert new not in unescape(page.get_data(as_text=True))


def test_the_roadmap_needs_the_same_queries_for_many_projects(app, make, discuss, strategy, idea):
    from tests.test_ideas_queries import count_statements

    department = make.department()
    base = f"/strategien/{strategy.slug}/roadmap"
    urls = [
        base,
        f"{base}?ansicht=liste",
        f"{base}?amt={department.id}",
        "/offene-daten/roadmap.json",
    ]

    def counts():
        client = app.test_client()
        return [len(count_statements(app, lambda u=url: client.get(u))) for url in urls]

    _create(app, strategy, department_id=department.id, idea_ids=[idea.id])
    few = counts()
    others = [discuss.idea(strategy, make.user(), title=f"Idee {n}") for n in range(3)]
    for other in others:
        _publish(app, other.id)
    for n in range(8):
        _create(
            app,
            strategy,
            title=f"Projekt {n}",
            department_id=department.id,
            field_key="bildung" if n % 2 else "mobilitaet",
            idea_ids=[idea.id, others[n % 3].id],
        )
    assert counts() == few
