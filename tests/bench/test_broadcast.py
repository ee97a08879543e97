"""Benchmark: an idea posted over HTTP, stored, rendered and delivered to every phone in a room.

Run on demand: `make bench` (or `pytest tests/bench -o addopts="" -s`). Not a timed test: it
prints what it measured (and appends it to $BENCH_RESULTS as JSON lines when that is set) and
fails only when a phone misses a change or a process misbehaves.

For each case (clients × app processes):
1. real app servers (`python wsgi.py`: gevent's WSGI server, which has no worker_connections cap;
   production config over plain HTTP), pinned to one core; with two processes they share
   PostgreSQL and a Redis message queue; with one, no message queue (the embedded set-up);
2. a swarm of N real participants (tests/bench/swarm.py: each joins over HTTP with its own cookies
   and connects over WebSocket), pinned to the other core, spread evenly over the processes;
3. POSTS ideas posted over HTTP (as htmx does, to the first process) by other participants, one
   at a time; for each, the time from just before the POST until the LAST phone has the change
   (and the first and the median phone);
4. server RSS before and after the swarm connected, per connection;
5. the same with the floor: tests/bench/bare_server.py (bare Flask-SocketIO, gevent, the same
   number of processes, Redis when the case has it) emitting a ~600-byte message to the room.
Both sides are up at once (two swarms, idle between changes) and their changes alternate, so that
the app and its floor see the same moments of a noisy, shared machine: compare them as ratios.

Environment: DATABASE_URL (PostgreSQL; needed for two processes), REDIS_URL (needed for the Redis
cases), BENCH_POSTS (20), BENCH_CLIENT ("raw" or "socketio", the swarm's client), BENCH_RESULTS,
BENCH_PYSPY (a folder: profile the servers with py-spy while posting; investigation only).
"""
import json
import os
import random
import re
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
import requests

from .harness import SERVER_CPU, SWARM_CPU, Profile, Server, Swarm, cpu_seconds, machine_cpu, summarise

POSTS = int(os.environ.get("BENCH_POSTS", "20"))
CLIENT = os.environ.get("BENCH_CLIENT", "raw")
SECRET_KEY = "bench-secret-key"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
GAP = 0.3  # seconds between two posts, plus up to 0.1 s of jitter
DELIVERY_TIMEOUT = 15.0  # a change not at every phone by then is a failure

# The targets of the issue (last-phone p95), by case.
TARGETS = {(1000, 1): 0.250, (2000, 2): 0.500}


@dataclass(frozen=True)
class Case:
    clients: int
    processes: int
    redis: bool

    @property
    def id(self) -> str:
        return f"{self.clients}-clients-{self.processes}-proc{'-redis' if self.redis else ''}"


CASES = [Case(200, 1, False), Case(1000, 1, False), Case(1000, 1, True), Case(2000, 2, True)]


@pytest.fixture
def pinned_driver():
    """This driver runs beside the swarm, off the servers' core."""
    if SWARM_CPU is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {SWARM_CPU})
    yield
    os.sched_setaffinity(0, before)


@pytest.fixture
def stack():
    """Everything started by a case is stopped at its end, however it ends."""
    with ExitStack() as exits:
        yield exits


class Poster:
    """The participant who posts: a phone with its own cookies, posting the way htmx does."""

    def __init__(self, base_url: str, room):
        self.base_url, self.room = base_url, room
        self.http = requests.Session()
        assert self.http.get(f"{base_url}/s/{room.room_code}", allow_redirects=False, timeout=10).status_code == 302
        token = self._token(f"/sala/{room.id}/unirse")
        joined = self.http.post(f"{base_url}/sala/{room.id}/unirse", data={"csrf_token": token},
                                allow_redirects=False, timeout=10)
        assert joined.status_code == 302, joined.text[:300]
        self.csrf = self._token(f"/sala/{room.id}")

    def _token(self, path: str) -> str:
        match = CSRF_META.search(self.http.get(self.base_url + path, timeout=10).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, theme_id: int, text: str) -> requests.Response:
        response = self.http.post(
            f"{self.base_url}/sala/{self.room.id}/ideas",
            data={"csrf_token": self.csrf, "theme_id": theme_id, "text": text, "client_id": str(uuid.uuid4())},
            headers={"HX-Request": "true"}, timeout=10,
        )
        assert response.status_code == 200, (response.status_code, response.text[:300])
        return response


class Side:
    """One side of a case, app or floor: its servers, its swarm (all connected), how to send a
    change, and what was measured."""

    def __init__(self, name: str, servers: list[Server], send):
        self.name, self.servers, self.send = name, servers, send
        self.nonce = uuid.uuid4().hex[:6]
        self.latencies = {"last": [], "median": [], "first": [], "http": []}
        self.missed = []

    def connect(self, stack, tmp_path, case: Case, swarm_config: dict) -> None:
        """Memory before, the swarm up, memory after."""
        self.rss_before = sum(s.rss_kib() for s in self.servers)
        self.swarm = Swarm({**swarm_config, "clients": case.clients, "servers": [s.url for s in self.servers],
                            "client": CLIENT, "nonce": self.nonce, "max_seconds": 900},
                           tmp_path, f"swarm-{self.name}")
        stack.callback(self.swarm.stop)
        self.ready = self.swarm.wait_ready(timeout=60 + case.clients * 0.15)
        assert self.ready["connected"] == case.clients, self.ready
        time.sleep(3)  # presence settles (one coalesced message every 250 ms while phones arrive)
        self.rss_after = sum(s.rss_kib() for s in self.servers)

    def cpu(self) -> tuple[float, float]:
        return sum(cpu_seconds(s.pid) for s in self.servers), cpu_seconds(self.swarm.process.pid)

    def change(self, k: int) -> None:
        """Send change k and wait until every phone has it; k=0 is a warm-up, not counted."""
        started = time.monotonic()
        self.send(f"mk{self.nonce}-{k}x", k)
        answered = time.monotonic()
        got = self.swarm.wait_got(k, DELIVERY_TIMEOUT)
        if got is None:
            self.missed.append((k, self.swarm.status(k)))
        elif k:
            self.latencies["last"].append(got["last"] - started)
            self.latencies["median"].append(got["median"] - started)
            self.latencies["first"].append(got["first"] - started)
            self.latencies["http"].append(answered - started)

    def result(self, case: Case, cpu_before, cpu_after) -> dict:
        bye = self.swarm.stop()
        for server in self.servers:
            assert server.process.poll() is None, f"{server.name} died:\n{server.log_tail()}"
        assert not self.missed, f"{self.name}: changes not at every phone within {DELIVERY_TIMEOUT} s: {self.missed}"
        assert not bye.get("disconnects"), f"{self.name}: {bye['disconnects']} phones were disconnected"
        return {
            "connect_seconds": self.ready["seconds"],
            "rss_before_mib": self.rss_before / 1024,
            "rss_after_mib": self.rss_after / 1024,
            "rss_per_connection_kib": (self.rss_after - self.rss_before) / case.clients,
            # CPU used while posting (warm-up included), per change: which side is the bottleneck.
            "server_cpu_ms_per_change": (cpu_after[0] - cpu_before[0]) * 1000 / (POSTS + 1),
            "swarm_cpu_ms_per_change": (cpu_after[1] - cpu_before[1]) * 1000 / (POSTS + 1),
            **{kind: summarise(values) for kind, values in self.latencies.items()},
        }


def _measure(stack, case: Case, sides: list[Side]) -> list[dict]:
    """The changes of both sides interleaved (app, floor, floor, app, ...), so that both sample the
    same moments of a noisy machine; each change is waited for at every phone before the next."""
    cpu_before = [side.cpu() for side in sides]
    machine_before, load = machine_cpu(), os.getloadavg()[0]
    profiles = [Profile(side.servers, f"{case.id}-{side.name}") for side in sides]
    for profile in profiles:
        stack.callback(profile.stop)
    for k in range(POSTS + 1):
        for side in (sides if k % 2 == 0 else reversed(sides)):
            side.change(k)
            time.sleep(GAP + random.random() * 0.1)
    for profile in profiles:
        profile.stop()
    cpu_after = [side.cpu() for side in sides]
    machine_after = machine_cpu()
    total = max(1, machine_after[2] - machine_before[2])
    # How busy the whole machine was while posting (ours and everybody else's), for reading the noise.
    machine = {"loadavg_1m": round(load, 2),
               "machine_busy_pct": round(100 * (machine_after[0] - machine_before[0]) / total, 1),
               "machine_steal_pct": round(100 * (machine_after[1] - machine_before[1]) / total, 1)}
    return [{**side.result(case, before, after), **machine}
            for side, before, after in zip(sides, cpu_before, cpu_after)]


def _app_side(stack, tmp_path, case: Case, database_url: str, room, name: str = "app",
              languages: tuple[str, ...] | None = None, phone_languages: tuple[str, ...] | None = None) -> Side:
    """The app's servers and swarm. `languages`: the interface languages configured (the
    default: config.py's); `phone_languages`: what the phones' browsers ask for, in turn."""
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "IDEABOARD_ENV": "production",
        "IDEABOARD_SESSION_COOKIE_SECURE": "false",  # plain HTTP on loopback
        "IDEABOARD_REMEMBER_COOKIE_SECURE": "false",
        "IDEABOARD_INSTANCE_PATH": str(tmp_path / "instance"),
        "REDIS_URL": os.environ["REDIS_URL"] if case.redis else "",  # empty: no message queue
        # Every phone of the swarm scans the QR code from 127.0.0.1: one address, thousands of joins.
        "IDEABOARD_JOIN_ADDRESS_RATE_LIMIT": "100000 per minute",
    }
    if languages:
        env["IDEABOARD_LANGUAGES"] = json.dumps(list(languages))
    servers = []
    for i in range(case.processes):
        server = Server(f"{name}-{i}", "wsgi.py", env, tmp_path)
        stack.callback(server.stop)
        servers.append(server)
    for server in servers:
        server.wait_healthy()
    theme_id = room.themes[0].id
    # Several participants take turns, so the per-participant limit (30 a minute) stays in the
    # path without capping the benchmark.
    posters = [Poster(servers[0].url, room) for _ in range(1 + (POSTS + 4) // 15)]
    for i, poster in enumerate(posters):  # warm-up: templates compiled, connections pooled (no phone yet)
        poster.post(theme_id, f"Calentamiento {i}")

    def send(marker, k):
        posters[k % len(posters)].post(theme_id, f"Idea {marker} para mejorar el servicio de agua potable en la zona 3")

    side = Side(name, servers, send)
    swarm = {"mode": "app", "room": room.id, "code": room.room_code, "concurrency": 32}
    if phone_languages:
        swarm["languages"] = list(phone_languages)
    side.connect(stack, tmp_path, case, swarm)
    return side


def _floor_side(stack, tmp_path, case: Case) -> Side:
    env = {"BENCH_REDIS_URL": os.environ["REDIS_URL"] if case.redis else ""}
    servers = []
    for i in range(case.processes):
        server = Server(f"floor-{i}", "tests/bench/bare_server.py", env, tmp_path)
        stack.callback(server.stop)
        servers.append(server)
    for server in servers:
        server.wait_healthy()
    http = requests.Session()
    for i in range(3):
        http.post(f"{servers[0].url}/emit", params={"marker": f"warm{i}"}, timeout=10)

    def send(marker, k):
        response = http.post(f"{servers[0].url}/emit", params={"marker": marker}, timeout=10)
        assert response.status_code == 204

    side = Side("floor", servers, send)
    side.connect(stack, tmp_path, case, {"mode": "bare", "concurrency": 64})
    return side


def _report(case: Case, app: dict, floor: dict) -> dict:
    ms = lambda seconds: round(seconds * 1000, 1)  # noqa: E731
    row = {
        "case": case.id, "clients": case.clients, "processes": case.processes, "redis": case.redis,
        "client": CLIENT, "posts": POSTS, "server_cpu": SERVER_CPU, "swarm_cpu": SWARM_CPU,
        "app_last_p50_ms": ms(app["last"]["p50"]), "app_last_p95_ms": ms(app["last"]["p95"]),
        "app_last_max_ms": ms(app["last"]["max"]),
        "app_first_p50_ms": ms(app["first"]["p50"]), "app_median_p50_ms": ms(app["median"]["p50"]),
        "app_http_p50_ms": ms(app["http"]["p50"]), "app_http_p95_ms": ms(app["http"]["p95"]),
        "floor_last_p50_ms": ms(floor["last"]["p50"]), "floor_last_p95_ms": ms(floor["last"]["p95"]),
        "floor_first_p50_ms": ms(floor["first"]["p50"]), "floor_http_p50_ms": ms(floor["http"]["p50"]),
        "ratio_p50": round(app["last"]["p50"] / floor["last"]["p50"], 2),
        "ratio_p95": round(app["last"]["p95"] / floor["last"]["p95"], 2),
        "app_rss_per_conn_kib": round(app["rss_per_connection_kib"], 1),
        "floor_rss_per_conn_kib": round(floor["rss_per_connection_kib"], 1),
        "app_rss_mib": [round(app["rss_before_mib"], 1), round(app["rss_after_mib"], 1)],
        "app_connect_s": app["connect_seconds"], "floor_connect_s": floor["connect_seconds"],
        "app_server_cpu_ms": round(app["server_cpu_ms_per_change"], 1),
        "app_swarm_cpu_ms": round(app["swarm_cpu_ms_per_change"], 1),
        "floor_server_cpu_ms": round(floor["server_cpu_ms_per_change"], 1),
        "floor_swarm_cpu_ms": round(floor["swarm_cpu_ms_per_change"], 1),
        "loadavg_1m": app["loadavg_1m"], "machine_busy_pct": app["machine_busy_pct"],
        "machine_steal_pct": app["machine_steal_pct"],
    }
    target = TARGETS.get((case.clients, case.processes))
    if target:
        row["target_p95_ms"] = target * 1000
        row["meets_target"] = app["last"]["p95"] < target
    print(f"\nBENCH {case.id}: last phone p50 {row['app_last_p50_ms']} ms, p95 {row['app_last_p95_ms']} ms "
          f"(floor {row['floor_last_p50_ms']} / {row['floor_last_p95_ms']} ms, ratio {row['ratio_p50']} / "
          f"{row['ratio_p95']}); HTTP answer p50 {row['app_http_p50_ms']} ms; RSS per connection "
          f"{row['app_rss_per_conn_kib']} KiB (floor {row['floor_rss_per_conn_kib']} KiB); CPU per change: "
          f"servers {row['app_server_cpu_ms']} ms, swarm {row['app_swarm_cpu_ms']} ms (floor "
          f"{row['floor_server_cpu_ms']} / {row['floor_swarm_cpu_ms']} ms); machine {row['machine_busy_pct']}% busy, "
          f"load {row['loadavg_1m']}"
          + (f"; target p95 < {target * 1000:.0f} ms: {'met' if row['meets_target'] else 'MISSED'}" if target else ""))
    print("BENCH-JSON " + json.dumps(row))
    if os.environ.get("BENCH_RESULTS"):
        with open(os.environ["BENCH_RESULTS"], "a") as out:
            out.write(json.dumps(row) + "\n")
    return row


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broadcast_to_a_full_room(case, app, migrated, open_room, stack, pinned_driver, tmp_path):
    if case.redis and not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL")
    if case.processes > 1 and migrated.startswith("sqlite"):
        pytest.skip("several processes need PostgreSQL: set DATABASE_URL")
    room = open_room(themes=[("Agua y saneamiento", "water")])
    sides = [_app_side(stack, tmp_path, case, migrated, room), _floor_side(stack, tmp_path, case)]
    app_result, floor_result = _measure(stack, case, sides)
    stack.close()  # every server and swarm of the case down before the next one
    _report(case, app_result, floor_result)


# --- Languages configured, languages in use (issue 17) ---------------------------------------------
# Every interface language configured used to cost one more render of every live update, listened
# to or not. The same room twice, side by side: two languages configured, and six (the Mayan four
# added), with the phones of both asking for Spanish and English only (half each). Both sides are up
# at once and their posts alternate, as above, so that both see the same moments of the machine.

LANG_CLIENTS = int(os.environ.get("BENCH_LANG_CLIENTS", "100"))
PHONE_LANGUAGES = ("es", "en")
CONFIGURED = {"2-languages": ("es", "en"), "6-languages": ("es", "en", "quc", "kek", "cak", "mam")}
LANG_CASES = [Case(LANG_CLIENTS, 1, False), Case(LANG_CLIENTS, 1, True)]


@pytest.mark.parametrize("case", LANG_CASES, ids=[c.id for c in LANG_CASES])
def test_languages_configured_but_not_in_use(case, app, migrated, open_room, stack, pinned_driver, tmp_path):
    if case.redis and not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL")
    sides = [_app_side(stack, tmp_path, case, migrated, open_room(themes=[("Agua y saneamiento", "water")]),
                       name=name, languages=languages, phone_languages=PHONE_LANGUAGES)
             for name, languages in CONFIGURED.items()]
    two, six = _measure(stack, case, sides)
    stack.close()
    ms = lambda seconds: round(seconds * 1000, 1)  # noqa: E731
    row = {
        "case": f"languages-{case.id}", "clients": case.clients, "redis": case.redis, "posts": POSTS,
        "phone_languages": list(PHONE_LANGUAGES),
        **{f"{name}_server_cpu_ms": round(result["server_cpu_ms_per_change"], 1)
           for name, result in (("two", two), ("six", six))},
        **{f"{name}_last_p50_ms": ms(result["last"]["p50"]) for name, result in (("two", two), ("six", six))},
        **{f"{name}_last_p95_ms": ms(result["last"]["p95"]) for name, result in (("two", two), ("six", six))},
        "cpu_ratio_six_to_two": round(six["server_cpu_ms_per_change"] / two["server_cpu_ms_per_change"], 3),
        "loadavg_1m": two["loadavg_1m"], "machine_busy_pct": two["machine_busy_pct"],
    }
    print(f"\nBENCH languages {case.id}: server CPU per change, 2 configured {row['two_server_cpu_ms']} ms, "
          f"6 configured {row['six_server_cpu_ms']} ms (ratio {row['cpu_ratio_six_to_two']}); last phone p50 "
          f"{row['two_last_p50_ms']} / {row['six_last_p50_ms']} ms, p95 {row['two_last_p95_ms']} / "
          f"{row['six_last_p95_ms']} ms; machine {row['machine_busy_pct']}% busy, load {row['loadavg_1m']}")
    print("BENCH-JSON " + json.dumps(row))
    if os.environ.get("BENCH_RESULTS"):
        with open(os.environ["BENCH_RESULTS"], "a") as out:
            out.write(json.dumps(row) + "\n")
