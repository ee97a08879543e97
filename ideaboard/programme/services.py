"""Rules of the programme: its milestones and activities, and refusing whoever may not change them.

- Coordinators and admins (the planners) create and change everything in a programme.
- A draft programme (never published) is seen by planners only; once published, its tracker,
  calendar, budget totals and evaluation are public.
- A municipal official sees their own municipality's records (pilot record, baseline, budget).
- Every date of a milestone or activity falls within the programme's period.

Who may see or change what is decided in ideaboard.policies; `require_planner` turns its answer
into the programme's refusal.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..database import row_id, utcnow, write
from ..extensions import db
from ..ideathons.models import Ideathon
from ..dates import local_day, today
from ..policies import can_plan
from ..refusals import Refusal
from .models import Activity, Milestone, Programme, WorkStatus

LIMITS = {"name": 200, "title": 200, "coordinating_institution": 200, "responsible": 200,
          "description": 4000, "supporting_institutions": 2000, "expected_result": 2000, "verification": 2000}


class ProgrammeError(Refusal):
    """Refused; the message is for the person who tried (in Spanish, through Babel).

    `errors` maps a form field to its own message when the problem is one field's."""


# --- Refusing whoever may not change it ---------------------------------------------------------

def require_planner(actor: User) -> None:
    if not can_plan(actor):
        raise ProgrammeError(_l("Solo coordinación y administración pueden cambiar el programa."), status=403)


def published_programmes() -> list[Programme]:
    return list(db.session.scalars(
        sa.select(Programme).where(Programme.published_at.is_not(None)).order_by(Programme.starts_on.desc())))


def programmes_for(user: User) -> list[Programme]:
    """What the programmes page lists: everything for planners, the published ones for the rest."""
    if not can_plan(user):
        return published_programmes()
    return list(db.session.scalars(sa.select(Programme).order_by(Programme.starts_on.desc())))


def programme_choices() -> list[Programme]:
    """Programmes an ideathon can be scheduled in (drafts too: planning starts before publishing)."""
    return list(db.session.scalars(sa.select(Programme).order_by(Programme.starts_on.desc())))


def check_within(programme: Programme, day: date | None, field: str, label) -> dict:
    """{field: message} when `day` falls outside the programme's period (or is missing)."""
    if day is None:
        return {field: _l("%(field)s es obligatoria.", field=label)}
    if not programme.covers(day):
        return {field: _l("%(field)s debe caer dentro del periodo del programa (%(start)s a %(end)s).",
                          field=label, start=programme.starts_on.strftime("%d/%m/%Y"),
                          end=programme.ends_on.strftime("%d/%m/%Y"))}
    return {}


def ideathons_of(programme: Programme) -> list[Ideathon]:
    return list(db.session.scalars(
        sa.select(Ideathon).where(Ideathon.programme_id == programme.id).order_by(Ideathon.starts_at)))


# --- The programme -------------------------------------------------------------------------------

@dataclass
class ProgrammeDraft:
    name: str = ""
    description: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    coordinating_institution: str = ""
    supporting_institutions: str = ""


PROGRAMME_FIELDS = {"name": _l("El nombre"), "coordinating_institution": _l("La institución coordinadora"),
                    "description": _l("La descripción"), "supporting_institutions": _l("Las instituciones de apoyo")}


def _texts(draft, fields: dict, required: set) -> tuple[dict, dict]:
    values, errors = {}, {}
    for name, label in fields.items():
        value = (getattr(draft, name) or "").strip()
        if name in required and not value:
            errors[name] = _l("%(field)s es obligatorio.", field=label)
        elif len(value) > LIMITS[name]:
            errors[name] = _l("%(field)s admite como máximo %(n)s caracteres.", field=label, n=LIMITS[name])
        values[name] = value
    return values, errors


def refuse(errors: dict, message=None, *, status: int = 422, error: type = ProgrammeError) -> None:
    """Raise `error` with every field's problem at once, if there is any (the services' common end)."""
    if errors:
        raise error(message or _l("Revise los campos marcados."), status=status, errors=errors)


def _programme_values(draft: ProgrammeDraft, programme: Programme | None = None) -> dict:
    values, errors = _texts(draft, PROGRAMME_FIELDS, {"name", "coordinating_institution"})
    if draft.starts_on is None:
        errors["starts_on"] = _l("Indique cuándo empieza el programa.")
    if draft.ends_on is None:
        errors["ends_on"] = _l("Indique cuándo termina el programa.")
    if draft.starts_on and draft.ends_on and draft.ends_on < draft.starts_on:
        errors["ends_on"] = _l("El programa no puede terminar antes de empezar.")
    if programme is not None and not errors:
        outside = _dates_outside(programme, draft.starts_on, draft.ends_on)
        if outside:
            errors["starts_on"] = _l("Hay hitos, actividades o ideatones fuera de ese periodo: %(items)s.",
                                     items=", ".join(outside[:3]))
    refuse(errors)
    return {**values, "starts_on": draft.starts_on, "ends_on": draft.ends_on}


def _dates_outside(programme: Programme, start: date, end: date) -> list[str]:
    outside = []
    for milestone in programme.milestones:
        for item in [milestone, *milestone.activities]:
            if item.due_from < start or item.due_until > end:
                outside.append(item.title)
    for ideathon in ideathons_of(programme):
        if not start <= local_day(ideathon.starts_at) <= end:
            outside.append(ideathon.title)
    return outside


def create_programme(draft: ProgrammeDraft, *, actor: User) -> Programme:
    require_planner(actor)
    values = _programme_values(draft)
    with write():
        programme = Programme(**values, created_by_id=actor.id)
        db.session.add(programme)
    return programme


def update_programme(programme: Programme, draft: ProgrammeDraft, *, actor: User) -> Programme:
    require_planner(actor)
    values = _programme_values(draft, programme)
    with write():
        for name, value in values.items():
            setattr(programme, name, value)
    return programme


def publish_programme(programme: Programme, *, actor: User, published: bool = True) -> Programme:
    """Make the programme public (its tracker, calendar and evaluation), or take it back to draft."""
    require_planner(actor)
    with write():
        programme.published_at = (programme.published_at or utcnow()) if published else None
    return programme


# --- Milestones and activities -------------------------------------------------------------------

@dataclass
class CommitmentDraft:
    title: str = ""
    due_from: date | None = None
    due_until: date | None = None
    responsible: str = ""
    expected_result: str = ""
    verification: str = ""
    status: str = WorkStatus.PLANNED.value
    done_on: date | None = None
    ideathon_id: int | str | None = None  # activities only


COMMITMENT_FIELDS = {"title": _l("El título"), "responsible": _l("La institución responsable"),
                     "expected_result": _l("El resultado esperado"), "verification": _l("El medio de verificación")}


def _commitment_values(programme: Programme, draft: CommitmentDraft, *, activity: bool) -> dict:
    values, errors = _texts(draft, COMMITMENT_FIELDS, {"title", "responsible"})
    errors |= check_within(programme, draft.due_from, "due_from", _l("La fecha de inicio"))
    errors |= check_within(programme, draft.due_until, "due_until", _l("La fecha límite"))
    if draft.due_from and draft.due_until and draft.due_until < draft.due_from and "due_until" not in errors:
        errors["due_until"] = _l("La fecha límite no puede ser anterior a la de inicio.")
    if draft.status not in {s.value for s in WorkStatus}:
        errors["status"] = _l("Elija un estado de la lista.")
    done_on = draft.done_on if draft.status == WorkStatus.DONE else None
    if draft.status == WorkStatus.DONE:
        if done_on is None:
            errors["done_on"] = _l("Indique cuándo se cumplió.")
        elif done_on > today():
            errors["done_on"] = _l("La fecha de cumplimiento no puede ser futura.")
    values |= {"due_from": draft.due_from, "due_until": draft.due_until, "status": draft.status, "done_on": done_on}
    if activity:
        values["ideathon_id"] = None
        if draft.ideathon_id not in (None, ""):
            ideathon_id = row_id(draft.ideathon_id)
            ideathon = db.session.get(Ideathon, ideathon_id) if ideathon_id else None
            if ideathon is None or ideathon.programme_id != programme.id:
                errors["ideathon_id"] = _l("Esa ideatón no es de este programa.")
            else:
                values["ideathon_id"] = ideathon.id
    refuse(errors)
    return values


def add_milestone(programme: Programme, draft: CommitmentDraft, *, actor: User) -> Milestone:
    require_planner(actor)
    values = _commitment_values(programme, draft, activity=False)
    with write():
        milestone = Milestone(programme=programme, position=len(programme.milestones), **values)
        db.session.add(milestone)
    return milestone


def add_activity(milestone: Milestone, draft: CommitmentDraft, *, actor: User) -> Activity:
    require_planner(actor)
    values = _commitment_values(milestone.programme, draft, activity=True)
    with write():
        activity = Activity(milestone=milestone, position=len(milestone.activities), **values)
        db.session.add(activity)
    return activity


def update_commitment(item: Milestone | Activity, draft: CommitmentDraft, *, actor: User) -> Milestone | Activity:
    require_planner(actor)
    programme = item.programme if isinstance(item, Milestone) else item.milestone.programme
    values = _commitment_values(programme, draft, activity=isinstance(item, Activity))
    with write():
        for name, value in values.items():
            setattr(item, name, value)
    return item


def delete_commitment(item: Milestone | Activity, *, actor: User) -> None:
    """Delete a milestone (with its activities) or an activity, with the evidence attached to them."""
    require_planner(actor)
    with write():
        db.session.delete(item)
