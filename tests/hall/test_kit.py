"""The hall kit: built on the central server by a coordinator, imported on a laptop (its own SQLite app)
with the same public id, themes and settings; every refusal writes nothing."""
import json
import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from ideaboard.accounts.models import Role, User
from ideaboard.extensions import db
from ideaboard.hall.kit import FORMAT, FORMAT_VERSION, MAX_KIT_BYTES, KitAlreadyImported, KitError, read_kit
from ideaboard.hall.services import import_kit, kit_for
from ideaboard.ideathons.models import Ideathon, Theme
from ideaboard.ideathons.services import assign_moderators
from ideaboard.programme.models import Programme
from ideaboard.rooms.services import open_room

from tests.conftest import Auth


@pytest.fixture
def planned(app, make_ideathon, make_user, make_programme):
    """A planned ideathon with two moderators, a programme and settings other than the defaults."""
    coordinator = make_user(Role.COORDINATOR, name="Carmen Coordinadora")
    programme = make_programme(actor=coordinator, name="Programa piloto")
    ideathon = make_ideathon("0301", title="Ideatón de Antigua", actor=coordinator, programme=programme,
                             themes=[("Agua", "water"), ("Calles", "road"), ("Basura", "waste")])
    ana = make_user(Role.MODERATOR, name="Ana López")
    beto = make_user(Role.MODERATOR, name="Beto Pérez")
    assign_moderators(ideathon, [ana, beto], actor=coordinator)
    ideathon.dot_budget, ideathon.max_dots_per_idea, ideathon.silent_ideas, ideathon.premoderation = 5, 2, True, True
    ideathon.description = "Taller con vecinos <b>del centro</b>"
    db.session.commit()
    return ideathon


def kit_of(ideathon) -> bytes:
    return kit_for(ideathon, actor=ideathon.created_by)[1]


def edited(kit: bytes, change) -> bytes:
    document = json.loads(kit)
    change(document)
    return json.dumps(document).encode()


def counts() -> dict:
    return {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Ideathon, Theme, User, Programme)}


def test_the_kit_carries_what_a_room_needs_and_no_secret(app, planned):
    kit = kit_of(planned)
    document = json.loads(kit)
    assert (document["format"], document["format_version"]) == (FORMAT, FORMAT_VERSION) == ("ideaboard-hall-kit", 1)
    assert document["software"]["name"] == "ideaboard" and document["software"]["version"]
    ideathon = document["ideathon"]
    assert ideathon["public_id"] == planned.public_id
    assert (ideathon["title"], ideathon["venue"], ideathon["municipality"]["code"]) == (
        "Ideatón de Antigua", "Salón municipal", "0301")
    assert ideathon["starts_at"] == planned.starts_at.replace(microsecond=0).isoformat() + "Z"
    assert ideathon["settings"] == {"silent_ideas": True, "hidden_counts": False, "self_votes": True,
                                    "cards_only": False, "premoderation": True, "dot_budget": 5,
                                    "max_dots_per_idea": 2}
    assert ideathon["themes"] == [{"name": "Agua", "icon": "water", "position": 0, "default_key": None, "names": {}},
                                  {"name": "Calles", "icon": "road", "position": 1, "default_key": None, "names": {}},
                                  {"name": "Basura", "icon": "waste", "position": 2, "default_key": None, "names": {}}]
    assert ideathon["programme"]["name"] == "Programa piloto" and ideathon["programme"]["id"] == planned.programme_id
    assert document["staff"] == [{"name": "Ana López", "role": "moderator"}, {"name": "Beto Pérez", "role": "moderator"},
                                 {"name": "Carmen Coordinadora", "role": "coordinator"}]
    text = kit.decode()
    for user in [*planned.moderators, planned.created_by]:
        assert user.email not in text and user.password_hash not in text and user.session_token not in text
    assert read_kit(kit).public_id == planned.public_id  # what is written is what is read


def test_a_coordinator_downloads_it_from_the_staff_box(app, client, planned):
    Auth(client).login(planned.created_by)
    page = client.get(f"/ideatones/{planned.id}").get_data(as_text=True)
    assert f"/ideatones/{planned.id}/kit-de-sala" in page and f"/ideatones/{planned.id}/hoja-de-sala" in page
    response = client.get(f"/ideatones/{planned.id}/kit-de-sala")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert f'filename="kit-sala-0301-{planned.public_id[:8]}.json"' in response.headers["Content-Disposition"]
    assert json.loads(response.data)["ideathon"]["public_id"] == planned.public_id


def test_a_moderator_alone_cannot_take_it(app, client, planned):
    moderator = planned.moderators[0]
    with pytest.raises(KitError) as refused:
        kit_for(planned, actor=moderator)
    assert refused.value.status == 403
    Auth(client).login(moderator)
    assert "kit-de-sala" not in client.get(f"/ideatones/{planned.id}").get_data(as_text=True)
    assert client.get(f"/ideatones/{planned.id}/kit-de-sala").status_code == 403


def test_no_kit_once_the_room_opened_here(app, client, planned):
    open_room(planned, actor=planned.created_by)
    with pytest.raises(KitError, match="ya se abrió en este servidor"):
        kit_of(planned)
    Auth(client).login(planned.created_by)
    response = client.get(f"/ideatones/{planned.id}/kit-de-sala", follow_redirects=True)
    assert "ya se abrió en este servidor" in response.get_data(as_text=True)


def test_the_laptop_gets_the_same_ideathon_and_accounts_that_sign_in(app, planned, laptop):
    kit = kit_of(planned)
    with laptop.app_context():
        imported = import_kit(kit)
        ideathon = imported.ideathon
        assert ideathon.public_id == planned.public_id
        assert (ideathon.title, ideathon.venue, ideathon.description, ideathon.municipality.code) == (
            "Ideatón de Antigua", "Salón municipal", "Taller con vecinos <b>del centro</b>", "0301")
        assert ideathon.starts_at == planned.starts_at.replace(microsecond=0)
        assert [(t.name, t.icon, t.position) for t in ideathon.themes] == [
            ("Agua", "water", 0), ("Calles", "road", 1), ("Basura", "waste", 2)]
        assert (ideathon.dot_budget, ideathon.max_dots_per_idea, ideathon.silent_ideas, ideathon.premoderation,
                ideathon.hidden_counts, ideathon.self_votes, ideathon.cards_only) == (5, 2, True, True, False, True, False)
        assert (ideathon.phase, ideathon.room_code, ideathon.archived_at) == ("preparation", None, None)
        assert ideathon.programme.name == "Programa piloto" and ideathon.programme.published_at is None
        accounts = {a.name: a for a in imported.accounts}
        assert {(a.name, a.role, a.email) for a in imported.accounts} == {
            ("Ana López", "moderator", "ana.lopez@sala.local"), ("Beto Pérez", "moderator", "beto.perez@sala.local"),
            ("Carmen Coordinadora", "coordinator", "carmen.coordinadora@sala.local")}
        assert sorted(m.name for m in ideathon.moderators) == ["Ana López", "Beto Pérez"]
        assert ideathon.created_by.name == "Carmen Coordinadora"
        ana = db.session.scalar(sa.select(User).where(User.email == "ana.lopez@sala.local"))
        assert check_password_hash(ana.password_hash, accounts["Ana López"].password)
        client = laptop.test_client()
        Auth(client).login("ana.lopez@sala.local", accounts["Ana López"].password)
        assert client.get(f"/ideatones/{ideathon.id}/hoja-de-sala").status_code == 200


def test_a_second_kit_reuses_the_accounts_of_the_first(app, planned, make_ideathon, laptop):
    second = make_ideathon("0301", title="Segunda", actor=planned.created_by)
    assign_moderators(second, [planned.moderators[0]], actor=planned.created_by)
    first_kit, second_kit = kit_of(planned), kit_of(second)
    with laptop.app_context():
        import_kit(first_kit)
        users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        again = import_kit(second_kit)
        assert [(a.email, a.password) for a in again.accounts] == [
            ("ana.lopez@sala.local", None), ("carmen.coordinadora@sala.local", None)]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users


def test_the_same_name_twice_gets_two_accounts(app, planned, laptop):
    kit = edited(kit_of(planned), lambda d: d["staff"].append({"name": "Ana López", "role": "moderator"}))
    with laptop.app_context():
        emails = [a.email for a in import_kit(kit).accounts]
    assert emails[0] == "ana.lopez@sala.local" and "ana.lopez.2@sala.local" in emails


def test_importing_the_same_kit_again_changes_nothing_and_says_so(app, planned, laptop):
    kit = kit_of(planned)
    with laptop.app_context():
        ideathon = import_kit(kit).ideathon
        ideathon.title = "Cambiada en la sala"
        db.session.commit()
        before = counts()
        with pytest.raises(KitAlreadyImported, match="ya está en esta computadora") as refused:
            import_kit(kit)
        assert refused.value.status == 409
        assert counts() == before
        assert db.session.get(Ideathon, ideathon.id).title == "Cambiada en la sala"


def _too_deep(d):
    d["ideathon"]["description"] = "x" * 10_001


BAD_KITS = {
    "not JSON": (lambda kit: b"\x89PNG\r\n\x1a\n not a kit", "no es JSON"),
    "JSON, not a kit": (lambda kit: b'{"format": "something-else", "format_version": 1}', "no es un kit"),
    "a JSON list": (lambda kit: b"[1, 2, 3]", "no es un kit"),
    "unknown version": (lambda kit: edited(kit, lambda d: d.update(format_version=2)), "versión de formato"),
    "version as text": (lambda kit: edited(kit, lambda d: d.update(format_version="1")), "versión de formato"),
    "version as a fraction": (lambda kit: edited(kit, lambda d: d.update(format_version=1.0)), "versión de formato"),
    "version as true": (lambda kit: edited(kit, lambda d: d.update(format_version=True)), "versión de formato"),
    "no version": (lambda kit: edited(kit, lambda d: d.pop("format_version")), "versión de formato"),
    "too large": (lambda kit: kit + b" " * MAX_KIT_BYTES, "demasiado grande"),
    "not UTF-8": (lambda kit: kit.replace("López".encode(), "López".encode("latin-1")), "no es JSON"),
    "no public id": (lambda kit: edited(kit, lambda d: d["ideathon"].pop("public_id")), "ideathon.public_id"),
    "public id not a UUID": (lambda kit: edited(kit, lambda d: d["ideathon"].update(public_id="1234")),
                             "ideathon.public_id"),
    "a NUL in the title": (lambda kit: edited(kit, lambda d: d["ideathon"].update(title="A\x00B")), "ideathon.title"),
    "a title too long": (lambda kit: edited(kit, lambda d: d["ideathon"].update(title="x" * 161)), "ideathon.title"),
    "a description too long": (lambda kit: edited(kit, _too_deep), "ideathon.description"),
    "no themes": (lambda kit: edited(kit, lambda d: d["ideathon"].update(themes=[])), "ideathon.themes"),
    "an unknown icon": (lambda kit: edited(kit, lambda d: d["ideathon"]["themes"][0].update(icon="rocket")),
                        "ideathon.themes[0]"),
    "a theme twice": (lambda kit: edited(kit, lambda d: d["ideathon"]["themes"][1].update(name="agua")),
                      "ideathon.themes[1]"),
    "a theme's name in an unknown language": (
        lambda kit: edited(kit, lambda d: d["ideathon"]["themes"][0].update(names={"xx": "Water"})),
        "ideathon.themes[0].names"),
    "a theme's name in English too long": (
        lambda kit: edited(kit, lambda d: d["ideathon"]["themes"][0].update(names={"en": "W" * 61})),
        "ideathon.themes[0].names"),
    "a theme's names as a list": (
        lambda kit: edited(kit, lambda d: d["ideathon"]["themes"][0].update(names=["Water"])),
        "ideathon.themes[0].names"),
    "11 dots": (lambda kit: edited(kit, lambda d: d["ideathon"]["settings"].update(dot_budget=11)), "dot_budget"),
    "more per idea than in all": (lambda kit: edited(kit, lambda d: d["ideathon"]["settings"].update(max_dots_per_idea=6)),
                                  "max_dots_per_idea"),
    "a setting as text": (lambda kit: edited(kit, lambda d: d["ideathon"]["settings"].update(cards_only="no")),
                          "cards_only"),
    "a date without its zone": (lambda kit: edited(kit, lambda d: d["ideathon"].update(starts_at="2026-01-10T15:00:00")),
                                "ideathon.starts_at"),
    "an admin in the staff": (lambda kit: edited(kit, lambda d: d["staff"].append({"name": "X", "role": "admin"})),
                              "staff[3].role"),
    "a staff list too long": (lambda kit: edited(kit, lambda d: d.update(staff=[{"name": f"P{n}", "role": "moderator"}
                                                                               for n in range(51)])), "staff"),
    "a municipality code of letters": (lambda kit: edited(kit, lambda d: d["ideathon"]["municipality"].update(code="ABCD")),
                                       "ideathon.municipality.code"),
}


@pytest.mark.parametrize("case", list(BAD_KITS))
def test_a_bad_kit_is_refused_with_its_reason_and_nothing_is_written(app, planned, laptop, case):
    make, reason = BAD_KITS[case]
    data = make(kit_of(planned))
    with laptop.app_context():
        before = counts()
        with pytest.raises(KitError, match=reason.replace("[", r"\[").replace("]", r"\]")):
            import_kit(data)
        assert counts() == before


def test_a_municipality_the_laptop_does_not_know_is_refused(app, planned, laptop):
    data = edited(kit_of(planned), lambda d: d["ideathon"]["municipality"].update(code="9999"))
    with laptop.app_context():
        before = counts()
        with pytest.raises(KitError, match="no conoce el municipio con código INE 9999"):
            import_kit(data)
        assert counts() == before


def test_on_the_laptop_only_an_admin_imports_from_the_page(app, planned, laptop):
    kit = kit_of(planned)
    with laptop.app_context():
        from ideaboard.accounts.services import create_user

        admin = create_user(email="admin@sala.local", name="Admin", role=Role.ADMIN, password="contraseña-de-prueba")
        moderator = create_user(email="m@sala.local", name="M", role=Role.MODERATOR, password="contraseña-de-prueba")
        with pytest.raises(KitError) as refused:
            import_kit(kit, actor=moderator)
        assert refused.value.status == 403 and counts()["ideathons"] == 0

        client = laptop.test_client()
        auth = Auth(client)
        auth.login(admin)
        token = auth.csrf_token("/sala-sin-conexion/importar")
        import io

        bad = client.post("/sala-sin-conexion/importar", data={"csrf_token": token, "kit_file": (io.BytesIO(b"hola"), "k.json")})
        assert bad.status_code == 422 and "no es JSON" in bad.get_data(as_text=True)
        empty = client.post("/sala-sin-conexion/importar", data={"csrf_token": token})
        assert empty.status_code == 422 and "Elija el archivo" in empty.get_data(as_text=True)
        assert counts()["ideathons"] == 0
        good = client.post("/sala-sin-conexion/importar", data={"csrf_token": token, "kit_file": (io.BytesIO(kit), "k.json")})
        page = good.get_data(as_text=True)
        assert good.status_code == 200 and "ana.lopez@sala.local" in page and "Ideatón de Antigua" in page
        again = client.post("/sala-sin-conexion/importar", data={"csrf_token": token, "kit_file": (io.BytesIO(kit), "k.json")},
                            follow_redirects=True)
        assert "ya está en esta computadora" in again.get_data(as_text=True) and counts()["ideathons"] == 1
        auth.logout()
        auth.login(moderator)
        assert client.get("/sala-sin-conexion/importar").status_code == 403


def test_the_command_imports_prints_the_passwords_and_says_when_there_is_nothing_to_do(app, planned, laptop, tmp_path):
    path = tmp_path / "kit.json"
    path.write_bytes(kit_of(planned))
    with laptop.app_context():
        runner = laptop.test_cli_runner()
        result = runner.invoke(args=["hall", "import", str(path)])
        assert result.exit_code == 0, result.output
        assert f"public id {planned.public_id}" in result.output and "ana.lopez@sala.local" in result.output
        line = next(line for line in result.output.splitlines() if "ana.lopez@sala.local" in line)
        ana = db.session.scalar(sa.select(User).where(User.email == "ana.lopez@sala.local"))
        assert check_password_hash(ana.password_hash, line.split()[-1])
        again = runner.invoke(args=["hall", "import", str(path)])
        assert again.exit_code == 0 and "ya está en esta computadora" in again.output
        path.write_bytes(b"{}")
        bad = runner.invoke(args=["hall", "import", str(path)])
        assert bad.exit_code == 1 and "no es un kit" in bad.output
        assert counts()["ideathons"] == 1


def test_the_laptops_panel_offers_the_upload_to_an_admin(app, client, make_user):
    Auth(client).login(make_user(Role.ADMIN))
    assert "/sala-sin-conexion/importar" not in client.get("/panel").get_data(as_text=True)  # the central server
    app.config["ENV_NAME"] = "hall"
    assert "/sala-sin-conexion/importar" in client.get("/panel").get_data(as_text=True)
