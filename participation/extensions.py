"""Extension singletons; `create_app()` binds each to the app."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limit, Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from participation.database import Base

# Objects keep their values after the request's commit: the response is built from what was
# just written, and reloading it (with every relationship) would cost a round trip each.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
mail = Mail()

# Every write (POST) gets this limit per route unless its view declares a limit of its own
# (login, registration and posting have stricter ones). Counted per account when signed in,
# so that the staff of an office behind one address do not share a budget; per address
# otherwise.
DEFAULT_WRITE_LIMIT = "60 per minute; 600 per hour"

# Writes without the default limit, each for a reason:
UNLIMITED_WRITES = frozenset(
    {
        # RFC 8058 one-click unsubscribe: mail providers POST it from a few shared addresses
        # for all their users, and a refused unsubscribe would keep mailing someone who said
        # stop. The signed token in the address is the gate, and repeating it changes nothing.
        "notifications.unsubscribe_one_click",
    }
)


def writer_key() -> str:
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{get_remote_address()}"


limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[
        Limit(
            DEFAULT_WRITE_LIMIT,
            key_function=writer_key,
            methods=["POST", "PUT", "PATCH", "DELETE"],
            exempt_when=lambda: request.endpoint in UNLIMITED_WRITES,
        )
    ],
)
