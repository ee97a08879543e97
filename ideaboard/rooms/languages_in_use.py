"""Which interface languages a room's sockets use right now, so that a live update is rendered
only in those (rooms/broadcasts.py): six languages configured cost what the two in use cost.

Every socket of the room counts, whatever its audience (phones, moderators' consoles, projectors):
each joins the room's channels of its own language (rooms/events.py), and a render nobody listens
to is a render for nothing.

In one process (no Redis) the languages are the sockets this process holds: a dict, exact at
every moment, and nothing to wait for.

With Redis (several processes behind a proxy), each room has a sorted set
`ideaboard:langs:<room>` of "<language>:<process>" scored by when that process last said so. A
process writes its member when the first socket of a language arrives in the room (one round
trip per language and process, not per socket), removes it when the last one leaves, and every
HEARTBEAT seconds writes again the languages it holds (from the presence flusher), so that a
crashed process's languages drop out after STALE seconds (until then: renders for nobody, never a
render missing). A publish reads the set at most once every CACHE_SECONDS per room and process
(no Redis round trip per publish), and adds the languages of its own sockets, which it always
knows exactly.

The race: a phone connects in a language new to the room on process B just as process A, whose
cached set is older than the phone, publishes a change; A renders nothing for it. The phone asks
for the room's sequence number as it connects (`seq`, static/js/room.js), and re-fetches its board
over HTTP if it missed a change. So that the number it gets already covers every change rendered
without its language, the first socket of a language in a process gets its answer only
CACHE_SECONDS (plus a margin) after its language was written: every cache read before the write has
expired by then, so every change after the number it gets is rendered in its language. A change
it still missed shows as a gap in the sequence numbers of the next one, which re-fetches too.

When Redis does not answer, a publish renders every configured language (nobody misses an
update), and Redis is not asked again for REDIS_PAUSE seconds; the news this process could not
write is written by the flusher once Redis is back.
"""
import logging
import time
import uuid
from collections import Counter, defaultdict

import redis
from flask import current_app
from redis.exceptions import RedisError

CACHE_SECONDS = 1.0  # how long a process trusts what it read of the other processes' languages
SEQ_MARGIN = 0.25  # seconds more a new language's first socket waits for its sequence number
HEARTBEAT = 10  # seconds between two writes of the languages a process holds
STALE = 3 * HEARTBEAT  # a process not heard of for this long no longer counts (it crashed)
REDIS_PAUSE = 2.0  # seconds without asking Redis after it failed
CACHE_KEPT = 1000  # rooms whose set a process keeps cached before forgetting the expired ones

logger = logging.getLogger(__name__)


def redis_key(room: int) -> str:
    return f"ideaboard:langs:{room}"


class LanguagesInUse:
    def __init__(self, clock=time.time, monotonic=time.monotonic):
        self.process_id = uuid.uuid4().hex[:12]
        self.clock, self.monotonic = clock, monotonic
        self.reset()

    def reset(self) -> None:
        self.local: dict[int, Counter] = defaultdict(Counter)  # room -> language -> sockets here
        self.sockets: dict[str, tuple[int, str]] = {}  # sid -> (room, language)
        self.cache: dict[int, tuple[float, frozenset[str]]] = {}  # room -> (valid until, others' languages)
        self.unwritten: set[tuple[int, str]] = set()  # (room, language) Redis has not heard of yet
        self.unremoved: set[tuple[int, str]] = set()  # (room, language) Redis must forget
        self.answer_after: dict[str, float] = {}  # sid -> when its sequence number may be answered
        self._last_heartbeat = 0.0
        self.redis_failing = False
        self.redis_paused_until = 0.0

    # --- The sockets of this process ------------------------------------------------------------

    def joined(self, sid: str, room: int, language: str, redis=None) -> None:
        self.sockets[sid] = (room, language)
        counter = self.local[room]
        counter[language] += 1
        if counter[language] == 1 and redis is not None:
            self.unremoved.discard((room, language))
            self.unwritten.add((room, language))
            self._write(redis)
            self.answer_after[sid] = self.monotonic() + CACHE_SECONDS + SEQ_MARGIN

    def left(self, sid: str, redis=None) -> None:
        self.answer_after.pop(sid, None)
        room, language = self.sockets.pop(sid, (None, None))
        if room is None:
            return
        counter = self.local[room]
        counter[language] -= 1
        if counter[language] > 0:
            return
        del counter[language]
        if not counter:
            del self.local[room]
        if redis is not None:
            self.unwritten.discard((room, language))
            self.unremoved.add((room, language))
            self._write(redis)

    def wait_before_answering(self, sid: str) -> float:
        """Seconds the socket's `seq` answer must wait (0 but for the first socket of a language)."""
        until = self.answer_after.pop(sid, None)
        return max(0.0, until - self.monotonic()) if until else 0.0

    # --- What a publish renders ------------------------------------------------------------------

    def languages(self, room: int, configured, redis=None) -> tuple[str, ...]:
        """The configured languages someone in the room uses, in the configured order; all of them
        when the other processes' cannot be known (Redis down)."""
        used = self.local.get(room, ())
        if redis is not None:
            others = self._others(room, redis)
            if others is None:
                return tuple(configured)
            return tuple(language for language in configured if language in used or language in others)
        return tuple(language for language in configured if language in used)

    def _others(self, room: int, redis) -> frozenset[str] | None:
        """The languages the other processes' sockets use in the room (cached), None if unknown."""
        now = self.monotonic()
        cached = self.cache.get(room)
        if cached is not None and cached[0] > now:
            return cached[1]
        if now < self.redis_paused_until:
            return None
        try:
            members = redis.zrangebyscore(redis_key(room), self.clock() - STALE, "+inf")
        except RedisError as error:
            self._redis_down(error)
            return None
        self._redis_back()
        # This process's own members are left out: its own sockets are known exactly, here.
        mine = f":{self.process_id}"
        found = frozenset(member.decode().split(":", 1)[0] for member in members if not member.decode().endswith(mine))
        if len(self.cache) >= CACHE_KEPT:
            self.cache = {key: value for key, value in self.cache.items() if value[0] > now}
        self.cache[room] = (now + CACHE_SECONDS, found)
        return found

    # --- Redis ---------------------------------------------------------------------------------

    def _member(self, language: str) -> str:
        return f"{language}:{self.process_id}"

    def _write(self, redis) -> None:
        """This process's news (languages come and gone) to Redis, in one round trip."""
        if not (self.unwritten or self.unremoved) or self.monotonic() < self.redis_paused_until:
            return
        written, removed = set(self.unwritten), set(self.unremoved)
        now = self.clock()
        pipe = redis.pipeline(transaction=False)
        for room, language in written:
            pipe.zadd(redis_key(room), {self._member(language): now})
            pipe.expire(redis_key(room), 24 * 3600)
        for room, language in removed:
            pipe.zrem(redis_key(room), self._member(language))
        try:
            pipe.execute()
        except RedisError as error:
            self._redis_down(error)  # kept: written by the flusher once Redis answers
            return
        self._redis_back()
        self.unwritten -= written
        self.unremoved -= removed

    def flush(self, redis=None) -> None:
        """From the presence flusher: what could not be written, and every HEARTBEAT seconds the
        languages this process holds (and the members gone stale dropped)."""
        if redis is None:
            self.unwritten.clear()
            self.unremoved.clear()
            return
        now = self.clock()
        if now - self._last_heartbeat >= HEARTBEAT:
            self._last_heartbeat = now
            self.unwritten |= {(room, language) for room, counter in self.local.items() for language in counter}
            for room in {room for room, _language in self.unwritten}:
                try:
                    redis.zremrangebyscore(redis_key(room), "-inf", now - STALE)
                except RedisError as error:
                    self._redis_down(error)
                    break
        self._write(redis)

    def busy(self) -> bool:
        return bool(self.local or self.unwritten or self.unremoved)

    def _redis_down(self, error) -> None:
        if not self.redis_failing:
            logger.warning("languages in use: Redis unreachable (%s); rendering every language until it is back",
                           error)
        self.redis_failing = True
        self.redis_paused_until = self.monotonic() + REDIS_PAUSE

    def _redis_back(self) -> None:
        if self.redis_failing:
            logger.warning("languages in use: Redis is back")
        self.redis_failing = False


languages_in_use = LanguagesInUse()

_clients: dict[str, object] = {}


def redis_client():
    """The app's Redis client (presence, languages in use), or None without REDIS_URL."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        timeout = float(current_app.config["REDIS_TIMEOUT"])  # a Redis that hangs counts as down
        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    return client
