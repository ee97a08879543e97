"""The results bundle on the web and the command line: the laptop's export, the central upload page."""
import io
import zipfile

import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon
from tests.conftest import Auth
from tests.conftest import PASSWORD
from tests.hall.rooms import inside, laptop_ideathon, run_room, take_to_laptop
from tests.hall.test_publish import laptop_bundle, rezip, rows


def upload(auth, data: bytes, name="resultados.zip"):
    return auth.post("/archivo/publicar", {"bundle": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_a_coordinator_publishes_a_bundle_and_the_archive_says_it_was_run_offline(app, laptop, make_ideathon, make_user,
                                                                                 auth, client):
    central = make_ideathon("0108")
    data = laptop_bundle(laptop, central)
    auth.login(make_user(Role.COORDINATOR))
    page = client.get("/archivo/publicar")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(as_text=True)
    answer = upload(auth, data)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/ideatones/{central.id}/archivo")
    archived = client.get(f"/ideatones/{central.id}/archivo").get_data(as_text=True)
    assert "Realizada sin conexión; publicada el" in archived and "Resultados publicados" in archived
    assert "&lt;b&gt;Texto ofensivo&lt;/b&gt;" not in archived  # hidden: only its reason shows
    assert "Lenguaje ofensivo" in archived and "<b>Texto" not in archived
    proposal = client.get(f"/api/v1/ideathons/{central.id}").get_json()["proposal_ids"]
    shown = "".join(client.get(f"/propuestas/{pid}").get_data(as_text=True) for pid in proposal)
    assert "No hay agua &lt;todo&gt; el día" in shown and "<todo>" not in shown  # escaped as everywhere
    for path in (f"/ideatones/{central.id}", f"/ideatones/{central.id}/informe"):
        assert "Realizada sin conexión" in client.get(path).get_data(as_text=True)
    before = rows()
    again = upload(auth, data)
    assert again.status_code == 302
    assert "Este paquete ya fue publicado el" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert rows() == before


def test_a_refused_bundle_is_said_on_the_page_and_nothing_is_written(app, laptop, make_ideathon, make_user, auth,
                                                                     client):
    central = make_ideathon("0108")
    data = laptop_bundle(laptop, central)
    auth.login(make_user(Role.ADMIN))
    before = rows()
    answer = upload(auth, rezip(data, {"ideas.json": b"[]"}, rehash=False))
    assert answer.status_code == 422
    assert "ideas.json no coincide con el manifiesto" in answer.get_data(as_text=True)
    answer = upload(auth, b"no soy un zip", name="foto.jpg")
    assert answer.status_code == 422 and "no es un paquete de resultados" in answer.get_data(as_text=True)
    assert rows() == before
    assert db.session.get(Ideathon, central.id).archived_at is None


def test_only_coordinators_and_admins_reach_the_upload_page(app, make_user, client, auth):
    for role in (Role.MODERATOR, Role.OFFICIAL):
        other = app.test_client()
        Auth(other).login(make_user(role))
        assert other.get("/archivo/publicar").status_code == 403
        assert Auth(other).post("/archivo/publicar", {}).status_code == 403
    assert client.get("/archivo/publicar").status_code == 302  # to the login page


def test_the_laptop_exports_an_archived_ideathon_from_its_page(app, laptop, make_ideathon):
    from ideaboard.accounts.services import set_password

    ideathon_id = take_to_laptop(make_ideathon("0108"), laptop)
    with inside(laptop):
        ideathon = laptop_ideathon(ideathon_id)
        phone = laptop.test_client()
        moderator = ideathon.moderators[0]  # an account the kit made on the laptop
        set_password(moderator, new_password=PASSWORD, actor=None)
        Auth(phone).login(moderator)
        answer = phone.get(f"/ideatones/{ideathon.id}/resultados.zip")
        assert answer.status_code == 302  # not archived yet: back to its page, saying why
        page = phone.get(answer.headers["Location"]).get_data(as_text=True)
        assert "cerrada y archivada" in page and "export-results" not in page
        run_room(ideathon, moderator=moderator, evidence=False)
        page = phone.get(f"/ideatones/{ideathon.id}").get_data(as_text=True)
        assert f"/ideatones/{ideathon.id}/resultados.zip" in page
        answer = phone.get(f"/ideatones/{ideathon.id}/resultados.zip")
        assert answer.status_code == 200 and answer.mimetype == "application/zip"
        assert f"resultados-{ideathon.public_id}.zip" in answer.headers["Content-Disposition"]
        assert "manifest.json" in zipfile.ZipFile(io.BytesIO(answer.data)).namelist()


def test_the_commands_export_on_the_laptop_and_publish_on_the_central_server(app, laptop, make_ideathon, make_user,
                                                                             tmp_path):
    central = make_ideathon("0108")
    ideathon_id = take_to_laptop(central, laptop)
    with inside(laptop):
        ideathon = laptop_ideathon(ideathon_id)
        result = laptop.test_cli_runner().invoke(args=["hall", "export", str(ideathon.id), "-o", str(tmp_path)])
        assert result.exit_code == 1 and "cerrada y archivada" in result.output
        run_room(ideathon)
        result = laptop.test_cli_runner().invoke(args=["hall", "export", ideathon.public_id, "-o", str(tmp_path)])
        assert result.exit_code == 0, result.output
    path = tmp_path / f"resultados-{central.public_id}.zip"
    assert path.exists() and "proposals: 2" in result.output
    moderator = make_user(Role.MODERATOR)
    result = app.test_cli_runner().invoke(args=["hall", "publish", str(path), "--as", moderator.email])
    assert result.exit_code == 1 and "coordinación y administración" in result.output
    coordinator = make_user(Role.COORDINATOR)
    result = app.test_cli_runner().invoke(args=["hall", "publish", str(path), "--as", coordinator.email])
    assert result.exit_code == 0 and f"/ideatones/{central.id}/archivo" in result.output
    result = app.test_cli_runner().invoke(args=["hall", "publish", str(path), "--as", coordinator.email])
    assert result.exit_code == 0 and "Already published" in result.output
    assert db.session.scalar(sa.select(Ideathon.published_offline_at).where(Ideathon.id == central.id))
