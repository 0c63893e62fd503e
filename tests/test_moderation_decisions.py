"""Moderators' decisions: services, their public effect, mails, concurrency, bulk, revise."""

import pytest
from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.database import utcnow
from participation.discussion.models import Contribution, ContributionRevision, ModerationState
from participation.discussion.services import ContributionError
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import services
from participation.moderation.models import Report, ReportReason
from participation.moderation.services import ModerationError
from participation.strategies.models import ModerationMode
from tests.helpers import signed_in_client as _client_as

S = ModerationState


@pytest.fixture
def moderator(make):
    return make.user(display_name="Moderation", roles=[Role.MODERATOR])


def _decide(app, contribution_id, action, actor_id, expected_state, **kwargs):
    with app.test_request_context():
        c = db.session.get(Contribution, contribution_id)
        services.decide(
            c,
            action,
            actor=db.session.get(User, actor_id),
            expected_state=expected_state,
            **kwargs,
        )
        db.session.commit()


def _get(app, contribution_id):
    with app.app_context():
        return db.session.get(Contribution, contribution_id)


def test_publish_sets_reviewed_and_records_event(app, make, discuss, moderator, mailbox):
    strategy = make.strategy()
    author = make.user(email="autorin@example.org")
    comment = discuss.comment(strategy, author)
    _decide(app, comment.id, "publish", moderator.id, S.PENDING)
    c = _get(app, comment.id)
    assert c.state is S.PUBLISHED
    assert c.reviewed_at is not None
    with app.app_context():
        actions = db.session.scalars(
            select(Event.action).where(
                Event.subject_id == comment.id, Event.subject_type == "contributions"
            )
        ).all()
    assert "moderation.published" in actions
    mailbox.wait_for(1)
    assert "veröffentlicht" in mailbox.body(mailbox.last_to("autorin@example.org"))


def test_reject_needs_reason_and_mails_label_note_and_revise_link(
    app, make, discuss, moderator, mailbox
):
    strategy = make.strategy()
    author = make.user(email="autor@example.org")
    comment = discuss.comment(strategy, author)
    with pytest.raises(ModerationError):
        _decide(app, comment.id, "reject", moderator.id, S.PENDING)
    _decide(
        app,
        comment.id,
        "reject",
        moderator.id,
        S.PENDING,
        reason="insult",
        note="Bitte sachlich bleiben.",
    )
    c = _get(app, comment.id)
    assert c.state is S.REJECTED
    assert c.rejection_reason == "insult"
    mailbox.wait_for(1)
    body = mailbox.body(mailbox.last_to("autor@example.org"))
    assert "Beleidigung" in body
    assert "Bitte sachlich bleiben." in body
    assert f"/beitraege/{comment.id}/ueberarbeiten" in body


def test_hide_restore_and_mark_reviewed(app, make, discuss, moderator):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    author = make.user()
    comment = discuss.comment(strategy, author)
    reply = discuss.reply(comment, author)
    assert _get(app, comment.id).reviewed_at is None
    _decide(app, comment.id, "mark_reviewed", moderator.id, S.PUBLISHED)
    assert _get(app, comment.id).reviewed_at is not None
    assert _get(app, comment.id).reply_count == 1
    _decide(app, reply.id, "hide", moderator.id, S.PUBLISHED)
    assert _get(app, reply.id).state is S.HIDDEN
    assert _get(app, comment.id).reply_count == 0
    _decide(app, reply.id, "restore", moderator.id, S.HIDDEN)
    assert _get(app, reply.id).state is S.PUBLISHED
    assert _get(app, comment.id).reply_count == 1
    with pytest.raises(ModerationError):
        _decide(app, comment.id, "mark_reviewed", moderator.id, S.PUBLISHED)


def test_decision_resolves_open_reports(app, make, discuss, moderator):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    author, reader = make.user(), make.user()
    comment = discuss.comment(strategy, author)
    with app.app_context():
        db.session.add(
            Report(contribution_id=comment.id, reporter_id=reader.id, reason=ReportReason.SPAM)
        )
        db.session.get(Contribution, comment.id).report_count = 1
        db.session.commit()
    _decide(app, comment.id, "hide", moderator.id, S.PUBLISHED)
    with app.app_context():
        report = db.session.scalars(select(Report)).one()
        assert report.resolved_at is not None
        assert report.resolved_by_id == moderator.id
        assert db.session.get(Contribution, comment.id).report_count == 0


def test_stale_decision_is_refused_and_nothing_applied_twice(app, make, discuss, moderator):
    other = make.user(roles=[Role.MODERATOR])
    strategy = make.strategy()
    comment = discuss.comment(strategy, make.user())
    _decide(app, comment.id, "publish", moderator.id, S.PENDING)
    with pytest.raises(ModerationError) as error:
        _decide(app, comment.id, "reject", other.id, S.PENDING, reason="spam")
    expected = "inzwischen bearbeitet: vorher wartet auf Moderation, jetzt veröffentlicht"
    assert expected in str(error.value)
    with pytest.raises(ModerationError):
        _decide(app, comment.id, "hide", other.id, S.PUBLISHED, expected_revision=1)
    assert _get(app, comment.id).state is S.PUBLISHED


def test_decide_many_collects_refusals(app, make, discuss, moderator):
    strategy = make.strategy()
    author = make.user()
    ids = [discuss.comment(strategy, author).id for _ in range(3)]
    _decide(app, ids[1], "reject", moderator.id, S.PENDING, reason="spam")
    with app.test_request_context():
        result = services.decide_many(
            ids,
            "publish",
            actor=db.session.get(User, moderator.id),
            expected={i: (S.PENDING, None) for i in ids},
        )
        db.session.commit()
    assert result.done == [ids[0], ids[2]]
    assert list(result.refused) == [ids[1]]
    assert [_get(app, i).state for i in ids] == [S.PUBLISHED, S.REJECTED, S.PUBLISHED]


def test_revise_puts_rejected_back_to_pending(app, make, discuss, moderator):
    strategy = make.strategy()
    author, stranger = make.user(), make.user()
    comment = discuss.comment(strategy, author, body="Erster Text.")
    _decide(app, comment.id, "reject", moderator.id, S.PENDING, reason="off_topic")
    with app.test_request_context():
        c = db.session.get(Contribution, comment.id)
        with pytest.raises(ContributionError):
            services.revise(c, user=db.session.get(User, stranger.id), body_md="Anders.")
        services.revise(c, user=db.session.get(User, author.id), body_md="Zweiter Text.")
        db.session.commit()
    c = _get(app, comment.id)
    assert c.state is S.PENDING
    assert c.rejection_reason is None
    assert c.body_md == "Zweiter Text."
    with app.app_context():
        old = db.session.scalars(select(ContributionRevision.body_md)).all()
    assert old == ["Erster Text."]
    assert utcnow()


# --- through the pages ---------------------------------------------------------------------


def _token(client, url="/moderation/"):
    html = client.get(url).get_data(as_text=True)
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _post_decision(client, contribution, action, token, state=None, **extra):
    return client.post(
        f"/moderation/beitraege/{contribution.id}/entscheiden",
        data={
            "csrf_token": token,
            "action": action,
            "state": state or contribution.state.value,
            "revision": contribution.revision,
            "back": "/moderation/?art=comment",
            **extra,
        },
    )


def test_publish_shows_up_on_the_section_page_and_hide_leaves_a_placeholder(
    app, make, discuss, moderator, client
):
    strategy = make.strategy()
    author = make.user()
    comment = discuss.comment(strategy, author, body="Mehr Glasfaser für alle Ortsteile.")
    page = f"/strategien/{strategy.slug}/vision"
    assert "Mehr Glasfaser" not in client.get(page).get_data(as_text=True)
    mod = _client_as(app, moderator)
    token = _token(mod)
    response = _post_decision(mod, comment, "publish", token)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/moderation/?art=comment#meldungen")
    flashed = mod.get("/moderation/").get_data(as_text=True)
    assert f"Beitrag {comment.id}: Veröffentlichen" in flashed
    assert "Mehr Glasfaser" in client.get(page).get_data(as_text=True)

    # A published reply below it keeps the hidden comment as a placeholder.
    reply = discuss.reply(_get(app, comment.id), make.user(), body="Genau, auch am Stadtrand.")
    _decide(app, reply.id, "publish", moderator.id, S.PENDING)
    c = _get(app, comment.id)
    assert c.reply_count == 1
    _post_decision(mod, c, "hide", token)
    html = client.get(page).get_data(as_text=True)
    assert "Mehr Glasfaser" not in html
    assert "Ausgeblendeter Beitrag" in html
    assert "auch am Stadtrand" in html
    # Rejecting the reply too: no published reply is left, so nothing is shown.
    r = _get(app, reply.id)
    _post_decision(mod, r, "reject", token, reason="off_topic")
    html = client.get(page).get_data(as_text=True)
    assert "auch am Stadtrand" not in html
    assert "Ausgeblendeter Beitrag" not in html
    assert _get(app, comment.id).reply_count == 0


def test_two_moderators_decide_the_same_item_at_once(app, make, discuss, moderator, mailbox):
    other = make.user(roles=[Role.ADMIN])
    strategy = make.strategy()
    comment = discuss.comment(strategy, make.user(email="zwei@example.org"))
    first, second = _client_as(app, moderator), _client_as(app, other)
    # Both loaded the queue and see the item pending.
    t1, t2 = _token(first), _token(second)
    assert _post_decision(first, comment, "publish", t1).status_code == 302
    response = _post_decision(second, comment, "reject", t2, reason="spam")
    assert response.status_code == 302
    assert f"/moderation/beitraege/{comment.id}" in response.headers["Location"]
    html = second.get(response.headers["Location"]).get_data(as_text=True)
    assert "Eine andere Person hat diesen Beitrag inzwischen bearbeitet" in html
    assert "jetzt veröffentlicht" in html
    c = _get(app, comment.id)
    assert c.state is S.PUBLISHED
    assert c.rejection_reason is None
    with app.app_context():
        decisions = db.session.scalars(
            select(Event.action).where(
                Event.subject_id == comment.id, Event.action.like("moderation.%")
            )
        ).all()
    assert decisions == ["moderation.published"]
    mailbox.wait_for(1)
    assert "nicht veröffentlicht" not in str(mailbox.last_to("zwei@example.org")["Subject"])


def test_bulk_decision_with_one_stale_item(app, make, discuss, moderator):
    strategy = make.strategy()
    author = make.user()
    comments = [discuss.comment(strategy, author) for _ in range(3)]
    mod = _client_as(app, moderator)
    token = _token(mod)
    # Someone else rejects the second one after the queue was loaded.
    _decide(app, comments[1].id, "reject", moderator.id, S.PENDING, reason="spam")
    response = mod.post(
        "/moderation/entscheiden",
        data={
            "csrf_token": token,
            "items": [f"{c.id}:pending:{c.revision}" for c in comments],
            "action": "publish",
            "reason": "",
            "back": "/moderation/",
        },
    )
    assert response.status_code == 302
    html = mod.get("/moderation/").get_data(as_text=True)
    assert "2 Beiträge: Veröffentlichen." in html
    assert f"Beitrag {comments[1].id} wurde nicht geändert" in html
    states = [_get(app, c.id).state for c in comments]
    assert states == [S.PUBLISHED, S.REJECTED, S.PUBLISHED]


def test_bulk_reject_needs_a_reason(app, make, discuss, moderator):
    strategy = make.strategy()
    comment = discuss.comment(strategy, make.user())
    mod = _client_as(app, moderator)
    mod.post(
        "/moderation/entscheiden",
        data={
            "csrf_token": _token(mod),
            "items": [f"{comment.id}:pending:{comment.revision}"],
            "action": "reject",
            "reason": "",
        },
    )
    assert "Bitte wählen Sie einen Grund" in mod.get("/moderation/").get_data(as_text=True)
    assert _get(app, comment.id).state is S.PENDING


def test_rejected_author_revises_through_the_mailed_link_and_it_is_back_in_queue(
    app, make, discuss, moderator, mailbox, login, client
):
    from tests.conftest import extract_link

    strategy = make.strategy()
    author = make.user(email="schreibt@example.org")
    comment = discuss.comment(strategy, author, body="Alles Mist hier.")
    mod = _client_as(app, moderator)
    _post_decision(mod, comment, "reject", _token(mod), reason="insult", note="Bitte sachlich.")
    assert comment.id not in [
        int(x.split('"')[0])
        for x in mod.get("/moderation/").get_data(as_text=True).split('id="eintrag-')[1:]
    ]
    mailbox.wait_for(1)
    body = mailbox.body(mailbox.last_to("schreibt@example.org"))
    assert "Beleidigung" in body
    link = extract_link(body, "/ueberarbeiten")
    login(author)
    page = client.get(link).get_data(as_text=True)
    assert "Beleidigung" in page
    assert "Bitte sachlich." in page
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(link, data={"csrf_token": token, "body_md": "Ich sehe Probleme."})
    assert response.status_code == 302
    c = _get(app, comment.id)
    assert c.state is S.PENDING
    assert c.body_md == "Ich sehe Probleme."
    html = mod.get("/moderation/").get_data(as_text=True)
    assert f'id="eintrag-{comment.id}"' in html
    detail = mod.get(f"/moderation/beitraege/{comment.id}").get_data(as_text=True)
    assert "Alles Mist hier." in detail  # the earlier text
    # Someone else may not revise.
    stranger = _client_as(app, make.user())
    assert stranger.get(link).status_code == 403


def test_detail_page_shows_context_and_decisions(app, make, discuss, moderator):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    root = discuss.comment(strategy, make.user(display_name="Erste"), body="Oben im Strang.")
    reply = discuss.reply(root, make.user(), body="Darunter.")
    mod = _client_as(app, moderator)
    html = mod.get(f"/moderation/beitraege/{reply.id}").get_data(as_text=True)
    assert "Oben im Strang." in html
    assert html.count("<h1") == 1
    assert 'value="mark_reviewed"' in html
    assert 'value="hide"' in html
    assert 'value="publish"' not in html
