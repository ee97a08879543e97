"""What one socket may send. Clients only listen: every change in a room goes over HTTP.

A phone, the console and the projector (static/js/room.js) send the Socket.IO handshake (CONNECT
with their `auth`), the one question they ask when they (re)connect ("seq", rooms/events.py),
Engine.IO's pongs and transport upgrade, and their goodbye. Nothing else: a socket that sends
anything else is closed at once.

Before this guard, one socket flooding events (`42["x", …]` in a loop, even without a cookie)
stalled the whole server: simple-websocket's reader greenlet never yielded while its socket had
data (a gevent socket with data waiting returns at once) and kept every message in an unbounded
list. Three layers, all per connection:

1. The WebSocket (`BoundedServer`, simple-websocket's server): a message over SOCKETIO_MAX_PAYLOAD
   closes it (1009, "message too big"); so do more frames than a token bucket allows
   (SOCKETIO_CLIENT_BURST at once, then SOCKETIO_CLIENT_RATE a second: 1008, "policy violation").
   The reader yields to the other greenlets after every read, never reopens a connection closed
   under it, and stops reading once it is closed.
2. Engine.IO packets over that WebSocket (`GuardedWebSocketWSGI.wait`): while upgrading, the
   "probe" ping and the upgrade; then only pong, message and close.
3. Socket.IO packets, over WebSocket or long-polling (`install`, the Engine.IO message handler):
   CONNECT to the main namespace while not connected, an EVENT a handler exists for (from a
   connected client), DISCONNECT. Anything else closes the Engine.IO session at once, with one
   warning in the log (logger "ideaboard.sockets"). A CONNECT that the connect handler refused
   is answered (the client hears why) and the session is then closed, not left open.

Long-polling requests are HTTP requests: each body is capped at SOCKETIO_MAX_PAYLOAD by Engine.IO,
and a session that sends a forbidden packet is closed as above (its next request gets 400).
"""
import errno
import socket as _socket
import time

import gevent
import simple_websocket
from engineio.async_drivers import gevent as gevent_driver
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import LocalProtocolError

from .websocket_close import log

NAMESPACE = "/"
RESERVED_EVENTS = {"connect", "disconnect", "*"}


class Budget:
    """A token bucket: `burst` frames at once, then `rate` a second."""

    def __init__(self, burst: int, rate: float):
        self.burst, self.rate = burst, rate
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def spend(self) -> bool:
        """Take one token; False once there was none left."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1
        return self.tokens >= 0


class _CountedConnection:
    """wsproto's connection, its events (messages, pings, pongs, closes) counted against the
    budget: once it is spent, no further event of the read is handed on."""

    def __init__(self, connection, owner: "BoundedServer"):
        self._connection = connection
        self._owner = owner

    def events(self):
        for event in self._connection.events():
            if not self._owner.budget.spend():
                self._owner.over_budget = True
                return
            yield event

    def __getattr__(self, name):
        return getattr(self._connection, name)


class BoundedServer(simple_websocket.Server):
    """simple-websocket's server with its input bounded (module docstring, layer 1)."""

    def __init__(self, environ, *, burst: int, rate: float, **kwargs):
        self.budget = Budget(burst, rate)
        self.over_budget = False
        super().__init__(environ, **kwargs)

    def handshake(self):
        super().handshake()
        self.ws = _CountedConnection(self.ws, self)

    def _thread(self):
        try:
            while self.connected:
                data = self.sock.recv(self.receive_bytes)
                if not data:
                    break
                self.ws.receive_data(data)
                keep_going = self._handle_events()
                self.connected = self.connected and keep_going  # closed meanwhile: stays closed
                if self.over_budget and self.connected:
                    log.warning("socket from %s closed: more messages than a client sends (over %s at once)",
                                self.environ.get("REMOTE_ADDR", "?"), self.budget.burst)
                    self.abort(CloseReason.POLICY_VIOLATION, "Too many messages")
                gevent.sleep(0)  # whatever the client sends, the other greenlets get their turn
        except (OSError, LocalProtocolError):
            pass
        finally:
            self.connected = False
            self.event.set()
            try:
                self.sock.close()
            except OSError:  # pragma: no cover
                pass

    def close(self, reason=None, message=None):
        try:
            super().close(reason, message)
        finally:
            self.event.set()  # wake the reader of `receive()`: there is nothing more to wait for
            self._shutdown()

    def abort(self, reason=CloseReason.POLICY_VIOLATION, message="Policy violation"):
        """Close at once: drop what is buffered, say why (a close frame), stop reading."""
        self.input_buffer.clear()
        if self.connected:
            try:
                self.close(reason, message)
            except (simple_websocket.ConnectionClosed, OSError):
                pass
        self.connected = False
        self.event.set()
        self._shutdown()

    def _shutdown(self):
        try:
            self.sock.shutdown(_socket.SHUT_RDWR)
        except OSError:
            pass


class GuardedWebSocketWSGI(gevent_driver.WebSocketWSGI):
    """Engine.IO's WebSocket transport under gevent, on `BoundedServer` (layers 1 and 2).
    `install` makes a subclass with the app's limits."""

    max_message_size = 16 * 1024
    burst = 20
    rate = 1.0

    def __init__(self, handler, server):
        super().__init__(handler, server)
        # The handler is the Engine.IO socket's own method: the session this transport carries.
        self.engine_socket = getattr(handler, "__self__", None)
        if self.engine_socket is not None:
            self.engine_socket.ideaboard_transport = self

    def __call__(self, environ, start_response):
        # As SimpleWebSocketWSGI.__call__ (python-engineio), with the bounded server.
        self.ws = BoundedServer(environ, max_message_size=self.max_message_size, burst=self.burst,
                                rate=self.rate, **self.server_args)
        ret = self.app(self)
        if self.ws.mode == "gunicorn":
            raise StopIteration()
        elif self.ws.mode == "werkzeug":  # pragma: no cover
            raise ConnectionError()
        elif self.ws.mode == "gevent":
            # No HTTP request follows a WebSocket on its connection: gevent's server would read what
            # a client still sent as one (and log a traceback answering it). The error it takes for
            # "the client went away" makes it close the connection quietly.
            raise BrokenPipeError(errno.EPIPE, "the WebSocket is closed")
        return ret

    def wait(self):
        data = super().wait()
        engine = self.engine_socket
        if engine is None:
            return data
        if data is None:
            if self.ws.over_budget and not (engine.closed or engine.closing):
                # Closed by layer 1 (logged there): the server ended it, not the browser.
                engine.close(wait=False, abort=True, reason=engine.server.reason.SERVER_DISCONNECT)
            return None
        why = _engine_packet_refusal(engine, data)
        if why:
            refuse(engine, why, self.ws.environ.get("REMOTE_ADDR"))
            return None  # Engine.IO's loop ends, as when the client goes
        return data


def _engine_packet_refusal(engine, data) -> str | None:
    if not isinstance(data, str) or not data:
        return "a binary or empty Engine.IO packet"
    if not engine.upgraded:  # upgrading from long-polling: the probe, then the upgrade
        return None if data in ("2probe", "5") else f"Engine.IO packet {data[:1]!r} while upgrading"
    if data[0] in "134":  # close, pong, message
        return None
    return f"Engine.IO packet {data[:1]!r}, which clients never send"


def refuse(engine, why: str, address: str | None = None) -> None:
    """Close an Engine.IO session at once (and its WebSocket, if it has one), logging why."""
    if engine.closed or engine.closing:
        return
    log.warning("socket %s from %s closed: %s", engine.sid, address or "?", why)
    transport = getattr(engine, "ideaboard_transport", None)
    if transport is not None and isinstance(getattr(transport, "ws", None), BoundedServer):
        transport.ws.abort()
    engine.close(wait=False, abort=True, reason=engine.server.reason.SERVER_DISCONNECT)


def install(server, config) -> None:
    """Guard `server` (python-socketio's, Flask-SocketIO's `socketio.server`) with the app's limits."""
    eio = server.eio
    # Under gevent with simple-websocket (engineio/async_drivers/gevent.py; gevent-websocket, when
    # installed, would serve the WebSockets instead and this layer would not apply).
    if eio.async_mode == "gevent" and gevent_driver.SimpleWebSocketWSGI is not None:
        limits = {
            "max_message_size": config["SOCKETIO_MAX_PAYLOAD"],
            "burst": config["SOCKETIO_CLIENT_BURST"],
            "rate": config["SOCKETIO_CLIENT_RATE"],
        }
        guarded = type("AppGuardedWebSocketWSGI", (GuardedWebSocketWSGI,), limits)
        eio._async = {**eio._async, "websocket": guarded}  # this server's own copy of the driver table
    original = server._handle_eio_message

    def on_message(eio_sid, data):
        engine = eio.sockets.get(eio_sid)
        if engine is None or engine.closed or engine.closing:
            return  # what was still on its way after a refusal
        why = message_refusal(server, eio_sid, data)
        if why:
            refuse(engine, why, server.environ.get(eio_sid, {}).get("REMOTE_ADDR"))
            return
        original(eio_sid, data)
        if data[0] == "0" and not _connected(server, eio_sid):
            # Refused at `connect`: once the client has its answer (CONNECT_ERROR, queued first), the
            # session has nothing more to carry. Over WebSocket the writer sends what is queued before
            # closing; over long-polling the client fetches it with its next request, so the session
            # is closed once it has (or once it would have timed out anyway).
            log.info("socket %s refused at connect: closed", eio_sid)
            if engine.upgraded:
                engine.close(wait=False, abort=False, reason=eio.reason.SERVER_DISCONNECT)
            else:
                eio.start_background_task(_close_when_fetched, engine, eio.ping_interval + eio.ping_timeout)

    eio.on("message", on_message)


def _close_when_fetched(engine, timeout: float) -> None:
    engine.queue.join(timeout=timeout)
    if not engine.closed:
        engine.close(wait=False, abort=False, reason=engine.server.reason.SERVER_DISCONNECT)


def _connected(server, eio_sid) -> bool:
    sid = server.manager.sid_from_eio_sid(eio_sid, NAMESPACE)
    return sid is not None and server.manager.is_connected(sid, NAMESPACE)


def message_refusal(server, eio_sid, data) -> str | None:
    """Why this Socket.IO packet from a client is refused, or None if clients may send it."""
    if not isinstance(data, str) or not data:
        return "a binary Socket.IO packet"
    kind = data[0]
    if kind == "1":  # DISCONNECT: the client leaves
        return None
    if kind not in "02":  # ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK, or not a packet at all
        return f"Socket.IO packet {kind!r}, which clients never send"
    try:
        packet = server.packet_class(encoded_packet=data)
    except Exception:  # noqa: BLE001 - whatever the parser chokes on is not a client's packet
        return "a malformed Socket.IO packet"
    if packet.namespace not in (None, NAMESPACE):
        return "a namespace this server does not have"
    connected = _connected(server, eio_sid)
    if kind == "0":
        return "a second CONNECT" if connected else None
    if not connected:
        return "an event before connecting"
    name = packet.data[0] if isinstance(packet.data, list) and packet.data else None
    handlers = server.handlers.get(NAMESPACE, {})
    if not isinstance(name, str) or name in RESERVED_EVENTS or name not in handlers:
        return f"an event clients never send ({str(name)[:40]!r})"
    return None
