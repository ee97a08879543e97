"""Publishing a results bundle on the central server: check everything, then store it in one transaction.

`publish_bundle(data, actor=...)` reads a bundle written by `bundle.build_bundle` on a hall's laptop.
Before anything is written it checks, in this order, and refuses with a Spanish message:

- who: only coordinators and admins publish (403);
- the file: a zip (not anything else), no bigger than `MAX_BUNDLE_BYTES`, with only the files the
  format names, each no bigger than its limit and all together under `MAX_UNCOMPRESSED` as the zip
  declares them (a zip bomb is refused before a byte is inflated; reading stops at the declared size);
- `manifest.json`: the format's name and a version this server reads, a SHA-256 and size for every
  part that match the bytes, and no part missing or unlisted (tampered, truncated);
- the content: well formed, every reference resolved, every value one the database takes, the
  counts those of the manifest;
- the ideathon: its public id is one of this server's ideathons (the one the hall kit was made
  from), its municipality code is a known municipality and the ideathon's own, and its room was
  never run here;
- not already published: the same bundle again is a no-op that says when it was published
  (`Published.already`); another bundle for an ideathon already published is refused.

Then, in one `write()`, the room's record is created as the room would have created it here:
anonymous participants (as many as joined), the ideas (merges, edits, hidden ideas), the dots
(phone dots as anonymous dots spread over those participants, so that every count reads as on the
laptop; paper tallies), proposals (indexed for search), audit log, phase history, survey answers,
the evidence (its files through the upload checks and storage, `ideaboard/uploads`), and the
ideathon itself closed, archived, and marked `published_offline_at`. Staff are matched by name to
this server's accounts (none found: left empty, as for a deleted account).
"""
import hashlib
import io
import json
import re
import uuid
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from ..accounts.models import User
from ..archive.models import Competence, CostRange, Proposal
from ..archive.services import LIMITS as PROPOSAL_LIMITS
from ..archive.services import search_text_of  # the one definition of what search indexes
from ..database import utcnow, write
from ..evaluation.models import Answer, ExitSurvey
from ..evidence.models import Evidence, EvidenceKind
from ..evidence.services import _is_web_address as is_web_address  # the one rule for an evidence's link
from ..extensions import db
from ..i18n import when
from ..ideas.models import MAX_IDEA_LENGTH, Idea, IdeaStatus, IdeaTranslation
from ..ideathons.models import Ideathon, RoomPhase, Theme
from ..ideathons.services import set_theme_names
from ..ideathons.themes import carried_default_key, carried_names
from ..languages import LANGUAGES
from ..moderation.models import Merge, ModerationAction
from ..municipalities.models import Municipality
from ..policies import can_plan
from ..refusals import Refusal
from ..rooms.codes import generate_code
from ..rooms.models import AgeBand, Participant, ParticipationSurvey, PhaseChange
from ..uploads.services import DOCUMENTS, UploadError, check_upload, stored
from ..votes.models import PaperTally, Vote
from .bundle import EVIDENCE_FOLDER, FORMAT, PARTS, VERSION

MAX_BUNDLE_BYTES = 64 * 1024 * 1024  # the zip as uploaded (the web form is bounded lower, by UPLOAD_MAX_BYTES)
MAX_JSON_PART = 8 * 1024 * 1024  # each JSON part, uncompressed
MAX_UNCOMPRESSED = 256 * 1024 * 1024  # every part together, uncompressed
MAX_EVIDENCE_FILES = 200
EVIDENCE_NAME = re.compile(r"^evidence/[1-9][0-9]{0,5}\.(jpg|png|webp|pdf)$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PublishError(Refusal):
    """The bundle was refused and nothing was written; the message says why, for the coordinator."""


class BundleDamaged(PublishError):
    """The bundle's content is not what the format says (a part missing, malformed, inconsistent)."""

    def __init__(self, detail: str = ""):
        super().__init__(_l("El paquete de resultados está dañado o incompleto (%(detail)s): expórtelo de nuevo "
                            "desde la computadora de la sala.", detail=detail or "?"))


@dataclass
class Published:
    ideathon: Ideathon
    already: bool  # the same bundle had been published before: nothing was written this time
    published_at: datetime


def bundle_digest(manifest_bytes: bytes) -> str:
    """What identifies a bundle: the SHA-256 of its manifest (which holds the SHA-256 of every part)."""
    return hashlib.sha256(manifest_bytes).hexdigest()


def published_note_date(ideathon: Ideathon) -> str:
    """When it was published, as every page writes a moment ("5 de diciembre de 2026, 9:00 a. m.")."""
    return when(ideathon.published_offline_at)


# --- Reading and checking ------------------------------------------------------------------------

def read_bundle(data: bytes) -> tuple[dict, dict, bytes]:
    """The manifest, the parts ({name: bytes}) and the manifest's bytes; every check of the file."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise PublishError(_l("El paquete pesa más de %(mb)s MB: no se acepta.", mb=MAX_BUNDLE_BYTES // 2**20), 413)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise PublishError(_l("Ese archivo no es un paquete de resultados de Ideaboard, o llegó incompleto: no se "
                              "puede leer como archivo zip. Expórtelo de nuevo desde la computadora de la sala."))
    with archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        if len(names) != len(set(names)):
            raise BundleDamaged(_l("archivos repetidos"))
        if "manifest.json" not in names:
            raise PublishError(_l("Ese archivo no es un paquete de resultados de Ideaboard (le falta manifest.json)."))
        if len(infos) > len(PARTS) + 1 + MAX_EVIDENCE_FILES:
            raise PublishError(_l("El paquete tiene demasiados archivos: no se acepta."), 413)
        for info in infos:
            if info.filename != "manifest.json" and info.filename not in PARTS and not EVIDENCE_NAME.match(info.filename):
                raise BundleDamaged(_l("un archivo desconocido: %(name)s", name=info.filename[:80]))
            if info.file_size > _limit(info.filename):
                raise PublishError(_l("Una parte del paquete (%(name)s) es demasiado grande: no se acepta.",
                                      name=info.filename), 413)
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
            raise PublishError(_l("El paquete descomprimido sería demasiado grande: no se acepta."), 413)
        contents = {}
        for info in infos:
            try:
                with archive.open(info) as member:
                    contents[info.filename] = member.read(info.file_size + 1)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError, RuntimeError):
                raise BundleDamaged(_l("no se puede leer %(name)s", name=info.filename))
    manifest_bytes = contents.pop("manifest.json")
    manifest = _loads(manifest_bytes, "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PublishError(_l("Ese archivo no es un paquete de resultados de Ideaboard."))
    version = manifest.get("version")
    if type(version) is not int or version != VERSION:  # the integer itself: not 1.0, not true
        raise PublishError(_l("Este servidor no lee la versión %(version)s del formato de resultados (lee la "
                              "versión %(known)s): actualice Ideaboard en el servidor o en la computadora de la sala.",
                              version=str(manifest.get("version"))[:20], known=VERSION))
    listed = manifest.get("parts")
    if not isinstance(listed, dict) or set(listed) != set(contents) or not set(PARTS) <= set(listed):
        raise BundleDamaged(_l("faltan partes o sobran"))
    for name, data_ in contents.items():
        entry = listed[name]
        if (not isinstance(entry, dict) or entry.get("size") != len(data_)
                or not SHA256.match(str(entry.get("sha256"))) or hashlib.sha256(data_).hexdigest() != entry["sha256"]):
            raise BundleDamaged(_l("%(name)s no coincide con el manifiesto", name=name))
    return manifest, contents, manifest_bytes


def _limit(name: str) -> int:
    if name in PARTS or name == "manifest.json":
        return MAX_JSON_PART
    return current_app.config["UPLOAD_MAX_BYTES"]


def _loads(data: bytes, name: str):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BundleDamaged(_l("%(name)s no es JSON válido", name=name))


class _Checker:
    """Reads the parts' values, refusing what the database would not take (BundleDamaged)."""

    def __init__(self, part: str):
        self.part = part

    def fail(self):
        raise BundleDamaged(self.part)

    def obj(self, value) -> dict:
        return value if isinstance(value, dict) else self.fail()

    def items(self, value) -> list:
        return value if isinstance(value, list) else self.fail()

    def text(self, row: dict, key: str, limit: int, *, optional=False, empty=True):
        value = row.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or len(value) > limit or (not empty and not value.strip()) or "\x00" in value:
            self.fail()
        return value

    def flag(self, row: dict, key: str, *, optional=False):
        value = row.get(key)
        if value is None and optional:
            return None
        return value if isinstance(value, bool) else self.fail()

    def number(self, row: dict, key: str, low: int, high: int, *, optional=False):
        value = row.get(key)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail()
        return value

    def choice(self, row: dict, key: str, choices, *, optional=False):
        value = row.get(key)
        if value is None and optional:
            return None
        return value if value in choices else self.fail()

    def moment(self, row: dict, key: str, *, optional=False) -> datetime | None:
        value = row.get(key)
        if value is None and optional:
            return None
        try:
            if not isinstance(value, str) or not value.endswith("Z"):
                raise ValueError
            return datetime.fromisoformat(value[:-1])
        except ValueError:
            self.fail()

    def day(self, row: dict, key: str) -> date:
        value = row.get(key)
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail()

    def ref(self, row: dict, key: str, known, *, optional=False):
        value = row.get(key)
        if value is None and optional:
            return None
        return value if value in known else self.fail()

    def json_value(self, row: dict, key: str):
        value = row.get(key)
        if value is not None and not isinstance(value, dict):
            self.fail()
        return value


STATUSES = {s.value for s in IdeaStatus}
PHASES = {p.value for p in RoomPhase}
ANSWERS = {a.value for a in Answer}


def _parsed(contents: dict) -> dict:
    """Every part read and checked into plain values (nothing touches the database here)."""
    room_part = _Checker("ideathon.json")
    top = room_part.obj(_loads(contents["ideathon.json"], "ideathon.json"))
    room = room_part.obj(top.get("room"))
    people = room_part.obj(top.get("participants"))
    themes = []
    for row in room_part.items(top.get("themes")):
        row = room_part.obj(row)
        try:
            names = carried_names(row.get("names"))
        except ValueError:
            room_part.fail()
        themes.append({"ref": room_part.number(row, "ref", 1, 1000), "name": room_part.text(row, "name", 60, empty=False),
                       "icon": room_part.text(row, "icon", 20), "position": room_part.number(row, "position", 0, 1000),
                       "default_key": carried_default_key(row.get("default_key")), "names": names})
    theme_refs = {t["ref"] for t in themes}
    if len(theme_refs) != len(themes) or not themes:
        room_part.fail()
    dot_budget = room_part.number(room, "dot_budget", 1, 10)
    count = room_part.number(people, "count", 0, 1_000_000)
    ideathon = {
        "public_id": room_part.text(top, "public_id", 36, empty=False),
        "municipality_code": room_part.text(top, "municipality_code", 4, empty=False),
        "code": room_part.text(room, "code", 12, optional=True),
        "opened_at": room_part.moment(room, "opened_at", optional=True),
        "phase": room_part.choice(room, "phase", {RoomPhase.CLOSED.value}),
        "silent_ideas": room_part.flag(room, "silent_ideas"), "ideas_revealed": room_part.flag(room, "ideas_revealed"),
        "hidden_counts": room_part.flag(room, "hidden_counts"), "dot_budget": dot_budget,
        "max_dots_per_idea": room_part.number(room, "max_dots_per_idea", 1, dot_budget),
        "self_votes": room_part.flag(room, "self_votes"), "cards_only": room_part.flag(room, "cards_only"),
        "premoderation": room_part.flag(room, "premoderation"),
        "archived_at": room_part.moment(top, "archived_at"),
        "archived_by": room_part.text(top, "archived_by", 120, optional=True),
        "themes": themes, "participants": count,
        "exit_survey_done": room_part.number(people, "exit_survey_done", 0, count),
    }
    muted = []
    for row in room_part.items(people.get("muted")):
        row = room_part.obj(row)
        muted.append({"person": room_part.text(row, "person", 12, empty=False),
                      "muted_at": room_part.moment(row, "muted_at")})

    check = _Checker("ideas.json")
    ideas = []
    for row in check.items(_loads(contents["ideas.json"], "ideas.json")):
        row = check.obj(row)
        ideas.append({
            "ref": check.number(row, "ref", 1, 10_000_000), "theme": check.ref(row, "theme", theme_refs),
            "text": check.text(row, "text", MAX_IDEA_LENGTH, empty=False),
            "status": check.choice(row, "status", STATUSES - {IdeaStatus.WITHDRAWN.value}),
            "created_at": check.moment(row, "created_at"), "edited_at": check.moment(row, "edited_at", optional=True),
            "from_paper": check.flag(row, "from_paper"), "entered_by": check.text(row, "entered_by", 120, optional=True),
            "pinned": check.flag(row, "pinned"), "hidden_reason": check.text(row, "hidden_reason", 200, optional=True),
            "original_text": check.text(row, "original_text", MAX_IDEA_LENGTH, optional=True),
            "consolidated": check.flag(row, "consolidated"), "merged_into": row.get("merged_into"),
            "flagged_words": check.text(row, "flagged_words", 200, optional=True),
            # A bundle written before ideas had a language: Spanish, without translations.
            "language": check.choice(row, "language", LANGUAGES, optional=True) or "es",
            "translations": [],
        })
        for item in check.items(row.get("translations", [])):
            item = check.obj(item)
            language = check.choice(item, "language", LANGUAGES.keys() - {ideas[-1]["language"]})
            if any(t["language"] == language for t in ideas[-1]["translations"]):
                check.fail()
            ideas[-1]["translations"].append({
                "language": language, "text": check.text(item, "text", MAX_IDEA_LENGTH, empty=False),
                "translated_by": check.text(item, "translated_by", 120, optional=True),
                "created_at": check.moment(item, "created_at"),
                "updated_at": check.moment(item, "updated_at", optional=True)})
    idea_refs = {i["ref"] for i in ideas}
    if len(idea_refs) != len(ideas):
        check.fail()
    for idea in ideas:
        check.ref(idea, "merged_into", idea_refs - {idea["ref"]}, optional=True)

    check = _Checker("votes.json")
    votes = []
    for row in check.items(_loads(contents["votes.json"], "votes.json")):
        row = check.obj(row)
        votes.append({"idea": check.ref(row, "idea", idea_refs), "phone": check.number(row, "phone", 0, 10 * count),
                      "paper": check.number(row, "paper", 0, 100_000, optional=True)})
    if len({v["idea"] for v in votes}) != len(votes) or sum(v["phone"] for v in votes) > count * dot_budget:
        check.fail()

    check = _Checker("proposals.json")
    proposals = []
    for row in check.items(_loads(contents["proposals.json"], "proposals.json")):
        row = check.obj(row)
        proposals.append({
            **{name: check.text(row, name, limit, empty=name not in ("title", "problem", "proposal"))
               for name, limit in PROPOSAL_LIMITS.items()},
            "theme": check.ref(row, "theme", theme_refs, optional=True),
            "cost_range": check.choice(row, "cost_range", {c.value for c in CostRange}),
            "competence": check.choice(row, "competence", {c.value for c in Competence}),
            "votes": check.number(row, "votes", 0, 100_000_000),
            "ideas": [check.ref({"i": i}, "i", idea_refs) for i in check.items(row.get("ideas"))],
            "created_by": check.text(row, "created_by", 120, optional=True), "created_at": check.moment(row, "created_at"),
        })

    check = _Checker("moderation.json")
    log = check.obj(_loads(contents["moderation.json"], "moderation.json"))
    people_refs = {m["person"] for m in muted}
    actions = []
    for row in check.items(log.get("actions")):
        row = check.obj(row)
        person = check.text(row, "person", 12, optional=True)
        if person is not None and not re.fullmatch(r"p[1-9][0-9]{0,6}", person):
            check.fail()
        people_refs.add(person)
        actions.append({"action": check.text(row, "action", 30, empty=False),
                        "actor": check.text(row, "actor", 120, optional=True),
                        "idea": check.ref(row, "idea", idea_refs, optional=True), "person": person,
                        "before": check.json_value(row, "before"), "after": check.json_value(row, "after"),
                        "reason": check.text(row, "reason", 200, optional=True), "at": check.moment(row, "at")})
    people_refs.discard(None)
    if len(people_refs) > count:
        check.fail()
    merges = []
    for row in check.items(log.get("merges")):
        row = check.obj(row)
        merges.append({"idea": check.ref(row, "idea", idea_refs), "created_by": check.text(row, "created_by", 120, optional=True),
                       "created_at": check.moment(row, "created_at"), "undone_at": check.moment(row, "undone_at", optional=True),
                       "undone_by": check.text(row, "undone_by", 120, optional=True)})

    check = _Checker("phases.json")
    phases = []
    for row in check.items(_loads(contents["phases.json"], "phases.json")):
        row = check.obj(row)
        phases.append({"from": check.choice(row, "from", PHASES), "to": check.choice(row, "to", PHASES),
                       "actor": check.text(row, "actor", 120, optional=True), "at": check.moment(row, "at")})

    check = _Checker("surveys.json")
    surveys = check.obj(_loads(contents["surveys.json"], "surveys.json"))
    joined, left = [], []
    for row in check.items(surveys.get("participation")):
        row = check.obj(row)
        joined.append({"age_band": check.choice(row, "age_band", {a.value for a in AgeBand}, optional=True),
                       "gender": check.choice(row, "gender", {"woman", "man", "other"}, optional=True),
                       "community": check.text(row, "community", 80), "first_time": check.flag(row, "first_time", optional=True),
                       "created_on": check.day(row, "created_on")})
    for row in check.items(surveys.get("exit")):
        row = check.obj(row)
        left.append({"satisfaction": check.number(row, "satisfaction", 1, 5, optional=True),
                     "take_part_again": check.choice(row, "take_part_again", ANSWERS, optional=True),
                     "learned": check.choice(row, "learned", ANSWERS, optional=True),
                     "first_time": check.flag(row, "first_time", optional=True), "created_on": check.day(row, "created_on")})

    check = _Checker("evidence.json")
    evidence = []
    files = {name for name in contents if name.startswith(EVIDENCE_FOLDER)}
    for row in check.items(_loads(contents["evidence.json"], "evidence.json")):
        row = check.obj(row)
        file = check.ref(row, "file", files, optional=True)
        url = check.text(row, "url", 500, optional=True)
        if (file is None and url is None) or (url is not None and not is_web_address(url)):
            check.fail()
        evidence.append({"kind": check.choice(row, "kind", {k.value for k in EvidenceKind}),
                         "title": check.text(row, "title", 200, empty=False), "description": check.text(row, "description", 5000),
                         "url": url, "published": check.flag(row, "published"),
                         "created_by": check.text(row, "created_by", 120, optional=True),
                         "created_at": check.moment(row, "created_at"), "file": file,
                         "original_name": check.text(row, "original_name", 200, optional=True) or ""})
    if {e["file"] for e in evidence if e["file"]} != files or len(files) != sum(1 for e in evidence if e["file"]):
        check.fail()
    return {"ideathon": ideathon, "muted": muted, "ideas": ideas, "votes": votes, "proposals": proposals,
            "actions": actions, "merges": merges, "phases": phases, "joined": joined, "left": left,
            "evidence": evidence}


def _check_counts(manifest: dict, parsed: dict) -> None:
    found = {"participants": parsed["ideathon"]["participants"], "themes": len(parsed["ideathon"]["themes"]),
             "ideas": len(parsed["ideas"]), "phone_votes": sum(v["phone"] for v in parsed["votes"]),
             "paper_votes": sum(v["paper"] or 0 for v in parsed["votes"]), "proposals": len(parsed["proposals"]),
             "moderation_actions": len(parsed["actions"]), "merges": len(parsed["merges"]),
             "phase_changes": len(parsed["phases"]), "participation_surveys": len(parsed["joined"]),
             "exit_surveys": len(parsed["left"]), "evidence": len(parsed["evidence"]),
             "evidence_files": sum(1 for e in parsed["evidence"] if e["file"])}
    if isinstance(manifest.get("counts"), dict) and "idea_translations" in manifest["counts"]:
        # (not counted by bundles written before ideas had a language)
        found["idea_translations"] = sum(len(i["translations"]) for i in parsed["ideas"])
    if manifest.get("counts") != found:
        raise BundleDamaged(_l("los totales del manifiesto no coinciden"))
    header = manifest.get("ideathon")
    if (not isinstance(header, dict) or header.get("public_id") != parsed["ideathon"]["public_id"]
            or header.get("municipality_code") != parsed["ideathon"]["municipality_code"]):
        raise BundleDamaged(_l("la ideatón del manifiesto no coincide"))


def _target(parsed: dict, digest: str, *, lock: bool = False) -> tuple[Ideathon, Published | None]:
    """The ideathon the bundle belongs to on this server, or the refusal; Published if already done."""
    head = parsed["ideathon"]
    query = sa.select(Ideathon.id).where(Ideathon.public_id == head["public_id"])
    ideathon_id = db.session.scalar(query.with_for_update() if lock else query)
    ideathon = db.session.get(Ideathon, ideathon_id) if ideathon_id is not None else None
    if ideathon is None:
        raise PublishError(_l("Este paquete es de una ideatón que no existe en este servidor: publíquelo en el "
                              "servidor del que salió su kit de sala."), 404)
    if lock:
        db.session.refresh(ideathon)
    municipality = db.session.scalar(sa.select(Municipality).where(Municipality.code == head["municipality_code"]))
    if municipality is None:
        raise PublishError(_l("El código de municipio «%(code)s» del paquete no es de ningún municipio conocido.",
                              code=head["municipality_code"]))
    if municipality.id != ideathon.municipality_id:
        raise PublishError(_l("El paquete dice que la ideatón fue en %(bundle)s, pero en este servidor es de "
                              "%(here)s: no es la misma ideatón.", bundle=municipality.label,
                              here=ideathon.municipality.label))
    if ideathon.published_offline_at is not None:
        if ideathon.offline_bundle_sha256 == digest:
            return ideathon, Published(ideathon, True, ideathon.published_offline_at)
        raise PublishError(_l("Esta ideatón ya se publicó el %(when)s con otro paquete de resultados: no se "
                              "publica dos veces.", when=published_note_date(ideathon)), 409)
    if ideathon.is_cancelled:
        raise PublishError(_l("Esta ideatón está cancelada en este servidor: no se publican sus resultados."), 409)
    if ideathon.archived_at is not None or ideathon.room_code is not None or not ideathon.in_preparation:
        raise PublishError(_l("La sala de esta ideatón se usó en este servidor: los resultados de la sala sin "
                              "conexión no se mezclan con ella."), 409)
    return ideathon, None


def check_bundle(data: bytes, *, actor: User) -> tuple[dict, dict, str]:
    """Every check that needs no lock; returns (manifest, parsed parts, digest)."""
    if not can_plan(actor):
        raise PublishError(_l("Solo coordinación y administración pueden publicar resultados."), 403)
    manifest, contents, manifest_bytes = read_bundle(data)
    parsed = _parsed(contents)
    _check_counts(manifest, parsed)
    parsed["files"] = {name: body for name, body in contents.items() if name.startswith(EVIDENCE_FOLDER)}
    return manifest, parsed, bundle_digest(manifest_bytes)


# --- Storing -------------------------------------------------------------------------------------

def publish_bundle(data: bytes, *, actor: User) -> Published:
    """Check a results bundle and store it, all or nothing (see the module's docstring)."""
    manifest, parsed, digest = check_bundle(data, actor=actor)
    ideathon, done = _target(parsed, digest)
    if done is not None:
        return done
    checked = []
    for item in parsed["evidence"]:  # decoding photos takes a moment: before the write lock
        if item["file"]:
            upload = FileStorage(io.BytesIO(parsed["files"][item["file"]]), filename=item["original_name"] or item["file"])
            try:
                checked.append(check_upload(upload, accept=DOCUMENTS))
            except UploadError as error:
                raise PublishError(_l("Un archivo de evidencia del paquete (%(name)s) no se acepta: %(reason)s",
                                      name=item["file"], reason=str(error)))
        else:
            checked.append(None)
    try:
        with ExitStack() as files:
            uploads = [files.enter_context(stored(c, actor=actor)) if c is not None else None for c in checked]
            with write():
                ideathon, done = _target(parsed, digest, lock=True)
                if done is not None:  # the same bundle, published meanwhile: undo, files included
                    raise _AlreadyPublished(done)
                _store(ideathon, parsed, uploads, digest, actor)
            # Committed: leaving the files' contexts without an error keeps them (an error removes them).
    except _AlreadyPublished as already:
        return already.published
    return Published(ideathon, False, ideathon.published_offline_at)


class _AlreadyPublished(Exception):
    def __init__(self, published: Published):
        super().__init__()
        self.published = published


def _store(ideathon: Ideathon, parsed: dict, uploads: list, digest: str, actor: User) -> None:
    head = parsed["ideathon"]
    staff = _staff()
    # Themes: the laptop's, in its order (the kit brought the central ones; moderators may have changed them).
    current = list(ideathon.themes)
    theme_of = {}
    for n, row in enumerate(sorted(head["themes"], key=lambda t: (t["position"], t["ref"]))):
        theme = current[n] if n < len(current) else Theme(ideathon_id=ideathon.id)
        theme.name, theme.icon, theme.position = row["name"], row["icon"], row["position"]
        theme.default_key = row["default_key"]
        set_theme_names(theme, row["names"])
        db.session.add(theme)
        theme_of[row["ref"]] = theme
    for theme in current[len(theme_of):]:
        db.session.delete(theme)
    db.session.flush()

    people = [Participant(ideathon_id=ideathon.id, created_at=head["opened_at"] or head["archived_at"])
              for _ in range(head["participants"])]
    for person in people[:head["exit_survey_done"]]:
        person.exit_survey_done = True
    db.session.add_all(people)
    db.session.flush()
    person_of = {}
    for row in parsed["actions"]:
        if row["person"] and row["person"] not in person_of:
            person_of[row["person"]] = people[len(person_of)]
    for row in parsed["muted"]:
        if row["person"] not in person_of:
            person_of[row["person"]] = people[len(person_of)]
        person_of[row["person"]].muted_at = row["muted_at"]

    idea_of = {}
    for row in parsed["ideas"]:
        idea_of[row["ref"]] = Idea(
            ideathon_id=ideathon.id, theme_id=theme_of[row["theme"]].id, participant_id=None,
            client_id=str(uuid.uuid4()), text=row["text"], status=row["status"], created_at=row["created_at"],
            edited_at=row["edited_at"], from_paper=row["from_paper"], entered_by_id=staff.get(row["entered_by"]),
            pinned=row["pinned"], hidden_reason=row["hidden_reason"], original_text=row["original_text"],
            consolidated=row["consolidated"], flagged_words=row["flagged_words"], language=row["language"])
    db.session.add_all(idea_of.values())
    db.session.flush()
    db.session.add_all(IdeaTranslation(idea_id=idea_of[row["ref"]].id, language=t["language"], text=t["text"],
                                       translated_by_id=staff.get(t["translated_by"]), created_at=t["created_at"],
                                       updated_at=t["updated_at"])
                       for row in parsed["ideas"] for t in row["translations"])
    for row in parsed["ideas"]:
        if row["merged_into"] is not None:
            idea_of[row["ref"]].merged_into_id = idea_of[row["merged_into"]].id

    # Phone dots, spread over the anonymous participants so that no one holds more than the room
    # allowed (they say how many dots each idea got, nothing about who gave them).
    dots = [idea_of[row["idea"]].id for row in parsed["votes"] for _ in range(row["phone"])]
    given: dict[tuple[int, int], int] = {}
    for n, idea_id in enumerate(dots):
        person = people[n % len(people)]
        given[person.id, idea_id] = given.get((person.id, idea_id), 0) + 1
        db.session.add(Vote(ideathon_id=ideathon.id, idea_id=idea_id, participant_id=person.id,
                            slot=n // len(people) + 1, idea_slot=given[person.id, idea_id], client_id=str(uuid.uuid4()),
                            created_at=head["archived_at"]))
    for row in parsed["votes"]:
        if row["paper"] is not None:
            db.session.add(PaperTally(idea_id=idea_of[row["idea"]].id, votes=row["paper"], entered_at=head["archived_at"]))

    for row in parsed["proposals"]:
        theme = theme_of.get(row["theme"]) if row["theme"] is not None else None
        proposal = Proposal(ideathon_id=ideathon.id, municipality_id=ideathon.municipality_id,
                            theme_id=theme.id if theme else None, votes=row["votes"],
                            created_by_id=staff.get(row["created_by"]), created_at=row["created_at"],
                            cost_range=row["cost_range"], competence=row["competence"],
                            **{name: row[name] for name in PROPOSAL_LIMITS})
        proposal.ideas = [idea_of[ref] for ref in dict.fromkeys(row["ideas"])]
        proposal.search_text = search_text_of(proposal, theme)
        db.session.add(proposal)
    for row in parsed["merges"]:
        db.session.add(Merge(ideathon_id=ideathon.id, idea_id=idea_of[row["idea"]].id,
                             created_by_id=staff.get(row["created_by"]), created_at=row["created_at"],
                             undone_at=row["undone_at"], undone_by_id=staff.get(row["undone_by"])))
    for row in parsed["actions"]:
        db.session.add(ModerationAction(
            ideathon_id=ideathon.id, actor_id=staff.get(row["actor"]), action=row["action"],
            idea_id=idea_of[row["idea"]].id if row["idea"] is not None else None,
            participant_id=person_of[row["person"]].id if row["person"] else None,
            before=row["before"], after=row["after"], reason=row["reason"], at=row["at"]))
    for row in parsed["phases"]:
        db.session.add(PhaseChange(ideathon_id=ideathon.id, from_phase=row["from"], to_phase=row["to"],
                                   actor_id=staff.get(row["actor"]), at=row["at"]))
    db.session.add_all(ParticipationSurvey(ideathon_id=ideathon.id, **row) for row in parsed["joined"])
    db.session.add_all(ExitSurvey(ideathon_id=ideathon.id, **row) for row in parsed["left"])
    for row, upload in zip(parsed["evidence"], uploads):
        evidence = Evidence(kind=row["kind"], title=row["title"], description=row["description"], url=row["url"],
                            published=row["published"], created_by_id=staff.get(row["created_by"]),
                            created_at=row["created_at"], ideathon_id=ideathon.id)
        if upload is not None:
            db.session.add(upload)
            evidence.upload = upload
        db.session.add(evidence)

    code = head["code"]
    if not code or db.session.scalar(sa.select(Ideathon.id).where(Ideathon.room_code == code)):
        code = generate_code()
        while db.session.scalar(sa.select(Ideathon.id).where(Ideathon.room_code == code)):
            code = generate_code()
    for name in ("silent_ideas", "ideas_revealed", "hidden_counts", "dot_budget", "max_dots_per_idea", "self_votes",
                 "cards_only", "premoderation"):
        setattr(ideathon, name, head[name])
    ideathon.room_code, ideathon.room_opened_at, ideathon.phase = code, head["opened_at"], RoomPhase.CLOSED.value
    ideathon.timer_ends_at = None
    ideathon.archived_at, ideathon.archived_by_id = head["archived_at"], staff.get(head["archived_by"])
    ideathon.published_offline_at, ideathon.offline_bundle_sha256 = utcnow(), digest
    db.session.add(ModerationAction(ideathon_id=ideathon.id, actor_id=actor.id, action="publish_offline",
                                    after={"bundle": digest}))


def _staff() -> dict[str, int]:
    """This server's accounts by name, for the staff a bundle names (a name two accounts share: neither)."""
    rows = db.session.execute(sa.select(User.name, User.id)).all()
    seen: dict[str, int | None] = {}
    for name, user_id in rows:
        seen[name] = None if name in seen else user_id
    return {name: user_id for name, user_id in seen.items() if user_id is not None}
