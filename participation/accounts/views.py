"""Registration, confirmation, login, logout, password reset and account settings.

Thin views: parse the form, call a service in services.py, commit once, redirect.
"""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from participation.accounts import services, two_factor
from participation.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    EmailForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from participation.accounts.labels import role_labels
from participation.accounts.services import AccountError
from participation.accounts.tokens import TokenExpired, TokenInvalid
from participation.discussion import display
from participation.extensions import db, limiter
from participation.navigation import safe_next
from participation.permissions import login_required, public

bp = Blueprint("accounts", __name__)

STRICT = "5 per minute; 30 per hour"


def _attach(form, error: AccountError) -> None:
    """Show a service's refusal next to its field (or above the form)."""
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _me():
    """The signed-in user itself, not the proxy (services and the event log need the model)."""
    return current_user._get_current_object()


def _remember_cookie_present() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


# What a guest did in this browser before logging in and may still do afterwards: edit or
# withdraw the contributions it posted as a guest.
CARRIED_OVER = (display.GUEST_IDS_KEY, display.GUEST_EMAILS_KEY)


def _start_session(user, remember: bool) -> None:
    """A fresh session for `user`: nothing from before the login carries over but the
    browser's own guest contributions."""
    had_cookie = _remember_cookie_present()
    kept = {key: session[key] for key in CARRIED_OVER if key in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=remember)
    if not remember and had_cookie:
        session["_remember"] = "clear"  # drop a remember-me cookie left from earlier


# --- registration and confirmation -------------------------------------------------------


@bp.route("/registrieren", methods=["GET", "POST"])
@public
@limiter.limit(STRICT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for(".settings"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register(
                form.email.data,
                form.display_name.data,
                form.password.data,
                locale=str(get_locale()),
            )
        except AccountError as error:
            _attach(form, error)
        else:
            db.session.commit()
            return redirect(url_for(".check_inbox", grund="registrierung"))
    return render_template("accounts/register.html", form=form)


@bp.get("/postfach")
@public
def check_inbox():
    return render_template(
        "accounts/check_inbox.html",
        reason=request.args.get("grund"),
        period=services.validity(current_app.config["EMAIL_CONFIRM_MAX_AGE"]),
    )


@bp.route("/bestaetigen/<token>", methods=["GET", "POST"])
@public
def confirm(token: str):
    """The link shows a button; only the POST confirms, so that a mail scanner opening every
    link cannot confirm an address for someone who registered it without its owner."""
    form = ConfirmForm()
    try:
        if not form.validate_on_submit():
            services.check_confirmation(token)
            return render_template("accounts/confirm.html", form=form)
        services.confirm_email(token)
    except TokenInvalid as error:
        return render_template(
            "accounts/link_failed.html",
            expired=isinstance(error, TokenExpired),
            kind="confirm",
            form=EmailForm(formdata=None),
        )
    db.session.commit()
    flash(_("Thank you, your e-mail address is confirmed."), "success")
    if current_user.is_authenticated:
        return redirect(url_for(".settings"))
    return redirect(url_for(".login"))


@bp.route("/bestaetigung-erneut", methods=["GET", "POST"])
@public
@limiter.limit(STRICT, methods=["POST"])
def resend_confirmation():
    form = EmailForm()
    if not form.is_submitted() and current_user.is_authenticated:
        form.email.data = current_user.email
    if form.validate_on_submit():
        services.resend_confirmation(form.email.data)
        db.session.commit()
        flash(
            _(
                "If there is an unconfirmed account for this address, we have sent a new "
                "confirmation link to it."
            ),
            "info",
        )
        return redirect(url_for(".check_inbox", grund="bestaetigung"))
    return render_template("accounts/resend.html", form=form)


# --- login and logout ----------------------------------------------------------------------


@bp.route("/anmelden", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():
    form = LoginForm()
    if not form.is_submitted():
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(safe_next(form.next.data))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except AccountError as error:
            _attach(form, error)
        else:
            db.session.commit()
            if user.two_factor_enabled:
                # Not logged in until the code is entered: only a short-lived marker.
                session.clear()
                two_factor.start_pending(session, user, form.remember.data, form.next.data)
                return redirect(url_for(".login_code"))
            _finish_login(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data))
    return render_template("accounts/login.html", form=form)


def _finish_login(user, remember: bool) -> None:
    services.record_login(user)
    db.session.commit()
    _start_session(user, remember=remember)
    flash(_("Welcome, %(name)s. You are logged in.", name=user.display_name), "success")
    if not user.email_confirmed:
        flash(
            _(
                "Your e-mail address is not confirmed yet. Please use the link in "
                "our e-mail; you can request a new one in your account."
            ),
            "warning",
        )


@bp.post("/abmelden")
@public
def logout():
    logout_user()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("strategies.index"))


# --- forgotten password --------------------------------------------------------------------


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
@public
@limiter.limit(STRICT, methods=["POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If there is an account for this address, we have sent a link to set a new "
                "password to it."
            ),
            "info",
        )
        return redirect(url_for(".check_inbox", grund="passwort"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/passwort-neu/<token>", methods=["GET", "POST"])
@public
@limiter.limit(STRICT, methods=["POST"])
def reset_password(token: str):
    try:
        user = services.user_for_reset(token)
    except TokenInvalid as error:
        return render_template(
            "accounts/link_failed.html", expired=isinstance(error, TokenExpired), kind="reset"
        )
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except AccountError as error:
            _attach(form, error)
        except TokenInvalid:
            db.session.rollback()
            return render_template("accounts/link_failed.html", expired=False, kind="reset")
        else:
            db.session.commit()
            logout_user()
            flash(
                _("Your new password is set. Please log in with it."),
                "success",
            )
            return redirect(url_for(".login"))
    return render_template("accounts/reset_password.html", form=form, user=user)


# --- settings ------------------------------------------------------------------------------


def _settings(profile=None, password=None, email=None):
    return render_template(
        "accounts/settings.html",
        profile_form=profile or ProfileForm(prefix="profile", obj=current_user, formdata=None),
        password_form=password or ChangePasswordForm(prefix="pw", formdata=None),
        email_form=email or ChangeEmailForm(prefix="mail", formdata=None),
        role_labels=role_labels(current_user.roles),
    )


@bp.get("/")
@login_required
def settings():
    return _settings()


@bp.post("/name")
@login_required
def update_profile():
    form = ProfileForm(prefix="profile")
    if form.validate_on_submit():
        try:
            services.update_profile(_me(), form.display_name.data)
        except AccountError as error:
            _attach(form, error)
        else:
            db.session.commit()
            flash(_("Your display name has been saved."), "success")
            return redirect(url_for(".settings"))
    return _settings(profile=form)


@bp.post("/passwort")
@login_required
@limiter.limit(STRICT)
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        user = _me()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except AccountError as error:
            _attach(form, error)
        else:
            db.session.commit()
            # auth_version went up: every session ended; this one continues.
            _start_session(user, remember=_remember_cookie_present())
            flash(
                _("Your password has been changed. You have been logged out everywhere else."),
                "success",
            )
            return redirect(url_for(".settings"))
    return _settings(password=form)


@bp.post("/e-mail")
@login_required
@limiter.limit(STRICT)
def change_email():
    form = ChangeEmailForm(prefix="mail")
    if form.validate_on_submit():
        try:
            services.request_email_change(_me(), form.password.data, form.email.data)
        except AccountError as error:
            _attach(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "We have sent a link to %(email)s. Your address changes once you open it.",
                    email=form.email.data,
                ),
                "info",
            )
            return redirect(url_for(".settings"))
    return _settings(email=form)


@bp.get("/e-mail-bestaetigen/<token>")
@public
def confirm_email_change(token: str):
    try:
        services.confirm_email_change(token)
    except TokenInvalid as error:
        return render_template(
            "accounts/link_failed.html", expired=isinstance(error, TokenExpired), kind="change"
        )
    except AccountError as error:
        db.session.rollback()
        return render_template("accounts/link_failed.html", kind="change", message=error.message)
    db.session.commit()
    flash(_("Your e-mail address has been changed."), "success")
    if current_user.is_authenticated:
        return redirect(url_for(".settings"))
    return redirect(url_for(".login"))


# The two-factor pages hang on this blueprint too.
from participation.accounts import two_factor_views  # noqa: E402, F401
