"""Extension singletons; `create_app()` binds each to the app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
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
limiter = Limiter(key_func=get_remote_address)
