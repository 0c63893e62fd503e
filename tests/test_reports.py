"""Readers' reports: the form, once per person, not one's own, the threshold that hides a
contribution, and reporters never shown publicly."""

import pytest
from sqlalchemy import select

from participation.accounts.models import Role
from participation.discussion.models import Contribution, ModerationState
from participation.events.models import Event
from participation.extensions import db
from participation.moderation.models import Report, ReportReason
from participation.strategies.models import ModerationMode
from tests.helpers import signed_in_client as _client


@pytest.fixture
def thread(make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    author = make.user(display_name="Autorin Ada")
    comment = discuss.comment(strategy, author, body="Ein strittiger Kommentar.")
    return strategy, author, comment


def _report(app, user, contribution_id, reason="insult", text=""):
    return _client(app, user).post(
        f"/beitraege/{contribution_id}/melden", data={"reason": reason, "text": text}
    )


def _state(app, contribution_id):
    with app.app_context():
        c = db.session.get(Contribution, contribution_id)
        return c.state, c.report_count


def test_report_form_and_flow(app, make, thread):
    strategy, _, comment = thread
    reader = make.user(display_name="Leserin Lena")
    client = _client(app, reader)
    page = client.get(f"/beitraege/{comment.id}/melden")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<fieldset" in html
    assert "<legend" in html
    for label in ("Beleidigung", "Diskriminierung", "Werbung/Spam", "Anderer Grund"):
        assert label in html
    response = client.post(
        f"/beitraege/{comment.id}/melden", data={"reason": "spam", "text": "Werbung"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/beitraege/{comment.id}")
    assert "Vielen Dank für Ihre Meldung" in client.get(
        response.headers["Location"], follow_redirects=True
    ).get_data(as_text=True)
    with app.app_context():
        report = db.session.scalars(select(Report)).one()
        assert (report.reporter_id, report.reason, report.text) == (
            reader.id,
            ReportReason.SPAM,
            "Werbung",
        )
        event = db.session.scalars(
            select(Event).where(Event.action == "contribution.reported")
        ).one()
        assert (event.subject_id, event.actor_id) == (comment.id, reader.id)
    assert _state(app, comment.id) == (ModerationState.PUBLISHED, 1)


def test_reason_required_and_text_required_for_other(app, make, thread):
    _, _, comment = thread
    reader = make.user()
    response = _report(app, reader, comment.id, reason="")
    assert response.status_code == 200
    assert "Bitte wählen Sie einen Grund" in response.get_data(as_text=True)
    response = _report(app, reader, comment.id, reason="other", text="  ")
    assert response.status_code == 200
    assert "Bitte beschreiben Sie kurz" in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    response = _report(app, reader, comment.id, reason="other", text="x" * 1001)
    assert response.status_code == 200
    assert _state(app, comment.id) == (ModerationState.PUBLISHED, 0)


def test_second_report_of_the_same_person_is_refused_kindly(app, make, thread):
    _, _, comment = thread
    reader = make.user()
    assert _report(app, reader, comment.id).status_code == 302
    again = _report(app, reader, comment.id, reason="spam")
    assert again.status_code == 200
    assert "bereits gemeldet" in again.get_data(as_text=True)
    assert _state(app, comment.id) == (ModerationState.PUBLISHED, 1)


def test_own_contribution_cannot_be_reported(app, thread):
    _, author, comment = thread
    client = _client(app, author)
    page = client.get(f"/beitraege/{comment.id}/melden").get_data(as_text=True)
    assert "eigenen Beitrag" in page
    assert 'name="reason"' not in page
    response = client.post(f"/beitraege/{comment.id}/melden", data={"reason": "insult"})
    assert "eigenen Beitrag" in response.get_data(as_text=True)
    assert _state(app, comment.id) == (ModerationState.PUBLISHED, 0)
    # No "Report" link on one's own contribution; other readers see one.
    section = client.get(f"/strategien/{thread[0].slug}/vision").get_data(as_text=True)
    assert f"/beitraege/{comment.id}/melden" not in section


def test_report_link_only_for_logged_in_readers(app, client, make, thread):
    strategy, _, comment = thread
    url = f"/strategien/{strategy.slug}/vision"
    assert f"/beitraege/{comment.id}/melden" not in client.get(url).get_data(as_text=True)
    reader = make.user()
    assert f"/beitraege/{comment.id}/melden" in _client(app, reader).get(url).get_data(as_text=True)
    anonymous = client.get(f"/beitraege/{comment.id}/melden")
    assert anonymous.status_code == 302
    assert "/konto/anmelden" in anonymous.headers["Location"]


def test_two_reports_do_not_hide_three_do(app, make, thread):
    strategy, _, comment = thread
    readers = [make.user(display_name=f"Meldende Person {n}") for n in range(3)]
    for reader in readers[:2]:
        assert _report(app, reader, comment.id).status_code == 302
    assert _state(app, comment.id) == (ModerationState.PUBLISHED, 2)
    assert _report(app, readers[2], comment.id, reason="threat").status_code == 302
    assert _state(app, comment.id) == (ModerationState.HIDDEN, 3)
    with app.app_context():
        hidden = db.session.scalars(
            select(Event).where(Event.action == "contribution.hidden_by_reports")
        ).one()
        assert hidden.subject_id == comment.id
        assert hidden.actor_id is None
    # Hidden for the public; reporting it again is no longer possible.
    url = f"/strategien/{strategy.slug}/vision"
    html = app.test_client().get(url).get_data(as_text=True)
    assert "Ein strittiger Kommentar." not in html


def test_hidden_with_replies_shows_the_placeholder(app, make, discuss, thread):
    strategy, _, comment = thread
    discuss.reply(comment, make.user(), body="Eine sachliche Antwort.")
    for _n in range(3):
        _report(app, make.user(), comment.id)
    html = app.test_client().get(f"/strategien/{strategy.slug}/vision").get_data(as_text=True)
    assert "Ein strittiger Kommentar." not in html
    assert "Ausgeblendeter Beitrag" in html or "ausgeblendet" in html
    assert "Eine sachliche Antwort." in html


def test_threshold_is_configurable(app, make, thread):
    _, _, comment = thread
    app.config["REPORT_HIDE_THRESHOLD"] = 1
    try:
        _report(app, make.user(), comment.id)
    finally:
        app.config["REPORT_HIDE_THRESHOLD"] = 3
    assert _state(app, comment.id) == (ModerationState.HIDDEN, 1)


def test_reporters_never_on_public_pages_but_in_the_staff_list(app, make, discuss, thread):
    strategy, _, comment = thread
    idea = discuss.idea(strategy, make.user(), title="Offenes WLAN")
    reporters = [make.user(display_name=f"Geheime Melderin {n}") for n in range(2)]
    for reporter in reporters:
        _report(app, reporter, comment.id, reason="off_topic")
        _report(app, reporter, idea.id, reason="spam")
    pages = [
        f"/strategien/{strategy.slug}/vision",
        f"/strategien/{strategy.slug}/vision/diskussion",
        f"/strategien/{strategy.slug}/ideen",
        f"/strategien/{strategy.slug}/ideen/{idea.id}",
    ]
    for viewer in (None, make.user(), reporters[0]):
        client = app.test_client() if viewer is None else _client(app, viewer)
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            # (A reporter's own name is in their account menu; the other's must not show.)
            secret = "Geheime Melderin 1" if viewer is reporters[0] else "Geheime Melderin"
            assert secret not in response.get_data(as_text=True), url
    moderator = make.user(roles=[Role.MODERATOR])
    staff = _client(app, moderator).get("/moderation/meldungen")
    html = staff.get_data(as_text=True)
    assert staff.status_code == 200
    assert "Geheime Melderin 0" in html
    assert "Geheime Melderin 1" in html
    assert "Kein Bezug zum Thema" in html
    assert "Werbung/Spam" in html
    assert f"/moderation/beitraege/{comment.id}" in html
    assert f"/moderation/beitraege/{idea.id}" in html
    assert "Offenes WLAN" in html


def test_open_reports_list_is_for_staff_only(app, client, make):
    assert client.get("/moderation/meldungen").status_code == 302
    assert _client(app, make.user()).get("/moderation/meldungen").status_code == 403
    empty = _client(app, make.user(roles=[Role.MODERATOR])).get("/moderation/meldungen")
    assert "keine offenen Meldungen" in empty.get_data(as_text=True)


def test_reporting_is_rate_limited(limited_app, make, thread):
    from participation.moderation.report_views import REPORT_LIMIT

    _, _, comment = thread
    reader = make.user()
    allowed = int(REPORT_LIMIT.split()[0])
    client = _client(limited_app, reader)
    # Invalid posts (no reason) count as well; nothing is stored.
    statuses = [
        client.post(f"/beitraege/{comment.id}/melden", data={}).status_code
        for _ in range(allowed + 1)
    ]
    assert statuses[:allowed] == [200] * allowed
    assert statuses[allowed] == 429
