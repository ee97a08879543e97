import re

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.rooms.models import JoinCard, Participant
from ideaboard.rooms.services import (
    RoomError, create_cards, find_card, find_room, join_room, revoke_card, update_settings,
)
from tests.conftest import Auth


def cards_only(room):
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=False, dot_budget=3,
                    max_dots_per_idea=1, self_votes=True, cards_only=True)


def test_cards_are_numbered_with_unique_codes(app, open_room):
    room = open_room()
    first = create_cards(room, 3, actor=room.created_by)
    more = create_cards(room, 2, actor=room.created_by)
    assert [c.number for c in first + more] == [1, 2, 3, 4, 5]
    assert len({c.code for c in first + more}) == 5 and all(len(c.code) == 8 for c in first)
    for bad in (0, 501, "muchas"):
        with pytest.raises(RoomError, match="de 1 a 500"):
            create_cards(room, bad, actor=room.created_by)


def test_a_card_admits_exactly_one_participant(app, open_room):
    room = open_room()
    card = create_cards(room, 1, actor=room.created_by)[0]
    assert find_card(card.code.lower()) == card
    person = join_room(room, card=card)
    assert card.participant_id == person.id
    with pytest.raises(RoomError, match="ya se usó"):
        join_room(room, card=card)
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 1


def test_cards_only_room_refuses_the_room_code(app, open_room):
    room = open_room()
    cards_only(room)
    with pytest.raises(RoomError) as error:
        find_room(room.room_code)
    assert error.value.status == 403
    with pytest.raises(RoomError, match="solo admite tarjetas"):
        join_room(room)
    card = create_cards(room, 1, actor=room.created_by)[0]
    assert join_room(room, card=card).id


def test_revoked_cards_admit_no_one_and_stop_their_participant(app, open_room):
    from ideaboard.rooms.services import participant_by_token

    room = open_room()
    unused, used = create_cards(room, 2, actor=room.created_by)
    person = join_room(room, card=used)
    revoke_card(unused, actor=room.created_by)
    revoke_card(used, actor=room.created_by)
    with pytest.raises(RoomError, match="anulada"):
        find_card(unused.code)
    assert participant_by_token(room.id, person.token) is None
    with pytest.raises(RoomError, match="ya estaba anulada"):
        revoke_card(used, actor=room.created_by)


def test_card_link_join_flow_and_reuse(app, open_room):
    room = open_room()
    cards_only(room)
    card = create_cards(room, 1, actor=room.created_by)[0]
    phone = app.test_client()
    assert phone.get(f"/s/{room.room_code}").status_code == 403
    response = phone.get(f"/c/{card.code}")
    assert response.status_code == 302 and response.headers["Location"] == f"/sala/{room.id}/unirse"
    assert Auth(phone).post(f"/sala/{room.id}/unirse", {"nickname": "Con tarjeta"}).status_code == 302
    assert phone.get(f"/c/{card.code}").headers["Location"] == f"/sala/{room.id}"  # same person: board
    other = app.test_client()
    reused = other.get(f"/c/{card.code}")
    assert reused.status_code == 409 and "Esta tarjeta ya se usó" in reused.get_data(as_text=True)
    typed = Auth(other).post("/unirse", {"code": card.code[:4] + "-" + card.code[4:]})
    assert typed.status_code == 409
    db.session.expire_all()
    assert db.session.get(JoinCard, card.id).participant.nickname == "Con tarjeta"


def test_print_sheet_has_a_qr_per_card_left(app, client, auth, open_room):
    room = open_room()
    cards = create_cards(room, 3, actor=room.created_by)
    join_room(room, card=cards[0])
    auth.login(room.created_by)
    html = client.get(f"/sala/{room.id}/tarjetas/imprimir").get_data(as_text=True)
    assert html.count('src="data:image/svg+xml') == 2
    assert f"{cards[0].code[:4]}-{cards[0].code[4:]}" not in html  # used: not printed again
    assert f"{cards[1].code[:4]}-{cards[1].code[4:]}" in html and re.search(r"print-cards\.[0-9a-f]{12}\.css", html)
