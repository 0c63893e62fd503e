"""Legal pages: the administrator's text if there is one, else the shipped default.

Defaults live in `participation/pages/defaults/<locale>/<slug>.md`: the first line is the
title (`# Title`), the rest the body. Texts may contain the placeholders in `PLACEHOLDERS`
(`{municipality}`, `{office}`, `{base_url}`, the contacts of the privacy notice and the
accessibility statement, the retention periods); they are filled from the configuration by
plain string replacement (never a template engine: the text is written by administrators).
Nothing is cached in process memory, so several app servers always show the same text.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from participation.events.services import record
from participation.extensions import db
from participation.markup import render_document
from participation.pages.models import Page, PageSlug

DEFAULTS = Path(__file__).parent / "defaults"
# Placeholder -> configuration key (the contacts default to bracketed "[... ]" reminders).
PLACEHOLDERS = {
    "controller_address": "CONTROLLER_ADDRESS",
    "controller_email": "CONTROLLER_EMAIL",
    "controller_phone": "CONTROLLER_PHONE",
    "dpo_contact": "DPO_CONTACT",
    "supervisory_authority": "SUPERVISORY_AUTHORITY",
    "accessibility_contact": "ACCESSIBILITY_CONTACT",
    "enforcement_body": "ACCESSIBILITY_ENFORCEMENT_BODY",
    "statement_date": "ACCESSIBILITY_STATEMENT_DATE",
    "guest_email_days": "PRIVACY_GUEST_EMAIL_DAYS",
    "mail_days": "OUTBOX_KEEP_SENT_DAYS",
}
PLACEHOLDER = re.compile(r"\{(municipality|office|base_url|" + "|".join(PLACEHOLDERS) + r")\}")
TITLE_MAX = 200


class PageError(ValueError):
    """A page could not be saved; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StalePageError(PageError):
    """Someone else saved or reset the page since the form was opened."""

    def __init__(self, message: str, current_title: str, current_body_md: str, revision: int):
        super().__init__(message)
        self.current_title = current_title
        self.current_body_md = current_body_md
        self.revision = revision


@dataclass(frozen=True)
class Default:
    title: str
    body_md: str


def substitute(text: str) -> str:
    """Fill the known placeholders; anything else in braces stays as written."""
    config = current_app.config
    values = {
        "municipality": config["MUNICIPALITY_NAME"],
        "office": config["OFFICE_NAME"],
        "base_url": config["BASE_URL"].rstrip("/"),
        **{name: str(config[key]) for name, key in PLACEHOLDERS.items()},
    }
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _locale(locale: str) -> str:
    languages = current_app.config["LANGUAGES"]
    return locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def default_text(slug: PageSlug | str, locale: str) -> Default:
    """The shipped text with its placeholders still in it (what the edit form starts from)."""
    slug = PageSlug(slug)
    path = DEFAULTS / _locale(locale) / f"{slug.value}.md"
    source = path.read_text(encoding="utf-8")
    first, _, rest = source.partition("\n")
    return Default(title=first.removeprefix("#").strip(), body_md=rest.strip() + "\n")


def get_page(slug: PageSlug | str, locale: str) -> Page | None:
    return db.session.scalars(
        select(Page).where(Page.slug == PageSlug(slug), Page.locale == _locale(locale))
    ).one_or_none()


def render_body(body_md: str) -> str:
    return render_document(substitute(body_md)).html


def page_content(slug: PageSlug | str, locale: str) -> tuple[str, str, datetime | None, bool]:
    """(title, html, updated_at or None, is_default) for the page in that language."""
    page = get_page(slug, locale)
    if page is not None:
        return substitute(page.title), page.body_html, page.updated_at, False
    default = default_text(slug, locale)
    return substitute(default.title), render_body(default.body_md), None, True


def _stale(page: Page | None, slug: PageSlug, locale: str) -> StalePageError:
    from flask_babel import gettext

    if page is None:
        default = default_text(slug, locale)
        title, body, revision = default.title, default.body_md, 0
    else:
        title, body, revision = page.title, page.body_md, page.revision
    return StalePageError(
        gettext(
            "Someone else changed this page while you were editing it. Your text was not "
            "saved. The current text is shown below the form; please merge your changes "
            "and save again."
        ),
        current_title=title,
        current_body_md=body,
        revision=revision,
    )


def _snapshot(page: Page) -> dict:
    return {"title": page.title, "body_md": page.body_md, "revision": page.revision}


def save_page(
    slug: PageSlug | str,
    locale: str,
    *,
    actor,
    title: str,
    body_md: str,
    expected_revision: int,
) -> Page:
    """Store the administrator's text. `expected_revision` is the revision the form was
    opened with (0 while the default applied); a different current revision raises
    `StalePageError` and changes nothing."""
    from flask_babel import gettext

    slug, locale = PageSlug(slug), _locale(locale)
    title, body_md = title.strip(), body_md.strip()
    if not title:
        raise PageError(gettext("Please enter a title."), field="title")
    if len(title) > TITLE_MAX:
        raise PageError(
            gettext("The title may be at most %(max)d characters long.", max=TITLE_MAX),
            field="title",
        )
    if not body_md:
        raise PageError(gettext("Please enter the text of the page."), field="body_md")

    page = get_page(slug, locale)
    current = page.revision if page is not None else 0
    if current != expected_revision:
        raise _stale(page, slug, locale)

    body_md += "\n"
    html = render_body(body_md)
    if page is None:
        page = Page(
            slug=slug,
            locale=locale,
            title=title,
            body_md=body_md,
            body_html=html,
            updated_by_id=actor.id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(page)
        except IntegrityError:
            # Another administrator created the row at the same moment.
            raise _stale(get_page(slug, locale), slug, locale) from None
        record("page.created", page, actor, None, _snapshot(page))
        return page

    before = _snapshot(page)
    page.title, page.body_md, page.body_html = title, body_md, html
    page.updated_by_id = actor.id
    try:
        with db.session.begin_nested():
            db.session.flush()
    except StaleDataError:
        # The row changed between our read and our write (version_id_col caught it).
        raise _stale(get_page(slug, locale), slug, locale) from None
    record("page.updated", page, actor, before, _snapshot(page))
    return page


def reset_page(slug: PageSlug | str, locale: str, *, actor) -> bool:
    """Back to the shipped default: the administrator's row is deleted (the event log
    keeps its text). False if the default already applied."""
    page = get_page(slug, locale)
    if page is None:
        return False
    record("page.reset", page, actor, _snapshot(page), None)
    db.session.delete(page)
    db.session.flush()
    return True


def overview(locales) -> list[dict]:
    """For the admin list: every page in every language, customised or default."""
    pages = {(page.slug, page.locale): page for page in db.session.scalars(select(Page))}
    return [
        {
            "slug": slug,
            "locale": locale,
            "title": substitute(
                pages[(slug, locale)].title
                if (slug, locale) in pages
                else default_text(slug, locale).title
            ),
            "page": pages.get((slug, locale)),
        }
        for slug in PageSlug
        for locale in locales
    ]
