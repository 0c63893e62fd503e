"""Public processing status: setting it, the public trail read from the event log, the mail
to the author, and the moderators' event log pages (read-only, append-only events)."""

import re

import pytest
from sqlalchemy import delete, select, update

from participation.accounts.models import Role, User
from participation.discussion.models import Contribution, ProcessingStatus
from participation.events.models import Event, EventLogIsAppendOnly
from participation.events.services import record
from participation.extensions import db
from participation.moderation import services as moderation
from participation.moderation import status as status_service
from participation.moderation.notes import add_note
from tests.helpers import signed_in_client as _client_as

P = ProcessingStatus


@pytest.fixture
def moderator(make):
    return make.user(display_name="Moderatorin Geheimname", roles=[Role.MODERATOR])


def _publish(app, contribution_id, moderator_id):
    with app.test_request_context():
        c = db.session.get(Contribution, contribution_id)
        moderation.decide(
            c,
            "publish",
            actor=db.session.get(User, moderator_id),
            expected_state=c.state.value,
        )
        db.session.commit()


def _set(app, contribution_id, status, moderator_id, **kwargs):
    with app.test_request_context():
        c = db.session.get(Contribution, contribution_id)
        status_service.set_status(c, status, actor=db.session.get(User, moderator_id), **kwargs)
        db.session.commit()


def _get(app, contribution_id):
    with app.app_context():
        return db.session.get(Contribution, contribution_id)


def _token(client, url):
    html = client.get(url).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def idea(app, make, discuss, moderator):
    strategy = make.strategy()
    author = make.user(email="ideengeberin@example.org", display_name="Ideengeberin")
    idea = discuss.idea(strategy, author, title="Offenes WLAN am Marktplatz")
    _publish(app, idea.id, moderator.id)
    return strategy, _get(app, idea.id)


def test_each_status_is_set_recorded_and_mailed(app, idea, moderator, mailbox):
    _strategy, item = idea
    assert item.status is P.RECEIVED
    statuses = [s for s in P if s is not P.RECEIVED] + [P.RECEIVED]
    for status in statuses:
        mailbox.clear()
        reason = "Passt nicht zum Haushalt." if status is P.NOT_ADOPTED else None
        _set(app, item.id, status, moderator.id, public_reason=reason)
        assert _get(app, item.id).status is status
        mailbox.wait_for(1)
        message = mailbox.last_to("ideengeberin@example.org")
        with app.test_request_context():
            label = status_service.status_label(status)
        assert message["Subject"] == f"Neuer Bearbeitungsstand Ihres Vorschlags: {label}"
        if reason:
            assert reason in mailbox.body(message)
    with app.app_context():
        events = db.session.scalars(
            select(Event)
            .where(Event.subject_id == item.id, Event.action == "contribution.status_changed")
            .order_by(Event.id)
        ).all()
        assert [e.after["status"] for e in events] == [s.value for s in statuses]
        assert events[0].before == {"status": "received"}
        assert events[0].actor_id == moderator.id
        not_adopted = next(e for e in events if e.after["status"] == "not_adopted")
        assert not_adopted.after["public_reason"] == "Passt nicht zum Haushalt."


def test_service_refuses_missing_reason_stale_status_and_replies(
    app, make, discuss, idea, moderator
):
    strategy, item = idea
    with pytest.raises(status_service.StatusError) as error:
        _set(app, item.id, P.NOT_ADOPTED, moderator.id, public_reason="  ")
    assert error.value.field == "public_reason"
    with pytest.raises(status_service.StatusError):
        _set(app, item.id, P.ADOPTED, moderator.id, public_reason="x" * 2001)
    _set(app, item.id, P.FORWARDED, moderator.id, expected_status="received")
    with pytest.raises(status_service.StatusError) as error:
        _set(app, item.id, P.ADOPTED, moderator.id, expected_status="received")
    with app.test_request_context():
        assert "weitergeleitet" in str(error.value.message)
    assert _get(app, item.id).status is P.FORWARDED
    # Replies carry no status; top-level comments do.
    comment = discuss.comment(strategy, make.user())
    _publish(app, comment.id, moderator.id)
    reply = discuss.reply(_get(app, comment.id), make.user())
    with pytest.raises(status_service.StatusError):
        _set(app, reply.id, P.FORWARDED, moderator.id)
    _set(app, comment.id, P.FORWARDED, moderator.id, expected_status="")
    assert _get(app, comment.id).status is P.FORWARDED


def test_form_on_the_detail_page_sets_status_and_keeps_input_on_errors(app, idea, moderator):
    _strategy, item = idea
    mod = _client_as(app, moderator)
    detail = f"/moderation/beitraege/{item.id}"
    html = mod.get(detail).get_data(as_text=True)
    assert "Bearbeitungsstand setzen" in html
    token = _token(mod, detail)
    url = f"/moderation/beitraege/{item.id}/status"

    # not adopted without a reason: refused next to the field, the choice is kept.
    response = mod.post(
        url,
        data={"csrf_token": token, "status": "not_adopted", "expected_status": "received"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Bitte nennen Sie die öffentliche Begründung" in html
    assert '<option selected value="not_adopted">' in html
    assert _get(app, item.id).status is P.RECEIVED

    # Too long a reason: the typed text stays in the form.
    typed = "Begründung " + "x" * 2000
    response = mod.post(
        url,
        data={
            "csrf_token": token,
            "status": "not_adopted",
            "expected_status": "received",
            "public_reason": typed,
        },
    )
    assert response.status_code == 400
    assert typed in response.get_data(as_text=True)

    response = mod.post(
        url,
        data={
            "csrf_token": token,
            "status": "not_adopted",
            "expected_status": "received",
            "public_reason": "Das WLAN kommt über das Landesprogramm.",
        },
    )
    assert response.status_code == 302
    assert _get(app, item.id).status is P.NOT_ADOPTED

    # A second moderator's form still shows "received": refused with a clear message.
    response = mod.post(
        url,
        data={"csrf_token": token, "status": "adopted", "expected_status": "received"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "inzwischen" in html
    assert "nicht übernommen" in html
    assert _get(app, item.id).status is P.NOT_ADOPTED


def test_public_trail_on_the_idea_page_in_order_without_internal_data(app, client, idea, moderator):
    strategy, item = idea
    with app.test_request_context():
        add_note(
            db.session.get(Contribution, item.id),
            actor=db.session.get(User, moderator.id),
            body="GEHEIME-NOTIZ nur intern",
        )
        db.session.commit()
    _set(app, item.id, P.FORWARDED, moderator.id)
    _set(app, item.id, P.IN_REVIEW, moderator.id)
    _set(
        app,
        item.id,
        P.PARTIALLY_ADOPTED,
        moderator.id,
        public_reason="Am Marktplatz ja, an der Schule später.",
    )
    html = client.get(f"/beitraege/{item.id}", follow_redirects=True).get_data(as_text=True)
    section = html.split('id="bearbeitungsstand"', 1)[1].split("</section>", 1)[0]
    entries = re.findall(r"<li class=\"status-trail__entry\">(.*?)</li>", section, re.S)
    labels = [re.search(r"<strong>(.*?)</strong>", e).group(1) for e in entries]
    assert labels == ["eingegangen", "weitergeleitet", "in Prüfung", "teilweise übernommen"]
    assert all("<time datetime=" in e for e in entries)
    assert "Am Marktplatz ja, an der Schule später." in entries[-1]
    assert "Aktueller Stand:" in section
    assert "teilweise übernommen" in section
    assert "GEHEIME-NOTIZ" not in html
    assert "Geheimname" not in html
    assert "note_id" not in html


def test_comment_status_badge_in_the_thread(app, client, make, discuss, moderator):
    strategy = make.strategy()
    comment = discuss.comment(strategy, make.user(), body="Bitte mehr Radwege.")
    _publish(app, comment.id, moderator.id)
    page = f"/strategien/{strategy.slug}/vision"
    assert "contribution__status" not in client.get(page).get_data(as_text=True)
    _set(app, comment.id, P.IN_REVIEW, moderator.id)
    html = client.get(page).get_data(as_text=True)
    article = html.split(f'id="beitrag-{comment.id}"', 1)[1].split("</article>", 1)[0]
    assert "contribution__status" in article
    assert "in Prüfung" in article


def test_ideas_list_still_filters_by_status(app, client, make, discuss, idea, moderator):
    strategy, item = idea
    other = discuss.idea(strategy, make.user(), title="Bücherei länger offen")
    _publish(app, other.id, moderator.id)
    _set(app, item.id, P.ADOPTED, moderator.id)
    html = client.get(f"/strategien/{strategy.slug}/ideen?status=adopted").get_data(as_text=True)
    assert "Offenes WLAN am Marktplatz" in html
    assert "Bücherei länger offen" not in html


def test_event_log_pages(app, make, idea, moderator):
    strategy, item = idea
    _set(app, item.id, P.NOT_ADOPTED, moderator.id, public_reason="Kein Geld dafür.")
    mod = _client_as(app, moderator)
    html = mod.get(f"/moderation/beitraege/{item.id}/protokoll").get_data(as_text=True)
    assert "Idee eingereicht" in html
    assert "Bearbeitungsstand geändert" in html
    assert "Moderatorin Geheimname" in html
    assert "eingegangen → nicht übernommen" in html
    assert "Kein Geld dafür." in html
    assert html.index("Idee eingereicht") < html.index("Bearbeitungsstand geändert")

    # The strategy's log, newest first, 100 per page, filtered by action.
    with app.test_request_context():
        c = db.session.get(Contribution, item.id)
        for _ in range(105):
            record("idea.supported", c, None)
        db.session.commit()
    base = f"/moderation/protokoll?strategie={strategy.slug}"
    html = mod.get(base).get_data(as_text=True)
    assert html.count('<tr class="kern-table__row">') == 101  # header row + 100
    changed_cell = '<td class="kern-table__cell">Bearbeitungsstand geändert</td>'
    assert changed_cell not in html  # older than the 100 newest
    older = re.search(r'href="([^"]*nach=\d+)"', html).group(1).replace("&amp;", "&")
    html = mod.get(older).get_data(as_text=True)
    assert changed_cell in html
    assert "Idee eingereicht</td>" in html
    html = mod.get(base + "&aktion=contribution.status_changed").get_data(as_text=True)
    assert html.count('<tr class="kern-table__row">') == 2
    assert mod.get("/moderation/protokoll").status_code == 200
    assert mod.get("/moderation/protokoll?strategie=gibt-es-nicht").status_code == 404

    citizen = _client_as(app, make.user())
    assert citizen.get(base).status_code == 403
    assert citizen.get(f"/moderation/beitraege/{item.id}/protokoll").status_code == 403
    assert app.test_client().get(base).status_code == 302


def test_events_cannot_be_changed_or_deleted(app, idea):
    _strategy, item = idea
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.subject_id == item.id)).first()
        event.action = "forged"
        with pytest.raises(EventLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        event = db.session.scalars(select(Event).where(Event.subject_id == item.id)).first()
        db.session.delete(event)
        with pytest.raises(EventLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(EventLogIsAppendOnly):
            db.session.execute(update(Event).values(action="forged"))
        db.session.rollback()
        with pytest.raises(EventLogIsAppendOnly):
            db.session.execute(delete(Event))
        db.session.rollback()
        assert db.session.scalar(select(Event.action).where(Event.id == event.id)) != "forged"
    # No route of the application writes to the log pages: they answer GET only.
    log_rules = [r for r in app.url_map.iter_rules() if "protokoll" in r.rule]
    assert log_rules
    assert all(r.methods - {"GET", "HEAD", "OPTIONS"} == set() for r in log_rules)


def test_event_log_names_the_netiquette_reason_and_the_note(app, make, discuss, moderator):
    strategy = make.strategy()
    comment = discuss.idea(strategy, make.user(), title="Werbung für meinen Laden")
    with app.test_request_context():
        c = db.session.get(Contribution, comment.id)
        moderation.decide(
            c,
            "reject",
            actor=db.session.get(User, moderator.id),
            expected_state=c.state.value,
            reason="spam",
            note="Bitte ohne Firmennamen erneut einreichen.",
        )
        db.session.commit()
    html = _client_as(app, moderator).get(f"/moderation/beitraege/{comment.id}/protokoll")
    text = html.get_data(as_text=True)
    assert "Werbung/Spam – Bitte ohne Firmennamen erneut einreichen." in text
    assert ">spam<" not in text
