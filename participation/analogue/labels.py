"""What readers see of a contribution that did not come in online: "received by letter on
12.11.2026", and, when the citizen did not agree to show a name, "Citizen (by letter)".

The moderator who typed the contribution in is never named: it stands for the citizen.
"""

from datetime import date

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l

from participation.discussion.models import Channel

# The channels a moderator may choose when entering a contribution on a citizen's behalf;
# a workshop's results are entered from the workshop (participation.workshops).
ANALOGUE_CHANNELS = (Channel.LETTER, Channel.PHONE, Channel.EMAIL, Channel.CITIZENS_OFFICE)

ENTRY_CHANNEL_LABELS = {
    Channel.LETTER: _l("Letter"),
    Channel.PHONE: _l("Phone call"),
    Channel.EMAIL: _l("E-mail"),
    Channel.CITIZENS_OFFICE: _l("Citizens' office (in person)"),
    Channel.WORKSHOP: _l("Workshop"),
}


ANONYMOUS_NAMES = {
    Channel.LETTER: _l("Citizen (by letter)"),
    Channel.PHONE: _l("Citizen (by phone)"),
    Channel.EMAIL: _l("Citizen (by e-mail)"),
    Channel.CITIZENS_OFFICE: _l("Citizen (at the citizens' office)"),
    Channel.WORKSHOP: _l("Workshop participant"),
}

# How it came in, with the day received and without (entered before the day was recorded).
# A workshop result names its workshop where it is known (see channel_note).
DATED_NOTES = {
    Channel.LETTER: _l("received by letter on %(date)s"),
    Channel.PHONE: _l("received by phone on %(date)s"),
    Channel.EMAIL: _l("received by e-mail on %(date)s"),
    Channel.CITIZENS_OFFICE: _l("received at the citizens' office on %(date)s"),
    Channel.WORKSHOP: _l("from a workshop on %(date)s"),
}
UNDATED_NOTES = {
    Channel.LETTER: _l("received by letter"),
    Channel.PHONE: _l("received by phone"),
    Channel.EMAIL: _l("received by e-mail"),
    Channel.CITIZENS_OFFICE: _l("received at the citizens' office"),
    Channel.WORKSHOP: _l("from a workshop"),
}


def anonymous_name(channel) -> str:
    label = ANONYMOUS_NAMES.get(Channel(channel))
    return str(label) if label is not None else ""


def channel_note(channel, received_on: date | None, workshop_title: str | None = None) -> str:
    """The phrase shown next to a contribution that did not come in online ("" for online
    ones). Plain text: the caller escapes it."""
    channel = Channel(channel)
    if channel is Channel.ONLINE:
        return ""
    day = format_date(received_on, "medium") if received_on is not None else None
    if channel is Channel.WORKSHOP and workshop_title:
        if day is None:
            return gettext("from the workshop “%(title)s”", title=workshop_title)
        return gettext("from the workshop “%(title)s” on %(date)s", title=workshop_title, date=day)
    if day is None:
        return str(UNDATED_NOTES[channel])
    return str(DATED_NOTES[channel]) % {"date": day}
