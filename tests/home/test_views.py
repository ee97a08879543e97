from ideaboard import create_app
from ideaboard.ideathons.services import cancel_ideathon
from tests.conftest import app_config


def test_home_explains_and_lists_upcoming_past_and_municipalities(client, make_ideathon, make_user):
    coordinator = make_user("coordinator")
    make_ideathon("1601", title="Ideatón de Cobán", days=10, actor=coordinator)
    make_ideathon("2101", title="Ideatón de Jalapa", days=-40, actor=coordinator)
    cancelled = make_ideathon("0901", title="Ideatón suspendida", days=5, actor=coordinator)
    cancel_ideathon(cancelled, reason="Lluvia", actor=coordinator)
    html = client.get("/").get_data(as_text=True)
    upcoming, _, rest = html.partition("Ideatones realizadas")
    assert "Ideatón de Cobán" in upcoming and "Ideatón de Jalapa" not in upcoming
    assert "Ideatón de Jalapa" in rest
    assert "Ideatón suspendida" not in html
    assert "/municipios/1601" in html and "/municipios/2101" in html
    assert "Entrar como personal" in html


def test_home_empty_states(client):
    html = client.get("/").get_data(as_text=True)
    assert "No hay ideatones programadas por ahora." in html
    assert "Todavía no se ha realizado ninguna ideatón." in html
    assert "Aún ningún municipio ha programado una ideatón." in html


def test_healthz_is_liveness_and_checks_nothing(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_200_with_the_database_and_redis_down(migrated):
    # Liveness only: a dependency's blip must not make a proxy drop (or a supervisor kill) the process.
    broken = create_app(app_config("postgresql+psycopg://nobody@127.0.0.1:1/none",
                                   REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0"))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_ok(client, app):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["checks"]["database"] == "ok"
    assert ("redis" in body["checks"]) == bool(app.config["REDIS_URL"])


def test_readyz_503_when_the_database_is_down(migrated, tmp_path):
    broken = create_app(app_config("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("error")


def test_readyz_says_degraded_but_200_when_redis_is_down(migrated):
    app = create_app(app_config(migrated, REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="memory://"))
    with app.app_context():
        response = app.test_client().get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body == {"status": "degraded", "checks": {"database": "ok", "redis": "degraded: ConnectionError"}}
