"""Moderation routes (htmx and plain forms) and what the room, the author and the other
moderators receive over Socket.IO."""
import uuid

import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.ideas.services import post_idea
from ideaboard.ideathons.services import assign_moderators
from ideaboard.moderation import services as mod
from ideaboard.moderation.models import ModerationAction
from ideaboard.rooms.services import join_room, update_settings
from tests.conftest import Auth

HTMX = {"HX-Request": "true"}


def ideas_of(room, n=3, author=None):
    author = author or join_room(room, nickname="Ana")
    return [post_idea(room, author, theme_id=room.themes[0].id, text=f"Idea {i}", client_id=str(uuid.uuid4()))[0]
            for i in range(n)]


def test_console_lists_ideas_with_their_actions(app, client, auth, open_room):
    room = open_room(themes=[("Agua", "water")])
    ideas = ideas_of(room)
    auth.login(room.created_by)
    html = client.get(f"/sala/{room.id}/moderar").get_data(as_text=True)
    assert 'id="moderation"' in html and 'id="merge-form"' in html
    for idea in ideas:
        assert f'id="mod-idea-{idea.id}"' in html and f'value="{idea.id}" form="merge-form"' in html
    assert f"/sala/{room.id}/moderar/ideas/{ideas[0].id}/ocultar" in html


def test_hide_with_htmx_answers_with_the_live_list_and_without_js_redirects(app, client, auth, open_room):
    room = open_room(themes=[("Agua", "water")])
    first, second, _ = ideas_of(room)
    auth.login(room.created_by)
    answer = auth.post(f"/sala/{room.id}/moderar/ideas/{first.id}/ocultar", {"reason": "Ofensiva"}, headers=HTMX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="mod-list"' in html and "Idea ocultada." in html
    assert "Motivo: Ofensiva" in html  # now in the hidden list, with its reason
    plain = auth.post(f"/sala/{room.id}/moderar/ideas/{second.id}/ocultar", {"reason": "Repetida"})
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/sala/{room.id}/moderar#moderation")
    assert [i.status for i in db.session.scalars(sa.select(Idea).order_by(Idea.id))] == ["hidden", "hidden", "visible"]


def test_refusals_come_back_in_spanish_and_change_nothing(app, client, auth, open_room):
    room = open_room(themes=[("Agua", "water")])
    first, *_ = ideas_of(room)
    auth.login(room.created_by)
    empty = auth.post(f"/sala/{room.id}/moderar/ideas/{first.id}/ocultar", {"reason": ""}, headers=HTMX)
    assert empty.status_code == 422 and "Escriba el motivo" in empty.get_data(as_text=True)
    assert empty.headers["HX-Retarget"] == "#alerts"
    lonely = auth.post(f"/sala/{room.id}/moderar/unir", {"idea_ids": [first.id], "text": "x"}, headers=HTMX)
    assert lonely.status_code == 422 and "Elija al menos dos ideas" in lonely.get_data(as_text=True)
    plain = auth.post(f"/sala/{room.id}/moderar/unir", {"idea_ids": [first.id], "text": "x"})
    assert plain.status_code == 302
    assert "Elija al menos dos ideas" in client.get(plain.headers["Location"]).get_data(as_text=True)
    missing = auth.post(f"/sala/{room.id}/moderar/ideas/999999/ocultar", {"reason": "x"}, headers=HTMX)
    assert missing.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(ModerationAction.id))) == 0
    assert db.session.get(Idea, first.id).status == "visible"


def test_a_moderator_of_another_room_is_refused(app, client, auth, open_room, make_user):
    room = open_room(themes=[("Agua", "water")])
    first, *_ = ideas_of(room)
    stranger = make_user(Role.MODERATOR)
    assign_moderators(open_room(), [stranger], actor=room.created_by)
    auth.login(stranger)
    answer = auth.post(f"/sala/{room.id}/moderar/ideas/{first.id}/ocultar", {"reason": "x"}, headers=HTMX)
    assert answer.status_code == 403
    assert db.session.get(Idea, first.id).status == "visible"


def test_merge_through_the_console(app, client, auth, open_room):
    room = open_room(themes=[("Agua", "water"), ("Calles", "road")])
    a, b, c = ideas_of(room)
    auth.login(room.created_by)
    answer = auth.post(f"/sala/{room.id}/moderar/unir",
                       {"idea_ids": [a.id, b.id], "text": "Agua para todos", "theme_id": room.themes[1].id},
                       headers=HTMX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "2 ideas unidas en una." in html and "Unida de 2 ideas" in html
    merged = db.session.scalars(sa.select(Idea).where(Idea.consolidated)).one()
    assert merged.theme_id == room.themes[1].id and merged.text == "Agua para todos"
    split = auth.post(f"/sala/{room.id}/moderar/ideas/{merged.id}/separar", {}, headers=HTMX)
    assert split.status_code == 200 and "Unión deshecha" in split.get_data(as_text=True)


def test_every_screen_hears_about_a_merge_and_only_moderators_get_rows(app, open_room, join, socket_client, make_user):
    room = open_room(themes=[("Agua", "water")])
    a, b, _ = ideas_of(room)
    phone = app.test_client()
    join(phone, room)
    moderator = make_user(Role.MODERATOR)
    assign_moderators(room, [moderator], actor=room.created_by)
    console = app.test_client()
    Auth(console).login(moderator)
    phone_socket, console_socket = socket_client(phone, room=room.id), socket_client(console, room=room.id)
    phone_socket.get_received()
    console_socket.get_received()

    merged, _ = mod.merge_ideas(room, [a.id, b.id], actor=room.created_by, text="Agua unida")

    change = phone_socket.events("change")
    assert len(change) == 1
    html = change[0]["args"][0]["html"]
    assert f'id="idea-{a.id}" data-remove' in html and f'id="idea-{b.id}" data-remove' in html
    assert f'id="idea-{merged.id}"' in html and "Unida de 2 ideas" in html
    assert phone_socket.events("moderation") == []  # the console's rows are for moderators only
    rows = console_socket.events("moderation")
    assert len(rows) == 1 and f'id="mod-idea-{merged.id}"' in rows[0]["args"][0]["html"]
    assert "csrf" not in rows[0]["args"][0]["html"].replace("csrf_token", "")  # (a token per form, never a viewer's)


def test_a_waiting_idea_reaches_only_its_author_and_the_moderators(app, open_room, join, socket_client, auth, client):
    room = open_room(themes=[("Agua", "water")])
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=False, dot_budget=3,
                    max_dots_per_idea=1, self_votes=False, cards_only=False, premoderation=True)
    author_phone, other_phone = app.test_client(), app.test_client()
    author, _ = join(author_phone, room), join(other_phone, room)
    auth.login(room.created_by)
    sockets = {name: socket_client(c, room=room.id) for name, c in
               (("author", author_phone), ("other", other_phone), ("console", client))}
    for sio in sockets.values():
        sio.get_received()
    idea, _ = post_idea(room, author, theme_id=room.themes[0].id, text="Espera revisión", client_id=str(uuid.uuid4()))
    seqs = {}
    for name, sio in sockets.items():
        changes = sio.events("change")
        seqs[name] = {c["args"][0]["seq"] for c in changes}
        shown = any("Espera revisión" in c["args"][0]["html"] for c in changes)
        assert shown == (name != "other"), name
    assert seqs["author"] == seqs["other"] == seqs["console"] == {room.room_seq}  # no gap for anyone
    assert "En revisión" in author_phone.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "Espera revisión" not in other_phone.get(f"/sala/{room.id}").get_data(as_text=True)


def test_audit_log_page_and_its_paging(app, client, auth, open_room):
    room = open_room(themes=[("Agua", "water")])
    ideas = ideas_of(room, n=1)
    for _ in range(26):
        mod.pin_idea(room, ideas[0].id, actor=room.created_by, pinned=True)
        mod.pin_idea(room, ideas[0].id, actor=room.created_by, pinned=False)
    auth.login(room.created_by)
    html = client.get(f"/sala/{room.id}/moderar/registro").get_data(as_text=True)
    assert "Idea sin destacar" in html and "Página 1 de 2" in html and "pagina=2" in html
    assert html.count('class="audit__entry"') == 50
    second = client.get(f"/sala/{room.id}/moderar/registro?pagina=2").get_data(as_text=True)
    assert second.count('class="audit__entry"') == 2
    empty_room = open_room()
    assert "Todavía no hay acciones" in client.get(f"/sala/{empty_room.id}/moderar/registro").get_data(as_text=True)


def test_flag_word_list_page(app, client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    page = client.get("/moderacion/palabras").get_data(as_text=True)
    assert "idiota" in page
    too_long = auth.post("/moderacion/palabras", {"words": "a" * 61})
    assert too_long.status_code == 422 and "demasiado largo" in too_long.get_data(as_text=True)
    assert "idiota" in client.get("/moderacion/palabras").get_data(as_text=True)  # nothing half-written
    saved = auth.post("/moderacion/palabras", {"words": "basura tirada\nmugre"})
    assert saved.status_code == 302
    assert "Lista guardada: 2 palabras." in client.get("/moderacion/palabras").get_data(as_text=True)
