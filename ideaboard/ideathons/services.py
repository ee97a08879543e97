"""Rules for ideathons: what a valid plan is, cancelling, moderators (who may: ideaboard.policies)."""
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import to_utc

from .. import events
from ..accounts.models import Role, User
from ..database import row_id, utcnow, write
from ..extensions import db
from ..municipalities.models import Municipality
from ..policies import can_be_assigned_to_moderate, can_plan
from ..programme.models import Programme
from ..refusals import Refusal
from ..rooms.sequence import next_sequence
from ..languages import language_name
from .models import Ideathon, IdeathonStatus, Theme, ThemeName, ideathon_moderators
from .themes import ICONS, MAX_THEME_NAME, MAX_THEMES, interface_languages, kept_default


class IdeathonError(Refusal):
    """A planning rule was broken; the message is for the person who tried."""


@dataclass
class ThemeDraft:
    """A theme as the editor sends it: an existing theme keeps its id."""

    name: str
    icon: str = "other"
    theme_id: int | None = None
    default_key: str | None = None  # the default it started from (kept only while its name is kept)
    names: dict[str, str] = field(default_factory=dict)  # its name per interface language, as given


@dataclass
class IdeathonPlan:
    municipality: Municipality | None
    title: str
    starts_at_local: datetime | None  # wall-clock time in Guatemala, as the coordinator typed it
    venue: str
    description: str
    themes: list[ThemeDraft]
    programme: Programme | None = None  # its day then falls within the programme's period


def theme_of(ideathon: Ideathon, theme_id) -> Theme | None:
    """One of this ideathon's themes, from an id as typed; None for a bad id or another's theme."""
    theme_id = row_id(theme_id)
    theme = db.session.get(Theme, theme_id) if theme_id else None
    return theme if theme is not None and theme.ideathon_id == ideathon.id else None


def _require_planner(actor: User) -> None:
    if not can_plan(actor):
        raise IdeathonError(_l("Solo coordinación y administración pueden planificar ideatones."))


def _checked(plan: IdeathonPlan) -> IdeathonPlan:
    if plan.municipality is None:
        raise IdeathonError(_l("Elija el municipio."))
    plan.title = (plan.title or "").strip()
    if not plan.title:
        raise IdeathonError(_l("Escriba un título."))
    if plan.starts_at_local is None:
        raise IdeathonError(_l("Indique la fecha y la hora."))
    programme = plan.programme
    if programme is not None and not programme.covers(plan.starts_at_local.date()):
        raise IdeathonError(_l("La fecha debe caer dentro del periodo del programa «%(name)s» (%(start)s a %(end)s).",
                               name=programme.name, start=programme.starts_on.strftime("%d/%m/%Y"),
                               end=programme.ends_on.strftime("%d/%m/%Y")))
    plan.venue = (plan.venue or "").strip()
    if not plan.venue:
        raise IdeathonError(_l("Indique el lugar."))
    plan.description = (plan.description or "").strip()
    themes = [ThemeDraft(t.name.strip(), t.icon, t.theme_id, t.default_key, dict(t.names or {}))
              for t in plan.themes if t.name and t.name.strip()]
    if not themes:
        raise IdeathonError(_l("La ideatón necesita al menos un tema."))
    if len(themes) > MAX_THEMES:
        raise IdeathonError(_l("Una ideatón puede tener como máximo %(n)s temas.", n=MAX_THEMES))
    seen = set()
    for theme in themes:
        if len(theme.name) > MAX_THEME_NAME:
            raise IdeathonError(_l("El nombre de un tema puede tener como máximo %(n)s caracteres.", n=MAX_THEME_NAME))
        if theme.icon not in ICONS:
            raise IdeathonError(_l("Elija un ícono de la lista."))
        key = theme.name.casefold()
        if key in seen:
            raise IdeathonError(_l("El tema «%(name)s» está repetido.", name=theme.name))
        seen.add(key)
        theme.names = _checked_names(theme)
        theme.default_key = kept_default(theme.default_key, theme.name)
    for language in interface_languages():
        seen = set()
        for theme in themes:
            key = theme.names.get(language, "").casefold()
            if key and key in seen:
                raise IdeathonError(_l("El tema «%(name)s» está repetido en %(language)s.",
                                       name=theme.names[language], language=language_name(language)))
            seen.add(key)
    plan.themes = themes
    return plan


def _checked_names(theme: ThemeDraft) -> dict[str, str]:
    """A theme's names per language, as typed: empty ones dropped; an unknown language or a long name refused."""
    languages = interface_languages()
    names = {}
    for language, name in theme.names.items():
        name = (name or "").strip()
        if not name:
            continue
        if language not in languages:
            raise IdeathonError(_l("El idioma «%(code)s» no es uno de los idiomas de la interfaz.", code=language[:12]))
        if len(name) > MAX_THEME_NAME:
            raise IdeathonError(_l("El nombre de «%(theme)s» en %(language)s puede tener como máximo %(n)s caracteres.",
                                   theme=theme.name, language=language_name(language), n=MAX_THEME_NAME))
        names[language] = name
    return names


def set_theme_names(theme: Theme, names: dict[str, str]) -> None:
    """Make the theme's per-language names exactly `names` (updated in place: a language's row is kept)."""
    current = {given.language: given for given in theme.names}
    for language, name in names.items():
        if language in current:
            current.pop(language).name = name
        else:
            theme.names.append(ThemeName(language=language, name=name))
    for gone in current.values():
        theme.names.remove(gone)


def _apply_themes(ideathon: Ideathon, drafts: list[ThemeDraft]) -> None:
    """Make the ideathon's themes the drafts, in order: keep, rename, add, remove."""
    current = {theme.id: theme for theme in ideathon.themes}
    kept = []
    for position, draft in enumerate(drafts):
        theme = current.pop(draft.theme_id, None) if draft.theme_id else None
        if theme is None:
            theme = Theme(ideathon=ideathon)
        theme.name, theme.icon, theme.position = draft.name, draft.icon, position
        theme.default_key = draft.default_key
        set_theme_names(theme, draft.names)
        kept.append(theme)
    ideathon.themes = kept


def create_ideathon(plan: IdeathonPlan, *, actor: User) -> Ideathon:
    """A coordinator plans an ideathon: municipality, date, venue and its themed columns."""
    _require_planner(actor)
    plan = _checked(plan)
    with write():
        ideathon = Ideathon(
            municipality=plan.municipality,
            title=plan.title,
            starts_at=to_utc(plan.starts_at_local),
            venue=plan.venue,
            description=plan.description,
            created_by=actor,
            programme=plan.programme,
        )
        db.session.add(ideathon)
        _apply_themes(ideathon, [ThemeDraft(t.name, t.icon, None, t.default_key, t.names) for t in plan.themes])
        events.record(events.ideathon_planned, ideathon=ideathon)
    return ideathon


def update_ideathon(ideathon: Ideathon, plan: IdeathonPlan, *, actor: User) -> Ideathon:
    """Change the plan of an ideathon that has not been cancelled."""
    _require_planner(actor)
    plan = _checked(plan)
    with write():
        if ideathon.is_cancelled:
            raise IdeathonError(_l("Esta ideatón fue cancelada y ya no se puede editar."))
        ideathon.municipality = plan.municipality
        ideathon.title = plan.title
        ideathon.starts_at = to_utc(plan.starts_at_local)
        ideathon.venue = plan.venue
        ideathon.description = plan.description
        ideathon.programme = plan.programme
        _apply_themes(ideathon, plan.themes)
        events.record(events.ideathon_planned, ideathon=ideathon)
    return ideathon


def cancel_ideathon(ideathon: Ideathon, *, reason: str, actor: User) -> Ideathon:
    """Cancel a planned ideathon, with a public reason. It stays listed, marked as cancelled."""
    _require_planner(actor)
    reason = (reason or "").strip()
    if not reason:
        raise IdeathonError(_l("Explique brevemente por qué se cancela."))
    with write():
        if ideathon.is_cancelled:
            raise IdeathonError(_l("Esta ideatón ya estaba cancelada."))
        ideathon.status = IdeathonStatus.CANCELLED.value
        ideathon.cancel_reason = reason
        ideathon.cancelled_at = utcnow()
        if ideathon.room_code:  # phones in an open room learn at once that it is over
            events.record(events.room_changed, ideathon=ideathon, seq=next_sequence(ideathon), phase=True, ideas=True)
    return ideathon


def assign_moderators(ideathon: Ideathon, moderators: list[User], *, actor: User) -> Ideathon:
    """Make exactly these users the ideathon's moderators (all must have the moderator role)."""
    _require_planner(actor)
    if not all(can_be_assigned_to_moderate(user) for user in moderators):
        raise IdeathonError(_l("Solo se pueden asignar cuentas activas con rol de moderación."))
    with write():
        ideathon.moderators = list(moderators)
    return ideathon


def get_ideathon(ideathon_id: int) -> Ideathon | None:
    return db.session.get(Ideathon, ideathon_id)


def upcoming_ideathons(limit: int | None = None) -> list[Ideathon]:
    query = (
        sa.select(Ideathon)
        .where(Ideathon.starts_at >= utcnow(), Ideathon.status != IdeathonStatus.CANCELLED.value)
        .order_by(Ideathon.starts_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def past_ideathons(limit: int | None = None) -> list[Ideathon]:
    query = (
        sa.select(Ideathon)
        .where(Ideathon.starts_at < utcnow(), Ideathon.status != IdeathonStatus.CANCELLED.value)
        .order_by(Ideathon.starts_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def ideathons_of(municipality: Municipality) -> list[Ideathon]:
    query = sa.select(Ideathon).where(Ideathon.municipality_id == municipality.id).order_by(Ideathon.starts_at.desc())
    return list(db.session.scalars(query))


def ideathons_for_staff(user: User) -> list[Ideathon]:
    """Planners see every ideathon; a moderator sees those assigned to them."""
    query = sa.select(Ideathon).order_by(Ideathon.starts_at.desc())
    if not can_plan(user):
        query = query.join(ideathon_moderators).where(ideathon_moderators.c.user_id == user.id)
    return list(db.session.scalars(query))


def active_moderators() -> list[User]:
    query = sa.select(User).where(User.role == Role.MODERATOR.value, User.active.is_(True)).order_by(User.name)
    return list(db.session.scalars(query))
