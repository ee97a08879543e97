"""Real processes for tests: any subprocess with its output in a file (`Process`), `python wsgi.py`
servers, a `redis-server` of the test's own (stopped and started by the test, never the shared one),
and phones that behave like room.js.

A phone is a `requests` session that scanned the room's QR link and joined; it sends each idea or
dot with a client_id, and when the answer is one room.js tries again (429, 5xx) it waits at least
the answer's Retry-After and sends the very same form again, as static/js/room.js does.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = "test-secret-key"  # the same key as the in-process app (tests/conftest.py)
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
AGAIN = (429, 500, 502, 503, 504)  # what room.js sends again (static/js/room.js, AGAIN)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, message, interval: float = 0.05, fail: bool = True):
    """Poll `condition` until it returns something true; after `timeout` s fail with `message()`
    (or return None with fail=False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    if not fail:
        return None
    pytest.fail(message() if callable(message) else message)



def wait(condition, timeout: float, what: str, log=lambda: ""):
    """`wait_for` with a message made of what was awaited and a process's log."""
    return wait_for(condition, timeout, lambda: f"{what} within {timeout:.0f} s\n{log()}", interval=0.1)


class Process:
    """A subprocess with its output in a file; stopped with `stop_signal`, then killed."""

    def __init__(self, name: str, args: list[str], log_path: Path, env: dict | None = None,
                 stop_signal=signal.SIGTERM):
        self.name = name
        self.log_path = log_path
        self.stop_signal = stop_signal
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def log(self, chars: int = 4000) -> str:
        self._log.flush()
        return f"--- {self.name} ---\n" + self.log_path.read_text(errors="replace")[-chars:]

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited with {self.process.returncode}\n{self.log()}", pytrace=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()

class RedisServer:
    """A `redis-server` on a free port, in memory only; `stop()` kills it, `start()` brings it back
    on the same port (empty: a Redis that lost its data, the worst case)."""

    def __init__(self, workdir: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is required for the fault tests (Debian's redis-server package)")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for(self.answers, 10, f"redis-server did not start on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


class Server:
    """One `python wsgi.py` process on a port of its own (the same port again after `restart()`)."""

    def __init__(self, name: str, workdir: Path, *, database_url: str, redis_url: str | None, **env):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{name}.log"
        instance = workdir / f"instance-{name}"
        instance.mkdir(exist_ok=True)
        self.env = {
            **{key: value for key, value in os.environ.items()
               if not key.startswith("IDEABOARD_") and key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}},
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "IDEABOARD_ENV": "testing",  # plain HTTP: cookies without Secure
            "IDEABOARD_INSTANCE_PATH": str(instance),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self._log = open(self.log_path, "ab")
        self.process = None
        self.start()

    def start(self) -> None:
        python = PROJECT_ROOT / ".venv" / "bin" / "python"
        self.process = subprocess.Popen(
            [str(python if python.exists() else sys.executable), "wsgi.py"], cwd=PROJECT_ROOT, env=self.env,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def log_tail(self, chars: int = 4000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def alive(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_healthy(self, timeout: float = 60.0) -> None:
        def up():
            if self.process.poll() is not None:
                pytest.fail(f"server {self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            return self.alive()

        wait_for(up, timeout, lambda: f"server {self.name} not healthy after {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: the process dies at once, as in a crash or the OOM killer."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


@dataclass
class Outcome:
    """What a phone sent and how each request ended."""

    stored: list = field(default_factory=list)  # client_ids answered 200
    retried: int = 0  # answers room.js sends again (503 with Retry-After, ...) followed by a success
    errors: list = field(default_factory=list)  # anything else: (what, status, start of the body)


class Phone:
    """A phone's browser: one cookie jar, the QR link, the join form, forms sent like room.js."""

    def __init__(self, base_url: str, give_up_after: float = 60.0):
        self.base_url = base_url
        self.http = requests.Session()
        self.token = None
        self.give_up_after = give_up_after
        self.outcome = Outcome()

    def join(self, room) -> None:
        scanned = self.http.get(f"{self.base_url}/s/{room.room_code}", allow_redirects=False, timeout=10)
        assert scanned.status_code == 302, scanned.text[:300]
        page = self.http.get(f"{self.base_url}/sala/{room.id}/unirse", timeout=10)
        token = CSRF_META.search(page.text).group(1)
        joined = self.http.post(f"{self.base_url}/sala/{room.id}/unirse",
                                data={"csrf_token": token, "nickname": ""}, allow_redirects=False, timeout=10)
        assert joined.status_code == 302, joined.text[:300]
        self.room = room
        self.read_board()

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())

    def read_board(self):
        """The board's page (what a phone loads, and where its CSRF token comes from)."""
        response = self._send("board", lambda: self.http.get(f"{self.base_url}/sala/{self.room.id}", timeout=10))
        if response is not None:
            self.token = CSRF_META.search(response.text).group(1)
        return response

    def post_idea(self, theme_id: int, text: str):
        client_id = str(uuid.uuid4())
        data = {"csrf_token": self.token, "theme_id": theme_id, "text": text, "client_id": client_id}
        return self._form("post", f"/sala/{self.room.id}/ideas", data, client_id)

    def vote(self, idea_id: int):
        client_id = str(uuid.uuid4())
        data = {"csrf_token": self.token, "idea_id": idea_id, "client_id": client_id}
        return self._form("vote", f"/sala/{self.room.id}/votos", data, client_id)

    def _form(self, what: str, path: str, data: dict, client_id: str):
        response = self._send(what, lambda: self.http.post(self.base_url + path, data=data,
                                                           headers={"HX-Request": "true"}, timeout=10))
        if response is not None:
            self.outcome.stored.append(client_id)
        return response

    def _send(self, what: str, request):
        """The request, sent again (the same form) while the answer is one room.js retries."""
        deadline = time.monotonic() + self.give_up_after
        attempt = 0
        while True:
            try:
                response = request()
            except requests.RequestException as error:  # no answer at all: room.js retries too
                status, body, retry_after = None, repr(error), None
            else:
                if response.status_code == 200:
                    self.outcome.retried += attempt
                    return response
                status, body = response.status_code, response.text[:300]
                retry_after = response.headers.get("Retry-After")
                if status == 503 and not retry_after:
                    self.outcome.errors.append((what, "503 without Retry-After", body))
                    return None
                if status not in AGAIN:
                    self.outcome.errors.append((what, status, body))
                    return None
                if status != 503:  # only a 503 (busy, a dependency blip) is an expected answer here
                    self.outcome.errors.append((what, status, body))
            attempt += 1
            if time.monotonic() > deadline:
                self.outcome.errors.append((what, f"gave up after {attempt} tries: {status}", body))
                return None
            time.sleep(min(float(retry_after or 1), 5))  # room.js: at least Retry-After
