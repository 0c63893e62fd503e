"""Contributions that reach the office on paper, by phone, by e-mail or at the citizens'
office, and the results of workshops: a moderator types them in on the citizen's behalf.

The rules here are the ones only this channel has (who may enter, which channel, the day
it came in, the citizen's consent to a name and an address); everything a contribution
needs besides — text, markup, duplicate check, moderation state, event, notifications —
is `discussion.services.post_on_behalf`, the same path an online contribution takes.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from participation import permissions
from participation.analogue.labels import ANALOGUE_CHANNELS
from participation.database import utcnow
from participation.discussion.models import Channel, Contribution, ContributionKind
from participation.discussion.services import (
    NAME_MAX,
    ContributionError,
    OnBehalf,
    post_on_behalf,
)
from participation.strategies.models import Section, SectionKind, Strategy
from participation.workshops.models import Workshop

# A strategy is announced (council paper, press, flyers) before its online window opens,
# and letters answering the announcement arrive early; anything older than this before the
# opening is almost certainly a mistyped date.
RECEIVED_MARGIN = timedelta(days=28)


def local_today(now: datetime | None = None) -> date:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (now or utcnow()).astimezone(zone).date()


def earliest_received(strategy: Strategy) -> date:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (strategy.opens_at.astimezone(zone) - RECEIVED_MARGIN).date()


def _check_received(strategy: Strategy, received_on: date | None, now: datetime | None) -> date:
    if received_on is None:
        raise ContributionError(_l("Please enter the date it was received."), "received_on")
    if received_on > local_today(now):
        raise ContributionError(_l("The date received cannot be in the future."), "received_on")
    earliest = earliest_received(strategy)
    if received_on < earliest:
        raise ContributionError(
            _l(
                "The date received cannot be more than four weeks before the participation "
                "opened (earliest %(date)s). Please check the date.",
                date=earliest.strftime("%d.%m.%Y"),
            ),
            "received_on",
        )
    return received_on


def _check_name(name: str | None, consent: bool) -> str | None:
    name = " ".join((name or "").split())
    if not name:
        if consent:
            raise ContributionError(
                _l("Please enter the name the citizen agreed to publish, or untick the box."),
                "name",
            )
        return None
    if not consent:
        raise ContributionError(
            _l(
                "A name is only shown with the citizen's consent. Please confirm the consent "
                "or leave the name empty."
            ),
            "name_consent",
        )
    if len(name) < 2 or len(name) > NAME_MAX:
        raise ContributionError(
            _l("Please enter a name of 2 to %(max)d characters.", max=NAME_MAX), "name"
        )
    return name


def _check_email(email: str | None, consent: bool) -> str | None:
    email = (email or "").strip().lower()
    if not email:
        if consent:
            raise ContributionError(
                _l("Please enter the address for answers, or untick the box."), "email"
            )
        return None
    if not consent:
        raise ContributionError(
            _l(
                "An address is only stored if the citizen wants answers by e-mail and agreed "
                "to it. Please confirm or leave the address empty."
            ),
            "email_consent",
        )
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise ContributionError(_l("Please enter a valid e-mail address."), "email")
    return email


def _check_target(strategy: Strategy, kind: ContributionKind, section: Section | None) -> None:
    if section is None:
        return
    if kind is ContributionKind.IDEA and section.kind is not SectionKind.FIELD_OF_ACTION:
        raise ContributionError(
            _l("An idea belongs to a field of action or to the strategy as a whole."), "target"
        )


def enter_contribution(
    strategy: Strategy,
    *,
    actor,
    channel: Channel | str | None,
    received_on: date | None,
    kind: ContributionKind | str | None,
    body_md: str,
    title: str | None = None,
    section: Section | None = None,
    name: str | None = None,
    name_consent: bool = False,
    email: str | None = None,
    email_consent: bool = False,
    workshop: Workshop | None = None,
    now: datetime | None = None,
) -> Contribution:
    """Type in a contribution a citizen sent by letter, phone, e-mail or gave at the
    citizens' office, or a result of `workshop` (channel "workshop")."""
    if not permissions.can_moderate(actor):
        raise ContributionError(_l("Only the moderation can enter contributions."))
    if workshop is not None:
        if workshop.strategy_id != strategy.id:
            raise ContributionError(_l("This workshop belongs to another strategy."), "workshop")
        channel = Channel.WORKSHOP
    else:
        try:
            channel = Channel(channel) if channel else None
        except ValueError:
            channel = None
        if channel not in ANALOGUE_CHANNELS:
            raise ContributionError(_l("Please choose how it was received."), "channel")
    try:
        kind = ContributionKind(kind) if kind else None
    except ValueError:
        kind = None
    if kind not in (ContributionKind.COMMENT, ContributionKind.IDEA):
        raise ContributionError(_l("Please choose comment or idea."), "kind")
    received_on = _check_received(strategy, received_on, now)
    if workshop is not None and received_on < workshop.held_on:
        raise ContributionError(
            _l("A result of a workshop cannot have been received before the workshop."),
            "received_on",
        )
    _check_target(strategy, kind, section)
    on_behalf = OnBehalf(
        channel=channel,
        received_on=received_on,
        entered_by=actor,
        name=_check_name(name, name_consent),
        email=_check_email(email, email_consent),
        workshop_id=workshop.id if workshop is not None else None,
    )
    return post_on_behalf(
        strategy,
        on_behalf=on_behalf,
        kind=kind,
        body_md=body_md,
        title=title,
        section=section,
        now=now,
    )
