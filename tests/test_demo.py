"""`flask demo load`: demo strategy with two versions and one account per role."""

from types import SimpleNamespace

from sqlalchemy import func, select

from participation.accounts.models import Role, User
from participation.accounts.passwords import verify_password
from participation.demo import DEMO_PASSWORD
from participation.discussion.models import Contribution, ModerationState, Support
from participation.events.models import Event
from participation.extensions import db
from participation.strategies.models import ModerationMode, Phase, SectionKind, Strategy, Version

EXPECTED_ROLES = {
    "buerger@example.org": set(),
    "moderation@example.org": {Role.MODERATOR},
    "fachamt@example.org": {Role.DEPARTMENT},
    "lenkung@example.org": {Role.COMMITTEE},
    "gremium@example.org": {Role.COMMITTEE},
    "admin@example.org": {Role.ADMIN},
}


def _load(app):
    return app.test_cli_runner().invoke(args=["demo", "load"])


def _totals(app):
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Strategy, Version, Event, Contribution, Support)
        )


def test_demo_load_creates_strategy_versions_and_accounts(app):
    result = _load(app)
    assert result.exit_code == 0, result.output
    assert "Demo data loaded" in result.output
    assert DEMO_PASSWORD in result.output
    for email in EXPECTED_ROLES:
        assert email in result.output

    with app.app_context():
        strategy = db.session.scalar(
            select(Strategy).where(Strategy.slug == "digitalstrategie-2030")
        )
        assert strategy.title == "Digitalstrategie Musterstadt 2030"
        assert strategy.phase is Phase.OPEN
        assert strategy.moderation_mode is ModerationMode.PRE
        assert "Montag bis Freitag" in strategy.review_hours
        assert (strategy.closes_at - strategy.opens_at).days in (55, 56)
        assert [v.number for v in strategy.versions] == [1, 2]
        assert all(v.change_note for v in strategy.versions)
        latest = strategy.versions[-1]
        kinds = [s.kind for s in latest.sections]
        assert kinds.count(SectionKind.FIELD_OF_ACTION) == 6
        assert kinds.count(SectionKind.VISION) == 6  # the vision and its five statements
        assert SectionKind.PROJECT in kinds
        titles = {s.title for s in latest.sections}
        for title in ("Einleitung", "Umsetzungsstruktur", "Weiteres Vorgehen", "Quick Wins"):
            assert title in titles

        for email, roles in EXPECTED_ROLES.items():
            user = db.session.scalar(select(User).where(User.email == email))
            assert user.roles == roles, email
            assert user.email_confirmed
            assert verify_password(user.password_hash, DEMO_PASSWORD)
        member = db.session.scalar(select(User).where(User.email == "fachamt@example.org"))
        assert member.department.short_name == "AMob"
        assert member.department.name == "Amt für Mobilität"


def test_demo_load_twice_changes_nothing(app):
    assert _load(app).exit_code == 0
    before = _totals(app)
    again = _load(app)
    assert again.exit_code == 0, again.output
    assert "nothing changed" in again.output
    assert _totals(app) == before


def test_demo_discussion_is_published_and_visible(app, client):
    assert _load(app).exit_code == 0
    with app.app_context():
        states = set(db.session.scalars(select(Contribution.state)))
        assert states == {
            ModerationState.PUBLISHED,
            ModerationState.PENDING,
            ModerationState.REJECTED,
        }
        assert db.session.scalar(select(func.count()).select_from(Support)) == 2
    page = client.get("/strategien/digitalstrategie-2030/handlungsfeld-mobilitaet")
    html = page.get_data(as_text=True)
    assert "Jonas R." in html
    assert "jonas@example.org" not in html
    ideas = client.get("/strategien/digitalstrategie-2030/ideen").get_data(as_text=True)
    assert "Offenes WLAN" in ideas
    # What awaits the moderation is not public.
    assert "Echtzeitanzeigen" not in html
    assert "Bürgerhaushalt" not in ideas


def test_demo_leaves_the_moderation_work(app):
    """Contributions awaiting publication, a reported one, a rejected contribution of the
    demo citizen to revise, and answer templates."""
    from participation.moderation.models import AnswerTemplate, Report
    from participation.moderation.queue import queue_count

    assert _load(app).exit_code == 0
    with app.test_request_context():
        pending = db.session.scalars(
            select(Contribution).where(Contribution.state == ModerationState.PENDING)
        ).all()
        assert {c.kind.value for c in pending} == {"comment", "reply", "idea"}
        assert queue_count() >= len(pending) + 1
        report = db.session.scalar(select(Report))
        assert db.session.get(User, report.reporter_id).email == "buerger@example.org"
        reported = db.session.get(Contribution, report.contribution_id)
        assert reported.state is ModerationState.PUBLISHED
        assert reported.report_count == 1
        rejected = db.session.scalar(
            select(Contribution).where(Contribution.state == ModerationState.REJECTED)
        )
        assert rejected.author.email == "buerger@example.org"
        assert rejected.rejection_reason
        assert rejected.rejection_note
        assert db.session.scalar(select(func.count()).select_from(AnswerTemplate)) == 2


def test_demo_diff_is_visible_at_once(app, client):
    assert _load(app).exit_code == 0
    page = client.get("/strategien/digitalstrategie-2030/vergleich").get_data(as_text=True)
    assert "Änderungen von Version 1 zu Version 2" in page
    for label in ("Neu", "Geändert", "Entfernt", "Verschoben"):
        assert f'<span class="kern-label">{label}</span>' in page
    assert "Digitale Pflegeplatzbörse" in page
    start = client.get("/").get_data(as_text=True)
    assert "Digitalstrategie Musterstadt 2030" in start
    assert "Beteiligung läuft" in start


def test_demo_account_can_log_in(app, login):
    assert _load(app).exit_code == 0
    login(SimpleNamespace(email="moderation@example.org"), DEMO_PASSWORD)


def test_demo_load_is_refused_in_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", False)
    before = _totals(app)
    result = _load(app)
    assert result.exit_code != 0
    assert "DEMO_DATA_ALLOWED" in result.output
    assert _totals(app) == before
