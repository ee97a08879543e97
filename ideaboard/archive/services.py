"""Rules for turning a closed board into proposals, archiving it, and answering proposals.

- Moderators of the ideathon draft proposals once its room is closed (voting over), from the
  board's ideas, with the template's fields.
- `archive_ideathon` freezes it all: it refuses while the room is open, counts each proposal's
  votes from its ideas, and records itself in the audit log. After it, nothing on the board or
  in its proposals changes; only the municipality's answers are added.
- A municipal official answers the proposals of their own municipality, step by step, each step
  dated and with a public text.
"""
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..database import row_id, utcnow, write
from ..extensions import db
from ..ideas.models import Idea, IdeaStatus
from ..ideathons.models import Ideathon, Theme
from ..ideathons.services import theme_of
from ..ideathons.themes import DEFAULT_THEMES
from ..moderation.services import record
from ..policies import can_answer_proposal, can_moderate
from ..refusals import Refusal
from ..text import fold
from ..votes.queries import vote_counts
from .models import NEXT_STATUSES, Competence, CostRange, Proposal, Response, ResponseStatus
from .opendata import ideathon_rows

LIMITS = {"title": 160, "problem": 2000, "proposal": 2000, "place": 160, "beneficiaries": 200, "office": 120}
MAX_RESPONSE = 2000


class ArchiveError(Refusal):
    """Refused; the message is for the person who tried."""

    status = 409


@dataclass
class ProposalDraft:
    """The template's fields, as typed."""

    title: str = ""
    problem: str = ""
    proposal: str = ""
    theme_id: int | str | None = None
    place: str = ""
    beneficiaries: str = ""
    cost_range: str = CostRange.UNKNOWN.value
    office: str = ""
    competence: str = Competence.MUNICIPAL.value
    idea_ids: list = field(default_factory=list)


FIELD_NAMES = {
    "title": _l("El título"), "problem": _l("El problema"), "proposal": _l("La propuesta"),
    "place": _l("El lugar"), "beneficiaries": _l("Quiénes se benefician"), "office": _l("La oficina responsable"),
}


def _clean(draft: ProposalDraft, ideathon: Ideathon) -> dict:
    """Checked, normalised values; every problem at once, in Spanish, as {field: message}."""
    values, errors = {}, {}
    for name, limit in LIMITS.items():
        value = (getattr(draft, name) or "").strip()
        if name in ("title", "problem", "proposal") and not value:
            errors[name] = _l("%(field)s es obligatorio.", field=FIELD_NAMES[name])
        elif len(value) > limit:
            errors[name] = _l("%(field)s admite como máximo %(n)s caracteres.", field=FIELD_NAMES[name], n=limit)
        values[name] = value
    if draft.cost_range not in {c.value for c in CostRange}:
        errors["cost_range"] = _l("Elija un rango de costo de la lista.")
    if draft.competence not in {c.value for c in Competence}:
        errors["competence"] = _l("Elija de quién es competencia.")
    theme = None
    if draft.theme_id not in (None, ""):
        theme = theme_of(ideathon, draft.theme_id)
        if theme is None:
            errors["theme_id"] = _l("Ese tema no existe en esta ideatón.")
    idea_ids = {row_id(i) for i in draft.idea_ids or []}
    idea_ids = None if None in idea_ids else sorted(idea_ids)
    ideas = []
    if idea_ids is None:
        errors["idea_ids"] = _l("Elija las ideas de la lista.")
    elif idea_ids:
        ideas = db.session.scalars(sa.select(Idea).where(Idea.id.in_(idea_ids), Idea.ideathon_id == ideathon.id,
                                                         Idea.status == IdeaStatus.VISIBLE.value)).all()
        if len(ideas) != len(idea_ids):
            errors["idea_ids"] = _l("Alguna de las ideas elegidas no está en el tablero de esta ideatón.")
    if not idea_ids and "idea_ids" not in errors:
        errors["idea_ids"] = _l("Elija al menos una idea del tablero de la que sale la propuesta.")
    if errors:
        raise ProposalInvalid(errors)
    values.update(cost_range=draft.cost_range, competence=draft.competence, theme_id=theme.id if theme else None)
    return {"values": values, "ideas": ideas}


class ProposalInvalid(ArchiveError):
    """The draft's fields were refused, each with its own message (`errors`)."""

    def __init__(self, errors: dict):
        super().__init__(_l("Revise los campos marcados."), 422, errors)


def _require_drafting(ideathon: Ideathon, actor: User) -> None:
    if not can_moderate(actor, ideathon):
        raise ArchiveError(_l("Solo quienes moderan esta ideatón pueden hacer esto."), 403)
    db.session.refresh(ideathon)
    if ideathon.archived_at is not None:
        raise ArchiveError(_l("Esta ideatón ya está archivada: sus propuestas no cambian."))
    if not ideathon.room_has_closed:
        raise ArchiveError(_l("Las propuestas se escriben cuando termina la votación: cierre la sala primero."))


def search_text_of(proposal: Proposal, theme: Theme | None) -> str:
    """What the archive search indexes for a proposal (folded text): the one definition, used when a
    proposal is written here and when a results bundle is published (hall/publish.py)."""
    parts = [proposal.title, proposal.problem, proposal.proposal, proposal.place, proposal.beneficiaries,
             proposal.office, theme.name if theme else ""]
    return fold(" ".join(parts))


def _votes(ideathon: Ideathon, ideas) -> int:
    counts = vote_counts(ideathon, {idea.id for idea in ideas})
    return sum(counts.get(idea.id, 0) for idea in ideas)


def draft_proposal(ideathon: Ideathon, draft: ProposalDraft, *, actor: User) -> Proposal:
    """Write up one proposal from ideas of the closed board."""
    with write():
        _require_drafting(ideathon, actor)
        clean = _clean(draft, ideathon)
        proposal = Proposal(ideathon_id=ideathon.id, municipality_id=ideathon.municipality_id,
                            created_by_id=actor.id, **clean["values"])
        proposal.ideas = clean["ideas"]
        proposal.votes = _votes(ideathon, clean["ideas"])
        proposal.search_text = search_text_of(proposal, db.session.get(Theme, proposal.theme_id) if proposal.theme_id else None)
        db.session.add(proposal)
        db.session.flush()
        record(ideathon, actor, "propose", after={"proposal": proposal.id, "title": proposal.title})
    return proposal


def update_proposal(proposal: Proposal, draft: ProposalDraft, *, actor: User) -> Proposal:
    ideathon = proposal.ideathon
    with write():
        _require_drafting(ideathon, actor)
        clean = _clean(draft, ideathon)
        before = {"title": proposal.title}
        for name, value in clean["values"].items():
            setattr(proposal, name, value)
        proposal.ideas = clean["ideas"]
        proposal.votes = _votes(ideathon, clean["ideas"])
        proposal.search_text = search_text_of(proposal, db.session.get(Theme, proposal.theme_id) if proposal.theme_id else None)
        record(ideathon, actor, "edit_proposal", before=before, after={"proposal": proposal.id, "title": proposal.title})
    return proposal


def delete_proposal(proposal: Proposal, *, actor: User) -> None:
    ideathon = proposal.ideathon
    with write():
        _require_drafting(ideathon, actor)
        record(ideathon, actor, "delete_proposal", before={"proposal": proposal.id, "title": proposal.title})
        db.session.delete(proposal)


def archive_ideathon(ideathon: Ideathon, *, actor: User) -> Ideathon:
    """Close the ideathon for good: the board and its proposals become public record."""
    with write():
        if not can_moderate(actor, ideathon):
            raise ArchiveError(_l("Solo quienes moderan esta ideatón pueden hacer esto."), 403)
        db.session.execute(sa.select(Ideathon.id).where(Ideathon.id == ideathon.id).with_for_update())
        db.session.refresh(ideathon)
        if ideathon.archived_at is not None:
            raise ArchiveError(_l("Esta ideatón ya estaba archivada."))
        if ideathon.voting:
            raise ArchiveError(_l("La votación sigue abierta: ciérrela antes de archivar la ideatón."))
        if not ideathon.room_has_closed:
            raise ArchiveError(_l("Cierre la sala antes de archivar la ideatón."))
        proposals = proposals_of(ideathon)
        for proposal in proposals:  # the final count, as the board stands
            proposal.votes = _votes(ideathon, proposal.ideas)
        ideathon.archived_at, ideathon.archived_by_id = utcnow(), actor.id
        record(ideathon, actor, "archive", after={"proposals": len(proposals)})
    return ideathon


def respond(proposal: Proposal, *, actor: User, status: str, text: str) -> Response:
    """Record the municipality's next step on a proposal, with its public text."""
    if not can_answer_proposal(actor, proposal):
        raise ArchiveError(_l("Solo el personal de la municipalidad de esta propuesta puede responderla."), 403)
    text = (text or "").strip()
    if not text:
        raise ArchiveError(_l("Escriba el texto público de la respuesta (en el rechazo, el motivo)."), 422)
    if len(text) > MAX_RESPONSE:
        raise ArchiveError(_l("La respuesta admite como máximo %(n)s caracteres.", n=MAX_RESPONSE), 422)
    with write():
        db.session.execute(sa.select(Proposal.id).where(Proposal.id == proposal.id).with_for_update())
        db.session.refresh(proposal)
        if proposal.ideathon.archived_at is None:
            raise ArchiveError(_l("La propuesta aún no se entrega: la ideatón no está archivada."))
        current = ResponseStatus(proposal.status)
        if status not in {s.value for s in NEXT_STATUSES[current]}:
            raise ArchiveError(_l("Desde «%(current)s» no se puede pasar a ese estado.",
                                  current=proposal.status_label), 422)
        response = Response(proposal_id=proposal.id, status=status, text=text, official_id=actor.id)
        db.session.add(response)
        proposal.status = status
    return response


def proposals_of(ideathon: Ideathon) -> list[Proposal]:
    """An ideathon's proposals, most voted first (ties: the first written)."""
    return list(db.session.scalars(
        sa.select(Proposal).where(Proposal.ideathon_id == ideathon.id)
        .options(sa.orm.selectinload(Proposal.ideas).selectinload(Idea.translations),
                 sa.orm.selectinload(Proposal.theme))
        .order_by(Proposal.votes.desc(), Proposal.id)))


def closing_record(ideathon: Ideathon) -> dict:
    """The board as it was at closing, with what moderation did disclosed, and participation
    (the figures the open data publishes for it: one definition of each)."""
    counts = vote_counts(ideathon)
    ideas = db.session.scalars(
        sa.select(Idea).where(Idea.ideathon_id == ideathon.id, Idea.status != IdeaStatus.WITHDRAWN.value)
        .options(sa.orm.selectinload(Idea.sources), sa.orm.selectinload(Idea.translations))
        .order_by(Idea.id)).all()
    visible = sorted((i for i in ideas if i.status == IdeaStatus.VISIBLE), key=lambda i: (-counts.get(i.id, 0), i.id))
    by_theme = {theme.id: [i for i in visible if i.theme_id == theme.id] for theme in ideathon.themes}
    return {
        "by_theme": by_theme, "counts": counts,
        "hidden": [i for i in ideas if i.status == IdeaStatus.HIDDEN],
        "merged": [i for i in visible if i.consolidated],
        "edited": [i for i in visible if i.edited_by_moderation],
        "figures": ideathon_rows([ideathon])[0],
    }


def theme_choices() -> list[tuple[str, str]]:
    """The municipal services the archive can be filtered by (a theme's icon names its service)."""
    return [(key, str(name)) for key, name, _description in DEFAULT_THEMES]


def archive_years() -> list[int]:
    rows = db.session.scalars(sa.select(Ideathon.starts_at).where(Ideathon.archived_at.is_not(None)))
    return sorted({starts.year for starts in rows}, reverse=True)


def answer_stats(municipality) -> dict:
    """How many of a municipality's proposals got an answer, and how long the first answer took
    (counted in the database: a big municipality has thousands)."""
    archived = (sa.select().select_from(Proposal).join(Ideathon, Ideathon.id == Proposal.ideathon_id)
                .where(Proposal.municipality_id == municipality.id, Ideathon.archived_at.is_not(None)))
    proposals, implemented = db.session.execute(archived.add_columns(
        sa.func.count(), sa.func.count().filter(Proposal.status == ResponseStatus.IMPLEMENTED.value))).one()
    firsts = db.session.execute(archived.join(Response, Response.proposal_id == Proposal.id)
                                .add_columns(sa.func.min(Response.at), Ideathon.archived_at)
                                .group_by(Proposal.id, Ideathon.archived_at)).all()
    days = sorted((first - archived_at).total_seconds() / 86400 for first, archived_at in firsts)
    return {"proposals": proposals, "answered": len(days),
            "median_days": round(days[len(days) // 2], 1) if days else None, "implemented": implemented}


def archived_of(municipality) -> list[Ideathon]:
    return list(db.session.scalars(
        sa.select(Ideathon).where(Ideathon.municipality_id == municipality.id, Ideathon.archived_at.is_not(None))
        .order_by(Ideathon.starts_at.desc())))
