"""Every administration route: administrators only; others get 403, anonymous users log in."""

import pytest
from sqlalchemy import select

from participation.accounts.models import Role
from participation.extensions import db
from participation.moderation.models import NetiquetteReason

ROUTES = [
    ("GET", "/verwaltung/"),
    ("GET", "/verwaltung/benutzer"),
    ("GET", "/verwaltung/benutzer/{user}"),
    ("POST", "/verwaltung/benutzer/{user}"),
    ("POST", "/verwaltung/benutzer/{user}/zwei-faktor-zuruecksetzen"),
    ("GET", "/verwaltung/fachaemter"),
    ("GET", "/verwaltung/fachaemter/neu"),
    ("POST", "/verwaltung/fachaemter/neu"),
    ("GET", "/verwaltung/fachaemter/{department}"),
    ("POST", "/verwaltung/fachaemter/{department}"),
    ("POST", "/verwaltung/fachaemter/{department}/loeschen"),
    ("POST", "/verwaltung/fachaemter/{department}/mitglieder"),
    ("POST", "/verwaltung/fachaemter/{department}/mitglieder/{user}/entfernen"),
    ("GET", "/verwaltung/seiten"),
    ("GET", "/verwaltung/seiten/impressum/de"),
    ("POST", "/verwaltung/seiten/impressum/de"),
    ("POST", "/verwaltung/seiten/impressum/de/zuruecksetzen"),
    ("GET", "/verwaltung/netiquette-gruende"),
    ("GET", "/verwaltung/netiquette-gruende/neu"),
    ("POST", "/verwaltung/netiquette-gruende/neu"),
    ("GET", "/verwaltung/netiquette-gruende/{reason}"),
    ("POST", "/verwaltung/netiquette-gruende/{reason}"),
    ("POST", "/verwaltung/netiquette-gruende/{reason}/verschieben"),
    ("POST", "/verwaltung/netiquette-gruende/{reason}/deaktivieren"),
    ("POST", "/verwaltung/netiquette-gruende/{reason}/aktivieren"),
    ("POST", "/verwaltung/netiquette-gruende/{reason}/loeschen"),
    ("GET", "/verwaltung/e-mails"),
    ("POST", "/verwaltung/e-mails/{message}/erneut-senden"),
    ("POST", "/verwaltung/e-mails/erneut-senden"),
]


def test_every_admin_route_is_listed(app):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    listed = {
        (method, path.replace("{user}", "<int:user_id>")
            .replace("{department}", "<int:department_id>")
            .replace("{reason}", "<int:reason_id>")
            .replace("{message}", "<int:message_id>")
            .replace("/impressum/de", "/<slug>/<locale>"))
        for method, path in ROUTES
    }  # fmt: skip
    assert rules == listed
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            view = app.view_functions[rule.endpoint]
            assert view.required_permission.__name__ == "is_admin"


@pytest.fixture
def targets(app, make):
    with app.app_context():
        reason = db.session.scalar(select(NetiquetteReason.id).order_by(NetiquetteReason.id))
    with app.test_request_context():
        from participation.mail import queue_mail

        message = queue_mail("ziel@example.org", "Ziel", "password_changed", user=None)
        db.session.commit()
    return {
        "user": make.user().id,
        "department": make.department().id,
        "reason": reason,
        "message": message.id,
    }


def _call(client, method, path, targets):
    url = path.format(**targets)
    return client.open(url, method=method, data={} if method == "POST" else None)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_is_sent_to_login(client, targets, method, path):
    response = _call(client, method, path, targets)
    assert response.status_code == 302
    assert "/konto/anmelden" in response.headers["Location"]


@pytest.mark.parametrize("roles", [[], [Role.MODERATOR], [Role.DEPARTMENT], [Role.COMMITTEE]])
def test_non_admins_get_403(client, make, login, targets, roles):
    department = make.department() if Role.DEPARTMENT in roles else None
    login(make.user(roles=roles, department=department))
    for method, path in ROUTES:
        response = _call(client, method, path, targets)
        assert response.status_code == 403, (method, path)


def test_admin_sees_the_overview_with_counts(client, make, login):
    login(make.user(roles=[Role.ADMIN]))
    make.department()
    html = client.get("/verwaltung/").get_data(as_text=True)
    assert html.count("<h1") == 1
    assert "/verwaltung/benutzer" in html
    assert "/verwaltung/fachaemter" in html
    assert "/verwaltung/seiten" in html
    assert "Fachämter: 1" in html
    assert "Konten: 1, davon mit einer Mitarbeitendenrolle: 1, deaktiviert: 0" in html
