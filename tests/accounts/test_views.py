from ideaboard.accounts.models import Role, User
from ideaboard.extensions import db
from tests.conftest import PASSWORD


def test_login_page_is_spanish_and_has_the_form(client):
    html = client.get("/entrar").get_data(as_text=True)
    assert "Correo electrónico" in html and "Contraseña" in html


def test_login_and_logout(client, auth, make_user):
    user = make_user(Role.COORDINATOR, name="Carla Coordinadora")
    response = auth.login(user)
    assert response.headers["Location"].endswith("/panel")
    panel = client.get("/panel").get_data(as_text=True)
    assert "Carla Coordinadora" in panel and "Nueva ideatón" in panel
    assert auth.logout().status_code == 302
    assert client.get("/panel").status_code == 302


def test_login_redirects_only_to_local_paths(client, auth, make_user):
    user = make_user(Role.MODERATOR)
    token = auth.csrf_token()
    ok = client.post("/entrar?next=/ideatones/", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert ok.headers["Location"] == "/ideatones/"
    auth.logout()
    token = auth.csrf_token()
    evil = client.post("/entrar?next=//evil.example/x",
                       data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert evil.headers["Location"] == "/panel"


def test_failed_login_says_the_same_for_unknown_and_wrong_password(auth, make_user):
    user = make_user(Role.MODERATOR)
    wrong = auth.post("/entrar", {"email": user.email, "password": "not it at all"})
    unknown = auth.post("/entrar", {"email": "nobody@example.org", "password": "not it at all"})
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "Correo o contraseña incorrectos." in response.get_data(as_text=True)


def test_sixth_login_attempt_for_one_email_within_a_minute_gets_429(client, auth, make_user):
    user = make_user(Role.MODERATOR)
    for email in (user.email, "ghost@example.org"):
        for _ in range(5):
            assert auth.post("/entrar", {"email": email, "password": "wrong-password"}).status_code == 422
        sixth = auth.post("/entrar", {"email": email, "password": PASSWORD})
        assert sixth.status_code == 429
        body = sixth.get_data(as_text=True)
        assert "Demasiados intentos" in body
        assert email not in body  # the answer does not reveal whether the account exists
    # Another email from the same address is not blocked by the per-email limit.
    other = make_user(Role.MODERATOR)
    assert auth.post("/entrar", {"email": other.email, "password": PASSWORD}).status_code == 302


def test_post_without_csrf_token_is_refused_in_spanish(client, make_user):
    user = make_user(Role.MODERATOR)
    response = client.post("/entrar", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "El formulario caducó o no es válido" in response.get_data(as_text=True)
    assert client.get("/panel").status_code == 302  # not logged in


def test_htmx_post_with_csrf_header_is_accepted(client, auth, make_user):
    user = make_user(Role.MODERATOR)
    token = auth.csrf_token()
    response = client.post("/entrar", data={"email": user.email, "password": PASSWORD},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302


def test_logout_is_post_only(client, auth, make_user):
    auth.login(make_user(Role.MODERATOR))
    assert client.get("/salir").status_code == 405
    assert client.get("/panel").status_code == 200


def test_admin_creates_an_account(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    response = auth.post("/usuarios/nuevo", {
        "name": "Olga Oficial", "email": "olga@example.org", "role": "official",
        "municipality": "Mixco, Guatemala (0108)", "password": "clave-inicial-1",
    })
    assert response.status_code == 302
    olga = db.session.scalar(db.select(User).filter_by(email="olga@example.org"))
    assert olga.role == "official" and olga.municipality.code == "0108"
    assert "Olga Oficial" in client.get("/usuarios").get_data(as_text=True)


def test_account_form_rejects_bad_input_and_creates_nothing(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    cases = [
        ({"email": "not-an-email"}, "Escriba un correo válido."),
        ({"password": "short"}, "Entre 10 y 200 caracteres."),
        ({"role": "official", "municipality": ""}, "pertenece a un municipio"),
        ({"role": "official", "municipality": "Atlantis"}, "Elija un municipio de la lista"),
        ({"role": "emperor"}, "Opción inválida"),
    ]
    for change, message in cases:
        data = {"name": "N", "email": "n@example.org", "role": "moderator", "municipality": "", "password": "clave-inicial-1"}
        data.update(change)
        response = auth.post("/usuarios/nuevo", data)
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    assert db.session.scalar(db.select(User).filter_by(email="n@example.org")) is None


def test_deactivating_an_account_signs_it_out(app, auth, make_user):
    moderator = make_user(Role.MODERATOR)
    their_client = app.test_client()
    from tests.conftest import Auth

    Auth(their_client).login(moderator)
    assert their_client.get("/panel").status_code == 200

    auth.login(make_user(Role.ADMIN))
    response = auth.post(f"/usuarios/{moderator.id}/estado", {"active": "0"})
    assert response.status_code == 302
    db.session.refresh(moderator)
    assert not moderator.active
    assert their_client.get("/panel").status_code == 302  # sent back to the login page
    assert Auth(their_client).post("/entrar", {"email": moderator.email, "password": PASSWORD}).status_code == 422


def test_change_own_password(client, auth, make_user):
    user = make_user(Role.MODERATOR)
    auth.login(user)
    bad = auth.post("/cuenta/contrasena", {"current_password": PASSWORD, "new_password": "nueva-clave-9", "confirm": "otra-cosa-9"})
    assert bad.status_code == 422 and "no coinciden" in bad.get_data(as_text=True)
    good = auth.post("/cuenta/contrasena", {"current_password": PASSWORD, "new_password": "nueva-clave-9", "confirm": "nueva-clave-9"})
    assert good.status_code == 302
    assert client.get("/panel").status_code == 200  # this session survives
    auth.logout()
    assert auth.post("/entrar", {"email": user.email, "password": "nueva-clave-9"}).status_code == 302


def test_admin_resets_someone_elses_password(client, auth, make_user):
    target = make_user(Role.MODERATOR)
    auth.login(make_user(Role.ADMIN))
    short = auth.post(f"/usuarios/{target.id}/contrasena", {"new_password": "corta"}, follow_redirects=True)
    assert "Entre 10 y 200 caracteres." in short.get_data(as_text=True)
    auth.post(f"/usuarios/{target.id}/contrasena", {"new_password": "reiniciada-123"})
    auth.logout()
    assert auth.post("/entrar", {"email": target.email, "password": "reiniciada-123"}).status_code == 302


def test_panel_shows_only_what_the_role_may_do(client, auth, make_user):
    expectations = {
        Role.ADMIN: (["Cuentas del personal", "Nueva ideatón"], []),
        Role.COORDINATOR: (["Nueva ideatón", "Todas las ideatones"], ["Cuentas del personal"]),
        Role.MODERATOR: (["Mis ideatones"], ["Nueva ideatón", "Cuentas del personal"]),
        Role.OFFICIAL: (["Mi municipio"], ["Nueva ideatón", "Cuentas del personal", "Mis ideatones"]),
    }
    for role, (shown, hidden) in expectations.items():
        auth.login(make_user(role))
        html = client.get("/panel").get_data(as_text=True)
        for text in shown:
            assert text in html, (role, text)
        for text in hidden:
            assert text not in html, (role, text)
        auth.logout()


def test_a_copied_session_or_remember_me_cookie_is_refused_after_logout(app, client, auth, make_user):
    """Logging out ends the session on the server: a copy of its cookies (a shared computer, a stolen
    cookie) no longer signs anyone in."""
    user = make_user(Role.MODERATOR)
    assert auth.post("/entrar", {"email": user.email, "password": PASSWORD, "remember": "y"}).status_code == 302
    copies = {name: client.get_cookie(name).value for name in ("ideaboard_session", "remember_token")}

    def thief(*names):
        other = app.test_client()
        for name in names:
            other.set_cookie(name, copies[name])
        return other

    assert thief("ideaboard_session").get("/panel").status_code == 200  # the copies work while logged in
    assert thief("remember_token").get("/panel").status_code == 200
    auth.logout()
    for names in (("ideaboard_session",), ("remember_token",), ("ideaboard_session", "remember_token")):
        response = thief(*names).get("/panel")
        assert response.status_code == 302 and response.headers["Location"].startswith("/entrar"), names
    auth.login(user)  # logging in again works, with a new token
    assert client.get("/panel").status_code == 200
