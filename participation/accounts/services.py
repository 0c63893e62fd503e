"""Account rules: registration, confirmation, login, passwords, e-mail changes and roles.

Every function validates, changes state, writes the event log, queues mail and flushes.
None of them commits: the view or CLI command that calls it does, once.
"""

from collections.abc import Iterable
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import format_timedelta, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from participation.accounts import tokens
from participation.accounts.models import Department, Role, User, UserRole
from participation.accounts.passwords import hash_password, password_problem, verify_password
from participation.database import utcnow
from participation.events.services import record
from participation.extensions import db
from participation.mail import queue_mail

DISPLAY_NAME_MIN = 2
DISPLAY_NAME_MAX = 60


class AccountError(Exception):
    """A rule refused the request. `field` names the form field the message belongs to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class LoginFailed(AccountError):
    """Wrong e-mail or password (deliberately not saying which)."""


class AccountDisabled(AccountError):
    """The credentials are right but the account has been deactivated."""


# --- helpers -----------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_by_email(email: str) -> User | None:
    email = normalise_email(email)
    if not email:
        return None
    return db.session.scalars(select(User).where(func.lower(User.email) == email)).first()


def _locale_for(user: User | None) -> str:
    if user is not None and user.locale:
        return user.locale
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def validity(seconds: int) -> str:
    """How long a link stays valid ("1 Woche", "2 Stunden") in the current locale."""
    return format_timedelta(timedelta(seconds=seconds), threshold=1)


def _check_display_name(display_name: str) -> str:
    name = " ".join((display_name or "").split())
    if not DISPLAY_NAME_MIN <= len(name) <= DISPLAY_NAME_MAX:
        raise AccountError(
            _l(
                "Please use between %(min)d and %(max)d characters.",
                min=DISPLAY_NAME_MIN,
                max=DISPLAY_NAME_MAX,
            ),
            field="display_name",
        )
    return name


def _check_password(password: str, user_inputs: list[str], field: str = "password") -> None:
    problem = password_problem(password, user_inputs)
    if problem:
        raise AccountError(problem, field=field)


def _mail(to: str, subject, template: str, user: User, **context) -> None:
    """Queue an account mail in the user's language; templates get `validity(seconds)`."""
    queue_mail(to, subject, template, locale=_locale_for(user), user=user, validity=validity,
               **context)  # fmt: skip


def _send_confirmation(user: User) -> None:
    token = tokens.make_token(
        tokens.CONFIRM_EMAIL, {"u": user.id, "e": tokens.fingerprint(user.email)}
    )
    _mail(
        user.email,
        _l("Please confirm your e-mail address"),
        "confirm_email",
        user,
        link=tokens.external_url("accounts.confirm", token=token),
        max_age=current_app.config["EMAIL_CONFIRM_MAX_AGE"],
    )


# --- registration and confirmation -------------------------------------------------------


def register(
    email: str, display_name: str, password: str, locale: str | None = None
) -> User | None:
    """Create an unconfirmed account and mail a confirmation link.

    If the address already has an account, nothing is created and its owner gets a mail
    instead; the caller shows the same page either way (returns None then)."""
    email = normalise_email(email)
    name = _check_display_name(display_name)
    _check_password(password, [email, name])
    password_hash = hash_password(password)  # also on the duplicate path: same timing
    existing = find_by_email(email)
    if existing is not None:
        _mail(
            existing.email,
            _l("Someone tried to register with your e-mail address"),
            "already_registered",
            existing,
            login_link=tokens.external_url("accounts.login"),
            reset_link=tokens.external_url("accounts.forgot_password"),
        )
        return None
    user = User(
        email=email,
        display_name=name,
        password_hash=password_hash,
        locale=locale or _locale_for(None),
    )
    db.session.add(user)
    db.session.flush()
    record("account.registered", user, actor=user)
    _send_confirmation(user)
    db.session.flush()
    return user


def check_confirmation(token: str, max_age: int | None = None) -> User:
    """The account a confirmation link belongs to, without confirming anything.

    Raises tokens.TokenExpired / tokens.TokenInvalid."""
    if max_age is None:
        max_age = current_app.config["EMAIL_CONFIRM_MAX_AGE"]
    payload = tokens.read_token(tokens.CONFIRM_EMAIL, token, max_age)
    user = db.session.get(User, payload.get("u") or 0)
    if user is None or not tokens.same(str(payload.get("e", "")), tokens.fingerprint(user.email)):
        raise tokens.TokenInvalid  # damaged, or made for an address the account no longer has
    return user


def confirm_email(token: str, max_age: int | None = None) -> User:
    """Mark the address in a confirmation link as confirmed. Confirming twice is harmless.

    Raises tokens.TokenExpired / tokens.TokenInvalid."""
    user = check_confirmation(token, max_age)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        record("account.email_confirmed", user, actor=user)
        db.session.flush()
    return user


def resend_confirmation(email: str) -> None:
    """Send a new link if an unconfirmed, active account has this address; else nothing."""
    user = find_by_email(email)
    if user is None or user.email_confirmed or not user.is_active:
        return
    _send_confirmation(user)
    db.session.flush()


# --- login ---------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User:
    """The account for these credentials (the login is complete only with `record_login`,
    after a second factor where the account has one).

    Raises LoginFailed (generic) or AccountDisabled (only after a correct password)."""
    user = find_by_email(email)
    if not verify_password(user.password_hash if user else None, password or ""):
        raise LoginFailed(_l("The e-mail address or the password is not correct."))
    if not user.is_active:
        raise AccountDisabled(
            _l("This account has been deactivated. Please contact the %(office)s.",
               office=current_app.config["OFFICE_NAME"])
        )  # fmt: skip
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.flush()


# --- passwords -----------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this address; else nothing (same answer)."""
    user = find_by_email(email)
    if user is None or not user.is_active:
        return
    token = tokens.make_token(
        tokens.RESET_PASSWORD, {"u": user.id, "p": tokens.fingerprint(user.password_hash)}
    )
    _mail(
        user.email,
        _l("Set a new password"),
        "password_reset",
        user,
        link=tokens.external_url("accounts.reset_password", token=token),
        max_age=current_app.config["PASSWORD_RESET_MAX_AGE"],
    )
    db.session.flush()


def user_for_reset(token: str, max_age: int | None = None) -> User:
    """The account a reset link belongs to, if it is still usable (works once: it is bound
    to the password hash, which the reset replaces). Raises TokenExpired / TokenInvalid."""
    if max_age is None:
        max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    payload = tokens.read_token(tokens.RESET_PASSWORD, token, max_age)
    user = db.session.get(User, payload.get("u") or 0)
    if (
        user is None
        or not user.is_active
        or not tokens.same(str(payload.get("p", "")), tokens.fingerprint(user.password_hash))
    ):
        raise tokens.TokenInvalid
    return user


def reset_password(token: str, new_password: str, max_age: int | None = None) -> User:
    """Set a new password through a reset link: ends every session and confirms the address
    (the link proved access to it)."""
    user = user_for_reset(token, max_age)
    _check_password(new_password, [user.email, user.display_name])
    _set_password(user, new_password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    record("account.password_reset", user, actor=user)
    db.session.flush()
    return user


def _set_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    user.auth_version = (user.auth_version or 1) + 1


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password; every session ends (the caller logs the current one in again)."""
    if not verify_password(user.password_hash, current_password or ""):
        raise AccountError(_l("The current password is not correct."), field="current_password")
    _check_password(new_password, [user.email, user.display_name], field="new_password")
    _set_password(user, new_password)
    record("account.password_changed", user, actor=user)
    _mail(
        user.email,
        _l("Your password was changed"),
        "password_changed",
        user,
        reset_link=tokens.external_url("accounts.forgot_password"),
    )
    db.session.flush()


# --- profile and e-mail address ------------------------------------------------------------


def update_profile(user: User, display_name: str) -> None:
    name = _check_display_name(display_name)
    if name == user.display_name:
        return
    before = {"display_name": user.display_name}
    user.display_name = name
    record("account.profile_updated", user, actor=user, before=before, after={"display_name": name})
    db.session.flush()


def request_email_change(user: User, password: str, new_email: str) -> None:
    """Mail a confirmation link to the new address and a notice to the old one. The address
    changes only when the link is used."""
    if not verify_password(user.password_hash, password or ""):
        raise AccountError(_l("The current password is not correct."), field="password")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise AccountError(_l("This is already your e-mail address."), field="email")
    other = find_by_email(new_email)
    if other is not None:
        raise AccountError(_l("This e-mail address cannot be used."), field="email")
    token = tokens.make_token(
        tokens.CHANGE_EMAIL, {"u": user.id, "old": tokens.fingerprint(user.email), "new": new_email}
    )
    _mail(
        new_email,
        _l("Please confirm your new e-mail address"),
        "email_change_confirm",
        user,
        link=tokens.external_url("accounts.confirm_email_change", token=token),
        max_age=current_app.config["EMAIL_CONFIRM_MAX_AGE"],
        new_email=new_email,
    )
    _mail(
        user.email,
        _l("A change of your e-mail address was requested"),
        "email_change_notice",
        user,
        new_email=new_email,
        reset_link=tokens.external_url("accounts.forgot_password"),
    )
    record("account.email_change_requested", user, actor=user)
    db.session.flush()


def confirm_email_change(token: str, max_age: int | None = None) -> User:
    """Switch to the new address from a change link. Raises TokenExpired / TokenInvalid,
    or AccountError if the address has been taken meanwhile."""
    if max_age is None:
        max_age = current_app.config["EMAIL_CONFIRM_MAX_AGE"]
    payload = tokens.read_token(tokens.CHANGE_EMAIL, token, max_age)
    user = db.session.get(User, payload.get("u") or 0)
    new_email = payload.get("new")
    if user is None or not new_email:
        raise tokens.TokenInvalid
    if user.email == new_email:
        return user  # used twice: already done
    if not tokens.same(str(payload.get("old", "")), tokens.fingerprint(user.email)):
        raise tokens.TokenInvalid
    other = find_by_email(new_email)
    if other is not None and other.id != user.id:
        raise AccountError(_l("This e-mail address cannot be used."))
    user.email = new_email
    user.email_confirmed_at = utcnow()
    record("account.email_changed", user, actor=user)
    db.session.flush()
    return user


# --- administration ------------------------------------------------------------------------


def parse_roles(names: Iterable[str]) -> set[Role]:
    """Role names (as typed on the command line or posted by a form) to roles."""
    roles = set()
    for name in names:
        try:
            roles.add(Role(name.strip().lower()))
        except ValueError:
            valid = ", ".join(role.value for role in Role)
            raise AccountError(
                _l("Unknown role %(name)s. Valid roles: %(valid)s.", name=name, valid=valid),
                field="roles",
            ) from None
    return roles


def create_user(
    email: str,
    display_name: str,
    password: str,
    roles: Iterable[Role] = (),
    department: Department | None = None,
    actor: User | None = None,
) -> User:
    """An account made by an administrator: confirmed, with roles. AccountError if the
    address is taken or the password is refused."""
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(_l("Please enter a valid e-mail address."), field="email") from None
    name = _check_display_name(display_name)
    _check_password(password, [email, name])
    if find_by_email(email) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."), field="email")
    user = User(
        email=email,
        display_name=name,
        password_hash=hash_password(password),
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    record("account.created", user, actor=actor, after={"display_name": name})
    set_roles(user, roles, department, actor)
    return user


def set_roles(
    user: User, roles: Iterable[Role], department: Department | None, actor: User | None
) -> None:
    """Give `user` exactly `roles` and `department` (None: no department), logged as one
    event. The department role needs a department. Raises AccountError."""
    roles = set(roles)
    if Role.DEPARTMENT in roles and department is None:
        raise AccountError(_l("Members of a department need a department."), field="department")
    before = _roles_state(user)
    current = {row.role: row for row in user.role_rows}
    for role, row in current.items():
        if role not in roles:
            user.role_rows.remove(row)
    for role in sorted(roles - current.keys()):
        user.role_rows.append(UserRole(role=role))
    user.department = department
    db.session.flush()
    after = _roles_state(user)
    if after != before:
        record("account.roles_changed", user, actor=actor, before=before, after=after)
        db.session.flush()


def _roles_state(user: User) -> dict:
    return {
        "roles": sorted(role.value for role in user.roles),
        "department_id": user.department.id if user.department is not None else None,
    }
