"""Presence rules (rooms/presence.py): everyone admitted and recently active counts once, with or
without JavaScript; people drop out after ACTIVE_WINDOW; Redis is written from the flusher,
throttled, never per request; several processes count each person once."""
from ideaboard.rooms.presence import ACTIVE_WINDOW, HEARTBEAT, THROTTLE, Presence, presence


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


class FakeRedis:
    """The few sorted-set commands presence uses, counting the round trips."""

    def __init__(self):
        self.sets: dict[str, dict[str, float]] = {}
        self.round_trips = 0
        self.zadds = 0

    def pipeline(self):
        return FakePipeline(self)


class FakePipeline:
    def __init__(self, redis):
        self.redis, self.calls = redis, []

    def zadd(self, key, mapping):
        self.calls.append(("zadd", key, mapping))

    def expire(self, key, seconds):
        self.calls.append(("expire", key, seconds))

    def zremrangebyscore(self, key, low, high):
        self.calls.append(("zrem", key, high))

    def zcard(self, key):
        self.calls.append(("zcard", key, None))

    def execute(self):
        self.redis.round_trips += 1
        results = []
        for name, key, arg in self.calls:
            members = self.redis.sets.setdefault(key, {})
            if name == "zadd":
                self.redis.zadds += 1
                members.update(arg)
            elif name == "zrem":
                for member in [m for m, score in members.items() if score <= arg]:
                    del members[member]
            results.append(len(members) if name == "zcard" else True)
        return results


def test_a_phone_without_javascript_counts_from_its_requests_and_drops_out_after_the_window(
        app, open_room, join, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(presence, "clock", clock)
    room = open_room()
    phone = app.test_client()  # never opens a socket
    join(phone, room)
    page = phone.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "1 persona en la sala" in page  # counted on its own page, before any socket
    with app.test_request_context("/"):
        assert presence.flush() == [(room.id, 1)]
        clock.now += ACTIVE_WINDOW - 1
        assert presence.flush() == []  # still recently active
        clock.now += 2 + HEARTBEAT
        assert presence.flush() == [(room.id, 0)]  # gone quiet for the whole window


def test_sockets_and_requests_of_one_person_count_once_and_a_closed_socket_lingers(
        app, open_room, join, socket_client, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(presence, "clock", clock)
    room = open_room()
    ana, beto = app.test_client(), app.test_client()
    join(ana, room)
    join(beto, room)
    ana.get(f"/sala/{room.id}")
    beto.get(f"/sala/{room.id}")  # Beto has no JavaScript
    tab = socket_client(ana, room=room.id)
    with app.test_request_context("/"):
        assert presence.flush() == [(room.id, 2)]
        tab.disconnect()  # a locked screen: Ana is still in the hall
        clock.now += HEARTBEAT + 1
        assert presence.flush() == []
        clock.now += ACTIVE_WINDOW
        assert presence.flush() == [(room.id, 0)]


def test_a_connected_socket_keeps_counting_past_the_window(app, open_room, join, socket_client, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(presence, "clock", clock)
    room = open_room()
    phone = app.test_client()
    join(phone, room)
    socket_client(phone, room=room.id)
    with app.test_request_context("/"):
        assert presence.flush() == [(room.id, 1)]
        clock.now += 3 * ACTIVE_WINDOW
        assert presence.flush() == []
        assert presence.local_count(room.id) == 1


def test_redis_is_written_by_the_flusher_at_most_once_per_throttle_per_person(app):
    clock, redis = Clock(), FakeRedis()
    counter = Presence(clock=clock)
    with app.test_request_context("/"):
        for _ in range(50):  # fifty requests from one phone in a burst
            counter.seen(7, 1)
        assert redis.round_trips == 0  # a request never talks to Redis
        assert counter.flush(redis) == [(7, 1)]
        writes = redis.zadds
        for _ in range(50):
            clock.now += 0.5
            counter.seen(7, 1)
            counter.flush(redis)
        assert redis.zadds == writes  # within THROTTLE: nothing more written
        clock.now += THROTTLE
        counter.seen(7, 1)
        counter.flush(redis)
        assert redis.zadds == writes + 1


def test_several_processes_count_each_person_once(app):
    clock, redis = Clock(), FakeRedis()
    one, two = Presence(clock=clock), Presence(clock=clock)
    with app.test_request_context("/"):
        one.joined("sid-a", 7, 1)  # Ana's socket on the first process
        two.seen(7, 1)  # ... and her page load on the second one
        two.seen(7, 2)  # Beto, without JavaScript, on the second one
        two.joined("projector", 7, None)  # screens of no participant do not count
        assert one.flush(redis) == [(7, 1)]
        assert two.flush(redis) == [(7, 2)]
        clock.now += ACTIVE_WINDOW + HEARTBEAT
        # The first process heartbeats Ana's open socket; Beto went quiet.
        assert one.flush(redis) == []
        assert two.count(7, redis) == 1


def test_a_room_id_seen_with_another_code_is_another_room(app):
    clock = Clock()
    counter = Presence(clock=clock)
    with app.test_request_context("/"):
        counter.seen(7, 1, "ABC234")
        counter.seen(7, 2, "ABC234")
        assert counter.total(7, "ABC234") == 2
        # The same id, another room (a database emptied between tests, the server still up).
        assert counter.total(7, "XYZ789") == 0
        counter.seen(7, 1, "XYZ789")
        assert counter.flush() == [(7, 1)]
