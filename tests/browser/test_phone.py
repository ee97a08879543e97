"""The participant's phone at 360x740: the room page as a resident meets it.

- Its own compact header (the room, the language) with no staff link; no "0 personas" before the
  phone's socket is in the room.
- A sticky status bar (phase, countdown, dots left) that stays in view while scrolling; a new
  phase (voting, closed with the survey's card) is seen there, mid-scroll, and said aloud.
- Vote buttons disabled with their reason (no dots left, the idea at its limit), from the server's
  page and after a vote; every theme of the default 11 reachable without sideways scrolling.
- Without JavaScript a refused post comes back next to its form; focus after an action stays
  where the action was, and join -> post -> vote takes at most 3 Tab presses each.
- One polite summary of the ideas others post; a vote is said aloud.

The moderator's phase changes go through the console (the live server is another process).
Final screenshots of the phone go to docs/screenshots/phone-*.png (360x740, scale 1) when
IDEABOARD_DOCS_SCREENSHOTS is set.
"""
import os
import re
import uuid

import pytest
from playwright.sync_api import expect

from ideaboard.ideas.services import post_idea
from ideaboard.ideathons.themes import default_themes
from ideaboard.rooms.services import join_room, update_settings

from .conftest import PROJECT_ROOT, SCREENSHOTS, check_page, log_in, wait_live
from .test_voting import forget_refusal
from .test_live_room import LIVE, cards, clear_presence, expect_theme_shown, idea_box, join_by_qr, post_form

pytestmark = pytest.mark.browser

ALL_THEMES = [(t["name"], t["icon"]) for t in default_themes()]
# The README's screenshots are refreshed on demand (`IDEABOARD_DOCS_SCREENSHOTS=1 make test
# PYTEST_ARGS=tests/browser/test_phone.py`); an ordinary run leaves the tracked files alone.
DOCS = (PROJECT_ROOT / "docs" / "screenshots" if os.environ.get("IDEABOARD_DOCS_SCREENSHOTS")
        else PROJECT_ROOT / "test-artifacts" / "readme-screenshots")
PHONE_1X = {"device_scale_factor": 1}
SETTINGS = dict(silent_ideas=False, hidden_counts=False, dot_budget=2, max_dots_per_idea=1, self_votes=True,
                cards_only=False, premoderation=False)
IDEAS = ["Reparar la tubería del barrio El Centro", "Clorar el tanque de agua cada semana",
         "Horario fijo para el servicio de agua", "Limpiar los drenajes antes de las lluvias",
         "Revisar las fugas del mercado municipal", "Un chorro público en la escuela de la aldea",
         "Avisar por radio cuando se corta el agua", "Sembrar árboles en la orilla del río"]


def seed(room, n=len(IDEAS)):
    """Ideas from two neighbours in the first theme: a list long enough to scroll."""
    people = [join_room(room, nickname=name) for name in ("Rosa", "Tono")]
    for i, text in enumerate(IDEAS[:n]):
        post_idea(room, people[i % 2], theme_id=room.themes[0].id, text=text, client_id=str(uuid.uuid4()))


def in_viewport(page, selector: str) -> dict:
    """The element's box lies wholly within the 360x740 screen (polled from here: no page timers needed)."""
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    size = page.viewport_size
    assert box["y"] >= -1 and box["y"] + box["height"] <= size["height"] + 1, (selector, box)
    assert box["x"] >= -1 and box["x"] + box["width"] <= size["width"] + 1, (selector, box)
    return box


def scroll_to_bottom(page) -> None:
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("() => window.scrollY > 300")


def console_phase(console, room, button: str) -> None:
    console.goto(f"/sala/{room.id}/moderar")
    if button == "Cerrar la sala":
        console.get_by_text("Cerrar la sala", exact=True).click()
        console.get_by_role("button", name="Sí, cerrar la sala").click()
    else:
        console.get_by_role("button", name=button).click()
    expect(console.locator("#alerts .alert")).to_have_text("Fase cambiada.")


def shoot(page, name: str) -> None:
    """What the phone shows (the viewport), for the README, once the status bar has settled."""
    page.wait_for_function("() => !document.getAnimations().some(a => a.playState === 'running')")
    page.wait_for_function("() => document.getElementById('board').classList.contains('themes-in-view')"
                           " || window.scrollY > 0")
    from PIL import Image

    page.mouse.move(1, 1)  # no theme left looking hovered from the last tap
    DOCS.mkdir(parents=True, exist_ok=True)
    path = DOCS / f"phone-{name}.png"
    page.screenshot(path=str(path), caret="initial")
    # Small for the README: 64 colours (flat interface colours and text survive), PNG optimised.
    Image.open(path).convert("RGB").quantize(colors=64, dither=Image.Dither.NONE).save(path, optimize=True)


def vote_button(page, text):
    return cards(page, text).get_by_role("button", name=re.compile(r"^Poner punto"))


def test_the_room_page_has_its_own_header_a_status_bar_and_every_theme(app, open_room, new_page):
    room = open_room(themes=ALL_THEMES)
    clear_presence(app, room.id)
    seed(room)
    page = new_page("phone", **PHONE_1X)
    join_by_qr(page, room, "Ana")

    # A compact header of its own: the room and the language; no staff link, no site menu.
    header = page.locator(".board__head")
    expect(header.get_by_role("heading", level=1)).to_have_text(room.title)
    expect(header.get_by_role("button", name="English")).to_be_visible()
    for staff in ("Entrar", "Municipios", "Propuestas", "Programas"):
        expect(page.get_by_role("link", name=staff, exact=True)).to_have_count(0)
    assert page.locator(".site-header, .site-footer").count() == 0
    assert header.bounding_box()["height"] < 110

    # "0 personas" never shows to someone in the room: a phone with no socket in the room (here:
    # no JavaScript, in an otherwise empty room) is counted by its requests, itself included.
    quiet_room = open_room(themes=ALL_THEMES[:2])
    clear_presence(app, quiet_room.id)
    nojs = new_page("phone-nojs", java_script_enabled=False)
    nojs.goto(f"/s/{quiet_room.room_code}")
    nojs.get_by_role("button", name="Entrar al tablero").first.click()
    nojs.wait_for_url(re.compile(rf"/sala/{quiet_room.id}$"))
    expect(nojs.locator("#presence")).to_have_text("1 persona en la sala")
    assert "0 personas" not in nojs.content()
    expect(page.locator("#presence")).to_have_text("1 persona en la sala", timeout=5_000)

    # Every one of the 11 themes is on screen at 360 px, in a grid, with its count: no sideways strip.
    tiles = page.locator("#themes a.theme-tab")
    expect(tiles).to_have_count(11)
    for i in range(11):
        box = tiles.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (i, box)
        assert box["height"] >= 44, (i, box)
    assert page.evaluate("document.querySelector('#themes').scrollWidth <= document.querySelector('#themes').clientWidth")
    expect(tiles.first).to_contain_text(str(len(IDEAS)))
    check_page(page, "phone-board-ideas")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "ideas")

    # The last theme is one tap away, and marked as the current one.
    last = room.themes[-1]
    tiles.last.click()
    expect_theme_shown(page, last.id, timeout=15)
    expect(tiles.last).to_have_attribute("aria-current", "true")

    # The status bar stays in view however far down the list the phone is, and offers the way back
    # to the themes once their grid is out of view.
    back = page.locator(".status-bar__themes")
    page.evaluate("window.scrollTo(0, 0)")
    tiles.first.click()
    expect_theme_shown(page, room.themes[0].id, timeout=15)
    scroll_to_bottom(page)
    bar = in_viewport(page, "#status-bar")
    assert bar["y"] <= 1, bar
    expect(page.locator("#room-phase")).to_be_in_viewport()
    expect(page.locator("#room-phase")).to_have_text("La sala está recibiendo ideas.")
    expect(back).to_be_visible()
    check_page(page, "phone-board-scrolled")
    back.click()
    expect(page.locator("#themes")).to_be_in_viewport()
    expect(back).to_be_hidden()
    shoot(page, "themes")


def test_voting_seen_mid_scroll_buttons_say_why_and_the_survey_comes_into_view(app, open_room, new_page, desktop):
    room = open_room(themes=ALL_THEMES)
    update_settings(room, actor=room.created_by, **SETTINGS)
    clear_presence(app, room.id)
    seed(room)
    page = new_page("phone", **PHONE_1X)
    join_by_qr(page, room, "Ana")
    log_in(desktop, room.created_by)

    # Far down the list when voting starts: the bar, in view, lights up and says it.
    scroll_to_bottom(page)
    console_phase(desktop, room, "Empezar la votación")
    dots = page.locator("#dots-left")
    expect(dots).to_have_text("Votación: le quedan 2 puntos", timeout=LIVE * 5)
    expect(page.locator("#status-bar")).to_have_class(re.compile(r"\bis-new\b"))
    in_viewport(page, "#dots-left")
    expect(page.locator("#room-news")).to_contain_text("Votación", timeout=5_000)
    page.screenshot(path=str(SCREENSHOTS / "phone-voting-mid-scroll-viewport.png"), caret="initial")

    # A dot on an idea: its button is then disabled, with the reason written beside it; focus stays
    # on that idea (the button to take the dot back); the vote is said aloud.
    first, second, third = IDEAS[-1], IDEAS[-2], IDEAS[-3]
    vote_button(page, first).click()
    expect(dots).to_have_text("Votación: le queda 1 punto")
    expect(vote_button(page, first)).to_be_disabled()
    expect(cards(page, first).locator(".vote-why")).to_have_text("Ya puso su punto aquí")
    expect(cards(page, first).get_by_role("button", name=re.compile("^Quitar punto"))).to_be_focused()
    expect(page.locator("#room-news")).to_have_text("Punto puesto. Votación: le queda 1 punto")
    expect(vote_button(page, second)).to_be_enabled()

    # The last dot: every other button is disabled, saying there are no dots left. No red refusal.
    vote_button(page, second).click()
    expect(dots).to_contain_text("Ya usó todos sus puntos")
    expect(vote_button(page, third)).to_be_disabled()
    expect(cards(page, third).locator(".vote-why")).to_have_text("No le quedan puntos")
    expect(page.locator("#vote-message")).to_be_empty()
    check_page(page, "phone-voting-no-dots")

    # The server's page says the same after a reload.
    page.reload()
    wait_live(page)
    expect(vote_button(page, first)).to_be_disabled()
    expect(cards(page, first).locator(".vote-why")).to_have_text("Ya puso su punto aquí")
    expect(vote_button(page, third)).to_be_disabled()
    expect(cards(page, third).locator(".vote-why")).to_have_text("No le quedan puntos")

    # Taking a dot back frees the others.
    cards(page, second).get_by_role("button", name=re.compile("^Quitar punto")).click()
    expect(dots).to_have_text("Votación: le queda 1 punto")
    expect(vote_button(page, third)).to_be_enabled()
    expect(cards(page, third).locator(".vote-why")).to_have_count(0)
    expect(vote_button(page, first)).to_be_disabled()
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "voting")

    # The room closes while the phone is far down: the closed phase and the survey's card are on
    # screen where it is.
    scroll_to_bottom(page)
    console_phase(desktop, room, "Cerrar la sala")
    expect(page.locator("#room-phase")).to_have_text("La sala está cerrada. Gracias por participar.",
                                                      timeout=LIVE * 5)
    survey = page.get_by_role("link", name=re.compile("¿Cómo le fue?"))
    expect(survey).to_be_visible()
    in_viewport(page, "#exit-survey")
    in_viewport(page, "#room-phase")
    expect(page.locator("#status-bar")).to_have_class(re.compile(r"\bis-new\b"))
    page.screenshot(path=str(SCREENSHOTS / "phone-closed-mid-scroll-viewport.png"), caret="initial")
    check_page(page, "phone-closed")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "closed")


def test_without_javascript_a_refused_post_shows_its_message_at_its_form(app, open_room, new_page):
    room = open_room(themes=ALL_THEMES)
    seed(room, 3)
    page = new_page("phone-nojs", java_script_enabled=False)
    page.goto(f"/s/{room.room_code}")
    page.get_by_role("button", name="Entrar al tablero").first.click()
    page.wait_for_url(re.compile(rf"/sala/{room.id}$"))

    theme = room.themes[4]
    page.locator("#themes").get_by_role("link", name=re.compile(re.escape(theme.name))).click()
    expect_theme_shown(page, theme.id)
    box = idea_box(page, theme.name)
    box.fill("   ")
    post_form(page, theme.name).get_by_role("button", name="Enviar").click()
    page.wait_for_url(re.compile(rf"/sala/{room.id}/ideas#post-{theme.id}$"))
    error = post_form(page, theme.name).locator(".field__error")
    expect(error).to_have_text("Escriba su idea antes de enviarla.")
    expect_theme_shown(page, theme.id)
    in_viewport(page, f"#post-{theme.id} .field__error")
    expect(idea_box(page, theme.name)).to_have_attribute("aria-invalid", "true")
    check_page(page, "phone-nojs-refused", axe=False)

    # Corrected, it goes through and lands back on its theme.
    idea_box(page, theme.name).fill("Más luces en el parque central")
    post_form(page, theme.name).get_by_role("button", name="Enviar").click()
    page.wait_for_url(re.compile(rf"/sala/{room.id}#theme-{theme.id}$"))
    expect(cards(page, "Más luces en el parque central")).to_have_count(1)


def tab_until(page, predicate: str, most: int) -> int:
    """Press Tab until the focused element matches `predicate` (JS, on document.activeElement)."""
    for n in range(1, most + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"(e => {predicate})(document.activeElement)"):
            return n
    raise AssertionError(f"not reached in {most} Tab presses; focus on "
                         + page.evaluate("document.activeElement.outerHTML.slice(0, 200)"))


def test_keyboard_join_post_vote_within_three_tabs_and_focus_stays(app, open_room, new_page, desktop):
    room = open_room(themes=ALL_THEMES)
    clear_presence(app, room.id)
    seed(room, 2)
    page = new_page("phone")
    page.goto(f"/s/{room.room_code}")
    page.wait_for_url(f"**/sala/{room.id}/unirse")
    expect(page.get_by_role("link", name="Entrar", exact=True)).to_have_count(0)  # no staff login here
    page.get_by_label("Su apodo (opcional)").fill("Ana")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Entrar al tablero").first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/sala/{room.id}$"))
    wait_live(page)

    # Join -> post: the idea box of the first theme within 3 Tab presses.
    assert tab_until(page, "e.matches('textarea.post-form__text')", 3) <= 3
    page.keyboard.type("Pintar los pasos de cebra frente a la escuela")
    page.keyboard.press("Tab")  # the idea's language (issue 17), then the button
    expect(page.locator(f"#post-{room.themes[0].id} select[name=language]")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(f"#post-{room.themes[0].id}").get_by_role("button", name="Enviar")).to_be_focused()
    with page.expect_response(lambda r: r.request.method == "POST" and "/ideas" in r.url):
        page.keyboard.press("Enter")
    mine = cards(page, "Pintar los pasos de cebra")
    expect(mine).to_be_focused()  # the new idea, not the top of the page

    # A refused post keeps focus in its box, with the message.
    box = idea_box(page, room.themes[0].name)
    box.fill(" ")
    before = len(page.console_errors)
    with page.expect_response(lambda r: r.request.method == "POST" and "/ideas" in r.url):
        post_form(page, room.themes[0].name).get_by_role("button", name="Enviar").press("Enter")
    expect(idea_box(page, room.themes[0].name)).to_be_focused()
    expect(post_form(page, room.themes[0].name).locator(".field__error")).to_have_text(
        "Escriba su idea antes de enviarla.")
    forget_refusal(page, before, "/ideas", 422)  # refused on purpose: Chromium and htmx log the status
    mine.focus()

    # Post -> vote: voting starts; a "Poner punto" within 3 Tab presses of where focus was.
    log_in(desktop, room.created_by)
    console_phase(desktop, room, "Empezar la votación")
    expect(page.locator("#room-phase")).to_have_attribute("data-phase", "voting", timeout=LIVE * 5)
    assert tab_until(page, "e.matches('.vote-form:not(.vote-form--withdraw) button')", 3) <= 3
    with page.expect_response(lambda r: r.request.method == "POST" and "/votos" in r.url):
        page.keyboard.press("Enter")
    expect(page.locator("#dots-left")).to_have_text("Votación: le quedan 2 puntos")
    focused = page.evaluate("document.activeElement.closest('.idea') && document.activeElement.tagName")
    assert focused == "BUTTON", focused  # on the idea voted for, not the top of the page
    # Vote -> the next vote: within 3 Tab presses.
    assert tab_until(page, "e.matches('.vote-form:not(.vote-form--withdraw) button:not([disabled])')", 3) <= 3


def test_new_ideas_from_others_are_summed_up_politely(app, open_room, new_page):
    room = open_room(themes=ALL_THEMES)
    clear_presence(app, room.id)
    reader, writer = new_page("phone"), new_page("phone")
    join_by_qr(reader, room, "Ana")
    join_by_qr(writer, room, "Beto")
    news = reader.locator("#room-news")
    expect(news).to_have_attribute("role", "status")
    from .test_live_room import post_with_htmx

    theme = room.themes[0].name
    for text in ("Idea uno del barrio", "Idea dos del barrio", "Idea tres del barrio"):
        post_with_htmx(writer, theme, text)
    expect(cards(reader, "Idea tres del barrio")).to_be_visible(timeout=LIVE * 2)
    expect(news).to_have_text("3 ideas nuevas en el tablero", timeout=10_000)
    # The lists themselves are not live regions: only the summary speaks.
    assert reader.locator(".idea-list[aria-live], .columns[aria-live]").count() == 0
    # The writer's own ideas are not news to the writer.
    writer.wait_for_timeout(0)
    expect(writer.locator("#room-news")).not_to_contain_text("ideas nuevas")
