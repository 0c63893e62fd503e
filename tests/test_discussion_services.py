"""The rules of taking part, at the service level."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from participation.database import utcnow
from participation.discussion import queries, services
from participation.discussion.models import Contribution, ModerationState, Support
from participation.discussion.services import ContributionError, Guest
from participation.extensions import db
from participation.strategies.models import ModerationMode, Strategy


def _fresh(model, id_):
    return db.session.get(model, id_)


def test_pre_moderation_keeps_new_comments_pending(app, make, discuss):
    strategy = make.strategy()
    citizen = make.user()
    comment = discuss.comment(strategy, citizen)
    assert comment.state is ModerationState.PENDING
    assert comment.path == f"{comment.id:010d}/"
    assert comment.root_id == comment.id


def test_post_moderation_publishes_and_counts_replies_up_the_thread(app, make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    a, b = make.user(), make.user()
    root = discuss.comment(strategy, a)
    chain = [root]
    for _ in range(5):
        chain.append(discuss.reply(chain[-1], b if len(chain) % 2 else a))
    with app.app_context():
        counts = [_fresh(Contribution, c.id).reply_count for c in chain]
    assert counts == [5, 4, 3, 2, 1, 0]


def test_deep_replies_are_shown_flat_at_the_last_level(app, make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    a, b = make.user(display_name="Anna"), make.user(display_name="Ben")
    chain = [discuss.comment(strategy, a)]
    for n in range(6):
        chain.append(discuss.reply(chain[-1], b if n % 2 == 0 else a))
    with app.app_context():
        page = queries.section_threads(strategy.id, "vision")
    node = page.threads[0]
    levels = []
    while node.children:
        levels.append([child.display_depth for child in node.children])
        node = node.children[0]
    assert levels == [[1], [2], [3, 3, 3, 3]]
    flat = page.threads[0].children[0].children[0].children
    assert [n.in_reply_to for n in flat] == [None, "Ben", "Anna", "Ben"]


def test_empty_long_and_duplicate_texts_are_refused(app, make):
    strategy = make.strategy()
    citizen = make.user()
    with app.test_request_context():
        s = db.session.get(Strategy, strategy.id)
        section = s.versions[0].sections[0]
        user = db.session.get(type(citizen), citizen.id)
        with pytest.raises(ContributionError) as empty:
            services.post_comment(s, section, author=user, body_md="   \n ")
        assert empty.value.field == "body_md"
        with pytest.raises(ContributionError):
            services.post_comment(s, section, author=user, body_md="x" * 5001)
        services.post_comment(s, section, author=user, body_md="Gleicher Text")
        with pytest.raises(ContributionError, match="hour|Stunde"):
            services.post_comment(s, section, author=user, body_md="  gleicher   text ")


def test_outside_the_window_citizens_are_refused_but_staff_may_answer(app, make):
    from participation.accounts.models import Role

    strategy = make.strategy(opens_in=timedelta(days=-40), duration=timedelta(days=30))
    citizen, moderator = make.user(), make.user(roles=[Role.MODERATOR])
    with app.test_request_context():
        s = db.session.get(Strategy, strategy.id)
        section = s.versions[0].sections[0]
        with pytest.raises(ContributionError):
            services.post_comment(
                s, section, author=db.session.get(type(citizen), citizen.id), body_md="Spät"
            )
        staff = services.post_comment(
            s, section, author=db.session.get(type(moderator), moderator.id), body_md="Antwort"
        )
        assert staff.state is ModerationState.PUBLISHED


def test_guest_contribution_waits_for_the_confirmed_address(app, make, mailbox):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    with app.test_request_context():
        s = db.session.get(Strategy, strategy.id)
        section = s.versions[0].sections[0]
        comment = services.post_comment(
            s,
            section,
            author=None,
            guest=Guest(name="Gast", email="Gast@Example.org", consent=True),
            body_md="Als Gast",
        )
        db.session.commit()
        assert comment.state is ModerationState.UNCONFIRMED
        token = services.guest_token(comment)
    assert "/beitraege/bestaetigen/" in mailbox.body(mailbox.last_to("gast@example.org"))
    with app.test_request_context():
        confirmed = services.confirm_guest(token)
        assert confirmed.state is ModerationState.PUBLISHED
        again = services.confirm_guest(token)
        assert again.state is ModerationState.PUBLISHED
        with pytest.raises(ContributionError):
            services.confirm_guest(token + "x")


def test_guest_must_consent_and_give_an_address(app, make):
    strategy = make.strategy()
    with app.test_request_context():
        s = db.session.get(Strategy, strategy.id)
        section = s.versions[0].sections[0]
        with pytest.raises(ContributionError) as missing:
            services.post_comment(
                s, section, author=None, guest=Guest("Gast", "gast@example.org", False), body_md="x"
            )
        assert missing.value.field == "guest_consent"


def test_edit_within_fifteen_minutes_keeps_the_earlier_text(app, make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    citizen = make.user()
    comment = discuss.comment(strategy, citizen, body="Erste Fassung")
    with app.test_request_context():
        c = db.session.get(Contribution, comment.id)
        user = db.session.get(type(citizen), citizen.id)
        services.edit(c, user=user, body_md="Zweite Fassung")
        assert c.edited_at is not None
        assert "Zweite" in c.body_html
        from participation.discussion.models import ContributionRevision

        kept = db.session.scalars(select(ContributionRevision.body_md)).all()
        assert kept == ["Erste Fassung"]
        with pytest.raises(ContributionError):
            services.edit(c, user=user, body_md="Zu spät", now=utcnow() + timedelta(minutes=16))


def test_withdrawn_parent_stays_as_placeholder_while_replies_exist(app, make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    a, b = make.user(), make.user()
    root = discuss.comment(strategy, a)
    discuss.reply(root, b)
    lonely = discuss.comment(strategy, a, body="Allein")
    with app.test_request_context():
        for id_ in (root.id, lonely.id):
            services.withdraw(db.session.get(Contribution, id_), user=db.session.get(type(a), a.id))
        db.session.commit()
        page = queries.section_threads(strategy.id, "vision")
    assert [t.contribution.id for t in page.threads] == [root.id]
    assert page.threads[0].placeholder
    assert len(page.threads[0].children) == 1


def test_support_toggles_and_is_counted_once(app, make, discuss):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    author, fan = make.user(), make.user()
    idea = discuss.idea(strategy, author)
    with app.test_request_context():
        user = db.session.get(type(fan), fan.id)
        assert services.toggle_support(db.session.get(Contribution, idea.id), user) is True
        db.session.commit()
        assert db.session.get(Contribution, idea.id).support_count == 1
        assert services.toggle_support(db.session.get(Contribution, idea.id), user) is False
        db.session.commit()
        assert db.session.get(Contribution, idea.id).support_count == 0
        assert db.session.scalars(select(Support)).all() == []


@pytest.mark.parametrize("comments", [10, 1000])
def test_a_page_of_threads_costs_the_same_queries_for_10_and_1000(app, make, comments):
    from tests.bulk import seed_section

    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    with app.app_context():
        seed_section(strategy.id, "vision", comments)
        statements = []

        def count(*args):
            if not args[2].startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = queries.section_threads(strategy.id, "vision")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert page.threads
    assert len(statements) == 1  # the page of threads, with the number of threads alongside
