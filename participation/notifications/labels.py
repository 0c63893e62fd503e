"""Words for the kinds of notification and the ways of delivery."""

from flask_babel import lazy_gettext as _l

from participation.discussion.models import ContributionKind
from participation.notifications.models import Delivery, Kind

KIND_LABELS = {
    Kind.OWN_CONTRIBUTIONS: _l("My contributions"),
    Kind.REPLIES_TO_ME: _l("Replies to my contributions"),
    Kind.FOLLOWED_THREADS: _l("Discussions I follow"),
    Kind.FOLLOWED_STRATEGIES: _l("Strategies I follow"),
    Kind.MODERATION_DIGEST: _l("Daily overview for the moderation"),
}

KIND_HINTS = {
    Kind.OWN_CONTRIBUTIONS: _l(
        "Published, not published (with the reason), hidden, an official reply, a new "
        "processing status or a forwarding to a department."
    ),
    Kind.REPLIES_TO_ME: _l("Someone has replied to one of your contributions."),
    Kind.FOLLOWED_THREADS: _l(
        "New replies, official replies and status changes in the discussions you follow, and "
        "new versions of their draft."
    ),
    Kind.FOLLOWED_STRATEGIES: _l(
        "New comments and ideas, official replies, status changes and new versions of the "
        "strategies you follow."
    ),
    Kind.MODERATION_DIGEST: _l(
        "What waits in the moderation queue and which forwardings are overdue."
    ),
}

DELIVERY_LABELS = {
    Delivery.IMMEDIATE: _l("Immediately"),
    Delivery.DAILY: _l("Once a day as a summary"),
    Delivery.NEVER: _l("Never"),
}

# The daily summary of one's own notifications, as something to unsubscribe from.
DIGEST = "digest"
DIGEST_LABEL = _l("The daily summary")

# In the moderators' digest: how many of each wait.
CONTRIBUTION_KINDS = {
    ContributionKind.COMMENT: _l("Comments"),
    ContributionKind.REPLY: _l("Replies"),
    ContributionKind.IDEA: _l("Ideas"),
}
