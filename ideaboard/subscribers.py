"""Who reacts to which domain event (ideaboard/events.py): connected once, by create_app.

Receivers are module-level functions that work through `current_app`, so connecting them again
(tests build many apps) changes nothing, and each dispatch reaches the app it runs in.
"""
from . import events
from .budget.services import plan_planned_ideathon
from .rooms.broadcasts import on_ideas_changed, on_room_changed
from .votes.tallies import touch_counts

SUBSCRIPTIONS = (
    (events.ideas_changed, on_ideas_changed),  # the room sees the ideas
    (events.counts_changed, touch_counts),  # then, coalesced by the flusher, their counts
    (events.room_changed, on_room_changed),
    (events.ideathon_planned, plan_planned_ideathon),  # a programme's ideathon gets its budget plan
)


def connect() -> None:
    for signal, receiver in SUBSCRIPTIONS:
        signal.connect(receiver, weak=False)
