"""What readers see for an idea's processing status and channel (translated lazily).

The status badge always carries its label as text; the colour only repeats it."""

from flask_babel import lazy_gettext as _l

from participation.discussion.models import Channel, ProcessingStatus

STATUS_LABELS = {
    ProcessingStatus.RECEIVED: _l("received"),
    ProcessingStatus.FORWARDED: _l("forwarded"),
    ProcessingStatus.IN_REVIEW: _l("under review"),
    ProcessingStatus.ADOPTED: _l("will be adopted"),
    ProcessingStatus.PARTIALLY_ADOPTED: _l("partially adopted"),
    ProcessingStatus.NOT_ADOPTED: _l("not adopted"),
    ProcessingStatus.ANSWERED: _l("answered"),
}

# KERN badge variants.
STATUS_BADGES = {
    ProcessingStatus.RECEIVED: "info",
    ProcessingStatus.FORWARDED: "info",
    ProcessingStatus.IN_REVIEW: "warning",
    ProcessingStatus.ADOPTED: "success",
    ProcessingStatus.PARTIALLY_ADOPTED: "success",
    ProcessingStatus.NOT_ADOPTED: "danger",
    ProcessingStatus.ANSWERED: "info",
}

CHANNEL_LABELS = {
    Channel.ONLINE: _l("online"),
    Channel.LETTER: _l("letter"),
    Channel.PHONE: _l("phone"),
    Channel.EMAIL: _l("e-mail"),
    Channel.WORKSHOP: _l("workshop"),
    Channel.CITIZENS_OFFICE: _l("citizens' office"),
}
