"""Done-when of the moderation issue: the event log tells the whole story of a contribution,
and every decision shows up publicly where it should."""

from participation.accounts.models import Role, User
from participation.discussion import services as discussion
from participation.discussion.models import Contribution, ProcessingStatus
from participation.extensions import db
from participation.moderation import locks, merge, notes, official, reports, status
from participation.moderation import services as moderation
from tests.helpers import signed_in_client


def _act(app, fn):
    with app.test_request_context():
        result = fn()
        db.session.commit()
        return result


def test_the_log_tells_the_whole_story_of_an_idea(app, client, make, discuss):
    strategy = make.strategy()
    author = make.user(display_name="Ideengeberin")
    moderator = make.user(display_name="Moderatorin Mertens", roles=[Role.MODERATOR])
    readers = [make.user() for _ in range(2)]
    idea = discuss.idea(strategy, author, title="Sitzbänke mit Solarladegerät")
    duplicate = discuss.idea(strategy, make.user(), title="Solarbänke im Park")

    def get(cid):
        return db.session.get(Contribution, cid)

    def user(u):
        return db.session.get(User, u.id)

    _act(
        app,
        lambda: discussion.edit(
            get(idea.id), user=user(author), body_md="Mit USB.", title="Sitzbänke mit Solar"
        ),
    )
    for cid in (idea.id, duplicate.id):
        _act(
            app,
            lambda cid=cid: moderation.decide(
                get(cid), "publish", actor=user(moderator), expected_state="pending"
            ),
        )
    _act(app, lambda: reports.report(get(idea.id), reporter=user(readers[0]), reason="spam"))
    _act(app, lambda: moderation.decide(
        get(idea.id), "mark_reviewed", actor=user(moderator), expected_state="published"
    ))  # fmt: skip
    _act(app, lambda: notes.add_note(get(idea.id), actor=user(moderator), body="Amt 66 fragen."))
    _act(app, lambda: official.post_official_reply(
        get(idea.id), actor=user(moderator), body_md="Danke, wir prüfen das.", show_own_name=False
    ))  # fmt: skip
    for new in (ProcessingStatus.IN_REVIEW, ProcessingStatus.ADOPTED):
        _act(app, lambda new=new: status.set_status(get(idea.id), new, actor=user(moderator)))
    _act(app, lambda: locks.lock(get(idea.id), actor=user(moderator)))
    _act(app, lambda: merge.merge_idea(get(duplicate.id), get(idea.id), actor=user(moderator)))
    _act(app, lambda: discussion.toggle_support(get(idea.id), user(readers[1])))

    log = signed_in_client(app, moderator).get(f"/moderation/beitraege/{idea.id}/protokoll")
    html = log.get_data(as_text=True)
    story = [
        "Idee eingereicht",
        "Text von der verfassenden Person bearbeitet",
        "Von der Moderation veröffentlicht",
        "Von einer lesenden Person gemeldet",
        "Als geprüft markiert",
        "Interne Notiz hinzugefügt",
        "Antwort der Verwaltung geschrieben",
        "Bearbeitungsstand geändert",
        "Diskussion gesperrt",
        "Unterstützt",
    ]
    missing = [words for words in story if words not in html]
    assert not missing, missing
    positions = [html.index(words) for words in story]
    assert positions == sorted(positions), "the log is not in the order things happened"
    assert "Moderatorin Mertens" in html  # the actor, for the office
    assert "in Prüfung → wird übernommen" in html

    # What the public sees of the same story: the status badge and trail, the official reply
    # signed by the office, the lock notice; not the note, the report or the moderator.
    page = client.get(f"/strategien/{strategy.slug}/ideen/{idea.id}").get_data(as_text=True)
    for public in ("wird übernommen", "Danke, wir prüfen das.", "Antwort der Verwaltung"):
        assert public in page, public
    for internal in ("Amt 66 fragen.", "Moderatorin Mertens", "gemeldet"):
        assert internal not in page, internal
    merged = client.get(f"/strategien/{strategy.slug}/ideen/{duplicate.id}")
    assert f'/beitraege/{idea.id}">„Sitzbänke mit Solar“</a>' in merged.get_data(as_text=True)
