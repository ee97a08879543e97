"""Bytes for a weak network, through the test client: compressed answers (brotli, gzip), static files
under content-hashed names kept a year, pages kept from shared caches, no cookie on a page without
a form. The same, measured in Chromium with budgets: tests/browser/test_bytes_on_the_wire.py."""
import gzip

import brotli
import pytest
from flask import Response

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    return {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding, lambda d: d)(data)


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
