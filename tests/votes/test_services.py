import uuid

import pytest
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.services import post_idea, withdraw_idea
from ideaboard.rooms.services import change_phase, join_room, update_settings
from ideaboard.votes.models import Vote
from ideaboard.votes.queries import dots_left, my_votes, ranking, vote_counts
from ideaboard.votes.services import VoteError, cast_vote, record_paper_tally, withdraw_vote


def cid():
    return str(uuid.uuid4())


@pytest.fixture
def room(open_room):
    """A room with three ideas by Ana, now voting."""
    room = open_room(themes=[("Agua", "water")])
    ana = join_room(room, nickname="Ana")
    ideas = [post_idea(room, ana, theme_id=room.themes[0].id, text=f"Idea {i}", client_id=cid())[0] for i in range(3)]
    change_phase(room, "voting", actor=room.created_by)
    room.ana, room.ideas = ana, ideas
    return room


def votes_in_db():
    return db.session.scalar(sa.select(sa.func.count(Vote.id)))


def test_budget_and_dots_left(app, room):
    beto = join_room(room)
    assert dots_left(room, beto) == 3
    for idea in room.ideas:
        assert cast_vote(room, beto, idea_id=idea.id, client_id=cid()).placed
    assert dots_left(room, beto) == 0
    with pytest.raises(VoteError, match="Ya usó todos sus puntos"):
        cast_vote(room, beto, idea_id=room.ideas[0].id, client_id=cid())
    assert votes_in_db() == 3


def test_at_most_one_dot_per_idea_by_default_and_unvote_returns_it(app, room):
    beto = join_room(room)
    cast_vote(room, beto, idea_id=room.ideas[0].id, client_id=cid())
    with pytest.raises(VoteError, match="Ya puso su punto en esta idea"):
        cast_vote(room, beto, idea_id=room.ideas[0].id, client_id=cid())
    withdraw_vote(room, beto, idea_id=room.ideas[0].id)
    assert my_votes(beto) == {} and dots_left(room, beto) == 3
    with pytest.raises(VoteError, match="No tiene puntos en esta idea"):
        withdraw_vote(room, beto, idea_id=room.ideas[0].id)


def test_several_dots_per_idea_when_the_room_allows(app, open_room):
    room = open_room(themes=[("Agua", "water")])
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=False, dot_budget=5,
                    max_dots_per_idea=2, self_votes=True, cards_only=False)
    ana = join_room(room)
    idea, _ = post_idea(room, ana, theme_id=room.themes[0].id, text="Una", client_id=cid())
    change_phase(room, "voting", actor=room.created_by)
    cast_vote(room, ana, idea_id=idea.id, client_id=cid())
    cast_vote(room, ana, idea_id=idea.id, client_id=cid())
    with pytest.raises(VoteError, match="máximo de 2 puntos"):
        cast_vote(room, ana, idea_id=idea.id, client_id=cid())
    assert my_votes(ana) == {idea.id: 2} and dots_left(room, ana) == 3


def test_a_repeated_request_is_answered_with_the_current_state(app, room):
    beto = join_room(room)
    tap = cid()
    assert cast_vote(room, beto, idea_id=room.ideas[0].id, client_id=tap).placed is True
    assert cast_vote(room, beto, idea_id=room.ideas[0].id, client_id=tap).placed is False
    assert votes_in_db() == 1


def test_own_ideas_follow_the_room_setting(app, open_room):
    room = open_room(themes=[("Agua", "water")])
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=False, dot_budget=3,
                    max_dots_per_idea=1, self_votes=False, cards_only=False)
    ana = join_room(room)
    idea, _ = post_idea(room, ana, theme_id=room.themes[0].id, text="Mía", client_id=cid())
    change_phase(room, "voting", actor=room.created_by)
    with pytest.raises(VoteError, match="ideas propias"):
        cast_vote(room, ana, idea_id=idea.id, client_id=cid())
    assert votes_in_db() == 0


def test_no_votes_outside_voting_or_on_withdrawn_or_foreign_ideas(app, open_room):
    room = open_room(themes=[("Agua", "water")])
    ana = join_room(room)
    idea, _ = post_idea(room, ana, theme_id=room.themes[0].id, text="Una", client_id=cid())
    gone, _ = post_idea(room, ana, theme_id=room.themes[0].id, text="Otra", client_id=cid())
    with pytest.raises(VoteError, match="La votación no está abierta"):
        cast_vote(room, ana, idea_id=idea.id, client_id=cid())
    withdraw_idea(gone, ana)
    other = open_room()
    stranger_idea, _ = post_idea(other, join_room(other), theme_id=other.themes[0].id, text="Ajena", client_id=cid())
    change_phase(room, "voting", actor=room.created_by)
    for bad in (gone.id, stranger_idea.id, 999999, "x"):
        with pytest.raises(VoteError, match="no se puede votar"):
            cast_vote(room, ana, idea_id=bad, client_id=cid())
    with pytest.raises(VoteError) as malformed:
        cast_vote(room, ana, idea_id=idea.id, client_id="!")
    assert malformed.value.status == 400
    change_phase(room, "closed", actor=room.created_by)
    with pytest.raises(VoteError, match="La votación no está abierta"):
        cast_vote(room, ana, idea_id=idea.id, client_id=cid())
    assert votes_in_db() == 0


def test_paper_tallies_add_to_phone_votes_and_only_moderators_enter_them(app, room, make_user):
    beto = join_room(room)
    cast_vote(room, beto, idea_id=room.ideas[1].id, client_id=cid())
    record_paper_tally(room, idea_id=room.ideas[1].id, votes=4, actor=room.created_by)
    record_paper_tally(room, idea_id=room.ideas[1].id, votes=6, actor=room.created_by)  # a recount replaces
    assert vote_counts(room)[room.ideas[1].id] == 7
    assert ranking(room)[0] == (room.ideas[1], 7)
    with pytest.raises(VoteError) as error:
        record_paper_tally(room, idea_id=room.ideas[0].id, votes=3, actor=make_user("moderator"))
    assert error.value.status == 403
    for bad in (-1, "tres", 10**6):
        with pytest.raises(VoteError):
            record_paper_tally(room, idea_id=room.ideas[0].id, votes=bad, actor=room.created_by)
    assert room.ideas[0].id not in vote_counts(room)


def test_ballots_decided_together_follow_the_same_rules(app, room):
    """A batch (what a storm of votes becomes) is decided in order, as if one by one: a double tap
    inside the batch counts once, the budget holds across the batch, rooms and ideas are checked."""
    from ideaboard.votes.services import Ballot, _decide

    beto, carla = join_room(room), join_room(room)
    tap = cid()
    batch = [
        Ballot(room.id, beto.id, room.ideas[0].id, tap),
        Ballot(room.id, beto.id, room.ideas[0].id, tap),  # the double tap
        Ballot(room.id, beto.id, room.ideas[1].id, cid()),
        Ballot(room.id, beto.id, room.ideas[2].id, cid()),
        Ballot(room.id, beto.id, room.ideas[2].id, cid()),  # over budget by now
        Ballot(room.id, carla.id, room.ideas[0].id, cid()),
        Ballot(room.id, carla.id, 999999, cid()),  # no such idea
    ]
    _decide(batch)
    assert [b.placed for b in batch] == [True, False, True, True, False, True, False]
    assert [b.error and str(b.error) for b in batch] == [
        None, None, None, None, "Ya usó todos sus puntos. Puede quitar uno para ponerlo en otra idea.", None,
        "Esa idea no se puede votar.",
    ]
    expected_beto = {idea.id: 1 for idea in room.ideas}
    assert batch[3].my_votes == expected_beto == my_votes(beto)
    assert batch[5].my_votes == {room.ideas[0].id: 1} == my_votes(carla)
    assert batch[0].counts == {room.ideas[0].id: 2}  # counts shown in this room: read in the same transaction
    assert votes_in_db() == 4


def test_ballots_of_a_room_not_voting_are_refused_and_nothing_is_stored(app, room):
    from ideaboard.votes.services import Ballot, _decide

    beto = join_room(room)
    change_phase(room, "closed", actor=room.created_by)
    batch = [Ballot(room.id, beto.id, room.ideas[0].id, cid())]
    _decide(batch)
    assert str(batch[0].error) == "La votación no está abierta en este momento." and not batch[0].placed
    assert votes_in_db() == 0


def test_hidden_counts_never_travel_with_a_ballot(app, open_room):
    room = open_room(themes=[("Agua", "water")])
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=True, dot_budget=3,
                    max_dots_per_idea=1, self_votes=False, cards_only=False)
    idea, _ = post_idea(room, join_room(room), theme_id=room.themes[0].id, text="Una", client_id=cid())
    change_phase(room, "voting", actor=room.created_by)
    ballot = cast_vote(room, join_room(room), idea_id=idea.id, client_id=cid())
    assert ballot.placed and ballot.counts == {} and ballot.my_votes == {idea.id: 1}
