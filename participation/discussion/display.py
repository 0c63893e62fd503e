"""What the thread macro (`templates/discussion/_thread.html`) needs besides the nodes:
who is reading, what they may do, and how to link paragraphs. Built once per page."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, session
from flask_babel import get_locale
from flask_login import current_user

from participation.database import utcnow
from participation.discussion.services import EDIT_WINDOW
from participation.permissions import can_moderate

GUEST_IDS_KEY = "guest_contributions"
GUEST_EMAILS_KEY = "guest_verified_emails"
# Fixed patterns per language, filled in by hand: strftime costs about four times as much, and
# its month names would follow the process's C locale rather than the reader's language.
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _german(t: datetime) -> str:
    return f"{t.day:02}.{t.month:02}.{t.year}, {t.hour:02}:{t.minute:02} Uhr"


def _english(t: datetime) -> str:
    return f"{t.day:02} {_MONTHS_EN[t.month - 1]} {t.year}, {t.hour:02}:{t.minute:02}"


_PATTERNS = {"de": _german, "en": _english}


def guest_ids() -> frozenset[int]:
    """Contributions this browser posted as a guest."""
    return frozenset(int(i) for i in session.get(GUEST_IDS_KEY, []))


def remember_guest_contribution(contribution_id: int) -> None:
    ids = [i for i in session.get(GUEST_IDS_KEY, []) if i != contribution_id]
    session[GUEST_IDS_KEY] = (ids + [contribution_id])[-50:]


def verified_emails() -> list[str]:
    return list(session.get(GUEST_EMAILS_KEY, []))


def remember_verified_email(email: str) -> None:
    emails = [e for e in verified_emails() if e != email]
    session[GUEST_EMAILS_KEY] = (emails + [email])[-5:]


def viewer_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def local_time_formatter() -> Callable[[datetime], str]:
    """A fast formatter for many timestamps: local zone, a fixed pattern per language."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    pattern = _PATTERNS.get(str(get_locale()), _english)
    return lambda value: pattern(value.astimezone(zone))


@dataclass
class ThreadContext:
    viewer_id: int | None = None
    guest_ids: frozenset[int] = frozenset()
    can_reply: bool = False
    marked: int | None = None
    edit_after: datetime = field(default_factory=lambda: utcnow() - EDIT_WINDOW)
    heading_level: int = 3
    paragraphs: dict[str, int] = field(default_factory=dict)
    paragraph_href: str = ""
    version_links: dict[int, tuple[int, str]] = field(default_factory=dict)
    when: Callable[[datetime], str] = field(default_factory=local_time_formatter)
    # Staff may still reply in a locked thread; logged-in readers get a "Report" link.
    is_moderator: bool = False


def thread_context(
    *,
    can_reply: bool,
    marked: int | None = None,
    heading_level: int = 3,
    paragraphs: dict[str, int] | None = None,
    paragraph_href: str = "",
    version_links: dict[int, tuple[int, str]] | None = None,
) -> ThreadContext:
    """The context for the current request's reader (logged-in user and guest session)."""
    return ThreadContext(
        viewer_id=viewer_id(),
        guest_ids=guest_ids(),
        can_reply=can_reply,
        marked=marked,
        heading_level=heading_level,
        paragraphs=paragraphs or {},
        paragraph_href=paragraph_href,
        version_links=version_links or {},
        is_moderator=can_moderate(current_user),
    )


def marked_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
