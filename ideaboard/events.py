"""Domain events: what happened, told to whoever reacts to it, once the change is committed.

A service records an event inside its `write()` block, next to the change it describes:

    with write():
        ...
        seq = next_sequence(ideathon)
        events.record(events.room_changed, ideathon=ideathon, seq=seq, phase=True)

`database.write()` keeps the events of the outermost transaction (a nested `write()` joins it) and,
only once `session.commit()` has succeeded and the write lock is released, dispatches them in the
order they were recorded. A transaction rolled back (a refusal, an error, a failed commit) drops its
events: nothing is dispatched for a change that did not happen.

Subscribers are plain functions connected once by `ideaboard.subscribers.connect()` (create_app).
Each is called as `receiver(app, **payload)`. One that raises is logged and skipped: the change is
committed already and the request goes on, as do the other subscribers and events.

The events and their payloads:

- `ideas_changed`: ideas came, changed or left the board. `ideathon`, `ideas` (a list), `seq` (the
  room's sequence number), `moved` ((idea id, theme it left), ...), `resync` (participant ids whose
  dots moved), `dots_returned` (those of them whose dots came back).
- `room_changed`: the room opened, changed phase, settings or timer. `ideathon`, `seq`, `phase` (a new
  phase), `ideas` (what the idea cards show changed).
- `counts_changed`: the dots counted on some ideas (or what the ranking shows of them) may have
  changed. `ideathon_id`, `idea_ids`.
- `ideathon_planned`: an ideathon was created or its plan changed. `ideathon`.
"""
from contextvars import ContextVar

from blinker import Namespace, Signal
from flask import current_app

_signals = Namespace()

ideas_changed = _signals.signal("ideas-changed")
room_changed = _signals.signal("room-changed")
counts_changed = _signals.signal("counts-changed")
ideathon_planned = _signals.signal("ideathon-planned")

_recorded: ContextVar[list | None] = ContextVar("recorded_events", default=None)


def record(signal: Signal, **payload) -> None:
    """Note that `signal` happened, with its payload, for dispatch after the current commit."""
    recorded = _recorded.get()
    if recorded is None:
        raise RuntimeError(f"event {signal.name!r} recorded outside write(): it would never be dispatched")
    recorded.append((signal, payload))


def collect():
    """Start keeping the events of a new outermost transaction: returns (token, the list they go to).
    For `database.write()` only."""
    recorded: list = []
    return _recorded.set(recorded), recorded


def stop_collecting(token) -> None:
    _recorded.reset(token)


def dispatch(recorded: list) -> None:
    """Send committed events to their subscribers, in order. A subscriber that raises is logged;
    the others, and the events after it, still run."""
    app = current_app._get_current_object()
    for signal, payload in recorded:
        for receiver in list(signal.receivers_for(app)):
            try:
                receiver(app, **payload)
            except Exception:  # noqa: BLE001 - the change is committed: report and go on
                app.logger.exception("subscriber %s of event %r failed",
                                     getattr(receiver, "__qualname__", receiver), signal.name)
