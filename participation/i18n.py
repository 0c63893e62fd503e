"""Language choice: German by default, English on request, remembered in a cookie and
on the account."""

import functools

from babel import support
from flask import Blueprint, current_app, has_request_context, redirect, request
from flask_babel import get_locale
from flask_login import current_user
from wtforms.i18n import messages_path

from participation.extensions import db
from participation.navigation import safe_next
from participation.permissions import public

LANG_COOKIE = "lang"
bp = Blueprint("i18n", __name__)


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


def register(app) -> None:
    @app.before_request
    def wtforms_translations():
        # Flask-WTF would read WTForms' catalogue from disk on every request; the catalogue
        # never changes while the process runs, so it is read once per language.
        request.wtforms_translations = _wtforms_catalogue(str(get_locale()))
