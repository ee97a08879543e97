"""Benchmark: the server CPU of one board GET for a room of 200 ideas, next to a floor.

Run on demand: `make bench PYTEST_ARGS='-k board_render'` (or `pytest tests/bench/test_board_render.py
-p no:cacheprovider -o addopts="" -s`). It prints what it measured (and appends it to $BENCH_RESULTS
as JSON lines). It fails only when a page does not answer 200 or shows what this viewer must not see;
the figures are reported, not asserted: the machine is shared.

For each database (SQLite, a file in a temporary folder; PostgreSQL, `DATABASE_URL`):
1. the schema built by the real migrations, the municipalities loaded by the app's own loader;
2. a room built through the services (the ideathon with the 11 default themes, the room opened,
   the phases changed by its coordinator), its people and ideas written in bulk (SQLAlchemy Core):
   150 participants with nicknames (some anonymous); IDEAS visible ideas spread over the themes,
   of which some are from paper, pinned, edited by their author or by a moderator, and a few made
   by a merge (with their merged sources), one in eleven written in K'iche' (half of those with the
   moderation's translation into Spanish); plus ideas nobody else may see on this board: hidden,
   withdrawn, other people's pending ones. The viewer is a real participant (the QR link and the
   join form through the test client, its cookie), author of a few visible ideas and one pending;
3. the ideas phase: the participant's board page `GET /sala/<id>` and its re-fetch
   `GET /sala/<id>/tablero`; then the voting phase, with every other participant's 3 dots cast and
   two of the viewer's, and paper tallies on a few ideas: the same two GETs;
4. the floor, in the same rounds: `GET /_bench/floor`, a bare route of the same app (the same
   request hooks: session, login, CSRF, locale) that renders a trivial template of 200 list items,
   about the size of the board's re-fetch, through the same test client.

Measure: `time.process_time()` of this process around `client.get()` (the test client, the app, the
template rendering, the database driver; SQLite runs in this process, PostgreSQL's own backend does
not and is not counted: its wall time is reported too). WARMUP requests per case first, then ROUNDS
rounds in which every case is requested once, in turn, so that each case and the floor sample the
same moments of the shared machine. Reported: median (p50) and p95 CPU ms per GET, the ratio of each
case's median to the floor's, the wall-time median, the response size and the SQL statements of one
GET (counted on an extra, untimed request).

Environment: DATABASE_URL (PostgreSQL; its schema is dropped and rebuilt: use a database of its own),
BENCH_BOARD_IDEAS (200), BENCH_BOARD_ROUNDS (200), BENCH_RESULTS (append one JSON line per case),
BENCH_BOARD_HTML=<folder> (write each case's HTML there, to compare two versions of the code),
BENCH_BOARD_PROFILE=<folder> (also write a cProfile of each case's rounds; investigation only).
"""
import cProfile
import json
import os
import random
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template_string

from ideaboard import create_app
from ideaboard.accounts.models import Role
from ideaboard.accounts.services import create_user
from ideaboard.database import utcnow
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaTranslation
from ideaboard.ideathons.models import Ideathon
from ideaboard.ideathons.services import IdeathonPlan, ThemeDraft, create_ideathon
from ideaboard.ideathons.themes import default_themes
from ideaboard.municipalities.services import get_by_code
from ideaboard.rooms.models import Participant
from ideaboard.rooms.services import change_phase, open_room
from ideaboard.votes.models import PaperTally, Vote
from tests.conftest import Auth, app_config, build_schema

from .harness import percentile

IDEAS = int(os.environ.get("BENCH_BOARD_IDEAS", "200"))
ROUNDS = int(os.environ.get("BENCH_BOARD_ROUNDS", "200"))
WARMUP = 10
PARTICIPANTS = 150
SEED = 20261202

WORDS = ("agua", "calle", "escuela", "mercado", "basura", "luz", "parque", "puente", "drenaje", "bus", "árboles",
         "vecinos", "niños", "señoras", "aldea", "cantón", "reparar", "construir", "limpiar", "ampliar", "mejorar")
NICKNAMES = ("Ana", "Beto", "Doña Rosa", "Chepe", "Lucía", "Mario", "Juana", "Tono", "", "", "")
FLOOR_TEMPLATE = """<!doctype html><html lang="es"><head><title>{{ title }}</title></head><body><main>
<ol>{% for n in items %}<li id="item-{{ n }}" class="idea"><p class="idea__text">{{ text }} {{ n }}</p>
<p class="idea__meta"><span class="idea__author">{{ author }}</span></p></li>
{% endfor %}</ol></main></body></html>"""


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _database_url(kind: str, tmp_path_factory) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('board') / 'board.db'}"
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        pytest.skip("the PostgreSQL case needs DATABASE_URL=postgresql://... pointing at a database of its own; "
                    "its schema is dropped and rebuilt")
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def room(request, tmp_path_factory):
    """A room of IDEAS ideas over 11 themes, its viewer's client, and the app: once per database."""

    url = _database_url(request.param, tmp_path_factory)
    app = create_app(app_config(url, ENV_NAME="production", SECRET_KEY="bench-secret-key"))

    @app.route("/_bench/floor")
    def bench_floor():
        return render_template_string(FLOOR_TEMPLATE, title="Piso", items=range(200), author="Doña Rosa",
                                      text="Reparar la tubería de agua potable de la aldea")

    with app.app_context():
        build_schema()
        coordinator = create_user(email="coordinacion@example.org", name="Coordinación", role=Role.COORDINATOR,
                                  password="contraseña-de-banco", municipality=None)
        ideathon = create_ideathon(IdeathonPlan(
            municipality=get_by_code("0108"), title="Ideatón de banco", venue="Salón municipal", description="",
            starts_at_local=(utcnow() + timedelta(days=1)).replace(second=0, microsecond=0),
            themes=[ThemeDraft(t["name"], t["icon"], default_key=t["default_key"]) for t in default_themes()],
            programme=None), actor=coordinator)
        open_room(ideathon, actor=coordinator)
        change_phase(ideathon, "ideas", actor=coordinator)
        room_id, code, coordinator_id = ideathon.id, ideathon.room_code, coordinator.id
        db.session.remove()

    client = app.test_client()
    assert client.get(f"/s/{code}").status_code == 302
    response = Auth(client).post(f"/sala/{room_id}/unirse", {"nickname": "Quien mira"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]

    with app.app_context():
        ideathon = db.session.get(Ideathon, room_id)
        viewer = db.session.scalar(sa.select(Participant).where(Participant.ideathon_id == room_id))
        secrets_ = _fill(ideathon, viewer)
        viewer_id, theme_ids = viewer.id, [t.id for t in ideathon.themes]
        db.session.remove()
    yield {"kind": request.param, "app": app, "client": client, "id": room_id, "viewer": viewer_id,
           "coordinator": coordinator_id, "themes": theme_ids, "secrets": secrets_}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _fill(ideathon: Ideathon, viewer: Participant) -> list[str]:
    """The room's people and ideas, in bulk. Returns texts this viewer must never see."""
    rng = random.Random(SEED)
    now = utcnow()
    themes = [t.id for t in ideathon.themes]
    db.session.execute(sa.insert(Participant), [
        {"ideathon_id": ideathon.id, "token": f"bench-{ideathon.id}-{i:04d}", "nickname": NICKNAMES[i % len(NICKNAMES)],
         "created_at": now} for i in range(PARTICIPANTS)])
    people = list(db.session.scalars(sa.select(Participant.id).where(Participant.ideathon_id == ideathon.id,
                                                                     Participant.id != viewer.id)))
    rows, secret = [], []

    def idea(i, **extra):
        row = {"ideathon_id": ideathon.id, "theme_id": themes[i % len(themes)], "participant_id": rng.choice(people),
               "client_id": f"bench-idea-{i:06d}", "text": _sentence(rng, rng.randint(6, 30)), "status": "visible",
               "created_at": now - timedelta(seconds=10 * (IDEAS - i)), "edited_at": None, "from_paper": False,
               "entered_by_id": None, "pinned": False, "hidden_reason": None, "original_text": None,
               "consolidated": False, "merged_into_id": None, "flagged_words": None, "language": "es"}
        row.update(extra)
        rows.append(row)
        return row

    for i in range(IDEAS):
        extra = {}
        if i % 17 == 3:
            extra = {"participant_id": None, "from_paper": True}
        elif i % 29 == 5:
            extra = {"pinned": True}
        elif i % 13 == 7:
            extra = {"edited_at": now}
        elif i % 31 == 11:
            extra = {"original_text": "Texto original antes de la moderación.", "edited_at": now}
        elif i % 10 == 9:
            extra = {"participant_id": viewer.id}
        if i % 11 == 4:  # written in K'iche' (every other one translated by the moderation, below)
            extra["language"] = "quc"
        if i % 40 == 20:
            extra["consolidated"] = True
            extra["participant_id"] = None
        idea(i, **extra)
    for j, status in enumerate(["hidden", "withdrawn", "pending", "hidden", "withdrawn", "pending"]):
        text = f"Secreto {status} {j} que nadie más debe ver"
        idea(IDEAS + j, status=status, text=text, hidden_reason="Fuera de tema" if status == "hidden" else None)
        secret.append(text)
    idea(IDEAS + 10, status="pending", participant_id=viewer.id, text="Mi idea en revisión")
    db.session.execute(sa.insert(Idea), rows)
    # The merged ideas' sources: three each, merged into the consolidated ones.
    merged_into = list(db.session.scalars(sa.select(Idea.id).where(Idea.ideathon_id == ideathon.id, Idea.consolidated)))
    sources = []
    for k, target in enumerate(merged_into):
        for s in range(3):
            text = f"Fuente {k}-{s}: " + _sentence(rng, 8)
            sources.append({**rows[0], "client_id": f"bench-src-{k}-{s}", "text": text, "status": "merged",
                            "merged_into_id": target, "participant_id": rng.choice(people), "pinned": False,
                            "consolidated": False, "from_paper": s == 2 and k % 2 == 0,
                            "theme_id": themes[k % len(themes)]})
    rows = sources
    db.session.execute(sa.insert(Idea), rows)
    foreign = db.session.scalars(sa.select(Idea.id).where(Idea.ideathon_id == ideathon.id, Idea.language == "quc")
                                 .order_by(Idea.id)).all()
    db.session.execute(sa.insert(IdeaTranslation), [
        {"idea_id": idea_id, "language": "es", "text": "Traducción: " + _sentence(rng, 10), "created_at": now}
        for idea_id in foreign[::2]])
    db.session.commit()
    return secret


def _start_voting(room: dict) -> None:
    """The voting phase, with the other participants' 3 dots each, two of the viewer's and a few paper tallies."""
    rng = random.Random(SEED + 1)
    with room["app"].app_context():
        from ideaboard.accounts.models import User

        ideathon = db.session.get(Ideathon, room["id"])
        change_phase(ideathon, "voting", actor=db.session.get(User, room["coordinator"]))
        visible = list(db.session.scalars(sa.select(Idea.id).where(Idea.ideathon_id == ideathon.id,
                                                                   Idea.status == "visible")))
        people = list(db.session.scalars(sa.select(Participant.id).where(Participant.ideathon_id == ideathon.id)))
        votes, now = [], utcnow()
        for pid in people:
            dots = 2 if pid == room["viewer"] else 3
            for slot, idea_id in enumerate(rng.sample(visible, dots), start=1):
                votes.append({"ideathon_id": ideathon.id, "idea_id": idea_id, "participant_id": pid, "slot": slot,
                              "idea_slot": 1, "client_id": f"bench-vote-{pid}-{slot}", "created_at": now})
        db.session.execute(sa.insert(Vote), votes)
        db.session.execute(sa.insert(PaperTally), [
            {"idea_id": idea_id, "votes": rng.randint(1, 30), "entered_by_id": room["coordinator"], "entered_at": now}
            for idea_id in rng.sample(visible, 12)])
        db.session.commit()
        db.session.remove()


class _Statements:
    def __init__(self, engine):
        self.engine, self.n = engine, 0

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.n += 1


_VOLATILE = re.compile(r'(name="csrf_token"[^>]*value="|<meta name="csrf-token" content="|"X-CSRFToken": "'
                       r'|data-ends=")[^"]*'
                       r'|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})')


def _html_stable(html: str) -> str:
    """The page without what changes from one request to the next (tokens, fresh client ids)."""
    return _VOLATILE.sub(lambda m: (m.group(1) or "") + "…", html)


def _measure(room: dict, phase: str) -> list[dict]:
    client, room_id = room["client"], room["id"]
    cases = {f"{phase}: board page": f"/sala/{room_id}", f"{phase}: re-fetch (tablero)": f"/sala/{room_id}/tablero",
             "floor": "/_bench/floor"}
    info = {}
    with room["app"].app_context():
        engine = db.engine
    for name, path in cases.items():
        with _Statements(engine) as statements:
            response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (name, response.status_code, html[:300])
        for text in room["secrets"]:
            assert text not in html, (name, "shows what this viewer must not see", text)
        if path != "/_bench/floor":
            assert "Mi idea en revisión" in html, name  # my own pending idea is on my board
        info[name] = {"bytes": len(response.data), "statements": statements.n}
        if os.environ.get("BENCH_BOARD_HTML"):
            folder = os.environ["BENCH_BOARD_HTML"]
            os.makedirs(folder, exist_ok=True)
            slug = re.sub(r"[^a-z]+", "-", f"{room['kind']} {name}").strip("-")
            with open(os.path.join(folder, slug + ".html"), "w") as out:
                out.write(_html_stable(html))
        for _ in range(WARMUP):
            client.get(path)
    cpu = {name: [] for name in cases}
    wall = {name: [] for name in cases}
    profiles = {name: cProfile.Profile() for name in cases} if os.environ.get("BENCH_BOARD_PROFILE") else None
    for _ in range(ROUNDS):
        for name, path in cases.items():
            if profiles:
                profiles[name].enable()
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(path)
            c1, w1 = time.process_time(), time.perf_counter()
            if profiles:
                profiles[name].disable()
            assert response.status_code == 200
            cpu[name].append((c1 - c0) * 1000)
            wall[name].append((w1 - w0) * 1000)
    if profiles:
        folder = os.environ["BENCH_BOARD_PROFILE"]
        os.makedirs(folder, exist_ok=True)
        for name, profile in profiles.items():
            slug = re.sub(r"[^a-z]+", "-", f"{room['kind']} {name}").strip("-")
            profile.dump_stats(os.path.join(folder, slug + ".prof"))
    floor = sorted(cpu["floor"])[len(cpu["floor"]) // 2]
    results = []
    for name in cases:
        p50 = sorted(cpu[name])[len(cpu[name]) // 2]
        results.append({
            "bench": "board_render", "database": room["kind"], "case": name, "ideas": IDEAS, "rounds": ROUNDS,
            "cpu_ms_p50": round(p50, 2), "cpu_ms_p95": round(percentile(cpu[name], 95), 2),
            "wall_ms_p50": round(sorted(wall[name])[len(wall[name]) // 2], 2),
            "ratio_to_floor": round(p50 / floor, 2), **info[name],
        })
    return results


def _report(results: list[dict]) -> None:
    print()
    print(f"{'database':<11}{'case':<30}{'CPU ms p50':>11}{'p95':>8}{'÷ floor':>9}{'wall p50':>10}"
          f"{'KB':>7}{'SQL':>5}")
    for r in results:
        print(f"{r['database']:<11}{r['case']:<30}{r['cpu_ms_p50']:>11.2f}{r['cpu_ms_p95']:>8.2f}"
              f"{r['ratio_to_floor']:>9.2f}{r['wall_ms_p50']:>10.2f}{r['bytes'] / 1024:>7.1f}{r['statements']:>5}")
    if os.environ.get("BENCH_RESULTS"):
        with open(os.environ["BENCH_RESULTS"], "a") as out:
            for r in results:
                out.write(json.dumps({**r, "at": time.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n")


def test_board_render(room):
    results = _measure(room, "ideas")
    _start_voting(room)
    results += _measure(room, "voting")
    _report(results)
