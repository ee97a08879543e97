"""The pilot programme of the demo data (`flask demo load`): the Open Government ideathon programme
this software comes from, placed around today so that some of it is done, some under way, some ahead.

Six milestones, each with its proof; eight pilot municipalities (seven agreements signed, Villa Nueva's
still pending); one ideathon a month, each with the Q8,100 plan and, once held, its spending; a baseline
of three indicators. Every row goes through the services, so the demo obeys the rules it shows.
Figures and names of people are made up for the demonstration.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from ..budget.models import DEFAULT_PLAN
from ..budget.services import add_expense
from ..extensions import db
from ..ideathons.services import IdeathonPlan, ThemeDraft, create_ideathon
from ..ideathons.themes import default_themes
from ..municipalities.services import get_by_code
from ..pilots import services as pilots
from . import services
from .models import Programme, WorkStatus
from .services import CommitmentDraft, ProgrammeDraft

NAME = "Ideatones municipales de Gobierno Abierto"
COORDINATOR = "Coordinación de Gobierno Abierto"
SUPPORTERS = "Asociación Nacional de Municipalidades (ANAM)\nMesa Técnica de Gobierno Abierto (sociedad civil)"

# One ideathon a month in eight towns: (INE code, days from today, town).
CALENDAR = [
    ("2101", -150, "Jalapa"), ("0301", -120, "Antigua Guatemala"), ("1307", -90, "Jacaltenango"),
    ("0801", -60, "Totonicapán"), ("1601", -30, "Cobán"), ("0108", 7, "Mixco"),
    ("0901", 37, "Quetzaltenango"), ("0115", 67, "Villa Nueva"),
]
PENDING_AGREEMENT = "0115"  # invited; the agreement is not signed yet

# Baseline indicators and each town's made-up value: water, waste collection, paved streets.
INDICATORS = [
    ("Cobertura de agua entubada", "% de hogares", "Hogares con conexión domiciliar de agua."),
    ("Recolección de basura", "días por semana", "Días a la semana con servicio municipal de recolección."),
    ("Calles pavimentadas", "% de calles", "Calles del casco urbano con pavimento o adoquín."),
]
BASELINE = {
    "2101": (78.5, 3, 61), "0301": (92.0, 6, 88), "1307": (64.0, 1, 35), "0801": (71.2, 2, 47),
    "1601": (69.8, 3, 52), "0108": (88.4, 5, 79), "0901": (90.1, 5, 83), "0115": (83.7, 4, 74),
}
# How each held workshop's spending compares with its plan, by category (a little over or under).
SPENT = [1.0, 0.95, 1.1, 0.9, 1.0, 0.85, 1.2]


@dataclass
class Step:
    title: str
    start: int  # days from today
    end: int
    responsible: str
    expected: str
    verification: str
    status: str = WorkStatus.PLANNED.value
    done: int | None = None  # days from today
    ideathon: object = None


def _draft(step: Step, today: date) -> CommitmentDraft:
    return CommitmentDraft(
        title=step.title, due_from=today + timedelta(days=step.start), due_until=today + timedelta(days=step.end),
        responsible=step.responsible, expected_result=step.expected, verification=step.verification,
        status=step.status, done_on=today + timedelta(days=step.done) if step.done is not None else None,
        ideathon_id=step.ideathon.id if step.ideathon else None)


def _milestones(ideathons: list) -> list[tuple[Step, list[Step]]]:
    done, doing = WorkStatus.DONE.value, WorkStatus.IN_PROGRESS.value
    workshops = []
    for (code, days, town), ideathon in zip(CALENDAR, ideathons):
        held = days < 0
        workshops.append(Step(f"Ideatón en {town}", days, days, f"Municipalidad de {town} y {COORDINATOR}",
                              "Propuestas priorizadas por los vecinos", "Tablero archivado, fotos y lista de asistencia",
                              done if held else WorkStatus.PLANNED.value, days if held else None, ideathon))
    return [
        (Step("Convenios firmados con los municipios piloto", -205, -20, COORDINATOR,
              "Ocho municipalidades comprometidas con el programa", "Convenios firmados (PDF)", doing), [
            Step("Proponer y seleccionar los municipios piloto", -205, -195, COORDINATOR,
                 "Ocho municipios seleccionados, con su motivo", "Acta de selección", done, -196),
            Step("Invitar a las municipalidades", -195, -180, COORDINATOR,
                 "Invitación entregada a cada alcalde", "Oficios de invitación", done, -181),
            Step("Firmar los convenios", -180, -20, "Municipalidades piloto",
                 "Convenio firmado por cada municipalidad", "Convenios firmados (PDF)", doing),
        ]),
        (Step("Metodología y manual de implementación", -200, -160, COORDINATOR,
              "Un manual que cualquier municipalidad pueda seguir", "Manual publicado", done, -162), [
            Step("Redactar la metodología de la ideatón", -200, -180, COORDINATOR,
                 "Guía de facilitación y plantilla de propuestas", "Documento de metodología", done, -182),
            Step("Validar el manual con dos municipalidades", -180, -160, "ANAM",
                 "Manual ajustado con lo aprendido", "Informe de validación", done, -162),
        ]),
        (Step("Ocho ideatones municipales, una al mes", -150, 67, COORDINATOR,
              "Ocho ideatones con participación de vecinas y vecinos", "Tableros archivados, fotos y listas de asistencia",
              doing), workshops),
        (Step("Sistematización de lo recogido", 70, 120, "Mesa Técnica de Gobierno Abierto",
              "Las propuestas de los ocho municipios, ordenadas por tema", "Documento de sistematización"), []),
        (Step("Informes de propuestas entregados a cada alcalde", -140, 100, COORDINATOR,
              "Cada alcalde recibe las propuestas de su ideatón", "Informe para el alcalde con constancia de recepción",
              doing), []),
        (Step("Evaluación de la participación ciudadana", 100, 170, "Mesa Técnica de Gobierno Abierto",
              "Recomendaciones para la siguiente edición", "Informe de evaluación con recomendaciones"), []),
    ]


def _agreement_pdf(town: str) -> FileStorage:
    from io import BytesIO

    from weasyprint import HTML

    html = (f"<h1>Convenio de cooperación</h1><p>Entre la Municipalidad de {town} y la {COORDINATOR}, "
            "para realizar una ideatón municipal.</p><p><em>Documento de demostración.</em></p>")
    return FileStorage(BytesIO(HTML(string=html).write_pdf()), filename=f"convenio-{town.lower()}.pdf",
                       content_type="application/pdf")


def load_pilot_programme(admin, *, today: date | None = None) -> Programme | None:
    """Create the pilot programme once (None if it is already there)."""
    if db.session.scalar(sa.select(Programme.id).where(Programme.name == NAME)):
        return None
    today = today or date.today()
    programme = services.create_programme(ProgrammeDraft(
        name=NAME, description="Las municipalidades invitan a sus vecinos a proponer cómo mejorar los servicios "
                               "municipales; las propuestas llegan al alcalde y el programa se evalúa en público.",
        starts_on=today - timedelta(days=210), ends_on=today + timedelta(days=180),
        coordinating_institution=COORDINATOR, supporting_institutions=SUPPORTERS), actor=admin)

    morning = datetime.combine(today, datetime.min.time()).replace(hour=9)
    ideathons = [create_ideathon(IdeathonPlan(
        municipality=get_by_code(code), title=f"Ideatón de {town}", starts_at_local=morning + timedelta(days=days),
        venue="Salón municipal", description="Vecinas y vecinos proponen cómo mejorar los servicios municipales.",
        themes=[ThemeDraft(t["name"], t["icon"], default_key=t["default_key"]) for t in default_themes()], programme=programme), actor=admin)
        for code, days, town in CALENDAR]

    for milestone_step, steps in _milestones(ideathons):
        milestone = services.add_milestone(programme, _draft(milestone_step, today), actor=admin)
        for step in steps:
            services.add_activity(milestone, _draft(step, today), actor=admin)

    indicators = [pilots.add_indicator(programme, name, unit, description, actor=admin)
                  for name, unit, description in INDICATORS]
    for n, (code, days, town) in enumerate(CALENDAR):
        municipality = get_by_code(code)
        pilot = pilots.propose(programme, municipality, "Propuesto por la Mesa Técnica.", actor=admin)
        pilots.select(pilot, "Compromiso del concejo municipal y oficina de acceso a la información activa.",
                      actor=admin)
        pilots.record_invitation(pilot, today - timedelta(days=190 - n), "Oficio de invitación al alcalde.",
                                 actor=admin)
        if code != PENDING_AGREEMENT:
            pilots.record_agreement(pilot, today - timedelta(days=175 - 2 * n),
                                    f"Alcalde municipal de {town}\n{COORDINATOR}", _agreement_pdf(town), actor=admin)
        for indicator, value in zip(indicators, BASELINE[code]):
            pilots.set_value(indicator, municipality, str(value), "Datos de demostración", None, actor=admin)

    for ideathon, (code, days, town), factor in zip(ideathons, CALENDAR, SPENT):
        if days >= 0:
            continue
        for category, cents in DEFAULT_PLAN.items():
            amount = f"{cents * factor / 100:.2f}"
            add_expense(ideathon, category.value, amount, today + timedelta(days=days),
                        f"{category.label}: ideatón de {town}", admin)
    services.publish_programme(programme, actor=admin)
    return programme
