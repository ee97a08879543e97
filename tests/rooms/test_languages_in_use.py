"""Live updates are rendered only in the interface languages someone in the room is using (issue 17):
every socket counts (phones, consoles, projectors), a language stops being rendered when its last
socket leaves, a phone arriving in a new language gets the next change, and when Redis does not
answer every configured language is rendered rather than an update dropped."""
import os
import time
import uuid

import pytest
import redis
from flask_babel import get_locale

import ideaboard.rooms.broadcasts as broadcasts
from ideaboard.accounts.models import Role
from ideaboard.ideas.services import post_idea
from ideaboard.ideathons.services import assign_moderators
from ideaboard.rooms.languages_in_use import CACHE_SECONDS, STALE, LanguagesInUse, languages_in_use, redis_key
from tests.rooms.test_scale_out import Phone, _socket, servers  # noqa: F401 - servers: the two processes

DEAD_REDIS = "redis://127.0.0.1:5409/0"  # nothing listens there


@pytest.fixture
def renders(monkeypatch):
    """Every render of a broadcast, as (template, language)."""
    seen = []
    real = broadcasts.render_template

    def counting(template, **context):
        seen.append((template, get_locale().language))
        return real(template, **context)

    monkeypatch.setattr(broadcasts, "render_template", counting)
    return seen


@pytest.fixture
def fresh_redis_key(app):
    """In the Redis profile, a room id may have been another test's room (tables emptied): what a
    killed process of an earlier test left under it is removed."""
    def clear(room):
        if app.config.get("REDIS_URL"):
            redis.Redis.from_url(app.config["REDIS_URL"]).delete(redis_key(room.id))
    return clear


def _phone(app, join, socket_client, room, language, nickname=""):
    client = app.test_client()
    client.set_cookie("lang", language)
    participant = join(client, room, nickname=nickname)
    sio = socket_client(client, room=room.id)
    assert sio.is_connected()
    sio.get_received()
    return participant, sio


def _post(room, participant, text):
    idea, _ = post_idea(room, participant, theme_id=room.themes[0].id, text=text, client_id=str(uuid.uuid4()))
    return idea


def _languages(renders, template="ideas/_ideas_change.html"):
    return sorted({language for name, language in renders if name == template})


def test_an_english_only_room_gets_no_spanish_render(app, open_room, join, socket_client, renders, fresh_redis_key):
    room = open_room(themes=[("Agua", "water")])
    fresh_redis_key(room)
    author, phone = _phone(app, join, socket_client, room, "en")
    renders.clear()

    idea = _post(room, author, "Water on Sundays")
    assert _languages(renders) == ["en"]
    assert _languages(renders, "moderation/_rows.html") == ["en"]
    changes = phone.events("change")
    assert len(changes) == 1 and f'id="idea-{idea.id}"' in changes[0]["args"][0]["html"]


def test_a_viewer_in_a_new_language_gets_the_next_change(app, open_room, join, socket_client, renders,
                                                         fresh_redis_key):
    room = open_room(themes=[("Agua", "water")])
    fresh_redis_key(room)
    author, english = _phone(app, join, socket_client, room, "en")
    _post(room, author, "First idea")
    assert _languages(renders) == ["en"]

    _, spanish = _phone(app, join, socket_client, room, "es")
    english.get_received()
    renders.clear()
    idea = _post(room, author, "Second idea")
    assert _languages(renders) == ["en", "es"]
    for sio in (english, spanish):
        [change] = sio.events("change")
        html = change["args"][0]["html"]
        assert f'id="idea-{idea.id}"' in html and change["args"][0]["seq"] == room.room_seq


def test_the_last_viewer_of_a_language_leaving_stops_its_render(app, open_room, join, socket_client, renders,
                                                                 fresh_redis_key):
    room = open_room(themes=[("Agua", "water")])
    fresh_redis_key(room)
    author, english = _phone(app, join, socket_client, room, "en")
    _, spanish = _phone(app, join, socket_client, room, "es")
    _, spanish_too = _phone(app, join, socket_client, room, "es")

    spanish.disconnect()  # one Spanish phone still there
    renders.clear()
    _post(room, author, "Still two languages")
    assert _languages(renders) == ["en", "es"]

    spanish_too.disconnect()  # the last one
    renders.clear()
    _post(room, author, "English only now")
    assert _languages(renders) == ["en"]
    assert len(english.events("change")) == 2

    english.disconnect()  # nobody listening: nothing rendered at all
    renders.clear()
    _post(room, author, "Nobody listening")
    assert renders == []


def test_consoles_and_projectors_count_too(app, client, auth, open_room, make_user, join, socket_client, renders,
                                           fresh_redis_key):
    room = open_room(themes=[("Agua", "water")])
    fresh_redis_key(room)
    author, _phone_sio = _phone(app, join, socket_client, room, "en")
    moderator = make_user(Role.MODERATOR)
    assign_moderators(room, [moderator], actor=room.created_by)
    auth.login(moderator)
    client.set_cookie("lang", "es")
    console = socket_client(client, room=room.id)
    assert console.is_connected()
    console.get_received()
    renders.clear()
    _post(room, author, "For the console")
    assert _languages(renders) == ["en", "es"]  # the Spanish console gets its render
    assert _languages(renders, "moderation/_rows.html") == ["en", "es"]
    assert [m for m in console.events() if m["name"] in ("change", "moderation")]

    console.disconnect()
    projector = socket_client(client, room=room.id, screen="projector")
    assert projector.is_connected()
    projector.get_received()
    renders.clear()
    _post(room, author, "For the projector")
    assert _languages(renders) == ["en", "es"]
    assert projector.events("change")


def test_a_change_not_rendered_in_my_language_is_caught_by_the_sequence_numbers(
        app, client, open_room, join, socket_client, renders, monkeypatch, fresh_redis_key):
    """The race: another process publishes with an older view of the room's languages (here forced:
    Spanish left out). The Spanish phone gets nothing for that change; the next one it gets skips a
    number, and the board it then re-fetches over HTTP (as room.js does on a gap) has the idea."""
    room = open_room(themes=[("Agua", "water")])
    fresh_redis_key(room)
    author, _english = _phone(app, join, socket_client, room, "en")
    client.set_cookie("lang", "es")
    join(client, room, nickname="Ana")
    board = client.get(f"/sala/{room.id}").get_data(as_text=True)
    my_seq = room.room_seq
    assert f'data-seq="{my_seq}"' in board
    spanish = socket_client(client, room=room.id)
    spanish.get_received()

    real = languages_in_use.languages
    monkeypatch.setattr(languages_in_use, "languages",
                        lambda room_id, configured, redis=None: tuple(
                            lang for lang in real(room_id, configured, redis) if lang != "es"))
    missed = _post(room, author, "Rendered before my language was known")
    assert spanish.events("change") == []
    # Had the phone connected just then, its `seq` question would show it already:
    assert spanish.emit("seq", callback=True) == my_seq + 1

    monkeypatch.undo()
    _post(room, author, "The next change")
    [change] = spanish.events("change")
    assert change["args"][0]["seq"] == my_seq + 2  # a gap: room.js re-fetches its board
    refetched = client.get(f"/sala/{room.id}/tablero", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'id="idea-{missed.id}"' in refetched and f'data-seq="{my_seq + 2}"' in refetched


def test_redis_down_renders_every_language_and_still_delivers(app, open_room, join, socket_client, renders,
                                                              monkeypatch):
    room = open_room(themes=[("Agua", "water")])
    dead = redis.Redis.from_url(DEAD_REDIS, socket_timeout=0.2, socket_connect_timeout=0.2)
    monkeypatch.setattr(broadcasts, "redis_client", lambda: dead)
    monkeypatch.setattr(languages_in_use, "redis_paused_until", 0.0)
    author, english = _phone(app, join, socket_client, room, "en")
    languages_in_use.cache.clear()  # Redis down for longer than a cached read lasts
    renders.clear()
    idea = _post(room, author, "Delivered without Redis")
    assert _languages(renders) == sorted(app.config["LANGUAGES"])  # who listens is unknown: every language
    [change] = english.events("change")
    assert f'id="idea-{idea.id}"' in change["args"][0]["html"]


# --- Several processes: two trackers sharing Redis -----------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def shared_redis():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis (REDIS_URL)")
    client = redis.Redis.from_url(url)
    room = 900_000 + uuid.uuid4().int % 100_000
    client.delete(redis_key(room))
    yield client, room
    client.delete(redis_key(room))


def test_processes_learn_each_others_languages_through_redis(shared_redis):
    client, room = shared_redis
    wall, steady = Clock(), Clock()
    a, b = LanguagesInUse(wall, steady), LanguagesInUse(wall, steady)
    configured = ("es", "en", "quc", "kek", "cak", "mam")

    a.joined("a1", room, "es", client)
    assert a.languages(room, configured, client) == ("es",)
    assert b.languages(room, configured, client) == ("es",)  # read once, cached

    b.joined("b1", room, "kek", client)
    assert b.languages(room, configured, client) == ("es", "kek")  # its own sockets: at once
    assert a.languages(room, configured, client) == ("es",)  # A's cache is still fresh ...
    wait = b.wait_before_answering("b1")
    assert wait >= CACHE_SECONDS  # ... which is why B's phone gets its sequence number only after it
    assert b.wait_before_answering("b1") == 0  # asked once
    steady.now += wait
    assert a.languages(room, configured, client) == ("es", "kek")

    b.joined("b2", room, "kek", client)
    assert b.wait_before_answering("b2") == 0  # not the first of its language here: no wait
    b.left("b1", client)
    steady.now += CACHE_SECONDS + 0.01
    assert a.languages(room, configured, client) == ("es", "kek")  # b2 still listens
    b.left("b2", client)
    steady.now += CACHE_SECONDS + 0.01
    assert a.languages(room, configured, client) == ("es",)  # the last one left

    # A process that dies without a word: its languages count until STALE has passed.
    b.joined("b3", room, "mam", client)
    steady.now += CACHE_SECONDS + 0.01
    assert a.languages(room, configured, client) == ("es", "mam")
    wall.now += STALE + 1
    a._last_heartbeat = 0
    a.flush(client)  # A's heartbeat: its own languages written again, the stale ones dropped
    steady.now += CACHE_SECONDS + 0.01
    assert a.languages(room, configured, client) == ("es",)


def test_a_process_that_cannot_reach_redis_renders_every_language():
    dead = redis.Redis.from_url(DEAD_REDIS, socket_timeout=0.2, socket_connect_timeout=0.2)
    tracker = LanguagesInUse()
    configured = ("es", "en", "quc")
    tracker.joined("s1", 7, "en", dead)  # the write fails quietly and waits for the flusher
    assert tracker.unwritten == {(7, "en")}
    assert tracker.languages(7, configured, dead) == configured
    assert tracker.languages(7, configured, None) == ("en",)  # no Redis configured: its own sockets


# --- Two real processes behind one Redis (as tests/rooms/test_scale_out.py starts them) ----------

@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_two_processes_render_for_the_languages_their_sockets_use(servers, open_room):
    a, b = servers
    room = open_room(themes=[("Agua y saneamiento", "water")])
    store = redis.Redis.from_url(os.environ["REDIS_URL"])
    store.delete(redis_key(room.id))
    listener = Phone(b.url)
    listener.join(room)
    sio, received = _socket(b.url, room.id, cookie=listener.cookie_header() + "; lang=en")
    try:
        members = [m.decode() for m in store.zrange(redis_key(room.id), 0, -1)]
        assert len(members) == 1 and members[0].startswith("en:"), members  # B says: English here
        author = Phone(a.url)
        author.join(room)
        text = f"Agua potable {uuid.uuid4().hex[:8]}"
        response = author.post_idea(room, room.themes[0].id, text)  # to A, which holds no socket
        assert response.status_code == 200, response.text[:300]
        change = received.get(timeout=5)
        while text not in change["html"]:
            change = received.get(timeout=5)
        assert "Edit or withdraw" in change["html"] and "Editar o retirar" not in change["html"]  # A rendered English

        # A second phone in Spanish on B: the first of its language there, so its sequence number
        # waits until every process's cached view includes Spanish.
        spanish = Phone(b.url)
        spanish.join(room)
        sio_es, _ = _socket(b.url, room.id, cookie=spanish.cookie_header() + "; lang=es")
        started = time.monotonic()
        sio_es.call("seq", timeout=10)
        assert time.monotonic() - started >= CACHE_SECONDS
        assert sorted(m.decode().split(":")[0] for m in store.zrange(redis_key(room.id), 0, -1)) == ["en", "es"]
        sio_es.disconnect()
    finally:
        sio.disconnect()
    deadline = time.monotonic() + 5
    while store.zcard(redis_key(room.id)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.zcard(redis_key(room.id)) == 0  # the last socket of each language left: nothing rendered
