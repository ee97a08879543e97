import re

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.ideathons.models import Ideathon


def form_data(**changes):
    data = {
        "municipality": "Cobán, Alta Verapaz (1601)",
        "title": "Ideatón de Cobán",
        "starts_at": "2030-05-02T09:00",
        "venue": "Salón municipal",
        "description": "Servicios municipales",
        "themes-0-theme_id": "", "themes-0-name": "Agua", "themes-0-icon": "water",
        "themes-1-theme_id": "", "themes-1-name": "Basura", "themes-1-icon": "waste",
        "themes-2-theme_id": "", "themes-2-name": "Calles", "themes-2-icon": "road",
        "op": "save",
    }
    data.update(changes)
    return data


def theme_names(html):
    return re.findall(r'name="themes-\d+-name" type="text" value="([^"]*)"', html)


def ideathon_count():
    return db.session.scalar(db.select(db.func.count(Ideathon.id)))


def test_new_form_is_prefilled_with_the_default_themes(client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    html = client.get("/ideatones/nueva").get_data(as_text=True)
    names = theme_names(html)
    assert names[0] == "Agua y saneamiento" and names[-1] == "Otro" and len(names) == 11
    assert 'list="municipality-options"' in html and html.count("<option value=") >= 340


def test_create_an_ideathon(client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    response = auth.post("/ideatones/nueva", form_data())
    assert response.status_code == 302
    ideathon = db.session.scalar(db.select(Ideathon))
    assert ideathon.municipality.code == "1601"
    assert [t.name for t in ideathon.themes] == ["Agua", "Basura", "Calles"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ideatón creada." in page and "Ideatón de Cobán" in page


def test_theme_editor_steps_store_nothing(client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    steps = [
        ("up:2", ["Agua", "Calles", "Basura"]),
        ("down:0", ["Basura", "Agua", "Calles"]),
        ("remove:1", ["Agua", "Calles"]),
        ("add", ["Agua", "Basura", "Calles", ""]),
        ("up:0", ["Agua", "Basura", "Calles"]),  # the first cannot go up: nothing moves
    ]
    for op, expected in steps:
        page = auth.post("/ideatones/nueva", form_data(op=op))
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert theme_names(html) == expected, op
        assert "<html" in html  # without htmx: the whole page comes back
    assert ideathon_count() == 0


def test_theme_editor_answers_htmx_with_the_fragment_only(client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    response = auth.post("/ideatones/nueva", form_data(op="up:1"), headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<fieldset id="theme-editor"') or 'id="theme-editor"' in html.split("\n", 3)[-1]
    assert "<html" not in html
    assert theme_names(html) == ["Basura", "Agua", "Calles"]
    assert "HX-Request" in response.headers.get("Vary", "")


def test_bad_input_comes_back_in_spanish_and_stores_nothing(client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    cases = [
        ({"municipality": "Atlantis"}, "Elija un municipio de la lista"),
        ({"municipality": ""}, "Elija el municipio."),
        ({"title": ""}, "Escriba un título."),
        ({"starts_at": "mañana"}, "Escriba una fecha y una hora válidas."),
        ({"themes-1-name": "agua"}, "El tema «agua» está repetido."),
        ({"themes-0-name": "", "themes-1-name": "", "themes-2-name": ""}, "al menos un tema"),
        ({"themes-0-icon": "unicorn"}, "Opción inválida"),
    ]
    for change, message in cases:
        response = auth.post("/ideatones/nueva", form_data(**change))
        html = response.get_data(as_text=True)
        assert response.status_code == 422, change
        assert message in html, change
    assert ideathon_count() == 0


def test_edit_reorders_and_renames(client, auth, make_user, make_ideathon):
    coordinator = make_user(Role.COORDINATOR)
    ideathon = make_ideathon("0108", actor=coordinator, themes=[("Agua", "water"), ("Basura", "waste")])
    agua, basura = ideathon.themes
    auth.login(coordinator)
    html = client.get(f"/ideatones/{ideathon.id}/editar").get_data(as_text=True)
    assert theme_names(html) == ["Agua", "Basura"]
    assert 'value="Mixco, Guatemala (0108)"' in html
    response = auth.post(f"/ideatones/{ideathon.id}/editar", form_data(**{
        "municipality": "Mixco, Guatemala (0108)",
        "themes-0-theme_id": str(basura.id), "themes-0-name": "Desechos", "themes-0-icon": "waste",
        "themes-1-theme_id": str(agua.id), "themes-1-name": "Agua", "themes-1-icon": "water",
        "themes-2-name": "",
    }))
    assert response.status_code == 302
    db.session.expire_all()
    assert [(t.id, t.name) for t in db.session.get(Ideathon, ideathon.id).themes] == [(basura.id, "Desechos"), (agua.id, "Agua")]


def test_cancel_asks_for_a_reason_then_marks_it_cancelled(client, auth, make_user, make_ideathon):
    coordinator = make_user(Role.COORDINATOR)
    ideathon = make_ideathon(actor=coordinator)
    auth.login(coordinator)
    page = client.get(f"/ideatones/{ideathon.id}/cancelar").get_data(as_text=True)
    assert "no se puede deshacer" in page
    empty = auth.post(f"/ideatones/{ideathon.id}/cancelar", {"reason": ""})
    assert empty.status_code == 422
    db.session.expire_all()
    assert not db.session.get(Ideathon, ideathon.id).is_cancelled
    done = auth.post(f"/ideatones/{ideathon.id}/cancelar", {"reason": "Tormenta tropical"})
    assert done.status_code == 302
    public = client.get(f"/ideatones/{ideathon.id}").get_data(as_text=True)
    assert "Esta ideatón fue cancelada." in public and "Tormenta tropical" in public
    assert client.get(f"/ideatones/{ideathon.id}/editar").status_code == 302


def test_assign_moderators(client, auth, make_user, make_ideathon):
    coordinator = make_user(Role.COORDINATOR)
    ana = make_user(Role.MODERATOR, name="Ana Moderadora")
    make_user(Role.MODERATOR, name="Beto Moderador")
    ideathon = make_ideathon(actor=coordinator)
    auth.login(coordinator)
    page = client.get(f"/ideatones/{ideathon.id}/moderadores").get_data(as_text=True)
    assert "Ana Moderadora" in page and "Beto Moderador" in page
    assert auth.post(f"/ideatones/{ideathon.id}/moderadores", {"moderators": [str(ana.id)]}).status_code == 302
    db.session.expire_all()
    assert [u.name for u in db.session.get(Ideathon, ideathon.id).moderators] == ["Ana Moderadora"]
    bogus = auth.post(f"/ideatones/{ideathon.id}/moderadores", {"moderators": ["999999"]})
    assert bogus.status_code == 422
    db.session.expire_all()
    assert [u.name for u in db.session.get(Ideathon, ideathon.id).moderators] == ["Ana Moderadora"]

    auth.logout()
    auth.login(ana)
    mine = client.get("/ideatones/").get_data(as_text=True)
    assert ideathon.title in mine


def test_public_page_hides_staff_tools_from_visitors(client, make_ideathon):
    ideathon = make_ideathon(themes=[("Agua", "water")])
    html = client.get(f"/ideatones/{ideathon.id}").get_data(as_text=True)
    assert ideathon.title in html and "Agua" in html
    assert "Para el personal" not in html and "/editar" not in html
    assert client.get("/ideatones/999999").status_code == 404
