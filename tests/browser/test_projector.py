"""The projector as a hall sees it: every theme of a room (11 by default) at 1920x1080 and 1280x720
with text readable from the back, the ranking with only ideas that have points, its own words for
the phase, a cards-only room without the room's QR code, and a closed room saying where the results
will be published, with no broken image.

Readability rule (static/css/app.css, "Presenter"): idea text is at least 1/45 of the screen's
height (24 px at 1080p, 16 px at 720p), the size of presentation body text.
"""
import re
import uuid

import pytest
from playwright.sync_api import expect

from ideaboard.ideathons.themes import default_themes

from .conftest import check_page, log_in, screenshot, wait_live
from .test_live_room import LIVE, PRESENTER_1280, PRESENTER_1920

pytestmark = pytest.mark.browser

ALL_THEMES = [(t["name"], t["icon"]) for t in default_themes()]
SCREENS = [pytest.param(PRESENTER_1920, id="1920x1080"), pytest.param(PRESENTER_1280, id="1280x720")]
LONG_WORD = "Alumbrado" * 31 + "x"  # 280 characters, no space


def post(room, person, theme, text):
    from ideaboard.ideas.services import post_idea

    return post_idea(room, person, theme_id=theme.id, client_id=str(uuid.uuid4()), text=text)[0]


def fill_room(room):
    """Three people and two to four ideas in every theme, one of them a 280-character word."""
    from ideaboard.rooms.services import join_room

    people = [join_room(room, nickname=name) for name in ("Ana", "Beto", "Carla")]
    ideas = []
    for i, theme in enumerate(room.themes):
        for j in range(2 + i % 3):
            ideas.append(post(room, people[j % 3], theme,
                              f"Idea {j + 1} sobre {theme.name.lower()}: arreglar lo que más urge en la aldea"))
    ideas.append(post(room, people[0], room.themes[0], LONG_WORD))
    return people, ideas


def open_projector(new_page, room, screen, name):
    page = new_page(name, **screen)
    log_in(page, room.created_by)
    page.goto(f"/sala/{room.id}/proyector")
    wait_live(page)
    return page


def assert_whole_room_on_screen(page, themes: int) -> None:
    """Every theme's column inside the viewport, nothing scrolls, idea text at least 1/45 of the
    screen's height (and 24 px at 1080p)."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    boxes = page.locator(".screen-columns .column").evaluate_all(
        "columns => columns.map(c => { const r = c.getBoundingClientRect();"
        " return {x: r.x, y: r.y, right: r.right, bottom: r.bottom, width: r.width}; })")
    assert len(boxes) == themes
    for box in boxes:
        assert box["x"] >= 0 and box["y"] >= 0, box
        assert box["right"] <= width + 0.5 and box["bottom"] <= height + 0.5, (box, width, height)
        assert box["width"] >= 0.08 * width, box  # a column, not a sliver
    scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert scroll[0] <= width and scroll[1] <= height, (scroll, width, height)
    sizes = page.locator(".screen-columns .idea__text").evaluate_all(
        "texts => texts.map(t => parseFloat(getComputedStyle(t).fontSize))")
    assert sizes and min(sizes) >= height / 45 - 0.01, (min(sizes), height)
    if height >= 1080:
        assert min(sizes) >= 24
    for selector in (".join-panel__qr", ".join-panel__url", ".join-panel__code", "#presence"):
        box = page.locator(selector).bounding_box()
        assert box and box["y"] + box["height"] <= height, (selector, box, height)


def assert_images_load(page) -> None:
    broken = page.evaluate("[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert broken == []


@pytest.mark.parametrize("screen", SCREENS)
def test_every_theme_fits_the_projector_and_reads_from_the_back(app, open_room, new_page, screen):
    room = open_room(themes=ALL_THEMES, title="Ideatón de Antigua Guatemala: servicios municipales", municipality="0301")
    fill_room(room)
    size = f"{screen['viewport']['width']}x{screen['viewport']['height']}"
    page = open_projector(new_page, room, screen, f"projector-{size}")
    expect(page.locator("#screen-phase")).to_have_text("Escriban sus ideas en el teléfono: aparecen aquí al momento.")
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert_whole_room_on_screen(page, len(ALL_THEMES))
    check_page(page, f"projector-ideas-{size}")


def console_for(page, room):
    """The moderator's console in another tab of the projector's browser (logged in already):
    changes must go through the live server to reach the projector."""
    console = page.context.new_page()
    console.goto(f"/sala/{room.id}/moderar")
    expect(console.get_by_role("heading", level=1)).to_have_text("Moderar la sala")
    return console


@pytest.mark.parametrize("screen", SCREENS)
def test_voting_ranks_only_ideas_with_points_and_closing_says_where_results_go(app, open_room, new_page, screen):
    from ideaboard.rooms.services import change_phase
    from ideaboard.votes.services import cast_vote

    room = open_room(themes=ALL_THEMES, title="Ideatón de Antigua Guatemala: servicios municipales",
                     municipality="0301")
    people, ideas = fill_room(room)
    change_phase(room, "voting", actor=room.created_by)
    size = f"{screen['viewport']['width']}x{screen['viewport']['height']}"
    page = open_projector(new_page, room, screen, f"projector-{size}")
    not_found = []
    page.on("response", lambda r: not_found.append(r.url) if r.status >= 400 else None)
    expect(page.locator("#screen-phase")).to_have_text(
        "Votación: pongan sus puntos desde el teléfono en las ideas que prefieran.")
    expect(page.locator("#ranking")).to_contain_text("Todavía no hay votos.")  # no list of zeros
    expect(page.locator("#ranking .ranking__list li")).to_have_count(0)

    voted = [ideas[3], ideas[7], ideas[12]]
    for person, idea in zip(people, voted):
        cast_vote(room, person, idea_id=idea.id, client_id=str(uuid.uuid4()))
    cast_vote(room, people[1], idea_id=voted[0].id, client_id=str(uuid.uuid4()))
    page.reload()
    wait_live(page)
    ranked = page.locator("#ranking .ranking__list li")
    expect(ranked).to_have_count(3)  # only the ideas with points
    expect(ranked.first).to_contain_text(voted[0].text)
    expect(page.locator("#ranking .ranking__n")).to_have_text(["Puntos: 2", "Puntos: 1", "Puntos: 1"])
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert_whole_room_on_screen(page, len(ALL_THEMES))
    check_page(page, f"projector-voting-{size}")

    # The moderator closes the room: the projector says so at once, and where the results go.
    console = console_for(page, room)
    console.get_by_text("Cerrar la sala", exact=True).click()
    console.get_by_role("button", name="Sí, cerrar la sala").click()
    expect(console.get_by_role("heading", name="Fase: Cerrada")).to_be_visible()
    panel = page.locator("#join-panel")
    expect(panel).to_contain_text("La sala está cerrada. ¡Gracias por participar!", timeout=LIVE)
    expect(panel).to_contain_text("archivo público de Antigua Guatemala")
    expect(page.locator(".join-panel__url")).to_have_text(re.compile(r"^http://[0-9.:]+/municipios/0301$"))
    expect(page.locator("img")).to_have_count(0)
    expect(page.get_by_text("escriba el código")).to_have_count(0)
    expect(ranked).to_have_count(3)
    assert_images_load(page)
    check_page(page, f"projector-closed-{size}")

    # Opened afresh, a closed room's projector is the same, and nothing on it answers 404.
    page.reload()
    expect(panel).to_contain_text("La sala está cerrada.")
    page.wait_for_load_state("networkidle")
    assert_images_load(page)
    assert not_found == [], not_found
    check_page(page, f"projector-closed-reloaded-{size}")


def test_cards_only_room_shows_how_to_enter_with_a_card(app, open_room, new_page):
    room = open_room(phase="preparation")
    page = open_projector(new_page, room, PRESENTER_1920, "projector-cards")
    expect(page.locator("#screen-phase")).to_have_text("Entren a la sala: pronto empezamos a recibir ideas.")
    expect(page.get_by_text("Ya está en la sala. Pronto empezamos.")).to_be_hidden()  # the phones' sentence
    expect(page.get_by_role("img", name="Código QR para entrar a la sala")).to_be_visible()

    console = console_for(page, room)
    cards_only = console.get_by_label("Solo con tarjeta de entrada (una persona, un voto)")

    def settings(on):
        cards_only.set_checked(on)
        console.get_by_role("button", name="Guardar ajustes").click()
        expect(console.locator("#alerts .alert")).to_have_text("Ajustes guardados.")

    settings(True)  # live: the room's QR code and its code leave the screen at once
    expect(page.locator("#join-panel")).to_contain_text("Se entra con tarjeta de entrada", timeout=LIVE)
    expect(page.locator("img")).to_have_count(0)
    expect(page.locator(".join-panel__code")).to_have_count(0)
    expect(page.get_by_text("y escriba el código", exact=True)).to_have_count(0)
    expect(page.locator("#join-panel")).to_contain_text("escriba el código impreso en su tarjeta")
    page.reload()
    wait_live(page)
    expect(page.locator("img")).to_have_count(0)
    expect(page.locator(".join-panel__code")).to_have_count(0)
    assert page.request.get(f"/sala/{room.id}/qr.svg").status == 404  # the room's code admits no one
    check_page(page, "projector-cards-only")
    settings(False)
    expect(page.get_by_role("img", name="Código QR para entrar a la sala")).to_be_visible(timeout=LIVE)
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    screenshot(page, "projector-cards-off")
