"""Every state-changing route refuses a request without a valid CSRF token."""

import pytest

from config import TestingConfig
from participation import create_app
from participation.accounts.models import Role

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# Routes that take a POST without a CSRF token, each with the reason. Anything listed must
# still refuse a request that lacks its own proof (checked below).
EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail programs POST "List-Unsubscribe=One-Click" to the
    # address in the List-Unsubscribe header themselves, from no page of ours; the signed
    # token in the address (one recipient, one kind) is the proof instead.
    "notifications.unsubscribe_one_click",
}


@pytest.fixture
def csrf_app(database_url, smtp_server):
    return create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        WTF_CSRF_ENABLED=True,
    )


def _state_changing_rules(app):
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & STATE_CHANGING
        if methods and rule.endpoint != "static" and rule.endpoint not in EXEMPT:
            yield rule, sorted(methods)


def _build(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if kind == "IntegerConverter":
            values[name] = 1
        elif kind == "AnyConverter":
            values[name] = next(iter(converter.items))
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def test_every_state_changing_route_requires_a_token(csrf_app, make):
    admin = make.user(roles=[Role.ADMIN, Role.MODERATOR])
    client = csrf_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    checked = 0
    for rule, methods in _state_changing_rules(csrf_app):
        url = _build(rule)
        for method in methods:
            response = client.open(url, method=method, data={"anything": "1"})
            assert response.status_code == 400, f"{method} {rule.rule} accepted without token"
            assert "abgelaufen" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 5


def test_a_valid_token_is_accepted(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/sprache", data={"lang": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 302


def test_exempt_routes_are_exempt_and_refuse_a_forged_token(csrf_app):
    """The listed routes are really exempt (or the test above would have caught them), and
    without a genuine signed token they change nothing."""
    from participation.extensions import csrf

    client = csrf_app.test_client()
    for endpoint in EXEMPT:
        view = csrf_app.view_functions[endpoint]
        assert f"{view.__module__}.{view.__name__}" in csrf._exempt_views
        rule = next(r for r in csrf_app.url_map.iter_rules() if r.endpoint == endpoint)
        response = client.post(_build(rule), data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400, endpoint
        assert "abgelaufen" not in response.get_data(as_text=True)
