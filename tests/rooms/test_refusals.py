"""Refusals a participant can meet speak to a participant: no account, no bare status code, what
happened and what they can do, where they are looking (htmx: the board's message or the form that
was sent; whole pages otherwise; /unirse with a message after a reload)."""
import uuid

from ideaboard.extensions import db
from ideaboard.moderation.services import mute_participant
from ideaboard.rooms.services import create_cards, revoke_card
from tests.conftest import Auth

HX = {"HX-Request": "true"}
ANNULLED = "La moderación anuló la tarjeta con la que entró"


def cid():
    return str(uuid.uuid4())


def visible(html: str) -> None:
    assert "Su cuenta" not in html and "(403)" not in html and "Acceso no permitido" not in html, html[:600]


def annulled_phone(client, join, room):
    person = join(client, room, nickname="Ana")
    card = create_cards(room, 1, actor=room.created_by)[0]
    card.participant_id = person.id
    db.session.commit()
    revoke_card(card, actor=room.created_by)
    return person


def test_a_phone_whose_card_was_annulled_is_told_so_when_it_votes(app, client, join, open_room):
    room = open_room(phase="voting")
    annulled_phone(client, join, room)
    token = Auth(client).csrf_token()
    answer = client.post(f"/sala/{room.id}/votos", data={"csrf_token": token, "idea_id": "1", "client_id": cid()},
                         headers=HX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 403
    assert 'id="vote-message"' in html and "Su tarjeta de entrada fue anulada" in html and ANNULLED in html
    assert "HX-Retarget" not in answer.headers  # room.js puts it in the board's message, where the phone looks
    visible(html)
    # Without JavaScript: a whole page that says the same.
    page = client.post(f"/sala/{room.id}/votos", data={"csrf_token": token, "idea_id": "1", "client_id": cid()})
    assert page.status_code == 403 and ANNULLED in page.get_data(as_text=True)
    visible(page.get_data(as_text=True))


def test_after_a_reload_an_annulled_card_lands_on_the_join_page_with_the_reason(app, client, join, open_room):
    room = open_room()
    annulled_phone(client, join, room)
    board = client.get(f"/sala/{room.id}")
    assert board.status_code == 302 and board.headers["Location"].endswith("/unirse")
    page = client.get("/unirse").get_data(as_text=True)
    assert ANNULLED in page
    visible(page)


def test_a_muted_participant_is_answered_in_the_form_with_what_they_can_do(app, client, join, open_room):
    room = open_room()
    person = join(client, room, nickname="Beto")
    mute_participant(room, person.id, actor=room.created_by)
    theme = room.themes[0]
    answer = client.post(f"/sala/{room.id}/ideas", headers=HX, data={
        "csrf_token": Auth(client).csrf_token(), "theme_id": theme.id, "text": "Más luz", "client_id": cid()})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 403
    assert f'id="post-{theme.id}"' in html and "Más luz" in html  # the form that was sent, what was typed kept
    assert "La moderación pausó sus publicaciones en esta sala: puede seguir leyendo el tablero" in html
    visible(html)


def test_a_phone_that_never_joined_is_told_how_to_join(app, client, open_room):
    room = open_room(phase="voting")
    answer = client.post(f"/sala/{room.id}/votos", headers=HX,
                         data={"csrf_token": Auth(client).csrf_token(), "idea_id": "1", "client_id": cid()})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 403 and "Aún no está en esta sala" in html and "escanee el código QR" in html
    visible(html)


def test_staff_still_see_the_status_code(app, client, auth, make_user, open_room):
    from ideaboard.accounts.models import Role

    room = open_room()
    auth.login(make_user(Role.MODERATOR))
    page = client.get(f"/sala/{room.id}/moderar")
    assert page.status_code == 403 and "(403)" in page.get_data(as_text=True)
