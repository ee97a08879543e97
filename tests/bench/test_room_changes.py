"""Benchmark: a change of the whole room (the moderator's tap) reaching every phone.

Run on demand: `make bench PYTEST_ARGS='-k room_changes'`. Not a timed test: it prints what it
measured (and appends it to $BENCH_RESULTS as JSON lines when that is set), and fails when a
phone never shows a change, when a phone re-fetches its board although it missed nothing, or
when a process misbehaves.

For each case (phones × the database of this run: SQLite by default, PostgreSQL with DATABASE_URL):
1. one app server (`python wsgi.py`, production config over plain HTTP, no message queue: the
   hall's set-up), pinned to one core, and a room collecting ideas with IDEAS ideas over the default themes;
2. N real participants (tests/bench/room_swarm.py: each joins by the QR link, loads its board,
   connects over WebSocket and follows the room as room.js does, re-fetching its board when a
   message asks for it or a sequence number is missing), pinned to the other core;
3. a moderator, logged in through the real login form, taps the console's real routes: the timer
   started and stopped (TIMERS times), then "ideas -> voting" and "voting -> closed";
4. for each tap, the time from just before the moderator's POST until the LAST phone shows the
   new state (phase, timer, vote buttons and dots left, the exit survey), and until the last
   phone has the socket message; how many re-fetches the phones made and how they were answered;
5. the floor: tests/bench/bare_server.py (bare Flask-SocketIO, gevent) emitting a ~600-byte
   message to its own N clients, interleaved with the app's taps: compare as ratios.
"""
import json
import os
import random
import time
import uuid

import pytest
import requests

from tests.conftest import CSRF_META, PASSWORD

from .harness import SERVER_CPU, SWARM_CPU, Server, Swarm, cpu_seconds, machine_cpu
from .test_broadcast import SECRET_KEY, Case, _floor_side, pinned_driver, stack  # noqa: F401 - fixtures

PHONES = [int(n) for n in os.environ.get("BENCH_PHONES", "200,500,1000").split(",")]
IDEAS = 60  # over the default themes (eleven, as the demo has)
TIMERS = 2  # timer starts (each followed by a stop)
SHOWN_TIMEOUT = 120.0  # a phone that does not show a change by then has missed it
TARGET = 1.0  # every phone shows the change within 1 s of the tap (at 1,000 phones)

# What a phone shows once it has taken in each tap (the HTML it applied: a message or its board).
SHOWS = {
    "timer-start": r'id="timer" class="timer" data-ends=',
    "timer-stop": r'id="timer" class="timer"></p>',
    # The vote buttons are on every card from its first render (the phase shows them, in CSS): the
    # banner and the dots left are what the phone must take in.
    "voting": r'data-phase="voting"[\s\S]*data-dots-left="3"[\s\S]*le quedan 3 puntos',
    "closed": r'data-phase="closed"[\s\S]*class="exit-survey__link"',
}


def _room(open_room):
    """A room collecting ideas, with IDEAS ideas from a few authors, through the app's services."""
    from ideaboard.ideas.services import post_idea
    from ideaboard.ideathons.themes import default_themes
    from ideaboard.rooms.services import join_room

    themes = [(theme["name"], theme["icon"]) for theme in default_themes()]
    room = open_room(phase="ideas", title="Ideatón del cambio de fase", themes=themes)
    authors = [join_room(room, nickname=f"Autora {k}") for k in range(6)]
    for k in range(IDEAS):
        post_idea(room, authors[k % len(authors)], theme_id=room.themes[k % len(room.themes)].id,
                  client_id=str(uuid.uuid4()), text=f"Idea {k + 1}: arreglar el servicio de la zona {k % 9 + 1}")
    return room


class Moderator:
    """The moderator's laptop: logged in through the login form, tapping the console's forms."""

    def __init__(self, base_url: str, room):
        self.base_url, self.room = base_url, room
        self.http = requests.Session()
        token = CSRF_META.search(self.http.get(f"{base_url}/entrar", timeout=30).text).group(1)
        answer = self.http.post(f"{base_url}/entrar", data={"csrf_token": token, "email": room.created_by.email,
                                                             "password": PASSWORD}, allow_redirects=False, timeout=30)
        assert answer.status_code == 302, answer.text[:300]
        console = self.http.get(f"{base_url}/sala/{room.id}/moderar", timeout=30)
        assert console.status_code == 200, console.status_code
        self.csrf = CSRF_META.search(console.text).group(1)

    def tap(self, route: str, **form) -> float:
        """POST one of the console's forms; the seconds its answer took."""
        started = time.monotonic()
        answer = self.http.post(f"{self.base_url}/sala/{self.room.id}/moderar/{route}",
                                data={"csrf_token": self.csrf, **form}, allow_redirects=False, timeout=60)
        assert answer.status_code in (200, 302), (answer.status_code, answer.text[:300])
        return time.monotonic() - started


TAPS = [*[step for _ in range(TIMERS) for step in (("timer-start", "temporizador", {"mode": "set", "minutes": "5"}),
                                                   ("timer-stop", "temporizador", {"mode": "clear"}))],
        ("voting", "fase", {"to": "voting"}), ("closed", "fase", {"to": "closed"})]


@pytest.mark.parametrize("phones", PHONES, ids=[f"{n}-phones" for n in PHONES])
def test_room_changes(phones, app, migrated, open_room, stack, pinned_driver, tmp_path):  # noqa: F811
    database = "postgresql" if migrated.startswith("postgresql") else "sqlite"
    room = _room(open_room)
    env = {"DATABASE_URL": migrated, "SECRET_KEY": SECRET_KEY, "IDEABOARD_ENV": "production",
           "IDEABOARD_SESSION_COOKIE_SECURE": "false", "IDEABOARD_REMEMBER_COOKIE_SECURE": "false",
           "IDEABOARD_INSTANCE_PATH": str(tmp_path / "instance"), "REDIS_URL": ""}
    server = Server("app", "wsgi.py", env, tmp_path)
    stack.callback(server.stop)
    server.wait_healthy()
    moderator = Moderator(server.url, room)

    swarm = Swarm({"servers": [server.url], "clients": phones, "mode": "app", "room": room.id, "code": room.room_code,
                   "client": "raw", "nonce": uuid.uuid4().hex[:6], "concurrency": 32, "max_seconds": 1800,
                   "buttons": True},
                  tmp_path, "swarm-room", script="room_swarm.py")
    stack.callback(swarm.stop)
    ready = swarm.wait_ready(timeout=120 + phones * 0.3)
    assert ready["connected"] == phones, ready
    floor = _floor_side(stack, tmp_path, Case(phones, 1, False))
    time.sleep(3)  # presence settles

    rows = []
    cpu_before, swarm_before, machine_before = cpu_seconds(server.pid), cpu_seconds(swarm.process.pid), machine_cpu()
    for k, (name, route, form) in enumerate(TAPS):
        swarm._send(f"EXPECT {name} {SHOWS[name]}")
        swarm.ask("REFETCHES", "REFETCHES", 1)  # a round trip: EXPECT is in place before the tap
        server_cpu = cpu_seconds(server.pid)
        started = time.monotonic()
        http = moderator.tap(route, **form)
        shown = swarm.ask(f"SHOWN {name} {SHOWN_TIMEOUT}", "SHOWN", SHOWN_TIMEOUT + 30)
        cpu_ms = (cpu_seconds(server.pid) - server_cpu) * 1000
        floor.change(k + 1)
        time.sleep(0.5 + random.random() * 0.2)
        rows.append({"tap": name, "http_ms": round(http * 1000, 1), "phones": phones, "shown": shown["count"],
                     "last_shown_ms": round((shown["last"] - started) * 1000, 1) if "last" in shown else None,
                     "median_shown_ms": round((shown["median"] - started) * 1000, 1) if "median" in shown else None,
                     "last_message_ms": round((shown["received_last"] - started) * 1000, 1)
                     if "received_last" in shown else None,
                     "refetches": shown["refetches"], "refetch_status": shown["by_status"], "gaps": shown["gaps"],
                     "server_cpu_ms": round(cpu_ms, 1)})
    cpu_after, swarm_after, machine_after = cpu_seconds(server.pid), cpu_seconds(swarm.process.pid), machine_cpu()
    bye = swarm.stop()
    assert server.process.poll() is None, f"the server died:\n{server.log_tail()}"
    floor_result = floor.result(Case(phones, 1, False), (0, 0), (0, 0))
    total = max(1, machine_after[2] - machine_before[2])
    summary = {"bench": "room_changes", "database": database, "phones": phones, "ideas": IDEAS,
               "server_cpu": SERVER_CPU, "swarm_cpu": SWARM_CPU, "disconnects": bye.get("disconnects"),
               "server_cpu_s": round(cpu_after - cpu_before, 2), "swarm_cpu_s": round(swarm_after - swarm_before, 2),
               "floor_last_p50_ms": round(floor_result["last"]["p50"] * 1000, 1),
               "floor_last_max_ms": round(floor_result["last"]["max"] * 1000, 1),
               "machine_busy_pct": round(100 * (machine_after[0] - machine_before[0]) / total, 1),
               "loadavg_1m": round(os.getloadavg()[0], 2), "taps": rows}
    for row in rows:
        print(f"\nBENCH room_changes {database} {phones} phones, {row['tap']}: last phone shows it at "
              f"{row['last_shown_ms']} ms (median {row['median_shown_ms']}), last message {row['last_message_ms']} ms, "
              f"{row['shown']}/{phones} phones, {row['refetches']} re-fetches {row['refetch_status']} ({row['gaps']} after a gap), "
              f"server CPU {row['server_cpu_ms']} ms, moderator's answer {row['http_ms']} ms")
    print(f"BENCH room_changes {database} {phones} phones: floor (bare broadcast) last client p50 "
          f"{summary['floor_last_p50_ms']} ms, max {summary['floor_last_max_ms']} ms; "
          f"machine {summary['machine_busy_pct']}% busy")
    print("BENCH-JSON " + json.dumps(summary))
    if os.environ.get("BENCH_RESULTS"):
        with open(os.environ["BENCH_RESULTS"], "a") as out:
            out.write(json.dumps(summary) + "\n")
    assert all(row["shown"] == phones for row in rows), rows
    assert not any(row["refetches"] for row in rows), "phones that missed nothing re-fetched their board"
    assert not bye.get("disconnects"), bye
