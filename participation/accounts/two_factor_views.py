"""Pages of two-factor login: the second login step and the settings in the account area.

Routes hang on the accounts blueprint (imported at the end of accounts/views.py). The
before-request check keeps staff who must use a second factor on its setup page.
"""

from flask import flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from participation.accounts import two_factor
from participation.accounts.services import AccountError
from participation.accounts.views import STRICT, _attach, _finish_login, _me, bp
from participation.extensions import db, limiter
from participation.navigation import safe_next
from participation.permissions import login_required, public


def _code_field():
    return StringField(
        _l("Code"),
        validators=[
            InputRequired(_l("Please enter the code.")),
            Length(max=20, message=_l("This code is too long.")),
        ],
        # No value is ever rendered back into the field: a used code must not linger.
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "text",
            "spellcheck": "false",
            "autocapitalize": "off",
            "maxlength": 20,
        },
    )


class CodeForm(FlaskForm):
    code = _code_field()


class DisableForm(FlaskForm):
    password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Please enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    code = _code_field()


class StartForm(FlaskForm):
    """A button only: the form carries the CSRF token."""


def _no_store(response):
    """Pages with a secret or recovery codes must not stay in a cache or the history."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _blank(form: FlaskForm) -> FlaskForm:
    for name in ("code", "password"):
        if name in form._fields:
            form._fields[name].data = ""
            form._fields[name].raw_data = []
    return form


# --- the second login step -----------------------------------------------------------------


def _pending_key() -> str:
    """Rate-limit the code step per account, not only per address."""
    marker = two_factor.pending(session)
    return f"two-factor:{marker['u']}" if marker else f"two-factor-ip:{request.remote_addr}"


@bp.route("/anmelden/code", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"], key_func=_pending_key)
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for(".settings"))
    marker = two_factor.pending(session)
    user = two_factor.pending_user(marker) if marker else None
    if user is None:
        session.pop(two_factor.PENDING_KEY, None)
        flash(_("Your login has expired. Please log in again with your password."), "info")
        return redirect(url_for(".login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            used = two_factor.check_second_factor(user, form.code.data)
        except AccountError as error:
            db.session.commit()  # a replay leaves nothing, but keep the session clean
            if two_factor.count_failure(session, marker):
                flash(
                    _("Too many wrong codes. Please log in again with your password."),
                    "warning",
                )
                return redirect(url_for(".login"))
            _attach(form, error)
        else:
            db.session.commit()
            _finish_login(user, remember=marker["r"])
            if used == "recovery":
                remaining = two_factor.remaining_recovery_codes(user)
                flash(
                    ngettext(
                        "You logged in with a recovery code; it cannot be used again. "
                        "%(num)d recovery code is left.",
                        "You logged in with a recovery code; it cannot be used again. "
                        "%(num)d recovery codes are left.",
                        remaining,
                    ),
                    "warning",
                )
            return redirect(safe_next(marker["n"]))
    return render_template("accounts/two_factor_login.html", form=_blank(form))


# --- settings ------------------------------------------------------------------------------


def _settings_page(code_form=None, disable_form=None, recovery_form=None, codes=None):
    user = _me()
    context = {
        "user": user,
        "start_form": StartForm(formdata=None),
        "code_form": _blank(code_form or CodeForm(prefix="setup", formdata=None)),
        "disable_form": _blank(disable_form or DisableForm(prefix="off", formdata=None)),
        "recovery_form": _blank(recovery_form or CodeForm(prefix="renew", formdata=None)),
        "codes": codes,
        "required": two_factor.is_required_for(user),
    }
    if user.two_factor_enabled:
        context["remaining"] = two_factor.remaining_recovery_codes(user)
    elif user.totp_secret:
        uri = two_factor.provisioning_uri(user)
        context["uri"] = uri
        context["secret"] = two_factor.grouped_secret(user.totp_secret)
        context["qr"] = two_factor.qr_code_data_uri(uri)
    return _no_store(render_template("accounts/two_factor.html", **context))


@bp.get("/zwei-faktor")
@login_required
def two_factor_settings():
    return _settings_page()


@bp.post("/zwei-faktor/einrichten")
@login_required
@limiter.limit(STRICT)
def two_factor_start():
    form = StartForm()
    if form.validate_on_submit():
        try:
            two_factor.start_setup(_me())
        except AccountError as error:
            flash(error.message, "warning")
        else:
            db.session.commit()
    return redirect(url_for(".two_factor_settings"))


@bp.post("/zwei-faktor/bestaetigen")
@login_required
@limiter.limit(STRICT)
def two_factor_confirm():
    form = CodeForm(prefix="setup")
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_setup(_me(), form.code.data)
        except AccountError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            flash(_("Two-factor login is switched on."), "success")
            return _settings_page(codes=codes)
    return _settings_page(code_form=form)


@bp.post("/zwei-faktor/wiederherstellungscodes")
@login_required
@limiter.limit(STRICT)
def two_factor_recovery_codes():
    form = CodeForm(prefix="renew")
    if form.validate_on_submit():
        try:
            codes = two_factor.regenerate_recovery_codes(_me(), form.code.data)
        except AccountError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            flash(_("New recovery codes are made; the old ones no longer work."), "success")
            return _settings_page(codes=codes)
    return _settings_page(recovery_form=form)


@bp.post("/zwei-faktor/ausschalten")
@login_required
@limiter.limit(STRICT)
def two_factor_disable():
    form = DisableForm(prefix="off")
    if form.validate_on_submit():
        try:
            two_factor.disable(_me(), form.password.data, form.code.data)
        except AccountError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            flash(_("Two-factor login is switched off."), "info")
            return redirect(url_for(".two_factor_settings"))
    return _settings_page(disable_form=form)


# --- staff who must use it -----------------------------------------------------------------

# What staff without a second factor may still open: the setup itself, logging out, the
# language switch and the legal pages.
OPEN_WITHOUT_SECOND_FACTOR = {
    "static",
    "accounts.logout",
    "accounts.two_factor_settings",
    "accounts.two_factor_start",
    "accounts.two_factor_confirm",
    "accounts.two_factor_recovery_codes",
    "i18n.switch",
    "pages.show",
}


@bp.before_app_request
def require_second_factor_for_staff():
    if request.endpoint in OPEN_WITHOUT_SECOND_FACTOR or request.endpoint is None:
        return None
    if not current_user.is_authenticated or not two_factor.must_set_up(current_user):
        return None
    flash(
        _("Your role requires two-factor login. Please set it up before you continue."),
        "warning",
    )
    return redirect(url_for("accounts.two_factor_settings"))
