"""Refused ideas and returned dots: the author of a rejected (or hidden) idea sees that it was not
published and why, live and after a reload, and nobody else sees it; a dot on an idea hidden during
voting goes back to its owner, whose phone is told."""
import uuid

import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.services import post_idea
from ideaboard.moderation import services as mod
from ideaboard.moderation.models import ModerationAction
from ideaboard.rooms.services import change_phase, update_settings
from ideaboard.votes.models import Vote
from ideaboard.votes.queries import dots_left
from ideaboard.votes.services import cast_vote

REASON = "Fuera de tema: hable de servicios municipales"


def cid():
    return str(uuid.uuid4())


def premoderated(room):
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=False, dot_budget=3,
                    max_dots_per_idea=1, self_votes=False, cards_only=False, premoderation=True)


def test_a_rejected_idea_tells_its_author_why_live_and_after_a_reload(app, open_room, join, socket_client, auth,
                                                                     client):
    room = open_room(themes=[("Agua", "water")])
    premoderated(room)
    author_phone, other_phone = app.test_client(), app.test_client()
    author, _other = join(author_phone, room), join(other_phone, room)
    auth.login(room.created_by)
    idea, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Idea rechazada", client_id=cid())
    sockets = {name: socket_client(c, room=room.id) for name, c in
               (("author", author_phone), ("other", other_phone), ("console", client))}
    for sio in sockets.values():
        sio.get_received()

    mod.hide_idea(room, idea.id, actor=room.created_by, reason=REASON)

    seqs = {}
    for name, sio in sockets.items():
        changes = sio.events("change")
        seqs[name] = [c["args"][0]["seq"] for c in changes]
        first = changes[0]["args"][0]["html"]  # a phone applies the first message of a sequence number
        if name == "author":
            assert "No publicada: solo usted la ve" in first and REASON in first and "Idea rechazada" in first
        else:
            assert REASON not in first and f'id="idea-{idea.id}" data-remove' in first, name
    assert seqs["author"][0] == seqs["other"][0] == seqs["console"][0] == room.room_seq

    mine = author_phone.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "No publicada: solo usted la ve" in mine and REASON in mine and "Idea rechazada" in mine
    assert "Puede escribirla de otra forma y enviarla de nuevo." in mine
    sync = author_phone.get(f"/sala/{room.id}/tablero", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert REASON in sync
    theirs = other_phone.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "Idea rechazada" not in theirs and REASON not in theirs
    english = author_phone.get(f"/sala/{room.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Not published: only you can see it" in english


def test_a_dot_on_an_idea_hidden_during_voting_goes_back_and_the_phone_is_told(app, open_room, join,
                                                                                socket_client):
    room = open_room(themes=[("Agua", "water")])
    author = join(app.test_client(), room, nickname="Autora")
    idea, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Idea ocultada", client_id=cid())
    kept, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Idea que sigue", client_id=cid())
    change_phase(room, "voting", actor=room.created_by)
    voter_phone, bystander_phone = app.test_client(), app.test_client()
    voter, bystander = join(voter_phone, room, nickname="Votante"), join(bystander_phone, room)
    cast_vote(room, voter, idea_id=idea.id, client_id=cid())
    cast_vote(room, voter, idea_id=kept.id, client_id=cid())
    cast_vote(room, bystander, idea_id=kept.id, client_id=cid())
    assert dots_left(room, voter) == 1
    voter_socket, bystander_socket = socket_client(voter_phone, room=room.id), socket_client(bystander_phone,
                                                                                              room=room.id)
    voter_socket.get_received()
    bystander_socket.get_received()

    mod.hide_idea(room, idea.id, actor=room.created_by, reason="Lenguaje ofensivo")

    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Vote.id)).where(Vote.idea_id == idea.id)) == 0
    assert dots_left(room, voter) == 2 and dots_left(room, bystander) == 2
    entry = db.session.scalar(sa.select(ModerationAction).where(ModerationAction.action == "hide"))
    assert entry.after["dots_returned"] == 1
    told = voter_socket.events("change")[0]["args"][0]
    assert told["resync"] is True  # the phone re-fetches its dots left and its dots on each idea
    assert "se los devolvimos" in told["html"] and 'id="vote-message"' in told["html"]
    assert all("se los devolvimos" not in c["args"][0]["html"] for c in bystander_socket.events("change"))
    # The phone's re-fetch shows the dot back.
    sync = voter_phone.get(f"/sala/{room.id}/tablero", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-dots-left="2"' in sync
    # Showing the idea again does not put the dot back: it may be spent elsewhere meanwhile.
    mod.unhide_idea(room, idea.id, actor=room.created_by)
    assert dots_left(room, voter) == 2


def test_muting_with_hiding_returns_the_dots_on_the_hidden_ideas(app, open_room, join):
    room = open_room(themes=[("Agua", "water")])
    author = join(app.test_client(), room)
    idea, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Idea", client_id=cid())
    change_phase(room, "voting", actor=room.created_by)
    voter = join(app.test_client(), room)
    cast_vote(room, voter, idea_id=idea.id, client_id=cid())
    mod.mute_participant(room, author.id, actor=room.created_by, hide_ideas=True, reason="Insultos")
    assert dots_left(room, voter) == 3
