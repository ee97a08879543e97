"""Facilitation and voting in a real browser: a moderator runs a room from its console (settings,
timer, phases, join cards, ideas written on paper) while phones and the projector follow live.

- The countdown and every phase change reach the phones without a reload.
- A phone says what it can do now ("Votación: le quedan 2 puntos"); its dots run out, and a
  vote the rules do not allow cannot be pressed: the button is disabled and says why.
- With hidden counts, not one count reaches a phone or the projector (not in the page, not
  over the socket) until the room closes; then the counts and the ranking appear.
- axe (check_page) on the phone's voting screen, the console, the projector and the cards.

Phones are new_page("phone") pages; the moderator uses the console on a laptop (`desktop`), or
on a phone in the paper-idea test. Vote counts are flushed every 250 ms (FLUSH).
"""
import re
from pathlib import Path

import pytest
import segno
import sqlalchemy as sa
from playwright.sync_api import expect

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.rooms.models import JoinCard, Participant
from ideaboard.votes.models import Vote

from .conftest import PROJECT_ROOT, check_page, log_in, screenshot, wait_live
from .test_live_room import (
    LIVE, PRESENTER_1920, RECONNECT, THEMES, ConnectionCutter, assert_same_document, cards, clear_presence,
    count_refetches, expect_theme_shown, forget_offline_noise, join_by_qr, mark_document, post_with_htmx,
)

pytestmark = pytest.mark.browser

FLUSH = 250  # ms: vote counts are coalesced and sent at most once per room every 250 ms
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
WATER = THEMES[0][0]
ALL_USED = "Ya usó todos sus puntos. Puede quitar uno para ponerlo en otra idea."
HIDDEN = "El conteo está oculto hasta que termine la votación."
CLOSED = "La sala está cerrada. Gracias por participar."
VOTING = "Votación: ponga sus puntos en las ideas que prefiera."


# --- Helpers ---------------------------------------------------------------------------------


def dots_left_text(n: int) -> str:
    return f"Votación: le queda {n} punto" if n == 1 else f"Votación: le quedan {n} puntos"


def seconds(clock: str) -> int:
    """'4:58' -> 298."""
    minutes, secs = clock.split(":")
    return int(minutes) * 60 + int(secs)


def expect_countdown(page, at_most: int) -> None:
    """#timer shows m:ss (room.js), at most `at_most` seconds, and it goes down within 2.5 s."""
    left = page.locator("#timer .timer__left")
    expect(left).to_have_text(re.compile(r"^\d{1,3}:[0-5]\d$"))
    first = seconds(left.inner_text())
    assert at_most - 10 <= first <= at_most, (page.url, first)
    page.wait_for_function(
        """before => { const t = document.querySelector("#timer .timer__left").textContent.split(":");
                       return Number(t[0]) * 60 + Number(t[1]) < before; }""", arg=first, timeout=2_500)


def console_alert(page):
    return page.locator("#alerts .alert")


def vote_button(page, text: str):
    return cards(page, text).get_by_role("button", name=re.compile(r"^Poner punto"))


def withdraw_button(page, text: str):
    return cards(page, text).get_by_role("button", name=re.compile(r"^Quitar punto"))


def vote(page, text: str, *, status: int = 200, withdraw: bool = False) -> None:
    """Press "Poner punto" (or "Quitar punto") on an idea; wait for the server's answer."""
    button = withdraw_button(page, text) if withdraw else vote_button(page, text)
    with page.expect_response(lambda r: r.request.method == "POST" and "/votos" in r.url) as answer:
        button.click()
    assert answer.value.status == status, (answer.value.status, answer.value.text()[:300])


def forget_refusal(page, since: int, path: str, status: int) -> None:
    """A refusal is an htmx request answered with an error status on purpose (room.js shows its
    message): Chromium logs the status and htmx its "Response Status Error". Drop exactly those
    (logged from index `since` on, for that path and status); keep any other."""
    noise = re.compile(rf"(status of {status} .*|Response Status Error Code {status} from )[^ ]*{re.escape(path)}")
    page.console_errors[since:] = [e for e in page.console_errors[since:] if not noise.search(e)]


class SocketLog:
    """Every Socket.IO message a page receives over its WebSocket (call before it connects)."""

    def __init__(self, page):
        self.frames: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, payload):
        self.frames.append(payload if isinstance(payload, str) else payload.decode(errors="replace"))

    def events(self, name: str) -> list[str]:
        return [f for f in self.frames if f.startswith(f'42["{name}"')]


def assert_no_counts(page) -> None:
    """Hidden counts: no count, no element named votes-*, not even in the HTML."""
    expect(page.locator("[id^='votes-']")).to_have_count(0)
    expect(page.locator(".votes, .ranking__list")).to_have_count(0)
    assert 'id="votes-' not in page.content(), page.url


def ranked(n: int, text: str):
    """A line of the ranking: the count (read as "Puntos: n") and the idea."""
    return re.compile(rf"^Puntos:\s+{n}\s+{re.escape(text)}$")


def my_participant(room, nickname: str) -> Participant:
    db.session.rollback()
    return db.session.scalars(
        sa.select(Participant).where(Participant.ideathon_id == room.id, Participant.nickname == nickname)).one()


def idea_id(text: str) -> int:
    db.session.rollback()
    return db.session.scalars(sa.select(Idea.id).where(Idea.text == text)).one()


def open_console(page, room) -> None:
    page.goto(f"/sala/{room.id}/moderar")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderar la sala")


# --- Tests -----------------------------------------------------------------------------------


IDEAS_B = ["Reparar la tubería del barrio El Centro", "Clorar el tanque de agua cada semana",
           "Horario fijo para el servicio de agua"]
IDEA_A = "Limpiar los drenajes antes de las lluvias"


def test_moderator_runs_a_room_from_ideas_to_voting_to_closed(app, open_room, new_page, desktop):
    room = open_room(themes=THEMES)
    clear_presence(app, room.id)

    # Two phones join by the QR link and post ideas; the projector follows the room.
    phone_a, phone_b = new_page("phone"), new_page("phone")
    sockets_b = SocketLog(phone_b)
    join_by_qr(phone_a, room, "Ana")
    join_by_qr(phone_b, room, "Beto")
    for text in IDEAS_B:
        post_with_htmx(phone_b, WATER, text)
    post_with_htmx(phone_a, WATER, IDEA_A)
    for page in (phone_a, phone_b):
        for text in IDEAS_B + [IDEA_A]:
            expect(cards(page, text)).to_be_visible(timeout=LIVE)
        expect(page.get_by_role("button", name=re.compile("^Poner punto"))).to_have_count(0)
        expect(page.locator("#dots-left")).to_be_empty()
        mark_document(page)

    projector = new_page("presenter-1920", **PRESENTER_1920)
    sockets_projector = SocketLog(projector)
    log_in(projector, room.created_by)
    refetches = {page: count_refetches(page) for page in (phone_a, phone_b, projector)}
    projector.goto(f"/sala/{room.id}/proyector")
    expect(projector.locator("li.idea")).to_have_count(4)
    mark_document(projector)

    # The console, on a laptop: hidden counts on, then a five-minute countdown.
    console = desktop
    log_in(console, room.created_by)
    open_console(console, room)
    expect(console.get_by_role("heading", name="Fase: Recibiendo ideas")).to_be_visible()
    check_page(console, "console-ideas")
    hidden_counts = console.get_by_label(re.compile("^Conteo oculto"))
    expect(hidden_counts).not_to_be_checked()
    hidden_counts.check()
    console.get_by_role("button", name="Guardar ajustes").click()
    expect(console_alert(console)).to_have_text("Ajustes guardados.")
    expect(console.get_by_label(re.compile("^Conteo oculto"))).to_be_checked()

    console.get_by_label("Minutos", exact=True).fill("5")
    console.get_by_role("button", name="Iniciar", exact=True).click()
    expect(console_alert(console)).to_have_text("Temporizador en marcha.")
    for page in (phone_a, phone_b, projector):
        expect(page.locator("#timer")).to_contain_text("Tiempo restante", timeout=LIVE)
        expect_countdown(page, 300)
        assert_same_document(page)
    screenshot(phone_a, "voting-timer")

    # Voting starts: both phones switch at once, say what they can do now, and show no counts.
    console.get_by_role("button", name="Empezar la votación").click()
    expect(console_alert(console)).to_have_text("Fase cambiada.")
    expect(console.get_by_role("heading", name="Fase: Votación")).to_be_visible()
    for page in (phone_a, phone_b, projector):
        expect(page.locator("#room-phase")).to_have_attribute("data-phase", "voting", timeout=LIVE)
        expect(page.locator("#room-phase")).to_have_text(VOTING)
        expect(page.locator("#timer")).to_be_empty()  # a new phase starts without the old countdown
        expect(page.locator("#ranking")).to_contain_text(HIDDEN)
        assert_same_document(page)
    for page in (phone_a, phone_b):
        expect(page.locator("#dots-left")).to_have_text(dots_left_text(3))
        expect(page.get_by_role("button", name=re.compile("^Poner punto"))).to_have_count(4)
        expect(page.get_by_role("button", name=re.compile("^Quitar punto"))).to_have_count(0)
        expect(page.locator(".post-form")).to_have_count(len(THEMES))
        expect(page.locator(".post-form:visible")).to_have_count(0)  # no posting while voting
        assert_no_counts(page)
    expect(projector.get_by_role("button", name=re.compile("^Poner punto"))).to_have_count(0)
    assert_no_counts(projector)
    expect(console.locator("#paper")).not_to_contain_text("en total")  # hidden from the console too
    check_page(console, "console-voting")
    check_page(phone_a, "voting-phone-before")
    check_page(projector, "voting-projector-hidden")

    # The voting rules are fixed now: the console refuses to change them, and says why.
    console.get_by_label(re.compile("^Conteo oculto")).uncheck()
    console.get_by_role("button", name="Guardar ajustes").click()
    expect(console_alert(console)).to_have_text("Las reglas de la votación no se cambian una vez empezada.")
    expect(console.get_by_label(re.compile("^Conteo oculto"))).to_be_checked()

    # Phone A's dots run out: 3 -> 2 -> 1 -> 0, then the clear message.
    for n, text in enumerate([IDEA_A, IDEAS_B[2], IDEAS_B[1]], start=1):
        vote(phone_a, text)
        expect(cards(phone_a, text).locator(".my-dots")).to_have_text("Usted: 1 punto")
        expect(withdraw_button(phone_a, text)).to_be_visible()
        expect(phone_a.locator("#dots-left")).to_have_text(dots_left_text(3 - n) if n < 3 else ALL_USED)
    check_page(phone_a, "voting-phone-all-used")

    # No dot left: the last idea's button (far down the list) is disabled and says why, beside it;
    # nothing to tap, no refusal to read.
    expect(vote_button(phone_a, IDEAS_B[0])).to_be_disabled()
    expect(cards(phone_a, IDEAS_B[0]).locator(".vote-why")).to_have_text("No le quedan puntos")
    expect(phone_a.locator("#vote-message")).to_be_empty()
    expect(phone_a.locator("#dots-left")).to_have_text(ALL_USED)
    expect(cards(phone_a, IDEAS_B[0]).locator(".my-dots")).to_have_count(0)
    check_page(phone_a, "voting-phone-no-dots")
    ana = my_participant(room, "Ana")
    assert db.session.scalar(sa.select(sa.func.count(Vote.id)).where(Vote.participant_id == ana.id)) == 3

    # "Quitar punto" gives one back; the next answer clears the old message.
    vote(phone_a, IDEAS_B[1], withdraw=True)
    expect(phone_a.locator("#dots-left")).to_have_text(dots_left_text(1))
    expect(cards(phone_a, IDEAS_B[1]).locator(".my-dots")).to_have_count(0)
    expect(withdraw_button(phone_a, IDEAS_B[1])).to_have_count(0)
    expect(phone_a.locator("#vote-message")).to_be_empty()
    check_page(phone_a, "voting-phone-after")

    # Phone B votes too. With hidden counts, no count leaves the server, however long we wait.
    for n, text in enumerate([IDEAS_B[0], IDEAS_B[2]], start=1):
        vote(phone_b, text)
        expect(phone_b.locator("#dots-left")).to_have_text(dots_left_text(3 - n))
    phone_b.wait_for_timeout(4 * FLUSH)
    for page in (phone_a, phone_b, projector):
        assert_no_counts(page)
        expect(page.locator("#ranking")).to_contain_text(HIDDEN)
        assert_same_document(page)
    # The log does read the room's messages (the phase changes came over it), just no "votes".
    assert sockets_b.events("change") and sockets_projector.events("change")
    assert not sockets_b.events("votes") and not sockets_projector.events("votes")
    check_page(projector, "voting-projector-during")

    # The moderator closes the room (after confirming): every screen shows the closed banner,
    # the counts and the ranking, without a reload.
    console.get_by_text("Cerrar la sala", exact=True).click()
    confirm = console.get_by_role("button", name="Sí, cerrar la sala")
    expect(confirm).to_be_visible()
    check_page(console, "console-close-confirm")
    confirm.click()
    expect(console_alert(console)).to_have_text("Fase cambiada.")
    expect(console.get_by_role("heading", name="Fase: Cerrada")).to_be_visible()
    expect(console.get_by_role("heading", name="Temporizador")).to_have_count(0)  # nothing left to time
    expected = {IDEAS_B[0]: "1", IDEAS_B[1]: "0", IDEAS_B[2]: "2", IDEA_A: "1"}
    for page in (phone_a, phone_b, projector):
        expect(page.locator("#room-phase")).to_have_text(CLOSED, timeout=LIVE)
        for text, n in expected.items():
            expect(page.locator(f"#votes-{idea_id(text)}")).to_have_text(n)
        expect(page.get_by_role("button", name=re.compile("^(Poner|Quitar) punto"))).to_have_count(0)
        assert_same_document(page)
    for page in (phone_a, phone_b):
        expect(page.locator("#dots-left")).to_be_empty()
    ranking = projector.locator("#ranking .ranking__list li")
    # A tie: the older idea first; an idea with no points is not ranked.
    expect(ranking).to_have_text([ranked(2, IDEAS_B[2]), ranked(1, IDEAS_B[0]), ranked(1, IDEA_A)])
    expect(phone_b.locator("#ranking .ranking__list li")).to_have_count(3)
    check_page(projector, "voting-projector-closed")
    check_page(phone_a, "voting-phone-closed")
    check_page(console, "console-closed")
    # Settings, timer, voting, closing: each came whole in the room's message. No screen that missed
    # nothing re-fetched its board, not even on loading (it asks the room's number first).
    assert {page.url: urls for page, urls in refetches.items() if urls} == {}


def test_join_cards_admit_one_person_each(app, open_room, new_page, desktop):
    room = open_room(themes=THEMES)
    console = desktop
    desktop_size = console.viewport_size
    log_in(console, room.created_by)
    open_console(console, room)

    # Two cards, and the room admits only cards.
    console.get_by_label("¿Cuántas tarjetas?").fill("2")
    console.get_by_role("button", name="Crear tarjetas").click()
    expect(console_alert(console)).to_contain_text("Tarjetas creadas.")
    expect(console.locator("#cards")).to_contain_text("2 tarjetas · 0 usadas")
    console.get_by_label(re.compile("^Solo con tarjeta")).check()
    console.get_by_role("button", name="Guardar ajustes").click()
    expect(console_alert(console)).to_have_text("Ajustes guardados.")
    check_page(console, "console-cards")

    # The print page: two cards, each with its QR code (the card's own /c/ link).
    console.get_by_role("link", name="Imprimir tarjetas").click()
    console.wait_for_url(f"**/sala/{room.id}/tarjetas/imprimir")
    printed = console.locator("article.card")
    expect(printed).to_have_count(2)
    db.session.rollback()
    codes = list(db.session.scalars(sa.select(JoinCard.code).where(JoinCard.ideathon_id == room.id)
                                    .order_by(JoinCard.number)))
    assert len(codes) == 2
    base = console.locator(".card__text strong").first.inner_text().removesuffix("/unirse")
    for i, code in enumerate(codes):
        card = printed.nth(i)
        expect(card.locator(".card__code")).to_have_text(f"{code[:4]}-{code[4:]}")
        qr = card.get_by_role("img", name=f"Código QR de la tarjeta {i + 1}")
        console.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
        assert qr.get_attribute("src") == segno.make(f"{base}/c/{code}", error="m").svg_data_uri(scale=3, border=2)
    check_page(console, "cards-print")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "join-cards.pdf"
    console.set_viewport_size({"width": 718, "height": 1047})  # A4 within its 10 mm margins, at 96 dpi
    console.emulate_media(media="print")
    screenshot(console, "cards-print-a4")
    assert console.evaluate("document.documentElement.scrollWidth") <= 718  # nothing past the sheet's edge
    console.pdf(path=str(pdf), format="A4", print_background=True)
    console.emulate_media(media="screen")
    console.set_viewport_size(desktop_size)
    data = Path(pdf).read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 2_000
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1  # two cards fit on one A4 sheet

    # The room's QR link no longer admits anyone, and says why.
    first, second = new_page("phone"), new_page("phone")
    response = first.goto(f"/s/{room.room_code}")
    assert response.status == 403
    expect(first.locator(".field__error")).to_have_text(
        "Esta sala solo admite tarjetas de entrada. Pida la suya en la mesa de registro.")
    check_page(first, "cards-room-code-refused")

    # The card's link admits one phone...
    first.goto(f"/c/{codes[0]}")
    first.wait_for_url(f"**/sala/{room.id}/unirse")
    assert codes[0] not in first.url
    first.get_by_label("Su apodo (opcional)").fill("Ana")
    first.get_by_role("button", name="Entrar al tablero").first.click()
    first.wait_for_url(re.compile(rf"/sala/{room.id}$"))
    expect(first.locator("#board")).to_be_visible()
    expect(first.locator(".board__head")).to_contain_text("Ana")

    # ... and only one: the same card on another phone is refused.
    response = second.goto(f"/c/{codes[0]}")
    assert response.status == 409
    expect(second.locator(".field__error")).to_have_text(
        "Esta tarjeta ya se usó. Cada tarjeta sirve para una sola persona.")
    check_page(second, "cards-card-used")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Participant.id)).where(Participant.ideathon_id == room.id)) == 1

    # The console counts the used card; the print page now holds only the unused one.
    open_console(console, room)
    expect(console.locator("#cards")).to_contain_text("2 tarjetas · 1 usada")
    console.goto(f"/sala/{room.id}/tarjetas/imprimir")
    expect(console.locator("article.card")).to_have_count(1)
    expect(console.locator(".card__code")).to_have_text(f"{codes[1][:4]}-{codes[1][4:]}")


def test_a_phone_offline_while_the_room_changes_catches_up_and_my_dots_stay(app, open_room, new_page, desktop):
    """The room's changes reach the phones that listen as one message each, never a re-fetch; a
    phone that was offline meanwhile re-fetches its board once when it is back and shows the room
    as it is; a card the room's broadcast replaces keeps my dot on it."""
    room = open_room(themes=THEMES)
    clear_presence(app, room.id)
    phone_a, phone_c = new_page("phone"), new_page("phone")
    cutter = ConnectionCutter(phone_c)
    join_by_qr(phone_a, room, "Ana")
    join_by_qr(phone_c, room, "Carla")
    for text in IDEAS_B[:2]:
        post_with_htmx(phone_a, WATER, text)
    for page in (phone_a, phone_c):
        expect(cards(page, IDEAS_B[1])).to_be_visible(timeout=LIVE)
        mark_document(page)
    refetches = {page: count_refetches(page) for page in (phone_a, phone_c)}

    console = desktop
    log_in(console, room.created_by)
    open_console(console, room)
    before_cut = len(phone_c.console_errors)
    cutter.cut()
    expect(phone_c.locator("#connection-banner")).to_be_visible()
    console.get_by_label("Minutos", exact=True).fill("5")
    console.get_by_role("button", name="Iniciar", exact=True).click()
    expect(console_alert(console)).to_have_text("Temporizador en marcha.")
    console.get_by_role("button", name="Empezar la votación").click()
    expect(console_alert(console)).to_have_text("Fase cambiada.")

    # Phone A listens: the voting board at once, whole (status, dots, buttons).
    expect(phone_a.locator("#room-phase")).to_have_attribute("data-phase", "voting", timeout=LIVE)
    expect(phone_a.locator("#dots-left")).to_have_text(dots_left_text(3))
    expect(vote_button(phone_a, IDEAS_B[0])).to_be_visible()
    expect(phone_a.locator("#timer")).to_be_empty()  # the new phase starts without the old countdown
    expect(phone_c.locator("#room-phase")).to_have_attribute("data-phase", "ideas")  # offline: nothing came

    vote(phone_a, IDEAS_B[0])
    expect(cards(phone_a, IDEAS_B[0]).locator(".my-dots")).to_have_text("Usted: 1 punto")
    # The moderator highlights that idea: the room's card (the same for everyone) replaces Ana's,
    # and her dot stays on it, with the button to take it back.
    pinned = idea_id(IDEAS_B[0])
    console.locator(f"#mod-idea-{pinned}").get_by_role("button", name=re.compile("^Destacar")).click()
    expect(cards(phone_a, IDEAS_B[0]).locator(".idea__pin")).to_be_visible(timeout=LIVE)
    expect(cards(phone_a, IDEAS_B[0]).locator(".my-dots")).to_have_text("Usted: 1 punto")
    expect(withdraw_button(phone_a, IDEAS_B[0])).to_be_visible()
    expect(cards(phone_a, IDEAS_B[1]).locator(".my-dots")).to_have_count(0)
    expect(phone_a.locator("#dots-left")).to_have_text(dots_left_text(2))
    vote(phone_a, IDEAS_B[0], withdraw=True)  # the kept form works
    expect(phone_a.locator("#dots-left")).to_have_text(dots_left_text(3))
    expect(cards(phone_a, IDEAS_B[0]).locator(".my-dots")).to_have_count(0)

    # Phone C comes back: one re-fetch, and it shows the room as it is now.
    cutter.restore()
    expect(phone_c.locator("#room-phase")).to_have_attribute("data-phase", "voting", timeout=RECONNECT)
    expect(phone_c.locator("#dots-left")).to_have_text(dots_left_text(3))
    expect(vote_button(phone_c, IDEAS_B[1])).to_be_visible()
    expect(cards(phone_c, IDEAS_B[0]).locator(".idea__pin")).to_be_visible()
    expect(phone_c.locator("#connection-banner")).to_be_hidden()
    assert len(refetches[phone_c]) == 1, refetches[phone_c]
    assert refetches[phone_a] == []
    for page in (phone_a, phone_c):
        assert_same_document(page)
    forget_offline_noise(phone_c, before_cut)
    check_page(phone_c, "voting-phone-caught-up")


def test_idea_written_on_paper_reaches_the_phones_live(app, open_room, new_page):
    room = open_room(themes=THEMES)
    phone_a, phone_b = new_page("phone"), new_page("phone")
    join_by_qr(phone_a, room, "Ana")
    join_by_qr(phone_b, room, "Beto")
    for page in (phone_a, phone_b):
        mark_document(page)

    # The moderator types it in from the console, here on a phone too.
    console = new_page("phone")
    log_in(console, room.created_by)
    open_console(console, room)
    check_page(console, "console")
    text = "Poner un semáforo frente a la escuela (escrita en papel por doña Marta)"
    theme = room.themes[2]
    console.locator("#paper").get_by_label("Tema", exact=True).select_option(label=theme.name)
    console.get_by_label("Idea escrita en papel").fill(text)
    console.get_by_role("button", name="Agregar idea en papel").click()
    expect(console_alert(console)).to_have_text("Idea en papel agregada.")

    for page in (phone_a, phone_b):
        card = page.locator(f"#ideas-{theme.id} li.idea", has_text=text)
        expect(card).to_have_count(1, timeout=LIVE)
        expect(card.locator(".badge--paper")).to_have_text("En papel")
        expect(card.locator(".idea__mine-badge")).to_be_hidden()
        expect(card.get_by_role("link", name="Editar o retirar")).to_have_count(0)
        expect(page.locator(f"#count-{theme.id}")).to_have_text("1")
        assert_same_document(page)
    phone_a.get_by_role("link", name=re.compile(theme.name)).click()
    expect_theme_shown(phone_a, theme.id)
    check_page(phone_a, "paper-idea-phone")
    db.session.rollback()
    idea = db.session.scalars(sa.select(Idea).where(Idea.text == text)).one()
    assert idea.from_paper and idea.participant_id is None and idea.theme_id == theme.id


def test_projector_keeps_a_silent_brainstorm_silent_until_the_reveal(app, open_room, new_page, desktop):
    """During silent brainstorming each phone sees only its own ideas, and the projector none,
    although a moderator is logged in on it (its re-fetch must not get the moderator's view)."""
    from ideaboard.rooms.services import update_settings

    room = open_room(themes=THEMES)
    update_settings(room, actor=room.created_by, silent_ideas=True, hidden_counts=False, dot_budget=3,
                    max_dots_per_idea=1, self_votes=True, cards_only=False)
    phone_a, phone_b = new_page("phone"), new_page("phone")
    join_by_qr(phone_a, room, "Ana")
    join_by_qr(phone_b, room, "Beto")
    text = "Que el agua llegue también a la aldea Los Llanos"
    post_with_htmx(phone_a, WATER, text)
    expect(cards(phone_a, text)).to_be_visible()
    expect(phone_a.locator("#room-phase")).to_have_text("Escriba sus ideas. Por ahora solo usted ve las suyas.")

    projector = new_page("presenter-1920", **PRESENTER_1920)
    log_in(projector, room.created_by)
    projector.goto(f"/sala/{room.id}/proyector")
    wait_live(projector)
    mark_document(projector)
    for page in (projector, phone_b):
        expect(page.locator("li.idea")).to_have_count(0)
        expect(page.locator(f"#count-{room.themes[0].id}")).to_have_text("0")
    check_page(projector, "silent-projector")

    console = desktop
    log_in(console, room.created_by)
    open_console(console, room)
    console.get_by_role("button", name="Revelar las ideas a toda la sala").click()
    expect(console_alert(console)).to_have_text("Ideas reveladas a toda la sala.")
    for page in (projector, phone_b):
        expect(cards(page, text)).to_be_visible(timeout=LIVE)
        expect(page.locator(f"#count-{room.themes[0].id}")).to_have_text("1")
    expect(phone_b.locator("#room-phase")).to_have_text("La sala está recibiendo ideas.")
    assert_same_document(projector)
