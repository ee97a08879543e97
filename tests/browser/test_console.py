"""The moderators' console in a real hall: an action box being used (Ocultar with its reason being
typed, Editar with its new text, the ideas ticked for a merge) survives the console's re-fetch after
a reconnect and the first seconds after loading; a 280-character word wraps instead of widening the
page; the console and the projector count a phone without JavaScript like any other.
"""
import re
import uuid

import pytest
from playwright.sync_api import expect

from .conftest import check_page, log_in, screenshot, wait_live
from .test_live_room import PRESENTER_1920, THEMES, clear_presence, join_by_qr, presence_text

pytestmark = pytest.mark.browser

LIVE = 10_000  # ms, generous: the machine is shared
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "is_mobile": False, "has_touch": False, "device_scale_factor": 1}
LONG_WORD = "Alcantarillado" * 20  # 280 characters without a space
TYPED_REASON = "Da el nombre y la dirección de una vecina"
TYPED_TEXT = "Reparar el puente de la aldea El Rosario antes del invierno"
LIST = re.compile(r"/sala/\d+/moderar/ideas$")


def post(room, person, theme, text):
    from ideaboard.ideas.services import post_idea

    return post_idea(room, person, theme_id=theme.id, client_id=str(uuid.uuid4()), text=text)[0]


class SocketCloser:
    """Routes the page's Socket.IO WebSockets through Playwright, so the test can close them as a
    dropped connection would; the client reconnects at once (a new socket, let through)."""

    def __init__(self, page):
        self.sockets = []
        page.route_web_socket(re.compile(r"/socket\.io/"), self._route)

    def _route(self, ws):
        ws.connect_to_server()
        self.sockets.append(ws)

    def close(self):
        for ws in self.sockets:
            ws.close(code=1001, reason="going away")
        self.sockets.clear()


def test_an_open_action_box_survives_the_reload_refetch_and_a_reconnect(app, open_room, new_page):
    from ideaboard.ideas.services import post_paper_idea
    from ideaboard.rooms.services import change_phase, join_room

    room = open_room(themes=THEMES)
    ana = join_room(room, nickname="Ana")
    water = room.themes[0]
    hide_me = post(room, ana, water, "Doña Marta de la casa verde no paga el agua")
    edit_me = post(room, ana, water, "Puente")
    pick_me = post(room, ana, room.themes[1], "Más botes de basura en el parque")
    long_one = post(room, ana, room.themes[1], LONG_WORD)
    change_phase(room, "voting", actor=room.created_by)  # the paper tallies list every idea

    console = new_page("console-1366", **LAPTOP)
    closer = SocketCloser(console)
    log_in(console, room.created_by)
    refetched = []
    console.on("response", lambda r: refetched.append(r.status) if LIST.search(r.url) else None)
    console.goto(f"/sala/{room.id}/moderar")
    wait_live(console)

    # The 280-character word wraps in the tallies, the live list and everywhere else.
    expect(console.locator("#tallies + .row-list").get_by_text(LONG_WORD)).to_be_visible()
    expect(console.locator(f"#mod-idea-{long_one.id} .mod-idea__text")).to_be_visible()
    check_page(console, "console-long-word")

    # The moderator opens "Ocultar" and types a reason, opens "Editar" and types, ticks an idea.
    hide_row = console.locator(f"#mod-idea-{hide_me.id}")
    hide_row.locator("summary", has_text="Ocultar").click()
    reason = hide_row.get_by_label("Motivo (se publica)")
    reason.fill(TYPED_REASON)
    edit_row = console.locator(f"#mod-idea-{edit_me.id}")
    edit_row.locator("summary", has_text="Editar").click()
    edit_row.get_by_label("Texto más claro (el original se conserva)").fill(TYPED_TEXT)
    console.locator(f"#pick-{pick_me.id}").check()
    reason.click()  # the cursor back in the reason

    def assert_kept():
        expect(hide_row.locator("details.mod-action").first).to_have_attribute("open", "")
        expect(reason).to_have_value(TYPED_REASON)
        expect(reason).to_be_focused()
        expect(edit_row.get_by_label("Texto más claro (el original se conserva)")).to_have_value(TYPED_TEXT)
        expect(console.locator(f"#pick-{pick_me.id}")).to_be_checked()

    # Past the first seconds after loading, when the console used to re-fetch and replace the box.
    console.wait_for_function("() => performance.now() > 8000", timeout=20_000)
    assert_kept()

    # A dropped connection while the room moved on: on reconnecting, the console re-fetches its
    # live list (the new idea comes in) and the box being used stays as it was.
    before = len(refetched)
    newcomer = post_paper_idea(room, theme_id=water.id, text="Limpiar el tanque de la escuela",
                               actor=room.created_by)  # the room moves on, unheard
    closer.close()
    expect(console.locator(f"#mod-idea-{newcomer.id}")).to_have_count(1, timeout=LIVE)
    assert len(refetched) > before and set(refetched) == {200}, refetched
    wait_live(console)
    assert_kept()

    # The typed reason is the one used.
    with console.expect_response(lambda r: r.request.method == "POST" and "/ocultar" in r.url) as answer:
        hide_row.get_by_role("button", name="Ocultar", exact=True).click()
    assert answer.value.status == 200
    hidden = console.locator(f"#mod-hidden #mod-idea-{hide_me.id}")
    expect(hidden).to_contain_text(f"Motivo: {TYPED_REASON}", timeout=LIVE)
    expect(console.locator(f"#mod-idea-{long_one.id}")).to_be_visible()
    expect(edit_row.get_by_label("Texto más claro (el original se conserva)")).to_have_value(TYPED_TEXT)
    check_page(console, "console-kept-form")


def test_the_head_count_includes_a_phone_without_javascript(app, open_room, new_page):
    room = open_room(themes=THEMES)
    clear_presence(app, room.id)
    projector = new_page("projector", **PRESENTER_1920)
    log_in(projector, room.created_by)
    projector.goto(f"/sala/{room.id}/proyector")
    wait_live(projector)
    expect(projector.locator("#presence")).to_have_text(presence_text(0))

    no_js = new_page("phone-nojs", java_script_enabled=False)
    no_js.goto(f"/s/{room.room_code}")
    no_js.get_by_label("Su apodo (opcional)").fill("Sin JS")
    no_js.get_by_role("button", name="Entrar al tablero").first.click()
    no_js.wait_for_url(re.compile(rf"/sala/{room.id}$"))
    expect(no_js.locator("#presence")).to_have_text(presence_text(1))  # counted on its own page
    expect(projector.locator("#presence")).to_have_text(presence_text(1), timeout=LIVE)

    phones = [new_page(f"phone-{n}") for n in range(2)]
    for n, phone in enumerate(phones):
        join_by_qr(phone, room, f"Teléfono {n}")
    expect(projector.locator("#presence")).to_have_text(presence_text(3), timeout=LIVE)
    for phone in phones:
        expect(phone.locator("#presence")).to_have_text(presence_text(3), timeout=LIVE)
    no_js.reload()
    expect(no_js.locator("#presence")).to_have_text(presence_text(3))
    screenshot(projector, "projector-three-present")
