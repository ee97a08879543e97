import json
import re
import uuid

import pytest

from ideaboard.ideas.services import post_idea
from ideaboard.rooms.services import change_phase, update_settings
from ideaboard.votes.tallies import tallies
from tests.conftest import Auth


def vote(phone, room, idea, client_id=None, htmx=True, remove=False):
    path = f"/sala/{room.id}/votos" + ("/quitar" if remove else "")
    data = {"idea_id": idea.id, "client_id": client_id or str(uuid.uuid4())}
    return Auth(phone).post(path, data, headers={"HX-Request": "true"} if htmx else {})


@pytest.fixture
def voting_room(app, open_room, join):
    room = open_room(themes=[("Agua", "water")])
    author_phone = app.test_client()
    author = join(author_phone, room, nickname="Ana")
    ideas = [post_idea(room, author, theme_id=room.themes[0].id, text=f"Idea {i}",
                       client_id=str(uuid.uuid4()))[0] for i in range(3)]
    return room, ideas


def start_voting(room, **settings):
    if settings:
        values = dict(silent_ideas=False, hidden_counts=False, dot_budget=3, max_dots_per_idea=1,
                      self_votes=True, cards_only=False)
        values.update(settings)
        update_settings(room, actor=room.created_by, **values)
    change_phase(room, "voting", actor=room.created_by)


def test_vote_answers_with_my_card_and_dots_left(app, client, voting_room, join):
    room, ideas = voting_room
    join(client, room)
    start_voting(room)
    response = vote(client, room, ideas[0])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="idea-{ideas[0].id}"' in html and "Usted: 1 punto" in html and "Quitar punto" in html
    assert 'data-dots-left="2"' in html and "le quedan 2 puntos" in html
    refused = vote(client, room, ideas[0])
    assert refused.status_code == 409 and "Ya puso su punto en esta idea" in refused.get_data(as_text=True)
    back = vote(client, room, ideas[0], remove=True)
    assert 'data-dots-left="3"' in back.get_data(as_text=True)


def test_vote_without_javascript_redirects_with_a_message(app, client, voting_room, join):
    room, ideas = voting_room
    join(client, room)
    start_voting(room)
    assert vote(client, room, ideas[0], htmx=False).status_code == 302
    again = vote(client, room, ideas[0], htmx=False)
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Ya puso su punto en esta idea" in page and "le quedan 2 puntos" in page


def test_voting_before_the_phase_is_refused_clearly(app, client, voting_room, join):
    room, ideas = voting_room
    join(client, room)
    response = vote(client, room, ideas[0])
    assert response.status_code == 409
    assert "La votación no está abierta en este momento." in response.get_data(as_text=True)


def test_staff_and_strangers_cannot_vote(app, client, auth, voting_room):
    room, ideas = voting_room
    start_voting(room)
    assert vote(client, room, ideas[0]).status_code == 403
    auth.login(room.created_by)
    assert vote(client, room, ideas[0]).status_code == 403


def test_counts_are_coalesced_into_one_message_per_room(app, voting_room, join, socket_client):
    room, ideas = voting_room
    start_voting(room)
    phones = [app.test_client() for _ in range(4)]
    for phone in phones:
        join(phone, room)
    watcher = socket_client(phones[0], room=room.id)
    watcher.get_received()
    for phone in phones:
        vote(phone, room, ideas[0])
        vote(phone, room, ideas[1])
    assert watcher.events("votes") == []  # eight votes, no message yet
    with app.test_request_context("/"):
        assert tallies.flush() == [(room.id, 2)]
    messages = watcher.events("votes")
    assert len(messages) == 1
    html = messages[0]["args"][0]["html"]
    assert f'<span id="votes-{ideas[0].id}" class="votes__n">4</span>' in html
    assert f'<span id="votes-{ideas[1].id}" class="votes__n">4</span>' in html
    assert 'id="ranking"' in html


def test_hidden_counts_never_leave_the_server_before_the_reveal(app, client, voting_room, join, socket_client):
    room, ideas = voting_room
    start_voting(room, hidden_counts=True)
    join(client, room)
    watcher = socket_client(client, room=room.id)
    watcher.get_received()
    voted = vote(client, room, ideas[0])
    other = app.test_client()
    join(other, room)
    vote(other, room, ideas[0])
    with app.test_request_context("/"):
        assert tallies.flush() == []
    pages = [voted.get_data(as_text=True), client.get(f"/sala/{room.id}").get_data(as_text=True),
             client.get(f"/sala/{room.id}/tablero").get_data(as_text=True)]
    auth = Auth(app.test_client())
    auth.login(room.created_by)
    pages.append(auth.client.get(f"/sala/{room.id}/proyector").get_data(as_text=True))
    payloads = json.dumps([m["args"] for m in watcher.get_received()])
    for text in pages + [payloads]:
        assert f'id="votes-{ideas[0].id}"' not in text
        assert "votes__n" not in text and "ranking__n" not in text
    assert "El conteo está oculto" in pages[1]
    change_phase(room, "closed", actor=room.created_by)
    closed = client.get(f"/sala/{room.id}").get_data(as_text=True)
    assert re.search(rf'id="votes-{ideas[0].id}" class="votes__n">2<', closed)


def test_my_dots_never_reach_other_phones(app, voting_room, join, socket_client):
    room, ideas = voting_room
    start_voting(room)
    me, other = app.test_client(), app.test_client()
    join(me, room)
    join(other, room)
    watcher = socket_client(other, room=room.id)
    watcher.get_received()
    vote(me, room, ideas[0])
    with app.test_request_context("/"):
        tallies.flush()
    payloads = json.dumps([m["args"] for m in watcher.get_received()])
    assert "Usted:" not in payloads and "Quitar punto" not in payloads and "dots-left" not in payloads
    assert "Usted:" not in other.get(f"/sala/{room.id}").get_data(as_text=True)


def test_silent_brainstorming_shows_each_person_only_their_ideas(app, open_room, join, socket_client):
    room = open_room(themes=[("Agua", "water")])
    update_settings(room, actor=room.created_by, silent_ideas=True, hidden_counts=False, dot_budget=3,
                    max_dots_per_idea=1, self_votes=True, cards_only=False)
    ana_phone, beto_phone = app.test_client(), app.test_client()
    ana = join(ana_phone, room)
    join(beto_phone, room)
    ana_socket, beto_socket = socket_client(ana_phone, room=room.id), socket_client(beto_phone, room=room.id)
    moderator = app.test_client()
    Auth(moderator).login(room.created_by)
    staff_socket = socket_client(moderator, room=room.id)
    projector_socket = socket_client(moderator, room=room.id, screen="projector")
    for sio in (ana_socket, beto_socket, staff_socket, projector_socket):
        sio.get_received()
    post_idea(room, ana, theme_id=room.themes[0].id, text="Secreto de Ana", client_id=str(uuid.uuid4()))
    seen = {name: json.dumps([m["args"] for m in sio.events("change")])
            for name, sio in [("ana", ana_socket), ("beto", beto_socket), ("staff", staff_socket),
                              ("projector", projector_socket)]}
    assert "Secreto de Ana" in seen["ana"] and "Secreto de Ana" in seen["staff"]
    assert "Secreto de Ana" not in seen["beto"] and "Secreto de Ana" not in seen["projector"]
    assert "Secreto de Ana" not in beto_phone.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "Secreto de Ana" in ana_phone.get(f"/sala/{room.id}").get_data(as_text=True)
    change_phase(room, "voting", actor=room.created_by)
    assert "Secreto de Ana" in beto_phone.get(f"/sala/{room.id}/tablero").get_data(as_text=True)


def test_no_free_database_connection_is_a_503_not_a_500(app, client, voting_room, join, monkeypatch):
    import sqlalchemy.exc

    from ideaboard.votes import views

    room, ideas = voting_room
    join(client, room)
    start_voting(room)

    def pool_exhausted(*args, **kwargs):
        raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached")

    monkeypatch.setattr(views, "cast_vote", pool_exhausted)
    response = vote(client, room, ideas[0])
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "Hay mucha actividad" in response.get_data(as_text=True)


WITHDRAW_FORM = re.compile(r'<form class="vote-form vote-form--withdraw".*?</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def test_a_retried_withdrawal_takes_back_one_dot_only(app, client, voting_room, join):
    """room.js sends a form again when its answer was lost (a 503, no signal): the same "Quitar
    punto" sent twice takes back one dot, not two (issue 15)."""
    room, ideas = voting_room
    join(client, room)
    start_voting(room, max_dots_per_idea=3)
    for _ in range(3):
        answer = vote(client, room, ideas[0])
        assert answer.status_code == 200
    form = dict(HIDDEN.findall(WITHDRAW_FORM.search(answer.get_data(as_text=True)).group(0)))
    form.pop("csrf_token", None)
    path = f"/sala/{room.id}/votos/quitar"
    first = Auth(client).post(path, form, headers={"HX-Request": "true"})
    retried = Auth(client).post(path, form, headers={"HX-Request": "true"})
    assert first.status_code == retried.status_code == 200
    assert "Usted: 2 puntos" in retried.get_data(as_text=True)
    assert 'data-dots-left="1"' in retried.get_data(as_text=True)
    # The form the answer carries takes back the next one.
    again = dict(HIDDEN.findall(WITHDRAW_FORM.search(retried.get_data(as_text=True)).group(0)))
    again.pop("csrf_token", None)
    assert "Usted: 1 punto" in Auth(client).post(path, again, headers={"HX-Request": "true"}).get_data(as_text=True)
