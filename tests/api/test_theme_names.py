"""Open data and the archive name themes per language (issue 17): the API and the JSON keep `theme`
as the planner named it and add `theme_names`; the CSV stays flat; pages read the viewer's language."""
import csv
import io

from ideaboard.database import write
from ideaboard.ideathons.services import set_theme_names


def test_open_data_keeps_the_planners_name_and_adds_each_languages(app, client, archive):
    water = archive["water"]
    with write():
        set_theme_names(archive["antigua"].themes[0], {"en": "Drinking water"})
    one = client.get(f"/api/v1/proposals/{water.id}").get_json()
    assert one["theme"] == "Agua" and one["theme_names"] == {"es": "Agua", "en": "Drinking water"}
    listed = client.get("/api/v1/proposals?municipality=0301").get_json()["items"]
    assert {p["title"]: p["theme_names"] for p in listed} == {
        "Agua potable todos los días": {"es": "Agua", "en": "Drinking water"}, "Bacheo de la 5a calle": {}}
    document = client.get("/api/v1/openapi.json").get_json()
    for schema in ("Proposal", "ProposalDetail"):
        assert document["components"]["schemas"][schema]["properties"]["theme_names"]["properties"] == {
            "es": {"type": "string"}, "en": {"type": "string"}}
    rows = client.get(f"/ideatones/{archive['antigua'].id}/datos/proposals.json").get_json()
    assert rows[0]["theme_names"]["en"] == "Drinking water"
    table = list(csv.DictReader(io.StringIO(client.get("/datos/proposals.csv").get_data(as_text=True))))
    assert "theme_names" not in table[0] and {row["theme"] for row in table} == {"Agua", ""}


def test_the_archive_pages_read_the_viewers_language(app, client, archive):
    with write():
        set_theme_names(archive["antigua"].themes[0], {"en": "Drinking water"})
    client.set_cookie("lang", "en")
    for path in (f"/ideatones/{archive['antigua'].id}/archivo", f"/propuestas/{archive['water'].id}",
                 f"/ideatones/{archive['antigua'].id}/informe"):
        html = client.get(path).get_data(as_text=True)
        assert "Drinking water" in html, path
    client.set_cookie("lang", "es")
    assert "Drinking water" not in client.get(f"/propuestas/{archive['water'].id}").get_data(as_text=True)
