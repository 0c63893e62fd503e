"""Taking part as a guest: name and address, the confirmation mail through a real SMTP
server, the confirmation and withdrawal links, and the guest's own view of the thread."""

from sqlalchemy import select

from participation.discussion import services
from participation.discussion.models import Contribution, ModerationState
from participation.extensions import db
from participation.strategies.models import ModerationMode
from tests.conftest import extract_link
from tests.factories import DEFAULT_PASSWORD as PASSWORD

URL = "/strategien/gastplan/vision/kommentare"


def html(response) -> str:
    return response.get_data(as_text=True)


def guest_data(**overrides):
    data = {
        "body_md": "Als Gast: mehr Bänke im Park.",
        "guest_name": "Gerda Gast",
        "guest_email": "Gerda@Example.org",
        "guest_consent": "y",
    }
    data.update(overrides)
    return data


def only_contribution(app) -> Contribution:
    with app.app_context():
        return db.session.scalars(select(Contribution)).one()


def test_guest_comment_confirmed_by_mail_is_published(client, app, make, mailbox):
    make.strategy(slug="gastplan", moderation_mode=ModerationMode.POST)
    response = client.post(URL, data=guest_data())
    assert response.status_code == 302
    comment = only_contribution(app)
    assert comment.state is ModerationState.UNCONFIRMED
    assert comment.guest_email == "gerda@example.org"
    page = html(client.get(response.headers["Location"], follow_redirects=True))
    assert "Wir haben Ihnen eine E-Mail geschickt." in page
    assert "bitte" in page
    assert "Gerda Gast" in page
    assert "Gast</span>" in page
    # Others do not see it yet; the address is never shown.
    other = app.test_client()
    assert "mehr Bänke" not in html(other.get("/strategien/gastplan/vision"))
    assert "gerda@example.org" not in page

    mailbox.wait_for(1)
    body = mailbox.body(mailbox.last_to("gerda@example.org"))
    confirm = extract_link(body, "/beitraege/bestaetigen/")
    assert "/beitraege/zurueckziehen/" in body
    device = app.test_client()  # e.g. opened on another device
    shown = device.get(confirm)
    assert shown.status_code == 200
    assert "Beitrag bestätigen" in html(shown)
    assert only_contribution(app).state is ModerationState.UNCONFIRMED  # a GET confirms nothing
    landed = device.post(confirm)
    assert landed.status_code == 302
    assert landed.headers["Location"] == f"/beitraege/{comment.id}"
    assert only_contribution(app).state is ModerationState.PUBLISHED
    assert "mehr Bänke" in html(other.get("/strategien/gastplan/vision"))


def test_guest_confirmation_under_pre_moderation_goes_to_review(client, app, make, mailbox):
    make.strategy(slug="gastplan", review_hours="Mo–Fr")
    client.post(URL, data=guest_data())
    mailbox.wait_for(1)
    confirm = extract_link(mailbox.body(mailbox.last_to("gerda@example.org")), "bestaetigen")
    page = html(client.post(confirm, follow_redirects=True))
    assert "Vielen Dank, Ihre E-Mail-Adresse ist bestätigt." in page
    assert "nach Prüfung veröffentlicht (Prüfzeiten: Mo–Fr)" in page
    assert "wartet auf Freigabe" in page
    assert only_contribution(app).state is ModerationState.PENDING
    # The address is remembered: the next comment from this browser skips the mail.
    client.post(URL, data=guest_data(body_md="Noch ein Gedanke."))
    with app.app_context():
        second = db.session.scalars(
            select(Contribution).where(Contribution.body_md == "Noch ein Gedanke.")
        ).one()
    assert second.state is ModerationState.PENDING
    assert len(mailbox.messages) == 1


def test_missing_consent_keeps_everything_typed(client, app, make):
    make.strategy(slug="gastplan")
    page = html(client.post(URL, data=guest_data(guest_consent="")))
    assert "Bitte stimmen Sie den Datenschutzhinweisen zu" in page
    assert "Als Gast: mehr Bänke im Park." in page
    assert 'value="Gerda Gast"' in page
    assert 'value="Gerda@Example.org"' in page
    assert 'id="guest_consent-error"' in page
    assert db_count(app) == 0


def test_guest_without_name_or_with_bad_address_is_refused(client, app, make):
    make.strategy(slug="gastplan")
    page = html(client.post(URL, data=guest_data(guest_name="")))
    assert 'id="guest_name-error"' in page
    page = html(client.post(URL, data=guest_data(guest_email="kein-at")))
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in page
    assert db_count(app) == 0


def test_honeypot_refused_for_guests_and_nothing_sent(client, app, make, mailbox):
    make.strategy(slug="gastplan")
    page = html(client.post(URL, data=guest_data(website="ja")))
    assert "Ihr Beitrag konnte nicht gesendet werden." in page
    assert db_count(app) == 0
    assert mailbox.messages == []


def test_guest_can_edit_and_withdraw_from_the_same_browser(client, app, make):
    make.strategy(slug="gastplan", moderation_mode=ModerationMode.POST)
    client.post(URL, data=guest_data())
    comment = only_contribution(app)
    page = html(client.get("/strategien/gastplan/vision"))
    assert f"/beitraege/{comment.id}/bearbeiten" in page
    response = client.post(
        f"/beitraege/{comment.id}/bearbeiten",
        data={"body_md": "Korrigiert.", "revision": comment.revision},
    )
    assert response.status_code == 302
    assert only_contribution(app).body_md == "Korrigiert."
    # Another browser cannot.
    assert app.test_client().get(f"/beitraege/{comment.id}/bearbeiten").status_code == 404


def test_guest_withdraws_by_the_mailed_link(client, app, make, mailbox):
    make.strategy(slug="gastplan", moderation_mode=ModerationMode.POST)
    client.post(URL, data=guest_data())
    mailbox.wait_for(1)
    link = extract_link(mailbox.body(mailbox.last_to("gerda@example.org")), "zurueckziehen")
    other = app.test_client()
    page = html(other.get(link))
    assert "Beitrag zurückziehen?" in page
    assert "mehr Bänke" in page
    assert only_contribution(app).state is ModerationState.UNCONFIRMED
    response = other.post(link)
    assert response.status_code == 302
    assert only_contribution(app).state is ModerationState.WITHDRAWN
    assert "bereits zurückgezogen" in html(other.get(link))
    # Confirming afterwards does not bring it back.
    confirm = link.replace("zurueckziehen", "bestaetigen")
    other.get(confirm)
    assert only_contribution(app).state is ModerationState.WITHDRAWN


def test_invalid_and_expired_links_explain_themselves(client, app, make, monkeypatch):
    make.strategy(slug="gastplan")
    response = client.get("/beitraege/bestaetigen/kaputt")
    assert response.status_code == 400
    assert "Dieser Link ist ungültig." in html(response)
    client.post(URL, data=guest_data())
    with app.test_request_context():
        token = services.guest_token(db.session.scalars(select(Contribution)).one())
    monkeypatch.setattr(services, "GUEST_LINK_MAX_AGE", -1)
    expired = client.get(f"/beitraege/bestaetigen/{token}")
    assert expired.status_code == 400
    assert "Dieser Link ist abgelaufen." in html(expired)
    assert only_contribution(app).state is ModerationState.UNCONFIRMED


def test_guest_reply_in_english(client, app, make, discuss, mailbox):
    strategy = make.strategy(slug="gastplan", moderation_mode=ModerationMode.POST)
    root = discuss.comment(strategy, make.user(display_name="Anna"))
    client.set_cookie("lang", "en")
    page = html(client.get(f"/beitraege/{root.id}/antworten"))
    assert "Reply to Anna" in page
    assert "Taking part as a guest" in page
    response = client.post(
        f"/beitraege/{root.id}/antworten",
        data=guest_data(body_md="A reply from a guest.", guest_email="guest@example.org"),
        follow_redirects=True,
    )
    page = html(response)
    assert "We have sent you an e-mail." in page
    assert "A reply from a guest." in page
    assert "please confirm your e-mail address" in page
    mailbox.wait_for(1)
    assert "confirm" in mailbox.body(mailbox.last_to("guest@example.org")).lower()


def db_count(app) -> int:
    with app.app_context():
        return len(list(db.session.scalars(select(Contribution.id))))


def test_a_guest_who_logs_in_keeps_the_own_guest_contributions(client, app, make):
    make.strategy(slug="gastplan", moderation_mode=ModerationMode.POST)
    client.post(URL, data=guest_data())
    comment = only_contribution(app)
    with client.session_transaction() as session:
        session["stale"] = "from before the login"
    user = make.user(email="gerda.konto@example.org")
    response = client.post(
        "/konto/anmelden", data={"email": "gerda.konto@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "stale" not in session  # the session is still new
        assert session["_user_id"].split(":")[0] == str(user.id)
    page = html(client.get("/strategien/gastplan/vision"))
    assert f"/beitraege/{comment.id}/bearbeiten" in page
    response = client.post(
        f"/beitraege/{comment.id}/bearbeiten",
        data={"body_md": "Nach dem Anmelden korrigiert.", "revision": comment.revision},
    )
    assert response.status_code == 302
    assert only_contribution(app).body_md == "Nach dem Anmelden korrigiert."
