"""Backups of an instance, and their restore: `flask --app wsgi backup DEST` and
`flask --app wsgi restore SRC [--force]` (README, "Backups").

A backup is one folder, made next to DEST and renamed to DEST once complete (an interrupted backup
never looks like one):

    manifest.json   what is in it: the database's kind and migration, each file's size and SHA-256
    ideaboard.db    SQLite only: a consistent copy made with SQLite's online backup API while the
                    server runs (readers and writers carry on; it needs no lock of its own)
    secret_key      the instance's generated key, when the instance uses one (it signs sessions
                    and the participants' cookies: without it every phone would have to join again)
    uploads/        every uploaded file (agreements, photos, documents)

On PostgreSQL the database is not in it: the backup says how to `pg_dump` it beside the rest.

A restore first checks everything (the manifest, every file's size and SHA-256, SQLite's own
integrity check of the database), and refuses to replace an instance that has data unless told to
(--force), in which case what it replaces is kept aside, renamed `*.before-restore-<time>`.
Nothing is written before every check has passed.
"""
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from .extensions import db
from .uploads.services import upload_folder

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "ideaboard.db"
SECRET_KEY = "secret_key"
UPLOADS = "uploads"


class BackupError(Exception):
    """A backup or restore that cannot be done, with what to do about it (shown as it is)."""


@dataclass
class Instance:
    """Where this app keeps what a backup holds."""

    dialect: str  # "sqlite" or "postgresql"
    database: Path | None  # the SQLite file
    secret_key: Path
    uploads: Path
    key_in_folder: bool  # the key in use is the instance folder's (not SECRET_KEY from the environment)

    @classmethod
    def current(cls) -> "Instance":
        url = db.engine.url
        secret_key = Path(current_app.instance_path) / SECRET_KEY
        key_in_folder = secret_key.exists() and secret_key.read_text().strip() == current_app.config["SECRET_KEY"]
        database = Path(url.database).resolve() if url.get_backend_name() == "sqlite" and url.database else None
        return cls(url.get_backend_name(), database, secret_key, upload_folder(), key_in_folder)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _uploaded_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except (sqlite3.Error, TypeError):
        return None


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} kB"


def pg_commands(folder: Path) -> list[str]:
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=True)
    dump = folder / "ideaboard.pgdump"
    return [f"  pg_dump --format=custom --file '{dump}' '{url}'",
            f"  pg_restore --no-owner --exit-on-error --dbname '{url}' '{dump}'   (into an empty database)"]


def make_backup(destination: str | os.PathLike) -> list[str]:
    """Write a backup of this instance into the new folder `destination`."""
    destination = Path(destination).absolute()
    if destination.exists() or destination.is_symlink():
        raise BackupError(f"{destination} already exists: give a new name (a backup never overwrites anything).")
    if not destination.parent.is_dir():
        raise BackupError(f"{destination.parent} is not a folder: create it first, or give another place.")
    instance = Instance.current()
    partial = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
    lines = []
    try:
        partial.mkdir()
        manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "database": instance.dialect, "revision": None, "secret_key": instance.key_in_folder,
                    "files": {}}
        if instance.database is not None:
            if not instance.database.exists():
                raise BackupError(f"There is no database at {instance.database} to back up.")
            source = sqlite3.connect(instance.database, timeout=30)  # a command, not the server: C may wait
            target = sqlite3.connect(partial / DATABASE)
            try:
                source.backup(target)  # one step: a consistent snapshot, taken while others read and write
                manifest["revision"] = _revision(target)
            finally:
                target.close()
                source.close()
            lines.append(f"database: SQLite, migration {manifest['revision']}, "
                         f"{_size((partial / DATABASE).stat().st_size)}")
        if instance.key_in_folder:
            shutil.copy2(instance.secret_key, partial / SECRET_KEY)
            lines.append("secret key: included")
        else:
            lines.append("secret key: NOT included (SECRET_KEY comes from the environment: keep it with the backup)")
        uploads = _uploaded_files(instance.uploads)
        (partial / UPLOADS).mkdir()
        for path in uploads:
            copy = partial / UPLOADS / path.relative_to(instance.uploads)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
        lines.append(f"uploads: {len(uploads)} files, {_size(sum(p.stat().st_size for p in uploads))}")
        for path in sorted(p for p in partial.rglob("*") if p.is_file()):
            manifest["files"][path.relative_to(partial).as_posix()] = {"size": path.stat().st_size,
                                                                       "sha256": _sha256(path)}
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        partial.rename(destination)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if instance.dialect == "postgresql":
        lines += ["database: PostgreSQL, NOT included: dump it beside the rest with pg_dump,"
                  " and restore it with pg_restore:", *pg_commands(destination)]
    return [f"Backup written to {destination}", *lines]


def check_backup(source: str | os.PathLike) -> dict:
    """The backup's manifest once every file has been checked; BackupError saying what is wrong."""
    source = Path(source).absolute()
    if not source.is_dir():
        raise BackupError(f"{source} is not a backup folder (flask --app wsgi backup makes one).")
    try:
        manifest = json.loads((source / MANIFEST).read_text())
        files = manifest["files"]
        assert manifest["format"] == FORMAT and isinstance(files, dict)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        raise BackupError(f"{source} is not a readable Ideaboard backup: its {MANIFEST} is missing or damaged.") from None
    for name, expected in files.items():
        path = source / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise BackupError(f"{source}: the manifest names a file outside the backup ({name}).")
        if not path.is_file():
            raise BackupError(f"{source} is incomplete: {name} is missing. Nothing was restored.")
        if path.stat().st_size != expected["size"] or _sha256(path) != expected["sha256"]:
            raise BackupError(f"{source} is damaged: {name} is not as it was backed up (truncated or changed). "
                              "Nothing was restored; use another backup.")
    if manifest["database"] == "sqlite":
        if DATABASE not in files:
            raise BackupError(f"{source} is incomplete: its database is missing. Nothing was restored.")
        try:
            verdict = _read_only(source / DATABASE, "PRAGMA integrity_check", immutable=True)
        except sqlite3.Error as error:
            verdict = str(error)
        if verdict != "ok":
            raise BackupError(f"{source} is damaged: SQLite's integrity check says {verdict!r}. Nothing was restored.")
    return manifest


def _read_only(path: Path, sql: str, *, immutable: bool = False):
    """The first value `sql` answers on the SQLite file at `path`, opened read-only (and, for a
    backup nothing else writes, immutable: no lock taken, no -wal or -shm file made)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro{'&immutable=1' if immutable else ''}", uri=True)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def _has_data(instance: Instance) -> list[str]:
    found = []
    if instance.database is not None and instance.database.exists() and instance.database.stat().st_size:
        try:
            tables = _read_only(instance.database, "SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        except sqlite3.Error:
            tables = 1  # unreadable: still something a restore would replace
        if tables:
            found.append(f"a database at {instance.database}")
    if _uploaded_files(instance.uploads):
        found.append(f"uploaded files in {instance.uploads}")
    return found


def restore_backup(source: str | os.PathLike, *, force: bool = False) -> list[str]:
    """Restore the backup in `source` into this instance (stopped: no server may be using it)."""
    source = Path(source).absolute()
    manifest = check_backup(source)
    instance = Instance.current()
    if manifest["database"] != instance.dialect:
        raise BackupError(f"This backup's database is {manifest['database']} and this instance's is "
                          f"{instance.dialect}: restore it into an instance of the same kind (DATABASE_URL).")
    found = _has_data(instance)
    if found and not force:
        raise BackupError(f"This instance already has data ({'; '.join(found)}): nothing was restored. Stop the "
                          "server, then run again with --force to replace it (what it replaces is kept aside, "
                          "renamed *.before-restore-<time>).")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    lines = [f"Restored {source} (made {manifest['created_at']}) into this instance"]

    def aside(path: Path) -> None:
        if path.exists():
            kept = path.with_name(f"{path.name}.before-restore-{stamp}")
            path.rename(kept)
            lines.append(f"kept aside: {kept}")

    db.session.remove()
    db.engine.dispose()  # no connection of this process may stay on the file replaced
    if instance.database is not None:
        instance.database.parent.mkdir(parents=True, exist_ok=True)
        incoming = instance.database.with_name(f".{instance.database.name}.restoring")
        shutil.copy2(source / DATABASE, incoming)
        for suffix in ("", "-wal", "-shm", "-journal"):  # an old WAL must never meet the new file
            aside(instance.database.with_name(instance.database.name + suffix))
        os.replace(incoming, instance.database)
        lines.append(f"database: {instance.database} (migration {manifest['revision']})")
    if manifest["secret_key"]:
        key = (source / SECRET_KEY).read_text().strip()
        if instance.secret_key.exists() and instance.secret_key.read_text().strip() != key:
            aside(instance.secret_key)
        instance.secret_key.write_text(key)
        instance.secret_key.chmod(0o600)
        lines.append(f"secret key: {instance.secret_key}")
        if os.environ.get("SECRET_KEY") and os.environ["SECRET_KEY"] != key:
            lines.append("WARNING: SECRET_KEY is set in the environment and differs from the backup's key: "
                         "unset it (or set it to the key in the backup), or every phone must join again.")
    else:
        lines.append("secret key: not in the backup; set SECRET_KEY to the key the backed-up instance used.")
    uploads = sorted(name for name in manifest["files"] if name.startswith(UPLOADS + "/"))
    if _uploaded_files(instance.uploads):
        aside(instance.uploads)
    instance.uploads.mkdir(parents=True, exist_ok=True)
    for name in uploads:
        target = instance.uploads / Path(name).relative_to(UPLOADS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, target)
    lines.append(f"uploads: {len(uploads)} files in {instance.uploads}")
    if instance.dialect == "postgresql":
        lines += ["database: PostgreSQL, not in this backup: restore its pg_dump with pg_restore:",
                  *pg_commands(source)]
    return lines
