"""The security baseline (docs/architecture.md, "Security baseline"), checked on real responses."""
import re

import pytest
from flask import abort

from ideaboard import create_app
from ideaboard.accounts.models import Role
from tests.conftest import app_config


def test_strict_content_security_policy_and_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    for path in ("/", "/entrar", "/panel", "/usuarios", "/usuarios/nuevo", "/ideatones/nueva", "/municipios/"):
        html = client.get(path).get_data(as_text=True)
        assert "<style" not in html, path
        assert " style=" not in html, path
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), path
        assert " onclick=" not in html and " onload=" not in html, path


def test_htmx_is_configured_safely(client):
    html = client.get("/unirse").get_data(as_text=True)  # a page with a form: htmx sends its token
    assert '"allowEval": false' in html and '"allowScriptTags": false' in html
    assert '"includeIndicatorStyles": false' in html
    assert re.search(r"vendor/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js", html)  # its content-hashed name
    assert 'data-hx-headers=\'{"X-CSRFToken":' in html


def test_session_cookie_flags_in_production(migrated, make_user):
    app = create_app(app_config(migrated, ENV_NAME="production"))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    client = app.test_client()
    with app.app_context():
        client.get("/entrar")
    cookie = client.get_cookie("ideaboard_session")
    assert cookie is not None
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() <= 12 * 3600
    assert app.config["REMEMBER_COOKIE_DURATION"].days <= 7
    assert "Strict-Transport-Security" in client.get("/").headers


def test_request_body_size_is_capped(client, auth):
    response = auth.post("/entrar", {"email": "x" * (3 * 1024 * 1024), "password": "y"})
    assert response.status_code == 413
    assert "Envío demasiado grande" in response.get_data(as_text=True)


@pytest.mark.parametrize("code, title", [
    (400, "Solicitud no válida"), (403, "No se puede hacer esto"), (404, "Página no encontrada"),
    (429, "Demasiados intentos"), (500, "Algo salió mal"),
])
def test_error_pages_in_spanish_as_page_and_as_htmx_fragment(migrated, code, title):
    app = create_app(app_config(migrated, PROPAGATE_EXCEPTIONS=False))

    @app.route("/_fail")
    def fail():
        if code == 500:
            raise RuntimeError("boom")
        abort(code)

    client = app.test_client()
    with app.app_context():
        page = client.get("/_fail")
        fragment = client.get("/_fail", headers={"HX-Request": "true"})
    assert page.status_code == fragment.status_code == code
    page_html, fragment_html = page.get_data(as_text=True), fragment.get_data(as_text=True)
    assert title in page_html and "<html" in page_html
    assert title in fragment_html and "<html" not in fragment_html
    assert fragment.headers["HX-Retarget"] == "#alerts"
    # A visitor without an account is not told about one, nor given a bare status code.
    assert "cuenta" not in page_html and f"({code})" not in page_html and f"({code})" not in fragment_html


def test_error_page_in_english_when_asked(client):
    response = client.get("/nope", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert '<html lang="en">' in response.get_data(as_text=True)
