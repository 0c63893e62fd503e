"""The rules of taking part: posting comments, replies and ideas, editing, withdrawing,
guest confirmation, supporting ideas, and every change of a contribution's moderation state.

Functions flush, never commit. They raise `ContributionError` with a message for the user
(and the form field it belongs to) when a rule refuses the action.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from participation import permissions
from participation.database import utcnow
from participation.discussion.models import (
    PATH_DIGITS,
    Channel,
    Contribution,
    ContributionKind,
    ContributionRevision,
    ModerationState,
    ProcessingStatus,
    Support,
)
from participation.events.services import record
from participation.extensions import db
from participation.mail import queue_mail
from participation.markup import render_contribution
from participation.notifications import services as notifications
from participation.strategies.models import ModerationMode, Phase, Section, Strategy, Version

BODY_MAX = 5000
TITLE_MAX = 150
NAME_MAX = 60
EDIT_WINDOW = timedelta(minutes=15)
DUPLICATE_WINDOW = timedelta(hours=1)
GUEST_LINK_MAX_AGE = 7 * 24 * 3600
_GUEST_SALT = "guest-contribution"


class ContributionError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Guest:
    """Someone taking part without an account. `verified` is set when this browser has
    already confirmed the address (the view knows it from the session)."""

    name: str
    email: str
    consent: bool
    verified: bool = False


@dataclass(frozen=True)
class OnBehalf:
    """A contribution that came in by letter, phone, e-mail, at the citizens' office or at a
    workshop, typed in by a moderator (participation.analogue checks the rules first). The
    citizen, not the moderator, is its author: the moderator is named in the event log only.
    `name` and `email` are set only with the citizen's consent."""

    channel: Channel
    received_on: date
    entered_by: Any
    name: str | None = None
    email: str | None = None
    workshop_id: int | None = None


# --- who may do what, and when -------------------------------------------------------------


def participation_open(strategy: Strategy, now: datetime | None = None) -> bool:
    return strategy.phase_at(now or utcnow()) is Phase.OPEN


def may_post(strategy: Strategy, user, now: datetime | None = None) -> bool:
    """Citizens take part while the window is open; staff may answer at any time."""
    return participation_open(strategy, now) or permissions.can_moderate(user)


def is_own(contribution: Contribution, user, guest_ids: frozenset[int] = frozenset()) -> bool:
    if contribution.author_id is not None:
        return bool(user and user.is_authenticated and user.id == contribution.author_id)
    return contribution.id in guest_ids


def can_edit(contribution, user, guest_ids=frozenset(), now: datetime | None = None) -> bool:
    return (
        is_own(contribution, user, guest_ids)
        and contribution.state
        in (ModerationState.UNCONFIRMED, ModerationState.PENDING, ModerationState.PUBLISHED)
        and (now or utcnow()) - contribution.created_at <= EDIT_WINDOW
    )


def can_withdraw(contribution, user, guest_ids=frozenset()) -> bool:
    return is_own(contribution, user, guest_ids) and contribution.state not in (
        ModerationState.WITHDRAWN,
    )


# --- text ----------------------------------------------------------------------------------


def _clean_body(body_md: str | None) -> str:
    body = (body_md or "").replace("\r\n", "\n").strip()
    if not body:
        raise ContributionError(_l("Please write a text."), "body_md")
    if len(body) > BODY_MAX:
        raise ContributionError(
            _l(
                "Your text has %(count)d characters; at most %(max)d are possible. "
                "Please shorten it.",
                count=len(body),
                max=BODY_MAX,
            ),
            "body_md",
        )
    return body


def _clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ContributionError(_l("Please give your idea a title."), "title")
    if len(title) > TITLE_MAX:
        raise ContributionError(
            _l("The title may have at most %(max)d characters.", max=TITLE_MAX), "title"
        )
    return title


def text_hash(body_md: str, title: str | None = None) -> str:
    normalised = " ".join(f"{title or ''}\n{body_md}".split()).casefold()
    return hashlib.sha256(normalised.encode()).hexdigest()


def _check_guest(guest: Guest) -> Guest:
    name = " ".join((guest.name or "").split())
    email = (guest.email or "").strip().lower()
    if len(name) < 2 or len(name) > NAME_MAX:
        raise ContributionError(
            _l("Please enter a name of 2 to %(max)d characters.", max=NAME_MAX), "guest_name"
        )
    if "@" not in email or len(email) > 254:
        raise ContributionError(_l("Please enter a valid e-mail address."), "guest_email")
    if not guest.consent:
        raise ContributionError(
            _l("Please agree to the privacy notice to take part as a guest."), "guest_consent"
        )
    return Guest(name=name, email=email, consent=True, verified=guest.verified)


def _check_duplicate_and_reserve_id(
    author,
    guest: Guest | None,
    digest: str,
    now: datetime,
    on_behalf: OnBehalf | None = None,
    strategy_id: int | None = None,
) -> int | None:
    """Refuse the same text from the same person within the hour; on PostgreSQL, draw the
    new contribution's id from the sequence in the same round trip, so that the row can be
    written once with its thread path (a second UPDATE would rewrite every index of the
    table). Returns the id, or None where there is no sequence (SQLite).

    A letter or call typed in twice (by two moderators, perhaps days apart) is refused
    whenever it was entered before for the same strategy and channel."""
    duplicate = select(Contribution.id).where(
        Contribution.text_hash == digest,
        Contribution.state != ModerationState.WITHDRAWN,
    )
    if on_behalf is not None:
        duplicate = duplicate.where(
            Contribution.strategy_id == strategy_id,
            Contribution.channel == on_behalf.channel,
            Contribution.author_id.is_(None),
        )
    else:
        duplicate = duplicate.where(Contribution.created_at >= now - DUPLICATE_WINDOW)
        if author is not None:
            duplicate = duplicate.where(Contribution.author_id == author.id)
        else:
            duplicate = duplicate.where(Contribution.guest_email == guest.email)
    query = select(duplicate.exists())
    sequence = db.session.get_bind().dialect.name == "postgresql"
    if sequence:
        query = query.add_columns(func.nextval(func.pg_get_serial_sequence("contributions", "id")))
    row = db.session.execute(query).one()
    if row[0] and on_behalf is not None:
        raise ContributionError(
            _l("This text has already been entered for this strategy on the same channel."),
            "body_md",
        )
    if row[0]:
        raise ContributionError(
            _l(
                "You have already sent this text within the last hour. If you wanted to add "
                "something, please change the text."
            ),
            "body_md",
        )
    return row[1] if sequence else None


# --- counters ------------------------------------------------------------------------------


def ancestor_ids(contribution: Contribution) -> list[int]:
    """Ids above the contribution, from its materialised path (its own id is last)."""
    return [int(part) for part in contribution.path.split("/") if part][:-1]


def _count_reply(contribution: Contribution, delta: int) -> None:
    """A published reply adds one to the reply count of every contribution above it."""
    ids = ancestor_ids(contribution)
    if ids and delta:
        db.session.execute(
            update(Contribution)
            .where(Contribution.id.in_(ids))
            .values(reply_count=Contribution.reply_count + delta)
            .execution_options(synchronize_session=False)
        )
        for obj in db.session.identity_map.values():
            if isinstance(obj, Contribution) and obj.id in ids:
                db.session.expire(obj, ["reply_count", "revision"])


def change_state(
    contribution: Contribution,
    new_state: ModerationState,
    *,
    actor,
    action: str,
    details: dict | None = None,
    now: datetime | None = None,
) -> None:
    """The one place a moderation state changes: keeps the counters and the event log."""
    old_state = contribution.state
    if old_state == new_state:
        return
    was_public = old_state is ModerationState.PUBLISHED
    is_public = new_state is ModerationState.PUBLISHED
    contribution.state = new_state
    if new_state is ModerationState.WITHDRAWN:
        contribution.withdrawn_at = now or utcnow()
    db.session.flush()
    if was_public != is_public:
        _count_reply(contribution, 1 if is_public else -1)
    record(
        action,
        contribution,
        actor,
        before={"state": old_state.value},
        after={"state": new_state.value, **(details or {})},
    )
    if is_public and not was_public:
        notifications.contribution_published(contribution, actor=actor)


def _state_after_confirmation(strategy: Strategy, author) -> ModerationState:
    if strategy.moderation_mode is ModerationMode.POST or permissions.can_moderate(author):
        return ModerationState.PUBLISHED
    return ModerationState.PENDING


# --- posting -------------------------------------------------------------------------------


def _latest_version(strategy: Strategy) -> Version:
    from participation.strategies.queries import latest_version

    version = latest_version(strategy)
    if version is None:
        raise ContributionError(_l("This strategy has not been published yet."))
    return version


def _place_in_thread(contribution: Contribution, parent: Contribution | None) -> None:
    contribution.root_id = parent.root_id if parent is not None else contribution.id
    contribution.path = (parent.path if parent is not None else "") + (
        f"{contribution.id:0{PATH_DIGITS}d}/"
    )


def _create(
    strategy: Strategy,
    *,
    kind: ContributionKind,
    author,
    guest: Guest | None,
    body_md: str,
    title: str | None = None,
    version: Version,
    section: Section | None = None,
    paragraph_anchor: str | None = None,
    parent: Contribution | None = None,
    now: datetime | None = None,
    official: bool = False,
    on_behalf: OnBehalf | None = None,
) -> Contribution:
    now = now or utcnow()
    if on_behalf is not None:
        # The citizen wrote it; the moderator only typed it in, at any time after it came in.
        author = guest = None
    elif author is not None and not author.is_authenticated:
        author = None
    if on_behalf is None and author is None and guest is None:
        raise ContributionError(_l("Please log in or enter your name and e-mail address."))
    if on_behalf is None and not official and not may_post(strategy, author, now):
        raise ContributionError(
            _l("The participation phase is not open; contributions cannot be sent now.")
        )
    if author is not None and not author.email_confirmed:
        raise ContributionError(
            _l("Please confirm your e-mail address first; we have sent you a link.")
        )
    guest = _check_guest(guest) if author is None and on_behalf is None else None
    body = _clean_body(body_md)
    digest = text_hash(body, title)
    reserved_id = _check_duplicate_and_reserve_id(
        author, guest, digest, now, on_behalf, strategy.id
    )

    if official:
        state = ModerationState.PUBLISHED
    elif on_behalf is not None:
        # The same path as a citizen's online contribution: the strategy's moderation mode
        # decides, and a moderator reviews it in the queue (ideally not the one who typed it).
        state = _state_after_confirmation(strategy, None)
    elif guest is not None and not guest.verified:
        state = ModerationState.UNCONFIRMED
    else:
        state = _state_after_confirmation(strategy, author)
    contribution = Contribution(
        strategy_id=strategy.id,
        version_id=version.id,
        section_id=section.id if section is not None else None,
        section_key=section.key if section is not None else None,
        paragraph_anchor=paragraph_anchor,
        kind=kind,
        parent_id=parent.id if parent is not None else None,
        depth=parent.depth + 1 if parent is not None else 0,
        title=title,
        body_md=body,
        body_html=render_contribution(body).html,
        text_hash=digest,
        author_id=author.id if author is not None else None,
        guest_name=guest.name if guest is not None else None,
        guest_email=guest.email if guest is not None else None,
        guest_confirmed_at=now if guest is not None and guest.verified else None,
        state=state,
        status=ProcessingStatus.RECEIVED if kind is ContributionKind.IDEA else None,
        channel=Channel.ONLINE,
        received_on=None,
        workshop_id=None,
        is_official=False,
        created_at=now,
    )
    if on_behalf is not None:
        contribution.guest_name = on_behalf.name
        contribution.guest_email = on_behalf.email
        contribution.channel = on_behalf.channel
        contribution.received_on = on_behalf.received_on
        contribution.workshop_id = on_behalf.workshop_id
    contribution.id = reserved_id
    if contribution.id is None:
        # No sequence to draw from (SQLite): the id is known only after the INSERT.
        db.session.add(contribution)
        db.session.flush()
    _place_in_thread(contribution, parent)
    db.session.add(contribution)
    db.session.flush()
    if state is ModerationState.PUBLISHED:
        _count_reply(contribution, 1)
    if on_behalf is not None:
        after = {
            "state": state.value,
            "channel": on_behalf.channel.value,
            "received_on": on_behalf.received_on.isoformat(),
        }
        if on_behalf.workshop_id is not None:
            after["workshop_id"] = on_behalf.workshop_id
        record(f"{kind.value}.entered", contribution, on_behalf.entered_by, after=after)
    else:
        record(f"{kind.value}.created", contribution, author, after={"state": state.value})
    if state is ModerationState.UNCONFIRMED:
        _send_guest_confirmation(contribution)
    elif state is ModerationState.PUBLISHED and not official:
        # Official replies are told as such by their callers (notifications.official_reply).
        actor = on_behalf.entered_by if on_behalf is not None else author
        notifications.contribution_published(contribution, actor=actor)
    return contribution


def post_comment(
    strategy: Strategy,
    section: Section,
    *,
    author,
    guest: Guest | None = None,
    body_md: str,
    paragraph_anchor: str | None = None,
    version: Version | None = None,
    now: datetime | None = None,
) -> Contribution:
    """A comment on a section of the latest version, or on one of its paragraphs. A caller
    that has just read the latest version passes it to save a query."""
    version = version or _latest_version(strategy)
    if section.version_id != version.id:
        raise ContributionError(_l("Comments can only be written on the current version."))
    if paragraph_anchor is not None:
        if paragraph_anchor not in section.anchors:
            raise ContributionError(_l("This paragraph no longer exists in the current version."))
    return _create(
        strategy,
        kind=ContributionKind.COMMENT,
        author=author,
        guest=guest,
        body_md=body_md,
        version=version,
        section=section,
        paragraph_anchor=paragraph_anchor,
        now=now,
    )


def post_reply(
    parent: Contribution,
    *,
    author,
    guest: Guest | None = None,
    body_md: str,
    now: datetime | None = None,
    official: bool = False,
) -> Contribution:
    """`official`: the caller has checked that `author` answers on behalf of a department
    (departments.services.publish_reply); like the office, it may answer outside the
    participation window and in a locked thread, and the reply is published at once."""
    if parent.state is not ModerationState.PUBLISHED:
        raise ContributionError(_l("You can only reply to published contributions."))
    root = parent
    if parent.root_id not in (None, parent.id):
        root = db.session.get(Contribution, parent.root_id)
    if root.locked_at is not None and not (official or permissions.can_moderate(author)):
        raise ContributionError(_l("This discussion is closed; no new replies can be written."))
    strategy = db.session.get(Strategy, parent.strategy_id)
    section = db.session.get(Section, parent.section_id) if parent.section_id else None
    return _create(
        strategy,
        kind=ContributionKind.REPLY,
        author=author,
        guest=guest,
        body_md=body_md,
        version=db.session.get(Version, parent.version_id),
        section=section,
        paragraph_anchor=parent.paragraph_anchor,
        parent=parent,
        now=now,
        official=official,
    )


def post_idea(
    strategy: Strategy,
    *,
    author,
    guest: Guest | None = None,
    title: str,
    body_md: str,
    field_of_action: Section | None = None,
    now: datetime | None = None,
) -> Contribution:
    version = _latest_version(strategy)
    if field_of_action is not None and field_of_action.version_id != version.id:
        raise ContributionError(_l("Please choose a field of action."), "field_of_action")
    return _create(
        strategy,
        kind=ContributionKind.IDEA,
        author=author,
        guest=guest,
        body_md=body_md,
        title=_clean_title(title),
        version=version,
        section=field_of_action,
        now=now,
    )


def post_on_behalf(
    strategy: Strategy,
    *,
    on_behalf: OnBehalf,
    kind: ContributionKind,
    body_md: str,
    title: str | None = None,
    section: Section | None = None,
    now: datetime | None = None,
) -> Contribution:
    """A comment on a section, or an idea (on a field of action or on the whole strategy),
    that a citizen sent by letter, phone, e-mail, at the citizens' office or at a workshop.
    participation.analogue checks who enters it and the channel, date and consent rules."""
    version = _latest_version(strategy)
    if section is not None and section.version_id != version.id:
        raise ContributionError(_l("Please choose a section of the current version."), "target")
    if kind is ContributionKind.COMMENT:
        if section is None:
            raise ContributionError(
                _l("A comment needs a section; choose one, or enter an idea instead."), "target"
            )
        title = None
    elif kind is ContributionKind.IDEA:
        title = _clean_title(title)
    else:
        raise ContributionError(_l("Please choose comment or idea."), "kind")
    return _create(
        strategy,
        kind=kind,
        author=None,
        guest=None,
        body_md=body_md,
        title=title,
        version=version,
        section=section,
        now=now,
        on_behalf=on_behalf,
    )


# --- editing and withdrawing ---------------------------------------------------------------


def edit(
    contribution: Contribution,
    *,
    user,
    guest_ids: frozenset[int] = frozenset(),
    body_md: str,
    title: str | None = None,
    expected_revision: int | None = None,
    now: datetime | None = None,
) -> Contribution:
    """The author changes the text within 15 minutes; the earlier text is kept."""
    now = now or utcnow()
    if not can_edit(contribution, user, guest_ids, now):
        raise ContributionError(
            _l("This contribution can no longer be edited (only within 15 minutes of posting).")
        )
    if expected_revision is not None and expected_revision != contribution.revision:
        raise ContributionError(_l("This contribution was changed meanwhile. Please check it."))
    body = _clean_body(body_md)
    new_title = _clean_title(title) if contribution.kind is ContributionKind.IDEA else None
    if body == contribution.body_md and new_title == contribution.title:
        return contribution
    db.session.add(
        ContributionRevision(
            contribution_id=contribution.id,
            title=contribution.title,
            body_md=contribution.body_md,
            created_at=now,
        )
    )
    contribution.body_md = body
    contribution.body_html = render_contribution(body).html
    contribution.title = new_title
    contribution.text_hash = text_hash(body, new_title)
    contribution.edited_at = now
    # A changed text needs a moderator's look again, even if it was reviewed before.
    contribution.reviewed_at = None
    db.session.flush()
    record("contribution.edited", contribution, user if contribution.author_id else None)
    return contribution


def withdraw(contribution: Contribution, *, user, guest_ids: frozenset[int] = frozenset()):
    if not can_withdraw(contribution, user, guest_ids):
        raise ContributionError(_l("Only the author can withdraw this contribution."))
    change_state(
        contribution,
        ModerationState.WITHDRAWN,
        actor=user if contribution.author_id else None,
        action="contribution.withdrawn",
    )


# --- guests --------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_GUEST_SALT)


def _email_fingerprint(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def guest_token(contribution: Contribution) -> str:
    return _serializer().dumps([contribution.id, _email_fingerprint(contribution.guest_email)])


def contribution_for_guest_token(token: str, max_age: int | None = None) -> Contribution:
    """The guest contribution a confirmation (or withdrawal) link belongs to."""
    try:
        contribution_id, fingerprint = _serializer().loads(
            token, max_age=GUEST_LINK_MAX_AGE if max_age is None else max_age
        )
    except SignatureExpired as error:
        raise ContributionError(_l("This link has expired.")) from error
    except (BadSignature, ValueError, TypeError) as error:
        raise ContributionError(_l("This link is not valid.")) from error
    contribution = db.session.get(Contribution, contribution_id)
    if (
        contribution is None
        or contribution.guest_email is None
        or _email_fingerprint(contribution.guest_email) != fingerprint
    ):
        raise ContributionError(_l("This link is not valid."))
    return contribution


def confirm_guest(token: str, max_age: int | None = None) -> Contribution:
    """The guest's address is confirmed: the contribution goes on to moderation (or is
    published under post-moderation). Confirming twice is harmless."""
    contribution = contribution_for_guest_token(token, max_age)
    if contribution.state is ModerationState.UNCONFIRMED:
        contribution.guest_confirmed_at = utcnow()
        strategy = db.session.get(Strategy, contribution.strategy_id)
        change_state(
            contribution,
            _state_after_confirmation(strategy, None),
            actor=None,
            action="contribution.guest_confirmed",
        )
    return contribution


def _send_guest_confirmation(contribution: Contribution) -> None:
    from flask_babel import get_locale

    base = current_app.config["BASE_URL"].rstrip("/")
    token = guest_token(contribution)
    queue_mail(
        contribution.guest_email,
        _l("Please confirm your contribution"),
        "guest_confirm",
        locale=str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
        name=contribution.guest_name,
        confirm_url=f"{base}/beitraege/bestaetigen/{token}",
        withdraw_url=f"{base}/beitraege/zurueckziehen/{token}",
        excerpt=contribution.body_md[:300],
    )


# --- supporting ideas ----------------------------------------------------------------------


def toggle_support(idea: Contribution, user) -> bool:
    """Support an idea once; a second press withdraws the support. Returns whether the user
    supports it afterwards."""
    if idea.kind is not ContributionKind.IDEA or idea.state is not ModerationState.PUBLISHED:
        raise ContributionError(_l("Only published ideas can be supported."))
    if idea.merged_into_id is not None:
        raise ContributionError(_l("This idea has been merged into another one; support that one."))
    if not (user and user.is_authenticated):
        raise ContributionError(_l("Please log in to support ideas."))
    removed = db.session.execute(
        delete(Support).where(Support.contribution_id == idea.id, Support.user_id == user.id)
    ).rowcount
    if removed:
        delta, supported = -removed, False
    else:
        try:
            with db.session.begin_nested():
                db.session.add(Support(contribution_id=idea.id, user_id=user.id))
        except IntegrityError:
            # A second click arrived at the same moment and already added it.
            return True
        delta, supported = 1, True
    db.session.execute(
        update(Contribution)
        .where(Contribution.id == idea.id)
        .values(support_count=Contribution.support_count + delta)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(idea, ["support_count", "revision"])
    record("idea.supported" if supported else "idea.support_withdrawn", idea, user)
    return supported


def supported_ids(user, ids: list[int]) -> set[int]:
    if not (user and user.is_authenticated) or not ids:
        return set()
    return set(
        db.session.scalars(
            select(Support.contribution_id).where(
                Support.user_id == user.id, Support.contribution_id.in_(ids)
            )
        )
    )
