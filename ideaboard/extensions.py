"""Flask extensions, created unbound here and bound to an app in `create_app`."""
from flask import current_app, g, session
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager as FlaskLoginManager
from flask_login.signals import user_loaded_from_cookie
from flask_login.utils import decode_cookie
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

    # Flask-Login 0.6's remember-me cookie, under strong protection, had two more ways to set cookies
    # on answers to someone not signed in (and one to sign someone out):
    # - a cookie that no longer signs anyone in (the account logged out, changed its password) put its
    #   stale token in a new session before looking the account up: one answer set a session, the next
    #   cleared it and the cookie. Now the account is looked up first: nothing goes in the session, and
    #   this answer clears the cookie.
    # - a cookie that does sign someone in made a session without the browser's identifier, which
    #   strong protection then took for a stolen one: the next page signed the person out and cleared
    #   the cookie. Now the new session is this browser's.

    def _load_user_from_remember_cookie(self, cookie):
        user_id = decode_cookie(cookie)
        user = self._user_callback(user_id) if user_id is not None and self._user_callback else None
        if user is None:
            g.ideaboard_clear_remember_cookie = True
            return None
        session["_user_id"] = user_id
        session["_fresh"] = False
        session["_id"] = self._session_identifier_generator()
        user_loaded_from_cookie.send(current_app._get_current_object(), user=user)
        return user

    def _update_remember_cookie(self, response):
        if g.pop("ideaboard_clear_remember_cookie", False):
            self._clear_cookie(response)
        return super()._update_remember_cookie(response)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
socketio = SocketIO()
