"""Open data: the archive as tables of totals (never names, never who voted for what), served
as CSV, as JSON and as a Frictionless Data Package, for one archived ideathon or the whole
archive. The JSON API (ideaboard/api) serves the same rows.

Each table is declared once (TABLES: its fields with their Table Schema types and descriptions);
the CSV, the JSON, the Data Package's schemas and the API all come from that declaration.
"""
import csv
import io
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import to_user_timezone

from ..extensions import db
from ..ideas.models import Idea, IdeaStatus, IdeaTranslation
from ..ideathons.models import Ideathon
from ..ideathons.themes import names_by_language
from ..municipalities.models import Municipality
from ..rooms.models import Participant
from ..votes.models import PaperTally, Vote
from .models import Proposal, Response

LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
           "path": "https://creativecommons.org/licenses/by/4.0/"}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema type: string, integer, boolean, date, datetime
    description: str


TABLES = {
    "ideathons": [
        Field("id", "integer", "Identificador de la ideatón"),
        Field("public_id", "string", "Identificador público estable (UUID): el mismo en el servidor central y en la computadora de la sala"),
        Field("municipality_code", "string", "Código INE del municipio (4 dígitos)"),
        Field("municipality", "string", "Nombre del municipio"),
        Field("department", "string", "Departamento"),
        Field("title", "string", "Título de la ideatón"),
        Field("date", "date", "Fecha del taller (hora de Guatemala)"),
        Field("participants", "integer", "Personas que entraron a la sala"),
        Field("ideas", "integer", "Ideas en el tablero al cierre (sin las retiradas por su autor)"),
        Field("dots", "integer", "Puntos puestos desde teléfonos"),
        Field("paper_dots", "integer", "Puntos contados en papel"),
        Field("proposals", "integer", "Propuestas entregadas a la municipalidad"),
        Field("archived_at", "datetime", "Cuándo se archivó (UTC)"),
    ],
    "proposals": [
        Field("id", "integer", "Identificador de la propuesta"),
        Field("ideathon_id", "integer", "Ideatón de la que salió"),
        Field("municipality_code", "string", "Código INE del municipio"),
        Field("title", "string", "Título"),
        Field("problem", "string", "Problema"),
        Field("proposal", "string", "Propuesta"),
        Field("theme", "string", "Tema, con el nombre que le dio quien planificó"),
        Field("place", "string", "Lugar (zona, aldea, caserío, cantón)"),
        Field("beneficiaries", "string", "Quiénes se benefician"),
        Field("cost_range", "string", "Rango de costo estimado en quetzales (lt10k, 10k-50k, 50k-250k, 250k-1m, gt1m, unknown)"),
        Field("office", "string", "Oficina municipal responsable"),
        Field("competence", "string", "Competencia (municipal, coordination, other)"),
        Field("votes", "integer", "Puntos de sus ideas al archivar"),
        Field("ideas", "integer", "Ideas del tablero de las que sale"),
        Field("status", "string", "Estado de la respuesta (pending, received, studying, accepted, in_progress, implemented, rejected)"),
    ],
    "responses": [
        Field("id", "integer", "Identificador de la respuesta"),
        Field("proposal_id", "integer", "Propuesta respondida"),
        Field("status", "string", "Estado al que pasó la propuesta"),
        Field("text", "string", "Texto público de la respuesta"),
        Field("at", "datetime", "Cuándo se registró (UTC)"),
    ],
    # The board at closing, as the archive's page shows it: each idea in the language it was written
    # in, and apart, the moderation's translations (never its author's words).
    "ideas": [
        Field("id", "integer", "Identificador de la idea"),
        Field("ideathon_id", "integer", "Ideatón en la que se escribió"),
        Field("theme", "string", "Tema"),
        Field("text", "string", "Texto de la idea, tal como quedó en el tablero"),
        Field("language", "string", "Idioma en que está escrita (código ISO 639: es, quc, kek, cak, mam, …)"),
        Field("from_paper", "boolean", "Escrita en papel y pasada al tablero por la moderación"),
        Field("consolidated", "boolean", "Unión de ideas parecidas hecha por la moderación"),
    ],
    "idea_translations": [
        Field("id", "integer", "Identificador de la traducción"),
        Field("idea_id", "integer", "Idea traducida"),
        Field("language", "string", "Idioma de la traducción (código ISO 639)"),
        Field("text", "string", "Traducción de la moderación (no es texto de quien escribió la idea)"),
    ],
}


def _archived(ideathon_ids=None):
    query = sa.select(Ideathon).where(Ideathon.archived_at.is_not(None)).order_by(Ideathon.starts_at, Ideathon.id)
    if ideathon_ids is not None:
        query = query.where(Ideathon.id.in_(ideathon_ids))
    return db.session.scalars(query).all()


def per_ideathon(column, ids, *where):
    rows = db.session.execute(sa.select(column.table.c.ideathon_id, sa.func.count())
                              .where(column.table.c.ideathon_id.in_(ids), *where).group_by(column.table.c.ideathon_id))
    return dict(rows.all())


def ideathon_rows(ideathons) -> list[dict]:
    ids = [i.id for i in ideathons]
    people = per_ideathon(Participant.id, ids)
    # Ideas people posted (or typed from paper), wherever moderation put them; not those a merge made.
    ideas = per_ideathon(Idea.id, ids, Idea.status.in_((IdeaStatus.VISIBLE.value, IdeaStatus.HIDDEN.value,
                                                          IdeaStatus.MERGED.value)), Idea.consolidated.is_(False))
    dots = per_ideathon(Vote.id, ids)
    proposals = per_ideathon(Proposal.id, ids)
    latest = (sa.select(sa.func.max(PaperTally.id)).join(Idea, Idea.id == PaperTally.idea_id)
              .where(Idea.ideathon_id.in_(ids)).group_by(PaperTally.idea_id))
    paper = dict(db.session.execute(
        sa.select(Idea.ideathon_id, sa.func.sum(PaperTally.votes)).join(Idea, Idea.id == PaperTally.idea_id)
        # Paper dots where they stand: a merged source's went to its consolidated idea.
        .where(PaperTally.id.in_(latest), Idea.status.in_((IdeaStatus.VISIBLE.value, IdeaStatus.HIDDEN.value)))
        .group_by(Idea.ideathon_id)).all())
    return [{
        "id": i.id, "public_id": i.public_id, "municipality_code": i.municipality.code, "municipality": i.municipality.name,
        "department": i.municipality.department, "title": i.title, "date": to_user_timezone(i.starts_at).date().isoformat(),
        "participants": people.get(i.id, 0), "ideas": ideas.get(i.id, 0), "dots": dots.get(i.id, 0),
        "paper_dots": int(paper.get(i.id, 0) or 0), "proposals": proposals.get(i.id, 0),
        "archived_at": i.archived_at.replace(microsecond=0).isoformat() + "Z",
    } for i in ideathons]


def proposal_row(p: Proposal) -> dict:
    return {"id": p.id, "ideathon_id": p.ideathon_id, "municipality_code": p.municipality.code, "title": p.title,
            "problem": p.problem, "proposal": p.proposal, "theme": p.theme.name if p.theme else "", "place": p.place,
            "beneficiaries": p.beneficiaries, "cost_range": p.cost_range, "office": p.office,
            "competence": p.competence, "votes": p.votes, "ideas": len(p.ideas), "status": p.status,
            "theme_names": names_by_language(p.theme) if p.theme else {}}


def response_row(r: Response) -> dict:
    return {"id": r.id, "proposal_id": r.proposal_id, "status": r.status, "text": r.text,
            "at": r.at.replace(microsecond=0).isoformat() + "Z"}


def idea_row(idea: Idea) -> dict:
    return {"id": idea.id, "ideathon_id": idea.ideathon_id, "theme": idea.theme.name, "text": idea.text,
            "language": idea.language, "from_paper": idea.from_paper, "consolidated": idea.consolidated}


def translation_row(translation: IdeaTranslation) -> dict:
    return {"id": translation.id, "idea_id": translation.idea_id, "language": translation.language,
            "text": translation.text}


def board_ideas(ideathon_ids) -> list[Idea]:
    """The ideas on the archived boards at closing (what the archive's page lists), with their
    themes and the moderation's translations."""
    return db.session.scalars(
        sa.select(Idea).where(Idea.ideathon_id.in_(list(ideathon_ids)), Idea.status == IdeaStatus.VISIBLE.value)
        .options(sa.orm.joinedload(Idea.theme), sa.orm.selectinload(Idea.translations))
        .order_by(Idea.ideathon_id, Idea.id)).all()


def tables(ideathon: Ideathon | None = None) -> dict[str, list[dict]]:
    """Every table's rows: the whole archive, or one archived ideathon."""
    ideathons = _archived(None if ideathon is None else [ideathon.id])
    ids = [i.id for i in ideathons]
    proposals = db.session.scalars(
        sa.select(Proposal).where(Proposal.ideathon_id.in_(ids))
        .options(sa.orm.selectinload(Proposal.ideas), sa.orm.joinedload(Proposal.theme),
                 sa.orm.joinedload(Proposal.municipality), sa.orm.selectinload(Proposal.responses))
        .order_by(Proposal.ideathon_id, Proposal.votes.desc(), Proposal.id)).all()
    ideas = board_ideas(ids)
    return {
        "ideathons": ideathon_rows(ideathons),
        "proposals": [proposal_row(p) for p in proposals],
        "ideas": [idea_row(i) for i in ideas],
        "idea_translations": [translation_row(t) for i in ideas for t in i.translations],
        "responses": [response_row(r) for p in proposals for r in p.responses],
    }


# Fields of the JSON rows (and the API) that a flat CSV table cannot hold: left out of the CSV files.
JSON_ONLY = {
    # The theme's name in each interface language, as that language's viewers read it (the planner's
    # name per language, else a default theme's translation, else the planner's name); `theme` keeps
    # the planner's own name.
    "proposals": {"theme_names"},
}


def to_csv(table: str, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[f.name for f in TABLES[table]], lineterminator="\r\n")
    writer.writeheader()
    left_out = JSON_ONLY.get(table, set())
    writer.writerows({key: value for key, value in row.items() if key not in left_out} for row in rows)
    return out.getvalue()


def datapackage(name: str, title: str) -> dict:
    """The Data Package descriptor: one CSV resource per table, each with its Table Schema."""
    return {
        "name": name, "title": title, "licenses": [LICENSE],
        "description": "Ideatones de Gobierno Abierto en Guatemala: ideatones archivadas, las propuestas que "
                       "entregaron a su municipalidad y las respuestas. Solo totales: sin nombres de participantes "
                       "ni quién votó qué.",
        "resources": [{
            "name": table, "path": f"{table}.csv", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": {"fields": [{"name": f.name, "type": f.type, "description": f.description} for f in fields],
                       "primaryKey": ["id"],
                       **({"foreignKeys": [{"fields": ["ideathon_id"], "reference": {"resource": "ideathons", "fields": ["id"]}}]}
                          if table == "proposals" else {}),
                       **({"foreignKeys": [{"fields": ["proposal_id"], "reference": {"resource": "proposals", "fields": ["id"]}}]}
                          if table == "responses" else {}),
                       **({"foreignKeys": [{"fields": ["ideathon_id"], "reference": {"resource": "ideathons", "fields": ["id"]}}]}
                          if table == "ideas" else {}),
                       **({"foreignKeys": [{"fields": ["idea_id"], "reference": {"resource": "ideas", "fields": ["id"]}}]}
                          if table == "idea_translations" else {})},
        } for table, fields in TABLES.items()],
    }


def municipalities_with_counts() -> list[dict]:
    """Every municipality with its number of ideathons (not cancelled) and of archived proposals."""
    ideathons = dict(db.session.execute(
        sa.select(Ideathon.municipality_id, sa.func.count()).where(Ideathon.status != "cancelled")
        .group_by(Ideathon.municipality_id)).all())
    proposals = dict(db.session.execute(
        sa.select(Proposal.municipality_id, sa.func.count()).join(Ideathon, Ideathon.id == Proposal.ideathon_id)
        .where(Ideathon.archived_at.is_not(None)).group_by(Proposal.municipality_id)).all())
    return [{"code": m.code, "name": m.name, "department": m.department, "is_pilot": m.is_pilot,
             "ideathons": ideathons.get(m.id, 0), "proposals": proposals.get(m.id, 0)}
            for m in db.session.scalars(sa.select(Municipality).order_by(Municipality.code))]
