"""The phones: N Socket.IO clients in one asyncio process, driven over stdin/stdout.

    python tests/bench/swarm.py '<json config>'

config: {"servers": [base URLs], "clients": N, "mode": "app" | "bare", "room": id, "code": room code,
         "client": "socketio" | "raw", "nonce": "...", "concurrency": 32, "max_seconds": 900}

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
"""
import asyncio
import json
import re
import resource
import statistics
import sys
import threading
import time

import aiohttp

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


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

    # -- receiving -------------------------------------------------------------------------------
    def record(self, text: str, now: float) -> None:
        match = self.marker.search(text)
        if not match:
            return
        k = int(match.group(1))
        times = self.received.setdefault(k, [])
        times.append(now)
        if len(times) == self.n:
            say(f"GOT {k} " + json.dumps({"first": min(times), "median": statistics.median(times),
                                          "last": max(times), "count": len(times)}))

    # -- joining (app mode) ------------------------------------------------------------------------
    async def join(self, session: aiohttp.ClientSession, base: str, i: int) -> None:
        room, code = self.config["room"], self.config["code"]
        async with session.get(f"{base}/s/{code}", allow_redirects=False) as r:
            if r.status != 302:
                raise RuntimeError(f"scan {r.status}")
        async with session.get(f"{base}/sala/{room}/unirse") as r:
            match = CSRF_META.search(await r.text())
            if r.status != 200 or not match:
                raise RuntimeError(f"join form {r.status}")
        form = {"csrf_token": match.group(1), "nickname": f"Tel {i}"}
        async with session.post(f"{base}/sala/{room}/unirse", data=form, allow_redirects=False) as r:
            if r.status != 302:
                raise RuntimeError(f"join {r.status}")

    # -- the two client kinds ----------------------------------------------------------------------
    async def raw_client(self, session, base: str, auth: dict | None, ready: asyncio.Future) -> None:
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
                self.record(data, time.monotonic())
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
                self.record(data, now)
        if not self.quit.is_set():
            self.disconnects += 1

    async def socketio_client(self, session, base: str, auth: dict | None, ready: asyncio.Future) -> None:
        import socketio

        sio = socketio.AsyncClient(reconnection=False, http_session=session)

        @sio.on("change")
        async def on_change(data):
            self.record(data.get("html", "") if isinstance(data, dict) else "", time.monotonic())

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
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                        connector=aiohttp.TCPConnector(force_close=True),
                                        timeout=aiohttp.ClientTimeout(total=None, sock_connect=30))
        self.sessions.append(session)
        try:
            async with gate:
                auth = None
                if self.config["mode"] == "app":
                    await self.join(session, base, i)
                    auth = {"room": self.config["room"]}
                client = self.raw_client if self.config.get("client", "raw") == "raw" else self.socketio_client
                task = asyncio.ensure_future(client(session, base, auth, ready))
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
        await asyncio.wait_for(asyncio.gather(*(s.close() for s in self.sessions), return_exceptions=True), 30)
        for phone in phones:
            phone.cancel()
        say("BYE " + json.dumps({"disconnects": self.disconnects}))

    def command(self, line: str) -> None:
        if line == "QUIT":
            self.quit.set()
        elif line.startswith("STATUS "):
            k = int(line.split()[1])
            say(f"STATUS {k} {len(self.received.get(k, ()))}")


def main() -> None:
    raise_fd_limit()
    config = json.loads(sys.argv[1])
    asyncio.run(Swarm(config).run())


if __name__ == "__main__":
    main()
