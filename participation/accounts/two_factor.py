"""TOTP two-factor login: setting up, checking codes, recovery codes, the pending login and
the rule that staff must use it.

Like services.py, the functions here validate, change state, write the event log and flush;
the views commit.
"""

import hashlib
import hmac
import secrets
import time

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from participation.accounts.models import RecoveryCode, User
from participation.accounts.passwords import verify_password
from participation.accounts.services import AccountError
from participation.database import utcnow
from participation.events.services import record
from participation.extensions import db
from participation.permissions import can_moderate, is_admin

STEP_SECONDS = 30
# One step either side: a phone clock a little off still works.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# Unambiguous letters and digits (no 0/O, 1/I/L): the codes are typed from paper.
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECOVERY_CODE_LENGTH = 10
PENDING_KEY = "two_factor_pending"
PENDING_MAX_AGE = 5 * 60
# Wrong codes within one pending login before the password has to be entered again.
PENDING_MAX_FAILURES = 5


# --- who must use it -----------------------------------------------------------------------


def is_required_for(user) -> bool:
    """Staff who act for the office (moderators and administrators) must use a second
    factor when REQUIRE_TWO_FACTOR_FOR_STAFF is on. Department and committee members do not:
    they only read and answer what the office forwards to them."""
    return bool(current_app.config.get("REQUIRE_TWO_FACTOR_FOR_STAFF")) and (
        can_moderate(user) or is_admin(user)
    )


def must_set_up(user) -> bool:
    return is_required_for(user) and not user.two_factor_enabled


# --- secrets and codes ---------------------------------------------------------------------


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=STEP_SECONDS)


def provisioning_uri(user: User) -> str:
    return _totp(user.totp_secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["MUNICIPALITY_NAME"]
    )


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(uri: str) -> str:
    """The otpauth URI as a QR code, an SVG data URI made here (no request elsewhere)."""
    import segno

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def _normalise_code(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").upper()


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code `code` is, within the window, or None."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = _totp(secret)
    current = int((now if now is not None else time.time()) // STEP_SECONDS)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            found = step
    return found


def _use_step(user: User, step: int) -> bool:
    """Mark `step` used; False if it (or a later one) was used already. One conditional
    UPDATE, so two requests with the same code cannot both pass."""
    result = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def _hash_recovery_code(code: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


def _recovery_code_matches(stored: str, code: str) -> bool:
    _scheme, salt, _digest = stored.split("$", 2)
    return hmac.compare_digest(stored, _hash_recovery_code(code, salt))


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(code)))
    db.session.flush()
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def remaining_recovery_codes(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def _use_recovery_code(user: User, code: str) -> bool:
    if len(code) != RECOVERY_CODE_LENGTH:
        return False
    rows = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in rows:
        if _recovery_code_matches(row.code_hash, code):
            # Conditional, so a code raced from two requests is used by only one of them.
            result = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1
    return False


WRONG_CODE = _l("This code is not correct. Please enter the current code from your app.")
USED_CODE = _l("This code has already been used. Please wait for the next code from your app.")


def check_second_factor(user: User, code: str | None, allow_recovery: bool = True) -> str:
    """Accept a current TOTP code (each time step once) or an unused recovery code.

    Returns "totp" or "recovery"; raises AccountError (field "code") otherwise."""
    code = _normalise_code(code)
    if not user.two_factor_enabled:
        raise AccountError(WRONG_CODE, field="code")
    step = _matching_step(user.totp_secret, code)
    if step is not None:
        if not _use_step(user, step):
            raise AccountError(USED_CODE, field="code")
        return "totp"
    if allow_recovery and _use_recovery_code(user, code):
        record("account.recovery_code_used", user, actor=user)
        return "recovery"
    raise AccountError(WRONG_CODE, field="code")


# --- setting up, changing, switching off ---------------------------------------------------


def start_setup(user: User) -> None:
    """A new secret waiting to be confirmed by a code (replaces an unconfirmed one)."""
    if user.two_factor_enabled:
        raise AccountError(_l("Two-factor login is already switched on."))
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    db.session.flush()


def confirm_setup(user: User, code: str | None) -> list[str]:
    """Switch two-factor login on once the app shows a matching code; returns the new
    recovery codes (shown once, only their hashes are kept)."""
    if user.two_factor_enabled:
        raise AccountError(_l("Two-factor login is already switched on."))
    if not user.totp_secret:
        raise AccountError(_l("Please start the setup again."))
    step = _matching_step(user.totp_secret, _normalise_code(code))
    if step is None or not _use_step(user, step):
        raise AccountError(
            _l("This code does not match. Please check that your app shows this account and "
               "enter its current code."),
            field="code",
        )  # fmt: skip
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    record("account.two_factor_enabled", user, actor=user)
    return codes


def regenerate_recovery_codes(user: User, code: str | None) -> list[str]:
    check_second_factor(user, code, allow_recovery=False)
    codes = _new_recovery_codes(user)
    record("account.recovery_codes_renewed", user, actor=user)
    return codes


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def disable(user: User, password: str | None, code: str | None) -> None:
    if not user.two_factor_enabled:
        raise AccountError(_l("Two-factor login is not switched on."))
    if not verify_password(user.password_hash, password or ""):
        raise AccountError(_l("The password is not correct."), field="password")
    check_second_factor(user, code)
    _clear(user)
    record("account.two_factor_disabled", user, actor=user)


def reset_by_admin(user: User, actor: User | None) -> None:
    """An administrator switches it off for someone who lost their device and codes (actor
    None: from the command line)."""
    if not user.two_factor_enabled and not user.totp_secret:
        raise AccountError(_l("This account has no two-factor login to reset."))
    _clear(user)
    record("account.two_factor_reset", user, actor=actor)


# --- the login between password and code ---------------------------------------------------


def start_pending(session, user: User, remember: bool, next_url: str) -> None:
    """After the right password: remember who is halfway logged in, for PENDING_MAX_AGE."""
    session[PENDING_KEY] = {
        "u": user.id,
        "v": user.auth_version,
        "t": int(time.time()),
        "r": bool(remember),
        "n": next_url or "",
        "f": 0,
    }


def pending(session) -> dict | None:
    """The pending login, or None if there is none or it has expired (then it is removed)."""
    marker = session.get(PENDING_KEY)
    if not isinstance(marker, dict):
        return None
    if time.time() - marker.get("t", 0) > PENDING_MAX_AGE:
        session.pop(PENDING_KEY, None)
        return None
    return marker


def pending_user(marker: dict) -> User | None:
    user = db.session.get(User, marker["u"])
    if user is None or not user.is_active or user.auth_version != marker["v"]:
        return None
    if not user.two_factor_enabled:
        return None
    return user


def count_failure(session, marker: dict) -> bool:
    """Count a wrong code; True when the pending login is used up and removed."""
    marker = {**marker, "f": marker.get("f", 0) + 1}
    if marker["f"] >= PENDING_MAX_FAILURES:
        session.pop(PENDING_KEY, None)
        return True
    session[PENDING_KEY] = marker
    return False
