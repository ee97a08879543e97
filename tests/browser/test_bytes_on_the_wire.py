"""Bytes on the wire for a phone on a weak network: each page loaded in Chromium with an empty
cache, every byte it received summed (headers included, as the Chrome DevTools Protocol counts
them: Network.loadingFinished's encodedDataLength, plus the Socket.IO frames received).

Budgets (1 KB = 1,000 bytes), first visit with an empty cache: /unirse with its assets 40 KB, the
participant's board 62 KB (60 KB until "Grabar mi idea" came: docs/benchmarks.md), the projector 80 KB, /municipios/ 100 KB; a repeat visit to the board
15 KB. And on every page: compressible responses carry Content-Encoding, static files come under
content-hashed names cached for a year (immutable), HTML is never stored by shared caches, and no
anonymous page sets a cookie (/unirse, a form, may set the session cookie its CSRF token lives in).

The figures of each run are written to test-artifacts/bytes-on-the-wire.txt (docs/benchmarks.md,
"Bytes on the wire", says how they were taken).
"""
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ideaboard.config import Config
from ideaboard.ideas.services import post_idea
from ideaboard.rooms.services import join_room

from .conftest import PHONE, log_in

pytestmark = pytest.mark.browser

KB = 1000
BUDGETS = {"unirse": 40 * KB, "board": 62 * KB, "projector": 80 * KB, "municipios": 100 * KB,
           "board-repeat": 15 * KB}
YEAR = 31_536_000
COMPRESSIBLE = re.compile(r"^(text/|application/(javascript|json|xml)|image/svg\+xml)")
SMALL = Config.COMPRESS_MIN_SIZE  # bytes: a smaller body may go uncompressed (it would save next to nothing)
SOCKET_IO = "/socket.io/"
QUIET = 0.5  # s without an HTTP request in flight: the page has finished loading what it loads
REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "bytes-on-the-wire.txt"
THEMES = [("Agua y saneamiento", "water"), ("Desechos y limpieza", "waste"), ("Calles y caminos", "road")]
# A board in full swing: 30 ideas from 10 phones, each a sentence or two, as people type them.
IDEAS = [
    "Arreglar la tubería de la calle principal que se rompe cada invierno",
    "Clorar el agua del tanque comunitario una vez por semana y publicar el resultado",
    "Que el camión del agua pase también por la aldea los martes y los viernes",
    "Instalar medidores en las casas para que cada familia pague lo que usa",
    "Limpiar el río antes de la época de lluvia con ayuda de los vecinos",
    "Construir un pozo nuevo en la colonia El Mirador, que no tiene agua desde marzo",
    "Revisar las fugas de la red cerca del mercado; se pierde mucha agua",
    "Dar capacitación a los comités de agua sobre cómo cuidar la fuente",
    "Poner un horario fijo de servicio y avisarlo por la radio comunitaria",
    "Proteger el nacimiento de agua con árboles y un cerco",
    "Poner basureros en el parque central y recoger la basura dos veces por semana",
    "Campaña en las escuelas para separar la basura orgánica del plástico",
    "Multar a quien tire basura en el barranco de la zona 3",
    "Un centro de reciclaje donde se pueda vender el plástico y el cartón",
    "Que el tren de aseo tenga una ruta publicada y respete los horarios",
    "Jornadas de limpieza un sábado al mes con los COCODES",
    "Hacer abono con la basura del mercado para los viveros municipales",
    "Más contenedores cerca de la terminal de buses",
    "Cerrar el basurero a cielo abierto y buscar un relleno sanitario",
    "Educar sobre el uso de bolsas reutilizables en las tiendas",
    "Tapar los baches de la calle que va al centro de salud",
    "Poner señales y reductores de velocidad frente a la escuela",
    "Iluminar el camino a la aldea; de noche es peligroso caminar",
    "Construir banquetas para que los niños no caminen por la calle",
    "Reparar el puente de la quebrada antes de que se caiga",
    "Pavimentar el tramo de terracería que se vuelve lodo en invierno",
    "Limpiar los tragantes para que no se inunden las calles",
    "Una parada de bus techada cerca del mercado",
    "Pintar los pasos de cebra del parque central",
    "Que los vecinos puedan reportar baches por teléfono y ver cuándo se arreglan",
]


# --- Measuring --------------------------------------------------------------------------------


@dataclass
class Received:
    url: str
    kind: str = ""  # Document, Stylesheet, Script, Image, Fetch, XHR, WebSocket, ...
    status: int = 0
    mime: str = ""
    headers: dict = field(default_factory=dict)  # lower-case names; Set-Cookie lines joined by "\n"
    bytes: int = 0  # on the wire, headers included
    body: int = 0  # the body's bytes once decoded
    from_cache: bool = False
    done: bool = False

    @property
    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.url)


class Wire:
    """What a page receives, seen through the Chrome DevTools Protocol."""

    def __init__(self, page):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)
        self.received: dict[str, Received] = {}
        self.frames = 0  # bytes of Socket.IO frames received over the WebSocket
        self.connected = False
        self.last_event = time.monotonic()
        on = self.cdp.on
        on("Network.requestWillBeSent", self._sent)
        on("Network.responseReceived", self._response)
        on("Network.responseReceivedExtraInfo", self._raw_headers)
        on("Network.requestServedFromCache", self._from_cache)
        on("Network.dataReceived", self._data)
        on("Network.loadingFinished", self._finished)
        on("Network.loadingFailed", self._finished)
        on("Network.webSocketCreated", self._socket)
        on("Network.webSocketFrameReceived", self._frame)
        self.cdp.send("Network.enable")

    def _entry(self, request_id: str, url: str = "") -> Received:
        self.last_event = time.monotonic()
        entry = self.received.get(request_id)
        if entry is None:
            entry = self.received[request_id] = Received(url=url)
        return entry

    def _sent(self, event):
        entry = self._entry(event["requestId"], event["request"]["url"])
        entry.url, entry.kind = event["request"]["url"], event.get("type", "")

    def _response(self, event):
        entry = self._entry(event["requestId"], event["response"]["url"])
        response = event["response"]
        entry.status, entry.mime = response["status"], response.get("mimeType", "")
        for name, value in response["headers"].items():
            entry.headers.setdefault(name.lower(), value)
        entry.from_cache = entry.from_cache or response.get("fromDiskCache", False) or \
            response.get("fromPrefetchCache", False)

    def _raw_headers(self, event):
        # The headers as they came, Set-Cookie included (responseReceived leaves it out).
        entry = self._entry(event["requestId"])
        for name, value in event["headers"].items():
            entry.headers[name.lower()] = value

    def _from_cache(self, event):
        self._entry(event["requestId"]).from_cache = True

    def _data(self, event):
        self._entry(event["requestId"]).body += int(event.get("dataLength", 0))

    def _finished(self, event):
        entry = self._entry(event["requestId"])
        entry.bytes, entry.done = int(event.get("encodedDataLength", 0)), True

    def _socket(self, event):
        self._entry(event["requestId"], event["url"]).kind = "WebSocket"

    def _frame(self, event):
        self.last_event = time.monotonic()
        payload = event["response"]["payloadData"]
        self.frames += len(payload.encode())
        # Engine.IO's answer to the upgrade probe, or Socket.IO's CONNECT over the WebSocket.
        if payload == "3probe" or payload.startswith("40"):
            self.connected = True

    def settle(self, *, socket: bool, timeout: float = 20.0) -> None:
        """Wait until the page (and, where it has one, its Socket.IO connection) is up and no HTTP
        request has been in flight for QUIET seconds."""
        deadline = time.monotonic() + timeout
        while True:
            busy = [r.url for r in self.received.values() if not r.done and r.kind != "WebSocket"]
            quiet = not busy and time.monotonic() - self.last_event >= QUIET
            if quiet and (self.connected or not socket):
                return
            assert time.monotonic() < deadline, (
                f"{self.page.url} did not settle in {timeout:.0f} s: in flight {busy}, socket connected: "
                f"{self.connected}")
            self.page.wait_for_timeout(50)

    @property
    def responses(self) -> list[Received]:
        return [r for r in self.received.values() if r.status and r.kind != "WebSocket"]

    @property
    def total(self) -> int:
        return sum(r.bytes for r in self.received.values()) + self.frames

    def over_the_network(self) -> list[Received]:
        return [r for r in self.responses if not r.from_cache]

    def summary(self, name: str) -> str:
        lines = [f"{name}: {self.total:,} bytes in {len(self.over_the_network())} requests "
                 f"({self.frames:,} of them Socket.IO frames)"]
        for r in sorted(self.responses, key=lambda r: -r.bytes):
            encoding = r.headers.get("content-encoding", "-")
            cached = " (from cache)" if r.from_cache else ""
            lines.append(f"  {r.bytes:>8,}  {r.status} {encoding:<4} {r.mime:<24} {r.path[:90]}{cached}")
        return "\n".join(lines)


def visit(page, path: str, *, socket: bool = False) -> Wire:
    wire = Wire(page)
    page.goto(path)
    wire.settle(socket=socket)
    return wire


def report(name: str, wire: Wire) -> str:
    text = wire.summary(name)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with REPORT.open("a", encoding="utf-8") as out:
        out.write(text + "\n")
    print(text)
    return text


# --- What every page must do ------------------------------------------------------------------


def set_cookies(wire: Wire) -> list[str]:
    return [f"{r.path}: {line}" for r in wire.responses
            for line in r.headers.get("set-cookie", "").split("\n") if line.strip()]


def assert_headers(wire: Wire, name: str, *, cookies_allowed: tuple[str, ...] = ()) -> None:
    problems = []
    for r in wire.over_the_network():
        headers, encoding = r.headers, r.headers.get("content-encoding")
        if (r.status == 200 and COMPRESSIBLE.match(r.mime) and not encoding and r.body >= SMALL
                and SOCKET_IO not in r.path):
            problems.append(f"not compressed: {r.path} ({r.mime}, a body of {r.body:,} bytes)")
        if r.path.startswith("/static/"):
            cache = headers.get("cache-control", "")
            if not ("public" in cache and f"max-age={YEAR}" in cache and "immutable" in cache):
                problems.append(f"a static file not cached for a year: {r.path} (Cache-Control: {cache!r})")
        if r.kind == "Document":
            cache = headers.get("cache-control", "")
            if not ("private" in cache or "no-store" in cache):
                problems.append(f"HTML a shared cache may keep: {r.path} (Cache-Control: {cache!r})")
    for line in set_cookies(wire):
        if not any(line.split(": ", 1)[1].startswith(f"{allowed}=") for allowed in cookies_allowed):
            problems.append(f"Set-Cookie on {name}: {line}")
    assert not problems, f"{name}:\n" + "\n".join(problems) + "\n" + wire.summary(name)


def assert_budget(wire: Wire, name: str) -> None:
    budget = BUDGETS[name]
    assert wire.total <= budget, (f"{name}: {wire.total:,} bytes on the wire, over its budget of "
                                  f"{budget:,}\n" + wire.summary(name))


# --- Setup ------------------------------------------------------------------------------------


@pytest.fixture
def busy_room(app, open_room):
    """An open room collecting ideas: 3 themes, 30 ideas from 10 participants."""
    room = open_room(themes=THEMES)
    people = [join_room(room, nickname=f"Vecina {n}") for n in range(10)]
    for n, text in enumerate(IDEAS):
        theme = room.themes[n // 10]
        post_idea(room, people[n % 10], theme_id=theme.id, text=text, client_id=f"wire-{n:04d}-{room.id}")
    return room


def fresh_context_like(browser, live_server, page, **options):
    """A new context with the cookies `page` holds and an empty cache: a first visit, signed in."""
    state = page.context.storage_state()
    context = browser.new_context(base_url=live_server.url, storage_state=state, **{**PHONE, **options})
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def contexts(browser, live_server):
    opened = []

    def make(like=None, **options):
        if like is None:
            context = browser.new_context(base_url=live_server.url, **{**PHONE, **options})
            context.set_default_timeout(10_000)
            page = context.new_page()
        else:
            context, page = fresh_context_like(browser, live_server, like, **options)
        opened.append(context)
        return page

    yield make
    for context in opened:
        context.close()


def join_on_phone(page, room) -> None:
    page.goto(f"/s/{room.room_code}")
    page.wait_for_url(f"**/sala/{room.id}/unirse")
    page.get_by_label("Su apodo (opcional)").fill("Medidora")
    page.get_by_role("button", name="Entrar al tablero").first.click()
    page.wait_for_url(re.compile(rf"/sala/{room.id}$"))
    expect(page.locator("#board")).to_be_visible()


# --- Tests ------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def fresh_report():
    REPORT.unlink(missing_ok=True)


def test_bytes_join_page(app, contexts):
    """The code-entry page and its assets fit 40 KB; its form legitimately starts a session (the
    CSRF token), and nothing else sets a cookie."""
    page = contexts()
    wire = visit(page, "/unirse")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    report("unirse", wire)
    assert_headers(wire, "unirse", cookies_allowed=("ideaboard_session",))
    assert_budget(wire, "unirse")


def test_bytes_board_first_and_repeat_visit(app, busy_room, contexts):
    """A participant's board with an empty cache fits 60 KB, sets no cookie; coming back to it
    (the assets cached) fits 15 KB and asks the network for no static file at all."""
    joined = contexts()
    join_on_phone(joined, busy_room)
    page = contexts(like=joined)
    board = f"/sala/{busy_room.id}"

    first = visit(page, board, socket=True)
    expect(page.locator("li.idea")).to_have_count(len(IDEAS))
    report("board", first)
    assert_headers(first, "board")
    assert_budget(first, "board")

    again = visit(page, board, socket=True)
    expect(page.locator("li.idea")).to_have_count(len(IDEAS))
    report("board-repeat", again)
    refetched = [r.path for r in again.over_the_network() if r.path.startswith("/static/")]
    assert not refetched, f"static files asked for again on a repeat visit: {refetched}"
    assert_headers(again, "board-repeat")
    assert_budget(again, "board-repeat")


def test_bytes_projector(app, busy_room, contexts):
    """The projector (a moderator, signed in) with an empty cache fits 80 KB."""
    signed_in = contexts(viewport={"width": 1920, "height": 1080}, is_mobile=False, has_touch=False,
                         device_scale_factor=1)
    log_in(signed_in, busy_room.created_by)
    page = contexts(like=signed_in, viewport={"width": 1920, "height": 1080}, is_mobile=False,
                    has_touch=False, device_scale_factor=1)
    wire = visit(page, f"/sala/{busy_room.id}/proyector", socket=True)
    expect(page.locator("li.idea")).to_have_count(len(IDEAS))
    report("projector", wire)
    assert_headers(wire, "projector")
    assert_budget(wire, "projector")


def test_bytes_municipalities(app, contexts):
    """The 340 municipalities and the map fit 100 KB with an empty cache; no cookie."""
    page = contexts()
    wire = visit(page, "/municipios/")
    expect(page.locator(".muni-list li")).to_have_count(340)
    report("municipios", wire)
    assert_headers(wire, "municipios")
    assert_budget(wire, "municipios")


@pytest.mark.parametrize("path", ["/", "/propuestas"])
def test_bytes_public_pages_set_no_cookie(app, contexts, path):
    """The home page and the public archive's search: compressed, assets cached a year, no cookie."""
    page = contexts()
    wire = visit(page, path)
    report(path, wire)
    assert_headers(wire, path)
