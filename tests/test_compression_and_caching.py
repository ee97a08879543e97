"""Bytes for a weak network, through the test client: compressed answers (brotli, gzip), static files
under content-hashed names kept a year, pages kept from shared caches, no cookie on a page without
a form. The same, measured in Chromium with budgets: tests/browser/test_bytes_on_the_wire.py."""
import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest
from flask import Response, url_for

from ideaboard.assets import HASHED, StaticFiles

from .conftest import Auth

STATIC = Path(__file__).resolve().parents[1] / "static"
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}
YEAR = "public, max-age=31536000, immutable"
STATIC_URL = re.compile(r"""/static/[^"'\s)#]+""")


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    return {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding, lambda d: d)(data)


def cookies_set(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def sha(path: str) -> str:
    return hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


# --- Compression ------------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "encoding"), [
    ("gzip, deflate, br, zstd", "br"),  # what Chromium sends: brotli first
    ("gzip, deflate", "gzip"),
    ("br;q=0, gzip", "gzip"),
    ("", None),
    ("identity", None),
])
def test_pages_are_compressed_with_what_the_browser_takes(client, accept, encoding):
    response = client.get("/municipios/", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    html = decoded(response)
    assert html.startswith(b"<!doctype html>") and b"Los 340 municipios de Guatemala" in html
    if encoding:
        assert len(response.get_data()) < len(html) / 3, "a page of names and map paths compresses 3x or better"
        assert int(response.headers["Content-Length"]) == len(response.get_data())


def test_small_answers_and_compressed_types_are_sent_as_they_are(app, client):
    big = b"%PDF-1.7 " + bytes(range(256)) * 40
    app.add_url_rule("/t/pdf", "t_pdf", lambda: Response(big, mimetype="application/pdf"))
    app.add_url_rule("/t/png", "t_png", lambda: Response(b"\x89PNG" + big, mimetype="image/png"))
    app.add_url_rule("/t/small", "t_small", lambda: Response("<p>hola</p>" * 20, mimetype="text/html"))
    for path, body in (("/t/pdf", big), ("/t/png", b"\x89PNG" + big)):
        response = client.get(path, headers=BROWSER)
        assert "Content-Encoding" not in response.headers, path
        assert response.get_data() == body
    small = client.get("/t/small", headers=BROWSER)
    assert len(small.get_data()) < app.config["COMPRESS_MIN_SIZE"]
    assert "Content-Encoding" not in small.headers
    assert client.get("/healthz", headers=BROWSER).headers.get("Content-Encoding") is None  # a few bytes of JSON


def test_streamed_answers_are_neither_compressed_nor_held_back(app, client):
    produced = []

    def lines():
        for n in range(3):
            produced.append(n)
            yield f"line {n} " * 400 + "\n"

    app.add_url_rule("/t/stream", "t_stream", lambda: Response(lines(), mimetype="text/plain"))
    response = client.get("/t/stream", headers=BROWSER, buffered=False)
    assert "Content-Encoding" not in response.headers
    chunks = iter(response.response)
    first = next(chunks)
    assert first.startswith(b"line 0") and produced == [0], "the first line left before the next was made"
    assert b"".join([first, *chunks]).count(b"\n") == 3
    response.close()


def test_socket_io_traffic_never_goes_through_flask_compress(client):
    """Engine.IO answers /socket.io/ before Flask sees the request: its long-polling handshake
    comes back as Engine.IO wrote it, readable by the Socket.IO client."""
    response = client.get("/socket.io/?EIO=4&transport=polling", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") in (None, "gzip", "deflate")  # Engine.IO's own, if any
    assert response.headers.get("Content-Encoding") != "br"
    assert decoded(response).startswith(b'0{"sid":')


# --- Static files -----------------------------------------------------------------------------


def test_url_for_static_gives_content_hashed_names(app):
    with app.test_request_context():
        assert url_for("static", filename="css/app.css") == f"/static/css/app.{sha('css/app.css')}.css"
        htmx = url_for("static", filename="vendor/htmx-2.0.11.min.js")
        assert htmx == f"/static/vendor/htmx-2.0.11.min.{sha('vendor/htmx-2.0.11.min.js')}.js"
        assert url_for("static", filename="nope.css") == "/static/nope.css"  # no such file: left alone
        assert url_for("static", filename="img/icons.svg", _external=True).startswith("http://localhost/static/img/icons.")


@pytest.mark.parametrize("path", ["/", "/unirse", "/municipios/", "/propuestas", "/entrar"])
def test_every_page_links_its_static_files_by_hashed_name(client, path):
    html = client.get(path).get_data(as_text=True)
    urls = set(STATIC_URL.findall(html))
    assert urls, f"{path} links no static file"
    for url in urls:
        assert HASHED.match(url.removeprefix("/static/")), f"{path} links {url} by its plain name"
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(("accept", "encoding"), [("gzip, deflate, br, zstd", "br"), ("gzip", "gzip"), ("", None)])
def test_a_hashed_static_file_is_kept_a_year_and_compressed_once(client, accept, encoding):
    url = f"/static/css/app.{sha('css/app.css')}.css"
    response = client.get(url, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == YEAR
    assert response.headers.get("Content-Encoding") == encoding
    assert response.mimetype == "text/css"
    assert decoded(response) == (STATIC / "css/app.css").read_bytes()
    if encoding:
        assert "Accept-Encoding" in response.headers["Vary"]
        again = client.get(url, headers={"Accept-Encoding": accept, "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_the_plain_name_still_works_with_a_short_cache(client):
    response = client.get("/static/css/app.css", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert decoded(response) == (STATIC / "css/app.css").read_bytes()
    again = client.get("/static/css/app.css", headers={**BROWSER, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    plain = client.get("/static/vendor/socket.io-4.8.4.min.js")  # no Accept-Encoding: the file as it is
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    assert plain.get_data() == (STATIC / "vendor/socket.io-4.8.4.min.js").read_bytes()
    plain.close()


def test_an_old_hash_gets_the_current_file_but_is_not_kept(client):
    response = client.get("/static/css/app.0123456789ab.css", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert decoded(response) == (STATIC / "css/app.css").read_bytes()


@pytest.mark.parametrize("path", ["/static/nope.0123456789ab.css", "/static/nope.css", "/static/../wsgi.py",
                                  "/static/..%2Fwsgi.py", f"/static/../ideaboard/config.{'0' * 12}.py"])
def test_no_file_outside_static_or_missing(client, path):
    assert client.get(path).status_code == 404


def test_files_not_worth_compressing_are_sent_as_they_are(client):
    favicon = client.get(f"/static/img/favicon.{sha('img/favicon.svg')}.svg", headers=BROWSER)  # 295 bytes
    assert favicon.headers["Cache-Control"] == YEAR and "Content-Encoding" not in favicon.headers
    favicon.close()
    licence = client.get(f"/static/img/icons.{sha('img/icons.LICENSE')}.LICENSE", headers=BROWSER)
    assert licence.status_code == 200 and "Content-Encoding" not in licence.headers
    licence.close()


def test_a_changed_file_gets_a_new_name_in_development(tmp_path):
    (tmp_path / "app.css").write_text("body { color: red }")
    files = StaticFiles(str(tmp_path), reload=True, mimetypes_compressed=["text/css"], min_size=10)
    before = files.hashed_name("app.css")
    (tmp_path / "app.css").write_text("body { color: blue; margin: 0 }")
    after = files.hashed_name("app.css")
    assert before != after and HASHED.match(after)
    assert files.resolve(after) == ("app.css", True) and files.resolve(before) == ("app.css", False)
    assert brotli.decompress(files.compressed("app.css", "br")) == b"body { color: blue; margin: 0 }"
    kept = StaticFiles(str(tmp_path), reload=False, mimetypes_compressed=["text/css"], min_size=10)
    name = kept.hashed_name("app.css")
    (tmp_path / "app.css").write_text("changed, unseen until a restart")
    assert kept.hashed_name("app.css") == name  # production reads each file once


# --- Caches and cookies -----------------------------------------------------------------------


@pytest.fixture
def public_pages(make_ideathon):
    ideathon = make_ideathon("0301", title="Ideatón de Antigua Guatemala")
    return ["/", "/municipios/", "/municipios/0301", "/propuestas", f"/ideatones/{ideathon.id}", "/programas"]


def test_anonymous_pages_set_no_cookie_and_stay_out_of_shared_caches(client, public_pages):
    for path in public_pages:
        response = client.get(path, headers=BROWSER)
        assert response.status_code == 200, path
        assert cookies_set(response) == [], path
        assert response.headers["Cache-Control"] == "private, no-cache", path
        assert b'name="csrf-token"' not in decoded(response)  # no form, no token, no session


def test_the_join_form_starts_a_session_for_its_token_and_nothing_more(client, public_pages):
    response = client.get("/unirse")
    set_now = cookies_set(response)
    assert [c.split("=")[0] for c in set_now] == ["ideaboard_session"], set_now
    assert 'name="csrf-token"' in response.get_data(as_text=True)
    # From then on the session is read, never written again: no cookie, not even remember_token's.
    for path in ["/unirse", *public_pages]:
        response = client.get(path)
        assert cookies_set(response) == [], (path, cookies_set(response))
    # The token is in the head of every page now (htmx sends it), at no cost: the session has it.
    assert 'name="csrf-token"' in client.get("/").get_data(as_text=True)


def test_a_participant_board_sets_no_cookie(client, open_room, join):
    room = open_room()
    join(client, room, "Ana")
    for path in (f"/sala/{room.id}", f"/sala/{room.id}/tablero"):
        response = client.get(path, headers=BROWSER)
        assert response.status_code == 200, path
        assert cookies_set(response) == [], (path, cookies_set(response))
        assert response.headers["Cache-Control"] == "private, no-cache"
        assert response.headers["Content-Encoding"] == "br"


def test_strong_session_protection_still_signs_out_a_moved_login(client, auth, make_user):
    user = make_user("coordinator")
    auth.login(user)
    assert client.get("/panel").status_code == 200
    assert client.get("/panel").headers["Cache-Control"] == "no-store"
    moved = client.get("/panel", headers={"User-Agent": "Otro navegador"})  # the session cookie elsewhere
    assert moved.status_code == 302 and "/entrar" in moved.headers["Location"]


# --- The language switch needs no session -----------------------------------------------------


def lang_cookie(response) -> str | None:
    for cookie in cookies_set(response):
        if cookie.startswith("lang="):
            return cookie.split(";")[0].removeprefix("lang=")
    return None


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://localhost"}])
def test_the_language_switch_takes_a_post_from_this_site_without_a_token(client, headers):
    page = client.get("/").get_data(as_text=True)
    assert 'action="/idioma"' in page and 'name="csrf_token"' not in page
    response = client.post("/idioma", data={"lang": "en", "next": "/municipios/"}, headers=headers)
    assert response.status_code == 302 and response.headers["Location"] == "/municipios/"
    assert lang_cookie(response) == "en"
    assert [c.split("=")[0] for c in cookies_set(response)] == ["lang"]  # no session either


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "https://otro.example"}, {"Origin": "null"}, {}])
def test_the_language_switch_refuses_posts_from_elsewhere(client, headers):
    response = client.post("/idioma", data={"lang": "en", "next": "/"}, headers=headers)
    assert response.status_code == 400
    assert lang_cookie(response) is None


def test_the_language_switch_still_takes_a_valid_token(client):
    response = Auth(client).post("/idioma", {"lang": "en", "next": "/"})
    assert response.status_code == 302 and lang_cookie(response) == "en"
