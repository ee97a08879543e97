import uuid

import pytest

from ideaboard.accounts.models import Role
from ideaboard.archive.services import ProposalDraft, archive_ideathon, draft_proposal, respond
from ideaboard.ideas.services import post_idea
from ideaboard.moderation.services import translate_idea
from ideaboard.municipalities.services import get_by_code
from ideaboard.rooms.services import change_phase, join_room
from ideaboard.votes.services import cast_vote, record_paper_tally


@pytest.fixture
def archive(app, open_room, make_user):
    """Two archived ideathons (Antigua 0301 and Guatemala 0101) and one still open, with known totals:
    Antigua: 3 people (Ana, Beto, Carla), 3 ideas, 4 phone dots, 2 paper dots, 2 proposals, one answered twice."""
    def room_with(code, names, texts, votes, paper=0, languages=None):
        room = open_room(municipality=code, themes=[("Agua", "water"), ("Calles", "road")])
        people = [join_room(room, nickname=name) for name in names]
        ideas = [post_idea(room, people[0], theme_id=room.themes[i % 2].id, text=t, client_id=str(uuid.uuid4()),
                           language=(languages or {}).get(i))[0]
                 for i, t in enumerate(texts)]
        change_phase(room, "voting", actor=room.created_by)
        for person, idea in votes:
            cast_vote(room, people[person], idea_id=ideas[idea].id, client_id=str(uuid.uuid4()))
        if paper:
            record_paper_tally(room, idea_id=ideas[0].id, votes=paper, actor=room.created_by)
        change_phase(room, "closed", actor=room.created_by)
        return room, ideas

    # "Saq" (light) written in K'iche', with the moderation's translation into Spanish.
    antigua, ideas = room_with("0301", ["Ana", "Beto", "Carla"], ["Agua potable", "Bacheo", "Saq"],
                               [(1, 0), (2, 0), (1, 1), (2, 2)], paper=2, languages={2: "quc"})
    translate_idea(antigua, ideas[2].id, actor=antigua.created_by, text="Luz")
    water = draft_proposal(antigua, ProposalDraft(
        title="Agua potable todos los días", problem="Llega dos días.", proposal="Reparar la bomba.",
        theme_id=antigua.themes[0].id, place="Zona 3", cost_range="50k-250k", idea_ids=[ideas[0].id]),
        actor=antigua.created_by)
    draft_proposal(antigua, ProposalDraft(title="Bacheo de la 5a calle", problem="Baches.", proposal="Bachear.",
                                          idea_ids=[ideas[1].id, ideas[2].id]), actor=antigua.created_by)
    archive_ideathon(antigua, actor=antigua.created_by)
    official = make_user(Role.OFFICIAL, municipality=get_by_code("0301"))
    respond(water, actor=official, status="received", text="Recibida por el concejo.")
    respond(water, actor=official, status="studying", text="En estudio.")
    guatemala, ideas = room_with("0101", ["Dora"], ["Semáforos"], [(0, 0)])
    draft_proposal(guatemala, ProposalDraft(title="Semáforos", problem="Tránsito.", proposal="Poner semáforos.",
                                            idea_ids=[ideas[0].id]), actor=guatemala.created_by)
    archive_ideathon(guatemala, actor=guatemala.created_by)
    still_open = open_room(municipality="0108")
    return {"antigua": antigua, "guatemala": guatemala, "open": still_open, "water": water}
