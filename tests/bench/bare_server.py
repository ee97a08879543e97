"""The floor: a bare Flask-SocketIO gevent server with no app behind it.

Every client that connects joins one room, without any check. `POST /emit?marker=M` emits one
"change" event of about 600 bytes ({"seq", "html"}, like the app's idea fragment) to that room
and answers 204 at once. With BENCH_REDIS_URL set it uses Redis as message queue, like the app's
scale-out set-up (on a channel of its own, so it never mixes with the app's messages).

    HOST=127.0.0.1 PORT=5100 python tests/bench/bare_server.py
"""
from gevent import monkey

monkey.patch_all()

import itertools  # noqa: E402
import os  # noqa: E402

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

ROOM = "bench"
PADDING = "x" * 520  # with the markup around it, the html is about 600 bytes

app = Flask(__name__)
socketio = SocketIO(
    app,
    async_mode="gevent",
    message_queue=os.environ.get("BENCH_REDIS_URL") or None,
    channel="ideaboard-bench-floor",
    cors_allowed_origins=None,  # same-origin check, as the app
)
_seq = itertools.count(1)


@socketio.on("connect")
def on_connect(auth=None):
    join_room(ROOM)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/emit")
def emit():
    marker = request.args.get("marker", "")
    html = f'<li class="idea" data-idea="{marker}"><p class="idea__text">{marker} {PADDING}</p></li>'
    socketio.emit("change", {"seq": next(_seq), "html": html}, to=ROOM)
    return "", 204


if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5100"))
    print(f" * bare Flask-SocketIO floor on http://{host}:{port}", flush=True)
    socketio.run(app, host=host, port=port, log_output=False)
