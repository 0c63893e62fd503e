"""HTML of the moderation queue's items, written in Python rather than Jinja macros.

A queue page shows 100 items, each with its context and its decision form; through macros
that took two thirds of the page's time. This is the only place the markup of an item is
made (`templates/moderation/index.html` includes the list, the `context` macro of
`_macros.html` calls `render_context` for the detail page). Every value that comes from a
user is escaped here; bodies were sanitised when they were saved. Labels are translated
once per page.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import get_date_format, get_datetime_format, get_time_format
from flask import render_template, request, url_for
from flask_babel import get_locale, get_timezone, get_translations
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from participation.analogue.labels import anonymous_name, channel_note
from participation.discussion.models import ModerationState
from participation.fragments import FragmentCache, caching_allowed
from participation.moderation.forms import ACTION_LABELS, KIND_LABELS
from participation.moderation.labels import state_label
from participation.moderation.queue import QueueItem
from participation.moderation.services import Action, allowed_actions

# Fields of a CLDR pattern that are plain numbers: how to write each, and from what.
_NUMBERS = {
    "dd": ("%02d", "day"),
    "MM": ("%02d", "month"),
    "y": ("%d", "year"),
    "yyyy": ("%04d", "year"),
    "HH": ("%02d", "hour"),
    "mm": ("%02d", "minute"),
    "ss": ("%02d", "second"),
}


def _zone():
    """The reader's time zone; as a zoneinfo zone where one exists (the same rules, converted
    several times faster than by pytz)."""
    zone = get_timezone()
    try:
        return ZoneInfo(zone.zone)
    except (AttributeError, ValueError, ZoneInfoNotFoundError):
        return zone


def _numeric(full: str) -> tuple[str, list[str]] | None:
    """`full` (babel's %-template of a pattern, "%(dd)s.%(MM)s.%(y)s, …") as a template of
    numbers and the attributes that fill it, if it has no other fields (month names, 12-hour
    clock, time zones) and no literal percent sign."""
    attributes: list[str] = []

    class Numbers(dict):
        def __missing__(self, field):
            number, attribute = _NUMBERS[field]  # KeyError: a field that is not a number
            attributes.append(attribute)
            return number

    if "%%" in full:
        return None
    try:
        return full % Numbers(), attributes
    except KeyError:
        return None


def datetime_formatter() -> Callable[[datetime], str]:
    """Writes what the `datetime` template filter writes ("medium", in the reader's time zone
    and language) for many timestamps: the language's patterns are looked up once, and where
    they are only numbers (German) they are written by a %-template."""
    return _formatter()[0]


def _formatter() -> tuple[Callable[[datetime], str], str | None]:
    """The formatter, and its %-template if it writes only numbers between separators."""
    zone = _zone()
    locale = get_locale()
    combined = get_datetime_format("medium", locale=locale).replace("'", "")
    time_pattern = get_time_format("medium", locale=locale)
    date_pattern = get_date_format("medium", locale=locale)
    numeric = _numeric(
        combined.replace("%", "%%")
        .replace("{0}", time_pattern.format)
        .replace("{1}", date_pattern.format)
    )
    if numeric is not None:
        template, attributes = numeric
        numbers = attrgetter(*attributes)
        return (lambda value: template % numbers(value.astimezone(zone))), template

    def babel(value: datetime) -> str:
        value = value.astimezone(zone)
        return combined.replace("{0}", time_pattern.apply(value, locale)).replace(
            "{1}", date_pattern.apply(value, locale)
        )

    return babel, None


def _html_datetime_formatter() -> Callable[[datetime], str]:
    """`datetime_formatter()` for HTML: numbers between separators that need no escaping
    are written as they are (German), anything else is escaped."""
    write, template = _formatter()
    if template is not None and str(escape(template)) == template:
        return write
    return lambda value: str(escape(write(value)))


class _ContextTexts:
    """The labels of an item's context in one language (see `_texts`)."""

    def __init__(self):
        # The catalogue is looked up once; flask_babel's gettext would look it up per call.
        # Plain calls with literal strings, so that the message extractor finds them.
        translations = get_translations()
        _ = translations.ugettext
        self._ngettext = translations.ungettext
        self.strategy = escape(_("Strategy"))
        self.section = escape(_("Section"))
        self.paragraph = escape(_("Paragraph"))
        self.deleted_account = escape(_("deleted account"))
        # The placeholder is filled in per item (escaped).
        self.in_reply_to = str(escape(_("In reply to %(name)s")))
        self.author = escape(_("Author"))
        guest = escape(_("guest"))
        self.guest = f" ({guest})"
        self.received = escape(_("Received"))
        self.channel = escape(_("Channel"))
        self._channel_notes: dict[tuple, str] = {}
        self.edited = escape(_("edited"))
        self.state = escape(_("State"))
        self.not_reviewed = escape(_("not yet reviewed"))
        self.states = {state: escape(state_label(state)) for state in ModerationState}
        self.when = _html_datetime_formatter()
        # Strategies and sections repeat from item to item (and from page to page).
        self.titles: dict[str, str] = {}
        self._further: dict[int, str] = {}
        self._state_texts: dict[tuple, str] = {}
        self._reports: dict[int, str] = {}

    def state_text(self, state, reviewed_at, report_count: int) -> str:
        """ "published – not yet reviewed – 2 open reports": a few combinations per page."""
        key = (state, reviewed_at is None, report_count)
        text = self._state_texts.get(key)
        if text is None:
            text = self.states[state]
            if state == ModerationState.PUBLISHED and reviewed_at is None:
                text = f"{text} – {self.not_reviewed}"
            if report_count:
                text = f"{text} – {self.reports(report_count)}"
            self._state_texts[key] = text
        return text

    def channel_note(self, channel, received_on, workshop_title) -> str:
        """ "received by letter on 12.11.2026" (entered by the office) as a context row."""
        key = (channel, received_on, workshop_title)
        html = self._channel_notes.get(key)
        if html is None:
            if len(self._channel_notes) > 500:
                self._channel_notes.clear()
            html = self._channel_notes[key] = (
                f"\n<dt>{self.channel}</dt><dd>"
                f"{escape(channel_note(channel, received_on, workshop_title))}</dd>"
            )
        return html

    def further(self, num: int) -> str:
        text = self._further.get(num)
        if text is None:
            ngettext = self._ngettext
            text = ngettext("%(num)d further contribution", "%(num)d further contributions", num)
            text = self._further[num] = escape(text % {"num": num})
        return text

    def reports(self, num: int) -> str:
        text = self._reports.get(num)
        if text is None:
            ngettext = self._ngettext
            text = ngettext("%(num)d open report", "%(num)d open reports", num)
            text = self._reports[num] = escape(text % {"num": num})
        return text


def _context(item: QueueItem, t: _ContextTexts) -> str:
    c = item.contribution
    titles = t.titles
    strategy = titles.get(item.strategy_title)
    if strategy is None:
        strategy = titles[item.strategy_title] = str(escape(item.strategy_title))
    html = f'<dl class="moderation-context">\n<dt>{t.strategy}</dt><dd>{strategy}</dd>'
    if item.section_title:
        section = titles.get(item.section_title)
        if section is None:
            section = titles[item.section_title] = str(escape(item.section_title))
        html += f"\n<dt>{t.section}</dt><dd>{section}</dd>"
    if item.paragraph_excerpt:
        html += f"\n<dt>{t.paragraph}</dt><dd><q>{escape(item.paragraph_excerpt)}</q></dd>"
    if item.parent_excerpt:
        # A deleted account's name is erased; the parent is then named as the pages name it.
        parent = escape(item.parent_author) if item.parent_author else t.deleted_account
        name = t.in_reply_to % {"name": parent}
        html += f"\n<dt>{name}</dt><dd><q>{escape(item.parent_excerpt)}</q></dd>"
    edited = c.edited_at
    channel = getattr(c, "channel", None) or "online"
    if channel != "online":
        name = escape(c.display_name or anonymous_name(channel))
        author = f"{name} – {t.further(item.other_contributions)}</dd>"
        author += t.channel_note(channel, c.received_on, c.workshop_title)
    else:
        name = (
            escape(c.display_name) if c.display_name or c.author_id is None else t.deleted_account
        )
        author = (
            f"{name}{t.guest if c.author_id is None else ''} – "
            f"{t.further(item.other_contributions)}</dd>"
        )
    return (
        f"{html}\n<dt>{t.author}</dt><dd>{author}"
        f"\n<dt>{t.received}</dt><dd>{t.when(c.created_at)}"
        f"{f', {t.edited} {t.when(edited)}' if edited else ''}</dd>"
        f"\n<dt>{t.state}</dt><dd>{t.state_text(c.state, c.reviewed_at, c.report_count)}</dd>"
        "\n</dl>"
    )


def render_context(item: QueueItem) -> Markup:
    """The context of one item (the detail page)."""
    return Markup(_context(item, _texts(None)[0]))  # noqa: S704  (escaped in _context)


class _ItemTexts:
    """The labels of an item's heading and decision form in one language, with the reasons
    offered (see `_texts`)."""

    def __init__(self, reasons: Iterable[tuple[str, str]]):
        translations = get_translations()
        _ = translations.ugettext
        self.select = escape(_("Select"))
        # "– contribution 12" for screen readers, with \x01 for the number.
        number = 987654321
        contribution = escape(_("contribution %(id)d") % {"id": number})
        contribution = contribution.replace(str(number), "\x01")
        self.sr = f'<span class="kern-sr-only"> – {contribution}</span>'
        self.reason = escape(_("Reason for rejecting"))
        self.kinds = {kind: escape(str(label)) for kind, label in KIND_LABELS.items()}
        self.actions = {action: escape(str(label)) for action, label in ACTION_LABELS.items()}
        choose = escape(_("– choose a reason –"))
        self.options = f'<option value="">{choose}</option>' + "".join(
            f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in reasons
        )


def _texts(reasons: tuple | None) -> tuple[_ContextTexts, _ItemTexts | None]:
    """The labels in the reader's language and time zone: translated once per process and
    language (the catalogues do not change while it runs), which saves a fifth of writing
    a page. Their small caches of escaped titles and counts are kept with them, bounded."""
    key = (str(get_locale()), str(get_timezone()))
    context = _context_texts(*key)
    if len(context.titles) > 500 or len(context._further) > 500:
        context.titles.clear()
        context._further.clear()
    return context, (_item_texts(*key, reasons) if reasons is not None else None)


@lru_cache(maxsize=8)
def _context_texts(locale: str, zone: str) -> _ContextTexts:
    return _ContextTexts()


@lru_cache(maxsize=32)
def _item_texts(locale: str, zone: str, reasons: tuple) -> _ItemTexts:
    return _ItemTexts(reasons)


@dataclass(frozen=True)
class _Page:
    """What an item's markup depends on besides the item itself: language, time zone, the
    reasons offered, the address to come back to and the links of the application."""

    locale: str
    zone: str
    reasons: tuple
    back: str
    detail: tuple[str, str]
    decide: tuple[str, str]


@lru_cache(maxsize=256)
def _decision_form(page: _Page, state: str, actions: tuple) -> tuple[str, str]:
    """The decision form of a contribution in `state` that allows `actions`, with \x01 for
    its id and \x02 for its revision, in two parts: before and after the CSRF token."""
    t = _item_texts(page.locale, page.zone, page.reasons)
    reject = Action.REJECT
    before = (
        f'<form method="post" action="{page.decide[0]}\x01{page.decide[1]}" '
        'class="decision-form">\n<input type="hidden" name="csrf_token" value="'
    )
    out = [
        f'">\n<input type="hidden" name="state" value="{escape(state)}">\n'
        '<input type="hidden" name="revision" value="\x02">\n'
        f'<input type="hidden" name="back" value="{escape(page.back)}">\n'
        '<div class="form-actions">'
    ]
    kind = "primary"
    for action in actions:
        if action is not reject:
            out.append(
                f'\n<button type="submit" class="kern-btn kern-btn--{kind}" name="action" '
                f'value="{action.value}"><span class="kern-label">{t.actions[action]}{t.sr}'
                "</span></button>"
            )
            kind = "secondary"
    out.append("\n</div>")
    if reject in actions:
        out.append(
            '\n<div class="reject-group">\n<div class="kern-form-input">\n'
            f'<label class="kern-label" for="reason-\x01">{t.reason}{t.sr}</label>\n'
            '<div class="kern-form-input__select-wrapper">\n'
            '<select class="kern-form-input__select" id="reason-\x01" name="reason">'
            f"{t.options}</select>\n</div>\n</div>\n"
            '<button type="submit" class="kern-btn kern-btn--secondary" name="action" '
            f'value="reject"><span class="kern-label">{t.actions[reject]}{t.sr}</span>'
            "</button>\n</div>"
        )
    out.append("\n</form>")
    return before, "".join(out)


class _Decidable:
    """What `services.allowed_actions` reads of a contribution (its state, whether it has
    been reviewed, its open reports) and nothing else: should the rule ever read more, this
    fails loudly instead of the kept markup going stale."""

    __slots__ = ("state", "reviewed_at", "report_count")

    def __init__(self, contribution):
        self.state = contribution.state
        self.reviewed_at = contribution.reviewed_at
        self.report_count = contribution.report_count


# Items' markup by item and page, in two parts around the page's CSRF token: moderators open
# the queue again after every decision and see the same items, and hashing an item costs a
# fifth of writing it. About 1,000 items of 3 kB.
@lru_cache(maxsize=1024)
def _item(item: QueueItem, page: _Page) -> tuple[str, str]:
    c = item.contribution
    context_texts = _context_texts(page.locale, page.zone)
    t = _item_texts(page.locale, page.zone, page.reasons)
    cid = str(c.id)
    state = c.state.value  # one of ModerationState's values: nothing to escape
    form_start, form_end = _decision_form(page, state, tuple(allowed_actions(_Decidable(c))))
    title = c.title
    detail = page.detail
    return (
        f'<li class="queue-item" id="eintrag-{cid}">\n'
        f'<article aria-labelledby="eintrag-{cid}-titel">\n'
        f'<h3 class="kern-heading-small" id="eintrag-{cid}-titel"><a class="kern-link" '
        f'href="{detail[0]}{cid}{detail[1]}">{t.kinds[c.kind]} {cid}'
        f"{f': {escape(title)}' if title else ''}</a></h3>\n"
        '<div class="kern-form-check">\n'
        '<input class="kern-form-check__checkbox" type="checkbox" form="bulk" name="items" '
        f'id="waehlen-{cid}" value="{cid}:{state}:{c.revision}">\n'
        f'<label class="kern-label" for="waehlen-{cid}">{t.select}'
        f"{t.sr.replace(chr(1), cid)}</label>\n"
        f"</div>\n{_context(item, context_texts)}\n"
        f'<div class="contribution-body">{c.body_html}</div>\n'
        f"{form_start.replace(chr(1), cid)}",
        f"{form_end.replace(chr(1), cid).replace(chr(2), str(c.revision))}\n</article>\n</li>\n",
    )


def render_items(
    items: list[QueueItem], *, back: str, reasons: Iterable[tuple[str, str]]
) -> Markup:
    """The `<li>` of each item: heading, selection for the bulk form, context, text and the
    decision form (with the page's CSRF token, and `back` to return to this page).
    `reasons`: `labels.rejection_choices()`, read once for the page."""
    reasons = tuple(reasons)
    _texts(reasons)  # translated for this language (and bounded) before items are written
    page = _Page(
        str(get_locale()),
        str(get_timezone()),
        reasons,
        back,
        # The links differ only in the contribution's id: built once, filled in per item.
        tuple(escape(url_for("moderation.detail", id=987654321, zurueck=back)).split("987654321")),
        tuple(escape(url_for("moderation.decide", id=987654321)).split("987654321")),
    )
    token = str(escape(generate_csrf()))
    out: list[str] = []
    for item in items:
        start, end = _item(item, page)
        out += (start, token, end)
    # Every user-supplied value above went through escape(); bodies were sanitised on save.
    return Markup("".join(out))  # noqa: S704


# --- the page's forms ---------------------------------------------------------------------

_FRAGMENTS = FragmentCache(256)


def fragment(template: str, key: tuple, context: Callable[[], dict]) -> Markup:
    """`template` rendered with what `context()` returns, kept (per process, the 256 last
    used) by `key` with the language and the application's root added: what the template
    writes must depend on nothing else. The queue's filter and bulk forms are 10 fields
    through the KERN field macro, which costs a quarter of the page each time; their output
    changes only with the language, the submitted filters and the lists offered."""
    if not caching_allowed():  # templates edited while developing
        return Markup(render_template(template, **context()))  # noqa: S704
    key = (template, str(get_locale()), request.script_root, *key)
    html = _FRAGMENTS.get(key)
    if html is None:
        html = render_template(template, **context())
        _FRAGMENTS.put(key, html)
    return Markup(html)  # noqa: S704  (a template's output)
