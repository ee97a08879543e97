import uuid

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.ideas.queries import visible_ideas_by_theme
from ideaboard.ideas.services import IdeaError, edit_idea, post_idea, withdraw_idea
from ideaboard.rooms.services import close_room, join_room


def new_id():
    return str(uuid.uuid4())


def ideas_count():
    return db.session.scalar(sa.select(sa.func.count(Idea.id)))


@pytest.fixture
def room(open_room):
    return open_room(themes=[("Agua", "water"), ("Basura", "waste")])


def test_post_idea_stores_it_and_advances_the_sequence(app, room):
    ana = join_room(room, nickname="Ana")
    seq = room.room_seq
    idea, created = post_idea(room, ana, theme_id=room.themes[0].id, text="  Más  pilas públicas ", client_id=new_id())
    assert created and idea.text == "Más pilas públicas" and idea.author_name == "Ana"
    assert room.room_seq == seq + 1
    assert visible_ideas_by_theme(room)[room.themes[0].id] == [idea]


def test_the_same_client_id_is_stored_once(app, room):
    ana = join_room(room)
    client_id = new_id()
    first, created = post_idea(room, ana, theme_id=room.themes[0].id, text="Idea", client_id=client_id)
    again, created_again = post_idea(room, ana, theme_id=room.themes[0].id, text="Idea", client_id=client_id)
    assert created and not created_again and first.id == again.id
    assert ideas_count() == 1
    # Another person may by chance send the same id: it is theirs, not a duplicate.
    beto = join_room(room)
    _, created_beto = post_idea(room, beto, theme_id=room.themes[0].id, text="Idea", client_id=client_id)
    assert created_beto and ideas_count() == 2


@pytest.mark.parametrize("changes, message", [
    ({"text": "   "}, "Escriba su idea"),
    ({"text": "x" * 281}, "281 caracteres; el máximo es 280"),
    ({"theme_id": 999999}, "Ese tema no existe"),
    ({"theme_id": "agua"}, "Ese tema no existe"),
    ({"client_id": "x"}, "Recargue la página"),
    ({"client_id": "<script>alert(1)</script>"}, "Recargue la página"),
])
def test_bad_posts_are_refused_and_store_nothing(app, room, changes, message):
    ana = join_room(room)
    data = {"theme_id": room.themes[0].id, "text": "Una idea", "client_id": new_id(), **changes}
    with pytest.raises(IdeaError, match=message):
        post_idea(room, ana, **data)
    assert ideas_count() == 0


def test_theme_of_another_room_is_refused(app, room, open_room):
    other = open_room()
    ana = join_room(room)
    with pytest.raises(IdeaError, match="Ese tema no existe"):
        post_idea(room, ana, theme_id=other.themes[0].id, text="Idea", client_id=new_id())
    assert ideas_count() == 0


def test_participant_of_another_room_is_refused(app, room, open_room):
    stranger = join_room(open_room())
    with pytest.raises(IdeaError) as error:
        post_idea(room, stranger, theme_id=room.themes[0].id, text="Idea", client_id=new_id())
    assert error.value.status == 403 and ideas_count() == 0


def test_closed_room_takes_no_ideas_edits_or_withdrawals(app, room):
    ana = join_room(room)
    idea, _ = post_idea(room, ana, theme_id=room.themes[0].id, text="Antes", client_id=new_id())
    close_room(room, actor=room.created_by)
    with pytest.raises(IdeaError, match="no recibe ideas"):
        post_idea(room, ana, theme_id=room.themes[0].id, text="Después", client_id=new_id())
    with pytest.raises(IdeaError, match="no recibe ideas"):
        edit_idea(idea, ana, text="Cambiada")
    with pytest.raises(IdeaError, match="no recibe ideas"):
        withdraw_idea(idea, ana)
    db.session.expire_all()
    assert ideas_count() == 1 and db.session.get(Idea, idea.id).text == "Antes"


def test_edit_and_withdraw_only_ones_own(app, room):
    ana, beto = join_room(room), join_room(room)
    idea, _ = post_idea(room, ana, theme_id=room.themes[0].id, text="Original", client_id=new_id())
    with pytest.raises(IdeaError) as error:
        edit_idea(idea, beto, text="Robada")
    assert error.value.status == 403
    with pytest.raises(IdeaError):
        withdraw_idea(idea, beto)
    with pytest.raises(IdeaError, match="Escriba su idea"):
        edit_idea(idea, ana, text="")
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).text == "Original"
    edit_idea(idea, ana, text="Mejorada")
    assert idea.text == "Mejorada" and idea.edited_at is not None
    withdraw_idea(idea, ana)
    assert not idea.is_visible
    assert visible_ideas_by_theme(room)[room.themes[0].id] == []
    with pytest.raises(IdeaError, match="ya fue retirada"):
        withdraw_idea(idea, ana)
