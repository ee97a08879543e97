import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideathons.services import assign_moderators, cancel_ideathon
from ideaboard.rooms.codes import ALPHABET, display_code, generate_code, normalise_code
from ideaboard.rooms.models import Participant, ParticipationSurvey
from ideaboard.rooms.services import RoomError, close_room, find_room, join_room, open_room


def test_codes_avoid_confusable_characters_and_normalise_what_people_type():
    assert not set("01OIL") & set(ALPHABET)
    codes = {generate_code() for _ in range(500)}
    assert len(codes) == 500 and all(len(c) == 6 and set(c) <= set(ALPHABET) for c in codes)
    assert normalise_code(" abc-234 ") == "ABC234"
    assert normalise_code("ab c2 34") == "ABC234"
    assert normalise_code("ABC23") == "" and normalise_code("ABC2345") == ""
    assert normalise_code("ABC0I1") == ""  # characters that are never in a code
    assert display_code("ABC234") == "ABC-234"


def test_open_room_gives_a_code_and_admits_people_in_preparation(app, make_ideathon):
    ideathon = make_ideathon()
    assert not ideathon.room_is_open and ideathon.room_code is None
    open_room(ideathon, actor=ideathon.created_by)
    assert ideathon.room_is_open and ideathon.phase == "preparation" and not ideathon.collecting_ideas
    assert len(ideathon.room_code) == 6 and ideathon.room_seq == 1
    code = ideathon.room_code
    open_room(ideathon, actor=ideathon.created_by)  # again: same code
    assert ideathon.room_code == code


def test_only_its_moderators_and_planners_open_a_room(app, make_ideathon, make_user):
    ideathon = make_ideathon()
    stranger, official = make_user(Role.MODERATOR), make_user(Role.OFFICIAL)
    for actor in (stranger, official):
        with pytest.raises(RoomError) as error:
            open_room(ideathon, actor=actor)
        assert error.value.status == 403
    assert ideathon.room_code is None
    assign_moderators(ideathon, [stranger], actor=ideathon.created_by)
    open_room(ideathon, actor=stranger)
    assert ideathon.room_is_open


def test_a_cancelled_ideathon_has_no_room(app, make_ideathon):
    ideathon = make_ideathon()
    cancel_ideathon(ideathon, reason="Lluvia", actor=ideathon.created_by)
    with pytest.raises(RoomError, match="cancelada"):
        open_room(ideathon, actor=ideathon.created_by)


def test_find_room_by_code_and_its_expiry(app, open_room):
    ideathon = open_room()
    assert find_room(ideathon.room_code.lower()) == ideathon
    with pytest.raises(RoomError) as unknown:
        find_room("ZZZ999" if ideathon.room_code != "ZZZ999" else "ZZZ998")
    assert unknown.value.status == 404 and "No encontramos" in str(unknown.value)
    with pytest.raises(RoomError) as malformed:
        find_room("<script>")
    assert malformed.value.status == 404
    close_room(ideathon, actor=ideathon.created_by)
    with pytest.raises(RoomError) as expired:
        find_room(ideathon.room_code)
    assert expired.value.status == 410 and "ya cerró" in str(expired.value)


def test_cancelling_expires_the_code(app, open_room):
    ideathon = open_room()
    cancel_ideathon(ideathon, reason="Emergencia", actor=ideathon.created_by)
    with pytest.raises(RoomError) as expired:
        find_room(ideathon.room_code)
    assert expired.value.status == 410


def test_join_keeps_survey_answers_apart_from_the_participant(app, open_room):
    ideathon = open_room()
    participant = join_room(ideathon, nickname="  Doña   Rosa ", survey={
        "age_band": "45-59", "gender": "woman", "community": "Zona 6", "first_time": "yes",
    })
    assert participant.nickname == "Doña Rosa" and participant.token
    survey = db.session.scalar(sa.select(ParticipationSurvey))
    assert (survey.age_band, survey.gender, survey.community, survey.first_time) == ("45-59", "woman", "Zona 6", True)
    assert not hasattr(survey, "participant_id")
    join_room(ideathon)  # nothing answered: no survey row
    assert db.session.scalar(sa.select(sa.func.count(ParticipationSurvey.id))) == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"nickname": "x" * 41}, "40 caracteres"),
    ({"survey": {"age_band": "200"}}, "edad"),
    ({"survey": {"gender": "robot"}}, "opción"),
    ({"survey": {"first_time": "maybe"}}, "opción"),
    ({"survey": {"community": "z" * 81}}, "80 caracteres"),
])
def test_join_refuses_bad_input_and_stores_nothing(app, open_room, kwargs, message):
    ideathon = open_room()
    with pytest.raises(RoomError, match=message):
        join_room(ideathon, **kwargs)
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(ParticipationSurvey.id))) == 0


def test_nobody_joins_a_closed_room(app, open_room):
    ideathon = open_room()
    close_room(ideathon, actor=ideathon.created_by)
    with pytest.raises(RoomError) as error:
        join_room(ideathon, nickname="Tarde")
    assert error.value.status == 410
