"""`flask --app wsgi backup DEST` and `flask --app wsgi restore SRC` (ideaboard/backups.py; README,
"Backups"): a round trip through real processes, and the bad paths, each refused with a clear
message and nothing destroyed."""
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from ideaboard import create_app
from ideaboard.extensions import db

from tests.live_server import LiveServer, _free_port, _wait_healthy

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def instance_env(instance: Path, **extra) -> dict:
    """A hall laptop's instance: SQLite and the generated key in the instance folder, no Redis."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("IDEABOARD_") and key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    env.update(IDEABOARD_ENV="testing", IDEABOARD_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1", **extra)
    return env


def flask(instance: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=PROJECT_ROOT,
                          env=instance_env(instance), capture_output=True, text=True, timeout=120)


class Server:
    """`python wsgi.py` on an instance folder."""

    def __init__(self, instance: Path):
        port = _free_port()
        self.log = (instance.parent / f"{instance.name}-server.log").open("wb")
        process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=PROJECT_ROOT,
                                   env=instance_env(instance, HOST="127.0.0.1", PORT=str(port)),
                                   stdout=self.log, stderr=subprocess.STDOUT)
        self.server = LiveServer(url=f"http://127.0.0.1:{port}", process=process, log_path=Path(self.log.name))
        _wait_healthy(self.server)
        self.url = self.server.url

    def stop(self):
        self.server.process.terminate()
        self.server.process.wait(timeout=20)
        self.log.close()


def open_a_room(instance: Path) -> tuple[int, str]:
    """The schema, a coordinator and an open room in the instance's database (through the services)."""
    from datetime import datetime, timedelta

    from flask_migrate import upgrade

    from ideaboard.accounts.models import Role
    from ideaboard.accounts.services import create_user
    from ideaboard.ideathons.services import IdeathonPlan, ThemeDraft, create_ideathon
    from ideaboard.municipalities.services import get_by_code, load_municipalities
    from ideaboard.rooms.services import change_phase, open_room

    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'ideaboard.db'}",
                      "SECRET_KEY": (instance / "secret_key").read_text().strip(), "REDIS_URL": None,
                      "RATELIMIT_STORAGE_URI": "memory://", "SOCKETIO_MESSAGE_QUEUE": None})
    with app.app_context():
        upgrade()
        load_municipalities()
        coordinator = create_user(email="coordinacion@example.org", name="Coordinación", role=Role.COORDINATOR,
                                  password="contraseña-de-prueba")
        ideathon = create_ideathon(IdeathonPlan(
            municipality=get_by_code("0108"), title="Ideatón del salón", venue="Salón municipal", description="",
            starts_at_local=datetime.now().replace(second=0, microsecond=0) + timedelta(days=1),
            themes=[ThemeDraft("Agua", "water")], programme=None), actor=coordinator)
        open_room(ideathon, actor=coordinator)
        change_phase(ideathon, "ideas", actor=coordinator)
        room = (ideathon.id, ideathon.room_code, ideathon.themes[0].id)
        db.session.remove()
        db.engine.dispose()
    return room


def test_a_phone_admitted_before_the_backup_is_still_admitted_after_restoring_it(tmp_path):
    hall, restored, backup = tmp_path / "hall", tmp_path / "restored", tmp_path / "backup-sabado"
    hall.mkdir()
    assert flask(hall, "prepare", "--no-demo").returncode == 0  # also writes the instance's own secret_key
    room_id, code, theme_id = open_a_room(hall)
    (hall / "uploads").mkdir(exist_ok=True)
    (hall / "uploads" / "acta.pdf").write_bytes(b"%PDF-1.4 acta de la ideaton\n")

    server = Server(hall)
    try:
        phone = requests.Session()
        phone.get(f"{server.url}/s/{code}", allow_redirects=False, timeout=30)
        token = CSRF.search(phone.get(f"{server.url}/unirse", timeout=30).text).group(1)
        joined = phone.post(f"{server.url}/sala/{room_id}/unirse", data={"csrf_token": token, "nickname": "Rosa"},
                            allow_redirects=False, timeout=30)
        assert joined.status_code == 302, joined.text[:300]
        posted = phone.post(f"{server.url}/sala/{room_id}/ideas", timeout=30,
                            data={"theme_id": theme_id, "text": "Agua potable los domingos",
                                  "client_id": str(uuid.uuid4())},
                            headers={"X-CSRFToken": token, "HX-Request": "true"})
        assert posted.status_code == 200, posted.text[:300]

        made = flask(hall, "backup", str(backup))  # online: the server keeps running
        assert made.returncode == 0, made.stderr
        assert "Backup written to" in made.stdout and "secret key: included" in made.stdout, made.stdout
        assert phone.get(f"{server.url}/sala/{room_id}", allow_redirects=False, timeout=30).status_code == 200
    finally:
        server.stop()
    assert sorted(p.name for p in backup.iterdir()) == ["ideaboard.db", "manifest.json", "secret_key", "uploads"]

    # Into a fresh instance (another laptop): the same key, the same database, the same uploads.
    restored.mkdir()
    done = flask(restored, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert (restored / "secret_key").read_text() == (hall / "secret_key").read_text()
    assert (restored / "uploads" / "acta.pdf").read_bytes() == (hall / "uploads" / "acta.pdf").read_bytes()

    server = Server(restored)
    try:
        board = phone.get(f"{server.url}/sala/{room_id}", allow_redirects=False, timeout=30)
        assert board.status_code == 200, (board.status_code, board.headers.get("Location"))
        assert "Agua potable los domingos" in board.text
    finally:
        server.stop()


@pytest.fixture
def hall(tmp_path, monkeypatch):
    """An app on an instance folder of its own (SQLite, its generated key), with a room."""
    instance = tmp_path / "hall"
    instance.mkdir()
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IDEABOARD_INSTANCE_PATH", str(instance))
    create_app({"ENV_NAME": "testing"})  # writes instance/secret_key
    open_a_room(instance)
    (instance / "uploads").mkdir(exist_ok=True)
    (instance / "uploads" / "foto.jpg").write_bytes(b"\xff\xd8 una foto")
    return instance


def run(instance: Path, monkeypatch, *args):
    monkeypatch.setenv("IDEABOARD_INSTANCE_PATH", str(instance))
    app = create_app({"ENV_NAME": "testing", "RATELIMIT_STORAGE_URI": "memory://", "SOCKETIO_MESSAGE_QUEUE": None})
    try:
        return app.test_cli_runner().invoke(args=list(args))
    finally:
        with app.app_context():
            db.engine.dispose()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_backup_never_overwrites_anything(hall, tmp_path, monkeypatch):
    existing = tmp_path / "ya-existe"
    existing.mkdir()
    (existing / "nota.txt").write_text("de otra persona")
    result = run(hall, monkeypatch, "backup", str(existing))
    assert result.exit_code == 1 and "already exists: give a new name" in result.output
    assert [p.name for p in existing.iterdir()] == ["nota.txt"]
    result = run(hall, monkeypatch, "backup", str(tmp_path / "no-such-folder" / "backup"))
    assert result.exit_code == 1 and "is not a folder" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hall", "ya-existe"]  # no half-made backup left


@pytest.fixture
def backup(hall, tmp_path, monkeypatch):
    folder = tmp_path / "backup"
    result = run(hall, monkeypatch, "backup", str(folder))
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize("damage, message", [
    ("truncate", "is damaged: ideaboard.db is not as it was backed up"),
    ("flip", "is damaged: ideaboard.db is not as it was backed up"),
    ("upload", "is incomplete: uploads/foto.jpg is missing"),
    ("manifest", "is not a readable Ideaboard backup"),
    ("malformed", "is damaged: SQLite's integrity check"),
])
def test_a_damaged_backup_is_refused_and_nothing_is_restored(backup, tmp_path, monkeypatch, damage, message):
    database = backup / "ideaboard.db"
    if damage == "truncate":
        with database.open("r+b") as file:
            file.truncate(database.stat().st_size // 2)
    elif damage == "flip":
        data = bytearray(database.read_bytes())
        data[5000] ^= 0xFF
        database.write_bytes(bytes(data))
    elif damage == "upload":
        (backup / "uploads" / "foto.jpg").unlink()
    elif damage == "manifest":
        (backup / "manifest.json").write_text('{"format": 1, "files": ')
    elif damage == "malformed":  # damaged before it was hashed: the manifest agrees, SQLite does not
        data = bytearray(database.read_bytes())
        data[4096:8192] = b"\x07" * 4096
        database.write_bytes(bytes(data))
        manifest = json.loads((backup / "manifest.json").read_text())
        manifest["files"]["ideaboard.db"] = {"size": len(data), "sha256": digest(database)}
        (backup / "manifest.json").write_text(json.dumps(manifest))
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    result = run(fresh, monkeypatch, "restore", str(backup))
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not (fresh / "ideaboard.db").exists() and not (fresh / "uploads").exists()


def test_restoring_over_an_instance_with_data_needs_force_and_keeps_it_aside(backup, hall, monkeypatch):
    with closing(sqlite3.connect(hall / "ideaboard.db")) as conn:  # the hall carries on after the backup
        conn.execute("UPDATE ideathons SET title = 'Cambiado después'")
        conn.commit()
    before = digest(hall / "ideaboard.db")
    result = run(hall, monkeypatch, "restore", str(backup))
    assert result.exit_code == 1 and "already has data" in result.output and "--force" in result.output
    assert digest(hall / "ideaboard.db") == before  # nothing destroyed

    result = run(hall, monkeypatch, "restore", "--force", str(backup))
    assert result.exit_code == 0, result.output
    with closing(sqlite3.connect(hall / "ideaboard.db")) as conn:
        assert conn.execute("SELECT title FROM ideathons").fetchone()[0] == "Ideatón del salón"
    kept = [p for p in hall.iterdir() if p.name.startswith("ideaboard.db.before-restore-")]
    assert [digest(p) for p in kept] == [before]
    assert (hall / "uploads" / "foto.jpg").exists()


def test_on_postgresql_the_backup_says_how_to_pg_dump(app, runner, tmp_path):
    """The suite's own database: on PostgreSQL the key and uploads are copied and pg_dump is
    explained; on SQLite the database is in the backup."""
    folder = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(folder)])
    assert result.exit_code == 0, result.output
    if db.engine.dialect.name == "postgresql":
        assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
        assert not (folder / "ideaboard.db").exists()
    else:
        with closing(sqlite3.connect(folder / "ideaboard.db")) as conn:
            assert conn.execute("SELECT count(*) FROM municipalities").fetchone()[0] == 340
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"] == db.engine.dialect.name
    shutil.rmtree(folder)
    db.session.execute(sa.text("SELECT 1"))
