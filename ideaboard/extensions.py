"""Flask extensions, created unbound here and bound to an app in `create_app`."""
from flask import session
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager as FlaskLoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    """Flask-SQLAlchemy's session; `info["engine"]` pins one to an engine of its own
    (database.use_own_connection)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.info.get("engine") or super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


class LoginManager(FlaskLoginManager):
    """Flask-Login's manager, its "strong" session protection kept for sessions that hold a login.

    Flask-Login takes any non-empty session whose identifier (address and browser) it did not set
    as stolen, and a visitor's session that never held a login (only a CSRF token, say) is such a
    session: on every request it was emptied and a clearing `remember_token` cookie was sent, so
    every page set two cookies and none could be cached. A session without a signed-in user has
    nothing to protect: it is treated as Flask-Login treats an empty one.
    """

    def _session_protection_failed(self):
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
socketio = SocketIO()
