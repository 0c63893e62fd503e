"""HTML of discussion threads, written in Python rather than a Jinja loop.

The complete discussion of a section renders thousands of contributions per request; a
recursive template costs about 22 µs per contribution, this about a fifth of that. It is the
only place thread markup is made (`templates/discussion/_thread.html` calls it), and every
value that comes from a user is escaped here; bodies are HTML sanitised when they were saved.
"""

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from participation.analogue.labels import anonymous_name, channel_note
from participation.discussion.display import ThreadContext
from participation.discussion.idea_labels import STATUS_BADGES, STATUS_LABELS
from participation.discussion.queries import ThreadNode


class _Texts:
    """Every label, translated once per page."""

    def __init__(self):
        # Plain calls, not inside f-strings: the message extractor does not look there.
        guest = escape(_("Guest"))
        official = escape(_("Official answer"))
        edited = escape(_("edited"))
        marked = escape(_("marked contribution"))
        # A deleted account's contributions stay; its name does not (privacy.services).
        self.deleted_account = escape(_("deleted account"))
        self.guest = (
            ' <span class="kern-badge kern-badge--info contribution__badge">'
            f'<span class="kern-label">{guest}</span></span>'
        )
        # Real text inside the heading, so screen readers announce it with the name; the
        # hidden dash keeps name and label apart when read aloud.
        self.official = (
            '<span class="kern-sr-only"> – </span>'
            ' <span class="kern-badge kern-badge--success contribution__badge '
            f'contribution__official-label"><span class="kern-label">{official}</span></span>'
        )
        self.edited = f' · <span class="contribution__edited">{edited}</span>'
        self.marked = f'<p class="kern-sr-only">{marked}</p>'
        self.pending = escape(_("awaiting approval"))
        self.unconfirmed = escape(_("please confirm your e-mail address"))
        self.withdrawn_title = escape(_("Withdrawn contribution"))
        self.withdrawn = escape(_("This contribution was withdrawn."))
        self.hidden_title = escape(_("Hidden contribution"))
        self.hidden = escape(_("This contribution was hidden by the moderation."))
        self.reply = escape(_("Reply"))
        self.edit = escape(_("Edit"))
        self.withdraw = escape(_("Withdraw"))
        self.permalink = escape(_("Permanent link, written on"))
        self.replies = escape(_("Replies"))
        self.in_reply_to = escape(_("in reply to %(name)s", name="\x00"))
        self.on_paragraph = escape(_("on paragraph %(number)s", number="\x00"))
        self.on_version = escape(_("on a paragraph of version %(number)s", number="\x00"))
        self.report = escape(_("Report"))
        self.follow = escape(_("Follow"))
        closed = escape(_("This discussion is closed. No new replies can be written."))
        # The public processing status of a suggestion, as a text badge (status value -> html).
        status_prefix = escape(_("Status:"))
        self.status = {
            status.value: (
                f' <span class="kern-badge kern-badge--{STATUS_BADGES[status]} '
                'contribution__badge contribution__status"><span class="kern-label">'
                f'<span class="kern-sr-only">{status_prefix} </span>'
                f"{escape(str(label))}</span></span>"
            )
            for status, label in STATUS_LABELS.items()
        }
        self.locked = f'\n<p class="contribution__locked">{closed}</p>'
        # Contributions typed in by the office: "received by letter on …" (analogue.labels).
        self.channel_notes: dict[tuple, str] = {}
        self.anonymous: dict[str, str] = {}

    def channel_note(self, channel: str, received_on, workshop_title: str | None) -> str:
        key = (channel, received_on, workshop_title)
        note = self.channel_notes.get(key)
        if note is None:
            if len(self.channel_notes) > 1000:
                self.channel_notes.clear()
            text = escape(channel_note(channel, received_on, workshop_title))
            note = self.channel_notes[key] = f' · <span class="contribution__channel">{text}</span>'
        return note

    def anonymous_name(self, channel: str) -> str:
        name = self.anonymous.get(channel)
        if name is None:
            name = self.anonymous[channel] = str(escape(anonymous_name(channel)))
        return name


# The labels depend only on the language; translating them is a measurable part of a page.
_TEXTS: dict[str, _Texts] = {}


def _texts() -> _Texts:
    locale = str(get_locale())
    texts = _TEXTS.get(locale)
    if texts is None:
        texts = _TEXTS[locale] = _Texts()
    return texts


def _workshop_titles() -> dict[int, str]:
    from sqlalchemy import select

    from participation.extensions import db
    from participation.workshops.models import Workshop

    return dict(db.session.execute(select(Workshop.id, Workshop.title)).all())


def render_threads(nodes: list[ThreadNode], ctx: ThreadContext) -> Markup:
    t = _texts()
    base = url_for("discussion.permalink", id=0)[:-1]
    out: list[str] = []
    write = out.append
    h0 = ctx.heading_level or 3
    when = ctx.when
    paragraph_href = escape(ctx.paragraph_href)
    viewer = ctx.viewer_id
    staff = ctx.is_moderator
    # Whether the thread being written is locked (set from its root row below).
    locked = False
    # Titles of the workshops results came from, read once on the first such row.
    workshop_titles: dict[int, str] | None = None

    def one(node: ThreadNode) -> None:
        nonlocal workshop_titles
        c = node.contribution
        cid = c.id
        state = c.state
        hid = f"beitrag-{cid}-h"
        level = h0 + node.display_depth
        marked = cid == ctx.marked
        classes = "contribution"
        if marked:
            classes += " contribution--marked"
        if node.placeholder:
            classes += " contribution--placeholder"
        elif node.own_pending:
            classes += " contribution--pending"
        if c.is_official and not node.placeholder:
            classes += " contribution--official"
        write(
            f'<li class="threads__item">\n<article class="{classes}" id="beitrag-{cid}" '
            f'aria-labelledby="{hid}">'
        )
        if marked:
            write(t.marked)
        if node.placeholder:
            withdrawn = state == "withdrawn"
            write(
                f'\n<h{level} class="contribution__author" id="{hid}">'
                f"{t.withdrawn_title if withdrawn else t.hidden_title}</h{level}>\n"
                f'<p class="contribution__placeholder">'
                f"{t.withdrawn if withdrawn else t.hidden}</p>"
            )
        else:
            author_id = c.author_id
            own = (author_id == ctx.viewer_id) if author_id is not None else cid in ctx.guest_ids
            created = c.created_at
            name = c.display_name
            channel = getattr(c, "channel", "online")
            analogue = channel != "online"
            if analogue and not name:
                name = t.anonymous_name(channel)
            else:
                name = escape(name) if name or author_id is None else t.deleted_account
            guest = t.guest if author_id is None and not analogue else ""
            write(
                f'\n<header class="contribution__header">\n<h{level} class="contribution__author" '
                f'id="{hid}">{name}'
                f"{guest}{t.official if c.is_official else ''}"
                f'</h{level}>\n<p class="contribution__meta"><a class="kern-link '
                f'contribution__permalink" href="{base}{cid}"><span class="kern-sr-only">'
                f'{t.permalink} </span><time datetime="{created.isoformat()}">{when(created)}'
                "</time></a>"
            )
            if c.edited_at:
                write(t.edited)
            if analogue:
                title = None
                if c.workshop_id is not None:
                    if workshop_titles is None:
                        workshop_titles = _workshop_titles()
                    title = workshop_titles.get(c.workshop_id)
                write(t.channel_note(channel, c.received_on, title))
            if node.in_reply_to:
                write(
                    ' · <span class="contribution__in-reply-to">'
                    f"{t.in_reply_to.replace(chr(0), escape(node.in_reply_to))}</span>"
                )
            anchor = c.paragraph_anchor
            if anchor and c.parent_id is None:
                if anchor in ctx.paragraphs:
                    number = str(ctx.paragraphs[anchor])
                    write(
                        f' · <a class="kern-link" href="{paragraph_href}#{escape(anchor)}">'
                        f"{t.on_paragraph.replace(chr(0), number)}</a>"
                    )
                elif c.version_id in ctx.version_links:
                    number, href = ctx.version_links[c.version_id]
                    write(
                        f' · <a class="kern-link" href="{escape(href)}#{escape(anchor)}">'
                        f"{t.on_version.replace(chr(0), str(number))}</a>"
                    )
            if node.own_pending:
                label = t.unconfirmed if state == "unconfirmed" else t.pending
                write(
                    ' <span class="kern-badge kern-badge--warning contribution__badge">'
                    f'<span class="kern-label">{label}</span></span>'
                )
            status = getattr(c, "status", None)
            if status is not None:
                write(t.status.get(status, ""))
            write(f'</p>\n</header>\n<div class="contribution__body">{c.body_html}</div>')
            published = state == "published"
            may_reply = ctx.can_reply and published and (staff or not locked)
            may_report = viewer is not None and published and not own
            # A thread is followed at its root (notifications: e-mails about its replies).
            may_follow = published and c.parent_id is None
            if c.parent_id is None and c.locked_at is not None:
                write(t.locked)
            if may_reply or own or may_report or may_follow:
                write('\n<ul class="contribution__actions">')
                if may_reply:
                    write(
                        f'<li><a class="kern-link" href="{base}{cid}/antworten" '
                        f'aria-describedby="{hid}">{t.reply}</a></li>'
                    )
                if own and created >= ctx.edit_after:
                    write(
                        f'<li><a class="kern-link" href="{base}{cid}/bearbeiten" '
                        f'aria-describedby="{hid}">{t.edit}</a></li>'
                    )
                if own:
                    write(
                        f'<li><a class="kern-link" href="{base}{cid}/zurueckziehen" '
                        f'aria-describedby="{hid}">{t.withdraw}</a></li>'
                    )
                if may_report:
                    write(
                        f'<li><a class="kern-link" href="{base}{cid}/melden" '
                        f'aria-describedby="{hid}">{t.report}</a></li>'
                    )
                if may_follow:
                    write(
                        f'<li><a class="kern-link" href="{base}{cid}/folgen" '
                        f'aria-describedby="{hid}">{t.follow}</a></li>'
                    )
                write("\n</ul>")
        write("\n</article>")
        if node.children:
            write(f'\n<ol class="threads threads--replies" aria-label="{t.replies}">')
            for child in node.children:
                one(child)
            write("</ol>")
        write("\n</li>")

    write('\n<ol class="threads">')
    for node in nodes:
        root = node.contribution
        # Thread roots carry `locked_at`; the idea page passes an idea's replies as nodes
        # and decides about replies in its view (ctx.can_reply).
        locked = root.parent_id is None and root.locked_at is not None
        one(node)
    write("\n</ol>")
    # Every user-supplied value above went through escape(); bodies were sanitised on save.
    return Markup("".join(out))  # noqa: S704
