"""Proposals, archiving, the municipality's answers, and the archive's search."""
import uuid

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.archive.models import Proposal
from ideaboard.archive.search import Filters, search_proposals, words
from ideaboard.archive.services import (
    ArchiveError, ProposalDraft, ProposalInvalid, archive_ideathon, delete_proposal, draft_proposal, proposals_of,
    respond, update_proposal,
)
from ideaboard.extensions import db
from ideaboard.ideas.services import post_idea
from ideaboard.moderation.models import ModerationAction
from ideaboard.moderation.services import ModerationError, hide_idea
from ideaboard.municipalities.services import get_by_code
from ideaboard.rooms.services import change_phase, join_room
from ideaboard.votes.services import VoteError, cast_vote, record_paper_tally


def cid():
    return str(uuid.uuid4())


@pytest.fixture
def closed_room(open_room):
    """A room (municipality 0108) whose voting is over: ideas A (3 dots), B (1 dot + 2 on paper), C (0)."""
    room = open_room(themes=[("Agua", "water"), ("Calles", "road")])
    ana = join_room(room, nickname="Ana")
    room.a, room.b, room.c = [post_idea(room, ana, theme_id=room.themes[i % 2].id, text=t, client_id=cid())[0]
                              for i, t in enumerate(("Agua potable en la zona 3", "Bacheo", "Más luz"))]
    change_phase(room, "voting", actor=room.created_by)
    voters = [join_room(room) for _ in range(3)]
    for voter in voters:
        cast_vote(room, voter, idea_id=room.a.id, client_id=cid())
    cast_vote(room, voters[0], idea_id=room.b.id, client_id=cid())
    record_paper_tally(room, idea_id=room.b.id, votes=2, actor=room.created_by)
    change_phase(room, "closed", actor=room.created_by)
    room.voters = voters
    return room


def draft(room, ideas, **fields):
    values = dict(title="Agua potable todos los días", problem="El agua llega dos veces por semana.",
                  proposal="Reparar la bomba y el tanque de la zona 3.", theme_id=room.themes[0].id,
                  place="Zona 3", beneficiaries="Unas 400 familias", cost_range="50k-250k",
                  office="Dirección Municipal de Agua", competence="municipal", idea_ids=[i.id for i in ideas])
    values.update(fields)
    return ProposalDraft(**values)


def test_a_proposal_is_drafted_from_the_closed_board(app, closed_room):
    room = closed_room
    proposal = draft_proposal(room, draft(room, [room.a, room.b]), actor=room.created_by)
    assert proposal.votes == 3 + 1 + 2  # phones and paper of its ideas
    assert [i.id for i in proposal.ideas] == [room.a.id, room.b.id]
    assert proposal.municipality.code == "0108" and proposal.status == "pending" and proposal.status_label == "Sin respuesta"
    assert proposal.search_text.startswith("agua potable todos los dias")  # folded for the search


def test_bad_fields_are_all_reported_in_spanish_and_nothing_is_stored(app, closed_room, open_room):
    room = closed_room
    other = open_room()
    with pytest.raises(ProposalInvalid) as refused:
        draft_proposal(room, draft(room, [], title="", problem="x" * 2001, cost_range="mucho", competence="?",
                                   theme_id=other.themes[0].id), actor=room.created_by)
    errors = {name: str(message) for name, message in refused.value.errors.items()}
    assert errors == {
        "title": "El título es obligatorio.",
        "problem": "El problema admite como máximo 2000 caracteres.",
        "cost_range": "Elija un rango de costo de la lista.",
        "competence": "Elija de quién es competencia.",
        "theme_id": "Ese tema no existe en esta ideatón.",
        "idea_ids": "Elija al menos una idea del tablero de la que sale la propuesta.",
    }
    outsider = post_idea(other, join_room(other), theme_id=other.themes[0].id, text="Otra sala", client_id=cid())
    with pytest.raises(ProposalInvalid) as refused:
        draft_proposal(room, draft(room, [outsider[0]]), actor=room.created_by)
    assert "no está en el tablero" in str(refused.value.errors["idea_ids"])
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_proposals_wait_for_the_end_of_voting_and_for_a_moderator(app, open_room, make_user):
    room = open_room(themes=[("Agua", "water")])
    idea, _ = post_idea(room, join_room(room), theme_id=room.themes[0].id, text="Idea", client_id=cid())
    change_phase(room, "voting", actor=room.created_by)
    with pytest.raises(ArchiveError, match="cuando termina la votación"):
        draft_proposal(room, draft(room, [idea]), actor=room.created_by)
    with pytest.raises(ArchiveError, match="La votación sigue abierta") as refused:
        archive_ideathon(room, actor=room.created_by)
    assert refused.value.status == 409
    change_phase(room, "closed", actor=room.created_by)
    with pytest.raises(ArchiveError) as refused:
        draft_proposal(room, draft(room, [idea]), actor=make_user(Role.MODERATOR))  # not assigned
    assert refused.value.status == 403


def test_archiving_freezes_the_board_and_is_on_record(app, closed_room):
    room = closed_room
    proposal = draft_proposal(room, draft(room, [room.a]), actor=room.created_by)
    update_proposal(proposal, draft(room, [room.a, room.b], title="Agua para la zona 3"), actor=room.created_by)
    assert proposal.votes == 6 and proposal.title == "Agua para la zona 3"
    extra = draft_proposal(room, draft(room, [room.c], title="Más luz"), actor=room.created_by)
    delete_proposal(extra, actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    assert room.archived_at is not None
    assert [p.title for p in proposals_of(room)] == ["Agua para la zona 3"]
    with pytest.raises(ArchiveError, match="ya está archivada"):
        update_proposal(proposal, draft(room, [room.a], title="Cambio tardío"), actor=room.created_by)
    with pytest.raises(ArchiveError, match="ya estaba archivada"):
        archive_ideathon(room, actor=room.created_by)
    with pytest.raises(ModerationError, match="La sala está cerrada"):
        hide_idea(room, room.a.id, actor=room.created_by, reason="tarde")
    with pytest.raises(VoteError):
        cast_vote(room, room.voters[1], idea_id=room.c.id, client_id=cid())
    logged = db.session.scalars(sa.select(ModerationAction.action).where(ModerationAction.ideathon_id == room.id)
                                .order_by(ModerationAction.id)).all()
    assert logged == ["propose", "edit_proposal", "propose", "delete_proposal", "archive"]


def test_only_the_municipality_answers_and_step_by_step(app, closed_room, make_user):
    room = closed_room
    proposal = draft_proposal(room, draft(room, [room.a]), actor=room.created_by)
    mine = make_user(Role.OFFICIAL, municipality=get_by_code("0108"))
    elsewhere = make_user(Role.OFFICIAL, municipality=get_by_code("0101"))
    with pytest.raises(ArchiveError, match="aún no se entrega"):
        respond(proposal, actor=mine, status="received", text="Recibida")
    archive_ideathon(room, actor=room.created_by)
    for actor in (elsewhere, room.created_by, make_user(Role.ADMIN)):
        with pytest.raises(ArchiveError, match="Solo el personal de la municipalidad") as refused:
            respond(proposal, actor=actor, status="received", text="Recibida")
        assert refused.value.status == 403
    with pytest.raises(ArchiveError, match="no se puede pasar"):
        respond(proposal, actor=mine, status="implemented", text="Ya está")  # skipping steps
    with pytest.raises(ArchiveError, match="Escriba el texto público"):
        respond(proposal, actor=mine, status="received", text=" ")
    respond(proposal, actor=mine, status="received", text="La recibimos en el concejo.")
    respond(proposal, actor=mine, status="studying", text="La Dirección de Agua la estudia.")
    respond(proposal, actor=mine, status="rejected", text="El tanque es de otra institución.")
    with pytest.raises(ArchiveError, match="Desde «Rechazada»"):
        respond(proposal, actor=mine, status="accepted", text="Cambio de opinión")
    assert [(r.status, r.official_id) for r in proposal.responses] == [
        ("received", mine.id), ("studying", mine.id), ("rejected", mine.id)]
    assert proposal.status == "rejected"


def test_search_ignores_accents_and_case_matches_prefixes_and_pages(app, closed_room, open_room):
    room = closed_room
    for i in range(25):
        draft_proposal(room, draft(room, [room.a], title=f"Bomba de agua número {i}", place="Aldea El Tesoro"),
                       actor=room.created_by)
    draft_proposal(room, draft(room, [room.b], title="CAMIÓN RECOLECTOR", problem="La basura se acumula.",
                               proposal="Comprar un camión.", place="Cantón Norte", theme_id=room.themes[1].id),
                   actor=room.created_by)
    assert search_proposals(Filters(q="camion")).total == 0  # not archived yet: not public
    archive_ideathon(room, actor=room.created_by)
    found = search_proposals(Filters(q="camion"))
    assert [p.title for p in found.items] == ["CAMIÓN RECOLECTOR"]
    assert search_proposals(Filters(q="Cantón norte")).total == 1 and search_proposals(Filters(q="recolec")).total == 1
    assert search_proposals(Filters(q="camion tesoro")).total == 0  # every word must match
    first, second = search_proposals(Filters(q="TESORO")), search_proposals(Filters(q="tesoro"), page=2)
    assert (first.total, len(first.items), len(second.items)) == (25, 20, 5)
    assert not {p.id for p in first.items} & {p.id for p in second.items}
    assert search_proposals(Filters(theme="road")).total == 1
    assert search_proposals(Filters(municipality="0108")).total == 26
    assert search_proposals(Filters(municipality="0101")).total == 0
    assert search_proposals(Filters(status="rejected")).total == 0
    year = room.starts_at.year
    assert search_proposals(Filters(year=year)).total == 26 and search_proposals(Filters(year=year - 1)).total == 0
    assert search_proposals(Filters(q='" * ( -- ; :')).total == 26  # punctuation is not search syntax
    assert search_proposals(Filters(q='agua" OR "luz')).total == 0  # OR is a word here, not an operator
    assert words("  ¿Dónde   está el AGUA?  ") == ["donde", "esta", "el", "agua"]
