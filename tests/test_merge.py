"""Merging a duplicate idea into another: supports counted once, the duplicate leaves the list
and links to the original, refusals, the author's mail, and who may do it."""

import pytest
from sqlalchemy import func, select

from participation.accounts.models import Role
from participation.discussion import services
from participation.discussion.models import Contribution, ModerationState, Support
from participation.events.models import Event
from participation.extensions import db
from participation.moderation.merge import MergeError, merge_idea
from participation.strategies.models import ModerationMode
from tests.helpers import signed_in_client as _client


def _support(app, idea, user):
    with app.test_request_context():
        from participation.accounts.models import User

        services.toggle_support(
            db.session.get(Contribution, idea.id), db.session.get(User, user.id)
        )
        db.session.commit()


@pytest.fixture
def world(app, make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    author = make.user(display_name="Doppelte Dora", email="dora@example.org")
    moderator = make.user(roles=[Role.MODERATOR])
    duplicate = discuss.idea(strategy, author, title="Busse am Sonntag fahren lassen")
    original = discuss.idea(strategy, make.user(), title="Sonntagsbusse")
    both, only_dup, only_orig = make.user(), make.user(), make.user()
    for user in (both, only_dup):
        _support(app, duplicate, user)
    for user in (both, only_orig):
        _support(app, original, user)
    return strategy, moderator, duplicate, original, (both, only_dup, only_orig)


def _get(app, id_):
    with app.app_context():
        c = db.session.get(Contribution, id_)
        supporters = set(
            db.session.scalars(select(Support.user_id).where(Support.contribution_id == id_))
        )
        return c.merged_into_id, c.support_count, supporters


def test_merge_moves_supports_once_and_links(app, world, mailbox):
    _, moderator, duplicate, original, (both, only_dup, only_orig) = world
    client = _client(app, moderator)
    page = client.get(f"/moderation/beitraege/{duplicate.id}").get_data(as_text=True)
    assert "Mit anderer Idee zusammenführen" in page
    assert f'value="{original.id}"' in page
    response = client.post(
        f"/moderation/beitraege/{duplicate.id}/zusammenfuehren", data={"original": original.id}
    )
    assert response.status_code == 302
    assert _get(app, duplicate.id) == (original.id, 0, set())
    assert _get(app, original.id) == (None, 3, {both.id, only_dup.id, only_orig.id})
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.action == "idea.merged")).one()
        assert (event.subject_id, event.actor_id) == (duplicate.id, moderator.id)
        assert event.before["merged_into_id"] is None
        assert event.before["support_count"] == 2
        assert event.after["merged_into_id"] == original.id
        assert event.after["original_support_count"] == 3
        assert event.after["supports_moved"] == 1
    mailbox.wait_for(1)
    body = mailbox.body(mailbox.last_to("dora@example.org"))
    assert "Sonntagsbusse" in body
    assert f"/beitraege/{original.id}" in body

    # The duplicate stays readable with a notice linking to the original …
    public = app.test_client()
    html = public.get(f"/beitraege/{duplicate.id}", follow_redirects=True).get_data(as_text=True)
    assert "Zusammengeführt mit" in html
    assert "„Sonntagsbusse“" in html
    assert f'href="/beitraege/{original.id}"' in html
    assert "Busse am Sonntag fahren lassen" in html
    # … leaves the ideas list, and cannot be supported any more.
    strategy = world[0]
    listing = public.get(f"/strategien/{strategy.slug}/ideen").get_data(as_text=True)
    assert "Sonntagsbusse" in listing
    assert "Busse am Sonntag fahren lassen" not in listing
    assert f"/beitraege/{duplicate.id}/unterstuetzen" not in html
    supporter = _client(app, only_orig)
    supporter.post(f"/beitraege/{duplicate.id}/unterstuetzen")
    assert _get(app, duplicate.id)[1:] == (0, set())
    # The moderation page now says where it went and offers no second merge.
    page = client.get(f"/moderation/beitraege/{duplicate.id}").get_data(as_text=True)
    assert "/zusammenfuehren" not in page


def test_refusals(app, world, make, discuss):
    strategy, moderator, duplicate, original, _ = world
    other_strategy = make.strategy(moderation_mode=ModerationMode.POST)
    foreign = discuss.idea(other_strategy, make.user(), title="Anderswo")
    comment = discuss.comment(strategy, make.user())
    third = discuss.idea(strategy, make.user(), title="Dritte Idee")
    with app.test_request_context():
        get = lambda c: db.session.get(Contribution, c.id)  # noqa: E731
        for dup, orig, message in (
            (duplicate, duplicate, "mit sich selbst"),
            (duplicate, foreign, "derselben Strategie"),
            (duplicate, comment, "veröffentlichte Ideen"),
        ):
            with pytest.raises(MergeError, match=message):
                merge_idea(get(dup), get(orig), actor=None)
            db.session.rollback()
        merge_idea(get(duplicate), get(original), actor=None)
        db.session.commit()
        with pytest.raises(MergeError, match="bereits"):
            merge_idea(get(duplicate), get(third), actor=None)
        db.session.rollback()
        with pytest.raises(MergeError, match="selbst mit einer anderen"):
            merge_idea(get(third), get(duplicate), actor=None)
        db.session.rollback()
        hidden = get(third)
        services.change_state(hidden, ModerationState.HIDDEN, actor=None, action="test.hidden")
        db.session.commit()
        with pytest.raises(MergeError, match="veröffentlichte Ideen"):
            merge_idea(get(third), get(original), actor=None)
        db.session.rollback()
    # Through the page: the refusal is shown, nothing changes.
    client = _client(app, moderator)
    response = client.post(
        f"/moderation/beitraege/{original.id}/zusammenfuehren",
        data={"original": duplicate.id},
        follow_redirects=True,
    )
    assert "selbst mit einer anderen" in response.get_data(as_text=True)
    assert _get(app, original.id)[0] is None
    response = client.post(
        f"/moderation/beitraege/{original.id}/zusammenfuehren",
        data={"original": 999999},
        follow_redirects=True,
    )
    assert "keine Idee mit dieser Nummer" in response.get_data(as_text=True)


def test_only_moderators_merge(app, world, make):
    _, _, duplicate, original, (both, _, _) = world
    url = f"/moderation/beitraege/{duplicate.id}/zusammenfuehren"
    assert _client(app, both).post(url, data={"original": original.id}).status_code == 403
    anonymous = app.test_client().post(url, data={"original": original.id})
    assert anonymous.status_code == 302
    assert "/konto/anmelden" in anonymous.headers["Location"]
    assert _get(app, duplicate.id)[0] is None
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Event).where(Event.action == "idea.merged")
            )
            == 0
        )
