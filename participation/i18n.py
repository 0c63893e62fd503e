"""Language choice: German by default, English on request, remembered in a cookie and
on the account."""

import functools

from babel import support
from flask import Blueprint, current_app, has_request_context, redirect, request
from flask.globals import _cv_app
from flask_babel import Domain, get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup, escape
from wtforms.i18n import messages_path

from participation.extensions import babel, db
from participation.navigation import safe_next
from participation.permissions import public

LANG_COOKIE = "lang"
bp = Blueprint("i18n", __name__)


class LazyText(LazyString):
    """A text translated when it is used that may carry people's words (a department's name).
    Flask-Babel's LazyString calls itself safe HTML (its `__html__` returns the text as it is),
    so Jinja would put it into a page or an HTML mail unescaped; this one is escaped."""

    def __html__(self):
        return str(escape(str(self)))


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # CLI commands and workers speak the installation's default language.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.post("/sprache")
@public
def switch():
    lang = request.form.get("lang", "")
    response = redirect(safe_next(request.form.get("next")))
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
            db.session.commit()
    return response


@functools.lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def current_translations():
    """The catalogue of the current language, found once per request and language.

    Flask-Babel looks it up anew for every string, through several context-local proxies;
    a section page translates a few hundred strings (templates, form labels, lazy strings),
    and that lookup cost more than the rest of the page's templates. The result is kept on
    `g` next to the locale object it belongs to, so `force_locale` (mails in the recipient's
    language) and a language switch (which replace that object) are noticed."""
    ctx = _cv_app.get(None)
    if ctx is None:
        return Domain.get_translations(babel.domain_instance)
    state = ctx.g.__dict__
    locale = getattr(state.get("_flask_babel"), "babel_locale", None)
    kept = state.get("_participation_translations")
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = Domain.get_translations(babel.domain_instance)
    state["_participation_translations"] = (
        getattr(state.get("_flask_babel"), "babel_locale", None),
        translations,
    )
    return translations


class _RequestCachedDomain(Domain):
    """Flask-Babel's message domain, with the lookup of `current_translations` behind every
    gettext call: Python's `_()`, lazy strings and WTForms labels too."""

    def get_translations(self):
        return current_translations()


@pass_eval_context
def _template_gettext(eval_ctx, string, /, **variables):
    # The semantics of Jinja's "newstyle" gettext: escaped where the template autoescapes,
    # and always a format string. Called directly rather than through Jinja's wrapper,
    # which resolves and calls the function through the template context twice per string.
    text = current_translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704  (our own catalogue; the variables get escaped)
    return text % variables


@pass_eval_context
def _template_ngettext(eval_ctx, singular, plural, num, /, **variables):
    variables.setdefault("num", num)
    text = current_translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704  (our own catalogue; the variables get escaped)
    return text % variables


def _install_template_gettext(app) -> None:
    # Flask-Babel has installed the i18n extension (newstyle); its pgettext/npgettext reach
    # the catalogue through the cached domain. The two used on every page are replaced.
    app.jinja_env.globals.update(
        gettext=_template_gettext, _=_template_gettext, ngettext=_template_ngettext
    )


def register(app) -> None:
    # The Babel object is shared by every app of the process; its domain is set once.
    if not isinstance(babel.__dict__.get("domain_instance"), _RequestCachedDomain):
        babel.domain_instance = _RequestCachedDomain(
            domain=app.config.get("BABEL_DOMAIN", "messages")
        )
    _install_template_gettext(app)

    @app.before_request
    def wtforms_translations():
        # Flask-WTF would read WTForms' catalogue from disk on every request; the catalogue
        # never changes while the process runs, so it is read once per language.
        request.wtforms_translations = _wtforms_catalogue(str(get_locale()))
