"""The hall kit: one JSON file that carries a planned ideathon from the central server to a laptop in
the hall (docs/hall-kit.md, "The hall kit", describes every field and the version rules).

`build_kit()` writes it on the central server; `read_kit()` reads and checks one on the laptop, before
anything is written (`services.import_kit()` then creates the ideathon). Nothing secret travels in it:
the staff are names and roles, never an email, a password or its hash.
"""
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from importlib import metadata

from flask_babel import lazy_gettext as _l

from ..accounts.models import Role, User
from ..ideathons.models import Ideathon
from ..ideathons.themes import ICONS, MAX_THEME_NAME, MAX_THEMES, carried_default_key, carried_names
from ..policies import can_take_to_hall
from ..refusals import Refusal

FORMAT = "ideaboard-hall-kit"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = frozenset({1})
MAX_KIT_BYTES = 256 * 1024  # a kit is a few kilobytes: anything near this is not one
MAX_STAFF = 50
STAFF_ROLES = (Role.MODERATOR.value, Role.COORDINATOR.value)
SETTINGS = ("silent_ideas", "hidden_counts", "self_votes", "cards_only", "premoderation")  # booleans
# Lengths as the models hold them.
MAX_TITLE, MAX_VENUE, MAX_DESCRIPTION, MAX_NAME, MAX_PROGRAMME_NAME, MAX_INSTITUTION = 160, 200, 10_000, 120, 200, 200


class KitError(Refusal):
    """Not a kit this laptop can take: the message says why; nothing was written."""


class KitAlreadyImported(KitError):
    """The kit's ideathon is already on this laptop: importing it again changes nothing."""

    status = 409


def software_version() -> str:
    try:
        return metadata.version("ideaboard")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a copy that was never installed
        return "unknown"


def _utc(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def build_kit(ideathon: Ideathon, *, made_by: User | None = None) -> bytes:
    """The kit of a planned ideathon, as UTF-8 JSON bytes. The staff are its moderators and, as
    coordination, `made_by` (the coordinator who takes it to the hall): names and roles only.
    It checks nothing: `services.kit_for()` says who may take which ideathon."""
    programme = ideathon.programme
    staff = [{"name": m.name, "role": Role.MODERATOR.value} for m in ideathon.moderators]
    if made_by is not None and can_take_to_hall(made_by):
        staff.append({"name": made_by.name, "role": Role.COORDINATOR.value})
    kit = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "software": {"name": "ideaboard", "version": software_version()},
        "made_at": _utc(datetime.now(timezone.utc).replace(tzinfo=None)),
        "ideathon": {
            "public_id": ideathon.public_id,
            "title": ideathon.title,
            "starts_at": _utc(ideathon.starts_at),
            "venue": ideathon.venue,
            "description": ideathon.description or "",
            "municipality": {"code": ideathon.municipality.code, "name": ideathon.municipality.name},
            "settings": {
                **{name: bool(getattr(ideathon, name)) for name in SETTINGS},
                "dot_budget": ideathon.dot_budget,
                "max_dots_per_idea": ideathon.max_dots_per_idea,
            },
            "themes": [{"name": t.name, "icon": t.icon, "position": n, "default_key": t.default_key,
                        "names": {given.language: given.name for given in t.names}}
                       for n, t in enumerate(ideathon.themes)],
            "programme": None if programme is None else {
                "id": programme.id, "name": programme.name,
                "starts_on": programme.starts_on.isoformat(), "ends_on": programme.ends_on.isoformat(),
                "coordinating_institution": programme.coordinating_institution,
            },
        },
        "staff": staff,
    }
    return (json.dumps(kit, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


# --- Reading a kit on the laptop ------------------------------------------------------------------

@dataclass
class KitTheme:
    name: str
    icon: str
    default_key: str | None = None  # the default it still is (ideathons/themes.py)
    names: dict[str, str] = field(default_factory=dict)  # its name per interface language


@dataclass
class KitProgramme:
    central_id: int
    name: str
    starts_on: date
    ends_on: date
    coordinating_institution: str


@dataclass
class KitStaff:
    name: str
    role: str


@dataclass
class Kit:
    """A kit as read and checked: every value within what the models hold."""

    format_version: int
    software_version: str
    public_id: str
    title: str
    starts_at: datetime  # naive UTC, as the models keep time
    venue: str
    description: str
    municipality_code: str
    municipality_name: str
    settings: dict
    themes: list[KitTheme]
    programme: KitProgramme | None
    staff: list[KitStaff] = field(default_factory=list)


def _damaged(where: str) -> KitError:
    return KitError(_l("El kit está dañado o incompleto (%(where)s): descárguelo otra vez del servidor central.",
                       where=where))


def _text(value, where: str, *, limit: int, required: bool = True) -> str:
    if not isinstance(value, str) or "\x00" in value or len(value) > limit:
        raise _damaged(where)
    value = value.strip()
    if required and not value:
        raise _damaged(where)
    return value


def _object(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise _damaged(where)
    return value


def _whole(value, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _damaged(where)
    return value


def _moment(value, where: str) -> datetime:
    text = _text(value, where, limit=40)
    try:
        moment = datetime.fromisoformat(text.removesuffix("Z") + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise _damaged(where) from None
    if moment.tzinfo is None:
        raise _damaged(where)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _day(value, where: str) -> date:
    try:
        return date.fromisoformat(_text(value, where, limit=10))
    except ValueError:
        raise _damaged(where) from None


def _parse(data: bytes) -> dict:
    if not isinstance(data, bytes | bytearray):
        raise KitError(_l("Esto no es un kit de sala de Ideaboard."))
    if len(data) > MAX_KIT_BYTES:
        raise KitError(_l("El archivo es demasiado grande para ser un kit de sala (máximo %(n)s KB).",
                          n=MAX_KIT_BYTES // 1024), 413)
    try:
        document = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise KitError(_l("Esto no es un kit de sala de Ideaboard: el archivo no es JSON.")) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KitError(_l("Esto no es un kit de sala de Ideaboard."))
    version = document.get("format_version")
    if type(version) is not int or version not in SUPPORTED_VERSIONS:  # not 1.0, not true
        raise KitError(_l("El kit tiene una versión de formato que esta computadora no conoce (%(version)s): "
                          "actualice Ideaboard en esta computadora o descargue el kit otra vez.",
                          version=str(version)[:20]))
    return document


def read_kit(data: bytes) -> Kit:
    """The kit in `data`, checked. Raises KitError: not a kit (not JSON, another format), a format
    version this software does not know, too large (413), or a field missing or out of bounds (damaged).
    Whether its municipality exists here and its ideathon is not yet is `services.import_kit()`'s."""
    document = _parse(data)
    software = _object(document.get("software"), "software")
    ideathon = _object(document.get("ideathon"), "ideathon")
    public_id = _text(ideathon.get("public_id"), "ideathon.public_id", limit=36)
    try:
        if str(uuid.UUID(public_id)) != public_id:
            raise ValueError
    except ValueError:
        raise _damaged("ideathon.public_id") from None
    municipality = _object(ideathon.get("municipality"), "ideathon.municipality")
    code = _text(municipality.get("code"), "ideathon.municipality.code", limit=4)
    if not (len(code) == 4 and code.isascii() and code.isdigit()):
        raise _damaged("ideathon.municipality.code")
    settings = _object(ideathon.get("settings"), "ideathon.settings")
    checked = {}
    for name in SETTINGS:
        if not isinstance(settings.get(name), bool):
            raise _damaged(f"ideathon.settings.{name}")
        checked[name] = settings[name]
    checked["dot_budget"] = _whole(settings.get("dot_budget"), "ideathon.settings.dot_budget", 1, 10)
    checked["max_dots_per_idea"] = _whole(settings.get("max_dots_per_idea"), "ideathon.settings.max_dots_per_idea",
                                          1, checked["dot_budget"])
    themes = ideathon.get("themes")
    if not isinstance(themes, list) or not 1 <= len(themes) <= MAX_THEMES:
        raise _damaged("ideathon.themes")
    read_themes, seen = [], set()
    for n, theme in enumerate(themes):
        where = f"ideathon.themes[{n}]"
        theme = _object(theme, where)
        position = _whole(theme.get("position"), f"{where}.position", 0, MAX_THEMES)
        name = _text(theme.get("name"), f"{where}.name", limit=MAX_THEME_NAME)
        icon = theme.get("icon")
        if icon not in ICONS or name.casefold() in seen:
            raise _damaged(where)
        seen.add(name.casefold())
        try:
            names = carried_names(theme.get("names"))
        except ValueError:
            raise _damaged(f"{where}.names") from None
        read_themes.append((position, n, KitTheme(name, icon, carried_default_key(theme.get("default_key")), names)))
    read_themes = [theme for _position, _n, theme in sorted(read_themes, key=lambda t: t[:2])]
    programme = ideathon.get("programme")
    if programme is not None:
        programme = _object(programme, "ideathon.programme")
        programme = KitProgramme(
            central_id=_whole(programme.get("id"), "ideathon.programme.id", 1, 2**31 - 1),
            name=_text(programme.get("name"), "ideathon.programme.name", limit=MAX_PROGRAMME_NAME),
            starts_on=_day(programme.get("starts_on"), "ideathon.programme.starts_on"),
            ends_on=_day(programme.get("ends_on"), "ideathon.programme.ends_on"),
            coordinating_institution=_text(programme.get("coordinating_institution"),
                                           "ideathon.programme.coordinating_institution", limit=MAX_INSTITUTION),
        )
        if programme.ends_on < programme.starts_on:
            raise _damaged("ideathon.programme")
    staff = document.get("staff")
    if not isinstance(staff, list) or len(staff) > MAX_STAFF:
        raise _damaged("staff")
    read_staff = []
    for n, person in enumerate(staff):
        person = _object(person, f"staff[{n}]")
        if person.get("role") not in STAFF_ROLES:
            raise _damaged(f"staff[{n}].role")
        read_staff.append(KitStaff(_text(person.get("name"), f"staff[{n}].name", limit=MAX_NAME), person["role"]))
    return Kit(
        format_version=document["format_version"],
        software_version=_text(software.get("version"), "software.version", limit=40),
        public_id=public_id,
        title=_text(ideathon.get("title"), "ideathon.title", limit=MAX_TITLE),
        starts_at=_moment(ideathon.get("starts_at"), "ideathon.starts_at"),
        venue=_text(ideathon.get("venue"), "ideathon.venue", limit=MAX_VENUE),
        description=_text(ideathon.get("description", ""), "ideathon.description", limit=MAX_DESCRIPTION,
                          required=False),
        municipality_code=code,
        municipality_name=_text(municipality.get("name", ""), "ideathon.municipality.name", limit=120,
                                required=False),
        settings=checked,
        themes=read_themes,
        programme=programme,
        staff=read_staff,
    )
