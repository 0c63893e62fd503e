"""The blank posting form, rendered once per variant.

Section pages, reply pages and idea pages show an empty posting form to every reader.
Rendering its fields through WTForms and the field macros costs about an eighth of a
section page, yet a blank form differs only by language, login state, target, paragraph,
the page it sits on and the CSRF token. So it is rendered once per variant and the
reader's token is put in on every use. A form that carries input or errors is always
rendered afresh.
"""

from flask import request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from participation.fragments import FragmentCache, caching_allowed

# Where the token goes; NUL appears in no token and no rendered form.
_PLACEHOLDER = "\x00csrf\x00"
_cache = FragmentCache(2048)


def _is_blank(form) -> bool:
    if form.errors or form.form_errors:
        return False
    return not any(field.data for field in form if field.name not in ("csrf_token", "absatz"))


def cached_blank_form(form, *variant, caller):
    """Jinja call block: `{% call cached_blank_form(form, action, ...) %}…{% endcall %}`."""
    if not _is_blank(form) or not caching_allowed():
        return caller()
    absatz = form.absatz.data if "absatz" in form else None
    key = (
        type(form).__name__,
        str(get_locale()),
        bool(current_user.is_authenticated),
        absatz,
        request.full_path,
        *variant,
    )
    token = generate_csrf()
    html = _cache.get(key)
    if html is None:
        rendered = str(caller())
        if token not in rendered:
            return Markup(rendered)  # noqa: S704  (rendered by the template itself)
        html = rendered.replace(token, _PLACEHOLDER)
        _cache.put(key, html)
    # The cached text was rendered (and escaped) by the template; only the token is new.
    return Markup(html.replace(_PLACEHOLDER, token))  # noqa: S704
