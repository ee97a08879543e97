"""Rules of the hall kit: who may take an ideathon to the hall (central server), and importing a kit on
the laptop (docs/hall-kit.md). Views and the `hall` commands share these functions."""
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from ..accounts.models import Role, User
from ..accounts.services import find_user_by_email, generate_password
from ..database import write
from ..extensions import db
from ..ideathons.models import Ideathon, Theme
from ..ideathons.services import set_theme_names
from ..municipalities.services import get_by_code
from ..policies import can_import_kit, can_take_to_hall
from ..programme.models import Programme
from ..text import fold
from .kit import Kit, KitAlreadyImported, KitError, build_kit, read_kit

LOCAL_DOMAIN = "sala.local"  # the laptop's staff accounts: a name the kit never carries an email for


@dataclass
class Account:
    """A staff account of the laptop the import made or found; `password` is shown once (None if the
    account was there before: its password did not change)."""

    name: str
    role: str
    email: str
    password: str | None

    @property
    def role_label(self) -> str:
        return Role(self.role).label


@dataclass
class KitImport:
    ideathon: Ideathon
    accounts: list[Account] = field(default_factory=list)


def kit_for(ideathon: Ideathon, *, actor: User) -> tuple[str, bytes]:
    """The kit of a planned ideathon to download, and its file name. Raises KitError: the actor is not a
    coordinator or an admin (403), the ideathon is cancelled, archived, or its room was opened here (a
    room runs in one place)."""
    if not can_take_to_hall(actor):
        raise KitError(_l("Solo coordinación y administración pueden llevar una ideatón a la sala."), 403)
    if ideathon.is_cancelled:
        raise KitError(_l("Esta ideatón fue cancelada: no hay sala que preparar."))
    if ideathon.archived_at is not None:
        raise KitError(_l("Esta ideatón ya está archivada."))
    if ideathon.room_code:
        raise KitError(_l("La sala de esta ideatón ya se abrió en este servidor: una sala se realiza en un "
                          "solo lugar."))
    return f"kit-sala-{ideathon.municipality.code}-{ideathon.public_id[:8]}.json", build_kit(ideathon, made_by=actor)


def find_by_public_id(public_id: str) -> Ideathon | None:
    return db.session.scalar(sa.select(Ideathon).where(Ideathon.public_id == public_id))


def _local_emails(name: str):
    """ana.lopez@sala.local for "Ana López", then ana.lopez.2@…, ana.lopez.3@… for others of that name."""
    base = re.sub(r"[^a-z0-9]+", ".", fold(name)).strip(".")[:60] or "persona"
    yield f"{base}@{LOCAL_DOMAIN}"
    n = 2
    while True:
        yield f"{base}.{n}@{LOCAL_DOMAIN}"
        n += 1


def _account_for(person, taken: set[str]) -> tuple[User, Account]:
    """The laptop's account of a person of the kit: one an earlier kit made for the same name and role,
    or a new one whose password is shown once."""
    for email in _local_emails(person.name):
        if email in taken:
            continue
        existing = find_user_by_email(email)
        if existing is None:
            break
        if existing.name == person.name and existing.role == person.role and existing.active:
            taken.add(email)
            return existing, Account(person.name, person.role, email, None)
    taken.add(email)
    password = generate_password()
    user = User(email=email, name=person.name, role=person.role, password_hash=generate_password_hash(password))
    db.session.add(user)
    return user, Account(person.name, person.role, email, password)


def _programme(kit: Kit, actor: User | None) -> Programme | None:
    """The ideathon's programme on the laptop: a draft of the same name and period (made once)."""
    if kit.programme is None:
        return None
    found = db.session.scalar(sa.select(Programme).where(
        Programme.name == kit.programme.name, Programme.starts_on == kit.programme.starts_on,
        Programme.ends_on == kit.programme.ends_on).order_by(Programme.id))
    if found is not None:
        return found
    programme = Programme(name=kit.programme.name, description="", starts_on=kit.programme.starts_on,
                          ends_on=kit.programme.ends_on, coordinating_institution=kit.programme.coordinating_institution,
                          supporting_institutions="", created_by_id=actor.id if actor else None)
    db.session.add(programme)
    return programme


def import_kit(data: bytes, *, actor: User | None = None) -> KitImport:
    """Create on this laptop the ideathon of the kit in `data`: the same public_id, title, date, place,
    settings and themes, its programme (a draft of the same name), and an account for each person of its
    staff (moderators assigned to it; an existing account of the same name and role is reused; new ones
    get a password, in the answer, shown once). All or nothing, in one transaction.

    `actor` is None for the command line; on the upload page, an admin. Raises KitError (a Refusal),
    with nothing written: not a kit, an unknown format version, too large (413), damaged; a municipality
    code this laptop does not know; not an admin (403). Raises KitAlreadyImported (a KitError, 409) when
    the ideathon is already here: a kit never changes it, and importing the same kit again is a no-op.
    """
    if actor is not None and not can_import_kit(actor):
        raise KitError(_l("Solo la administración puede importar un kit de sala."), 403)
    kit = read_kit(data)
    with write():
        existing = find_by_public_id(kit.public_id)
        if existing is not None:
            raise KitAlreadyImported(_l("La ideatón «%(title)s» ya está en esta computadora (importada antes): "
                                        "no se cambió nada.", title=existing.title))
        municipality = get_by_code(kit.municipality_code)
        if municipality is None:
            raise KitError(_l("Esta computadora no conoce el municipio con código INE %(code)s: actualice "
                              "Ideaboard (flask --app wsgi municipalities load) e importe el kit otra vez.",
                              code=kit.municipality_code))
        taken: set[str] = set()
        made = [_account_for(person, taken) for person in kit.staff]
        db.session.flush()  # the new accounts' ids, for what they created
        coordinator = next((user for user, account in made if account.role == Role.COORDINATOR.value), None)
        ideathon = Ideathon(
            public_id=kit.public_id, municipality=municipality, title=kit.title, starts_at=kit.starts_at,
            venue=kit.venue, description=kit.description, programme=_programme(kit, actor or coordinator),
            created_by=actor or coordinator, **kit.settings,
        )
        ideathon.themes = [Theme(name=t.name, icon=t.icon, position=n, default_key=t.default_key)
                           for n, t in enumerate(kit.themes)]
        for theme, carried in zip(ideathon.themes, kit.themes):
            set_theme_names(theme, carried.names)
        ideathon.moderators = [user for user, account in made if account.role == Role.MODERATOR.value]
        db.session.add(ideathon)
    return KitImport(ideathon, [account for _user, account in made])
