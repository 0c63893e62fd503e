"""Legal pages."""

from flask import Blueprint, render_template
from flask_babel import get_locale

from participation.pages.models import PageSlug
from participation.pages.services import page_content
from participation.permissions import public

bp = Blueprint("pages", __name__)


@bp.get("/<any(impressum, datenschutz, barrierefreiheit, netiquette):slug>")
@public
def show(slug: str):
    title, body_html, updated_at, is_default = page_content(PageSlug(slug), str(get_locale()))
    return render_template(
        "pages/show.html",
        slug=slug,
        title=title,
        body_html=body_html,
        updated_at=updated_at,
        is_default=is_default,
    )
