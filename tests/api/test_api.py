"""The read-only JSON API: what each endpoint answers, paging, errors in JSON, totals only; and
schemathesis, with all its checks, run against the running app from its OpenAPI document."""
import subprocess
import sys
from pathlib import Path

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = 10  # per operation and phase

NAMES = ("Ana", "Beto", "Carla", "Dora")


def test_endpoints_answer_with_the_archive(app, client, archive):
    stats = client.get("/api/v1/statistics").get_json()
    assert (stats["archived_ideathons"], stats["participants"], stats["ideas"], stats["dots"], stats["paper_dots"],
            stats["proposals"], stats["proposals_answered"]) == (2, 4, 4, 5, 2, 3, 1)
    assert stats["proposals_by_status"]["studying"] == 1 and stats["proposals_by_status"]["pending"] == 2
    municipality = client.get("/api/v1/municipalities/0301").get_json()
    assert (municipality["name"], municipality["ideathons"], municipality["proposals"]) == ("Antigua Guatemala", 1, 2)
    page = client.get("/api/v1/municipalities?per_page=100&page=4").get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (340, 4, 40)
    ideathons = client.get("/api/v1/ideathons?municipality=0301").get_json()
    assert [i["id"] for i in ideathons["items"]] == [archive["antigua"].id]
    detail = client.get(f"/api/v1/ideathons/{archive['antigua'].id}").get_json()
    assert len(detail["proposal_ids"]) == 2
    found = client.get("/api/v1/proposals?q=AGUA&status=studying").get_json()
    assert [p["title"] for p in found["items"]] == ["Agua potable todos los días"]
    proposal = client.get(f"/api/v1/proposals/{archive['water'].id}").get_json()
    assert [r["status"] for r in proposal["responses"]] == ["received", "studying"]
    assert client.get("/api/v1/responses?municipality=0101").get_json()["total"] == 0
    ideas = client.get(f"/api/v1/ideathons/{archive['antigua'].id}/ideas").get_json()
    assert [(i["text"], i["language"], [(t["language"], t["text"]) for t in i["translations"]])
            for i in ideas["items"]] == [("Agua potable", "es", []), ("Bacheo", "es", []), ("Saq", "quc", [("es", "Luz")])]
    assert client.get(f"/api/v1/ideathons/{archive['open'].id}/ideas").status_code == 404
    everything = "".join(client.get(u).get_data(as_text=True) for u in (
        "/api/v1/ideathons", "/api/v1/proposals?per_page=100", "/api/v1/responses", "/api/v1/statistics",
        f"/api/v1/ideathons/{archive['antigua'].id}/ideas"))
    assert not any(name in everything for name in NAMES)


def test_errors_are_json(app, client, archive):
    for url, status in (("/api/v1/proposals?page=0", 400), ("/api/v1/proposals?per_page=101", 400),
                        ("/api/v1/proposals?status=lost", 400), ("/api/v1/ideathons?municipality=01", 400),
                        ("/api/v1/municipalities/9999", 404), (f"/api/v1/ideathons/{archive['open'].id}", 404),
                        ("/api/v1/nothing", 404),
                        # What the document says is out of bounds is refused, not quietly read another way.
                        ("/api/v1/ideathons?municipality=", 400), ("/api/v1/responses?municipality=", 400),
                        ("/api/v1/proposals?q=" + "a" * 201, 400), ("/api/v1/proposals?status=", 400),
                        ("/api/v1/proposals?theme=lost", 400), ("/api/v1/municipalities?department=Atlantis", 400),
                        ("/api/v1/proposals?page=", 400), ("/api/v1/proposals?year=", 400)):
        answer = client.get(url)
        assert answer.status_code == status and answer.is_json and answer.get_json()["status"] == status, url


def test_a_method_not_allowed_says_which_are(client):
    """405 with `Allow` (RFC 9110), from the API in JSON and from the pages alike."""
    for method, path in (("post", "/api/v1/proposals"), ("delete", "/api/v1/statistics"), ("put", "/propuestas")):
        answer = getattr(client, method)(path)
        assert answer.status_code == 405 and set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}, path
    assert client.post("/api/v1/proposals").get_json() == {"error": "Method Not Allowed", "status": 405}
    assert set(client.get("/salir").headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


def test_the_running_app_keeps_its_openapi_promises(app, archive, live_server, tmp_path):
    """schemathesis's own runner, from the OpenAPI document, against the running server, with every
    check it has (server errors, status codes, content types, headers, schemas, valid data accepted,
    invalid data refused, unsupported methods answered 405 with `Allow`, ...), every phase (the
    document's examples, its boundaries, fuzzing, stateful links) and values positive and negative
    (NUL bytes and other control characters included). A fixed seed and a bounded number of
    examples per operation keep it repeatable and under a minute."""
    run = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{live_server.url}/api/v1/openapi.json", "--checks", "all", "--mode", "all",
         "--max-examples", str(EXAMPLES), "--seed", "15", "--workers", "1", "--generation-database", "none",
         "--no-color", "--max-failures", "20"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-2000:]
