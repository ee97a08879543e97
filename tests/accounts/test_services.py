import pytest
from werkzeug.security import check_password_hash

from ideaboard.accounts.models import Role, User
from ideaboard.accounts.services import (
    AccountError, authenticate, change_password, create_user, set_active, set_password, update_user,
)
from ideaboard.extensions import db
from ideaboard.municipalities.services import get_by_code
from tests.conftest import PASSWORD


def count_users():
    return db.session.scalar(db.select(db.func.count(User.id)))


def test_create_user_hashes_password_and_normalises_email(app, make_user):
    admin = make_user(Role.ADMIN)
    user = create_user(email="  Ana@Example.ORG ", name="Ana", role="moderator", password=PASSWORD, actor=admin)
    assert user.email == "ana@example.org"
    assert user.password_hash != PASSWORD
    assert user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"email": "no-at-sign"}, "correo electrónico válido"),
        ({"name": "  "}, "nombre"),
        ({"password": "corta"}, "al menos 10 caracteres"),
        ({"role": "official"}, "pertenece a un municipio"),
    ],
)
def test_create_user_refuses_bad_input_and_stores_nothing(app, make_user, kwargs, message):
    admin = make_user(Role.ADMIN)
    before = count_users()
    data = {"email": "x@example.org", "name": "X", "role": "moderator", "password": PASSWORD, "actor": admin}
    data.update(kwargs)
    with pytest.raises(AccountError, match=message):
        create_user(**data)
    assert count_users() == before


def test_duplicate_email_is_refused(app, make_user):
    make_user(Role.MODERATOR, email="dup@example.org")
    with pytest.raises(AccountError, match="Ya existe"):
        create_user(email="DUP@example.org", name="Otra", role="moderator", password=PASSWORD)
    assert count_users() == 1


def test_only_admins_create_accounts(app, make_user):
    coordinator = make_user(Role.COORDINATOR)
    with pytest.raises(AccountError, match="Solo la administración"):
        create_user(email="m@example.org", name="M", role="moderator", password=PASSWORD, actor=coordinator)


def test_official_belongs_to_a_municipality_and_others_do_not(app, make_user):
    admin = make_user(Role.ADMIN)
    mixco = get_by_code("0108")
    official = create_user(email="o@example.org", name="O", role="official", password=PASSWORD,
                           municipality=mixco, actor=admin)
    assert official.municipality.code == "0108"
    moderator = create_user(email="m@example.org", name="M", role="moderator", password=PASSWORD,
                            municipality=mixco, actor=admin)
    assert moderator.municipality is None


def test_authenticate(app, make_user):
    user = make_user(Role.MODERATOR, email="mod@example.org")
    assert authenticate("MOD@example.org", PASSWORD) == user
    assert user.last_login_at is not None
    assert authenticate("mod@example.org", "wrong password") is None
    assert authenticate("nobody@example.org", PASSWORD) is None


def test_deactivated_account_cannot_log_in_and_its_sessions_end(app, make_user):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.MODERATOR)
    token = user.session_token
    set_active(user, False, actor=admin)
    assert authenticate(user.email, PASSWORD) is None
    assert user.session_token != token
    set_active(user, True, actor=admin)
    assert authenticate(user.email, PASSWORD) == user


def test_admin_cannot_deactivate_or_demote_themselves(app, make_user):
    admin = make_user(Role.ADMIN)
    with pytest.raises(AccountError, match="propia cuenta"):
        set_active(admin, False, actor=admin)
    with pytest.raises(AccountError, match="sí mismo"):
        update_user(admin, name="X", role="moderator", municipality=None, actor=admin)
    assert admin.active and admin.role == "admin"


def test_non_admin_cannot_deactivate(app, make_user):
    coordinator = make_user(Role.COORDINATOR)
    moderator = make_user(Role.MODERATOR)
    with pytest.raises(AccountError):
        set_active(moderator, False, actor=coordinator)
    assert moderator.active


def test_change_password_needs_the_current_one_and_rotates_the_session(app, make_user):
    user = make_user(Role.COORDINATOR)
    token = user.session_token
    with pytest.raises(AccountError, match="actual no es correcta"):
        change_password(user, current_password="wrong", new_password="una-nueva-clave")
    assert user.session_token == token
    with pytest.raises(AccountError, match="al menos 10"):
        change_password(user, current_password=PASSWORD, new_password="corta")
    change_password(user, current_password=PASSWORD, new_password="una-nueva-clave")
    assert user.session_token != token
    assert authenticate(user.email, "una-nueva-clave") == user
    assert authenticate(user.email, PASSWORD) is None


def test_set_password_by_admin_only(app, make_user):
    admin, moderator, other = make_user(Role.ADMIN), make_user(Role.MODERATOR), make_user(Role.MODERATOR)
    with pytest.raises(AccountError):
        set_password(other, new_password="otra-clave-larga", actor=moderator)
    set_password(other, new_password="otra-clave-larga", actor=admin)
    assert authenticate(other.email, "otra-clave-larga") == other


def test_update_user_changes_role_and_municipality(app, make_user):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.MODERATOR)
    update_user(user, name="Nuevo", role="official", municipality=get_by_code("0901"), actor=admin)
    assert (user.name, user.role, user.municipality.code) == ("Nuevo", "official", "0901")
    with pytest.raises(AccountError, match="pertenece a un municipio"):
        update_user(user, name="Nuevo", role="official", municipality=None, actor=admin)
    update_user(user, name="Nuevo", role=Role.COORDINATOR, municipality=get_by_code("0901"), actor=admin)
    assert user.municipality is None
