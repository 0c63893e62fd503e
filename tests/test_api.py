"""The JSON API: listings, filters, paging, validation (400 as problem+json), 404s, CORS,
the same anonymisation as the downloads, and a bounded number of queries per page."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from participation.database import utcnow
from participation.discussion.models import Contribution
from participation.extensions import db
from tests.bulk import seed_section
from tests.test_discussion_pages import count_statements
from tests.test_opendata import SECRET, world  # noqa: F401  (the fixture)


def _get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True))
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response


def _items(client, url):
    return _get(client, url).get_json()["items"]


def test_strategies_versions_and_sections(client, world):  # noqa: F811
    (strategy,) = _items(client, "/api/v1/strategies")
    assert strategy["slug"] == world.slug
    assert strategy["latest_version"] == 1
    assert strategy["contributions_url"] == (
        f"http://localhost/api/v1/strategies/{world.slug}/contributions"
    )
    assert _get(client, f"/api/v1/strategies/{world.slug}").get_json() == strategy
    (version,) = _items(client, f"/api/v1/strategies/{world.slug}/versions")
    assert version["number"] == 1
    sections = _items(client, f"/api/v1/strategies/{world.slug}/versions/1/sections")
    assert [(s["number"], s["key"], s["title"]) for s in sections] == [
        ("1", "vision", "Vision"),
        ("2", "mobilitaet", "Mobilität"),
    ]
    assert len(sections[0]["paragraphs"]) == 2


def test_the_api_shows_what_the_download_shows(client, world):  # noqa: F811
    download = {i["id"]: i for i in client.get("/offene-daten/beitraege.json").get_json()["items"]}
    listed = _items(client, f"/api/v1/strategies/{world.slug}/contributions?limit=100")
    assert {item["id"]: item for item in listed} == download
    one = _get(client, f"/api/v1/contributions/{world.ids['idea']}").get_json()
    assert one == download[world.ids["idea"]]
    trail = _get(client, f"/api/v1/contributions/{world.ids['idea']}/status-trail").get_json()
    assert trail == {"contribution_id": world.ids["idea"], "items": one["status_trail"]}


def test_paging_with_a_cursor(client, world):  # noqa: F811
    url = f"/api/v1/strategies/{world.slug}/contributions?limit=4&kind=comment"
    seen = []
    while url:
        page = _get(client, url.removeprefix("http://localhost")).get_json()
        assert len(page["items"]) <= 4
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
        if url:
            assert "kind=comment" in url
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 11  # every published comment, once


def test_filters(app, client, world):  # noqa: F811
    base = f"/api/v1/strategies/{world.slug}/contributions"
    ideas = _items(client, f"{base}?kind=idea")
    assert [i["id"] for i in ideas] == [world.ids["idea"]]
    assert [i["id"] for i in _items(client, f"{base}?status=not_adopted")] == [world.ids["idea"]]
    assert _items(client, f"{base}?status=adopted") == []
    on_mobility = {i["id"] for i in _items(client, f"{base}?section=mobilitaet")}
    assert on_mobility == {world.ids["plain_again"], world.ids["idea"]}
    # Dates: one contribution moved into the past.
    with app.app_context():
        db.session.execute(
            update(Contribution)
            .where(Contribution.id == world.ids["late"])
            .values(created_at=utcnow() - timedelta(days=10))
        )
        db.session.commit()
    day = (utcnow() - timedelta(days=10)).date().isoformat()
    old = _items(client, f"{base}?created_from={day}&created_to={day}")
    assert [i["id"] for i in old] == [world.ids["late"]]
    today = utcnow().date().isoformat()
    recent = {i["id"] for i in _items(client, f"{base}?created_from={today}&limit=100")}
    assert world.ids["late"] not in recent
    assert world.ids["plain"] in recent


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "“limit” must be a whole number from 1 to 100."),
        ("limit=101", "“limit” must be a whole number from 1 to 100."),
        ("limit=zehn", "“limit” must be a whole number from 1 to 100."),
        ("after=-1", "“after” must be a whole number from 0 to 2147483647."),
        ("after=99999999999", "“after” must be a whole number from 0 to 2147483647."),
        ("kind=essay", "“kind” must be one of: comment, reply, idea."),
        ("status=done", "“status” must be one of: received, forwarded, in_review"),
        ("created_from=21.11.2026", "“created_from” must be a date like 2026-11-21."),
        ("created_to=2026-02-30", "“created_to” must be a date like 2026-11-21."),
        ("section=a%20b", "“section” must be a section key"),
        (
            "created_from=2026-11-22&created_to=2026-11-21",
            "“created_from” must not be after “created_to”.",
        ),
    ],
)
def test_invalid_parameters_are_a_400_problem(client, world, query, message):  # noqa: F811
    response = _get(client, f"/api/v1/strategies/{world.slug}/contributions?{query}", 400)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 400
    assert problem["title"] == "Bad Request"
    assert problem["detail"].startswith(message)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/strategies/gibt-es-nicht",
        "/api/v1/strategies/gibt-es-nicht/versions",
        "/api/v1/strategies/{slug}/versions/7/sections",
        "/api/v1/strategies/{slug}/versions/eins/sections",
        "/api/v1/contributions/999999",
        "/api/v1/contributions/0",
        "/api/v1/contributions/99999999999999999999",
        "/api/v1/contributions/abc/status-trail",
        "/api/v1/unbekannt",
        "/api/v1/strategies/a%2Fb",
    ],
)
def test_unknown_addresses_are_a_404_problem(client, world, url):  # noqa: F811
    response = _get(client, url.format(slug=world.slug), 404)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_unpublished_contributions_are_not_found(app, client, world):  # noqa: F811
    with app.app_context():
        from sqlalchemy import select

        hidden = db.session.scalars(
            select(Contribution.id).where(Contribution.state != "published")
        ).all()
    assert hidden
    for number in hidden:
        _get(client, f"/api/v1/contributions/{number}", 404)


def test_only_get(client, world):  # noqa: F811
    response = client.post("/api/v1/strategies")
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_no_internal_data_in_any_answer(client, world):  # noqa: F811
    urls = [
        "/api/v1/strategies",
        f"/api/v1/strategies/{world.slug}",
        f"/api/v1/strategies/{world.slug}/versions",
        f"/api/v1/strategies/{world.slug}/versions/1/sections",
        f"/api/v1/strategies/{world.slug}/contributions?limit=100",
        "/api/v1/openapi.json",
    ]
    urls += [f"/api/v1/contributions/{i}" for i in world.ids.values()]
    urls += [f"/api/v1/contributions/{i}/status-trail" for i in world.ids.values()]
    for url in urls:
        body = _get(client, url).get_data(as_text=True)
        for marker, text in SECRET.items():
            assert text not in body, (url, marker)
        assert "@example.org" not in body, url


def test_a_page_reads_with_a_fixed_number_of_statements(app, client, make):
    author = make.user()
    strategy = make.strategy(sections=[("Vision", "Text.")])
    with app.app_context():
        seed_section(strategy.id, "vision", 300, author_id=author.id)
        db.session.commit()
    url = f"/api/v1/strategies/{strategy.slug}/contributions?limit=100"
    client.get(url)  # numbers the authors once

    def count(target):
        return len(count_statements(app, lambda: client.get(target).get_data()))

    first = count(url)
    later = count(url + "&after=150")
    assert first == later
    assert first <= 12
