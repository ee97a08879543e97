"""The floor: a bare Flask-SocketIO gevent server with no app behind it.

Every client that connects joins one room, without any check. `POST /emit?marker=M` emits one
"change" event of about 600 bytes ({"seq", "html"}, like the app's idea fragment) to that room
and answers 204 at once. The vote storm's floor: `POST /sala/<room>/votos` (idea_id, client_id) adds one
to that idea's count in memory and answers a small fragment at once; every 250 ms one "votes" message
with the changed counts (`<span id="votes-<idea>" class="votes__n">N</span>`, as the app sends) goes to
the room, and `GET /counts` gives every count. With BENCH_REDIS_URL set it uses Redis as message queue, like the app's
scale-out set-up (on a channel of its own, so it never mixes with the app's messages).

    HOST=127.0.0.1 PORT=5100 python tests/bench/bare_server.py
"""
from gevent import monkey

monkey.patch_all()

import itertools  # noqa: E402
import os  # noqa: E402
from collections import Counter  # noqa: E402

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
_votes: Counter = Counter()
_dirty: set[int] = set()
_flusher = []


@socketio.on("connect")
def on_connect(auth=None):
    join_room(ROOM)
    if not _flusher:
        _flusher.append(socketio.start_background_task(_flush_votes))


def _flush_votes():
    """Every 250 ms, one "votes" message with the counts that changed (the app's coalescing)."""
    while True:
        socketio.sleep(0.25)
        if _dirty:
            changed = sorted(_dirty)
            _dirty.clear()
            html = "".join(f'<span id="votes-{idea}" class="votes__n">{_votes[idea]}</span>\n' for idea in changed)
            socketio.emit("votes", {"html": html}, to=ROOM)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/emit")
def emit():
    marker = request.args.get("marker", "")
    html = f'<li class="idea" data-idea="{marker}"><p class="idea__text">{marker} {PADDING}</p></li>'
    socketio.emit("change", {"seq": next(_seq), "html": html}, to=ROOM)
    return "", 204


@app.post("/sala/<int:room>/votos")
def vote(room: int):
    idea = int(request.form["idea_id"])
    _votes[idea] += 1
    _dirty.add(idea)
    return (f'<div id="my-state"><span id="votes-{idea}" class="votes__n">{_votes[idea]}</span>'
            f'<p>{request.form.get("client_id", "")}</p></div>')


@app.get("/counts")
def counts():
    return {str(idea): n for idea, n in _votes.items()}


if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5100"))
    print(f" * bare Flask-SocketIO floor on http://{host}:{port}", flush=True)
    socketio.run(app, host=host, port=port, log_output=False)
