"""The exit survey: offered on a closed board (on load and live), answered once, anonymously."""
import threading

import pytest
import sqlalchemy as sa

from ideaboard.evaluation.models import ExitSurvey
from ideaboard.evaluation.services import answer_survey
from ideaboard.extensions import db
from ideaboard.ideathons.services import cancel_ideathon
from ideaboard.policies import can_answer_survey as can_answer
from ideaboard.programme.services import ProgrammeError
from ideaboard.rooms.models import Participant
from ideaboard.rooms.services import change_phase, close_room, join_room
from tests.conftest import Auth

ANSWERS = {"satisfaction": "4", "take_part_again": "yes", "learned": "unsure", "first_time": "no"}


def surveys():
    return db.session.scalars(sa.select(ExitSurvey).order_by(ExitSurvey.id)).all()


def survey_url(room):
    return f"/sala/{room.id}/encuesta"


# --- The service ---------------------------------------------------------------------------------

def test_a_closed_room_is_answered_once_and_the_answer_is_not_linked(app, open_room):
    room = open_room()
    person = join_room(room, nickname="Ana Secreta")
    assert not can_answer(person, room)  # the room is still open
    change_phase(room, "closed", actor=room.created_by)
    assert can_answer(person, room)
    survey = answer_survey(room, person, "5", "yes", "no", "yes")
    assert (survey.satisfaction, survey.take_part_again, survey.learned, survey.first_time) == (5, "yes", "no", True)
    assert db.session.get(Participant, person.id).exit_survey_done and not can_answer(person, room)
    with pytest.raises(ProgrammeError) as refused:
        answer_survey(room, person, "1", "no", "no", "no")
    assert refused.value.status == 409 and "ya respondió" in str(refused.value)
    assert len(surveys()) == 1
    # Anonymity: no column of the answers names the participant, their token or nickname.
    columns = {c.name for c in ExitSurvey.__table__.columns}
    assert columns == {"id", "ideathon_id", "satisfaction", "take_part_again", "learned", "first_time", "created_on"}
    assert not [fk for fk in ExitSurvey.__table__.foreign_keys if fk.column.table.name != "ideathons"]


def test_every_question_may_be_skipped_but_not_all(app, open_room):
    room = open_room()
    people = [join_room(room) for _ in range(3)]
    change_phase(room, "closed", actor=room.created_by)
    answer_survey(room, people[0], satisfaction="3")
    answer_survey(room, people[1], first_time="no", learned="")
    with pytest.raises(ProgrammeError) as refused:
        answer_survey(room, people[2], "", None, "", "")
    assert refused.value.status == 422 and "al menos una pregunta" in str(refused.value)
    assert not db.session.get(Participant, people[2].id).exit_survey_done
    assert [(s.satisfaction, s.take_part_again, s.learned, s.first_time) for s in surveys()] == [
        (3, None, None, None), (None, None, None, False)]


@pytest.mark.parametrize("answers, field", [
    ({"satisfaction": "6"}, "satisfaction"), ({"satisfaction": "0"}, "satisfaction"),
    ({"satisfaction": "cinco"}, "satisfaction"), ({"take_part_again": "maybe"}, "take_part_again"),
    ({"learned": "YES"}, "learned"), ({"first_time": "unsure"}, "first_time"),
])
def test_bad_values_are_refused_and_nothing_is_written(app, open_room, answers, field):
    room = open_room()
    person = join_room(room)
    change_phase(room, "closed", actor=room.created_by)
    with pytest.raises(ProgrammeError) as refused:
        answer_survey(room, person, **{"satisfaction": "4", **answers})
    assert refused.value.status == 422 and set(refused.value.errors) == {field}
    assert surveys() == [] and not db.session.get(Participant, person.id).exit_survey_done


def test_an_open_cancelled_or_other_room_is_refused(app, open_room):
    room, other = open_room(), open_room()
    person, stranger = join_room(room), join_room(other)
    with pytest.raises(ProgrammeError) as refused:
        answer_survey(room, person, "4")
    assert refused.value.status == 409 and "al cerrar la sala" in str(refused.value)
    change_phase(room, "closed", actor=room.created_by)
    with pytest.raises(ProgrammeError) as refused:
        answer_survey(room, stranger, "4")  # a participant of another room
    assert refused.value.status == 403
    cancel_ideathon(room, reason="Lluvias", actor=room.created_by)
    with pytest.raises(ProgrammeError) as refused:
        answer_survey(room, person, "4")
    assert refused.value.status == 409 and "cancelada" in str(refused.value)
    assert surveys() == []


def test_two_submissions_at_once_count_once(app, open_room, monkeypatch):
    """Both requests read "not answered yet"; the conditional UPDATE lets only one through.
    (PostgreSQL: a real race, the second waits on the first's row lock. SQLite serialises
    writers, so there the second simply finds the flag set.)"""
    import ideaboard.evaluation.services as services

    room = open_room()
    person = join_room(room)
    change_phase(room, "closed", actor=room.created_by)
    results, broken, barrier, real = [], [], threading.Barrier(2), services.survey_refusal
    room_id, person_id, Ideathon = room.id, person.id, type(room)  # the threads touch no object of this session

    def racing(participant, ideathon):
        refusal = real(participant, ideathon)
        try:
            barrier.wait(timeout=1)
        except threading.BrokenBarrierError:
            broken.append(True)  # SQLite: the other writer waits for this whole transaction
        return refusal

    def submit():
        with app.app_context():
            try:
                answer_survey(db.session.get(Ideathon, room_id), db.session.get(Participant, person_id), "5")
                results.append("ok")
            except ProgrammeError as error:
                results.append(error.status)
            finally:
                db.session.remove()

    monkeypatch.setattr(services, "survey_refusal", racing)
    db.session.commit()
    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results, key=str) == [409, "ok"]
    if db.engine.dialect.name == "postgresql":
        assert not broken  # both passed the first check together: the UPDATE alone told them apart
    db.session.commit()
    assert len(surveys()) == 1


def test_a_stale_check_is_caught_by_the_conditional_update(app, open_room, monkeypatch):
    """Even if the first check were fooled, the flag's UPDATE ... WHERE exit_survey_done = false
    refuses the second answer, and nothing of it is written."""
    import ideaboard.evaluation.services as services

    room = open_room()
    person = join_room(room)
    change_phase(room, "closed", actor=room.created_by)
    monkeypatch.setattr(services, "survey_refusal", lambda participant, ideathon: None)
    answer_survey(room, person, "5")
    with pytest.raises(ProgrammeError) as refused:
        answer_survey(room, person, "1")
    assert refused.value.status == 409 and "ya respondió" in str(refused.value)
    assert [s.satisfaction for s in surveys()] == [5]


# --- The pages -----------------------------------------------------------------------------------

def test_the_phone_answers_through_the_page_then_sees_the_thanks(app, client, closed_room):
    room, person = closed_room(client)
    page = client.get(survey_url(room))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "¿Cómo le pareció la ideatón?" in html and "Saltar" in html
    assert f'href="/sala/{room.id}"' in html  # "Saltar" goes back to the board, sending nothing
    assert 'id="satisfaction-4" name="satisfaction" type="radio" value="5"' in html
    for personal in ("apodo", "nombre", "edad", "correo", "teléfono"):  # nothing personal is asked
        assert f'name="{personal}' not in html
    sent = Auth(client).post(survey_url(room), ANSWERS)
    assert sent.status_code == 302 and sent.headers["Location"] == survey_url(room)
    thanks = client.get(survey_url(room)).get_data(as_text=True)
    assert "Gracias por responder" in thanks and 'name="satisfaction"' not in thanks
    assert [(s.satisfaction, s.take_part_again, s.learned, s.first_time) for s in surveys()] == [(4, "yes", "unsure", False)]
    again = Auth(client).post(survey_url(room), {**ANSWERS, "satisfaction": "1"})
    assert again.status_code == 409 and "Usted ya respondió la encuesta" in again.get_data(as_text=True)
    assert len(surveys()) == 1
    board = client.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "Gracias por responder la encuesta." in board and survey_url(room) not in board


def test_bad_or_empty_answers_come_back_with_a_spanish_message(app, client, closed_room):
    room, person = closed_room(client)
    bad = Auth(client).post(survey_url(room), {**ANSWERS, "satisfaction": "9", "learned": "tal vez"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Elija un número del 1 al 5." in html and "Elija una opción de la lista." in html
    assert 'aria-describedby="satisfaction-error"' in html
    # What was chosen stays chosen: only the marked questions need another look.
    assert '<input checked class="survey-choice__input" id="take_part_again-0"' in html
    assert html.count("<input checked") == 2  # take_part_again "yes" and first_time "no"
    empty = Auth(client).post(survey_url(room), {})
    assert empty.status_code == 422 and "Responda al menos una pregunta" in empty.get_data(as_text=True)
    assert surveys() == [] and not db.session.get(Participant, person.id).exit_survey_done


def test_before_the_room_closes_the_survey_waits(app, client, open_room, join):
    room = open_room()
    join(client, room)
    page = client.get(survey_url(room))
    assert page.status_code == 200 and "La encuesta se abre al cerrar la sala" in page.get_data(as_text=True)
    early = Auth(client).post(survey_url(room), ANSWERS)
    assert early.status_code == 409 and "La encuesta se abre al cerrar la sala" in early.get_data(as_text=True)
    assert surveys() == []
    board = client.get(f"/sala/{room.id}").get_data(as_text=True)
    assert '<div id="exit-survey" hidden></div>' in board and survey_url(room) not in board


def test_only_the_rooms_participants_reach_the_survey(app, client, closed_room, make_user, open_room, join):
    room, _person = closed_room(client)
    # A phone without the room's cookie is sent to enter the code, as on the board.
    stranger = app.test_client()
    assert stranger.get(survey_url(room)).headers["Location"] == "/unirse"
    assert stranger.get(f"/sala/{room.id}").headers["Location"] == "/unirse"
    # A phone of another room too: its cookie is for that room only.
    other = open_room()
    join(stranger, other)
    assert stranger.get(survey_url(room)).status_code == 302
    assert Auth(stranger).post(survey_url(room), ANSWERS).status_code == 302
    # Staff without a participant cookie: refused, even the room's moderators.
    staff = app.test_client()
    Auth(staff).login(room.created_by)
    assert staff.get(survey_url(room)).status_code == 403
    assert Auth(staff).post(survey_url(room), ANSWERS).status_code == 403
    assert client.get("/sala/999999/encuesta").status_code == 404
    assert surveys() == []


def test_the_closed_board_offers_the_survey_to_participants_only(app, client, closed_room):
    room, _person = closed_room(client)
    board = client.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "¿Cómo le fue?" in board and "Responda 4 preguntas (anónimo)" in board and survey_url(room) in board
    sync = client.get(f"/sala/{room.id}/tablero").get_data(as_text=True)
    assert 'id="exit-survey"' in sync and survey_url(room) in sync
    staff = app.test_client()
    Auth(staff).login(room.created_by)
    assert 'id="exit-survey"' not in staff.get(f"/sala/{room.id}").get_data(as_text=True)
    assert 'id="exit-survey"' not in staff.get(f"/sala/{room.id}/proyector").get_data(as_text=True)


# --- Live ----------------------------------------------------------------------------------------

def test_the_card_arrives_live_when_the_room_closes_the_same_for_everyone(app, open_room, join, socket_client):
    room = open_room()
    answered_phone, other_phone = app.test_client(), app.test_client()
    join(answered_phone, room)
    join(other_phone, room)
    board = answered_phone.get(f"/sala/{room.id}").get_data(as_text=True)
    assert '<div id="exit-survey" hidden></div>' in board  # the card's place, waiting
    sockets = [socket_client(phone, room=room.id) for phone in (answered_phone, other_phone)]
    for sio in sockets:
        sio.get_received()
    close_room(room, actor=room.created_by)
    messages = [sio.events("change") for sio in sockets]
    assert [len(m) for m in messages] == [1, 1]
    htmls = [m[0]["args"][0]["html"] for m in messages]
    assert htmls[0] == htmls[1]  # one rendering for the whole room
    html = htmls[0]
    assert 'id="exit-survey"' in html and survey_url(room) in html and "¿Cómo le fue?" in html
    assert "Gracias por responder" not in html
    assert "resync" not in messages[0][0]["args"][0]  # nobody has answered yet: nothing to re-fetch
    # After answering, this phone's board (its page or a re-fetch) says thanks; the other's still offers it.
    assert Auth(answered_phone).post(survey_url(room), ANSWERS).status_code == 302
    mine = answered_phone.get(f"/sala/{room.id}/tablero").get_data(as_text=True)
    theirs = other_phone.get(f"/sala/{room.id}/tablero").get_data(as_text=True)
    assert "Gracias por responder la encuesta." in mine and survey_url(room) not in mine
    assert survey_url(room) in theirs and "Gracias por responder" not in theirs


def test_a_cancelled_room_offers_no_survey(app, client, open_room, join):
    room = open_room()
    join(client, room)
    cancel_ideathon(room, reason="Lluvias", actor=room.created_by)
    board = client.get(f"/sala/{room.id}").get_data(as_text=True)
    assert survey_url(room) not in board
    page = client.get(survey_url(room)).get_data(as_text=True)
    assert "fue cancelada" in page


def test_a_phone_cannot_flood_the_survey(app, client, closed_room):
    room, _person = closed_room(client)
    token = Auth(client).csrf_token()
    statuses = [client.post(survey_url(room), data={**ANSWERS, "csrf_token": token}).status_code for _ in range(31)]
    assert statuses[0] == 302 and set(statuses[1:30]) == {409} and statuses[30] == 429
    assert len(surveys()) == 1
