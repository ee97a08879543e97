"""Rules for uploaded files: what is accepted, how it is stored, served and removed.

- A file is judged by its content, never by its name or the type the browser claims: JPEG, PNG and
  WebP images, and PDF documents. Anything else is refused with a message saying what is accepted.
- Images are decoded (first frame only, a bounded number of pixels, only those three decoders) and
  encoded anew: turned upright, colours converted to sRGB, at most `MAX_SIDE` pixels a side, with no
  metadata at all (no GPS position, no camera serial, no comments). A small copy serves lists.
- PDFs are kept as they are, but refused when they carry active content (JavaScript, launch
  actions, embedded files, XFA forms); they are always served as a download, never shown inline.
- Voice recordings (`check_voice`) are judged by their content too (`audio.py`: a real audio
  container, one audio stream, a duration measured from its packets within `VOICE_MAX_SECONDS`,
  at most `VOICE_MAX_BYTES`), and kept as they came. They belong to an idea and are served only to
  the room's moderators (moderation/views.py); `prune_uploads()` deletes them
  `VOICE_RETENTION_DAYS` after their ideathon is archived.
- Files live in the upload folder (`UPLOAD_FOLDER`, else `instance/uploads`), never in the static
  folder, under random names; the original name is kept, cleaned, only for the download's name.
- Who may see a file is decided by the record it belongs to (evidence, a pilot's agreement): this
  module has no public route of its own. Domains serve files with `send_upload`.
- Rows and files go together: `check_upload()` decides before any transaction (decoding a photo
  takes a moment: not while holding the write lock); `stored()` writes the files and yields the row
  for the caller's write(), removing the files if the block raises; `discard_upload()` deletes a row
  in the caller's write(), its files going once that commits. `prune_uploads()` (the
  `flask uploads prune` command) clears what a crash or a database-level cascade left behind.

Used by the evidence (photos, documents) and by the pilots' signed agreements (PDF).
"""
import io
import os
import re
import secrets
import unicodedata
import warnings
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage
from werkzeug.security import safe_join

from ..accounts.models import User
from ..database import utcnow, write
from ..extensions import Session, db
from ..ideas.models import Idea
from ..ideathons.models import Ideathon
from ..refusals import Refusal
from . import audio
from .models import THUMB_SIDE, Upload

IMAGE = "image"
PDF = "pdf"
PHOTOS = frozenset({IMAGE})
DOCUMENTS = frozenset({PDF, IMAGE})  # a scanned or photographed document is an image

MAX_SIDE = 1600  # pixels, the long side of a stored image: sharp on a projector, light on 3G
MAX_PIXELS = 50_000_000  # decoded size of an accepted image (a 50-megapixel camera); bigger is refused
JPEG_QUALITY = 82
MAX_NAME = 200

_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf", **audio.EXTENSIONS}
# PDF names that make a document act rather than be read. Names may hide letters as #xx escapes.
_ACTIVE_PDF_NAMES = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"XFA", b"RichMedia",
                     b"SubmitForm", b"ImportData"}
_PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9_.+-]|#[0-9A-Fa-f]{2})+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
MAX_INFLATED = 64 * 1024 * 1024  # bytes of object streams inflated to check a PDF, all together


class UploadError(Refusal):
    """The file was refused; the message is for the person who sent it (in Spanish, through Babel)."""


@dataclass
class CheckedFile:
    """An accepted file, ready to store: its bytes as they will be written, nothing on disk yet."""

    content_type: str
    data: bytes
    original_name: str
    width: int | None = None
    height: int | None = None
    thumb: bytes | None = None

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.content_type]


# --- Checking ------------------------------------------------------------------------------------

def accepted_types(accept=PHOTOS) -> str:
    """What a refusal lists, in words."""
    if IMAGE not in accept:
        return str(_l("documentos PDF"))
    return str(_l("fotos (JPG, PNG o WebP) o documentos PDF") if PDF in accept else _l("fotos (JPG, PNG o WebP)"))


def accept_attribute(accept=PHOTOS) -> str:
    """A file input's `accept`: what the phone's picker offers (a hint, not a check)."""
    types = (["application/pdf"] if PDF in accept else []) + (list(_IMAGE_FORMATS.values()) if IMAGE in accept else [])
    return ",".join(types)


def check_upload(file: FileStorage | None, *, accept=PHOTOS) -> CheckedFile:
    """Read an uploaded file and decide by its content whether it is accepted (`accept`: IMAGE,
    PDF or both); images come back re-encoded. Nothing is written. Raises UploadError with a message
    for the person who sent it."""
    if file is None or not file.filename:
        raise UploadError(_l("Elija un archivo."))
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(_l("El archivo pesa más de %(mb)s MB.", mb=limit // (1024 * 1024)), status=413)
    if not data:
        raise UploadError(_l("El archivo está vacío."))
    name = clean_name(file.filename)
    kind = _sniff(data)
    if kind is None or kind not in accept:
        raise UploadError(_l("Ese tipo de archivo no se acepta. Se aceptan %(types)s.", types=accepted_types(accept)))
    if kind == PDF:
        return CheckedFile("application/pdf", _checked_pdf(data), name)
    return _reencoded_image(data, name)


def check_voice(file: FileStorage | None) -> CheckedFile:
    """Read a voice recording (from the phone's recorder or the page's) and decide by its content
    whether it is accepted: one of the audio containers of `audio.py`, at most VOICE_MAX_BYTES,
    lasting at most VOICE_MAX_SECONDS (plus a small margin). Kept as it came. Nothing is written.
    Raises UploadError with a message for the person who recorded it."""
    if file is None or not file.filename:
        raise UploadError(_l("Grabe su idea o elija un audio antes de enviarlo."))
    limit = current_app.config["VOICE_MAX_BYTES"]
    data = file.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(_l("La grabación pesa más de %(kb)s KB. Grabe una más corta.", kb=limit // 1024),
                          status=413)
    if not data:
        raise UploadError(_l("La grabación está vacía: no tiene sonido. Grabe de nuevo."))
    checked = audio.check_audio(data, UploadError)
    return CheckedFile(checked.content_type, data, clean_name(file.filename) or "grabacion")


def _sniff(data: bytes) -> str | None:
    """The kind of file its first bytes say it is (a PDF's header may follow some junk)."""
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return IMAGE
    if b"%PDF-" in data[:1024]:
        return PDF
    return None


def _checked_pdf(data: bytes) -> bytes:
    if b"%%EOF" not in data[-2048:]:
        raise UploadError(_l("El PDF está incompleto o dañado. Vuelva a guardarlo e intente de nuevo."))
    for match in _PDF_NAME.finditer(_pdf_structure(data)):
        name = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        if name in _ACTIVE_PDF_NAMES:
            raise UploadError(_l("El PDF contiene programas, formularios activos o archivos adjuntos, que no se "
                                 "aceptan. Imprímalo como PDF («Microsoft Print to PDF» o «Guardar como PDF») y "
                                 "suba ese."))
    return data


def _pdf_structure(data: bytes) -> bytes:
    """The PDF's objects as its reader sees them: everything outside streams (page contents, fonts
    and images would only give false alarms), plus the inflated content of its object streams,
    where PDF 1.5 and later keep most dictionaries compressed."""
    parts, last, budget = [], 0, MAX_INFLATED
    for match in _STREAM.finditer(data):
        head = data[last:match.start()]
        parts.append(head)
        dictionary = head[head.rfind(b"obj"):]
        if b"/ObjStm" in dictionary and b"/FlateDecode" in dictionary:
            inflated = _inflated(match.group(1), budget)
            budget -= len(inflated)
            parts.append(inflated)
        last = match.end()
    parts.append(data[last:])
    return b"\n".join(parts)


def _inflated(stream: bytes, budget: int) -> bytes:
    """An object stream inflated, within what is left of the budget: object streams that inflate
    without end (a zip bomb) make the document refused, not the server's memory run out."""
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(stream, budget + 1)
    except zlib.error:
        raise UploadError(_l("El PDF está incompleto o dañado. Vuelva a guardarlo e intente de nuevo.")) from None
    if len(inflated) > budget:
        raise UploadError(_l("No se pudo revisar el PDF: es demasiado complejo. Imprímalo como PDF e intente de nuevo."))
    return inflated


def _reencoded_image(data: bytes, name: str) -> CheckedFile:
    too_large = UploadError(_l("La imagen es demasiado grande (más de %(n)s megapíxeles).", n=MAX_PIXELS // 1_000_000))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only these decoders: an upload never reaches Pillow's rarer (and less trodden) ones.
            with Image.open(io.BytesIO(data), formats=list(_IMAGE_FORMATS)) as source:
                if source.width * source.height > MAX_PIXELS:  # known from the header, before decoding
                    raise too_large
                lossless = source.format == "PNG"  # drawings and screenshots stay lossless
                if source.format == "JPEG":
                    source.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale: less memory and time
                source.seek(0)  # an animation's first frame
                source.load()
                image = _upright_srgb(source)
            keep_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
            lossless = lossless or keep_alpha
            image = image.convert("RGBA" if keep_alpha else "RGB")
            # Pillow writes what `info` holds (a JPEG comment, an ICC profile, EXIF) unless told
            # otherwise: nothing of the source goes along.
            image.info = {}
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            thumb = image.copy()
            thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
            return CheckedFile("image/png" if lossless else "image/jpeg", _encoded(image, lossless), name,
                               width=image.width, height=image.height, thumb=_encoded(thumb, lossless))
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise UploadError(_l("No se pudo leer la imagen. Pruebe con una foto JPG o PNG.")) from None


def _upright_srgb(image: Image.Image) -> Image.Image:
    """Turned the way the camera held it, in sRGB: the two things worth keeping from metadata."""
    image = ImageOps.exif_transpose(image)
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                                              ImageCms.createProfile("sRGB"),
                                              outputMode="RGBA" if image.mode == "RGBA" else "RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the colours as they are
    return image


def _encoded(image: Image.Image, lossless: bool) -> bytes:
    out = io.BytesIO()
    if lossless:
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def clean_name(filename: str) -> str:
    """The name a person gave the file, without folders, control characters or a trailing
    extension (the stored type decides it), for the name of the download."""
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 5:
        name = stem
    return " ".join(name.split()).strip(" .")[:MAX_NAME]


# --- Storing and removing ------------------------------------------------------------------------

def upload_folder() -> Path:
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    return Path(folder)


def _write_file(folder: Path, name: str, data: bytes) -> None:
    temporary = folder / f".{name}.part"
    try:
        with open(temporary, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / name)
    finally:
        temporary.unlink(missing_ok=True)


def _remove_files(names) -> None:
    folder = upload_folder()
    for name in names:
        if name:
            try:
                (folder / name).unlink()
            except FileNotFoundError:
                pass


@contextmanager
def stored(checked: CheckedFile, *, actor: User | None):
    """Write a checked file (and its small copy) under new random names and yield its Upload row,
    not yet added: the caller adds it in its own write(). If the block raises, the files are removed.

        with stored(checked, actor=actor) as upload, write():
            db.session.add(Evidence(upload=upload, ...))
    """
    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    stored_name = f"{token}.{checked.extension}"
    thumb_name = f"{token}-mini.{checked.extension}" if checked.thumb is not None else None
    written = []
    try:
        for name, data in ((stored_name, checked.data), (thumb_name, checked.thumb)):
            if name:
                _write_file(folder, name, data)
                written.append(name)
        yield Upload(stored_name=stored_name, thumb_name=thumb_name, content_type=checked.content_type,
                     original_name=checked.original_name, size=len(checked.data), width=checked.width,
                     height=checked.height, created_by_id=actor.id if actor is not None else None)
    except BaseException:
        _remove_files(written)
        raise


def discard_upload(upload: Upload) -> None:
    """Delete an upload's row (inside the caller's write()); its files go once that commits, and
    stay if it rolls back."""
    session = db.session()
    session.info.setdefault("discarded_upload_files", []).extend([upload.stored_name, upload.thumb_name])
    session.delete(upload)


@sa.event.listens_for(Session, "after_commit")
def _remove_discarded_files(session) -> None:
    _remove_files(session.info.pop("discarded_upload_files", None) or [])


@sa.event.listens_for(Session, "after_rollback")
def _keep_discarded_files(session) -> None:
    session.info.pop("discarded_upload_files", None)


def _referenced():
    """A condition true for an upload some row still points at (evidence, a pilot's agreement...),
    found from the schema so that a new table pointing at uploads is counted without a change here."""
    uses = []
    for table in db.metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table.name == Upload.__tablename__:
                uses.append(sa.exists().where(fk.parent == Upload.id))
    return sa.or_(*uses) if uses else sa.false()


def prune_uploads(*, older_than: timedelta = timedelta(hours=1)) -> dict:
    """Remove uploads nothing points at any more, and files with no row (an upload cut short).

    Only those older than `older_than`, so that an upload whose record is still being written is
    never taken. Returns {"rows": n, "files": n}. Called by `flask uploads prune` (cron)."""
    cutoff = utcnow() - older_than
    expired = expire_voice_recordings()
    with write():
        orphans = db.session.scalars(sa.select(Upload).where(Upload.created_at < cutoff, sa.not_(_referenced()))).all()
        for upload in orphans:
            discard_upload(upload)
    known = set()
    for stored_name, thumb_name in db.session.execute(sa.select(Upload.stored_name, Upload.thumb_name)):
        known.update({stored_name, thumb_name})
    db.session.commit()
    removed = 0
    folder = upload_folder()
    if folder.is_dir():
        oldest = (datetime.now() - older_than).timestamp()
        for path in folder.iterdir():
            if path.is_file() and path.name not in known and path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
                removed += 1
    return {"rows": len(orphans), "files": removed, "voice": expired}


def expire_voice_recordings(now=None) -> int:
    """Delete the recordings of voice ideas whose ideathon was archived more than
    VOICE_RETENTION_DAYS ago (the idea stays, transcribed or not: only its sound goes). Returns how
    many went. Run by `flask uploads prune`."""
    days = current_app.config["VOICE_RETENTION_DAYS"]
    before = (now or utcnow()) - timedelta(days=days)
    with write():
        ideas = db.session.scalars(
            sa.select(Idea).join(Ideathon, Ideathon.id == Idea.ideathon_id)
            .where(Idea.audio_id.is_not(None), Ideathon.archived_at.is_not(None), Ideathon.archived_at <= before)
        ).all()
        for idea in ideas:
            upload = db.session.get(Upload, idea.audio_id)
            idea.audio_id = None
            if upload is not None:
                discard_upload(upload)
    return len(ideas)


# --- Serving -------------------------------------------------------------------------------------

def download_name(upload: Upload) -> str:
    return f"{upload.original_name or 'archivo'}.{_EXTENSIONS[upload.content_type]}"


def send_upload(upload: Upload, *, thumb: bool = False, public: bool = False):
    """The file as a response, for a view that has already decided the visitor may see it.

    Images are shown inline, anything else is a download; either way the browser may not sniff
    another type, run scripts from it or embed it elsewhere. `public`: caches may keep it an hour
    (a stored file never changes under its name, and one withdrawn from the public is gone from
    them within the hour); otherwise nothing is cached."""
    name = upload.thumb_name if thumb and upload.thumb_name else upload.stored_name
    path = safe_join(str(upload_folder()), name)
    if path is None or not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=upload.content_type, as_attachment=not (upload.is_image or upload.is_audio),
                         download_name=download_name(upload), conditional=True, etag=True, max_age=None)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
