"""The real server for tests that need one: `python wsgi.py` (gevent, Socket.IO) in a subprocess,
once per session, on the database the in-process `app` fixture uses (so tests make their data
with the factories); with REDIS_URL set it runs the production profile (Redis as Socket.IO message
queue and rate-limit store). Used by the browser tests and the concurrency tests."""
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SERVER_SECRET_KEY = "live-server-test-secret-key"
STARTUP_TIMEOUT = 20.0


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(migrated, tmp_path_factory):
    """`python wsgi.py` on a free port, on the schema `migrated` built; stopped at session end."""
    with serving(migrated, tmp_path_factory.mktemp("live-instance")) as server:
        yield server


@contextmanager
def serving(migrated: str, instance: Path, **settings: str):
    """Run `python wsgi.py` on a free port until the block ends. `settings`: configuration for this
    server only, as IDEABOARD_<NAME> environment variables (JSON values: LANGUAGES='["es", "quc"]')."""
    port = _free_port()
    log_path = instance / "server.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("IDEABOARD_") and key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    }
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        IDEABOARD_ENV="testing",
        IDEABOARD_INSTANCE_PATH=str(instance),
        DATABASE_URL=migrated,
        SECRET_KEY=SERVER_SECRET_KEY,
        PYTHONUNBUFFERED="1",
        **{f"IDEABOARD_{name}": value for name, value in settings.items()},
    )
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    python = PROJECT_ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        python = Path(sys.executable)
    log = log_path.open("wb")
    process = subprocess.Popen(
        [str(python), "wsgi.py"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    server = LiveServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def _wait_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the live server exited with code {server.process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}: {error.read()[:300]!r}"
        except OSError as error:
            last = repr(error)
        time.sleep(0.1)
    pytest.fail(f"the live server did not answer /healthz with 200 in {STARTUP_TIMEOUT:.0f} s "
                f"(last: {last}); its output:\n{server.log()}")


