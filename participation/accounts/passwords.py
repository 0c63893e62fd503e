"""Password hashing and the password rules (length, not common, not guessable)."""

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 200
# Hashing an unknown e-mail's login attempt against this keeps the timing alike.
_DUMMY_HASH = generate_password_hash("timing-equaliser-not-a-password", method="scrypt")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)


def password_problem(password: str, user_inputs: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why `password` is refused, in the user's language, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Please use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Please use at most %(n)d characters.", n=MAX_LENGTH)
    inputs = [part for value in user_inputs if value for part in value.replace("@", " ").split()]
    result = zxcvbn(password[:100], user_inputs=inputs)
    # Score 0-1 means it is on a list of common passwords or close to one.
    if result["score"] < 2:
        return _l(
            "This password is too common or too easy to guess. Please choose a longer phrase "
            "of several unrelated words."
        )
    return None
