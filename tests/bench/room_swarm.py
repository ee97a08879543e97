"""Phones that follow the room the way static/js/room.js does: the swarm of tests/bench/swarm.py,
plus each phone's sequence number, its re-fetches and what its board shows.

    python tests/bench/room_swarm.py '<json config>'    (the config of swarm.py, app mode)

After joining, each phone loads its board (`GET /sala/<id>`: its sequence number, as the page
gives it to room.js). Then, for every "change" message:
- an old one (seq <= mine) is ignored; the next one (seq = mine + 1) is applied, and if it asks for
  a re-fetch (`resync`), or if it skips a number (a gap), the phone re-fetches its board
  (`GET /sala/<id>/tablero`, HX-Request), as room.js does; a failed re-fetch is tried again with
  backoff and jitter, honouring Retry-After (1, 2, 4 ... 16 s, at most 12 tries);
- what the phone "shows" is the HTML it applied: the message's, or the re-fetched board's.

Commands on stdin (beside swarm.py's):
- "EXPECT <name> <regex>": from now on, note when each phone first shows HTML matching regex;
- "SHOWN <name> <timeout>": answers "SHOWN {name, count, first, median, last, received_last,
  refetches, errors, ...}" once every connected phone shows it, or when timeout seconds have
  passed (then count < phones);
- "REFETCHES": answers "REFETCHES {total}" (the re-fetches since the last EXPECT).
"""
import asyncio
import json
import random
import re
import statistics
import sys
import time

import aiohttp

from swarm import CSRF_META, Swarm, raise_fd_limit, say

BOARD_SEQ = re.compile(r'id="board"[^>]*data-seq="(\d+)"')
SYNC_SEQ = re.compile(r'id="board-seq" data-seq="(\d+)"')


class RoomSwarm(Swarm):
    def __init__(self, config: dict):
        super().__init__(config)
        self.seq: dict[int, int] = {}
        self.syncing: set[int] = set()
        self.expected: dict[str, re.Pattern] = {}
        self.shown: dict[str, dict[int, float]] = {}
        self.received: dict[str, dict[int, float]] = {}
        self.refetches: list[dict] = []
        self.http: dict[int, aiohttp.ClientSession] = {}
        self.queued: dict[int, list[dict]] = {}
        self.ignored = self.gaps = 0

    async def join(self, session, base: str, i: int) -> None:
        await super().join(session, base, i)
        room = self.config["room"]
        async with session.get(f"{base}/sala/{room}") as r:
            html = await r.text()
            if r.status != 200:
                raise RuntimeError(f"board {r.status}")
        if self.config.get("buttons") and 'class="vote-form"' not in html:
            raise RuntimeError("board without its vote buttons")  # the phase shows them when voting starts
        self.seq[i] = int(BOARD_SEQ.search(html).group(1))
        self.csrf[i] = CSRF_META.search(html).group(1)

    def record(self, text: str, now: float, i: int | None = None) -> None:
        if i is None or not text.startswith('42["change"'):
            return
        try:
            message = json.loads(text[2:])[1]
        except (ValueError, LookupError, TypeError):
            return
        for name, pattern in self.expected.items():  # the socket message itself, applied or not
            if pattern.search(message.get("html", "")):
                self.received[name].setdefault(i, now)
        if i in self.syncing:  # as room.js: applied once the re-fetch is in
            self.queued.setdefault(i, []).append(message)
            return
        self.apply(i, message, now)

    def apply(self, i: int, message: dict, now: float) -> None:
        seq = int(message.get("seq", 0))
        if seq <= self.seq[i]:
            self.ignored += 1
            return
        if seq != self.seq[i] + 1:
            self.gaps += 1
            self.start_refetch(i)
            return
        self.seq[i] = seq
        if message.get("resync"):  # what it shows then is the re-fetched board
            self.start_refetch(i)
        else:
            self.show(i, message.get("html", ""), now)

    def show(self, i: int, html: str, now: float) -> None:
        for name, pattern in self.expected.items():
            if pattern.search(html):
                self.shown[name].setdefault(i, now)

    def start_refetch(self, i: int) -> None:
        self.syncing.add(i)
        asyncio.ensure_future(self.refetch(i))

    async def refetch(self, i: int) -> None:
        base = self.servers[i % len(self.servers)]
        session = self.http.get(i)
        if session is None:
            session = self.http[i] = aiohttp.ClientSession(
                cookie_jar=self.jars[i], timeout=aiohttp.ClientTimeout(total=30))
        delay = 1.0
        try:
            for _attempt in range(12):
                started = time.monotonic()
                try:
                    async with session.get(f"{base}/sala/{self.config['room']}/tablero",
                                           headers={"HX-Request": "true"}) as r:
                        html = await r.text()
                        status, retry_after = r.status, r.headers.get("Retry-After")
                except Exception as error:  # noqa: BLE001 - counted, tried again
                    status, retry_after, html = type(error).__name__, None, ""
                self.refetches.append({"i": i, "status": status, "seconds": time.monotonic() - started})
                if status == 200:
                    match = SYNC_SEQ.search(html)
                    if match:
                        self.seq[i] = max(self.seq[i], int(match.group(1)))
                    self.show(i, html, time.monotonic())
                    return
                wait = float(retry_after) if retry_after else delay
                await asyncio.sleep(wait * (0.5 + random.random()))
                delay = min(delay * 2, 16.0)
        finally:
            self.syncing.discard(i)
        for message in self.queued.pop(i, []):
            if i not in self.syncing:
                self.apply(i, message, time.monotonic())
            else:
                self.queued.setdefault(i, []).append(message)

    async def answer_shown(self, name: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.shown[name]) < self.connected and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        times = list(self.shown[name].values())
        received = list(self.received[name].values())
        by_status: dict[str, int] = {}
        for fetch in self.refetches:
            by_status[str(fetch["status"])] = by_status.get(str(fetch["status"]), 0) + 1
        summary = {"name": name, "count": len(times), "phones": self.connected, "received": len(received),
                   "refetches": len(self.refetches), "by_status": by_status,
                   "gaps": self.gaps, "ignored": self.ignored}
        if times:
            summary.update(first=min(times), median=statistics.median(times), last=max(times))
        if received:
            summary.update(received_last=max(received), received_median=statistics.median(received))
        say("SHOWN " + json.dumps(summary))

    def command(self, line: str) -> None:
        if line.startswith("EXPECT "):
            _, name, pattern = line.split(" ", 2)
            self.expected[name] = re.compile(pattern)
            self.shown[name], self.received[name] = {}, {}
            self.refetches = []
            self.ignored = self.gaps = 0
        elif line == "REFETCHES":
            say("REFETCHES " + json.dumps({"total": len(self.refetches)}))
        elif line.startswith("SHOWN "):
            _, name, timeout = line.split(" ", 2)
            asyncio.ensure_future(self.answer_shown(name, float(timeout)))
        else:
            super().command(line)

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            await asyncio.gather(*(s.close() for s in self.http.values()), return_exceptions=True)


def main() -> None:
    raise_fd_limit()
    asyncio.run(RoomSwarm(json.loads(sys.argv[1])).run())


if __name__ == "__main__":
    main()
