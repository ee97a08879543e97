"""Open-data downloads: CSV, JSON and a Data Package that validates with frictionless."""
import csv
import io

import pytest
from frictionless import validate

NAMES = ("Ana", "Beto", "Carla", "Dora")


def test_the_whole_archive_as_a_valid_data_package(app, client, archive, tmp_path):
    descriptor = client.get("/datos/datapackage.json").get_json()
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert [r["name"] for r in descriptor["resources"]] == ["ideathons", "proposals", "responses", "ideas",
                                                            "idea_translations"]
    (tmp_path / "datapackage.json").write_bytes(client.get("/datos/datapackage.json").data)
    for resource in descriptor["resources"]:
        (tmp_path / resource["path"]).write_bytes(client.get(f"/datos/{resource['path']}").data)
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_figures_are_the_hand_counted_ones_and_carry_no_names(app, client, archive):
    rows = list(csv.DictReader(io.StringIO(client.get("/datos/ideathons.csv").get_data(as_text=True))))
    figures = sorted((r["municipality_code"], r["participants"], r["ideas"], r["dots"], r["paper_dots"], r["proposals"])
                     for r in rows)
    assert figures == [("0101", "1", "1", "1", "0", "1"), ("0301", "3", "3", "4", "2", "2")]
    proposals = client.get("/datos/proposals.json").get_json()
    water = next(p for p in proposals if p["title"] == "Agua potable todos los días")
    assert (water["votes"], water["ideas"], water["status"], water["cost_range"]) == (2 + 2, 1, "studying", "50k-250k")
    responses = client.get("/datos/responses.json").get_json()
    assert [r["status"] for r in responses] == ["received", "studying"]
    everything = "".join(client.get(f"/datos/{t}.{f}").get_data(as_text=True)
                         for t in ("ideathons", "proposals", "responses", "ideas", "idea_translations")
                         for f in ("csv", "json"))
    assert not any(name in everything for name in NAMES)  # totals only: no participant's name anywhere
    assert archive["open"].title not in everything  # only archived ideathons


def test_one_ideathon_alone_and_not_before_it_is_archived(app, client, archive, tmp_path):
    antigua = archive["antigua"]
    base = f"/ideatones/{antigua.id}/datos"
    (tmp_path / "datapackage.json").write_bytes(client.get(f"{base}/datapackage.json").data)
    for table in ("ideathons", "proposals", "responses", "ideas", "idea_translations"):
        (tmp_path / f"{table}.csv").write_bytes(client.get(f"{base}/{table}.csv").data)
    assert validate(tmp_path / "datapackage.json").valid
    assert len(client.get(f"{base}/proposals.json").get_json()) == 2
    assert client.get(f"/ideatones/{archive['open'].id}/datos/datapackage.json").status_code == 404
    assert client.get(f"{base}/secrets.csv").status_code == 404 and client.get(f"{base}/proposals.xml").status_code == 404


@pytest.mark.parametrize("path", ["/datos/proposals.csv", "/datos/datapackage.json"])
def test_an_empty_archive_still_downloads(app, client, path):
    assert client.get(path).status_code == 200


def test_ideas_carry_their_language_and_the_moderations_translation_apart(app, client, archive):
    ideas = {i["text"]: i for i in client.get("/datos/ideas.json").get_json()}
    assert set(ideas) == {"Agua potable", "Bacheo", "Saq", "Semáforos"}  # archived boards only
    assert (ideas["Saq"]["language"], ideas["Agua potable"]["language"]) == ("quc", "es")
    assert ideas["Saq"]["from_paper"] is False and ideas["Saq"]["theme"] == "Agua"
    translations = client.get("/datos/idea_translations.json").get_json()
    assert [(t["idea_id"], t["language"], t["text"]) for t in translations] == [(ideas["Saq"]["id"], "es", "Luz")]
    rows = list(csv.DictReader(io.StringIO(client.get("/datos/ideas.csv").get_data(as_text=True))))
    assert [(r["text"], r["language"]) for r in rows if r["text"] == "Saq"] == [("Saq", "quc")]
    descriptor = client.get("/datos/datapackage.json").get_json()
    fields = {r["name"]: r["schema"] for r in descriptor["resources"]}
    assert [f["name"] for f in fields["idea_translations"]["fields"]] == ["id", "idea_id", "language", "text"]
    assert "moderación" in fields["idea_translations"]["fields"][3]["description"]
    assert fields["idea_translations"]["foreignKeys"][0]["reference"] == {"resource": "ideas", "fields": ["id"]}
