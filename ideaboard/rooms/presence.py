"""Who is in the room right now, counted per room and sent at most once every 250 ms.

Each process counts its own connected participants (a participant with two tabs counts once).
With Redis, each process writes its counts into a hash per room, stamped with the time, and the
total is the sum of the fresh entries, so a room spread over several processes shows one number
and a crashed process stops counting after STALE_AFTER seconds.
"""
import time
import uuid
from collections import Counter, defaultdict

from flask import current_app

FLUSH_INTERVAL = 0.25
HEARTBEAT = 10
STALE_AFTER = 30


class Presence:
    def __init__(self):
        self.process_id = uuid.uuid4().hex[:12]
        self.reset()

    def reset(self) -> None:
        self.rooms: dict[int, Counter] = defaultdict(Counter)  # room -> participant -> open sockets
        self.sockets: dict[str, tuple[int, int | None]] = {}  # sid -> (room, participant or None)
        self.dirty: set[int] = set()
        self.last_sent: dict[int, int] = {}
        self._last_heartbeat = 0.0

    def joined(self, sid: str, room: int, participant_id: int | None) -> None:
        self.sockets[sid] = (room, participant_id)
        if participant_id is not None:
            self.rooms[room][participant_id] += 1
            self.dirty.add(room)

    def left(self, sid: str) -> None:
        room, participant_id = self.sockets.pop(sid, (None, None))
        if room is None or participant_id is None:
            return
        counter = self.rooms[room]
        counter[participant_id] -= 1
        if counter[participant_id] <= 0:
            del counter[participant_id]
        self.dirty.add(room)

    def room_of(self, sid: str) -> int | None:
        return self.sockets.get(sid, (None, None))[0]

    def local_count(self, room: int) -> int:
        return len(self.rooms.get(room, ()))

    def count(self, room: int, redis=None) -> int:
        if redis is None:
            return self.local_count(room)
        now = time.time()
        key = f"ideaboard:presence:{room}"
        redis.hset(key, self.process_id, f"{self.local_count(room)}:{now}")
        redis.expire(key, 24 * 3600)
        total = 0
        for value in redis.hgetall(key).values():
            count, _, stamp = value.decode().partition(":")
            if now - float(stamp or 0) < STALE_AFTER:
                total += int(count)
        return total

    def flush(self, redis=None) -> list[tuple[int, int]]:
        """Send the count of every room that changed since the last flush. Returns what was sent."""
        from .broadcasts import publish

        now = time.time()
        rooms, self.dirty = self.dirty, set()
        if redis is not None and now - self._last_heartbeat > HEARTBEAT:
            # Keep this process's entries fresh in Redis and notice other processes' changes;
            # a room hears about it only if its total actually changed.
            rooms |= {room for room, counter in self.rooms.items() if counter}
            self._last_heartbeat = now
        sent = []
        for room in rooms:
            total = self.count(room, redis)
            if self.last_sent.get(room) == total:
                continue
            self.last_sent[room] = total
            publish(room, "presence", "rooms/_presence.html", room_id=room, count=total)
            sent.append((room, total))
        return sent


presence = Presence()


def redis_client():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url)


def run_flusher(app) -> None:
    """The per-process loop that coalesces presence and vote counts (a Socket.IO background
    task): at most one message of each kind per room every FLUSH_INTERVAL."""
    from ..database import use_own_connection
    from ..extensions import socketio
    from ..votes.tallies import tallies

    with app.app_context():
        redis = redis_client()
    while True:
        socketio.sleep(FLUSH_INTERVAL)
        if not (presence.dirty or presence.rooms or tallies.dirty):
            continue
        with app.app_context():  # a fresh database session for each round, on a connection of its own
            try:
                use_own_connection()
                presence.flush(redis)
                tallies.flush()
            except Exception:  # noqa: BLE001 - the loop must outlive a failed flush
                app.logger.exception("flush failed")
