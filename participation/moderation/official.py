"""Official replies: a moderator answers in a thread as the office (OFFICE_NAME), optionally
with their own name; the author of the contribution answered and the followers are told
(notifications.services.official_reply)."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from participation import permissions
from participation.database import utcnow
from participation.discussion.models import Contribution
from participation.discussion.services import ContributionError, post_reply
from participation.events.services import record
from participation.extensions import db
from participation.notifications import services as notifications

SIGNATURE_MAX = 200


def signature_for(actor, *, show_own_name: bool) -> str:
    """ "Amt für Digitalisierung" or "Amt für Digitalisierung – Kim Muster"."""
    office = current_app.config["OFFICE_NAME"]
    name = (getattr(actor, "display_name", "") or "").strip()
    if show_own_name and name:
        return f"{office} – {name}"[:SIGNATURE_MAX]
    return office[:SIGNATURE_MAX]


def post_official_reply(
    parent: Contribution, *, actor, body_md: str, show_own_name: bool
) -> Contribution:
    """Publish a reply signed as the office. Staff may answer outside the participation
    window and in locked threads (`post_reply` allows both for moderators)."""
    if not permissions.can_moderate(actor):
        raise ContributionError(_l("Only the moderation can answer officially."))
    # `official`: told as an official reply below, not as an ordinary new reply.
    reply = post_reply(parent, author=actor, body_md=body_md, official=True)
    reply.is_official = True
    reply.official_signature = signature_for(actor, show_own_name=show_own_name)
    # Written by the office itself: nothing for the queue to review.
    reply.reviewed_at = utcnow()
    db.session.flush()
    # In the story of the contribution that was answered; the reply's own log starts with
    # its creation.
    record(
        "contribution.official_reply",
        parent,
        actor,
        after={
            "reply_id": reply.id,
            "signature": reply.official_signature,
            "show_own_name": show_own_name,
        },
    )
    notifications.official_reply(parent, reply, actor=actor)
    db.session.flush()
    return reply
