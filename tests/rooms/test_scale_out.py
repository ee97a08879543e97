"""Scale-out: two real server processes, one Redis message queue, one PostgreSQL database.

An idea posted over HTTP to process A reaches a phone whose socket is connected to process B.
Flask-SocketIO's test client cannot run with a message queue, so this test starts
`python wsgi.py` twice, as production does (README, "Production"), and talks to both over
loopback with `requests` and python-socketio's client. It runs in the Redis profile of CI
(REDIS_URL set, DATABASE_URL pointing at PostgreSQL).
"""
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import socketio
import websocket

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "test-secret-key"  # the same key as the in-process app (tests/conftest.py)
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
DELIVERY_DEADLINE = 2.0  # seconds from the POST to the change on the other process's socket

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL): the two processes share its message queue"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One `python wsgi.py` process on a port of its own."""

    def __init__(self, name: str, database_url: str, redis_url: str, workdir: Path):
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{name}.log"
        instance = workdir / f"instance-{name}"
        instance.mkdir()
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": SECRET_KEY,
            "IDEABOARD_ENV": "testing",  # plain HTTP: cookies without Secure
            "IDEABOARD_INSTANCE_PATH": str(instance),
            "PYTHONUNBUFFERED": "1",
        }
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "wsgi.py"], cwd=PROJECT_ROOT, env=env,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def log_tail(self, chars: int = 3000) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server {self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                response = requests.get(self.url + "/healthz", timeout=2)
                if response.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        pytest.fail(f"server {self.name} not healthy after {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


@pytest.fixture
def servers(app, migrated, tmp_path, request):
    """Processes A and B: same database, same secret key, same Redis. Stopped (before the `app`
    fixture empties the tables) however the test ends."""
    if migrated.startswith("sqlite"):
        pytest.skip("several processes on one SQLite file are not supported: set DATABASE_URL to PostgreSQL")
    started = []
    request.addfinalizer(lambda: [server.stop() for server in started])
    for name in ("A", "B"):
        started.append(Server(name, migrated, os.environ["REDIS_URL"], tmp_path))
    for server in started:
        server.wait_healthy()
    return started


class Phone:
    """A phone's browser: one cookie jar, the QR link, the join form, the idea form."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()

    def csrf_token(self, path: str) -> str:
        response = self.http.get(self.base_url + path, timeout=5)
        match = CSRF_META.search(response.text)
        assert match, f"no CSRF token on {path} ({response.status_code})"
        return match.group(1)

    def join(self, room) -> None:
        scanned = self.http.get(f"{self.base_url}/s/{room.room_code}", allow_redirects=False, timeout=5)
        assert scanned.status_code == 302, scanned.text[:300]
        token = self.csrf_token(f"/sala/{room.id}/unirse")
        joined = self.http.post(f"{self.base_url}/sala/{room.id}/unirse",
                                data={"csrf_token": token, "nickname": ""}, allow_redirects=False, timeout=5)
        assert joined.status_code == 302, joined.text[:300]
        assert self.http.cookies.get(f"ib_room_{room.id}"), "no participant cookie after joining"

    def post_idea(self, room, theme_id: int, text: str):
        token = self.csrf_token(f"/sala/{room.id}")
        return self.http.post(
            f"{self.base_url}/sala/{room.id}/ideas",
            data={"csrf_token": token, "theme_id": theme_id, "text": text, "client_id": str(uuid.uuid4())},
            headers={"HX-Request": "true"}, timeout=5,
        )

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())


def _socket(url: str, room_id: int, *, cookie: str | None = None, origin: str | None = None,
            transports=None) -> tuple[socketio.Client, "queue.Queue[dict]"]:
    """A python-socketio client connected to `url`'s room; raises ConnectionError when refused."""
    received: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("change", received.put)
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    if origin:
        headers["Origin"] = origin
    client.connect(url, auth={"room": room_id}, headers=headers, transports=transports, wait_timeout=5)
    return client, received


def test_an_idea_posted_to_one_process_reaches_a_phone_connected_to_another(servers, open_room):
    a, b = servers
    room = open_room(themes=[("Agua y saneamiento", "water")])
    theme_id, seq_before = room.themes[0].id, room.room_seq

    listener = Phone(b.url)
    listener.join(room)
    sio, received = _socket(b.url, room.id, cookie=listener.cookie_header())
    try:
        assert sio.transport() == "websocket"  # upgraded from long-polling, as a phone would
        author = Phone(a.url)
        author.join(room)
        text = f"Agua potable todos los días {uuid.uuid4().hex[:8]}"
        started = time.monotonic()
        response = author.post_idea(room, theme_id, text)
        assert response.status_code == 200, response.text[:500]

        while True:
            remaining = DELIVERY_DEADLINE - (time.monotonic() - started)
            try:
                change = received.get(timeout=max(remaining, 0.001))
            except queue.Empty:
                pytest.fail(f"process B's client got no change with the idea within {DELIVERY_DEADLINE} s\n"
                            f"--- A ---\n{a.log_tail()}\n--- B ---\n{b.log_tail()}")
            if text in change.get("html", ""):
                break
        assert change["seq"] == seq_before + 1
        assert f'data-idea="{response.headers["X-Idea-Id"]}"' in change["html"]
    finally:
        sio.disconnect()


def test_the_real_server_refuses_foreign_origins_and_sockets_without_a_participant_cookie(servers, open_room):
    _, b = servers
    room = open_room()
    phone = Phone(b.url)
    phone.join(room)
    cookie = phone.cookie_header()
    ws_url = b.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"

    # The same cookie from the app's own origin connects (websocket-client sends the server's own
    # origin), so the refusals below are about the origin and the cookie, nothing else...
    sio, _ = _socket(b.url, room.id, cookie=cookie, transports=["websocket"])
    sio.disconnect()
    same_origin = websocket.create_connection(ws_url, origin=b.url, cookie=cookie, timeout=5)
    assert same_origin.recv().startswith("0{")  # Engine.IO's open packet
    same_origin.close(timeout=0.5)

    # ...but not from a page on another site, over long-polling or straight over WebSocket.
    with pytest.raises(socketio.exceptions.ConnectionError):
        _socket(b.url, room.id, cookie=cookie, origin="http://evil.example", transports=["polling"])
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(ws_url, origin="http://evil.example", cookie=cookie, timeout=5)
    assert refused.value.status_code == 400

    # No participant cookie: the connection is refused at `connect`, on either transport (spoken
    # by hand: python-socketio's client, refused over long-polling, waits out a whole poll).
    assert _connect_answer(b.url, room.id, "polling", cookie=None).startswith('44{"message":"not admitted"')
    assert _connect_answer(b.url, room.id, "websocket", cookie=None).startswith('44{"message":"not admitted"')
    assert _connect_answer(b.url, room.id, "websocket", cookie=cookie).startswith("40{")


def _connect_answer(url: str, room_id: int, transport: str, *, cookie: str | None) -> str:
    """The server's answer to a Socket.IO CONNECT with auth {"room": room_id}: "40..." admitted,
    "44..." refused. Engine.IO 4 / Socket.IO 5 packets, over one long-poll or one WebSocket."""
    connect = "40" + json.dumps({"room": room_id})
    headers = {"Cookie": cookie} if cookie else {}
    if transport == "websocket":
        ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        ws = websocket.create_connection(ws_url, header=headers, timeout=5)
        try:
            assert ws.recv().startswith("0{")
            ws.send(connect)
            while (answer := ws.recv()).startswith("42"):  # room events may precede the ack
                pass
            return answer
        finally:
            ws.close(timeout=0.5)
    endpoint = url + "/socket.io/?EIO=4&transport=polling"
    opened = requests.get(endpoint, headers=headers, timeout=5)
    assert opened.status_code == 200 and opened.text.startswith("0{"), opened.text[:200]
    endpoint += "&sid=" + json.loads(opened.text[1:])["sid"]
    assert requests.post(endpoint, data=connect, headers=headers, timeout=5).text.lower() == "ok"
    answer = requests.get(endpoint, headers=headers, timeout=5).text
    return answer.split("\x1e")[0]  # several packets in one poll are separated by a record separator
