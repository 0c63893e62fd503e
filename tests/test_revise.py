"""Revising a rejected contribution: account holders through the login, guests through the
signed link in the rejection mail (once, for 30 days, not after the text changed)."""

import time

import pytest
from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.discussion import services as discussion
from participation.discussion.models import Contribution, ContributionRevision, ModerationState
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import services
from participation.strategies.models import Strategy
from tests.conftest import extract_link

S = ModerationState


@pytest.fixture
def moderator(make):
    return make.user(display_name="Moderation", roles=[Role.MODERATOR])


def _get(app, contribution_id) -> Contribution:
    with app.app_context():
        return db.session.get(Contribution, contribution_id)


def _guest_comment(app, strategy, email="gast@example.org", body="Alles Quatsch hier.") -> int:
    """A guest's comment whose address is already confirmed: it waits for moderation."""
    with app.test_request_context():
        s = db.session.get(Strategy, strategy.id)
        section = s.versions[0].sections[0]
        comment = discussion.post_comment(
            s,
            section,
            author=None,
            guest=discussion.Guest(name="Gerda Gast", email=email, consent=True, verified=True),
            body_md=body,
        )
        db.session.commit()
        assert comment.state is S.PENDING
        return comment.id


def _reject(app, contribution_id, moderator_id, reason="insult", note=None):
    with app.test_request_context():
        services.decide(
            db.session.get(Contribution, contribution_id),
            "reject",
            actor=db.session.get(User, moderator_id),
            expected_state=S.PENDING,
            reason=reason,
            note=note,
        )
        db.session.commit()


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _events(app, contribution_id, action):
    with app.app_context():
        return db.session.scalars(
            select(Event).where(
                Event.subject_type == "contributions",
                Event.subject_id == contribution_id,
                Event.action == action,
            )
        ).all()


def _revise_link(mailbox, address) -> str:
    mailbox.wait_for(1)
    return extract_link(mailbox.body(mailbox.last_to(address)), "/ueberarbeiten")


# --- account holders -------------------------------------------------------------------------


def test_account_holder_revises_an_idea_and_an_unchanged_text_is_refused(
    app, make, discuss, moderator, mailbox, login, client
):
    strategy = make.strategy()
    author = make.user(email="ideen@example.org")
    idea = discuss.idea(strategy, author, title="Freies WLAN", body="Kostet nichts.")
    _reject(app, idea.id, moderator.id, reason="off_topic", note="Bitte konkreter.")
    link = _revise_link(mailbox, "ideen@example.org")
    assert link == f"/beitraege/{idea.id}/ueberarbeiten"
    login(author)
    page = client.get(link).get_data(as_text=True)
    assert "Kein Bezug zum Thema" in page
    assert "ohne Bezug zur Strategie" in page  # the reason's explanation
    assert "Bitte konkreter." in page
    assert 'value="Freies WLAN"' in page
    token = _csrf(page)
    same = client.post(
        link, data={"csrf_token": token, "title": "Freies WLAN", "body_md": "Kostet nichts."}
    )
    assert same.status_code == 200
    assert "Bitte ändern Sie den Text" in same.get_data(as_text=True)
    assert _get(app, idea.id).state is S.REJECTED
    response = client.post(
        link,
        data={"csrf_token": token, "title": "Freies WLAN am Markt", "body_md": "Für alle."},
    )
    assert response.status_code == 302
    revised = _get(app, idea.id)
    assert (revised.state, revised.title, revised.rejection_reason) == (
        S.PENDING,
        "Freies WLAN am Markt",
        None,
    )
    [event] = _events(app, idea.id, "contribution.revised")
    assert event.actor_id == author.id
    assert event.after == {"state": "pending", "rejection_reason": "off_topic"}
    # Back in the queue; nothing left to revise.
    assert client.get(link).status_code == 302


# --- guests ----------------------------------------------------------------------------------


def test_guest_revises_through_the_mailed_link_once(app, make, moderator, mailbox):
    strategy = make.strategy()
    comment_id = _guest_comment(app, strategy)
    _reject(app, comment_id, moderator.id, reason="insult", note="Bitte sachlich.")
    mailbox.wait_for(1)
    body = mailbox.body(mailbox.last_to("gast@example.org"))
    assert "Beleidigung" in body
    assert "herabsetzen" in body  # the explanation
    assert "Bitte sachlich." in body
    assert "einmal und 30 Tage lang" in body
    link = extract_link(body, "/beitraege/ueberarbeiten/")

    guest = app.test_client()  # no account, no session: only the link
    page = guest.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Beleidigung" in html
    assert "Bitte sachlich." in html
    assert "Alles Quatsch hier." in html
    assert f'action="{link}"' in html
    assert _get(app, comment_id).state is S.REJECTED  # opening the link changes nothing
    assert _events(app, comment_id, "contribution.revised") == []

    response = guest.post(
        link, data={"csrf_token": _csrf(html), "body_md": "Ich sehe das kritisch."}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/beitraege/{comment_id}"
    revised = _get(app, comment_id)
    assert revised.state is S.PENDING
    assert revised.body_md == "Ich sehe das kritisch."
    assert revised.rejection_reason is None
    [event] = _events(app, comment_id, "contribution.revised")
    assert event.actor_id is None
    assert event.after["rejection_reason"] == "insult"
    with app.app_context():
        earlier = db.session.scalars(
            select(ContributionRevision.body_md).where(
                ContributionRevision.contribution_id == comment_id
            )
        ).all()
    assert earlier == ["Alles Quatsch hier."]
    # The guest sees the pending contribution on its thread.
    thread = guest.get(response.headers["Location"], follow_redirects=True)
    assert "Ich sehe das kritisch." in thread.get_data(as_text=True)

    # The link is used up: neither showing nor sending works again.
    again = guest.get(link)
    assert again.status_code == 400
    assert "bereits verwendet" in again.get_data(as_text=True)
    resent = guest.post(link, data={"csrf_token": _csrf(html), "body_md": "Noch einmal."})
    assert resent.status_code == 400
    assert _get(app, comment_id).body_md == "Ich sehe das kritisch."
    assert len(_events(app, comment_id, "contribution.revised")) == 1


def test_a_second_rejection_sends_a_new_link_and_the_old_one_stays_dead(
    app, make, moderator, mailbox
):
    strategy = make.strategy()
    comment_id = _guest_comment(app, strategy)
    _reject(app, comment_id, moderator.id)
    first = _revise_link(mailbox, "gast@example.org")
    guest = app.test_client()
    page = guest.get(first).get_data(as_text=True)
    guest.post(first, data={"csrf_token": _csrf(page), "body_md": "Zweiter Versuch."})
    mailbox.clear()
    _reject(app, comment_id, moderator.id, reason="spam")
    second = _revise_link(mailbox, "gast@example.org")
    assert second != first
    assert guest.get(first).status_code == 400
    page = guest.get(second)
    assert page.status_code == 200
    assert "Werbung/Spam" in page.get_data(as_text=True)


def test_expired_and_forged_links_are_refused(app, make, moderator, mailbox):
    strategy = make.strategy()
    comment_id = _guest_comment(app, strategy)
    _reject(app, comment_id, moderator.id)
    link = _revise_link(mailbox, "gast@example.org")
    token = link.rsplit("/", 1)[1]
    client = app.test_client()

    # Forged: a changed signature, a token for another purpose, another contribution.
    forged = client.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert forged.status_code == 400
    assert "Dieser Link ist ungültig" in forged.get_data(as_text=True)
    with app.test_request_context():
        from participation.accounts import tokens

        other_purpose = tokens.make_token("accounts.confirm-email", {"id": comment_id, "rev": 2})
        wrong_id = tokens.make_token(services.REVISE, {"id": comment_id + 999, "rev": 2})
        not_a_dict = tokens.make_token(services.REVISE, [comment_id, 2])
    for bad in (other_purpose, wrong_id, not_a_dict):
        response = client.get(f"/beitraege/ueberarbeiten/{bad}")
        assert response.status_code == 400
        assert "Dieser Link ist ungültig" in response.get_data(as_text=True)

    # Expired: older than its validity.
    with app.test_request_context():
        with pytest.raises(discussion.ContributionError) as expired:
            services.contribution_for_revise_token(token, max_age=-1)
        assert "abgelaufen" in str(expired.value)
        assert services.contribution_for_revise_token(token).id == comment_id
    assert services.REVISE_LINK_MAX_AGE == 30 * 24 * 3600
    assert _get(app, comment_id).state is S.REJECTED


def test_expired_link_page(app, make, moderator, mailbox, monkeypatch):
    strategy = make.strategy()
    comment_id = _guest_comment(app, strategy)
    _reject(app, comment_id, moderator.id)
    link = _revise_link(mailbox, "gast@example.org")
    # The link is read 31 days after it was signed.
    later = time.time() + 31 * 24 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    response = app.test_client().get(link)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Dieser Link ist abgelaufen" in html
    assert "30 Tage" in html
    assert _get(app, comment_id).state is S.REJECTED


def test_an_account_holders_contribution_has_no_guest_link(app, make, discuss, moderator):
    strategy = make.strategy()
    comment = discuss.comment(strategy, make.user())
    _reject(app, comment.id, moderator.id)
    with app.test_request_context():
        token = services.revise_token(db.session.get(Contribution, comment.id))
    response = app.test_client().get(f"/beitraege/ueberarbeiten/{token}")
    assert response.status_code == 400
    assert _get(app, comment.id).state is S.REJECTED


def test_a_restored_contribution_cannot_be_revised_by_the_old_link(app, make, moderator, mailbox):
    strategy = make.strategy()
    comment_id = _guest_comment(app, strategy)
    _reject(app, comment_id, moderator.id)
    link = _revise_link(mailbox, "gast@example.org")
    with app.test_request_context():
        services.decide(
            db.session.get(Contribution, comment_id),
            "restore",
            actor=db.session.get(User, moderator.id),
            expected_state=S.REJECTED,
        )
        db.session.commit()
    assert app.test_client().get(link).status_code == 400
    assert _get(app, comment_id).state is S.PUBLISHED
