"""The round trip of issue 16: plan on the central server (the suite's database: PostgreSQL in the
PostgreSQL profile), take the ideathon to a laptop (SQLite, its own app), run the room there through
the services, archive it, bring back its results bundle and publish it on the central server. Then
everything the public sees (the archive page, the municipality's page, search, the mayor's report,
open data, the API) must equal the laptop's, field by field, once internal ids are set aside."""
import io
import json
import re
import zipfile

from PIL import Image

from ideaboard.accounts.models import Role
from ideaboard.archive.opendata import proposal_row
from ideaboard.archive.report import report_of
from ideaboard.archive.services import answer_stats, archived_of
from ideaboard.evaluation.services import survey_results
from ideaboard.evidence.models import Evidence
from ideaboard.extensions import db
from ideaboard.hall.bundle import build_bundle
from ideaboard.hall.publish import publish_bundle
from ideaboard.ideathons.models import Ideathon
from ideaboard.municipalities.services import get_by_code
from ideaboard.uploads.services import upload_folder
from tests.hall.rooms import inside, laptop_ideathon, run_room, take_to_laptop

IDS = {"id", "ideathon_id", "proposal_id", "proposal_ids"}
ADDRESSES = re.compile(r"/(ideatones|propuestas|evidencias|archivos|ideathons|proposals)/\d+")


def normal(value):
    """A value with internal ids set aside and the ids in addresses replaced by N."""
    if isinstance(value, dict):
        return {key: None if key in IDS else normal(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [normal(item) for item in value]
    if isinstance(value, str):
        return ADDRESSES.sub(r"/\1/N", value)
    return value


def main_of(html: str) -> str:
    """A page's <main>, addresses normalised, the offline note left out (the one intended difference)."""
    main = html[html.index('<main id="main"'):html.index("</main>")]
    main = re.sub(r'<p class="offline-note".*?</p>', "", main, flags=re.DOTALL)
    return ADDRESSES.sub(r"/\1/N", re.sub(r"\n\s*\n", "\n", main))


def public_record(app, ideathon_id: int) -> dict:
    """Everything the public reads of one archived ideathon, in `app` (its context pushed)."""
    client = app.test_client()
    ideathon = db.session.get(Ideathon, ideathon_id)
    get = lambda path: client.get(path)  # noqa: E731
    api = {path: get(path).get_json() for path in (
        f"/api/v1/ideathons/{ideathon_id}", "/api/v1/ideathons", "/api/v1/statistics", "/api/v1/municipalities/0108",
        "/api/v1/proposals?municipality=0108", "/api/v1/proposals?q=agua", "/api/v1/responses",
        f"/api/v1/ideathons/{ideathon_id}/ideas?per_page=100")}
    api_one = {path: get(path).get_json() for path in
               (f"/api/v1/proposals/{pid}" for pid in api[f"/api/v1/ideathons/{ideathon_id}"]["proposal_ids"])}
    open_data = {}
    for table in ("ideathons", "proposals", "responses", "ideas", "idea_translations"):
        for kind in ("json", "csv"):
            for path in (f"/ideatones/{ideathon_id}/datos/{table}.{kind}", f"/datos/{table}.{kind}"):
                answer = get(path)
                assert answer.status_code == 200, path
                open_data[path.replace(str(ideathon_id), "N")] = (answer.get_json() if kind == "json"
                                                                   else answer.get_data(as_text=True))
    report = report_of(ideathon)
    report["proposals"] = [proposal_row(p) for p in report["proposals"]]
    pages = {}
    for path in (f"/ideatones/{ideathon_id}/archivo", "/municipios/0108", "/propuestas?q=agua",
                 "/propuestas?municipio=0108", f"/ideatones/{ideathon_id}/evidencias"):
        answer = get(path)
        assert answer.status_code == 200, path
        pages[path.replace(str(ideathon_id), "N")] = main_of(answer.get_data(as_text=True))
    evidence = [{"kind": e.kind, "title": e.title, "description": e.description, "url": e.url,
                 "published": e.published, "content_type": e.upload.content_type if e.upload else None,
                 "size": (e.upload.width, e.upload.height) if e.upload else None, "created_at": e.created_at}
                for e in db.session.query(Evidence).filter_by(ideathon_id=ideathon_id).order_by(Evidence.id)]
    municipality = get_by_code("0108")
    return {
        "api": normal(api), "api_one": normal(list(api_one.values())), "open_data": normal(open_data),
        "report": normal(report), "pages": pages, "evidence": evidence,
        "answer_stats": answer_stats(municipality),
        "municipality_archive": [(i.public_id, i.title, i.archived_at) for i in archived_of(municipality)],
        # The exit survey as the programme's evaluation counts it.
        "exit_survey": repr(survey_results([ideathon]).by_ideathon[ideathon_id]),
    }


def test_a_room_run_on_a_laptop_reads_the_same_on_the_central_server(app, laptop, make_ideathon, make_user):
    central = make_ideathon("0108", themes=[("Agua potable", "water"), ("Calles y alumbrado", "road"),
                                            ("Otros", "other")])
    central_id = central.id
    laptop_id = take_to_laptop(central, laptop)  # the real hall kit, imported on the laptop
    with inside(laptop):
        ideathon = laptop_ideathon(laptop_id)
        room = run_room(ideathon)
        data = build_bundle(ideathon)
        on_laptop = public_record(laptop, laptop_id)
        tokens = [person.token for person in room["people"]]

    # The bundle names no participant and holds no token.
    texts = "".join(zipfile.ZipFile(io.BytesIO(data)).read(n).decode("utf-8", "replace")
                    for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.endswith(".json"))
    for token in tokens:
        assert token not in texts
    for nickname in ("Ana", "Beto", "Ceci", "<script>"):
        assert f'"{nickname}' not in texts

    published = publish_bundle(data, actor=make_user(Role.COORDINATOR))
    assert published.ideathon.id == central_id and not published.already
    db.session.expire_all()
    on_central = public_record(app, central_id)

    for part in on_laptop:
        assert on_central[part] == on_laptop[part], part
    # And the figures are the room's, not empty ones compared with empty ones.
    row = on_central["open_data"]["/ideatones/N/datos/ideathons.json"]
    row = row[0] if isinstance(row, list) else row
    assert row["participants"] == 5 and row["ideas"] == 7 and row["proposals"] == 2
    assert row["paper_dots"] == 11 and row["dots"] >= 6
    assert on_central["report"]["moderation"]["hidden"] == 1 and on_central["report"]["moderation"]["merges"] == 1
    assert on_central["report"]["moderation"]["muted"] == 1 and on_central["report"]["moderation"]["edited"] == 1
    assert on_central["report"]["survey"]["answered"] == 3
    assert [e["kind"] for e in on_central["evidence"]] == ["photo", "video"]
    stored = db.session.query(Evidence).filter_by(ideathon_id=central_id, kind="photo").one().upload
    with Image.open(upload_folder() / stored.stored_name) as photo:
        assert photo.getexif() == {} or 0x8825 not in photo.getexif()  # re-encoded here: no GPS
    assert "Agua para la aldea" in on_central["pages"]["/propuestas?q=agua"]
    # Ideas keep their language and the moderation's translations, apart.
    listed = next(answer for path, answer in on_central["api"].items() if path.endswith("/ideas?per_page=100"))
    ideas = {i["text"]: i for i in listed["items"]}
    assert ideas["Bachear la 4a calle"]["language"] == "kek" and ideas["Pozo comunitario en la aldea"]["language"] == "es"
    assert [(t["language"], t["text"]) for t in ideas["Limpiar el río (escrita en papel)"]["translations"]] == [
        ("en", "Clean the river"), ("es", "Limpiar el río")]
    assert len(on_central["open_data"]["/ideatones/N/datos/idea_translations.json"]) == 3
    assert "Bachear la cuarta calle" in on_central["pages"]["/ideatones/N/archivo"]
    assert "&lt;script&gt;" not in json.dumps(on_central["pages"])  # nicknames never reach the public pages
