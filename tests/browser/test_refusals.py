"""What a phone sees when the room refuses it or the moderators take something back (360x740):

- its idea rejected under pre-moderation: the card stays on its own board, marked not published,
  with the moderator's reason, live and after a reload;
- a dot on an idea hidden during voting comes back, and the phone says so at the bottom;
- its join card annulled: a vote says so where the phone is looking (no "cuenta", no "403"), and
  a reload lands on /unirse with the reason;
- muted: a post is answered in the form that was sent, with what the person can do.
Screenshots (viewport and full page) in test-artifacts/screenshots/."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from ideaboard.extensions import db
from ideaboard.ideas.services import post_idea
from ideaboard.moderation import services as mod
from ideaboard.rooms.services import change_phase, create_cards, join_room, revoke_card, update_settings

from .conftest import SCREENSHOTS, check_page, log_in, wait_live
from .test_live_room import THEMES, cards, join_by_qr, post_with_htmx, idea_box, post_form
from .test_voting import forget_refusal, my_participant, vote

pytestmark = pytest.mark.browser

WATER = THEMES[0][0]
REASON = "Fuera de tema: hable de servicios municipales"


def view(page, name: str) -> None:
    """What the phone's screen shows right now (360x740), for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-screen.png"), caret="initial")


def hide_on_the_server(page, room, idea_id: int, reason: str) -> None:
    """A moderator hides an idea through the live server (whose broadcasts reach the phones), as the
    console's "Ocultar" does: its htmx post with the console's CSRF token."""
    log_in(page, room.created_by)
    page.goto(f"/sala/{room.id}/moderar")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    answer = page.request.post(f"/sala/{room.id}/moderar/ideas/{idea_id}/ocultar",
                               form={"csrf_token": token, "reason": reason}, headers={"HX-Request": "true"})
    assert answer.status == 200, answer.text()[:300]


def no_account_talk(locator) -> None:
    expect(locator).not_to_contain_text("cuenta")
    expect(locator).not_to_contain_text("403")
    expect(locator).not_to_contain_text("Acceso no permitido")


def test_a_rejected_idea_shows_its_reason_to_its_author_only(app, open_room, new_page, desktop):
    room = open_room(themes=THEMES)
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=False, dot_budget=3,
                    max_dots_per_idea=1, self_votes=False, cards_only=False, premoderation=True)
    author, other = new_page("phone"), new_page("phone")
    join_by_qr(author, room, "Ana")
    join_by_qr(other, room, "Beto")
    post_with_htmx(author, WATER, "Una idea que no se publicará")
    expect(cards(author, "Una idea que no se publicará")).to_contain_text("En revisión")
    db.session.rollback()
    idea_id = int(cards(author, "Una idea que no se publicará").get_attribute("data-idea"))

    hide_on_the_server(desktop, room, idea_id, REASON)

    card = cards(author, "Una idea que no se publicará")
    expect(card).to_contain_text("No publicada: solo usted la ve")  # live, over its own message
    expect(card).to_contain_text(REASON)
    card.scroll_into_view_if_needed()
    view(author, "refused-idea-live")
    author.reload()
    wait_live(author)
    expect(cards(author, "Una idea que no se publicará")).to_contain_text(REASON)
    check_page(author, "refused-idea")
    expect(other.locator("#board")).not_to_contain_text("Una idea que no se publicará")
    other.reload()
    expect(other.locator("#board")).not_to_contain_text(REASON)


def test_a_dot_on_a_hidden_idea_comes_back_and_the_phone_says_so(app, open_room, new_page, desktop):
    room = open_room(themes=THEMES)
    author = join_room(room, nickname="Autora")
    hidden, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Idea que se ocultará",
                          client_id=str(uuid.uuid4()))
    post_idea(room, author, theme_id=room.themes[0].id, text="Idea que sigue", client_id=str(uuid.uuid4()))
    change_phase(room, "voting", actor=room.created_by)
    phone = new_page("phone")
    join_by_qr(phone, room, "Carla")
    vote(phone, "Idea que se ocultará")
    expect(phone.locator("#dots-left")).to_have_attribute("data-dots-left", "2")

    hide_on_the_server(desktop, room, hidden.id, "Lenguaje ofensivo")

    expect(phone.locator("#vote-message")).to_contain_text("se los devolvimos")
    expect(phone.locator("#dots-left")).to_have_attribute("data-dots-left", "3")
    expect(phone.locator("#board")).not_to_contain_text("Idea que se ocultará")
    view(phone, "dot-returned")
    check_page(phone, "dot-returned")


def test_an_annulled_card_and_a_muted_participant_are_told_what_happened(app, open_room, new_page):
    room = open_room(themes=THEMES)
    author = join_room(room, nickname="Autora")
    post_idea(room, author, theme_id=room.themes[0].id, text="Agua todo el día", client_id=str(uuid.uuid4()))
    muted = new_page("phone")
    join_by_qr(muted, room, "Dani")
    mod.mute_participant(room, my_participant(room, "Dani").id, actor=room.created_by)
    idea_box(muted, WATER).fill("Otra idea")
    since = len(muted.console_errors)
    with muted.expect_response(lambda r: r.request.method == "POST" and "/ideas" in r.url) as answer:
        post_form(muted, WATER).get_by_role("button", name="Enviar").click()
    assert answer.value.status == 403
    error = post_form(muted, WATER).locator(".field__error")
    expect(error).to_contain_text("La moderación pausó sus publicaciones en esta sala: puede seguir leyendo")
    muted.wait_for_function("n => window.console && true", arg=0)  # a round trip: htmx has logged its error
    forget_refusal(muted, since, "/ideas", 403)
    expect(idea_box(muted, WATER)).to_have_value("Otra idea")  # what was typed stays
    no_account_talk(post_form(muted, WATER))
    view(muted, "muted-post-refused")

    change_phase(room, "voting", actor=room.created_by)
    phone = new_page("phone")
    join_by_qr(phone, room, "Eva")
    card = create_cards(room, 1, actor=room.created_by)[0]
    card.participant_id = my_participant(room, "Eva").id
    db.session.commit()
    revoke_card(card, actor=room.created_by)
    since = len(phone.console_errors)
    vote(phone, "Agua todo el día", status=403)
    message = phone.locator("#vote-message")
    expect(message).to_contain_text("Su tarjeta de entrada fue anulada")
    phone.wait_for_function("n => window.console && true", arg=0)  # a round trip: htmx has logged its error
    forget_refusal(phone, since, "/votos", 403)
    expect(message).to_contain_text("pida ayuda en la mesa de registro")
    expect(message).to_be_in_viewport()
    no_account_talk(message)
    view(phone, "annulled-card-vote")

    phone.reload()
    phone.wait_for_url(re.compile(r"/unirse$"))
    alerts = phone.locator("#alerts")
    expect(alerts).to_contain_text("La moderación anuló la tarjeta con la que entró")
    no_account_talk(alerts)
    check_page(phone, "annulled-card-reload")
    view(phone, "annulled-card-reload")
