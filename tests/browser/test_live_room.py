"""The live room in a real browser: phones join by the QR link, post, and see each other's ideas
live; the projector shows the QR code, the code and who is in; a phone that loses its connection
catches up when it comes back; posting works without JavaScript; axe after live updates too.

Cutting a phone's connection: `context.set_offline(True)` makes every new request fail at once
(net::ERR_INTERNET_DISCONNECTED) but does not close an open WebSocket by itself (seen with Debian's
Chromium here).
What closes it in practice is the Socket.IO client: Chromium fires the window's "offline" event
when the context goes offline, and engine.io-client (static/vendor/socket.io-4.8.4.min.js)
listens for it and closes its transport ("transport close"): the page sees a disconnect within
milliseconds, shows its banner, and its reconnection attempts (long-polling first) fail until
the context is online again; then the next attempt (back-off 0.5 to 5 s) connects and room.js
re-fetches the board. `ConnectionCutter` also closes the WebSocket itself through
`page.route_web_socket`, so the test does not depend on that listener (engine.io-client skips
it for a server named "localhost"; the live server is 127.0.0.1). Either one alone was checked
to raise the banner; only the pair keeps the phone off until the test restores it.
"""
import io
import re
import time
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.rooms.models import Participant, ParticipationSurvey

from .conftest import check_page, log_in, screenshot, wait_live

pytestmark = pytest.mark.browser

# How fast a post or a head count reaches every screen is a target of the benchmarks (tests/bench,
# docs/benchmarks.md), not of this test: here each screen is waited for (the browser's generous timeout,
# tests/browser/conftest.py) and the latency is printed. A timed wait here failed on a busy machine.
LIVE = 1_000  # ms: what the other browser tests allow a live update (they import it)
RECONNECT = 10_000  # ms: Socket.IO retries with a back-off of 0.5 s to 2 s (room.js)
THEMES = [("Agua y saneamiento", "water"), ("Desechos y limpieza", "waste"), ("Calles y caminos", "road")]
PRESENTER_1920 = {"viewport": {"width": 1920, "height": 1080}, "is_mobile": False, "has_touch": False,
                  "device_scale_factor": 1}
PRESENTER_1280 = {**PRESENTER_1920, "viewport": {"width": 1280, "height": 720}}
SOCKET_IO = re.compile(r"/socket\.io/")
# What Chromium and htmx log while a page is offline on purpose: requests that could not leave
# (Socket.IO's reconnection attempts, the board's re-fetch, the htmx post and its error events).
OFFLINE_NOISE = re.compile(r"net::ERR_INTERNET_DISCONNECTED|htmx:sendError|htmx:afterRequest"
                           r"|WebSocket connection to .* failed")


# --- Helpers ---------------------------------------------------------------------------------


def room_with_themes(open_room):
    return open_room(themes=THEMES)


def clear_presence(app, room_id: int) -> None:
    """With Redis, presence lives in a sorted set per room (id and code), and ids restart with
    each test: whatever a room of this id left there is removed."""
    url = app.config.get("REDIS_URL")
    if url:
        import redis

        from ideaboard.rooms.presence import redis_key

        client = redis.Redis.from_url(url)
        for key in [redis_key(room_id), *client.scan_iter(match=redis_key(room_id, "*"))]:
            client.delete(key)


def join_by_qr(page, room, nickname: str, survey: dict | None = None, *, check: str | None = None) -> float:
    """Scan the QR code (its link), fill the join form, land on the board, and wait until the
    board's socket is connected and listening to the room (#board[data-live], set by room.js).
    Returns when (time.monotonic()) the board page had loaded."""
    page.goto(f"/s/{room.room_code}")
    page.wait_for_url(f"**/sala/{room.id}/unirse")  # the code does not stay in the address bar
    expect(page.get_by_role("heading", level=1)).to_have_text(room.title)
    page.get_by_label("Su apodo (opcional)").fill(nickname)
    if survey:
        page.get_by_text("Preguntas opcionales para evaluar el programa").click()
        page.get_by_label("Edad").select_option(survey["age_band"])
        page.get_by_label("Género").select_option(survey["gender"])
        page.get_by_label("Comunidad, aldea o zona").fill(survey["community"])
        page.get_by_role("radio", name=survey["first_time"], exact=True).check()
    if check:
        check_page(page, check)
    # With the survey open, its own button at the end of it; otherwise the one under the nickname.
    buttons = page.get_by_role("button", name="Entrar al tablero")
    (buttons.last if survey else buttons.first).click()
    page.wait_for_url(re.compile(rf"/sala/{room.id}$"))
    expect(page.locator("#board")).to_be_visible()
    wait_live(page)
    since_loaded = page.evaluate(
        "performance.now() - performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    return time.monotonic() - since_loaded / 1000


def count_refetches(page) -> list[str]:
    """Every re-fetch of the board (GET /sala/<id>/tablero) the page makes from now on."""
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "/tablero" in request.url else None)
    return fetched


def mark_document(page) -> None:
    """A marker on the window: it survives live updates and dies with a page load."""
    page.evaluate("window.__sameDocument = true")


def assert_same_document(page) -> None:
    assert page.evaluate("window.__sameDocument === true"), f"{page.url} was reloaded"


def presence_text(n: int) -> str:
    return f"{n} persona en la sala" if n == 1 else f"{n} personas en la sala"


def idea_box(page, theme: str):
    return page.get_by_label(f"Su idea para «{theme}»")


def post_form(page, theme: str):
    return page.locator("form.post-form", has=idea_box(page, theme))


def cards(page, text: str):
    return page.locator("li.idea", has_text=text)


def post_with_htmx(page, theme: str, text: str) -> float:
    """Type an idea and press Enviar; wait for the server's answer to the htmx post.
    Returns when (time.monotonic()) the post was sent."""
    idea_box(page, theme).fill(text)
    with page.expect_response(lambda r: r.request.method == "POST" and "/ideas" in r.url) as answer:
        post_form(page, theme).get_by_role("button", name="Enviar").click()
        sent = time.monotonic()  # htmx sends as the click's submit event is handled
    response = answer.value
    assert response.status == 200, (response.status, response.all_headers(), response.text()[:300])
    # Wait for room.js to put the fresh form in: the idea's card can arrive first (the room's
    # broadcast), and text typed into the old form now would be lost with it.
    expect(idea_box(page, theme)).to_have_value("")
    return sent


class ConnectionCutter:
    """Routes a page's WebSockets through Playwright so that the test can cut them.

    Call before the page opens its socket. `cut()` takes the context offline (HTTP, and so
    Socket.IO's long-polling and the board's re-fetch, fail) and closes the open WebSockets;
    while cut, new WebSockets are refused. `restore()` lets everything through again.
    """

    def __init__(self, page):
        self.page = page
        self.cut_off = False
        self.sockets = []
        page.route_web_socket(SOCKET_IO, self._route)

    def _route(self, ws):
        if self.cut_off:
            ws.close(code=1000, reason="offline")
            return
        ws.connect_to_server()
        self.sockets.append(ws)

    def cut(self) -> None:
        self.cut_off = True
        self.page.context.set_offline(True)
        for ws in self.sockets:
            ws.close(code=1000, reason="offline")
        self.sockets.clear()

    def restore(self) -> None:
        self.cut_off = False
        self.page.context.set_offline(False)


def forget_offline_noise(page, since: int) -> None:
    """Drop the console errors that going offline on purpose caused (those logged from index
    `since` on, matching OFFLINE_NOISE); keep any other."""
    errors = page.console_errors
    errors[since:] = [e for e in errors[since:] if not OFFLINE_NOISE.search(e)]


def assert_fits_the_screen(page) -> None:
    """The projector shows the QR code, the address, the code and who is in without scrolling,
    and the columns share the whole width beside them."""
    height = page.viewport_size["height"]
    for selector in (".join-panel__qr", ".join-panel__url", ".join-panel__code", "#presence"):
        box = page.locator(selector).bounding_box()
        assert box["y"] + box["height"] <= height, (selector, box, height)
    board = page.locator(".presenter__board").bounding_box()
    last = page.locator(".presenter__board .column").last.bounding_box()
    assert last["x"] + last["width"] >= board["x"] + board["width"] - 1, (last, board)


def expect_theme_shown(page, theme_id: int, timeout: float = 5.0) -> None:
    """On a phone one theme shows at a time: wait until the columns have (smoothly) scrolled to
    this one. Polled from here: wait_for_function needs the page's timers, which do not run with
    JavaScript off."""
    offset = """id => { const column = document.getElementById("theme-" + id);
                        return column.getBoundingClientRect().left - column.parentElement.getBoundingClientRect().left; }"""
    deadline = time.monotonic() + timeout
    while abs(left := page.evaluate(offset, theme_id)) >= 1:
        assert time.monotonic() < deadline, f"theme {theme_id} is {left:.0f} px off the screen on {page.url}"
        page.wait_for_timeout(50)


def qr_path(svg: str) -> str:
    match = re.search(r'\sd="([^"]+)"', svg)
    assert match, svg[:300]
    return match.group(1)


# --- Tests -----------------------------------------------------------------------------------


def test_three_phones_and_the_presenter_see_ideas_live(app, open_room, new_page):
    """Phones join by the QR link; an idea posted on one appears on the others and on the
    projector without reloading; only its author's phone marks it "Suya"; axe before and after."""
    import segno

    room = room_with_themes(open_room)
    clear_presence(app, room.id)
    coordinator = room.created_by

    presenter = new_page("presenter-1920", **PRESENTER_1920)
    log_in(presenter, coordinator)
    presenter.goto(f"/sala/{room.id}/proyector")
    expect(presenter.get_by_role("heading", level=1)).to_have_text(room.title)

    # The big QR code: an SVG made by the server, loaded, encoding the /s/<code> link.
    qr = presenter.get_by_role("img", name="Código QR para entrar a la sala")
    expect(qr).to_be_visible()
    presenter.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    box = qr.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 300, box
    svg = presenter.request.get(qr.get_attribute("src"))
    assert svg.status == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    code = f"{room.room_code[:3]}-{room.room_code[3:]}"
    expect(presenter.locator(".join-panel__code")).to_have_text(code)
    join_address = presenter.locator(".join-panel__url").inner_text().strip()
    assert re.fullmatch(r"https?://[^/\s]+/unirse", join_address), join_address
    expected = io.BytesIO()
    segno.make(join_address.removesuffix("/unirse") + f"/s/{room.room_code}", error="m").save(
        expected, kind="svg", scale=10, border=2, xmldecl=False, omitsize=True)
    assert qr_path(svg.text()) == qr_path(expected.getvalue().decode())
    assert_fits_the_screen(presenter)
    expect(presenter.locator("#presence")).to_have_text(presence_text(0))
    check_page(presenter, "room-presenter-empty")
    mark_document(presenter)

    # Three phones join through the QR link; one answers the optional survey.
    phone_a, phone_b, phone_c = (new_page("phone") for _ in range(3))
    join_by_qr(phone_a, room, "Ana", check="room-join")
    join_by_qr(phone_b, room, "Beto", survey={"age_band": "30-44", "gender": "man", "community": "Zona 3",
                                               "first_time": "Sí"}, check="room-join-survey")
    on_board = join_by_qr(phone_c, room, "")
    expect(presenter.locator("#presence")).to_have_text(presence_text(3))
    presence_latency = time.monotonic() - on_board
    for phone in (phone_a, phone_b, phone_c):
        expect(phone.locator("#presence")).to_have_text(presence_text(3))
        expect(phone.locator("#connection-banner")).to_be_hidden()
        mark_document(phone)
    check_page(phone_a, "room-board-empty")

    # Phone A posts into the second theme.
    theme = THEMES[1][0]
    phone_a.get_by_role("link", name=re.compile(theme)).click()
    expect_theme_shown(phone_a, room.themes[1].id)
    text = "Poner basureros en el parque central y recoger la basura dos veces por semana"
    started = post_with_htmx(phone_a, theme, text)
    expect(cards(phone_a, text)).to_be_visible()  # from the htmx answer
    for page in (phone_b, phone_c, presenter):
        expect(cards(page, text)).to_be_visible()
    live_latency = time.monotonic() - started
    for page in (phone_a, phone_b, phone_c, presenter):
        expect(cards(page, text)).to_have_count(1)
        expect(cards(page, text)).to_contain_text("Ana")
        expect(page.locator(f"#count-{room.themes[1].id}")).to_have_text("1")
        assert_same_document(page)
    expect(idea_box(phone_a, theme)).to_have_value("")  # a fresh form for the next idea

    # "Suya" (and the link to edit) only on the author's phone; never on the projector.
    expect(cards(phone_a, text).locator(".idea__mine-badge")).to_be_visible()
    expect(cards(phone_a, text).get_by_role("link", name="Editar o retirar")).to_be_visible()
    for page in (phone_b, phone_c, presenter):
        expect(cards(page, text).locator(".idea__mine-badge")).to_be_hidden()
        expect(cards(page, text).get_by_role("link", name="Editar o retirar")).to_be_hidden()

    # axe (and the rest of check_page) again after the live update arrived.
    check_page(phone_a, "room-board-after-post-author")
    phone_b.get_by_role("link", name=re.compile(theme)).click()  # the tab's count says 1
    expect_theme_shown(phone_b, room.themes[1].id)
    check_page(phone_b, "room-board-after-post")
    check_page(presenter, "room-presenter-live")

    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Idea.id)).where(Idea.text == text)) == 1
    assert sorted(p.nickname for p in db.session.scalars(
        sa.select(Participant).where(Participant.ideathon_id == room.id))) == ["", "Ana", "Beto"]
    survey = db.session.scalars(sa.select(ParticipationSurvey)).one()  # one phone answered it
    assert (survey.ideathon_id, survey.age_band, survey.gender, survey.community, survey.first_time) == (
        room.id, "30-44", "man", "Zona 3", True)
    print(f"presence 3 after {presence_latency * 1000:.0f} ms; idea on every screen after {live_latency * 1000:.0f} ms")


def test_phone_that_lost_its_connection_catches_up_and_keeps_its_draft(app, open_room, new_page):
    room = room_with_themes(open_room)
    clear_presence(app, room.id)
    theme = THEMES[0][0]
    phone_a, phone_c = new_page("phone"), new_page("phone")
    cutter = ConnectionCutter(phone_c)
    join_by_qr(phone_a, room, "Ana")
    join_by_qr(phone_c, room, "Carla")
    mark_document(phone_c)
    banner = phone_c.locator("#connection-banner")
    expect(banner).to_be_hidden()

    before_cut = len(phone_c.console_errors)
    cutter.cut()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Sin conexión")
    missed = ["Arreglar la tubería de la calle principal", "Clorar el agua del tanque comunitario"]
    for text in missed:
        post_with_htmx(phone_a, theme, text)
        expect(cards(phone_a, text)).to_be_visible()
    draft = "Que el camión del agua pase también por la aldea"
    idea_box(phone_c, theme).fill(draft)
    for text in missed:
        expect(cards(phone_c, text)).to_have_count(0)  # it is offline: nothing arrives
    screenshot(phone_c, "room-board-offline")

    cutter.restore()
    for text in missed:
        expect(cards(phone_c, text)).to_be_visible(timeout=RECONNECT)
    expect(banner).to_be_hidden()
    expect(idea_box(phone_c, theme)).to_have_value(draft)
    expect(phone_c.locator(f"#ideas-{room.themes[0].id} li.idea")).to_have_text(
        [re.compile(missed[1]), re.compile(missed[0])])  # newest first, each once
    expect(phone_c.locator(f"#count-{room.themes[0].id}")).to_have_text("2")
    assert_same_document(phone_c)
    forget_offline_noise(phone_c, before_cut)
    check_page(phone_c, "room-board-caught-up")


def test_post_that_failed_offline_is_sent_once_when_back_online(app, open_room, new_page):
    room = room_with_themes(open_room)
    theme = THEMES[2][0]
    phone = new_page("phone")
    join_by_qr(phone, room, "Dora")
    mark_document(phone)
    text = f"Tapar los baches frente a la escuela {uuid.uuid4().hex[:6]}"

    before_cut = len(phone.console_errors)
    phone.context.set_offline(True)
    idea_box(phone, theme).fill(text)
    with phone.expect_event("requestfailed", lambda r: r.method == "POST" and "/ideas" in r.url):
        post_form(phone, theme).get_by_role("button", name="Enviar").click()
    expect(phone.locator("#connection-banner")).to_be_visible()
    expect(idea_box(phone, theme)).to_have_value(text)  # nothing typed is lost
    expect(cards(phone, text)).to_have_count(0)

    phone.context.set_offline(False)
    expect(cards(phone, text)).to_be_visible(timeout=RECONNECT)
    expect(idea_box(phone, theme)).to_have_value("")  # the answer to the re-sent post arrived
    expect(phone.locator("#connection-banner")).to_be_hidden()
    expect(cards(phone, text)).to_have_count(1)
    expect(cards(phone, text).locator(".idea__mine-badge")).to_be_visible()
    expect(phone.locator(f"#count-{room.themes[2].id}")).to_have_text("1")
    assert_same_document(phone)

    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Idea.id)).where(Idea.text == text)) == 1
    # A reload shows it once too: it was stored once.
    forget_offline_noise(phone, before_cut)
    phone.reload()
    expect(cards(phone, text)).to_have_count(1)
    check_page(phone)


def test_join_and_post_without_javascript(app, open_room, new_page):
    room = room_with_themes(open_room)
    page = new_page("phone-nojs", java_script_enabled=False)
    page.goto("/unirse")
    code_box = page.get_by_label("Código de la sala")
    expect(code_box).to_have_css("text-transform", "uppercase")  # big, spaced, monospace letters
    check_page(page, "room-enter-code", axe=False)
    code_box.fill(f"{room.room_code[:3].lower()}-{room.room_code[3:].lower()}")
    page.locator("main").get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"**/sala/{room.id}/unirse")
    page.get_by_label("Su apodo (opcional)").fill("Eva")
    page.get_by_role("button", name="Entrar al tablero").first.click()
    page.wait_for_url(re.compile(rf"/sala/{room.id}$"))

    theme = THEMES[1][0]
    text = "Más contenedores de reciclaje en el mercado"
    idea_box(page, theme).fill(text)
    post_form(page, theme).get_by_role("button", name="Enviar").click()
    page.wait_for_url(re.compile(rf"/sala/{room.id}#theme-{room.themes[1].id}$"))
    expect(page.locator("#alerts")).to_contain_text("Idea enviada.")
    expect_theme_shown(page, room.themes[1].id)  # back on the theme posted into
    expect(cards(page, text)).to_have_count(1)
    expect(cards(page, text)).to_contain_text("Eva")
    expect(cards(page, text).locator(".idea__mine-badge")).to_be_visible()  # marked by the server
    expect(page.locator(f"#count-{room.themes[1].id}")).to_have_text("1")
    check_page(page, "room-board-nojs", axe=False)


def test_wrong_code_and_closed_room_get_clear_messages(app, open_room, phone):
    from ideaboard.rooms.services import close_room

    room = room_with_themes(open_room)
    phone.goto("/unirse")
    wrong = "YYY-YYY" if room.room_code == "ZZZZZZ" else "ZZZ-ZZZ"
    phone.get_by_label("Código de la sala").fill(wrong)
    with phone.expect_navigation() as answer:
        phone.locator("main").get_by_role("button", name="Entrar").click()
    assert answer.value.status == 404
    expect(phone.locator(".field__error")).to_contain_text("No encontramos una sala con ese código")
    expect(phone.get_by_label("Código de la sala")).to_have_value(wrong)
    check_page(phone, "room-wrong-code")

    close_room(room, actor=room.created_by)
    response = phone.goto(f"/s/{room.room_code}")
    assert response.status == 410
    expect(phone.locator(".field__error")).to_contain_text("Esta sala ya cerró")
    check_page(phone, "room-closed")


def test_presenter_on_a_1280x720_projector(app, open_room, new_page):
    from ideaboard.ideas.services import post_idea
    from ideaboard.rooms.services import join_room

    room = open_room(themes=THEMES, title="Ideatón de Antigua Guatemala: servicios municipales")
    people = [join_room(room, nickname=name) for name in ("Ana", "Beto", "")]
    for i, (theme, person) in enumerate(zip(room.themes * 2, people * 2)):
        post_idea(room, person, theme_id=theme.id, client_id=str(uuid.uuid4()),
                  text=f"Idea número {i + 1} para {theme.name.lower()}, escrita desde un teléfono")
    page = new_page("presenter-1280", **PRESENTER_1280)
    log_in(page, room.created_by)
    page.goto(f"/sala/{room.id}/proyector")
    qr = page.get_by_role("img", name="Código QR para entrar a la sala")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    expect(page.locator("li.idea")).to_have_count(6)
    assert_fits_the_screen(page)
    check_page(page, "room-presenter")


def test_post_that_failed_while_the_socket_stayed_up_is_sent_again(app, open_room, new_page):
    """On a weak network a post can fail while the room's socket stays connected (or connects
    over long-polling again before the post is retried): there is no reconnection to wait for,
    so the page itself tries the post again, with the same client_id."""
    room = room_with_themes(open_room)
    theme = THEMES[0][0]
    phone = new_page("phone")
    join_by_qr(phone, room, "Fabi")
    mark_document(phone)
    text = "Horario fijo para el camión de la basura"
    failed = []

    def drop_the_first_post(route):
        if not failed:
            failed.append(route.request.post_data)
            route.abort("connectionreset")
        else:
            route.continue_()

    phone.route(f"**/sala/{room.id}/ideas", drop_the_first_post)
    before = len(phone.console_errors)
    idea_box(phone, theme).fill(text)
    with phone.expect_response(lambda r: r.request.method == "POST" and "/ideas" in r.url, timeout=RECONNECT) as sent:
        post_form(phone, theme).get_by_role("button", name="Enviar").click()
    assert failed, "the first post was not dropped"
    assert sent.value.status == 200
    assert sent.value.request.post_data == failed[0]  # the same form, the same client_id
    expect(cards(phone, text)).to_have_count(1)
    expect(idea_box(phone, theme)).to_have_value("")
    expect(phone.locator("#connection-banner")).to_be_hidden()
    assert_same_document(phone)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Idea.id)).where(Idea.text == text)) == 1
    phone.console_errors[before:] = [e for e in phone.console_errors[before:]
                                     if not re.search(r"net::ERR_CONNECTION_RESET|htmx:sendError|htmx:afterRequest", e)]
    check_page(phone)
