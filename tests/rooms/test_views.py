import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideathons.services import assign_moderators
from ideaboard.rooms.models import Participant, ParticipationSurvey
from ideaboard.rooms.services import close_room
from tests.conftest import Auth


def participants():
    return db.session.scalar(sa.select(sa.func.count(Participant.id)))


def test_qr_link_exchanges_the_code_for_a_cookie_and_a_clean_url(client, open_room):
    room = open_room()
    response = client.get(f"/s/{room.room_code.lower()}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sala/{room.id}/unirse"
    assert room.room_code not in response.headers["Location"]
    admission = client.get_cookie("ib_admission")
    assert admission is not None and admission.http_only and room.room_code not in admission.value
    page = client.get(f"/sala/{room.id}/unirse").get_data(as_text=True)
    assert "Su apodo (opcional)" in page and "Preguntas opcionales para evaluar el programa" in page
    assert "anónimas" in page


def test_join_with_nickname_and_survey_lands_on_the_board(client, open_room, join):
    room = open_room(themes=[("Agua", "water"), ("Basura", "waste")])
    ana = join(client, room, nickname="Ana", age_band="18-29", gender="woman", community="Zona 1", first_time="yes")
    assert ana.nickname == "Ana"
    assert db.session.scalar(sa.select(sa.func.count(ParticipationSurvey.id))) == 1
    cookie = client.get_cookie(f"ib_room_{room.id}")
    assert cookie.http_only and cookie.same_site == "Lax"
    board = client.get(f"/sala/{room.id}")
    html = board.get_data(as_text=True)
    assert board.status_code == 200
    assert "Agua" in html and "Basura" in html and 'id="post-' in html
    assert f'data-room="{room.id}"' in html
    # Coming back through the QR link goes straight to the board: no second participant.
    assert client.get(f"/s/{room.room_code}").headers["Location"] == f"/sala/{room.id}"
    assert participants() == 1


def test_typing_the_code(client, auth, open_room):
    room = open_room()
    response = auth.post("/unirse", {"code": f" {room.room_code[:3].lower()}-{room.room_code[3:]} "})
    assert response.status_code == 302 and response.headers["Location"] == f"/sala/{room.id}/unirse"


def test_wrong_and_expired_codes_get_clear_messages(client, auth, open_room):
    room = open_room()
    wrong = auth.post("/unirse", {"code": "ZZZ-ZZZ" if room.room_code != "ZZZZZZ" else "YYY-YYY"})
    assert wrong.status_code == 404
    assert "No encontramos una sala con ese código" in wrong.get_data(as_text=True)
    empty = auth.post("/unirse", {"code": ""})
    assert empty.status_code == 422 and "Escriba el código" in empty.get_data(as_text=True)
    close_room(room, actor=room.created_by)
    expired = client.get(f"/s/{room.room_code}")
    assert expired.status_code == 410 and "Esta sala ya cerró" in expired.get_data(as_text=True)
    assert participants() == 0


def test_failed_codes_are_limited_to_ten_per_ten_minutes(client, auth, open_room):
    room = open_room()
    for _ in range(10):
        assert client.get("/s/ZZZZZZ").status_code in (404,)
    blocked = client.get("/s/ZZZZZZ")
    assert blocked.status_code == 429 and "Demasiados intentos" in blocked.get_data(as_text=True)
    assert blocked.headers["Retry-After"] == "600"  # the limit's window: when trying again can work
    assert auth.post("/unirse", {"code": "ZZZ-ZZZ"}).status_code == 429  # typed or scanned alike
    assert client.get("/c/ZZZZ2345").status_code == 429  # and wrong card codes too


def _lock_out(client, room):
    """Ten wrong codes from this address (every test client shares one): the wrong-code limit is hit."""
    wrong = "ZZZZZZ" if room.room_code != "ZZZZZZ" else "YYYYYY"
    for _ in range(10):
        assert client.get(f"/s/{wrong}").status_code == 404
    assert client.get(f"/s/{wrong}").status_code == 429


def test_wrong_codes_from_the_halls_address_never_lock_out_the_right_code(app, client, open_room):
    """One person (or a carrier's NAT) guessing codes must not lock the whole hall out of its room."""
    from ideaboard.rooms.services import create_cards

    room = open_room()
    card = create_cards(room, 1, actor=room.created_by)[0]
    _lock_out(client, room)
    scanned = app.test_client().get(f"/s/{room.room_code}")  # the QR link, on another phone of the hall
    assert scanned.status_code == 302 and scanned.headers["Location"] == f"/sala/{room.id}/unirse"
    phone = app.test_client()
    assert phone.get("/unirse").status_code == 200  # the page to type the code
    typed = Auth(phone).post("/unirse", {"code": room.room_code.lower()})
    assert typed.status_code == 302 and typed.headers["Location"] == f"/sala/{room.id}/unirse"
    with_card = app.test_client().get(f"/c/{card.code}")  # a paper join card
    assert with_card.status_code == 302 and with_card.headers["Location"] == f"/sala/{room.id}/unirse"
    assert client.get(f"/s/{room.room_code}").status_code == 302  # even the guesser's own phone
    # ...while wrong guesses from that address are still refused.
    assert client.get("/s/ZZZ222").status_code == 429


def test_join_attempts_from_one_address_are_capped_right_or_wrong(app, client, open_room):
    """A right code is never refused by the wrong-code limit, so a guesser learns from each answer: a
    cap on every attempt from one address (high enough for a hall behind one NAT) bounds how fast."""
    room = open_room()
    app.config["JOIN_ADDRESS_RATE_LIMIT"] = "5 per minute"
    for _ in range(5):
        assert app.test_client().get(f"/s/{room.room_code}").status_code == 302
    assert app.test_client().get(f"/s/{room.room_code}").status_code == 429
    assert app.test_client().get("/unirse").status_code == 200  # the form itself guesses nothing


def test_successful_joins_do_not_count_against_the_limit(app, open_room):
    room = open_room()
    for _ in range(15):
        assert app.test_client().get(f"/s/{room.room_code}").status_code == 302


def test_join_form_needs_the_admission_cookie(client, auth, open_room):
    room = open_room()
    response = client.get(f"/sala/{room.id}/unirse")
    assert response.status_code == 302 and response.headers["Location"] == "/unirse"
    posted = auth.post(f"/sala/{room.id}/unirse", {"nickname": "Colado"})
    assert posted.status_code == 302 and participants() == 0


def test_join_form_rejects_bad_input_in_spanish(client, auth, open_room):
    room = open_room()
    client.get(f"/s/{room.room_code}")
    bad = auth.post(f"/sala/{room.id}/unirse", {"nickname": "x" * 41, "age_band": "99"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "El apodo puede tener como máximo 40 caracteres." in html
    assert participants() == 0


def test_board_needs_a_participant_cookie_of_that_room(app, client, open_room, join):
    room, other = open_room(), open_room()
    join(client, other)
    response = client.get(f"/sala/{room.id}")
    assert response.status_code == 302 and response.headers["Location"] == "/unirse"
    assert client.get(f"/sala/{room.id}/tablero").status_code == 403
    # A forged cookie is ignored.
    client.set_cookie(f"ib_room_{room.id}", "forged.value.here")
    assert client.get(f"/sala/{room.id}").status_code == 302


def test_moderators_see_the_board_and_the_presenter(client, auth, open_room, make_user):
    room = open_room()
    moderator = make_user(Role.MODERATOR)
    assign_moderators(room, [moderator], actor=room.created_by)
    auth.login(moderator)
    assert client.get(f"/sala/{room.id}").status_code == 200
    presenter = client.get(f"/sala/{room.id}/proyector").get_data(as_text=True)
    assert room.room_code[:3] + "-" + room.room_code[3:] in presenter
    assert f"/sala/{room.id}/qr.svg" in presenter and "/unirse" in presenter
    qr = client.get(f"/sala/{room.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.get_data(as_text=True).startswith("<svg") and "style=" not in qr.get_data(as_text=True)


def test_other_staff_cannot_see_the_presenter_or_the_board(client, auth, open_room, make_user):
    room = open_room()
    auth.login(make_user(Role.MODERATOR))
    assert client.get(f"/sala/{room.id}/proyector").status_code == 403
    assert client.get(f"/sala/{room.id}").status_code == 403
    assert client.get(f"/sala/{room.id}/qr.svg").status_code == 403


def test_join_address_is_never_loopback(app, monkeypatch):
    from ideaboard.rooms import addresses

    monkeypatch.setattr(addresses, "lan_address", lambda: "192.168.1.20")
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        assert addresses.public_base_url() == "http://192.168.1.20:5000"
    with app.test_request_context("/", base_url="http://localhost:5000"):
        assert addresses.public_base_url() == "http://192.168.1.20:5000"
    with app.test_request_context("/", base_url="http://10.0.0.5:5000"):
        assert addresses.public_base_url() == "http://10.0.0.5:5000"  # phones reached us here already
    app.config["PUBLIC_URL"] = "https://ideas.example.gt/"
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        assert addresses.public_base_url() == "https://ideas.example.gt"


def test_presenter_shows_the_public_join_address(app, client, auth, open_room):
    room = open_room()
    auth.login(room.created_by)
    app.config["PUBLIC_URL"] = "https://ideas.example.gt/"
    html = client.get(f"/sala/{room.id}/proyector").get_data(as_text=True)
    assert '<p class="join-panel__url">https://ideas.example.gt<wbr>/unirse</p>' in html  # may break at the path


def test_lan_address_is_a_real_interface_or_none():
    from ideaboard.rooms.addresses import lan_address

    address = lan_address()
    assert address is None or not address.startswith("127.")


def test_open_and_close_from_the_ideathon_page(client, auth, make_ideathon):
    ideathon = make_ideathon()
    auth.login(ideathon.created_by)
    assert "Abrir la sala" in client.get(f"/ideatones/{ideathon.id}").get_data(as_text=True)
    opened = auth.post(f"/ideatones/{ideathon.id}/sala/abrir")
    assert opened.headers["Location"] == f"/sala/{ideathon.id}/moderar"
    db.session.refresh(ideathon)
    assert ideathon.room_is_open and ideathon.phase == "preparation"
    closed = auth.post(f"/ideatones/{ideathon.id}/sala/cerrar")
    assert closed.status_code == 302
    db.session.refresh(ideathon)
    assert ideathon.phase == "closed" and not ideathon.room_is_open


def test_a_stranger_moderator_cannot_open_a_room(client, auth, make_ideathon, make_user):
    ideathon = make_ideathon()
    auth.login(make_user(Role.MODERATOR))
    assert auth.post(f"/ideatones/{ideathon.id}/sala/abrir").status_code == 403
    db.session.refresh(ideathon)
    assert ideathon.room_code is None


def test_each_phone_is_its_own_participant(app, open_room, join):
    room = open_room()
    phones = [app.test_client() for _ in range(3)]
    people = [join(phone, room, nickname=f"P{i}") for i, phone in enumerate(phones)]
    assert len({p.id for p in people}) == 3
    assert all(Auth(phone).client.get(f"/sala/{room.id}").status_code == 200 for phone in phones)
