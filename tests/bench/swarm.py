"""The phones: N Socket.IO clients in one asyncio process, driven over stdin/stdout.

    python tests/bench/swarm.py '<json config>'

config: {"servers": [base URLs], "clients": N, "mode": "app" | "bare", "room": id, "code": room code,
         "client": "socketio" | "raw", "nonce": "...", "concurrency": 32, "max_seconds": 900,
         "languages": ["es", "en"] (optional: phone i sends Accept-Language languages[i % len])}

In "app" mode every client is a real participant: its own cookie jar, the QR link (/s/<code>), the
join form with its CSRF token, then the socket with its cookies and auth {"room": id}. In "bare"
mode clients connect with no auth. Client i uses servers[i % len(servers)] for everything (a sticky
proxy would do the same). Every client uses the WebSocket transport from the start (no long-polling
handshake): cheaper for the swarm, and what a phone ends up on anyway.

Two client implementations: "socketio" is python-socketio's AsyncClient (aiohttp underneath);
"raw" speaks the few Engine.IO 4 / Socket.IO 5 packets a listener needs ("0" open, "40" connect,
"2"/"3" ping/pong, "42" event) straight over aiohttp's WebSocket, which costs the swarm less CPU
per message.

Output lines: "READY {stats}" once every client is connected (or has failed), "GOT <k> {times}"
when every client has the change whose text carries marker k (times are time.monotonic(), which
is system-wide on Linux, so the driver compares them with its own), "STATUS <k> <count>" in
answer to "STATUS <k>" on stdin. "QUIT" on stdin (or max_seconds) disconnects all and exits.

Vote storm (config "votes": true, app mode; used by test_vote_storm.py): each phone also reads the
board's CSRF token after joining and keeps its own view of the vote counts, merging every "votes"
message (`<span id="votes-<idea>" class="votes__n">N</span>`) and stamping when its view last
changed. "STORM {start, seconds, per_client, ideas, seed}" on stdin: every phone casts per_client
votes on distinct ideas at random moments of [start, start + seconds) (time.monotonic()), each an
htmx POST /sala/<room>/votos (idea_id, client_id, X-CSRFToken, HX-Request) on the phone's own
keep-alive connection; "STORMED {outcomes}" when every answer is in. "CHECK {idea: count}" answers
"CHECKED {converged, mismatched, changed_at per phone, ...}": which phones show exactly those counts.
In "bare" mode with "votes" the phones vote the same way against the floor (tests/bench/bare_server.py),
without joining.
"""
import asyncio
import json
import random
import re
import resource
import statistics
import sys
import threading
import time
import uuid

import aiohttp

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
VOTE_COUNT = re.compile(r'id="votes-(\d+)" class="votes__n">(\d+)<')


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Swarm:
    def __init__(self, config: dict):
        self.config = config
        self.n = int(config["clients"])
        self.servers = config["servers"]
        self.marker = re.compile(r"mk" + re.escape(config["nonce"]) + r"-(\d+)x")
        self.received: dict[int, list[float]] = {}
        self.sessions: list[aiohttp.ClientSession] = []
        self.closers = []
        self.failures: list[str] = []
        self.disconnects = 0
        self.connected = 0
        self.quit = asyncio.Event()
        # Vote storm only: each phone's CSRF token, view of the counts, last change of that view.
        self.csrf: dict[int, str] = {}
        self.views: list[dict[int, int]] = [{} for _ in range(self.n)]
        self.changed_at: list[float | None] = [None] * self.n
        self.parsed: dict[str, dict[int, int] | None] = {}
        self.message_times: list[float] = []  # first receipt of each distinct "votes" message
        self.jars: dict[int, aiohttp.CookieJar] = {}
        self.vote_sessions: list[aiohttp.ClientSession] = []
        self.storm_task: asyncio.Future | None = None

    # -- receiving -------------------------------------------------------------------------------
    def record(self, text: str, now: float, i: int | None = None) -> None:
        if i is not None and self.config.get("votes") and text.startswith('42["votes"'):
            self.track_votes(i, text, now)
            return
        match = self.marker.search(text)
        if not match:
            return
        k = int(match.group(1))
        times = self.received.setdefault(k, [])
        times.append(now)
        if len(times) == self.n:
            say(f"GOT {k} " + json.dumps({"first": min(times), "median": statistics.median(times),
                                          "last": max(times), "count": len(times)}))

    # -- vote storm ------------------------------------------------------------------------------------
    def track_votes(self, i: int, text: str, now: float) -> None:
        """Merge a "votes" message into phone i's view of the counts (every phone gets the same
        message: parse it once)."""
        if text not in self.parsed:
            try:
                html = json.loads(text[2:])[1]["html"]
            except (ValueError, LookupError, TypeError):
                html = ""
            self.parsed[text] = {int(idea): int(n) for idea, n in VOTE_COUNT.findall(html)}
            self.message_times.append(now)
        view = self.views[i]
        changed = False
        for idea, n in self.parsed[text].items():
            if view.get(idea, 0) != n:
                view[idea] = n
                changed = True
        if changed:
            self.changed_at[i] = now

    async def vote(self, i: int, idea: int, at: float, outcomes: list) -> None:
        base = self.servers[i % len(self.servers)]
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        session = self.vote_sessions[i]
        client_id = str(uuid.uuid4())
        sent = time.monotonic()
        outcome = {"i": i, "idea": idea, "client_id": client_id, "at": at, "sent": sent}
        outcome["retries"] = 0
        try:
            while True:  # as room.js does: a 503 is sent again after its Retry-After, same client_id
                async with session.post(f"{base}/sala/{self.config['room']}/votos",
                                        data={"idea_id": str(idea), "client_id": client_id},
                                        headers={"X-CSRFToken": self.csrf[i], "HX-Request": "true", "Origin": base}) as r:
                    await r.read()
                    outcome["status"] = r.status
                    retry_after = float(r.headers.get("Retry-After") or 3)
                if outcome["status"] != 503:
                    break
                outcome["retries"] += 1
                await asyncio.sleep(retry_after)
        except Exception as error:  # noqa: BLE001 - counted as an error of this vote
            outcome["status"] = None
            outcome["error"] = f"{type(error).__name__}: {error}"[:200]
        outcome["answered"] = time.monotonic()
        outcomes.append(outcome)

    async def storm(self, plan: dict) -> None:
        """Every connected phone casts plan["per_client"] votes on distinct ideas at random moments
        of the window; STORMED with every outcome when all are answered."""
        rng = random.Random(plan.get("seed", 1))
        start, seconds = float(plan["start"]), float(plan["seconds"])
        outcomes: list[dict] = []
        tasks = []
        if not self.vote_sessions:
            for i in range(self.n):  # the phone's own cookies, on its own keep-alive connection
                jar = self.jars[i] if i in self.jars else aiohttp.CookieJar(unsafe=True)
                self.vote_sessions.append(aiohttp.ClientSession(
                    cookie_jar=jar, connector=aiohttp.TCPConnector(limit=1),
                    timeout=aiohttp.ClientTimeout(total=float(plan.get("timeout", 60)))))
        for i in range(self.n):
            if i not in self.csrf:
                continue  # never joined
            for idea in rng.sample(plan["ideas"], int(plan["per_client"])):
                tasks.append(self.vote(i, idea, start + rng.random() * seconds, outcomes))
        await asyncio.gather(*tasks)
        say("STORMED " + json.dumps({"outcomes": outcomes, "parsed_messages": len(self.parsed)}))

    def check(self, final: dict[int, int]) -> dict:
        mismatched = [i for i in range(self.n) if any(self.views[i].get(idea, 0) != n for idea, n in final.items())]
        example = None
        if mismatched:
            i = mismatched[0]
            example = {"phone": i, "differs": {idea: [self.views[i].get(idea, 0), n] for idea, n in final.items()
                                               if self.views[i].get(idea, 0) != n}}
        return {"converged": self.n - len(mismatched), "mismatched": len(mismatched), "example": example,
                "changed_at": self.changed_at, "messages": len(self.parsed), "message_times": self.message_times}

    # -- joining (app mode) ------------------------------------------------------------------------
    @staticmethod
    async def fetch(session: aiohttp.ClientSession, method: str, url: str, **kwargs) -> tuple[int, str]:
        """One request of a phone joining; a 503 (an overloaded server) is sent again after its
        Retry-After, as a phone would, up to 5 times."""
        for _attempt in range(5):
            async with session.request(method, url, **kwargs) as r:
                text = await r.text()
                if r.status != 503:
                    return r.status, text
                retry_after = float(r.headers.get("Retry-After") or 2)
            await asyncio.sleep(retry_after + random.random())
        return 503, ""

    async def join(self, session: aiohttp.ClientSession, base: str, i: int) -> None:
        room, code = self.config["room"], self.config["code"]
        status, _ = await self.fetch(session, "GET", f"{base}/s/{code}", allow_redirects=False)
        if status != 302:
            raise RuntimeError(f"scan {status}")
        status, text = await self.fetch(session, "GET", f"{base}/sala/{room}/unirse")
        match = CSRF_META.search(text)
        if status != 200 or not match:
            raise RuntimeError(f"join form {status}")
        form = {"csrf_token": match.group(1), "nickname": f"Tel {i}"}
        status, _ = await self.fetch(session, "POST", f"{base}/sala/{room}/unirse", data=form, allow_redirects=False)
        if status != 302:
            raise RuntimeError(f"join {status}")
        if self.config.get("votes"):  # the board, as the phone lands on it: its CSRF token for htmx
            status, text = await self.fetch(session, "GET", f"{base}/sala/{room}")
            match = CSRF_META.search(text)
            if status != 200 or not match:
                raise RuntimeError(f"board {status}")
            self.csrf[i] = match.group(1)

    # -- the two client kinds ----------------------------------------------------------------------
    async def raw_client(self, session, base: str, auth: dict | None, ready: asyncio.Future, i: int | None = None) -> None:
        url = base.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
        ws = await session.ws_connect(url, origin=base, max_msg_size=0)
        self.closers.append(ws.close)
        opened = await ws.receive(timeout=30)
        if not str(opened.data).startswith("0{"):
            raise RuntimeError(f"no open packet: {opened.data!r}")
        await ws.send_str("40" + (json.dumps(auth) if auth else ""))
        while True:
            # The app may send room events before the connect ack (the room is joined inside the
            # connect handler); Socket.IO clients buffer those, so take them as they come.
            answer = await ws.receive(timeout=30)
            data = str(answer.data)
            if data.startswith("40"):
                break
            if data.startswith("42"):
                self.record(data, time.monotonic(), i)
            elif data == "2":
                await ws.send_str("3")
            else:
                raise RuntimeError(f"refused: {data[:200]!r}")
        ready.set_result(True)
        async for msg in ws:
            now = time.monotonic()
            data = msg.data
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            if data == "2":
                await ws.send_str("3")
            elif data.startswith("42"):
                self.record(data, now, i)
        if not self.quit.is_set():
            self.disconnects += 1

    async def socketio_client(self, session, base: str, auth: dict | None, ready: asyncio.Future, i: int | None = None) -> None:
        import socketio

        sio = socketio.AsyncClient(reconnection=False, http_session=session)

        @sio.on("change")
        async def on_change(data):
            self.record(data.get("html", "") if isinstance(data, dict) else "", time.monotonic())

        @sio.on("votes")
        async def on_votes(data):
            if i is not None and self.config.get("votes"):
                self.track_votes(i, '42["votes",' + json.dumps(data) + "]", time.monotonic())

        @sio.on("disconnect")
        async def on_disconnect(*_):
            if not self.quit.is_set():
                self.disconnects += 1

        await sio.connect(base, auth=auth, transports=["websocket"], headers={"Origin": base}, wait_timeout=30)
        self.closers.append(sio.disconnect)
        ready.set_result(True)

    # -- one phone -----------------------------------------------------------------------------------
    async def phone(self, i: int, gate: asyncio.Semaphore, ready: asyncio.Future) -> None:
        base = self.servers[i % len(self.servers)]
        # force_close: no idle keep-alive HTTP connection per phone left on the server after joining.
        languages = self.config.get("languages")  # phone i asks for languages[i % len]: its interface
        headers = {"Accept-Language": languages[i % len(languages)]} if languages else None
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                        connector=aiohttp.TCPConnector(force_close=True), headers=headers,
                                        timeout=aiohttp.ClientTimeout(total=None, sock_connect=30))
        self.sessions.append(session)
        self.jars[i] = session.cookie_jar
        try:
            async with gate:
                auth = None
                if self.config["mode"] == "app":
                    await self.join(session, base, i)
                    auth = {"room": self.config["room"]}
                elif self.config.get("votes"):
                    self.csrf[i] = ""  # the floor's votes: no join, no token
                client = self.raw_client if self.config.get("client", "raw") == "raw" else self.socketio_client
                task = asyncio.ensure_future(client(session, base, auth, ready, i))
                await asyncio.wait({task, ready}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
                if not ready.done():
                    if not task.done():
                        task.cancel()
                        raise TimeoutError("no connection after 60 s")
                    raise task.exception() or RuntimeError("closed before connecting")
            await task
        except Exception as error:  # noqa: BLE001 - reported, counted, never fatal to the others
            if not ready.done():
                ready.set_exception(error)
                self.failures.append(f"{i}: {type(error).__name__}: {error}")
            elif not self.quit.is_set():
                self.disconnects += 1

    async def run(self) -> None:
        gate = asyncio.Semaphore(int(self.config.get("concurrency", 32)))
        started = time.monotonic()
        readies = [asyncio.get_running_loop().create_future() for _ in range(self.n)]
        phones = [asyncio.ensure_future(self.phone(i, gate, readies[i])) for i in range(self.n)]
        await asyncio.gather(*readies, return_exceptions=True)
        self.connected = sum(1 for r in readies if r.done() and not r.exception())
        say("READY " + json.dumps({"connected": self.connected, "failed": len(self.failures),
                                   "failures": self.failures[:5], "seconds": round(time.monotonic() - started, 1)}))
        loop = asyncio.get_running_loop()

        def read_stdin():
            for line in sys.stdin:
                loop.call_soon_threadsafe(self.command, line.strip())
            loop.call_soon_threadsafe(self.quit.set)

        threading.Thread(target=read_stdin, daemon=True).start()
        try:
            await asyncio.wait_for(self.quit.wait(), timeout=float(self.config.get("max_seconds", 900)))
        except asyncio.TimeoutError:
            say("TIMEOUT")
        self.quit.set()
        await asyncio.wait_for(asyncio.gather(*(close() for close in self.closers), return_exceptions=True), 30)
        await asyncio.wait_for(asyncio.gather(*(s.close() for s in self.sessions + self.vote_sessions),
                                              return_exceptions=True), 30)
        for phone in phones:
            phone.cancel()
        say("BYE " + json.dumps({"disconnects": self.disconnects}))

    def command(self, line: str) -> None:
        if line == "QUIT":
            self.quit.set()
        elif line.startswith("STATUS "):
            k = int(line.split()[1])
            say(f"STATUS {k} {len(self.received.get(k, ()))}")
        elif line.startswith("STORM "):
            self.storm_task = asyncio.ensure_future(self.storm(json.loads(line.split(" ", 1)[1])))
        elif line.startswith("CHECK "):
            final = {int(idea): int(n) for idea, n in json.loads(line.split(" ", 1)[1]).items()}
            say("CHECKED " + json.dumps(self.check(final)))


def main() -> None:
    raise_fd_limit()
    config = json.loads(sys.argv[1])
    asyncio.run(Swarm(config).run())


if __name__ == "__main__":
    main()
