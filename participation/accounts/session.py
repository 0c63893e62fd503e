"""Flask-Login wiring: which user a session belongs to, and where to send anonymous users."""

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from participation.accounts.models import User
from participation.extensions import db, login_manager

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to open this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Sessions carry `<id>:<auth_version>`; a changed password ends older sessions."""
    user_id, _, auth_version = session_id.partition(":")
    if not user_id.isdigit() or not auth_version.isdigit():
        return None
    # Roles come in the same query: nearly every page asks for them.
    user = db.session.get(User, int(user_id), options=[joinedload(User.role_rows)])
    if user is None or not user.is_active or user.auth_version != int(auth_version):
        return None
    return user
