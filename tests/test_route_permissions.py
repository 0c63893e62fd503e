"""Every route of the application, walked with every role.

Anonymous visitors of a protected route are sent to the login page, signed-in users without
the right get 403, the right role gets the page (200). A route without a declared permission
fails the audit, so a new route cannot forget its check.
"""

import pytest
from sqlalchemy import select

from participation import permissions
from participation.accounts.models import Role
from participation.extensions import db
from participation.strategies import services as strategy_services
from participation.strategies.models import Section, Strategy
from tests.helpers import signed_in_client

ROLES = {
    "anonymous": None,
    "citizen": (),
    "moderator": (Role.MODERATOR,),
    "department": (Role.DEPARTMENT,),
    "committee": (Role.COMMITTEE,),
    "admin": (Role.ADMIN,),
}

# Routes whose answer to a permitted GET is a redirect by design.
REDIRECTING_GET = {
    # Signed-in users have nothing to do on these pages and are sent on.
    ("accounts.login", "signed-in"),
    ("accounts.register", "signed-in"),
    # The second login step needs a login halfway done (password right, code pending).
    ("accounts.login_code", "signed-in"),
    ("accounts.login_code", "anonymous"),
    # A GET of the support URL (e.g. after logging in again) leads to the idea page.
    ("ideas.support", "signed-in"),
    # A permalink leads to the page of its thread.
    ("discussion.permalink", "signed-in"),
    ("discussion.permalink", "anonymous"),
    # Revising is only for rejected contributions; other ones lead to their permalink.
    ("revision.revise", "signed-in"),
}

# Public routes that only the author of the contribution `id` (the citizen) may use;
# everyone else gets 403 from the view.
AUTHOR_ONLY = {"discussion.edit", "discussion.withdraw"}
AUTHOR_ONLY |= {"revision.revise"}


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        yield rule


def test_every_route_declares_its_permission(app):
    missing = [
        rule.rule
        for rule in _routes(app)
        if not hasattr(app.view_functions[rule.endpoint], "required_permission")
    ]
    assert missing == []


@pytest.fixture
def world(app, make, discuss):
    """One of everything a URL can point at, and one user per role."""
    department = make.department()
    users = {
        name: make.user(roles=roles, department=department if Role.DEPARTMENT in roles else None)
        for name, roles in ROLES.items()
        if roles is not None
    }
    strategy = make.strategy(sections=[("Vision", "Text."), ("Mobilität", "Mehr Busse.")])
    with app.test_request_context():
        # v1 and v2 published (so v1 is an older version), and a draft for the editor.
        strategy = db.session.get(Strategy, strategy.id)
        strategy_services.ensure_draft(strategy, actor=None)
        strategy_services.publish(strategy, actor=None, change_note="Zweite Fassung")
        draft = strategy_services.ensure_draft(strategy, actor=None)
        db.session.commit()
        section = db.session.scalars(
            select(Section).where(Section.version_id == draft.id).order_by(Section.position)
        ).first()
        # A published idea of the citizen: `id` in URLs points at it.
        idea = discuss.idea(strategy, users["citizen"])
        with app.test_request_context():
            from participation.discussion import services as discussion_services
            from participation.discussion.models import Contribution, ModerationState

            discussion_services.change_state(
                db.session.get(Contribution, idea.id),
                ModerationState.PUBLISHED,
                actor=None,
                action="idea.published",
            )
            db.session.commit()
        values = {
            "id": idea.id,
            "slug": strategy.slug,
            "key": section.key,
            "number": 1,
            "section_id": section.id,
            "user_id": users["citizen"].id,
            "department_id": department.id,
            "token": "not-a-valid-token",
            "locale": "de",
            # An open-data dataset (/offene-daten/<name>.csv and .json).
            "name": "beitraege",
        }
        with app.test_request_context():
            from participation.mail import queue_mail

            message = queue_mail("welt@example.org", "Welt", "password_changed", user=None)
            db.session.commit()
            values["message_id"] = message.id
        with app.test_request_context():
            from participation.moderation import answer_templates

            values["template_id"] = answer_templates.create(
                actor=None, title="Dank", body_md="Vielen Dank."
            ).id
            db.session.commit()
            from participation.moderation.models import NetiquetteReason

            values["reason_id"] = db.session.scalar(
                select(NetiquetteReason.id).order_by(NetiquetteReason.id)
            )
        with app.test_request_context():
            # The idea, forwarded to the department of the department member, which may
            # publish its replies itself (so that all its routes are open to the member).
            from participation.accounts.models import Department, User
            from participation.departments import services as forwarding
            from participation.discussion.models import Contribution

            db.session.get(Department, department.id).may_publish_replies = True
            (forwarded,) = forwarding.forward(
                db.session.get(Contribution, idea.id),
                [db.session.get(Department, department.id)],
                actor=db.session.get(User, users["moderator"].id),
                note="Bitte prüfen.",
                due_on=forwarding.default_due_on(),
            )
            db.session.commit()
            values["forwarding_id"] = forwarded.id
        with app.test_request_context():
            # A published workshop of the strategy: its public page and the office's pages.
            from participation.database import utcnow
            from participation.workshops.models import Workshop, WorkshopFormat

            workshop = Workshop(
                strategy_id=strategy.id,
                title="Werkstatt Mobilität",
                held_on=utcnow().date(),
                format=WorkshopFormat.IN_PERSON,
                published=True,
            )
            db.session.add(workshop)
            db.session.commit()
            values["workshop_id"] = workshop.id
        with app.test_request_context():
            # A public roadmap project of the strategy, linked to the idea.
            from participation.roadmap import services as roadmap

            project = roadmap.create_project(
                db.session.get(Strategy, strategy.id),
                roadmap.ProjectData(
                    title="Mobilitätsplattform",
                    priority="lead",
                    start_year=2027,
                    start_quarter=1,
                    end_year=2028,
                    end_quarter=4,
                    is_public=True,
                    idea_ids=[idea.id],
                ),
                actor=None,
            )
            db.session.commit()
            values["project_id"] = project.id
    return users, values


def _url(app, rule, values) -> str:
    args = {name: values[name] for name in rule.arguments}
    if rule.endpoint in ("pages.show", "admin.edit_page", "admin.reset_page"):
        args["slug"] = "impressum"
    with app.test_request_context():
        return app.url_map.bind("localhost").build(rule.endpoint, args)


def _client_for(app, user):
    return app.test_client() if user is None else signed_in_client(app, user)


def test_every_route_with_every_role(app, world):
    users, values = world
    connection = app.extensions["test_connection"]
    failures = []
    for rule in _routes(app):
        permission = app.view_functions[rule.endpoint].required_permission
        url = _url(app, rule, values)
        for role_name in ROLES:
            user = users.get(role_name)
            client = _client_for(app, user)
            allowed = permission == permissions.PUBLIC or (user is not None and permission(user))
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                # Whatever a permitted POST changes is undone before the next request.
                savepoint = connection.begin_nested()
                response = client.open(url, method=method, data={})
                savepoint.rollback()
                status = response.status_code
                where = f"{method} {url} as {role_name}"
                if status >= 500:
                    failures.append(f"{where}: {status}")
                elif not allowed and user is None:
                    location = response.headers.get("Location", "")
                    if status != 302 or "/konto/anmelden" not in location:
                        failures.append(f"{where}: expected redirect to login, got {status}")
                elif not allowed:
                    if status != 403:
                        failures.append(f"{where}: expected 403, got {status}")
                elif rule.endpoint in AUTHOR_ONLY and role_name != "citizen":
                    if status != 403:
                        failures.append(f"{where}: expected 403 (not the author), got {status}")
                elif method == "GET":
                    signed_in = "signed-in" if user is not None else "anonymous"
                    expected = 302 if (rule.endpoint, signed_in) in REDIRECTING_GET else 200
                    if status != expected and not (
                        permission == permissions.PUBLIC
                        and status in (400, 404)
                        and "token" in rule.arguments
                    ):
                        failures.append(f"{where}: expected {expected}, got {status}")
                elif status in (401, 403):
                    failures.append(f"{where}: permitted role refused with {status}")
    assert failures == [], "\n".join(failures)


def test_another_department_gets_404_on_every_route_of_an_item(app, make, world):
    """The forwarding in `world` went to the department member's department; a member of
    another department reaches none of its routes (404 hides that it exists)."""
    _users, values = world
    stranger = make.user(roles=(Role.DEPARTMENT,), department=make.department())
    client = signed_in_client(app, stranger)
    connection = app.extensions["test_connection"]
    checked = []
    for rule in _routes(app):
        if "forwarding_id" not in rule.arguments:
            continue
        permission = app.view_functions[rule.endpoint].required_permission
        if not permission(stranger):
            continue  # the office's routes: 403 for every department (walked above)
        url = _url(app, rule, values)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            savepoint = connection.begin_nested()
            response = client.open(url, method=method, data={"body": "x", "statement": "x"})
            savepoint.rollback()
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
            checked.append(f"{method} {rule.endpoint}")
    assert len(checked) >= 4, checked
