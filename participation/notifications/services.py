"""Who is told what, and how: the one way every notification mail goes out.

`notify` applies the recipient's choice for the kind (immediately, daily digest, never),
never tells people about their own actions, and sends with a signed one-click unsubscribe
link (List-Unsubscribe header and in the text), text and HTML parts, in the recipient's
language. The functions below it say who is concerned by an event (the author, the author
of the contribution answered, the followers of the thread or of the strategy) and tell each
person at most once per event. Following, preferences and unsubscribing live here too.

Functions flush, never commit; mails are written to the outbox in the caller's transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from participation.accounts import tokens
from participation.accounts.models import User
from participation.database import utcnow
from participation.discussion.models import Contribution, ModerationState
from participation.events.models import Event
from participation.events.services import record
from participation.extensions import db
from participation.mail import queue_mail
from participation.notifications.labels import DIGEST, DIGEST_LABEL, KIND_LABELS
from participation.notifications.models import (
    DEFAULTS,
    EMAIL_MAX,
    Delivery,
    Follow,
    Kind,
    NotificationItem,
    NotificationPreference,
)
from participation.strategies.models import Strategy

EXCERPT = 300
UNSUBSCRIBE = "notifications.unsubscribe"
# Unsubscribe links must keep working in mails that are read long after they were sent.
UNSUBSCRIBE_MAX_AGE = 5 * 365 * 24 * 3600
FOLLOW_CONFIRM = "notifications.follow-confirm"
FOLLOW_CONFIRM_MAX_AGE = 7 * 24 * 3600
UNFOLLOW = "notifications.unfollow"
UNFOLLOW_MAX_AGE = UNSUBSCRIBE_MAX_AGE
# The lengths of the digest entry's columns.
DIGEST_SUBJECT_MAX = 1000
URL_MAX = 1000


class NotificationError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# --- recipients ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """An account, or a guest known only by an e-mail address."""

    email: str
    locale: str | None = None
    user_id: int | None = None
    name: str | None = None
    active: bool = True

    @property
    def key(self) -> str:
        """One person, whether they appear as an account or with their address."""
        return self.email.lower()

    def owner(self) -> dict:
        if self.user_id is not None:
            return {"user_id": self.user_id}
        return {"email": self.email.lower()}


def user_recipient(user: User) -> Recipient:
    return Recipient(user.email, user.locale, user.id, user.display_name, bool(user.is_active))


def author_of(contribution: Contribution) -> Recipient | None:
    if contribution.author_id is not None:
        author = contribution.author or db.session.get(User, contribution.author_id)
        return user_recipient(author)
    if contribution.guest_email:
        return Recipient(contribution.guest_email, None, None, contribution.guest_name)
    return None


def _owner_condition(model, owner: dict):
    if "user_id" in owner:
        return model.user_id == owner["user_id"]
    return model.email == owner["email"]


def _actor_key(actor) -> str | None:
    email = getattr(actor, "email", None) if getattr(actor, "is_authenticated", True) else None
    return email.lower() if email else None


# --- preferences -----------------------------------------------------------------------------


def delivery_for(recipient: Recipient, kind: Kind) -> Delivery:
    chosen = db.session.scalar(
        select(NotificationPreference.delivery).where(
            _owner_condition(NotificationPreference, recipient.owner()),
            NotificationPreference.kind == kind,
        )
    )
    return chosen or DEFAULTS[kind]


def _deliveries(recipients: list[Recipient], kinds: Iterable[Kind]) -> dict:
    """The chosen deliveries of many recipients in one query: {(owner key, kind): delivery}."""
    user_ids = {r.user_id for r in recipients if r.user_id is not None}
    emails = {r.email.lower() for r in recipients if r.user_id is None}
    if not user_ids and not emails:
        return {}
    rows = db.session.execute(
        select(
            NotificationPreference.user_id,
            NotificationPreference.email,
            NotificationPreference.kind,
            NotificationPreference.delivery,
        ).where(
            NotificationPreference.kind.in_(list(kinds)),
            or_(
                NotificationPreference.user_id.in_(user_ids),
                NotificationPreference.email.in_(emails),
            ),
        )
    ).all()
    return {
        ((("u", user_id) if user_id is not None else ("e", email)), kind): delivery
        for user_id, email, kind, delivery in rows
    }


def _owner_key(recipient: Recipient):
    if recipient.user_id is not None:
        return ("u", recipient.user_id)
    return ("e", recipient.email.lower())


def preferences_of(owner: dict) -> dict[Kind, Delivery]:
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                _owner_condition(NotificationPreference, owner)
            )
        ).all()
    )
    return {kind: chosen.get(kind, default) for kind, default in DEFAULTS.items()}


def _store_delivery(owner: dict, kind: Kind, delivery: Delivery) -> None:
    """Insert or update one choice; two requests at once end with one row (the unique
    constraint decides, the loser updates the winner's row)."""
    condition = (
        _owner_condition(NotificationPreference, owner),
        NotificationPreference.kind == kind,
    )
    row = db.session.scalars(select(NotificationPreference).where(*condition)).first()
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(NotificationPreference(**owner, kind=kind, delivery=delivery))
            return
        except IntegrityError:
            row = db.session.scalars(select(NotificationPreference).where(*condition)).one()
    row.delivery = delivery
    row.updated_at = utcnow()


def allowed_deliveries(kind: Kind) -> tuple[Delivery, ...]:
    if kind is Kind.MODERATION_DIGEST:
        # A summary of the day is all it is; there is nothing to send immediately.
        return (Delivery.DAILY, Delivery.NEVER)
    return tuple(Delivery)


def kinds_for(user) -> list[Kind]:
    """The kinds a person can choose for: the moderation digest only for moderators."""
    from participation import permissions

    return [
        kind
        for kind in Kind
        if kind is not Kind.MODERATION_DIGEST or permissions.can_moderate(user)
    ]


def set_preferences(user: User, choices: dict[Kind, Delivery]) -> dict[Kind, Delivery]:
    """Store a user's choices from the settings page; the changed kinds are returned and
    recorded in the event log."""
    current = preferences_of({"user_id": user.id})
    changed = {}
    for kind, delivery in choices.items():
        kind, delivery = Kind(kind), Delivery(delivery)
        if delivery not in allowed_deliveries(kind):
            raise NotificationError(_l("Please choose one of the offered options."), kind.value)
        if current[kind] is not delivery:
            _store_delivery({"user_id": user.id}, kind, delivery)
            changed[kind] = delivery
    if changed:
        record(
            "notifications.preferences_changed",
            user,
            user,
            before={kind.value: current[kind].value for kind in changed},
            after={kind.value: delivery.value for kind, delivery in changed.items()},
        )
        db.session.flush()
    return changed


# --- unsubscribing ---------------------------------------------------------------------------


def unsubscribe_token(recipient: Recipient, kind: Kind | str) -> str:
    payload: dict = {"k": str(kind)}
    if recipient.user_id is not None:
        payload["u"] = recipient.user_id
    else:
        payload["e"] = recipient.email.lower()
    return tokens.make_token(UNSUBSCRIBE, payload)


@dataclass
class Unsubscription:
    """What an unsubscribe link stands for: whose mail, and which kind (or the digest)."""

    owner: dict
    kind: str
    user: User | None

    @property
    def label(self):
        return DIGEST_LABEL if self.kind == DIGEST else KIND_LABELS[Kind(self.kind)]

    def kinds(self) -> list[Kind]:
        """The kinds the link switches off: its own, or for the daily summary every kind
        that is delivered daily (the moderation digest is a mail of its own)."""
        if self.kind != DIGEST:
            return [Kind(self.kind)]
        current = preferences_of(self.owner)
        return [
            kind
            for kind, delivery in current.items()
            if delivery is Delivery.DAILY and kind is not Kind.MODERATION_DIGEST
        ]

    def active(self) -> bool:
        """Whether the link still changes something (the page says so if not)."""
        current = preferences_of(self.owner)
        return any(current[kind] is not Delivery.NEVER for kind in self.kinds())


def read_unsubscribe_token(token: str) -> Unsubscription:
    invalid = NotificationError(_l("This link is not valid."))
    try:
        payload = tokens.read_token(UNSUBSCRIBE, token, UNSUBSCRIBE_MAX_AGE)
    except tokens.TokenInvalid as error:
        raise invalid from error
    kind = payload.get("k")
    if kind != DIGEST and kind not in {k.value for k in Kind}:
        raise invalid
    if isinstance(payload.get("u"), int):
        user = db.session.get(User, payload["u"])
        if user is None:
            raise invalid
        return Unsubscription({"user_id": user.id}, kind, user)
    email = payload.get("e")
    if not isinstance(email, str) or "@" not in email:
        raise invalid
    return Unsubscription({"email": email.lower()}, kind, None)


def unsubscribe(subscription: Unsubscription) -> list[Kind]:
    """Switch the link's kinds off; the kinds that changed are returned. Using the link a
    second time changes nothing."""
    current = preferences_of(subscription.owner)
    changed = [kind for kind in subscription.kinds() if current[kind] is not Delivery.NEVER]
    for kind in changed:
        _store_delivery(subscription.owner, kind, Delivery.NEVER)
    if changed:
        subject = subscription.user
        if subject is None:
            subject = db.session.scalars(
                select(NotificationPreference).where(
                    _owner_condition(NotificationPreference, subscription.owner),
                    NotificationPreference.kind == changed[0],
                )
            ).one()
        record(
            "notifications.unsubscribed",
            subject,
            subscription.user,
            before={kind.value: current[kind].value for kind in changed},
            after={kind.value: Delivery.NEVER.value for kind in changed},
        )
        db.session.flush()
    return changed


# --- sending ---------------------------------------------------------------------------------


def _locale(recipient: Recipient) -> str:
    return recipient.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def permalink_url(contribution_id: int) -> str:
    return tokens.external_url("discussion.permalink", id=contribution_id)


def send(recipient: Recipient, kind: Kind | str, subject, template: str, **context) -> None:
    """Write one notification mail to the outbox now: text part `mail/notification.txt`
    around `mail/<template>.txt`, HTML part `mail/<template>.html`, unsubscribe link and
    headers for `kind` (a Kind, or DIGEST for the daily summary)."""
    token = unsubscribe_token(recipient, kind)
    one_click = tokens.external_url("notifications.unsubscribe_one_click", token=token)
    label = DIGEST_LABEL if kind == DIGEST else KIND_LABELS[Kind(kind)]
    context.setdefault("name", recipient.name)
    queue_mail(
        recipient.email,
        subject,
        "notification",
        locale=_locale(recipient),
        html_template=template,
        kind=template,
        # RFC 2369 and RFC 8058: mail programs offer "unsubscribe" and POST to the link
        # themselves, without the person opening a page.
        headers={
            "List-Unsubscribe": f"<{one_click}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        inner=template,
        unsubscribe_url=tokens.external_url("notifications.unsubscribe", token=token),
        unsubscribe_label=label,
        settings_url=tokens.external_url("notifications.settings")
        if recipient.user_id is not None
        else None,
        **context,
    )


def notify(
    recipient: Recipient | None,
    kind: Kind,
    subject,
    template: str,
    *,
    url: str,
    actor=None,
    exclude: Iterable[str] = (),
    excerpt: str | None = None,
    detail=None,
    delivery: Delivery | None = None,
    **context,
) -> Delivery | None:
    """Tell `recipient` about something, as they chose for `kind`: a mail now, an entry for
    the daily digest, or nothing. Nobody is told about their own action (`actor`) or when
    listed in `exclude` (keys of people told otherwise about the same event). `subject` and
    `detail` may be lazy strings: they are rendered in the recipient's language. Returns
    what was done (None: nothing)."""
    if recipient is None or not recipient.email or not recipient.active:
        return None
    if recipient.key == _actor_key(actor) or recipient.key in set(exclude):
        return None
    delivery = delivery or delivery_for(recipient, kind)
    if delivery is Delivery.NEVER:
        return None
    if delivery is Delivery.DAILY:
        with force_locale(_locale(recipient)):
            db.session.add(
                NotificationItem(
                    **recipient.owner(),
                    locale=recipient.locale,
                    kind=kind,
                    subject=str(subject)[:DIGEST_SUBJECT_MAX],
                    excerpt=excerpt,
                    detail=str(detail) if detail else None,
                    url=url[:URL_MAX],
                )
            )
        return delivery
    send(recipient, kind, subject, template, url=url, excerpt=excerpt, **context)
    return delivery


def _tell_all(
    recipients: list["Concerned"],
    subject,
    template: str,
    *,
    actor,
    exclude: set[str],
    url: str,
    **context,
) -> set[str]:
    """Tell each of `recipients` once (the first entry of a person counts); returns the
    keys of everyone who was considered, so that callers can exclude them next."""
    seen = set(exclude)
    unique = []
    for concerned in recipients:
        if concerned.recipient.key not in seen:
            seen.add(concerned.recipient.key)
            unique.append(concerned)
    chosen = _deliveries([c.recipient for c in unique], {c.kind for c in unique})
    for concerned in unique:
        extra = {}
        if concerned.follow_id is not None:
            extra["unfollow_url"] = tokens.external_url(
                "notifications.unfollow_by_link",
                token=tokens.make_token(UNFOLLOW, {"f": concerned.follow_id}),
            )
        notify(
            concerned.recipient,
            concerned.kind,
            subject,
            template,
            url=url,
            actor=actor,
            delivery=chosen.get((_owner_key(concerned.recipient), concerned.kind)),
            **context,
            **extra,
        )
    return seen


# --- followers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concerned:
    """Someone to tell about an event, as which kind, and through which follow."""

    recipient: Recipient
    kind: Kind
    follow_id: int | None = None


def _follower_rows(*conditions) -> list[Concerned]:
    """Confirmed followers matching any of `conditions`, thread followers first (the more
    specific kind wins when someone follows both the thread and the strategy)."""
    rows = db.session.execute(
        select(
            Follow.id,
            Follow.contribution_id,
            Follow.email,
            Follow.locale,
            User.id,
            User.email,
            User.locale,
            User.display_name,
            User.is_active,
        )
        .outerjoin(User, User.id == Follow.user_id)
        .where(or_(*conditions), Follow.confirmed_at.is_not(None))
        .order_by(Follow.contribution_id.is_(None), Follow.id)
    ).all()
    result = []
    for (
        follow_id,
        thread_id,
        guest_email,
        guest_locale,
        user_id,
        email,
        locale,
        name,
        active,
    ) in rows:
        kind = Kind.FOLLOWED_THREADS if thread_id is not None else Kind.FOLLOWED_STRATEGIES
        if user_id is not None:
            recipient = Recipient(email, locale, user_id, name, bool(active))
        else:
            recipient = Recipient(guest_email, guest_locale)
        result.append(Concerned(recipient, kind, follow_id))
    return result


def thread_followers(root_id: int) -> list[Concerned]:
    return _follower_rows(Follow.contribution_id == root_id)


def followers_of(contribution: Contribution) -> list[Concerned]:
    """Who follows the contribution's thread or its strategy."""
    return _follower_rows(
        Follow.contribution_id == contribution.root_id,
        Follow.strategy_id == contribution.strategy_id,
    )


def strategy_followers(strategy_id: int, *, with_threads: bool = False) -> list[Concerned]:
    conditions = [Follow.strategy_id == strategy_id]
    if with_threads:
        conditions.append(
            Follow.contribution_id.in_(
                select(Contribution.id).where(Contribution.strategy_id == strategy_id)
            )
        )
    return _follower_rows(*conditions)


# --- events: who is told ---------------------------------------------------------------------


def _was_public_before(contribution: Contribution) -> bool:
    """Whether the event log shows the contribution published before this moment (hidden
    and restored, or rejected after publication and published again): then nobody is told
    of it as something new a second time."""
    states = db.session.scalars(
        select(Event.after).where(
            Event.subject_type == Contribution.__tablename__,
            Event.subject_id == contribution.id,
        )
    ).all()
    published = sum(1 for after in states if (after or {}).get("state") == "published")
    return published > 1


def contribution_published(contribution: Contribution, *, actor) -> None:
    """A comment, idea or reply became public for the first time (posted under
    post-moderation, confirmed by a guest, or published by a moderator). Official replies
    are told by `official_reply` instead."""
    if contribution.state is not ModerationState.PUBLISHED or contribution.is_official:
        return
    if _was_public_before(contribution):
        return
    author = author_of(contribution)
    told = {author.key} if author is not None else set()
    url = permalink_url(contribution.id)
    excerpt = contribution.body_md[:EXCERPT]
    strategy = db.session.get(Strategy, contribution.strategy_id)
    if contribution.parent_id is None:
        _tell_all(
            strategy_followers(strategy.id),
            _l("New contribution on “%(strategy)s”", strategy=strategy.title),
            "followed_new_contribution",
            actor=actor,
            exclude=told,
            url=url,
            excerpt=excerpt,
            title=contribution.title,
            author_name=contribution.display_name,
            strategy=strategy.title,
        )
        return
    parent = db.session.get(Contribution, contribution.parent_id)
    parent_author = author_of(parent)
    if parent_author is not None and parent_author.key not in told:
        notify(
            parent_author,
            Kind.REPLIES_TO_ME,
            _l("%(name)s has replied to your contribution", name=contribution.display_name),
            "reply_received",
            url=url,
            actor=actor,
            excerpt=excerpt,
            author_name=contribution.display_name,
            parent_excerpt=parent.body_md[:EXCERPT],
            strategy=strategy.title,
            name=parent.display_name,
        )
        told.add(parent_author.key)
    _tell_all(
        thread_followers(contribution.root_id),
        _l("New reply in a discussion you follow on “%(strategy)s”", strategy=strategy.title),
        "followed_reply",
        actor=actor,
        exclude=told,
        url=url,
        excerpt=excerpt,
        author_name=contribution.display_name,
        strategy=strategy.title,
    )


def official_reply(parent: Contribution, reply: Contribution, *, actor) -> None:
    """The office or a department answered `parent`: its author, then the followers of the
    thread and of the strategy."""
    author = author_of(parent)
    url = permalink_url(reply.id)
    told: set[str] = set()
    if author is not None:
        notify(
            author,
            Kind.OWN_CONTRIBUTIONS,
            _l("The administration has replied to your contribution"),
            "official_reply",
            url=url,
            actor=actor,
            excerpt=reply.body_md[:600],
            name=parent.display_name,
            office=reply.official_signature,
        )
        told.add(author.key)
    strategy = db.session.get(Strategy, parent.strategy_id)
    _tell_all(
        followers_of(parent),
        _l("Official reply in a discussion you follow on “%(strategy)s”", strategy=strategy.title),
        "followed_official_reply",
        actor=actor,
        exclude=told,
        url=url,
        excerpt=reply.body_md[:600],
        office=reply.official_signature,
        strategy=strategy.title,
    )


def status_changed_for_followers(
    contribution: Contribution, label, reason: str | None, *, actor, exclude: Iterable[str]
) -> None:
    """The followers of a suggestion's thread and strategy hear of its new processing
    status; `label` is a lazy string (rendered in each follower's language)."""
    strategy = db.session.get(Strategy, contribution.strategy_id)
    _tell_all(
        followers_of(contribution),
        _l("New processing status in a discussion you follow: %(status)s", status=label),
        "followed_status_changed",
        actor=actor,
        exclude=set(exclude),
        url=permalink_url(contribution.id),
        excerpt=contribution.body_md[:EXCERPT],
        detail=label,
        title=contribution.title,
        status=label,
        reason=reason,
        strategy=strategy.title,
    )


def version_published(strategy: Strategy, version, *, actor) -> None:
    """A new version of the draft: the followers of the strategy and of its threads."""
    _tell_all(
        strategy_followers(strategy.id, with_threads=True),
        _l(
            "New version of “%(strategy)s”: version %(number)d",
            strategy=strategy.title,
            number=version.number,
        ),
        "followed_new_version",
        actor=actor,
        exclude=set(),
        url=tokens.external_url("strategies.overview", slug=strategy.slug),
        excerpt=(version.change_note or "")[:EXCERPT],
        strategy=strategy.title,
        number=version.number,
        compare_url=tokens.external_url("strategies.compare_versions", slug=strategy.slug),
    )


# --- following -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A thread (its root contribution) or a whole strategy."""

    contribution: Contribution | None = None
    strategy: Strategy | None = None

    @property
    def condition(self):
        if self.contribution is not None:
            return Follow.contribution_id == self.contribution.id
        return Follow.strategy_id == self.strategy.id

    def columns(self) -> dict:
        if self.contribution is not None:
            return {"contribution_id": self.contribution.id}
        return {"strategy_id": self.strategy.id}

    @property
    def kind(self) -> Kind:
        return Kind.FOLLOWED_THREADS if self.contribution is not None else Kind.FOLLOWED_STRATEGIES

    @property
    def url(self) -> str:
        if self.contribution is not None:
            return permalink_url(self.contribution.id)
        return tokens.external_url("strategies.overview", slug=self.strategy.slug)


def thread_target(contribution: Contribution) -> Target:
    """The thread a contribution belongs to, if it can be followed (its root is public)."""
    root = contribution
    if contribution.root_id not in (None, contribution.id):
        root = db.session.get(Contribution, contribution.root_id)
    if root.state is not ModerationState.PUBLISHED:
        raise NotificationError(_l("Only published discussions can be followed."))
    return Target(contribution=root)


def strategy_target(strategy: Strategy) -> Target:
    return Target(strategy=strategy)


def _find_follow(owner: dict, target: Target) -> Follow | None:
    return db.session.scalars(
        select(Follow).where(_owner_condition(Follow, owner), target.condition)
    ).first()


def is_following(user, target: Target) -> bool:
    if not (user and user.is_authenticated):
        return False
    return _find_follow({"user_id": user.id}, target) is not None


def _switch_on(owner: dict, kind: Kind) -> bool:
    """Following is an explicit wish for these mails: a kind switched off earlier is set
    back to its default. True if it was off."""
    if preferences_of(owner)[kind] is Delivery.NEVER:
        _store_delivery(owner, kind, DEFAULTS[kind])
        return True
    return False


@dataclass
class Followed:
    follow: Follow
    created: bool
    switched_on: bool = False


def follow(user: User, target: Target) -> Followed:
    """A signed-in user follows a thread or a strategy (at once: the account's address is
    confirmed)."""
    if not user.email_confirmed:
        raise NotificationError(
            _l("Please confirm your e-mail address first; we have sent you a link.")
        )
    owner = {"user_id": user.id}
    existing = _find_follow(owner, target)
    if existing is not None:
        return Followed(existing, created=False)
    row = Follow(**owner, **target.columns(), confirmed_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # The same button pressed twice at once.
        return Followed(_find_follow(owner, target), created=False)
    switched = _switch_on(owner, target.kind)
    record("notifications.followed", row, user, after={**target.columns()})
    db.session.flush()
    return Followed(row, created=True, switched_on=switched)


def unfollow(user: User, target: Target) -> bool:
    row = _find_follow({"user_id": user.id}, target)
    if row is None:
        return False
    return _remove(row, user)


def _remove(row: Follow, actor) -> bool:
    record("notifications.unfollowed", row, actor, before={**_target_columns(row)})
    removed = db.session.execute(delete(Follow).where(Follow.id == row.id)).rowcount
    db.session.expunge(row)
    return bool(removed)


def _target_columns(row: Follow) -> dict:
    if row.contribution_id is not None:
        return {"contribution_id": row.contribution_id}
    return {"strategy_id": row.strategy_id}


def normalise_guest_email(email: str | None) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > EMAIL_MAX or any(c.isspace() for c in email):
        raise NotificationError(_l("Please enter a valid e-mail address."), "email")
    return email


def request_guest_follow(email: str | None, target: Target, *, locale: str, consent: bool):
    """A guest asks to follow: a link to confirm goes to the address. The answer is the
    same whether or not the address already follows, so the form reveals nobody."""
    email = normalise_guest_email(email)
    if not consent:
        raise NotificationError(
            _l("Please agree to the privacy notice to receive e-mails as a guest."), "consent"
        )
    owner = {"email": email}
    row = _find_follow(owner, target)
    if row is None:
        row = Follow(**owner, **target.columns(), locale=locale)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = _find_follow(owner, target)
    token = tokens.make_token(FOLLOW_CONFIRM, {"f": row.id, "e": tokens.fingerprint(email)})
    title = _target_title(target)
    queue_mail(
        email,
        _l("Please confirm: e-mails about “%(title)s”", title=title),
        "follow_confirm",
        locale=locale,
        kind="follow_confirm",
        title=title,
        is_thread=target.contribution is not None,
        confirm_url=tokens.external_url("notifications.confirm_follow", token=token),
        url=target.url,
        validity_days=FOLLOW_CONFIRM_MAX_AGE // 86400,
    )
    db.session.flush()
    return row


def _target_title(target: Target) -> str:
    if target.strategy is not None:
        return target.strategy.title
    contribution = target.contribution
    if contribution.title:
        return contribution.title
    text = " ".join(contribution.body_md.split())
    return text if len(text) <= 80 else text[:79] + "…"


def target_of(row: Follow) -> Target:
    if row.contribution_id is not None:
        return Target(contribution=db.session.get(Contribution, row.contribution_id))
    return Target(strategy=db.session.get(Strategy, row.strategy_id))


def target_title(target: Target) -> str:
    return _target_title(target)


def follow_for_confirm_token(token: str) -> Follow:
    invalid = NotificationError(_l("This link is not valid."))
    try:
        payload = tokens.read_token(FOLLOW_CONFIRM, token, FOLLOW_CONFIRM_MAX_AGE)
    except tokens.TokenExpired as error:
        raise NotificationError(
            _l("This link has expired. Links to confirm are valid for 7 days.")
        ) from error
    except tokens.TokenInvalid as error:
        raise invalid from error
    row = db.session.get(Follow, payload.get("f")) if isinstance(payload.get("f"), int) else None
    if (
        row is None
        or row.email is None
        or not tokens.same(tokens.fingerprint(row.email), str(payload.get("e")))
    ):
        raise invalid
    return row


def confirm_guest_follow(token: str, now: datetime | None = None) -> Follow:
    """The guest opened the link and pressed the button; confirming twice is harmless."""
    row = follow_for_confirm_token(token)
    if row.confirmed_at is None:
        row.confirmed_at = now or utcnow()
        target = target_of(row)
        _switch_on({"email": row.email}, target.kind)
        record("notifications.follow_confirmed", row, None, after={**target.columns()})
        db.session.flush()
    return row


def follow_for_unfollow_token(token: str) -> Follow | None:
    """The follow a "stop following" link names; None if it has ended already."""
    try:
        payload = tokens.read_token(UNFOLLOW, token, UNFOLLOW_MAX_AGE)
    except tokens.TokenInvalid as error:
        raise NotificationError(_l("This link is not valid.")) from error
    follow_id = payload.get("f")
    if not isinstance(follow_id, int):
        raise NotificationError(_l("This link is not valid."))
    return db.session.get(Follow, follow_id)


def unfollow_by_token(token: str) -> Follow | None:
    row = follow_for_unfollow_token(token)
    if row is not None:
        actor = db.session.get(User, row.user_id) if row.user_id is not None else None
        _remove(row, actor)
        db.session.flush()
    return row


@dataclass
class FollowedItem:
    follow_id: int
    title: str
    url: str
    is_thread: bool
    contribution_id: int | None
    strategy_slug: str | None


def follows_of(user: User) -> list[FollowedItem]:
    """What a user follows, for the settings page: strategies first, then threads."""
    rows = db.session.execute(
        select(Follow, Contribution, Strategy)
        .outerjoin(Contribution, Contribution.id == Follow.contribution_id)
        .outerjoin(
            Strategy,
            Strategy.id == Follow.strategy_id,
        )
        .where(Follow.user_id == user.id)
        .order_by(Follow.contribution_id.is_not(None), Follow.created_at, Follow.id)
    ).all()
    items = []
    for row, contribution, strategy in rows:
        target = Target(contribution=contribution, strategy=strategy)
        items.append(
            FollowedItem(
                follow_id=row.id,
                title=_target_title(target),
                url=target.url,
                is_thread=contribution is not None,
                contribution_id=contribution.id if contribution is not None else None,
                strategy_slug=strategy.slug if strategy is not None else None,
            )
        )
    return items
