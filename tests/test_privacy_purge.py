"""`flask privacy purge`: guests' addresses erased after the configured period, guest follows
kept while they last, old mail deleted; running it twice changes nothing more."""

from datetime import timedelta

from sqlalchemy import select, update

from participation.database import utcnow
from participation.discussion.models import Contribution, ModerationState
from participation.extensions import db
from participation.notifications.models import Follow
from participation.outbox.models import OutboxMessage
from participation.privacy import services
from participation.strategies.models import ModerationMode

URL = "/strategien/gastpurge/vision/kommentare"


def _guest_comment(client, email, body):
    response = client.post(
        URL,
        data={
            "body_md": body,
            "guest_name": "Gerda Gast",
            "guest_email": email,
            "guest_consent": "y",
        },
    )
    assert response.status_code == 302


def _age(app, model, row_id, **values):
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(**values))
        db.session.commit()


def test_purge_erases_old_guest_addresses_and_is_idempotent(app, make, client):
    strategy = make.strategy(slug="gastpurge", moderation_mode=ModerationMode.POST)
    _guest_comment(client, "alt@example.org", "Alter bestätigter Beitrag.")
    _guest_comment(client, "neu@example.org", "Neuer bestätigter Beitrag.")
    _guest_comment(client, "nie@example.org", "Nie bestätigter Beitrag.")
    _guest_comment(client, "wartet@example.org", "Wartet auf die Moderation.")
    long_ago = utcnow() - timedelta(days=120)
    with app.app_context():
        rows = {
            c.guest_email: c.id
            for c in db.session.scalars(
                select(Contribution).where(Contribution.strategy_id == strategy.id)
            )
        }
    _age(app, Contribution, rows["alt@example.org"], guest_confirmed_at=long_ago,
         created_at=long_ago, state=ModerationState.PUBLISHED)  # fmt: skip
    _age(app, Contribution, rows["neu@example.org"], guest_confirmed_at=utcnow(),
         state=ModerationState.PUBLISHED)  # fmt: skip
    _age(app, Contribution, rows["nie@example.org"], created_at=long_ago)
    _age(app, Contribution, rows["wartet@example.org"], guest_confirmed_at=long_ago,
         created_at=long_ago, state=ModerationState.PENDING)  # fmt: skip

    with app.app_context():
        # Guest follows: a confirmed old one stays (it exists to mail the guest), an
        # unconfirmed old one goes.
        root = rows["neu@example.org"]
        db.session.add(
            Follow(
                email="folgt@example.org",
                contribution_id=root,
                confirmed_at=long_ago,
                created_at=long_ago,
            )  # fmt: skip
        )
        db.session.add(
            Follow(email="vergessen@example.org", contribution_id=root, created_at=long_ago)
        )
        db.session.commit()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "2 guest address(es) erased" in result.output
    assert "1 unconfirmed guest follow(s)" in result.output

    with app.app_context():
        emails = {
            c.id: c.guest_email
            for c in db.session.scalars(
                select(Contribution).where(Contribution.strategy_id == strategy.id)
            )
        }
        follows = db.session.scalars(select(Follow.email)).all()
    assert emails[rows["alt@example.org"]] == services.ERASED
    assert emails[rows["nie@example.org"]] == services.ERASED
    assert emails[rows["neu@example.org"]] == "neu@example.org"
    assert emails[rows["wartet@example.org"]] == "wartet@example.org"
    assert "folgt@example.org" in follows
    assert "vergessen@example.org" not in follows

    again = runner.invoke(args=["privacy", "purge"])
    assert again.exit_code == 0
    assert "0 guest address(es) erased" in again.output
    assert "0 unconfirmed guest follow(s)" in again.output

    # The erased contribution is still shown with the guest's name.
    page = client.get("/strategien/gastpurge/vision").get_data(as_text=True)
    assert "Alter bestätigter Beitrag." in page
    assert "alt@example.org" not in page


def test_purge_period_is_configurable(app, make, client):
    strategy = make.strategy(slug="gastpurge", moderation_mode=ModerationMode.POST)
    _guest_comment(client, "zehn@example.org", "Vor zehn Tagen bestätigt.")
    ten_days = utcnow() - timedelta(days=10)
    with app.app_context():
        cid = db.session.scalars(
            select(Contribution.id).where(Contribution.strategy_id == strategy.id)
        ).one()
    _age(app, Contribution, cid, guest_confirmed_at=ten_days, state=ModerationState.PUBLISHED)
    runner = app.test_cli_runner()
    assert "0 guest address(es)" in runner.invoke(args=["privacy", "purge"]).output
    app.config["PRIVACY_GUEST_EMAIL_DAYS"] = 7
    try:
        assert "1 guest address(es)" in runner.invoke(args=["privacy", "purge"]).output
    finally:
        app.config["PRIVACY_GUEST_EMAIL_DAYS"] = 90


def test_purge_deletes_old_sent_and_given_up_mail(app):
    old = utcnow() - timedelta(days=60)
    with app.app_context():
        for n, (sent, failed) in enumerate(
            [(old, None), (None, old), (utcnow(), None), (None, None)]
        ):
            db.session.add(
                OutboxMessage(
                    message_id=f"<purge-{n}@example.org>",
                    kind="test",
                    recipient=f"r{n}@example.org",
                    subject="Betreff",
                    body_text="Text",
                    sent_at=sent,
                    failed_at=failed,
                )
            )
        db.session.commit()
    output = app.test_cli_runner().invoke(args=["privacy", "purge"]).output
    assert "1 sent and 1 undeliverable mail(s) deleted" in output
    with app.app_context():
        left = set(db.session.scalars(select(OutboxMessage.recipient)))
    assert left == {"r2@example.org", "r3@example.org"}
