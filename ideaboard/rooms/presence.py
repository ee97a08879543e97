"""Who is in the room right now: everyone admitted who is connected or was recently active,
counted per room and sent at most once every 250 ms.

A participant counts while one of their sockets is connected, and for ACTIVE_WINDOW seconds
after their last sign of life: an HTTP request to the room (a phone without JavaScript reads
and posts with plain page loads, and never opens a socket) or a socket closing (a phone that
locked its screen is still in the hall). A participant with two tabs counts once.

It is cheap: a request only writes a time into this process's memory (`seen`, called by
rooms/admission.py whenever a request is recognised as a participant's); nothing is written to
the database. The flusher (run_flusher, every FLUSH_INTERVAL) sends the rooms whose count
changed, and every HEARTBEAT seconds re-counts the rooms it knows, so people drop out once
their window has passed.

With Redis (several processes), each room has a sorted set `ideaboard:seen:<room>:<code>` of
participant ids scored by when they were last seen. Each process adds its news there from the
flusher, never from a request: a participant seen over HTTP at most once every THROTTLE seconds,
and every HEARTBEAT seconds the participants whose sockets it holds. The total is the number of
fresh members, the same for every process; a crashed process's people drop out after
ACTIVE_WINDOW.
"""
import logging
import time
import uuid
from collections import Counter, defaultdict

from redis.exceptions import RedisError

from ..database import use_own_connection
from ..extensions import socketio
from ..votes.tallies import tallies
from .broadcasts import publish
from .languages_in_use import languages_in_use, redis_client

FLUSH_INTERVAL = 0.25
HEARTBEAT = 10
ACTIVE_WINDOW = 5 * 60  # seconds a participant counts after their last request or socket
THROTTLE = 30  # seconds between two Redis writes for the same participant seen over HTTP
REDIS_PAUSE = 2.0  # seconds without asking Redis after it failed (a page never waits for it twice)

logger = logging.getLogger(__name__)


def redis_key(room: int, code: str | None = None) -> str:
    """The room's sorted set; its code in the name, so that another room given the same id (a
    database restored, or emptied between tests) never inherits its members."""
    return f"ideaboard:seen:{room}:{code}" if code else f"ideaboard:seen:{room}"


class Presence:
    def __init__(self, clock=time.time):
        self.process_id = uuid.uuid4().hex[:12]
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        self.rooms: dict[int, Counter] = defaultdict(Counter)  # room -> participant -> open sockets
        self.sockets: dict[str, tuple[int, int | None]] = {}  # sid -> (room, participant or None)
        self.last_seen: dict[int, dict[int, float]] = defaultdict(dict)  # room -> participant -> time
        self.pending: dict[int, dict[int, float]] = defaultdict(dict)  # not yet written to Redis
        self.written: dict[tuple[int, int], float] = {}  # (room, participant) -> last Redis write
        self.dirty: set[int] = set()
        self.last_sent: dict[int, int] = {}
        self.codes: dict[int, str] = {}  # room -> its code when last seen here
        self._last_heartbeat = 0.0
        self.redis_failing = False
        self.redis_paused_until = 0.0

    def _same_room(self, room: int, code: str | None) -> None:
        """A room id seen with another code is another room (a database restored, or emptied
        between tests while this process lives on): what was known of it here is forgotten."""
        if not code:
            return
        if self.codes.get(room, code) != code:
            self.last_seen.pop(room, None)
            self.pending.pop(room, None)
            self.dirty.add(room)
        self.codes[room] = code

    # --- What this process sees ----------------------------------------------------------------

    def joined(self, sid: str, room: int, participant_id: int | None, code: str | None = None) -> None:
        self._same_room(room, code)
        self.sockets[sid] = (room, participant_id)
        if participant_id is not None:
            if not self._is_active(room, participant_id):
                self.dirty.add(room)
            self.rooms[room][participant_id] += 1
            self._note(room, participant_id, force=True)

    def left(self, sid: str) -> None:
        room, participant_id = self.sockets.pop(sid, (None, None))
        if room is None or participant_id is None:
            return
        counter = self.rooms[room]
        counter[participant_id] -= 1
        if counter[participant_id] <= 0:
            del counter[participant_id]
        # Still in the hall for a while (a locked screen, a weak signal): seen now.
        self._note(room, participant_id, force=True)

    def seen(self, room: int, participant_id: int, code: str | None = None) -> None:
        """A request from this participant (with or without JavaScript): a dict write, no I/O."""
        self._same_room(room, code)
        if not self._is_active(room, participant_id):
            self.dirty.add(room)
        self._note(room, participant_id)

    def _note(self, room: int, participant_id: int, force: bool = False) -> None:
        now = self.clock()
        self.last_seen[room][participant_id] = now
        if force or now - self.written.get((room, participant_id), 0) >= THROTTLE:
            self.pending[room][participant_id] = now

    def _is_active(self, room: int, participant_id: int) -> bool:
        if self.rooms.get(room, {}).get(participant_id):
            return True
        last = self.last_seen.get(room, {}).get(participant_id)
        return last is not None and self.clock() - last < ACTIVE_WINDOW

    def room_of(self, sid: str) -> int | None:
        return self.sockets.get(sid, (None, None))[0]

    def local_count(self, room: int) -> int:
        """People this process knows to be in the room: connected, or seen within the window."""
        now = self.clock()
        seen = self.last_seen.get(room, {})
        for participant_id in [p for p, at in seen.items() if now - at >= ACTIVE_WINDOW]:
            del seen[participant_id]
        return len(set(seen) | set(self.rooms.get(room, ())))

    # --- The room's total ----------------------------------------------------------------------

    def count(self, room: int, redis=None) -> int:
        """The room's total: from Redis when there is one, and this process's own count while
        Redis is down (a page still renders, the flusher goes on)."""
        if redis is None or self._redis_paused():
            return self.local_count(room)
        now = self.clock()
        key = redis_key(room, self.codes.get(room))
        pipe = redis.pipeline()
        pipe.zremrangebyscore(key, "-inf", now - ACTIVE_WINDOW)
        pipe.zcard(key)
        try:
            total = int(pipe.execute()[-1])
        except RedisError as error:
            self._redis_down(error)
            return self.local_count(room)
        self._redis_back()
        return total

    def total(self, room: int, code: str | None = None) -> int:
        """The count to show on a page being rendered now (this request already seen)."""
        self._same_room(room, code)
        redis = redis_client()
        if redis is not None:
            self._write(redis, {room})
        return self.count(room, redis)

    def _write(self, redis, rooms) -> None:
        """Add this process's news about these rooms to Redis (one round trip)."""
        if self._redis_paused():
            return
        pipe = redis.pipeline()
        wrote = {}
        for room in rooms:
            stamps = self.pending.pop(room, None)
            if not stamps:
                continue
            key = redis_key(room, self.codes.get(room))
            pipe.zadd(key, {str(pid): at for pid, at in stamps.items()})
            pipe.expire(key, 24 * 3600)
            wrote[room] = stamps
        if not wrote:
            return
        try:
            pipe.execute()
        except RedisError as error:
            # Redis down: the news waits here and is written once Redis answers again.
            self._redis_down(error)
            for room, stamps in wrote.items():
                self.pending[room] = {**stamps, **self.pending.get(room, {})}
            return
        self._redis_back()
        for room, stamps in wrote.items():
            for pid, at in stamps.items():
                self.written[(room, pid)] = at

    def _redis_paused(self) -> bool:
        return time.monotonic() < self.redis_paused_until

    def _redis_down(self, error) -> None:
        if not self.redis_failing:
            logger.warning("presence: Redis unreachable (%s); counting in this process until it is back", error)
        self.redis_failing = True
        self.redis_paused_until = time.monotonic() + REDIS_PAUSE

    def _redis_back(self) -> None:
        if self.redis_failing:
            logger.warning("presence: Redis is back")
        self.redis_failing = False

    def flush(self, redis=None) -> list[tuple[int, int]]:
        """Send the count of every room that changed since the last flush. Returns what was sent."""
        now = self.clock()
        rooms, self.dirty = self.dirty, set()
        if now - self._last_heartbeat > HEARTBEAT:
            # Re-count every room this process knows: people whose window has passed drop out,
            # and (with Redis) other processes' changes are noticed. A room hears about it only
            # if its total actually changed.
            for room, counter in self.rooms.items():
                for participant_id in counter:
                    self._note(room, participant_id, force=True)
            rooms |= {room for room, counter in self.rooms.items() if counter}
            rooms |= {room for room, seen in self.last_seen.items() if seen} | set(self.last_sent)
            self._last_heartbeat = now
            self.written = {key: at for key, at in self.written.items() if now - at < ACTIVE_WINDOW}
            for seen in self.last_seen.values():  # forget who went quiet (with Redis too)
                for participant_id in [p for p, at in seen.items() if now - at >= ACTIVE_WINDOW]:
                    del seen[participant_id]
        if redis is not None:
            self._write(redis, set(self.pending))
        else:
            self.pending.clear()
        sent = []
        for room in rooms:
            total = self.count(room, redis)
            if self.last_sent.get(room) == total:
                continue
            self.last_sent[room] = total
            publish(room, "presence", "rooms/_presence.html", room_id=room, count=total)
            sent.append((room, total))
        for room in [room for room, total in self.last_sent.items()
                     if total == 0 and not self.rooms.get(room) and not self.last_seen.get(room)]:
            del self.last_sent[room]  # an empty room this process no longer needs to watch
            self.last_seen.pop(room, None)
        return sent

    def busy(self) -> bool:
        return bool(self.dirty or self.pending or any(self.rooms.values()) or any(self.last_seen.values()))


presence = Presence()

def run_flusher(app) -> None:
    """The per-process loop that coalesces presence and vote counts (a Socket.IO background
    task): at most one message of each kind per room every FLUSH_INTERVAL."""
    with app.app_context():
        redis = redis_client()
    while True:
        socketio.sleep(FLUSH_INTERVAL)
        if not (presence.busy() or languages_in_use.busy() or tallies.dirty):
            continue
        with app.app_context():  # a fresh database session for each round, on a connection of its own
            use_own_connection()
            # One failing never stops the others.
            for flush in (lambda: presence.flush(redis), lambda: languages_in_use.flush(redis), tallies.flush):
                try:
                    flush()
                except Exception:  # noqa: BLE001 - the loop must outlive a failed flush
                    app.logger.exception("flush failed")
