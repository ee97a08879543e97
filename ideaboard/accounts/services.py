"""Rules for staff accounts. The only code that creates or changes a User."""
import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import utcnow, write
from ..extensions import db
from ..municipalities.models import Municipality
from ..policies import can_manage_accounts
from ..refusals import Refusal
from .models import Role, User, new_session_token

MIN_PASSWORD_LENGTH = 10
# Compared against when the email is unknown, so a failed login costs the same either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(Refusal):
    """A rule about accounts was broken; the message is for the person who tried."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("La contraseña debe tener al menos %(n)s caracteres.", n=MIN_PASSWORD_LENGTH))


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(
    *, email: str, name: str, role: Role | str, password: str,
    municipality: Municipality | None = None, actor: User | None = None,
) -> User:
    """Create a staff account. `actor` is None only for the command line (no one logged in)."""
    role = Role(role)
    email = normalise_email(email)
    name = (name or "").strip()
    if not email or "@" not in email:
        raise AccountError(_l("Escriba un correo electrónico válido."))
    if not name:
        raise AccountError(_l("Escriba el nombre de la persona."))
    if actor is not None and not can_manage_accounts(actor):
        raise AccountError(_l("Solo la administración puede crear cuentas."))
    if role is Role.OFFICIAL and municipality is None:
        raise AccountError(_l("Un funcionario municipal pertenece a un municipio: elija cuál."))
    if role is not Role.OFFICIAL:
        municipality = None
    validate_password(password)
    with write():
        if find_user_by_email(email):
            raise AccountError(_l("Ya existe una cuenta con ese correo."))
        user = User(
            email=email, name=name, role=role.value, municipality=municipality,
            password_hash=generate_password_hash(password),
        )
        db.session.add(user)
    return user


def update_user(user: User, *, name: str, role: Role | str, municipality: Municipality | None, actor: User) -> User:
    """Change who an account is and what it may do (admin only)."""
    role = Role(role)
    if not can_manage_accounts(actor):
        raise AccountError(_l("Solo la administración puede cambiar cuentas."))
    if user.id == actor.id and role is not Role.ADMIN:
        raise AccountError(_l("No puede quitarse a sí mismo el rol de administración."))
    if role is Role.OFFICIAL and municipality is None:
        raise AccountError(_l("Un funcionario municipal pertenece a un municipio: elija cuál."))
    name = (name or "").strip()
    if not name:
        raise AccountError(_l("Escriba el nombre de la persona."))
    with write():
        user.name = name
        user.role = role.value
        user.municipality = municipality if role is Role.OFFICIAL else None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same answer and cost either way)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    with write():
        user.last_login_at = utcnow()
    return user


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """A person changes their own password; every other session of theirs is signed out."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise AccountError(_l("La contraseña actual no es correcta."))
    validate_password(new_password)
    with write():
        user.password_hash = generate_password_hash(new_password)
        user.session_token = new_session_token()


def set_password(user: User, *, new_password: str, actor: User | None) -> None:
    """An admin (or the command line) sets someone's password; their sessions end."""
    if actor is not None and not can_manage_accounts(actor):
        raise AccountError(_l("Solo la administración puede cambiar la contraseña de otra persona."))
    validate_password(new_password)
    with write():
        user.password_hash = generate_password_hash(new_password)
        user.session_token = new_session_token()


def sign_out(user: User) -> None:
    """Log out, on the server: the account's session token changes, so no copy of a session or
    remember-me cookie it had (this browser's or another's) signs anyone in again."""
    with write():
        user.session_token = new_session_token()


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivate (or reactivate) an account. A deactivated account is signed out at once."""
    if not can_manage_accounts(actor):
        raise AccountError(_l("Solo la administración puede desactivar cuentas."))
    if user.id == actor.id and not active:
        raise AccountError(_l("No puede desactivar su propia cuenta."))
    with write():
        user.active = active
        if not active:
            user.session_token = new_session_token()


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.active.desc(), User.name)))
