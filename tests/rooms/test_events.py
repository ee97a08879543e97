"""Socket.IO: who may connect to which room, and what the room receives."""
import uuid

from ideaboard.accounts.models import Role
from ideaboard.ideas.services import post_idea
from ideaboard.ideathons.services import assign_moderators
from ideaboard.rooms.presence import presence
from ideaboard.rooms.services import close_room


def test_a_participant_connects_only_to_the_room_of_its_cookie(app, client, open_room, join, socket_client):
    room, other = open_room(), open_room()
    join(client, room)
    assert socket_client(client, room=room.id).is_connected()
    assert not socket_client(client, room=other.id).is_connected()


def test_anonymous_and_malformed_connections_are_refused(app, client, open_room, socket_client):
    room = open_room()
    assert not socket_client(client, room=room.id).is_connected()  # no cookie
    for auth in ({}, {"room": "1"}, {"room": True}, {"room": -1}, {"room": 2**40}, {"room": room.id, "x": 1},
                 {"room": 999999}):
        assert not socket_client(client, **auth).is_connected(), auth


def test_staff_connect_only_to_rooms_they_may_moderate(app, client, auth, open_room, make_user, socket_client):
    room = open_room()
    moderator = make_user(Role.MODERATOR)
    auth.login(moderator)
    assert not socket_client(client, room=room.id).is_connected()
    assign_moderators(room, [moderator], actor=room.created_by)
    assert socket_client(client, room=room.id).is_connected()


def test_a_posted_idea_reaches_everyone_in_the_room_once_with_a_sequence_number(
        app, open_room, join, socket_client):
    room, other = open_room(themes=[("Agua", "water")]), open_room()
    phones = [app.test_client() for _ in range(3)]
    people = [join(phone, room, nickname=f"P{i}") for i, phone in enumerate(phones)]
    sockets = [socket_client(phone, room=room.id) for phone in phones]
    outsider = app.test_client()
    join(outsider, other)
    outsider_socket = socket_client(outsider, room=other.id)
    for sio in sockets:
        sio.get_received()
    seq_before = room.room_seq

    idea, _ = post_idea(room, people[0], theme_id=room.themes[0].id, text="Agua los domingos",
                        client_id=str(uuid.uuid4()))
    for sio in sockets:
        changes = sio.events("change")
        assert len(changes) == 1
        payload = changes[0]["args"][0]
        assert payload["seq"] == seq_before + 1
        assert f'id="idea-{idea.id}"' in payload["html"] and "Agua los domingos" in payload["html"]
        assert 'id="count-' in payload["html"]
        assert "csrf" not in payload["html"].lower()  # nothing per viewer in a broadcast
    assert outsider_socket.events("change") == []


def test_broadcasts_come_in_the_viewers_language(app, open_room, join, socket_client):
    room = open_room(themes=[("Agua", "water")])
    es_phone, en_phone = app.test_client(), app.test_client()
    en_phone.set_cookie("lang", "en")
    author = join(es_phone, room)
    join(en_phone, room)
    es_socket, en_socket = socket_client(es_phone, room=room.id), socket_client(en_phone, room=room.id)
    post_idea(room, author, theme_id=room.themes[0].id, text="Hola", client_id=str(uuid.uuid4()))
    es_html = es_socket.events("change")[0]["args"][0]["html"]
    en_html = en_socket.events("change")[0]["args"][0]["html"]
    assert "Editar o retirar" in es_html and "Edit or withdraw" in en_html


def test_closing_the_room_tells_every_screen(app, client, open_room, join, socket_client):
    room = open_room()
    join(client, room)
    sio = socket_client(client, room=room.id)
    sio.get_received()
    close_room(room, actor=room.created_by)
    changes = sio.events("change")
    assert len(changes) == 1 and 'data-phase="closed"' in changes[0]["args"][0]["html"]


def test_presence_is_coalesced_and_counts_people_not_tabs(app, open_room, join, socket_client, make_user):
    room = open_room()
    ana_phone, beto_phone = app.test_client(), app.test_client()
    join(ana_phone, room)
    join(beto_phone, room)
    tabs = [socket_client(ana_phone, room=room.id), socket_client(ana_phone, room=room.id),
            socket_client(beto_phone, room=room.id)]
    for sio in tabs:
        sio.get_received()
    assert tabs[0].events("presence") == []  # nothing is sent per connection...
    with app.test_request_context("/"):
        sent = presence.flush()  # ...only the periodic flush sends, once per changed room
    assert sent == [(room.id, 2)]
    messages = tabs[2].events("presence")
    assert len(messages) == 1 and "2 personas en la sala" in messages[0]["args"][0]["html"]
    tabs[1].disconnect()
    with app.test_request_context("/"):
        assert presence.flush() == []  # Ana still has a tab open: the total did not change, nothing sent
    tabs[0].disconnect()
    with app.test_request_context("/"):
        # Ana closed her last tab: still in the hall for a while (rooms/presence.py, ACTIVE_WINDOW).
        assert presence.flush() == []


def test_oversized_messages_are_refused(app):
    assert app.config["SOCKETIO_MAX_PAYLOAD"] <= 64 * 1024
    from ideaboard.extensions import socketio

    assert socketio.server.eio.max_http_buffer_size == app.config["SOCKETIO_MAX_PAYLOAD"]


def test_cancelling_an_open_room_tells_every_screen(app, client, open_room, join, socket_client):
    from ideaboard.ideathons.services import cancel_ideathon

    room = open_room()
    join(client, room)
    sio = socket_client(client, room=room.id)
    sio.get_received()
    cancel_ideathon(room, reason="Emergencia", actor=room.created_by)
    changes = sio.events("change")
    assert len(changes) == 1 and "La sala está cerrada" in changes[0]["args"][0]["html"]
