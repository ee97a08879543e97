"""Faults with real processes (issue 15): degrade, don't fail.

- Redis stopped for 10 s while phones post ideas and place dots: no answer other than 503 (then
  success on the retry room.js makes with the same client_id), nothing lost, nothing counted twice.
- A server process killed with SIGKILL: every write it answered is in the database, and its phones'
  sockets are connected again once a process is back on that address (the time is measured).

Both run in both profiles: SQLite (one process, as on the hall's laptop) and PostgreSQL from
DATABASE_URL (two processes). Each test starts its own `redis-server` on a free port, so stopping it
disturbs no one else.
"""
import itertools
import queue
import re
import threading
import time
import uuid

import pytest
import requests
import socketio
import sqlalchemy as sa

from ideaboard.extensions import db
from ideaboard.ideas.models import Idea
from ideaboard.ideas.services import post_idea
from ideaboard.rooms.services import change_phase, join_room, update_settings
from ideaboard.votes.models import Vote
from tests.processes import PROJECT_ROOT, Phone, RedisServer, Server, wait_for

OUTAGE = 10.0  # seconds Redis stays down


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def servers(app, migrated, tmp_path, redis_server, request):
    """One process on SQLite (the hall's laptop), two on PostgreSQL, all on the test's own Redis.
    Stopped before the `app` fixture empties the tables."""
    names = ("A",) if migrated.startswith("sqlite") else ("A", "B")
    started = []
    request.addfinalizer(lambda: [server.stop() for server in started])
    for name in names:
        started.append(Server(name, tmp_path, database_url=migrated, redis_url=redis_server.url))
    for server in started:
        server.wait_healthy()
    return started


def _rooms(open_room):
    """A room collecting ideas, and a room voting on 12 ideas with 10 dots per person."""
    posting = open_room(themes=[("Agua y saneamiento", "water")])
    voting = open_room(themes=[("Agua", "water")])
    author = join_room(voting, nickname="Ana")
    ideas = [post_idea(voting, author, theme_id=voting.themes[0].id, text=f"Idea para votar {i}",
                       client_id=str(uuid.uuid4()))[0] for i in range(12)]
    update_settings(voting, actor=voting.created_by, silent_ideas=False, hidden_counts=False, dot_budget=10,
                    max_dots_per_idea=1, self_votes=True, cards_only=False)
    change_phase(voting, "voting", actor=voting.created_by)
    return posting, voting, [idea.id for idea in ideas]


def _listen(phone: Phone, room_id: int, on_connect=None, **options):
    """The phone's socket on its process (python-socketio, as room.js connects), and what it hears.
    Its cookies go in a cookie jar of its own: python-engineio's client drops a Cookie header given
    to connect() after the first use, and a reconnect would then be refused."""
    received = queue.Queue()
    jar = requests.Session()
    jar.cookies.update(phone.http.cookies)
    client = socketio.Client(reconnection=True, http_session=jar, **options)
    client.on("change", received.put)
    if on_connect is not None:
        client.on("connect", on_connect)
    client.connect(phone.base_url, auth={"room": room_id}, wait_timeout=10)
    return client, received


def _post_reaches(phone: Phone, theme_id: int, listener, wait: float = 3.0) -> bool:
    """Post an idea; True if `listener` hears it within `wait` seconds."""
    text = f"Llega a todos {uuid.uuid4().hex[:8]}"
    if phone.post_idea(theme_id, text) is None:
        return False
    _client, received = listener
    deadline = time.monotonic() + wait
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            if text in received.get(timeout=remaining).get("html", ""):
                return True
        except queue.Empty:
            return False
    return False


def _readiness(server: Server) -> dict:
    try:
        return requests.get(server.url + "/readyz", timeout=5).json()
    except (requests.RequestException, ValueError):
        return {}


def test_posts_and_votes_go_through_while_redis_is_down_for_10_seconds(app, servers, redis_server, open_room):
    posting, voting, idea_ids = _rooms(open_room)
    theme_id = posting.themes[0].id
    posters = [Phone(servers[i % len(servers)].url) for i in range(4)]
    voters = [Phone(servers[i % len(servers)].url) for i in range(4)]
    for phone in posters:
        phone.join(posting)
    for phone in voters:
        phone.join(voting)
    # A phone listening on each process: its socket stays up through the outage, and once Redis is
    # back, ideas posted on one process reach it again on another.
    listeners = [Phone(server.url) for server in servers]
    sockets = []
    for phone in listeners:
        phone.join(posting)
        sockets.append(_listen(phone, posting.id))

    stop = threading.Event()
    log = []  # (time, what, success) of every finished action, to see what happened during the outage
    lock = threading.Lock()

    def note(what, response):
        with lock:
            log.append((time.monotonic(), what, response is not None))

    def post_stream(phone, n):
        for i in itertools.count():
            if stop.is_set():
                return
            note("post", phone.post_idea(theme_id, f"Agua potable {n}-{i} {uuid.uuid4().hex[:6]}"))
            if i % 5 == 4:
                note("board", phone.read_board())
            stop.wait(1.5)  # a person typing: well under the 30 posts a minute each may send

    def vote_stream(phone, n):
        for i, idea_id in enumerate(idea_ids[n:] + idea_ids[:n]):
            if stop.is_set() or i >= 10:  # 10 dots each
                return
            note("vote", phone.vote(idea_id))
            stop.wait(2.0)

    threads = [threading.Thread(target=post_stream, args=(phone, n)) for n, phone in enumerate(posters)]
    threads += [threading.Thread(target=vote_stream, args=(phone, n)) for n, phone in enumerate(voters)]
    for thread in threads:
        thread.start()
    try:
        started = time.monotonic()
        wait_for(lambda: sum(1 for _t, what, ok in log if ok and what == "post") >= 4, 60,
                 "no post went through with Redis up")
        redis_server.stop()
        down_at = time.monotonic()
        # Readiness says Redis is degraded, liveness still answers: no proxy drops the processes
        # (checked at the end, after what matters most: the phones' answers).
        probes = {}
        for server in servers:
            probes[server.name] = wait_for(
                lambda: (_readiness(server) if _readiness(server).get("checks", {}).get("redis", "ok") != "ok"
                         else None), 15, lambda: f"/readyz on {server.name} did not notice Redis down",
                fail=False)
            probes[server.name + " live"] = requests.get(server.url + "/healthz", timeout=5).status_code
            probes[server.name + " ready"] = requests.get(server.url + "/readyz", timeout=5).status_code
        wait_for(lambda: time.monotonic() - down_at >= OUTAGE, OUTAGE + 5, "the outage clock stopped")
        during = [(what, ok) for at, what, ok in log if down_at + 1 <= at <= down_at + OUTAGE]
        redis_server.start()
        up_at = time.monotonic()
        # After Redis is back: the writes still go through, and readiness says Redis is ok again.
        wait_for(lambda: sum(1 for at, what, ok in log if ok and at > up_at and what == "post") >= 4, 60,
                 "no post went through after Redis came back")
        last = sockets[-1]  # on the last process; the posts below go to the first
        wait_for(lambda: _post_reaches(posters[0], theme_id, last), 60,
                 lambda: f"after Redis came back, no idea posted on {servers[0].name} reached "
                         f"{servers[-1].name}'s socket within 60 s")
        probes["delivered"] = time.monotonic() - up_at
        probes["connected"] = [client.connected for client, _received in sockets]
        for server in servers:
            probes[server.name + " back"] = wait_for(
                lambda: _readiness(server).get("checks", {}).get("redis") == "ok", 30,
                lambda: f"/readyz on {server.name} never saw Redis again", fail=False)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        for client, _received in sockets:
            client.disconnect()

    logs = "\n".join(f"--- {server.name} ---\n{server.log_tail()}" for server in servers)
    errors = [error for phone in posters + voters for error in phone.outcome.errors]
    assert errors == [], f"{len(errors)} answers other than 503-then-success: {errors[:5]}\n{logs}"
    assert sum(1 for what, ok in during if ok and what == "post") >= 4, f"too few posts while Redis was down: {during}"
    assert sum(1 for what, ok in during if ok and what == "vote") >= 2, f"too few votes while Redis was down: {during}"

    # Nothing lost, nothing twice: every idea and dot answered 200 is in the database, once.
    db.session.remove()
    posted = {cid for phone in posters for cid in phone.outcome.stored}
    voted = {cid for phone in voters for cid in phone.outcome.stored}
    ideas = db.session.scalars(sa.select(Idea.client_id).where(Idea.ideathon_id == posting.id)).all()
    votes = db.session.scalars(sa.select(Vote.client_id).where(Vote.idea_id.in_(idea_ids))).all()
    assert sorted(ideas) == sorted(posted - {None}) and len(ideas) == len(set(ideas))
    assert sorted(votes) == sorted(voted) and len(votes) == len(set(votes))
    assert len(posted) >= 12 and len(voted) >= 8
    assert all(probes["connected"]), probes
    for server in servers:  # readiness: Redis degraded while down, ok again once back; liveness: 200
        assert (probes[server.name] or {}).get("status") == "degraded", probes
        assert probes[server.name + " live"] == 200 and probes[server.name + " ready"] == 200, probes
        assert probes[server.name + " back"], probes
    print(f"\nRedis down {OUTAGE:.0f} s on {len(servers)} process(es): {len(posted)} ideas and {len(voted)} dots "
          f"stored, {sum(p.outcome.retried for p in posters + voters)} retries after 503, "
          f"{time.monotonic() - started:.1f} s in all; live updates across processes again "
          f"{probes['delivered']:.1f} s after Redis came back")



def _room_js_reconnect() -> dict:
    """What room.js asks of socket.io-client (static/js/room.js, RECONNECT), for the phones below."""
    source = (PROJECT_ROOT / "static" / "js" / "room.js").read_text()
    found = re.search(r"RECONNECT = \{ reconnectionDelay: (\d+), reconnectionDelayMax: (\d+), "
                      r"randomizationFactor: ([\d.]+) \}", source)
    assert found, "room.js no longer says how it reconnects"
    return {"reconnection_delay": int(found[1]) / 1000, "reconnection_delay_max": int(found[2]) / 1000,
            "randomization_factor": float(found[3])}


RECONNECT = _room_js_reconnect()
KILLED_PHONES = 8


def test_a_worker_killed_loses_no_committed_write_and_its_phones_come_back(app, servers, open_room):
    """SIGKILL a process while phones post to it and listen on it; a supervisor starts it again on
    the same address. Every idea answered 200 is in the database, once; every phone's socket is
    connected again (the time from the kill is printed: docs/benchmarks.md, "Faults")."""
    room = open_room(themes=[("Agua y saneamiento", "water")])
    theme_id = room.themes[0].id
    victim = servers[0]
    phones = [Phone(victim.url) for _ in range(KILLED_PHONES)]
    sockets = []
    for phone in phones:
        phone.join(room)
        back = threading.Event()
        client, _received = _listen(phone, room.id, on_connect=back.set, **RECONNECT)
        sockets.append((client, back))

    stop = threading.Event()

    def post_stream(phone, n):
        for i in itertools.count():
            if stop.is_set():
                return
            phone.post_idea(theme_id, f"Idea {n}-{i} {uuid.uuid4().hex[:6]}")
            stop.wait(0.5)

    threads = [threading.Thread(target=post_stream, args=(phone, n)) for n, phone in enumerate(phones[:4])]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: sum(len(p.outcome.stored) for p in phones) >= 8, 60, "no post went through")
        for _client, back in sockets:
            back.clear()
        victim.kill()
        killed_at = time.monotonic()
        wait_for(lambda: not any(client.connected for client, _back in sockets), 30,
                 "the phones did not notice their process die")
        noticed = time.monotonic() - killed_at
        victim.start()  # the supervisor's restart
        victim.wait_healthy()
        restarted = time.monotonic() - killed_at
        wait_for(lambda: all(back.is_set() for _client, back in sockets), 60,
                 lambda: f"{sum(not back.is_set() for _c, back in sockets)} phones never reconnected:\n"
                         f"{victim.log_tail()}")
        reconnected = time.monotonic() - killed_at
        wait_for(lambda: sum(len(p.outcome.stored) for p in phones) >= 16, 60, "no post after the restart")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        for client, _back in sockets:
            client.disconnect()

    errors = [error for phone in phones for error in phone.outcome.errors]
    assert errors == [], errors[:5]
    # room.js tries again after 0.5 s, then every 2 s at most: a busy machine still reconnects soon.
    assert reconnected - restarted < 10, f"the phones took {reconnected - restarted:.1f} s after the restart"
    db.session.remove()
    answered = {cid for phone in phones for cid in phone.outcome.stored}
    stored = db.session.scalars(sa.select(Idea.client_id).where(Idea.ideathon_id == room.id)).all()
    assert sorted(stored) == sorted(answered) and len(stored) == len(set(stored))
    print(f"\nSIGKILL on {len(servers)} process(es): {len(answered)} ideas answered, all stored once; "
          f"sockets down after {noticed:.1f} s, process serving again after {restarted:.1f} s, "
          f"all {KILLED_PHONES} phones reconnected {reconnected:.1f} s after the kill "
          f"({reconnected - restarted:.1f} s after the restart)")
