"""Live moderation in a real browser: two moderators run the same room from two consoles while
two phones and the projector follow, none of them reloaded.

- Moderator A (the coordinator, on a laptop) merges two repeated ideas into one with a new text
  and hides an offensive one with the prefilled reason; moderator B (assigned to the ideathon,
  on a phone) sees the merged row ("Unida de 2 ideas") and the hidden idea under "Ideas
  ocultadas"; the phones and the projector show the merged card and neither the sources nor the
  hidden idea. A's own answer is shown even when the room's broadcast of the same action
  reaches A first (it is held back once, on purpose). Then B pins an idea, and A sees it.
- Voting: a phone's dots on two ideas that get merged carry over as one dot on the merged idea
  ("Puntos: 1"); the other dot is returned to the phone.
- axe (check_page) on both consoles after the actions, the phone's board, the projector and the
  moderation record.

Ideas are posted by the phones through the UI; ids are read from the database (a merged card
lists its sources' texts, so texts alone do not tell the cards apart).
"""
import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.ideathons.services import assign_moderators

from .conftest import check_page, log_in, wait_live
from .test_live_room import (
    PRESENTER_1920, THEMES, assert_same_document, clear_presence, join_by_qr, mark_document, post_with_htmx,
)
from .test_voting import dots_left_text, vote

pytestmark = pytest.mark.browser

LIVE = 10_000  # ms: a moderator's action reaches every other screen (generous: it is not a benchmark)
WATER, WASTE = THEMES[0][0], THEMES[1][0]
REPEATED = ["Reparar la tubería rota del barrio El Centro", "Arreglar la fuga de agua en la calle del mercado"]
MERGED = "Reparar la tubería y la fuga de agua en El Centro y el mercado"
OFFENSIVE = "Los del comité de agua son unos inútiles y unos ladrones"
KEPT = "Clorar el tanque de agua cada semana"
FOR_VOTING = ["Recoger la basura dos veces por semana", "Poner más botes de basura en el parque"]
MERGED_VOTED = "Más recolección de basura y botes en el parque"
REASON = "Lenguaje ofensivo"


def idea_id(text: str) -> int:
    db.session.rollback()
    return db.session.scalars(sa.select(Idea.id).where(Idea.text == text)).one()


def open_console(page, room) -> None:
    """The console, and wait until its socket listens to the room (#board[data-live]), so that a
    moderator's broadcast cannot be missed after this."""
    page.goto(f"/sala/{room.id}/moderar")
    wait_live(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderar la sala")
    expect(page.get_by_role("heading", name="Moderación en vivo")).to_be_visible()


def open_projector(page, room) -> None:
    page.goto(f"/sala/{room.id}/proyector")
    wait_live(page)


def row(page, idea: int):
    return page.locator(f"#mod-idea-{idea}")


def card(page, idea: int):
    return page.locator(f"#idea-{idea}")


def moderate(page, path: str):
    """Wait for the htmx answer of a moderation action (the console's whole live list)."""
    return page.expect_response(lambda r: r.request.method == "POST" and path in r.url)


def merge(console, ideas: list[int], text: str) -> None:
    """Tick the ideas in the live list, type the merged text, press "Unir las ideas marcadas"."""
    for idea in ideas:
        console.locator(f"#pick-{idea}").check()
    console.locator("#merge-text").fill(text)
    with moderate(console, "/moderar/unir") as answer:
        console.get_by_role("button", name="Unir las ideas marcadas").click()
    assert answer.value.status == 200, answer.value.text()[:300]


def wait_until(page, condition, timeout: float = LIVE) -> None:
    """Let Playwright run its event handlers (routes) until `condition()` holds."""
    deadline = time.monotonic() + timeout / 1000
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(20)


def hide_broadcast_first(console, idea: int) -> None:
    """Open the row's "Ocultar", keep the prefilled reason, press "Ocultar".

    The server sends the room's broadcast of an action before the action's own answer, so the
    acting console often gets its own broadcast first, which replaces the row holding the form
    that is still waiting for its answer. Here the answer is held until the broadcast has moved
    the row, so that this order is tested every time: the answer must still be shown."""
    held = []
    pattern = f"**/moderar/ideas/{idea}/ocultar"
    console.route(pattern, lambda route: held.append((route, route.fetch())))
    target = row(console, idea)
    target.locator("summary", has_text="Ocultar").click()
    reason = target.get_by_label("Motivo (se publica)")
    expect(reason).to_be_visible()
    expect(reason).to_have_value(REASON)
    target.get_by_role("button", name="Ocultar", exact=True).click()
    expect(console.locator(f"#mod-hidden #mod-idea-{idea}")).to_have_count(1, timeout=LIVE)  # the broadcast
    wait_until(console, lambda: held)
    route, answer = held[0]
    assert answer.status == 200, answer.text()[:300]
    route.fulfill(response=answer)
    expect(console.locator("#mod-list .flash")).to_have_text("Idea ocultada.")
    console.unroute(pattern)


def test_two_moderators_merge_and_hide_live_on_every_screen(app, open_room, make_user, new_page, desktop):
    room = open_room(themes=THEMES)
    clear_presence(app, room.id)
    coordinator = room.created_by
    moderator = make_user(Role.MODERATOR, name="Marta Moderadora")
    assign_moderators(room, [moderator], actor=coordinator)
    water, waste = room.themes[0].id, room.themes[1].id

    # Two phones join and post: two repeated ideas, an offensive one, and ideas for the vote later.
    phone_a, phone_b = new_page("phone"), new_page("phone")
    join_by_qr(phone_a, room, "Ana")
    join_by_qr(phone_b, room, "Beto")
    post_with_htmx(phone_a, WATER, REPEATED[0])
    post_with_htmx(phone_b, WATER, REPEATED[1])
    post_with_htmx(phone_b, WATER, OFFENSIVE)
    post_with_htmx(phone_a, WATER, KEPT)
    for text in FOR_VOTING:
        post_with_htmx(phone_b, WASTE, text)
    sources = [idea_id(text) for text in REPEATED]
    offensive, kept = idea_id(OFFENSIVE), idea_id(KEPT)

    # The projector, and the two consoles: A on a laptop, B (the assigned moderator) on a phone.
    projector = new_page("presenter-1920", **PRESENTER_1920)
    log_in(projector, coordinator)
    open_projector(projector, room)
    console_a = desktop
    log_in(console_a, coordinator)
    open_console(console_a, room)
    console_b = new_page("phone")
    log_in(console_b, moderator)
    open_console(console_b, room)
    screens = (phone_a, phone_b, projector)
    for page in screens:
        for idea in (*sources, offensive, kept):
            expect(card(page, idea)).to_be_visible(timeout=LIVE)
        expect(page.locator(f"#count-{water}")).to_have_text("4")
    for page in (console_a, console_b):
        for idea in (*sources, offensive, kept):
            expect(row(page, idea)).to_be_visible()
        expect(page.locator("#mod-hidden .mod-idea")).to_have_count(0)
    for page in (*screens, console_a, console_b):
        mark_document(page)

    # Moderator A merges the two repeated ideas (with a new text), then hides the offensive one.
    merge(console_a, sources, MERGED)
    expect(console_a.locator("#mod-list .flash")).to_have_text("2 ideas unidas en una.")
    expect(console_a.locator("#merge-text")).to_have_value("")  # the form is ready for the next merge
    merged = idea_id(MERGED)
    hide_broadcast_first(console_a, offensive)

    # Both consoles: the merged row on the board, the sources gone, the hidden idea set apart.
    for page in (console_a, console_b):
        merged_row = page.locator(f"#mod-theme-{water} #mod-idea-{merged}")
        expect(merged_row).to_be_visible(timeout=LIVE)
        expect(merged_row.locator(".mod-idea__text")).to_have_text(MERGED)
        expect(merged_row.locator(".badge--merged")).to_have_text("Unida de 2 ideas")
        merged_row.get_by_text("Ver las ideas unidas").click()
        expect(merged_row.locator(".idea__sources li")).to_have_text(REPEATED)
        for idea in sources:
            expect(row(page, idea)).to_have_count(0)
        hidden_row = page.locator(f"#mod-hidden #mod-idea-{offensive}")
        expect(hidden_row).to_have_count(1, timeout=LIVE)
        expect(hidden_row).to_contain_text(f"Motivo: {REASON}")
        expect(page.locator(f"#mod-theme-{water} #mod-idea-{offensive}")).to_have_count(0)
        expect(row(page, kept)).to_be_visible()
        assert_same_document(page)
    for page in (console_a, console_b):
        expect(page.locator("#mod-hidden-count")).to_have_text("1")  # "Ideas ocultadas (1)"
    # On B the "Ideas ocultadas" box was closed (nothing hidden when it loaded): open it to see.
    hidden_box = console_b.locator("details.history", has=console_b.locator("#mod-hidden"))
    if hidden_box.get_attribute("open") is None:
        hidden_box.locator("> summary").click()
    expect(row(console_b, offensive)).to_be_visible()
    expect(row(console_b, offensive).get_by_role("button", name=re.compile("^Volver a mostrar"))).to_be_visible()

    # Phones and projector: the merged card, neither of its sources nor the hidden idea.
    for page in screens:
        merged_card = page.locator(f"#ideas-{water} #idea-{merged}")
        expect(merged_card).to_be_visible(timeout=LIVE)
        expect(merged_card.locator(".idea__text")).to_have_text(MERGED)
        expect(merged_card.locator(".badge--merged")).to_have_text("Unida de 2 ideas")
        for idea in sources:
            expect(card(page, idea)).to_have_count(0)
        if page is phone_b:  # its author alone still sees it: not published, and why
            expect(card(page, offensive)).to_contain_text("No publicada: solo usted la ve")
            expect(card(page, offensive)).to_contain_text(REASON)
        else:
            expect(card(page, offensive)).to_have_count(0)
            expect(page.get_by_text(OFFENSIVE)).to_have_count(0)
        expect(card(page, kept)).to_be_visible()
        expect(page.locator(f"#count-{water}")).to_have_text("2")
        assert_same_document(page)

    # Moderator B acts too: pins the idea that stays; A's console and every screen highlight it.
    with moderate(console_b, f"/ideas/{kept}/destacar") as answer:
        row(console_b, kept).get_by_role("button", name=re.compile("^Destacar")).click()
    assert answer.value.status == 200, answer.value.text()[:300]
    for page in (console_a, console_b):
        expect(row(page, kept).locator(".badge--pinned")).to_have_text("Destacada", timeout=LIVE)
        expect(row(page, kept).get_by_role("button", name=re.compile("^Quitar destacado"))).to_be_visible()
    for page in screens:
        expect(card(page, kept).locator(".idea__pin")).to_have_text("Destacada por la moderación", timeout=LIVE)
        expect(card(page, kept)).to_have_class(re.compile(r"\bidea--pinned\b"))

    # axe with an action's form open too (the reason, the new text, the checkbox).
    row(console_a, kept).locator("summary", has_text="Silenciar autor").click()
    expect(row(console_a, kept).get_by_label("Ocultar también todas sus ideas")).to_be_visible()
    check_page(console_a, "moderation-console-after")
    row(console_b, kept).locator("summary", has_text="Editar").click()
    expect(row(console_b, kept).get_by_label("Texto más claro (el original se conserva)")).to_have_value(KEPT)
    check_page(console_b, "moderation-console-b-after")
    phone_a.get_by_role("link", name=re.compile(WATER)).click()
    phone_a.locator(f"#idea-{merged}").get_by_text("Ver las ideas unidas").click()
    expect(phone_a.locator(f"#idea-{merged} .idea__sources li")).to_have_text(REPEATED)
    check_page(phone_a, "moderation-phone-after")
    check_page(projector, "moderation-projector-after")

    # The record says who did what, with the reason.
    console_b.goto(f"/sala/{room.id}/moderar/registro")
    entries = console_b.locator(".audit__entry")  # newest first
    expect(entries).to_have_count(3)
    expect(entries.nth(0)).to_contain_text("Idea destacada")
    expect(entries.nth(0)).to_contain_text(KEPT)
    expect(entries.nth(0)).to_contain_text(moderator.name)
    expect(entries.nth(1)).to_contain_text("Idea ocultada")
    expect(entries.nth(1)).to_contain_text(OFFENSIVE)
    expect(entries.nth(1)).to_contain_text(f"Motivo: {REASON}")
    expect(entries.nth(1)).to_contain_text(coordinator.name)
    expect(entries.nth(2)).to_contain_text("Ideas unidas")
    expect(entries.nth(2)).to_contain_text(MERGED)
    check_page(console_b, "moderation-audit")
    open_console(console_b, room)
    mark_document(console_b)

    # Voting: Ana puts a dot on each of two ideas, then moderator A merges them. Her dots carry
    # over as one (the other comes back to her): the merged idea counts 1 on every screen.
    with console_a.expect_navigation():  # the phase buttons are plain forms
        console_a.get_by_role("button", name="Empezar la votación").click()
    expect(console_a.get_by_role("heading", name="Fase: Votación")).to_be_visible()
    mark_document(console_a)
    for page in screens:
        expect(page.locator("#room-phase")).to_have_attribute("data-phase", "voting", timeout=LIVE)
    expect(phone_a.locator("#dots-left")).to_have_text(dots_left_text(3))
    voted = [idea_id(text) for text in FOR_VOTING]
    phone_a.get_by_role("link", name=re.compile(WASTE)).click()
    for n, text in enumerate(FOR_VOTING, start=1):
        vote(phone_a, text)
        expect(phone_a.locator("#dots-left")).to_have_text(dots_left_text(3 - n))
    for page in (*screens, console_a, console_b):
        for idea in voted:
            expect(page.locator(f"#votes-{idea}")).to_have_text("1", timeout=LIVE)

    merge(console_a, voted, MERGED_VOTED)
    expect(console_a.locator("#mod-list .flash")).to_have_text(
        "2 ideas unidas en una. Se devolvió 1 punto repetido.")
    merged_voted = idea_id(MERGED_VOTED)
    for page in (*screens, console_a, console_b):
        container = page.locator(f"#mod-idea-{merged_voted}" if page in (console_a, console_b)
                                 else f"#ideas-{waste} #idea-{merged_voted}")
        expect(container).to_be_visible(timeout=LIVE)
        expect(container.locator(".votes")).to_have_text(re.compile(r"^\s*Puntos:\s+1\s*$"), timeout=LIVE)
        for idea in voted:
            expect(page.locator(f"#idea-{idea}, #mod-idea-{idea}")).to_have_count(0)
        assert_same_document(page)
    check_page(console_a, "moderation-console-voting")
    # Ana got the repeated dot back without reloading, and her other dot is hers on the merged idea.
    expect(phone_a.locator("#dots-left")).to_have_text(dots_left_text(2), timeout=LIVE)
    expect(phone_a.locator(f"#idea-{merged_voted} .my-dots")).to_have_text("Usted: 1 punto")
    expect(phone_b.locator("#dots-left")).to_have_text(dots_left_text(3))
    assert_same_document(phone_a)
    check_page(phone_a, "moderation-phone-voting")
