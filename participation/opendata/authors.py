"""Who wrote a contribution, as the open data names them.

A display name appears only when its owner agreed (`User.open_data_show_name`, chosen in the
account settings and logged); everyone else, every guest and every deleted account appears
as "Teilnehmer:in 17". Official replies are signed as the office (or as the department that
published them), never with a moderator's name, even where the site shows one.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from participation.accounts.models import Department, User
from participation.database import utcnow
from participation.discussion.models import Contribution, ModerationState
from participation.events.services import record
from participation.extensions import db
from participation.opendata.models import Pseudonym

CONSENT_CHANGED = "account.open_data_consent_changed"


def set_consent(user: User, show_name: bool) -> bool:
    """Record the owner's choice; returns whether it changed. Takes effect with the next
    download (nothing is cached)."""
    show_name = bool(show_name)
    if bool(user.open_data_show_name) == show_name:
        return False
    user.open_data_show_name = show_name
    record(
        CONSENT_CHANGED,
        user,
        user,
        before={"open_data_show_name": not show_name},
        after={"open_data_show_name": show_name},
    )
    db.session.flush()
    return True


def _insert(session):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Pseudonym)


def ensure_pseudonyms() -> int:
    """Give every author of a published contribution a pseudonym, numbered in the order of
    their first published contribution. Two statements, whatever the number of authors; a
    concurrent request that numbers the same author first wins (ON CONFLICT DO NOTHING), so
    a number, once given, is never given again or changed. Returns how many were added."""
    session = db.session
    now = literal(utcnow(), type_=Pseudonym.created_at.type)
    published = and_(
        Contribution.state == ModerationState.PUBLISHED, Contribution.is_official.is_(False)
    )
    accounts = (
        select(Contribution.author_id, now)
        .where(
            published,
            Contribution.author_id.is_not(None),
            ~exists().where(Pseudonym.user_id == Contribution.author_id),
        )
        .group_by(Contribution.author_id)
        .order_by(func.min(Contribution.id))
    )
    without_account = (
        select(Contribution.id, now)
        .where(
            published,
            Contribution.author_id.is_(None),
            ~exists().where(Pseudonym.contribution_id == Contribution.id),
        )
        .order_by(Contribution.id)
    )
    added = 0
    for columns, query in (
        (["user_id", "created_at"], accounts),
        (["contribution_id", "created_at"], without_account),
    ):
        # RETURNING rather than rowcount, which psycopg leaves at 0 for INSERT … SELECT.
        result = session.execute(
            _insert(session)
            .from_select(columns, query)
            .on_conflict_do_nothing()
            .returning(Pseudonym.id)
        )
        added += len(result.all())
    return added


class Names:
    """How one download or API answer names authors. The pseudonym's wording is looked up
    once (in the visitor's language), not for every row."""

    def __init__(self):
        # Without variables gettext returns the translated pattern itself.
        self.pattern = _("Participant %(number)d")
        self.sign = Signer()

    def pseudonym(self, number: int | None) -> str:
        return self.pattern % {"number": number or 0}

    def author(self, row) -> tuple[str, str]:
        """(the name shown, "name", "pseudonym" or "office") for a row of
        contributions.published_contributions."""
        if row.is_official:
            return self.sign(row.official_signature), "office"
        if row.author_id is not None:
            if row.open_data_show_name and row.deleted_at is None and row.display_name:
                return row.display_name, "name"
            return self.pseudonym(row.user_pseudonym), "pseudonym"
        return self.pseudonym(row.contribution_pseudonym), "pseudonym"


class Signer:
    """Signs official replies: the department's name for replies a department published
    itself, otherwise the office (OFFICE_NAME) — the moderator's name, which a signature may
    carry on the site, is dropped. One query for the department names, made when needed."""

    def __init__(self):
        self._departments: set[str] | None = None

    def __call__(self, signature: str | None) -> str:
        office = current_app.config["OFFICE_NAME"]
        if not signature or signature == office:
            return office
        if self._departments is None:
            self._departments = set(db.session.scalars(select(Department.name)))
        return signature if signature in self._departments else office
