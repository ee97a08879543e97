"""A change of the whole room (phase, timer, settings, reveal) reaches every screen as one message,
rendered once per language: no phone re-fetches its board for it (a thousand phones would mean a
thousand board renders for one tap of the moderator).

Real Socket.IO test clients with the phones' and the moderator's cookies; the changes go through
the services, which broadcast after committing.
"""
import json
import re
import uuid

import pytest

from ideaboard.ideas.services import post_idea
from ideaboard.moderation.services import approve_idea
from ideaboard.rooms.services import change_phase, clear_timer, reveal_ideas, set_timer, update_settings
from ideaboard.votes.services import cast_vote
from tests.conftest import Auth

SETTINGS = dict(silent_ideas=False, hidden_counts=False, dot_budget=3, max_dots_per_idea=1, self_votes=True,
                cards_only=False, premoderation=False)


@pytest.fixture
def hall(app, open_room, join, socket_client):
    """A room collecting ideas: Ana and Beto on their phones, a moderator's console, the projector.
    Every socket has read what it got while connecting."""
    room = open_room(themes=[("Agua", "water"), ("Calles", "road")])
    phones = {name: app.test_client() for name in ("ana", "beto")}
    people = {name: join(client, room, nickname=name.title()) for name, client in phones.items()}
    moderator = app.test_client()
    Auth(moderator).login(room.created_by)
    sockets = {name: socket_client(client, room=room.id) for name, client in phones.items()}
    sockets["console"] = socket_client(moderator, room=room.id)
    sockets["projector"] = socket_client(moderator, room=room.id, screen="projector")

    class Hall:
        pass

    hall = Hall()
    hall.room, hall.phones, hall.people, hall.sockets = room, phones, people, sockets
    hall.drain = lambda: [sio.get_received() for sio in sockets.values()]
    hall.drain()
    return hall


def changes(sio) -> list[dict]:
    return [event["args"][0] for event in sio.get_received() if event["name"] == "change"]


def post(room, person, text: str, theme: int = 0):
    return post_idea(room, person, theme_id=room.themes[theme].id, text=text, client_id=str(uuid.uuid4()))[0]


def test_voting_starts_with_one_small_message_the_cards_already_hold_their_buttons(hall):
    room, ana = hall.room, hall.people["ana"]
    ideas = [post(room, ana, "Reparar la tubería"), post(room, hall.people["beto"], "Bacheo de la 4a calle", 1)]
    # Every card carries its vote button from the start (the phase shows it): nothing to re-send.
    board = hall.phones["beto"].get(f"/sala/{room.id}").get_data(as_text=True)
    assert board.count('class="vote-form"') == len(ideas) and 'data-phase="ideas"' in board
    hall.drain()
    change_phase(room, "voting", actor=room.created_by)

    # The console's own message comes first and asks it to re-fetch its live list (a screen or two).
    console = changes(hall.sockets["console"])
    assert [m["seq"] for m in console] == [room.room_seq] * 2 and console[0]["resync"] is True
    for name in ("ana", "beto", "projector"):
        received = changes(hall.sockets[name])
        assert len(received) == 1, (name, received)
        message = received[0]
        assert message["seq"] == room.room_seq and "resync" not in message, name
        html = message["html"]
        assert 'data-phase="voting"' in html and 'id="ranking"' in html and "Las ideas más votadas" in html
        assert "idea-list" not in html and 'id="idea-' not in html  # no board: a few hundred bytes
        assert len(html.encode()) < 4000, len(html.encode())
        # The dots each participant has as voting starts; boards of no participant skip it.
        dots = re.search(r'<p id="dots-left"[^>]*>', html).group(0)
        assert 'data-dots-left="3"' in dots and "data-participants-only" in dots
        assert "le quedan 3 puntos" in html and "csrf_token" not in html


def test_closing_sends_the_cards_again_only_when_their_counts_were_hidden(hall):
    room = hall.room
    idea = post(room, hall.people["ana"], "Reparar la tubería")
    change_phase(room, "voting", actor=room.created_by)
    cast_vote(room, hall.people["beto"], idea_id=idea.id, client_id=str(uuid.uuid4()))
    hall.drain()
    change_phase(room, "closed", actor=room.created_by)
    (message,) = changes(hall.sockets["beto"])
    assert 'data-phase="closed"' in message["html"] and 'id="idea-' not in message["html"]  # counts shown all along
    assert re.search(r'class="ranking__n">.*</span>1</span> <span class="ranking__text">Reparar la tubería', message["html"])


@pytest.fixture
def hidden_counts_hall(hall):
    update_settings(hall.room, actor=hall.room.created_by, **{**SETTINGS, "hidden_counts": True})
    return hall


def test_closing_a_room_with_hidden_counts_reveals_them_on_every_card(hidden_counts_hall):
    hall = hidden_counts_hall
    room = hall.room
    idea = post(room, hall.people["ana"], "Reparar la tubería")
    change_phase(room, "voting", actor=room.created_by)
    cast_vote(room, hall.people["beto"], idea_id=idea.id, client_id=str(uuid.uuid4()))
    hall.drain()
    change_phase(room, "closed", actor=room.created_by)
    for name in ("ana", "beto", "projector"):
        received = changes(hall.sockets[name])
        assert len(received) == 1 and "resync" not in received[0], name
        assert f'<span id="votes-{idea.id}" class="votes__n">1</span>' in received[0]["html"], name


def test_timer_and_settings_send_no_board_and_ask_no_one_to_re_fetch(hall):
    room = hall.room
    post(room, hall.people["ana"], "Reparar la tubería")
    hall.drain()
    set_timer(room, minutes=5, actor=room.created_by)
    clear_timer(room, actor=room.created_by)
    update_settings(room, actor=room.created_by, **{**SETTINGS, "dot_budget": 4, "cards_only": True})
    for name, sio in hall.sockets.items():
        received = changes(sio)
        assert [m["seq"] for m in received] == [room.room_seq - 2, room.room_seq - 1, room.room_seq], name
        assert not any(m.get("resync") for m in received), name
        assert 'data-ends="300' in received[0]["html"] and "Tiempo restante" in received[0]["html"]
        assert 'class="timer"></p>' in received[1]["html"]
        for message in received:  # the banner and the timer, not the ideas
            assert "idea-list" not in message["html"] and 'id="dots-left"' not in message["html"]


def test_silent_brainstorm_each_author_gets_their_own_ideas_and_the_reveal_shows_all(hall):
    room, ana, beto = hall.room, hall.people["ana"], hall.people["beto"]
    secret = post(room, ana, "Secreto de Ana")
    hall.drain()
    update_settings(room, actor=room.created_by, **{**SETTINGS, "silent_ideas": True})  # the room turns silent
    seen = {name: changes(sio) for name, sio in hall.sockets.items()}
    # Ana gets her board first on her own channel; the room's message, with the same number, comes
    # after and is ignored by her phone (room.js applies a number once).
    assert [m["seq"] for m in seen["ana"]] == [room.room_seq, room.room_seq]
    assert "Secreto de Ana" in seen["ana"][0]["html"] and "Secreto de Ana" not in seen["ana"][1]["html"]
    for name in ("beto", "projector"):
        assert len(seen[name]) == 1 and "Secreto de Ana" not in json.dumps(seen[name]), name
        assert f'<li id="idea-{secret.id}"' not in seen[name][0]["html"]
        assert 'id="count-%d" class="count">0<' % room.themes[0].id in seen[name][0]["html"]
    assert "Secreto de Ana" in seen["console"][0]["html"] and seen["console"][0]["resync"] is True
    assert not any(m.get("resync") for name in ("ana", "beto", "projector") for m in seen[name])

    post(room, beto, "Idea de Beto", 1)
    hall.drain()
    reveal_ideas(room, actor=room.created_by)
    for name in ("ana", "beto", "projector"):
        received = changes(hall.sockets[name])
        assert len(received) == 1 and not received[0].get("resync"), name
        assert "Secreto de Ana" in received[0]["html"] and "Idea de Beto" in received[0]["html"], name


def test_an_idea_waiting_for_review_stays_on_its_authors_board(hall):
    room, ana = hall.room, hall.people["ana"]
    update_settings(room, actor=room.created_by, **{**SETTINGS, "premoderation": True})
    waiting = post(room, ana, "Idea en revisión")
    shown = post(room, hall.people["beto"], "Idea aprobada", 1)
    approve_idea(room, shown.id, actor=room.created_by)
    hall.drain()
    reveal_ideas(room, actor=room.created_by)  # a change that sends every list
    mine = changes(hall.sockets["ana"])
    assert len(mine) == 2 and mine[0]["seq"] == mine[1]["seq"] == room.room_seq
    assert f'id="idea-{waiting.id}"' in mine[0]["html"] and f'id="idea-{shown.id}"' in mine[0]["html"]
    for name in ("beto", "projector"):
        (message,) = changes(hall.sockets[name])
        assert f'id="idea-{waiting.id}"' not in message["html"] and f'id="idea-{shown.id}"' in message["html"]


def test_voting_after_a_silent_brainstorm_shows_everyone_every_idea(hall):
    room = hall.room
    update_settings(room, actor=room.created_by, **{**SETTINGS, "silent_ideas": True})
    post(room, hall.people["ana"], "Secreto de Ana")
    hall.drain()
    change_phase(room, "voting", actor=room.created_by)  # voting reveals the ideas
    for name in ("beto", "projector"):
        (message,) = changes(hall.sockets[name])
        assert "Secreto de Ana" in message["html"] and 'class="vote-form"' in message["html"], name


def test_a_change_during_voting_leaves_each_phones_dots_alone(hall):
    room, ana = hall.room, hall.people["ana"]
    update_settings(room, actor=room.created_by, **{**SETTINGS, "silent_ideas": True})
    idea = post(room, hall.people["beto"], "Idea de Beto")
    change_phase(room, "voting", actor=room.created_by)
    cast_vote(room, ana, idea_id=idea.id, client_id=str(uuid.uuid4()))
    hall.drain()
    reveal_ideas(room, actor=room.created_by)
    (message,) = changes(hall.sockets["beto"])
    # Ana has used a dot: the room's message must not say how many each has left (her phone keeps
    # its own count, and her dot on the card: room.js keeps it on the data-public card).
    assert 'id="dots-left"' not in message["html"]
    assert f'id="idea-{idea.id}"' in message["html"] and "data-public" in message["html"]


def test_a_reconnecting_screen_asks_where_the_room_stands(hall, app, socket_client):
    room = hall.room
    sio = hall.sockets["ana"]
    assert sio.emit("seq", callback=True) == room.room_seq
    set_timer(room, minutes=3, actor=room.created_by)
    assert sio.emit("seq", callback=True) == room.room_seq
    # Not admitted, not answered: a refused socket never gets that far.
    stranger = socket_client(app.test_client(), room=room.id)
    assert not stranger.is_connected()
