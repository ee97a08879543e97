"""Moderation services: every action allowed and refused, per role; merge and split with exact
vote carry-over; pre-moderation, mute, flags and the audit log."""
import uuid

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus
from ideaboard.ideas.queries import visible_ideas_by_theme
from ideaboard.ideas.services import IdeaError, edit_idea, post_idea, withdraw_idea
from ideaboard.ideathons.services import assign_moderators
from ideaboard.moderation import services as mod
from ideaboard.moderation.flags import replace_flag_words
from ideaboard.moderation.models import ModerationAction
from ideaboard.moderation.services import ModerationError
from ideaboard.rooms.services import change_phase, join_room, update_settings
from ideaboard.votes.models import Vote
from ideaboard.votes.queries import dots_left, my_votes, paper_votes, vote_counts
from ideaboard.votes.services import VoteError, cast_vote, record_paper_tally


def cid():
    return str(uuid.uuid4())


@pytest.fixture
def room(open_room):
    """A room collecting ideas, in two themes, with three ideas by Ana."""
    room = open_room(themes=[("Agua", "water"), ("Calles", "road")])
    ana = join_room(room, nickname="Ana")
    room.ana = ana
    room.ideas = [post_idea(room, ana, theme_id=room.themes[0].id, text=f"Idea {i}", client_id=cid())[0]
                  for i in range(3)]
    return room


def actions(room):
    return [a.action for a in db.session.scalars(sa.select(ModerationAction).where(
        ModerationAction.ideathon_id == room.id).order_by(ModerationAction.id))]


def refresh(*objects):
    for obj in objects:
        db.session.refresh(obj)


def test_who_may_moderate(app, room, make_user):
    assigned, other, official = make_user(Role.MODERATOR), make_user(Role.MODERATOR), make_user(Role.OFFICIAL)
    assign_moderators(room, [assigned], actor=room.created_by)
    idea = room.ideas[0]
    for actor in (other, official):  # checked in the service, whatever the route
        with pytest.raises(ModerationError) as refused:
            mod.pin_idea(room, idea.id, actor=actor, pinned=True)
        assert refused.value.status == 403 and "Solo quienes moderan" in str(refused.value)
    mod.pin_idea(room, idea.id, actor=assigned, pinned=True)  # the assigned moderator
    mod.pin_idea(room, idea.id, actor=make_user(Role.COORDINATOR), pinned=False)  # any planner
    mod.pin_idea(room, idea.id, actor=make_user(Role.ADMIN), pinned=True)
    assert actions(room) == ["pin", "unpin", "pin"]


def test_hide_needs_a_reason_and_can_be_undone(app, room):
    idea, coordinator = room.ideas[0], room.created_by
    with pytest.raises(ModerationError, match="Escriba el motivo") as refused:
        mod.hide_idea(room, idea.id, actor=coordinator, reason="  ")
    assert refused.value.status == 422
    with pytest.raises(ModerationError, match="como máximo 200"):
        mod.hide_idea(room, idea.id, actor=coordinator, reason="x" * 201)
    assert actions(room) == []
    mod.hide_idea(room, idea.id, actor=coordinator, reason="Lenguaje ofensivo")
    refresh(idea)
    assert idea.status == "hidden" and idea.hidden_reason == "Lenguaje ofensivo"
    assert idea.id not in [i.id for i in visible_ideas_by_theme(room)[room.themes[0].id]]
    with pytest.raises(ModerationError, match="Otra persona ocultó esta idea"):
        mod.hide_idea(room, idea.id, actor=coordinator, reason="otra vez")
    mod.unhide_idea(room, idea.id, actor=coordinator)
    refresh(idea)
    assert idea.status == "visible" and idea.hidden_reason is None
    entry = db.session.scalars(sa.select(ModerationAction).order_by(ModerationAction.id)).first()
    assert (entry.action, entry.before, entry.after, entry.reason, entry.actor_id) == (
        "hide", {"status": "visible"}, {"status": "hidden"}, "Lenguaje ofensivo", coordinator.id)


def test_edit_keeps_the_first_original_and_the_record(app, room):
    idea = room.ideas[0]
    mod.edit_idea_text(room, idea.id, actor=room.created_by, text="Reparar la tubería del barrio El Centro")
    mod.edit_idea_text(room, idea.id, actor=room.created_by, text="Reparar la tubería de la zona 1")
    refresh(idea)
    assert idea.text == "Reparar la tubería de la zona 1" and idea.original_text == "Idea 0"
    assert idea.edited_by_moderation
    edits = db.session.scalars(sa.select(ModerationAction).where(ModerationAction.action == "edit")
                               .order_by(ModerationAction.id)).all()
    assert [(e.before["text"], e.after["text"]) for e in edits] == [
        ("Idea 0", "Reparar la tubería del barrio El Centro"),
        ("Reparar la tubería del barrio El Centro", "Reparar la tubería de la zona 1")]
    with pytest.raises(ModerationError, match="Escriba el texto"):
        mod.edit_idea_text(room, idea.id, actor=room.created_by, text="")


def test_move_to_another_theme_of_the_room_only(app, room, open_room):
    idea, calles = room.ideas[0], room.themes[1]
    other_room = open_room(themes=[("Otro", "other")])
    with pytest.raises(ModerationError, match="Ese tema no existe en esta sala"):
        mod.move_idea(room, idea.id, actor=room.created_by, theme_id=other_room.themes[0].id)
    mod.move_idea(room, idea.id, actor=room.created_by, theme_id=calles.id)
    refresh(idea)
    assert idea.theme_id == calles.id
    assert [i.id for i in visible_ideas_by_theme(room)[calles.id]] == [idea.id]


def test_an_idea_of_another_room_is_not_found(app, room, open_room):
    other = open_room()
    with pytest.raises(ModerationError) as refused:
        mod.hide_idea(other, room.ideas[0].id, actor=other.created_by, reason="x")
    assert refused.value.status == 404


def test_premoderation_holds_new_ideas_until_approved(app, room):
    update_settings(room, actor=room.created_by, silent_ideas=False, hidden_counts=False, dot_budget=3,
                    max_dots_per_idea=1, self_votes=False, cards_only=False, premoderation=True)
    beto, carla = join_room(room, nickname="Beto"), join_room(room)
    idea, _ = post_idea(room, beto, theme_id=room.themes[0].id, text="Más basureros", client_id=cid())
    assert idea.status == "pending"
    theme = room.themes[0].id
    assert idea.id in [i.id for i in visible_ideas_by_theme(room, beto, staff=False)[theme]]  # "waiting for review"
    assert idea.id not in [i.id for i in visible_ideas_by_theme(room, carla, staff=False)[theme]]
    assert [i.id for i in mod.console_ideas(room)["pending"]] == [idea.id]
    mod.approve_idea(room, idea.id, actor=room.created_by)
    assert idea.id in [i.id for i in visible_ideas_by_theme(room, carla, staff=False)[theme]]
    with pytest.raises(ModerationError, match="ya está en el tablero"):
        mod.approve_idea(room, idea.id, actor=room.created_by)
    # Turning one down: it is hidden with the reason, like any hidden idea.
    other, _ = post_idea(room, beto, theme_id=theme, text="Otra", client_id=cid())
    mod.hide_idea(room, other.id, actor=room.created_by, reason="Repetida")
    assert actions(room)[-2:] == ["approve", "reject"]


def test_mute_stops_posting_and_can_hide_everything_in_one_go(app, room):
    with pytest.raises(ModerationError, match="Escriba el motivo"):
        mod.mute_participant(room, room.ana.id, actor=room.created_by, hide_ideas=True, reason="")
    hidden = mod.mute_participant(room, room.ana.id, actor=room.created_by, hide_ideas=True, reason="Spam")
    assert sorted(i.id for i in hidden) == sorted(i.id for i in room.ideas)
    assert all(i.status == "hidden" and i.hidden_reason == "Spam" for i in hidden)
    with pytest.raises(IdeaError, match="La moderación pausó sus publicaciones") as refused:
        post_idea(room, room.ana, theme_id=room.themes[0].id, text="Una más", client_id=cid())
    assert refused.value.status == 403
    with pytest.raises(ModerationError, match="ya está silenciada"):
        mod.mute_participant(room, room.ana.id, actor=room.created_by)
    mod.unmute_participant(room, room.ana.id, actor=room.created_by)
    post_idea(room, room.ana, theme_id=room.themes[0].id, text="Una más", client_id=cid())
    assert actions(room) == ["mute", "unmute"]


def test_flag_list_marks_but_never_hides(app, room, make_user):
    beto = join_room(room)
    idea, _ = post_idea(room, beto, theme_id=room.themes[0].id, text="El alcalde es un IDIOTA y un estupido",
                        client_id=cid())
    assert idea.status == "visible" and idea.flagged_words == "estúpido, idiota"  # case and accents ignored
    clean, _ = post_idea(room, beto, theme_id=room.themes[0].id, text="Idiotismo no es una palabra de la lista",
                         client_id=cid())
    assert clean.flagged_words is None  # whole words only
    with pytest.raises(Exception, match="Solo coordinación"):
        replace_flag_words("basura", actor=make_user(Role.MODERATOR))
    assert replace_flag_words("  Basura \n\nbasura\nno sirve", actor=room.created_by) == ["Basura", "no sirve"]
    edited = edit_idea(clean, beto, text="Esto no sirve")
    assert edited.flagged_words == "no sirve"


@pytest.fixture
def voting_room(open_room):
    """Voting, budget 3, one dot per idea: ideas A, B, C by Ana; Beto and Carla vote."""
    room = open_room(themes=[("Agua", "water"), ("Calles", "road")])
    ana = join_room(room, nickname="Ana")
    room.a, room.b, room.c = [post_idea(room, ana, theme_id=room.themes[0].id, text=t, client_id=cid())[0]
                              for t in ("Agua los lunes", "Agua todos los días", "Arreglar baches")]
    change_phase(room, "voting", actor=room.created_by)
    room.beto, room.carla = join_room(room, nickname="Beto"), join_room(room, nickname="Carla")
    return room


def test_merge_carries_votes_over_once_per_person_and_returns_the_rest(app, voting_room):
    room = voting_room
    beto, carla = room.beto, room.carla
    for idea in (room.a, room.b, room.c):  # Beto: a dot on each of A, B (same person twice) and C
        cast_vote(room, beto, idea_id=idea.id, client_id=cid())
    cast_vote(room, carla, idea_id=room.b.id, client_id=cid())  # Carla: only on B
    record_paper_tally(room, idea_id=room.a.id, votes=4, actor=room.created_by)
    record_paper_tally(room, idea_id=room.b.id, votes=2, actor=room.created_by)
    assert dots_left(room, beto) == 0

    merged, returned = mod.merge_ideas(room, [room.a.id, room.b.id], actor=room.created_by,
                                       text="Agua todos los días, también los lunes")
    assert returned == 1  # Beto's second dot collapsed
    assert my_votes(beto) == {merged.id: 1, room.c.id: 1} and dots_left(room, beto) == 1
    assert my_votes(carla) == {merged.id: 1} and dots_left(room, carla) == 2
    assert vote_counts(room)[merged.id] == 2 + 6  # two people, plus the paper dots added up
    refresh(room.a, room.b)
    assert {room.a.status, room.b.status} == {"merged"} and room.a.merged_into_id == merged.id
    assert merged.consolidated and sorted(i.id for i in merged.sources) == [room.a.id, room.b.id]
    with pytest.raises(VoteError, match="vote por la idea unida"):
        cast_vote(room, carla, idea_id=room.a.id, client_id=cid())
    entry = db.session.scalars(sa.select(ModerationAction).where(ModerationAction.action == "merge")).one()
    assert [i["text"] for i in entry.before["ideas"]] == ["Agua los lunes", "Agua todos los días"]
    assert entry.after["dots_returned"] == 1

    # Beto spends his returned dot on the merged idea? No: one per idea. He can place it elsewhere.
    with pytest.raises(VoteError, match="Ya puso su punto"):
        cast_vote(room, beto, idea_id=merged.id, client_id=cid())


def test_split_restores_sources_and_votes_where_the_dot_is_still_free(app, voting_room):
    room = voting_room
    beto, carla = room.beto, room.carla
    cast_vote(room, beto, idea_id=room.a.id, client_id=cid())
    cast_vote(room, beto, idea_id=room.b.id, client_id=cid())
    cast_vote(room, carla, idea_id=room.a.id, client_id=cid())
    cast_vote(room, carla, idea_id=room.b.id, client_id=cid())
    merged, returned = mod.merge_ideas(room, [room.a.id, room.b.id], actor=room.created_by, text="Agua")
    assert returned == 2
    cast_vote(room, carla, idea_id=room.c.id, client_id=cid())  # Carla spends her returned dot elsewhere
    dana = join_room(room, nickname="Dana")
    cast_vote(room, dana, idea_id=merged.id, client_id=cid())  # Dana votes for the merged idea itself

    outcome = mod.split_idea(room, merged.id, actor=room.created_by)
    assert outcome == {"moved_back": 2, "restored": 2, "not_restored": 0, "returned": 1}
    refresh(room.a, room.b, merged)
    assert room.a.status == room.b.status == "visible" and merged.status == "withdrawn"
    assert my_votes(beto) == {room.a.id: 1, room.b.id: 1}
    assert my_votes(carla) == {room.a.id: 1, room.b.id: 1, room.c.id: 1} and dots_left(room, carla) == 0
    assert my_votes(dana) == {} and dots_left(room, dana) == 3  # her dot came back to her
    assert vote_counts(room) == {room.a.id: 2, room.b.id: 2, room.c.id: 1}
    with pytest.raises(ModerationError, match="no es una unión"):
        mod.split_idea(room, room.a.id, actor=room.created_by)


def test_split_does_not_go_over_budget(app, voting_room):
    room = voting_room
    beto = room.beto
    cast_vote(room, beto, idea_id=room.a.id, client_id=cid())
    cast_vote(room, beto, idea_id=room.b.id, client_id=cid())
    merged, _ = mod.merge_ideas(room, [room.a.id, room.b.id], actor=room.created_by, text="Agua")
    cast_vote(room, beto, idea_id=room.c.id, client_id=cid())
    from ideaboard.ideas.services import post_paper_idea

    paper = post_paper_idea(room, theme_id=room.themes[0].id, text="Idea en papel", actor=room.created_by)
    cast_vote(room, beto, idea_id=paper.id, client_id=cid())
    assert dots_left(room, beto) == 0
    outcome = mod.split_idea(room, merged.id, actor=room.created_by)
    assert outcome["not_restored"] == 1 and outcome["moved_back"] == 1
    assert sum(my_votes(beto).values()) == 3  # never over the budget


def test_merge_is_refused_for_fewer_than_two_or_ideas_no_longer_on_the_board(app, voting_room):
    room = voting_room
    with pytest.raises(ModerationError, match="al menos dos"):
        mod.merge_ideas(room, [room.a.id], actor=room.created_by, text="x")
    mod.merge_ideas(room, [room.a.id, room.b.id], actor=room.created_by, text="Agua")
    with pytest.raises(ModerationError, match="Otra persona cambió alguna de estas ideas"):
        mod.merge_ideas(room, [room.b.id, room.c.id], actor=room.created_by, text="Otra")
    assert db.session.scalar(sa.select(sa.func.count(Idea.id)).where(Idea.consolidated)) == 1


def test_nothing_changes_once_the_room_is_closed(app, voting_room):
    room = voting_room
    change_phase(room, "closed", actor=room.created_by)
    with pytest.raises(ModerationError, match="La sala está cerrada"):
        mod.hide_idea(room, room.a.id, actor=room.created_by, reason="x")


def test_an_author_cannot_edit_what_a_moderator_hid(app, room):
    idea = room.ideas[0]
    mod.hide_idea(room, idea.id, actor=room.created_by, reason="Ofensiva")
    with pytest.raises(IdeaError, match="La moderación ocultó esta idea"):
        edit_idea(idea, room.ana, text="Ahora sí")
    with pytest.raises(IdeaError, match="La moderación ocultó esta idea"):
        withdraw_idea(idea, room.ana)
    assert db.session.scalar(sa.select(sa.func.count(Vote.id))) == 0 and paper_votes(room) == {}
    assert IdeaStatus.HIDDEN == db.session.get(Idea, idea.id).status


def test_the_migration_ships_the_default_flag_list():
    import importlib.util
    from pathlib import Path

    from ideaboard.moderation.flags import DEFAULT_WORDS

    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0004_live_moderation.py"
    spec = importlib.util.spec_from_file_location("migration_0004", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.FLAG_WORDS == DEFAULT_WORDS and len(DEFAULT_WORDS) >= 15
