"""Rules for the programme's evidence: the photos, video links and documents that show the work was done.

- Evidence hangs on an ideathon or on an activity of the programme (the "medio de verificación").
  An activity linked to an ideathon shows the ideathon's evidence too, and the ideathon the
  activity's.
- Who manages it: the ideathon's moderators and the planners (coordinators, admins) for an ideathon's
  evidence; the planners only for an activity's.
- What each kind needs: a photo is an uploaded image with a description of what it shows (read
  aloud by screen readers); a video is a link (videos are never uploaded: too heavy for the phones
  and the server); a communiqué, report or other document is an uploaded PDF or image, or a link to
  where it is published.
- Who sees it: whoever manages it sees everything; anyone else sees what is published, for an
  activity only once its programme is published. Unpublished evidence is not found (404) by others.
  These two rules are in ideaboard.policies.
- Files are checked and stored by uploads/services.py; deleting evidence deletes its file.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from ..accounts.models import User
from ..database import write
from ..extensions import db
from ..ideathons.models import Ideathon
from ..policies import can_manage_evidence, can_manage_evidence_of, can_see_evidence
from ..programme.models import Activity
from ..programme.services import ProgrammeError, refuse
from ..uploads.services import DOCUMENTS, PHOTOS, UploadError, check_upload, discard_upload, stored
from .models import Evidence, EvidenceKind

LIMITS = {"title": 200, "description": 2000, "url": 500}
FILE_KINDS = {EvidenceKind.PHOTO: PHOTOS, EvidenceKind.COMMUNIQUE: DOCUMENTS, EvidenceKind.REPORT: DOCUMENTS,
              EvidenceKind.DOCUMENT: DOCUMENTS}
KIND_ORDER = list(EvidenceKind)


class EvidenceError(ProgrammeError):
    """Refused; the message is for the person who tried. `errors` maps form fields to their message."""


@dataclass
class EvidenceDraft:
    kind: str = EvidenceKind.PHOTO.value
    title: str = ""
    description: str = ""
    url: str = ""
    published: bool = True


Target = Ideathon | Activity


# --- Refusing whoever may not manage it -----------------------------------------------------------

def _require_manager(actor: User, allowed: bool) -> None:
    if not allowed:
        raise EvidenceError(_l("Solo coordinación, administración o quienes moderan la ideatón pueden cambiar "
                               "sus evidencias."), status=403)


# --- Lists ---------------------------------------------------------------------------------------

def _visible(rows, viewer: User) -> list[Evidence]:
    return sorted((e for e in rows if can_see_evidence(viewer, e)),
                  key=lambda e: (KIND_ORDER.index(e.kind_enum), e.created_at, e.id))


def evidence_for(target: Target, *, viewer: User) -> list[Evidence]:
    """The evidence of an ideathon or an activity that `viewer` may see, photos first, then by age."""
    if isinstance(target, Activity):
        where = Evidence.activity_id == target.id
        if target.ideathon_id is not None:
            where = sa.or_(where, Evidence.ideathon_id == target.ideathon_id)
    else:
        linked = sa.select(Activity.id).where(Activity.ideathon_id == target.id)
        where = sa.or_(Evidence.ideathon_id == target.id, Evidence.activity_id.in_(linked))
    return _visible(db.session.scalars(sa.select(Evidence).where(where)).unique(), viewer)


# --- Changes -------------------------------------------------------------------------------------

def _texts(draft: EvidenceDraft, kind: EvidenceKind | None) -> tuple[dict, dict]:
    values, errors = {}, {}
    for name in ("title", "description", "url"):
        value = (getattr(draft, name) or "").strip()
        if len(value) > LIMITS[name]:
            errors[name] = _l("Admite como máximo %(n)s caracteres.", n=LIMITS[name])
        values[name] = value
    if not values["title"]:
        errors["title"] = _l("Escriba un título.")
    if kind is EvidenceKind.PHOTO and not values["description"] and "description" not in errors:
        errors["description"] = _l("Describa lo que muestra la foto: lo leen en voz alta los lectores de pantalla.")
    if values["url"] and "url" not in errors and not _is_web_address(values["url"]):
        errors["url"] = _l("Escriba una dirección web completa, que empiece por https://")
    return values, errors


def _is_web_address(url: str) -> bool:
    """http(s), a host, nothing hidden in it (no user:password@ that could disguise where it leads)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.scheme in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc
            and not any(ch.isspace() or ord(ch) < 32 for ch in url))


def add_evidence(target: Target, draft: EvidenceDraft, file: FileStorage | None, *, actor: User) -> Evidence:
    """Attach a photo, a video link or a document to an ideathon or an activity.

    Called by the evidence pages. Checks every field at once (EvidenceError with `errors`); an
    accepted file is stored before the row, and removed again if the row cannot be written."""
    _require_manager(actor, can_manage_evidence_of(actor, target))
    try:
        kind = EvidenceKind(draft.kind)
    except ValueError:
        kind = None
    values, errors = _texts(draft, kind)
    if kind is None:
        errors["kind"] = _l("Elija qué clase de evidencia es.")
    has_file = file is not None and bool(file.filename)
    checked = None
    if kind is EvidenceKind.VIDEO:
        if has_file:
            errors["file"] = _l("Los videos no se suben: pegue el enlace donde está publicado.")
        if not values["url"] and "url" not in errors:
            errors["url"] = _l("Pegue el enlace del video.")
    elif kind is EvidenceKind.PHOTO and values["url"] and "url" not in errors:
        errors["url"] = _l("Las fotos se suben como archivo: deje el enlace vacío.")
    elif kind is not None:
        if has_file and values["url"]:
            errors["url"] = _l("Suba el archivo o pegue el enlace, no los dos.")
        elif not has_file and not values["url"] and kind is not EvidenceKind.PHOTO:
            errors["file"] = _l("Suba el documento o pegue el enlace donde está publicado.")
    if kind in FILE_KINDS and (has_file or kind is EvidenceKind.PHOTO) and "file" not in errors:
        try:
            checked = check_upload(file, accept=FILE_KINDS[kind])
        except UploadError as error:
            errors["file"] = str(error)
    refuse(errors, error=EvidenceError)
    attached = {"activity_id": target.id} if isinstance(target, Activity) else {"ideathon_id": target.id}
    row = dict(kind=kind.value, title=values["title"], description=values["description"],
               url=values["url"] or None, published=bool(draft.published), created_by_id=actor.id, **attached)
    if checked is None:
        with write():
            evidence = Evidence(**row)
            db.session.add(evidence)
        return evidence
    with stored(checked, actor=actor) as upload, write():
        evidence = Evidence(upload=upload, **row)
        db.session.add(evidence)
    return evidence


def update_evidence(evidence: Evidence, draft: EvidenceDraft, *, actor: User) -> Evidence:
    """Change the title, the description, the link (of evidence that is a link) and whether it is
    published. The kind and the file stay: to replace a file, delete the evidence and add it again."""
    _require_manager(actor, can_manage_evidence(actor, evidence))
    values, errors = _texts(draft, evidence.kind_enum)
    if evidence.upload_id is not None and values["url"]:
        errors["url"] = _l("Esta evidencia es un archivo: deje el enlace vacío.")
    elif evidence.upload_id is None and not values["url"] and "url" not in errors:
        errors["url"] = _l("Pegue el enlace.")
    refuse(errors, error=EvidenceError)
    with write():
        evidence.title = values["title"]
        evidence.description = values["description"]
        if evidence.upload_id is None:
            evidence.url = values["url"]
        evidence.published = bool(draft.published)
    return evidence


def publish_evidence(evidence: Evidence, *, actor: User, published: bool = True) -> Evidence:
    """Show the evidence to the public, or keep it to the people who manage it."""
    _require_manager(actor, can_manage_evidence(actor, evidence))
    with write():
        evidence.published = published
    return evidence


def delete_evidence(evidence: Evidence, *, actor: User) -> None:
    """Delete the evidence and its file (the file once the deletion is committed)."""
    _require_manager(actor, can_manage_evidence(actor, evidence))
    with write():
        upload = evidence.upload
        db.session.delete(evidence)
        if upload is not None:
            discard_upload(upload)
