"""Anonymous answers set no cookie (so public pages can be cached, and a visitor carries nothing).

A visitor gets a cookie only from a page with a form that needs a CSRF token (the join page, the
login page: the session holds the token), from the language switch (`lang`), and from joining a
room (the participant's own cookies). Everything else, whatever cookies the browser still holds
(a session from a form, a stale one from a logout, a remember-me cookie that no longer works, a
session signed with another key), is answered without Set-Cookie.
"""
import pytest

from ideaboard.archive.services import archive_ideathon, draft_proposal
from tests.archive.test_services import closed_room, draft  # noqa: F401 - fixtures and helpers
from tests.conftest import PASSWORD, Auth


@pytest.fixture
def public_paths(app, closed_room, make_ideathon):
    room = closed_room
    proposal = draft_proposal(room, draft(room, [room.a]), actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    upcoming = make_ideathon("0301")
    with app.test_request_context():
        from flask import url_for

        css = url_for("static", filename="css/app.css")
    return [
        "/", "/municipios/", "/municipios/0301", "/propuestas", f"/propuestas/{proposal.id}",
        f"/ideatones/{upcoming.id}", f"/ideatones/{room.id}/archivo", "/programas", "/healthz", css,
        "/no-such-page", f"/propuestas/{proposal.id + 1000}",
    ]


def _assert_no_cookie(client, paths, situation):
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), (situation, path, response.status_code)
        cookies = response.headers.getlist("Set-Cookie")
        assert cookies == [], (situation, path, cookies)
        response.close()


def test_a_new_visitor_gets_no_cookie(app, public_paths):
    _assert_no_cookie(app.test_client(), public_paths, "no cookie at all")


def test_a_visitor_with_a_form_session_gets_no_new_cookie(app, public_paths):
    visitor = app.test_client()
    assert visitor.get("/unirse").headers.getlist("Set-Cookie")  # the join form's CSRF session
    _assert_no_cookie(visitor, public_paths, "after a form")


def test_a_logged_out_visitor_gets_no_cookie(app, make_user, public_paths):
    visitor = app.test_client()
    user = make_user("moderator")
    Auth(visitor).post("/entrar", {"email": user.email, "password": PASSWORD, "remember": "y"})
    Auth(visitor).logout()  # this answer clears the login cookies...
    visitor.get("/")  # ...and, at the latest, the one after it
    _assert_no_cookie(visitor, public_paths, "after logging out")


def test_a_stale_remember_me_cookie_is_cleared_once_then_nothing(app, make_user, public_paths):
    """A remember-me cookie that no longer signs anyone in (the account logged out elsewhere) is
    cleared by one answer; after that, nothing more."""
    phone, laptop = app.test_client(), app.test_client()
    user = make_user("moderator")
    Auth(phone).post("/entrar", {"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = phone.get_cookie("remember_token").value
    Auth(laptop).login(user)
    Auth(laptop).logout()  # signs the account out everywhere: the phone's cookies no longer work
    visitor = app.test_client()
    visitor.set_cookie("remember_token", remember)
    first = visitor.get("/")
    # Cleared, and nothing else: no session holding the stale account (it used to take two answers,
    # the first storing the stale token in a new session).
    assert first.headers.getlist("Set-Cookie") == [
        "remember_token=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"
    ]
    _assert_no_cookie(visitor, public_paths, "after a stale remember-me cookie")


def test_remember_me_keeps_a_browser_signed_in_after_it_drops_its_session(app, make_user):
    """The browser restarted: only the remember-me cookie is left. It signs the person in, once
    (one new session cookie), and keeps them signed in; it used to sign them out on the next page
    and clear itself (Flask-Login's strong protection took the new session for a stolen one)."""
    user = make_user("moderator")
    browser = app.test_client()
    Auth(browser).post("/entrar", {"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = browser.get_cookie("remember_token").value
    restarted = app.test_client()
    restarted.set_cookie("remember_token", remember)
    first = restarted.get("/panel")
    assert first.status_code == 200
    assert [c.split("=")[0] for c in first.headers.getlist("Set-Cookie")] == ["ideaboard_session"]
    for _ in range(3):
        again = restarted.get("/panel")
        assert again.status_code == 200
        assert again.headers.getlist("Set-Cookie") == []
    assert restarted.get_cookie("remember_token").value == remember
    moved = restarted.get("/panel", headers={"User-Agent": "Otro navegador"})  # that session, elsewhere
    assert moved.status_code == 302  # strong protection still ends a session seen in another browser


def test_a_session_cookie_signed_with_another_key_gets_no_cookie(app, public_paths):
    visitor = app.test_client()
    visitor.set_cookie("ideaboard_session", "eyJjc3JmX3Rva2VuIjoieCJ9.Z0000.not-our-signature")
    _assert_no_cookie(visitor, public_paths, "a foreign session cookie")
