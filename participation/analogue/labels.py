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


def anonymous_name(channel) -> str:
    channel = Channel(channel)
    if channel is Channel.LETTER:
        return gettext("Citizen (by letter)")
    if channel is Channel.PHONE:
        return gettext("Citizen (by phone)")
    if channel is Channel.EMAIL:
        return gettext("Citizen (by e-mail)")
    if channel is Channel.CITIZENS_OFFICE:
        return gettext("Citizen (at the citizens' office)")
    if channel is Channel.WORKSHOP:
        return gettext("Workshop participant")
    return ""


def channel_note(channel, received_on: date | None, workshop_title: str | None = None) -> str:
    """The phrase shown next to a contribution that did not come in online ("" for online
    ones). Plain text: the caller escapes it."""
    channel = Channel(channel)
    if channel is Channel.ONLINE:
        return ""
    if received_on is None:
        return _undated(channel, workshop_title)
    day = format_date(received_on, "medium")
    if channel is Channel.LETTER:
        return gettext("received by letter on %(date)s", date=day)
    if channel is Channel.PHONE:
        return gettext("received by phone on %(date)s", date=day)
    if channel is Channel.EMAIL:
        return gettext("received by e-mail on %(date)s", date=day)
    if channel is Channel.CITIZENS_OFFICE:
        return gettext("received at the citizens' office on %(date)s", date=day)
    if workshop_title:
        return gettext("from the workshop “%(title)s” on %(date)s", title=workshop_title, date=day)
    return gettext("from a workshop on %(date)s", date=day)


def _undated(channel: Channel, workshop_title: str | None) -> str:
    if channel is Channel.LETTER:
        return gettext("received by letter")
    if channel is Channel.PHONE:
        return gettext("received by phone")
    if channel is Channel.EMAIL:
        return gettext("received by e-mail")
    if channel is Channel.CITIZENS_OFFICE:
        return gettext("received at the citizens' office")
    if workshop_title:
        return gettext("from the workshop “%(title)s”", title=workshop_title)
    return gettext("from a workshop")
