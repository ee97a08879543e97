"""Where `next` may send someone: a path on this site, never another site (an open redirect), and
never a 500. One function decides (`ideaboard.accounts.safe_next_url`); these tests go through
every place that follows a `next` (the login and the language switch) over the real test client.

A browser reading a Location header strips tabs and newlines anywhere and leading spaces and
control characters, and takes a backslash for a slash: `/\\t/evil.com` is `//evil.com` to it.
`_where_a_browser_goes` does the same to what the app answered.
"""
import re
from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import PASSWORD

HOSTILE = [
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r/evil.com",
    "/\r\nX: y",
    "\t//evil.com",
    " //evil.com",
    "//evil.com",
    "///evil.com",
    "/\\evil.com",
    "\\/evil.com",
    "\\\\evil.com",
    "/\t\\evil.com",
    "/\\\t\\evil.com",
    "https://evil.com",
    "https:/evil.com",
    "http:evil.com",
    "HTTPS://evil.com",
    "javascript:alert(1)",
    "//evil.com/%2F..",
    "/x\x00/evil.com",
    "/x\x0b//evil.com",
    "evil.com",
    "",
]
LOCAL = ["/municipios?x=1", "/ideatones/", "/propuestas?tema=agua&anio=2024", "/%09/not-a-tab"]


def _where_a_browser_goes(location: str):
    """What a browser makes of a Location header (WHATWG URL parsing, the parts that matter)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00- ").replace("\\", "/")
    return urlsplit(cleaned)


def _assert_stays_here(response, default: str, raw: str):
    if "\x00" in raw:  # refused before any view runs, redirect or not (ideaboard/inputs.py)
        assert response.status_code == 400, response.status_code
        assert "Location" not in response.headers
        return
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    target = _where_a_browser_goes(location)
    assert not target.scheme and not target.netloc, f"redirected off the site: {location!r}"
    assert location == default, location


def _query_variants(raw: str):
    """`next` as a browser would send it (percent-encoded) and as typed, raw."""
    yield "encoded", "next=" + quote(raw, safe="")
    yield "raw", "next=" + raw


@pytest.fixture
def logged_in(client, auth, make_user):
    auth.login(make_user("moderator"))
    return client


@pytest.mark.parametrize("raw", HOSTILE)
def test_the_login_never_redirects_off_the_site(logged_in, raw):
    for how, query in _query_variants(raw):
        response = logged_in.get("/entrar", query_string=query)
        assert response.status_code != 500, how
        _assert_stays_here(response, "/panel", raw)


@pytest.mark.parametrize("raw", LOCAL)
def test_the_login_goes_back_to_a_path_of_this_site(logged_in, raw):
    response = logged_in.get("/entrar", query_string="next=" + quote(raw, safe="/?="))
    assert response.status_code == 302
    assert response.headers["Location"] == raw


def test_logging_in_with_a_hostile_next_lands_on_the_panel(client, auth, make_user):
    user = make_user("moderator")
    token = auth.csrf_token()
    response = client.post("/entrar?next=/%09/evil.com",
                           data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    _assert_stays_here(response, "/panel", "/\t/evil.com")


@pytest.mark.parametrize("raw", HOSTILE)
def test_the_language_switch_never_redirects_off_the_site(auth, raw):
    response = auth.post("/idioma", {"lang": "en", "next": raw})
    _assert_stays_here(response, "/", raw)


@pytest.mark.parametrize("raw", LOCAL)
def test_the_language_switch_goes_back_to_a_path_of_this_site(auth, raw):
    response = auth.post("/idioma", {"lang": "en", "next": raw})
    assert response.status_code == 302
    assert response.headers["Location"] == raw
