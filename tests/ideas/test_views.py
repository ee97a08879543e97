import re
import uuid

import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from tests.conftest import Auth


def ideas():
    return db.session.scalars(sa.select(Idea).order_by(Idea.id)).all()


def post(phone, room, text, theme=None, client_id=None, htmx=True):
    headers = {"HX-Request": "true"} if htmx else {}
    return Auth(phone).post(f"/sala/{room.id}/ideas", {
        "theme_id": (theme or room.themes[0]).id, "text": text, "client_id": client_id or str(uuid.uuid4()),
    }, headers=headers)


def test_htmx_post_returns_a_fresh_form_and_the_new_card(app, client, open_room, join):
    room = open_room(themes=[("Agua", "water")])
    join(client, room, nickname="Ana")
    response = post(client, room, "Cisternas en la zona 3")
    html = response.get_data(as_text=True)
    idea = ideas()[0]
    assert response.status_code == 200 and response.headers["X-Idea-Id"] == str(idea.id)
    assert f'id="post-{room.themes[0].id}"' in html and f'id="idea-{idea.id}"' in html
    assert "is-mine" in html and "Cisternas en la zona 3" in html and "Ana" in html
    old_client_ids = re.findall(r'name="client_id" type="hidden" value="([^"]+)"', html)
    assert old_client_ids and old_client_ids[0] != idea.client_id  # the next idea gets a new id


def test_a_double_tap_is_stored_once(app, client, open_room, join):
    room = open_room()
    join(client, room)
    client_id = str(uuid.uuid4())
    first = post(client, room, "Más basureros", client_id=client_id)
    second = post(client, room, "Más basureros", client_id=client_id)
    assert first.headers["X-Idea-Id"] == second.headers["X-Idea-Id"]
    assert len(ideas()) == 1


def test_post_without_javascript_goes_back_to_the_board(app, client, open_room, join):
    room = open_room()
    join(client, room)
    response = post(client, room, "Reparar el puente", htmx=False)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sala/{room.id}#theme-{room.themes[0].id}"
    board = client.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "Idea enviada." in board and "Reparar el puente" in board


def test_bad_posts_answer_in_spanish_and_store_nothing(app, client, open_room, join):
    room, other = open_room(), open_room()
    join(client, room)
    empty = post(client, room, "  ")
    assert empty.status_code == 422 and "Escriba su idea antes de enviarla." in empty.get_data(as_text=True)
    long = post(client, room, "x" * 300)
    assert long.status_code == 422 and "el máximo es 280" in long.get_data(as_text=True)
    assert "x" * 300 in long.get_data(as_text=True)  # what was typed comes back, not lost
    foreign = Auth(client).post(f"/sala/{room.id}/ideas", {
        "theme_id": other.themes[0].id, "text": "Idea", "client_id": str(uuid.uuid4())},
        headers={"HX-Request": "true"})
    assert foreign.status_code == 422 and "Ese tema no existe" in foreign.get_data(as_text=True)
    no_id = Auth(client).post(f"/sala/{room.id}/ideas", {"theme_id": room.themes[0].id, "text": "Idea"},
                              headers={"HX-Request": "true"})
    assert no_id.status_code == 400 and "Recargue la página" in no_id.get_data(as_text=True)
    assert ideas() == []


def test_forged_or_missing_csrf_token_is_refused(app, client, open_room, join):
    room = open_room()
    join(client, room)
    data = {"theme_id": room.themes[0].id, "text": "Idea", "client_id": str(uuid.uuid4())}
    missing = client.post(f"/sala/{room.id}/ideas", data=data, headers={"HX-Request": "true"})
    forged = client.post(f"/sala/{room.id}/ideas", data=data, headers={"HX-Request": "true", "X-CSRFToken": "forged"})
    for response in (missing, forged):
        assert response.status_code == 400
        assert "El formulario caducó o no es válido" in response.get_data(as_text=True)
        assert response.headers["HX-Retarget"] == "#alerts"
    assert ideas() == []


def test_a_cookie_for_another_room_cannot_post_here(app, client, open_room, join):
    room, other = open_room(), open_room()
    join(client, other)
    response = post(client, room, "Colada")
    assert response.status_code == 403 and ideas() == []


def test_closed_room_refuses_posts_with_a_clear_message(app, client, open_room, join):
    from ideaboard.rooms.services import close_room

    room = open_room()
    join(client, room)
    close_room(room, actor=room.created_by)
    response = post(client, room, "Tarde")
    assert response.status_code == 409
    assert "En este momento la sala no recibe ideas." in response.get_data(as_text=True)
    assert ideas() == []


def test_edit_and_withdraw_ones_own_idea(app, client, open_room, join):
    room = open_room()
    join(client, room)
    post(client, room, "Primera versión")
    idea = ideas()[0]
    page = client.get(f"/sala/{room.id}/ideas/{idea.id}/editar").get_data(as_text=True)
    assert "Primera versión" in page and "Retirar esta idea" in page
    edited = Auth(client).post(f"/sala/{room.id}/ideas/{idea.id}/editar", {"text": "Segunda versión"})
    assert edited.status_code == 302
    db.session.refresh(idea)
    assert idea.text == "Segunda versión" and idea.edited_at
    withdrawn = Auth(client).post(f"/sala/{room.id}/ideas/{idea.id}/retirar")
    assert withdrawn.status_code == 302
    db.session.refresh(idea)
    assert idea.status == "withdrawn"
    assert "Segunda versión" not in client.get(f"/sala/{room.id}").get_data(as_text=True)


def test_someone_elses_idea_cannot_be_edited_or_withdrawn(app, open_room, join):
    room = open_room()
    ana, beto = app.test_client(), app.test_client()
    join(ana, room)
    join(beto, room)
    post(ana, room, "De Ana")
    idea = ideas()[0]
    assert beto.get(f"/sala/{room.id}/ideas/{idea.id}/editar").status_code == 403
    assert Auth(beto).post(f"/sala/{room.id}/ideas/{idea.id}/editar", {"text": "De Beto"}).status_code == 403
    assert Auth(beto).post(f"/sala/{room.id}/ideas/{idea.id}/retirar").status_code == 403
    db.session.refresh(idea)
    assert idea.text == "De Ana" and idea.is_visible


def test_board_marks_only_my_ideas_as_mine(app, open_room, join):
    room = open_room()
    ana, beto = app.test_client(), app.test_client()
    join(ana, room)
    join(beto, room)
    post(ana, room, "De Ana")
    idea = ideas()[0]
    ana_board = ana.get(f"/sala/{room.id}").get_data(as_text=True)
    beto_board = beto.get(f"/sala/{room.id}").get_data(as_text=True)
    assert f'data-mine="{idea.id}"' in ana_board and 'class="idea is-mine"' in ana_board
    assert 'data-mine=""' in beto_board and "is-mine" not in beto_board


def test_sync_fragment_carries_the_sequence_and_every_list(app, client, open_room, join):
    room = open_room(themes=[("Agua", "water"), ("Basura", "waste")])
    join(client, room)
    post(client, room, "Una")
    html = client.get(f"/sala/{room.id}/tablero").get_data(as_text=True)
    db.session.refresh(room)
    assert f'<span id="board-seq" data-seq="{room.room_seq}" hidden>' in html
    for theme in room.themes:
        assert f'id="ideas-{theme.id}"' in html and f'id="count-{theme.id}"' in html
    assert "<html" not in html and "csrf" not in html.lower()


def test_posting_is_rate_limited_per_participant_not_per_address(app, open_room, join):
    app.config["PARTICIPANT_RATE_LIMIT"] = "3 per minute"
    room = open_room()
    ana, beto = app.test_client(), app.test_client()
    join(ana, room)
    join(beto, room)
    for i in range(3):
        assert post(ana, room, f"Ana {i}").status_code == 200
    blocked = post(ana, room, "Ana 4")
    assert blocked.status_code == 429 and "Demasiados intentos" in blocked.get_data(as_text=True)
    assert post(beto, room, "Beto 1").status_code == 200  # same address, another person
    assert len(ideas()) == 4
