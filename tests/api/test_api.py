"""The read-only JSON API: what each endpoint answers, paging, errors in JSON, totals only; and
schemathesis run against the running app from its OpenAPI document."""
import schemathesis
from hypothesis import HealthCheck, given, settings

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
    everything = "".join(client.get(u).get_data(as_text=True) for u in (
        "/api/v1/ideathons", "/api/v1/proposals?per_page=100", "/api/v1/responses", "/api/v1/statistics"))
    assert not any(name in everything for name in NAMES)


def test_errors_are_json(app, client, archive):
    for url, status in (("/api/v1/proposals?page=0", 400), ("/api/v1/proposals?per_page=101", 400),
                        ("/api/v1/proposals?status=lost", 400), ("/api/v1/ideathons?municipality=01", 400),
                        ("/api/v1/municipalities/9999", 404), (f"/api/v1/ideathons/{archive['open'].id}", 404),
                        ("/api/v1/nothing", 404)):
        answer = client.get(url)
        assert answer.status_code == status and answer.is_json and answer.get_json()["status"] == status, url


def test_the_running_app_keeps_its_openapi_promises(app, archive, live_server):
    """schemathesis, from the OpenAPI document, against the running server: every operation with
    generated parameters; no server error, and every answer matches the document."""
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate()

        check()
