import pytest

from ideaboard.accounts.models import Role
from ideaboard.rooms.models import PhaseChange
from ideaboard.rooms.services import (
    RoomError, change_phase, clear_timer, phase_history, reveal_ideas, set_timer, update_settings,
)
from ideaboard.database import utcnow

ALLOWED = [("preparation", "ideas"), ("preparation", "closed"), ("ideas", "voting"), ("ideas", "closed"),
           ("voting", "closed")]
REFUSED = [("preparation", "voting"), ("ideas", "preparation"), ("voting", "ideas"), ("voting", "preparation"),
           ("closed", "ideas"), ("closed", "voting"), ("closed", "preparation"), ("ideas", "ideas")]


def room_in(open_room, phase):
    room = open_room(phase="preparation" if phase in ("preparation", "closed") else phase)
    if phase == "closed":
        change_phase(room, "closed", actor=room.created_by)
    return room


@pytest.mark.parametrize("start, to", ALLOWED)
def test_allowed_transitions_are_recorded(app, open_room, start, to):
    room = room_in(open_room, start)
    change_phase(room, to, actor=room.created_by)
    assert room.phase == to
    last = phase_history(room)[-1]
    assert (last.from_phase, last.to_phase, last.actor_id) == (start, to, room.created_by.id)


@pytest.mark.parametrize("start, to", REFUSED)
def test_refused_transitions_change_nothing(app, open_room, start, to):
    room = room_in(open_room, start)
    before = len(phase_history(room))
    with pytest.raises(RoomError, match="No se puede pasar de"):
        change_phase(room, to, actor=room.created_by)
    assert room.phase == start and len(phase_history(room)) == before


def test_unknown_phase_and_strangers_are_refused(app, open_room, make_user):
    room = open_room()
    with pytest.raises(RoomError, match="no existe"):
        change_phase(room, "party", actor=room.created_by)
    with pytest.raises(RoomError) as error:
        change_phase(room, "voting", actor=make_user(Role.MODERATOR))
    assert error.value.status == 403 and room.phase == "ideas"


def test_a_room_without_code_cannot_start(app, make_ideathon):
    ideathon = make_ideathon()
    with pytest.raises(RoomError, match="Primero abra la sala"):
        change_phase(ideathon, "ideas", actor=ideathon.created_by)


def test_timer_is_one_server_side_end_time(app, open_room):
    room = open_room()
    set_timer(room, minutes=10, actor=room.created_by)
    first = room.timer_ends_at
    assert 9.9 * 60 < (first - utcnow()).total_seconds() <= 600
    set_timer(room, minutes=5, actor=room.created_by, extend=True)
    assert (room.timer_ends_at - first).total_seconds() == 300
    for bad in (0, 181, "diez"):
        with pytest.raises(RoomError, match="entre 1 y 180 minutos"):
            set_timer(room, minutes=bad, actor=room.created_by)
    clear_timer(room, actor=room.created_by)
    assert room.timer_ends_at is None
    set_timer(room, minutes=3, actor=room.created_by)
    change_phase(room, "voting", actor=room.created_by)
    assert room.timer_ends_at is None  # a new phase starts without the old countdown


def settings(room, **changes):
    values = dict(silent_ideas=False, hidden_counts=False, dot_budget=3, max_dots_per_idea=1, self_votes=True,
                  cards_only=False)
    values.update(changes)
    return update_settings(room, actor=room.created_by, **values)


def test_settings_are_validated(app, open_room):
    room = open_room()
    for changes, message in [({"dot_budget": 0}, "entre 1 y 10"), ({"dot_budget": 11}, "entre 1 y 10"),
                             ({"max_dots_per_idea": 4}, "puntos por idea"), ({"dot_budget": "x"}, "números")]:
        with pytest.raises(RoomError, match=message):
            settings(room, **changes)
    settings(room, dot_budget=5, max_dots_per_idea=2, silent_ideas=True)
    assert (room.dot_budget, room.max_dots_per_idea, room.ideas_are_private) == (5, 2, True)
    reveal_ideas(room, actor=room.created_by)
    assert not room.ideas_are_private


def test_voting_rules_are_fixed_once_voting_starts(app, open_room):
    room = open_room(phase="voting")
    with pytest.raises(RoomError, match="no se cambian"):
        settings(room, dot_budget=5)
    with pytest.raises(RoomError, match="no se cambian"):
        settings(room, hidden_counts=True)
    settings(room, cards_only=True)  # who may join still may change
    assert room.cards_only and room.dot_budget == 3


def test_voting_reveals_silent_ideas(app, open_room):
    room = open_room()
    settings(room, silent_ideas=True)
    assert room.ideas_are_private
    change_phase(room, "voting", actor=room.created_by)
    assert not room.ideas_are_private


def test_phase_history_model(app, open_room):
    room = open_room(phase="voting")
    assert [(c.from_phase, c.to_phase) for c in phase_history(room)] == [("preparation", "ideas"), ("ideas", "voting")]
    assert all(isinstance(c, PhaseChange) and c.at for c in phase_history(room))
