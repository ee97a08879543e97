"""Benchmark: the archive's search page and the municipality page over 100,000 proposals.

Run on demand: `make bench PYTEST_ARGS='-k archive'` (or `pytest tests/bench/test_archive_search.py
-p no:cacheprovider -o addopts="" -s`). It prints what it measured (and appends it to
$BENCH_RESULTS as JSON lines). It fails only when a page does not answer 200 or a search finds
what it should not; the issue's target (p95 under 100 ms) is reported, not asserted: the machine
is shared.

For each database (SQLite, a file in a temporary folder; PostgreSQL, `DATABASE_URL`):
1. the schema built by the real migrations (the FTS5 table and its triggers on SQLite, the GIN
   index on PostgreSQL), the 340 municipalities loaded by the app's own loader;
2. the archive, built once, in bulk: ideathons of 2019-2025 in all 340 municipalities (a few with
   thousands of proposals, forty with one small ideathon), each with 5-11 of the default themes,
   archived; PROPOSALS proposals written from Spanish word lists (water, roads, lighting, markets...,
   with their accents), their votes, their status, and the municipality's dated answers for those
   answered (one row per step). `search_text` is what the app computes (`services.search_text_of`:
   the fields folded to lower case without accents), so the FTS5 triggers and the GIN index see
   what they see in production. The rows go in through SQLAlchemy Core (`insert()` with lists of
   dicts, thousands of rows a statement), not through the services: the services write one proposal
   per transaction with its audit record and vote counts, which would take hours for 100,000 and
   is not what is measured here. PostgreSQL is then VACUUMed and ANALYZEd (what autovacuum does
   after such a load); SQLite is not ANALYZEd (the app never runs it);
3. the measurements, in this process with the Flask test client (production configuration): each
   case is requested WARMUP times first, then REQUESTS rounds in which every case is requested
   once, in turn, so that every case samples the same moments of the shared machine (a case that
   has MIN_SAMPLES samples and has used CASE_BUDGET seconds is left out of the later rounds, so
   that the slowest cases do not hold the run for an hour). The time is the wall time of
   `client.get()`: the whole request on the server side (routing, the queries, rendering) without
   a network. Cases: `/propuestas` browsed and searched for common, medium,
   rare and absent words, with and without filters (municipio, tema, estado, anio), page 1 and deep
   pages; `/municipios/<code>` for municipalities with many and few proposals; and the services
   alone (`search_proposals()`, `answer_stats()`, `archived_of()`, `ideathons_of()`), to separate
   the queries from rendering. One more untimed request per case counts its SQL statements.

Environment: DATABASE_URL (PostgreSQL; its schema is dropped and rebuilt: use a database of its
own, `test_bench_archive`), BENCH_ARCHIVE_PROPOSALS (100000), BENCH_ARCHIVE_REQUESTS (100 rounds),
BENCH_RESULTS (append one JSON line per case).
"""
import json
import os
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from ideaboard import create_app
from ideaboard.archive.models import Proposal, Response
from ideaboard.archive.search import Filters, search_proposals
from ideaboard.archive.services import answer_stats, search_text_of, archived_of
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon, Theme
from ideaboard.ideathons.services import ideathons_of
from ideaboard.municipalities.models import Municipality
from ideaboard.municipalities.services import get_by_code
from tests.conftest import app_config, build_schema

from .harness import machine_cpu, summarise

PROPOSALS = int(os.environ.get("BENCH_ARCHIVE_PROPOSALS", "100000"))
REQUESTS = int(os.environ.get("BENCH_ARCHIVE_REQUESTS", "100"))
WARMUP = 5
MIN_SAMPLES = 20  # p95 of 20 samples is the 19th
CASE_BUDGET = 20.0  # seconds of measuring per case, once it has MIN_SAMPLES samples
TARGET_P95 = 0.100  # the target, seconds
SEED = 20261125
YEARS = range(2019, 2026)
NOW = datetime(2026, 3, 1)
SMALL_MUNICIPALITIES = 40  # one small ideathon each: the "few proposals" end
CHUNK = 5000  # rows per executemany

# ---------------------------------------------------------------------------------------------
# Word lists: what neighbours ask of their municipality, by municipal service (the default themes).

THEMES = {
    "water": ("Agua y saneamiento",
              ["la tubería de agua potable", "el pozo mecánico", "el tanque de distribución", "el drenaje",
               "la planta de tratamiento de aguas residuales", "los chorros domiciliares", "el nacimiento de agua",
               "las letrinas de la escuela", "la red de alcantarillado"],
              ["pasamos hasta tres días sin agua", "las aguas negras corren por la calle",
               "los niños se enferman del estómago", "el agua llega turbia y con mal olor",
               "se desperdicia el agua por las fugas"]),
    "waste": ("Desechos y limpieza",
              ["el tren de aseo", "el basurero clandestino", "los contenedores de basura", "el relleno sanitario",
               "el centro de reciclaje", "la limpieza de los barrancos"],
              ["la basura se acumula en las esquinas", "hay zancudos y ratas", "queman basura cerca de las casas",
               "el río recibe la basura del mercado"]),
    "market": ("Mercados y rastros",
               ["el mercado municipal", "el rastro municipal", "los puestos de venta", "el techado del mercado",
                "los sanitarios del mercado", "el área de comedores"],
               ["las vendedoras se mojan cuando llueve", "no hay higiene en el destace",
                "los pasillos están bloqueados", "el arbitrio subió sin aviso"]),
    "road": ("Calles y caminos",
             ["la calle principal", "el camino rural", "el puente vehicular", "las banquetas", "el adoquinado",
              "los baches de la calle", "las cunetas", "el muro de contención"],
             ["los pickups no pueden pasar en invierno", "los niños caminan por el lodo para ir a la escuela",
              "hubo un derrumbe el año pasado", "las ambulancias tardan en llegar"]),
    "light": ("Alumbrado público",
              ["el alumbrado público", "las lámparas LED", "los postes de luz", "la iluminación del parque central",
               "las luminarias de la carretera"],
              ["de noche la calle queda a oscuras", "hay asaltos al regresar del trabajo",
               "las lámparas quemadas no se reponen"]),
    "transport": ("Tránsito y transporte",
                  ["la parada de bus", "los semáforos", "la señalización vial", "el paso peatonal",
                   "la ruta de microbuses", "el estacionamiento de tuc-tucs"],
                  ["los camiones pasan a alta velocidad frente a la escuela", "hay embotellamientos en día de mercado",
                   "los pasajeros esperan bajo la lluvia", "ocurren accidentes en el cruce"]),
    "safety": ("Seguridad y convivencia",
               ["las cámaras de vigilancia", "el patrullaje de la Policía Municipal", "el salón comunal",
                "la cancha polideportiva", "los callejones sin luz"],
               ["los jóvenes no tienen dónde reunirse", "hay robos de motocicletas",
                "las mujeres tienen miedo de salir de noche"]),
    "environment": ("Medio ambiente",
                    ["la reforestación de la cuenca", "la orilla del río", "el área verde", "el parque ecológico",
                     "el vivero municipal", "el bosque comunal"],
                    ["el río se seca en verano", "talan árboles sin permiso",
                     "hay inundaciones en cada temporada de lluvia", "el humo de las quemas afecta a los niños"]),
    "paperwork": ("Trámites, tasas e IUSI",
                  ["el pago del IUSI en línea", "el boleto de ornato", "la ventanilla única",
                   "la licencia de construcción", "los horarios de atención", "el cobro del servicio de agua"],
                  ["hay que viajar a la cabecera para cada trámite", "las colas duran toda la mañana",
                   "nadie explica los requisitos", "se pierden los expedientes"]),
    "transparency": ("Transparencia y acceso a la información",
                     ["el presupuesto municipal", "la rendición de cuentas", "la información pública de oficio",
                      "las sesiones del Concejo Municipal", "las reuniones del COCODE"],
                     ["no se sabe en qué se gasta el presupuesto", "las obras quedan a medias",
                      "las actas no se publican"]),
    "other": ("Otro",
              ["la biblioteca municipal", "el centro de salud", "la escuela de la aldea", "la cancha de fútbol",
               "el cementerio general", "la guardería municipal"],
              ["los niños estudian sin libros", "no hay médico los fines de semana",
               "el cementerio ya no tiene espacio"]),
}
ACTIONS = ["Reparar", "Ampliar", "Construir", "Mejorar", "Limpiar", "Instalar", "Rehabilitar", "Mantener",
           "Ordenar", "Revisar"]
STATES = ["está en mal estado", "no funciona", "no alcanza para todos", "nunca se terminó",
          "se dañó con las lluvias", "lleva años sin mantenimiento"]
PLACE_KINDS = ["aldea", "caserío", "cantón", "barrio", "colonia", "sector"]
PLACE_NAMES = ["San José", "El Calvario", "Los Pinos", "La Reforma", "El Mirador", "Santa Rosa", "San Antonio",
               "La Esperanza", "El Progreso", "Las Flores", "Pachalí", "Chuachituj", "Xejuyup", "Panimaché",
               "Tzanjuyú", "Cruz de Piedra", "Las Lomas", "Buena Vista", "El Tablón", "Chicazanga"]
RARE_PLACE = "Chuimucubal"  # about one proposal in 5,000: the rare word
BENEFICIARIES = ["las familias de la aldea", "los niños y niñas de la escuela", "las personas adultas mayores",
                 "las vendedoras del mercado", "los agricultores", "las mujeres emprendedoras",
                 "los jóvenes del barrio", "las personas con discapacidad"]
OFFICES = ["Dirección Municipal de Planificación", "Oficina de Servicios Públicos Municipales",
           "Dirección de Agua y Saneamiento", "Oficina Municipal de la Mujer", "Policía Municipal de Tránsito",
           "Juzgado de Asuntos Municipales", "Dirección Financiera Municipal", "Oficina de Gestión Ambiental",
           "Unidad de Acceso a la Información Pública"]
PROBLEMS = [
    "Los vecinos de {place} dicen que {harm}, porque {object} {state} desde hace {n} años.",
    "En {place} {harm}. {Object} {state} y nadie responde a las solicitudes de los vecinos.",
    "La comunidad de {place} pide atención: {object} {state} y {harm}.",
]
PROPOSALS_TEXT = [
    "{action} {object} en {place}, con apoyo de la {office} y el COCODE; priorizar a {beneficiaries}.",
    "{action} {object} por etapas, empezando por {place}, y publicar el avance cada mes.",
    "Que la {office} haga un diagnóstico de {object} y presente un plan con fechas a los vecinos.",
]
ANSWERS = {
    "received": "Recibimos la propuesta y la trasladamos a la {office}.",
    "studying": "La {office} visitó {place} y está evaluando el costo de la obra.",
    "accepted": "El Concejo Municipal aprobó la propuesta en su sesión ordinaria; se incluye en el presupuesto.",
    "in_progress": "Los trabajos empezaron; avance del {n} % según la bitácora de la obra.",
    "implemented": "La obra se terminó y fue recibida por el COCODE de {place}.",
    "rejected": "No es posible por ahora: no corresponde a la municipalidad o no hay fondos este año.",
}
PATHS = {
    "pending": [[]],
    "received": [["received"]],
    "studying": [["received", "studying"]],
    "accepted": [["received", "studying", "accepted"]],
    "in_progress": [["received", "studying", "accepted", "in_progress"], ["received", "studying", "in_progress"]],
    "implemented": [["received", "studying", "accepted", "in_progress", "implemented"]],
    "rejected": [["received", "rejected"], ["received", "studying", "rejected"]],
}
STATUS_WEIGHTS_OLD = {"pending": 25, "received": 10, "studying": 12, "accepted": 10, "in_progress": 10,
                      "implemented": 23, "rejected": 10}
STATUS_WEIGHTS_RECENT = {"pending": 65, "received": 12, "studying": 10, "accepted": 5, "in_progress": 3,
                         "implemented": 1, "rejected": 4}
COSTS = ["lt10k", "10k-50k", "50k-250k", "250k-1m", "gt1m", "unknown"]
COMPETENCES = ["municipal", "municipal", "municipal", "coordination", "other"]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _place(rng: random.Random) -> str:
    if rng.random() < 1 / 5000:
        return f"caserío {RARE_PLACE}"
    if rng.random() < 0.15:
        return f"zona {rng.randint(1, 18)}"
    return f"{rng.choice(PLACE_KINDS)} {rng.choice(PLACE_NAMES)}"


def _proposal_text(rng: random.Random, icon: str) -> dict:
    _, objects, harms = THEMES[icon]
    obj, place, office = rng.choice(objects), _place(rng), rng.choice(OFFICES)
    values = {"object": obj, "Object": _cap(obj), "place": place, "harm": rng.choice(harms),
              "state": rng.choice(STATES), "n": rng.randint(2, 15), "office": office,
              "action": rng.choice(ACTIONS), "beneficiaries": rng.choice(BENEFICIARIES)}
    return {
        "title": f"{values['action']} {obj} en {place}"[:160],
        "problem": rng.choice(PROBLEMS).format(**values),
        "proposal": rng.choice(PROPOSALS_TEXT).format(**values),
        "place": _cap(place),
        "beneficiaries": _cap(values["beneficiaries"]),
        "office": office,
    }


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` shared in proportion to `weights`, largest remainders first: the parts add up exactly."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[:total - sum(parts)]:
        parts[i] += 1
    return parts


# ---------------------------------------------------------------------------------------------
# The archive, in bulk.

def _insert(conn, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(sa.insert(table), rows[start:start + CHUNK])


def build_archive(proposals: int) -> dict:
    """Ideathons, themes, proposals and answers, written with Core inserts. Returns what was made."""
    rng = random.Random(SEED)
    municipalities = db.session.execute(
        sa.select(Municipality.id, Municipality.code, Municipality.name).order_by(Municipality.code)).all()
    order = list(municipalities)
    rng.shuffle(order)
    # Guatemala City first, then the pilots, then the rest in random order; the last forty get one
    # small ideathon each. Proposals per municipality fall off as 1/rank^0.75.
    order.sort(key=lambda m: (m.code != "0101", m.code not in ("2101", "0301", "1307", "0801", "1601",
                                                                "0108", "0901", "0115")))
    big, small = order[:-SMALL_MUNICIPALITIES], order[-SMALL_MUNICIPALITIES:]
    small_sizes = [rng.randint(8, 25) for _ in small]
    big_sizes = _split(proposals - sum(small_sizes), [1 / (rank + 1) ** 0.75 for rank in range(len(big))])
    per_municipality = list(zip(big, big_sizes)) + list(zip(small, small_sizes))

    ideathons, themes, rows, answers = [], [], [], []
    theme_icons = list(THEMES)
    for municipality, count in per_municipality:
        sizes = []
        while count > 0:  # ideathons of 15-45 proposals (fewer for the last one)
            size = min(count, rng.randint(15, 45))
            sizes.append(size)
            count -= size
        for size in sizes:
            ideathon_id = len(ideathons) + 1
            starts = datetime(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28), rng.choice([9, 14, 15]))
            archived = starts + timedelta(days=rng.randint(5, 40), hours=rng.randint(0, 8))
            ideathons.append({
                "id": ideathon_id, "municipality_id": municipality.id,
                "title": f"Ideatón ciudadana {starts.year}: {municipality.name}",
                "starts_at": starts, "venue": rng.choice(["Salón municipal", "Salón comunal",
                                                          "Escuela Oficial Rural Mixta", "Parque central"]),
                "description": "", "status": "scheduled", "phase": "closed", "room_code": f"A{ideathon_id:07d}",
                "room_opened_at": starts, "archived_at": archived, "created_at": starts - timedelta(days=30),
                "updated_at": archived,
            })
            chosen = sorted(rng.sample(range(len(theme_icons)), rng.randint(5, 11)))
            own_themes = []
            for position, index in enumerate(chosen):
                theme = {"id": len(themes) + 1, "ideathon_id": ideathon_id, "name": THEMES[theme_icons[index]][0],
                         "icon": theme_icons[index], "position": position}
                themes.append(theme)
                own_themes.append(theme)
            recent = archived > NOW - timedelta(days=365)
            weights = STATUS_WEIGHTS_RECENT if recent else STATUS_WEIGHTS_OLD
            for _ in range(size):
                theme = rng.choice(own_themes) if rng.random() > 0.03 else None
                text = _proposal_text(rng, theme["icon"] if theme else rng.choice(theme_icons))
                status = rng.choices(list(weights), list(weights.values()))[0]
                row = {
                    "id": len(rows) + 1, "ideathon_id": ideathon_id, "municipality_id": municipality.id,
                    "theme_id": theme["id"] if theme else None, **text,
                    "cost_range": rng.choice(COSTS), "competence": rng.choice(COMPETENCES),
                    "votes": int(rng.expovariate(1 / 12)), "status": status,
                    "created_by_id": None, "created_at": starts + timedelta(hours=3), "updated_at": archived,
                }
                row["search_text"] = search_text_of(SimpleNamespace(**row),
                                                  SimpleNamespace(name=theme["name"]) if theme else None)
                rows.append(row)
                at = archived
                for step in rng.choice(PATHS[status]):
                    at = min(NOW, at + timedelta(days=rng.randint(3, 90), hours=rng.randint(0, 23)))
                    answers.append({"id": len(answers) + 1, "proposal_id": row["id"], "status": step,
                                    "text": ANSWERS[step].format(office=text["office"], place=text["place"],
                                                                 n=rng.randint(10, 90)),
                                    "official_id": None, "at": at})
    # Some municipalities have an ideathon coming up (not archived, no proposals).
    upcoming = [{"id": len(ideathons) + i + 1, "municipality_id": m.id, "title": f"Ideatón ciudadana 2026: {m.name}",
                 "starts_at": NOW + timedelta(days=rng.randint(10, 120)), "venue": "Salón municipal",
                 "description": "", "status": "scheduled", "phase": "preparation", "created_at": NOW,
                 "updated_at": NOW}
                for i, m in enumerate(rng.sample(order, 34))]

    timings = {}
    with db.engine.begin() as conn:
        for name, table, data in (("ideathons", Ideathon.__table__, ideathons),
                                  ("upcoming", Ideathon.__table__, upcoming),
                                  ("themes", Theme.__table__, themes),
                                  ("proposals", Proposal.__table__, rows),
                                  ("responses", Response.__table__, answers)):
            started = time.perf_counter()
            _insert(conn, table, data)
            timings[name] = time.perf_counter() - started
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("ideathons", "themes", "proposals", "responses"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
    if db.engine.dialect.name == "postgresql":  # what autovacuum does after such a load
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
        timings["vacuum analyze"] = time.perf_counter() - started

    counts = {}
    for municipality, count in per_municipality:
        counts[municipality.code] = count
    return {"ideathons": len(ideathons) + len(upcoming), "themes": len(themes), "proposals": len(rows),
            "responses": len(answers), "per_municipality": counts, "insert_seconds": timings}


@dataclass
class Archive:
    database: str
    app: object
    made: dict
    build_seconds: float
    size_mib: float
    big: str = ""
    middle: str = ""
    small: str = ""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request, tmp_path_factory):
    """The schema by the real migrations, the municipalities, and the archive: once per database."""
    if request.param == "postgresql":
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            pytest.skip("the PostgreSQL case needs DATABASE_URL=postgresql://... pointing at a database of its own "
                        "(createdb -h 127.0.0.1 -U postgres test_bench_archive); its schema is dropped and rebuilt")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('archive') / 'archive.db'}"
    app = create_app(app_config(url, ENV_NAME="production", SECRET_KEY="bench-secret-key"))
    started = time.perf_counter()
    with app.app_context():
        build_schema()
        schema_seconds = time.perf_counter() - started
        made = build_archive(PROPOSALS)
        build_seconds = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            size = db.session.scalar(sa.text("SELECT pg_database_size(current_database())"))
        else:
            path = url.removeprefix("sqlite:///")
            size = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
        db.session.remove()
    made["schema_seconds"] = schema_seconds
    counts = sorted(made["per_municipality"].items(), key=lambda item: -item[1])
    result = Archive(request.param, app, made, build_seconds, size / 2**20,
                     big=counts[0][0], middle=counts[len(counts) // 2][0], small=counts[-1][0])
    print(f"\n[{request.param}] archive built in {build_seconds:.1f} s (schema and municipalities "
          f"{schema_seconds:.1f} s): {made['ideathons']} ideathons, {made['themes']} themes, "
          f"{made['proposals']} proposals, {made['responses']} answers; {result.size_mib:.0f} MiB; inserts "
          + ", ".join(f"{k} {v:.1f} s" for k, v in made["insert_seconds"].items()))
    yield result
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------------------------------------
# The cases.

@dataclass(frozen=True)
class Case:
    name: str
    path: str = ""  # an HTTP case
    call: object = None  # a service case: call(archive) -> (result, total or None)


def cases(archive: Archive) -> list[Case]:
    big, middle, small = archive.big, archive.middle, archive.small
    http = [
        ("browse, page 1", "/propuestas"),
        ("browse, page 2500", "/propuestas?pagina=2500"),
        ("q=vecinos (common), page 1", "/propuestas?q=vecinos"),
        ("q=vecinos, page 2000", "/propuestas?q=vecinos&pagina=2000"),
        ("q=agua (common), page 1", "/propuestas?q=agua"),
        ("q=agua, page 500", "/propuestas?q=agua&pagina=500"),
        ("q=alumbrado público (2 words)", "/propuestas?q=alumbrado+p%C3%BAblico"),
        ("q=tubería (accent)", "/propuestas?q=tuber%C3%ADa"),
        ("q=chuimucubal (rare)", "/propuestas?q=chuimucubal"),
        ("q=volcán (absent)", "/propuestas?q=volc%C3%A1n"),
        ("q=agua + municipio (big)", f"/propuestas?q=agua&municipio={big}"),
        ("q=agua + municipio (small)", f"/propuestas?q=agua&municipio={small}"),
        ("municipio (big), page 1", f"/propuestas?municipio={big}"),
        ("tema=water", "/propuestas?tema=water"),
        ("estado=implemented", "/propuestas?estado=implemented"),
        ("anio=2023", "/propuestas?anio=2023"),
        ("q=calle + estado=pending", "/propuestas?q=calle&estado=pending"),
        ("q=agua + tema + estado + anio", "/propuestas?q=agua&tema=water&estado=implemented&anio=2023"),
        (f"municipality page, {archive.made['per_municipality'][big]} proposals", f"/municipios/{big}"),
        (f"municipality page, {archive.made['per_municipality'][middle]} proposals", f"/municipios/{middle}"),
        (f"municipality page, {archive.made['per_municipality'][small]} proposals", f"/municipios/{small}"),
    ]

    def search(**kwargs):
        page = kwargs.pop("page", 1)

        def call(_archive):
            result = search_proposals(Filters(**kwargs), page=page)
            return result, result.total

        return call

    def municipal(function, code):
        def call(_archive):
            result = function(get_by_code(code))
            return result, result["proposals"] if isinstance(result, dict) else len(result)

        return call

    services = [
        ("search_proposals(): browse, page 1", search()),
        ("search_proposals(): browse, page 2500", search(page=2500)),
        ("search_proposals(): vecinos, page 1", search(q="vecinos")),
        ("search_proposals(): vecinos, page 2000", search(q="vecinos", page=2000)),
        ("search_proposals(): agua, page 1", search(q="agua")),
        ("search_proposals(): chuimucubal", search(q="chuimucubal")),
        ("search_proposals(): agua + all filters", search(q="agua", theme="water", status="implemented", year=2023)),
        ("search_proposals(): municipio (big)", search(municipality=big)),
        ("answer_stats(big)", municipal(answer_stats, big)),
        ("answer_stats(small)", municipal(answer_stats, small)),
        ("archived_of(big)", municipal(archived_of, big)),
        ("ideathons_of(big)", municipal(ideathons_of, big)),
    ]
    return [Case(name, path=path) for name, path in http] + [Case(name, call=call) for name, call in services]


def _run(archive: Archive, case: Case, client) -> tuple[float, object]:
    if case.path:
        started = time.perf_counter()
        response = client.get(case.path)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (case.path, response.status_code)
        return elapsed, response
    with archive.app.app_context():
        started = time.perf_counter()
        result = case.call(archive)
        elapsed = time.perf_counter() - started
    return elapsed, result


def _inspect(archive: Archive, case: Case, client) -> dict:
    """One more run, not timed: how many SQL statements it issues, what it answers."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with archive.app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        if case.path:
            response = client.get(case.path)
            info = {"bytes": len(response.data)}
        else:
            with archive.app.app_context():
                _, total = case.call(archive)
            info = {"total": total}
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    info["statements"] = len(statements)
    return info


def test_archive_search(archive):
    client = archive.app.test_client()
    all_cases = cases(archive)
    for case in all_cases:
        for _ in range(WARMUP):
            _run(archive, case, client)
    samples = {case.name: [] for case in all_cases}
    busy_before = machine_cpu()
    started = time.perf_counter()
    for _ in range(REQUESTS):
        for case in all_cases:
            taken = samples[case.name]
            if len(taken) >= MIN_SAMPLES and sum(taken) > CASE_BUDGET:
                continue
            taken.append(_run(archive, case, client)[0])
    measuring = time.perf_counter() - started
    busy_after = machine_cpu()
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[2] - busy_before[2])

    results = []
    for case in all_cases:
        info = _inspect(archive, case, client)
        stats = summarise(samples[case.name])
        results.append({"case": case, "stats": stats, "info": info})

    # Sanity: the searches find what the data holds.
    totals = {r["case"].name: r["info"].get("total") for r in results}
    assert totals["search_proposals(): browse, page 1"] == archive.made["proposals"]
    assert 0 < totals["search_proposals(): chuimucubal"] < 100
    assert totals["search_proposals(): vecinos, page 1"] > archive.made["proposals"] // 3
    assert totals["search_proposals(): municipio (big)"] == archive.made["per_municipality"][archive.big]

    print(f"\nArchive search, {archive.database}: {archive.made['proposals']} proposals, "
          f"{REQUESTS} rounds after {WARMUP} warm-up requests per case, machine {busy:.0%} busy "
          f"while measuring ({measuring:.0f} s). Times in ms.")
    print(f"{'case':<48} {'p50':>8} {'p95':>8} {'max':>8} {'n':>4} {'SQL':>4} {'result':>8}  target")
    rows = []
    for r in results:
        stats, info, case = r["stats"], r["info"], r["case"]
        met = stats["p95"] < TARGET_P95
        result = info.get("total", "")
        if case.path:
            result = f"{info['bytes'] // 1024} KiB"
        print(f"{case.name:<48} {stats['p50'] * 1000:8.1f} {stats['p95'] * 1000:8.1f} {stats['max'] * 1000:8.1f} "
              f"{stats['n']:>4} {info['statements']:>4} {result!s:>8}  {'met' if met else 'MISSED'}")
        rows.append({
            "bench": "archive_search", "database": archive.database, "case": case.name,
            "kind": "http" if case.path else "service", "path": case.path or None,
            "p50_ms": round(stats["p50"] * 1000, 2), "p95_ms": round(stats["p95"] * 1000, 2),
            "max_ms": round(stats["max"] * 1000, 2), "n": stats["n"], "statements": info["statements"],
            "total": info.get("total"), "bytes": info.get("bytes"), "target_met": met,
            "proposals": archive.made["proposals"], "build_s": round(archive.build_seconds, 1),
            "machine_busy": round(busy, 3),
        })
    if os.environ.get("BENCH_RESULTS"):
        with open(os.environ["BENCH_RESULTS"], "a") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
