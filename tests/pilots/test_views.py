"""The pilot pages through their real forms: proposing, each stage, the agreement's PDF, removing,
the baseline and its CSV import; and who may see what."""
import io
import re

import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.pilots import services
from ideaboard.pilots.models import BaselineValue, Indicator, PilotMunicipality, PilotStage
from ideaboard.uploads.models import Upload
from tests.pilots.conftest import JPEG, PDF, days_ago


def text(response) -> str:
    return response.get_data(as_text=True)


def flashed(client, response) -> str:
    assert response.status_code == 302, text(response)[:600]
    return text(client.get(response.headers["Location"]))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- Proposing and the list ---------------------------------------------------------------------

def test_propose_through_the_form_and_see_the_stages_at_a_glance(app, client, auth, programme, coordinator,
                                                                 make_pilot):
    auth.login(coordinator)
    page = text(client.get(f"/programas/{programme.id}/municipios"))
    assert "Todavía no hay municipios en este programa." in page and 'list="municipality-options"' in page
    assert "Jalapa, Jalapa (2101)" in page  # the datalist
    response = auth.post(f"/programas/{programme.id}/municipios",
                         {"municipality": "Jalapa, Jalapa (2101)", "proposal_note": "Agua muy mala"})
    page = flashed(client, response)
    assert "Jalapa propuesto." in page and "Propuesto" in page and "Siguiente paso: seleccionarlo" in page
    make_pilot("0108", stage="agreed")
    page = text(client.get(f"/programas/{programme.id}/municipios"))
    assert f"Convenio firmado el {days_ago(5):%d/%m/%Y}" in page
    assert re.search(r"<strong>1</strong>\s*Convenio firmado", page)
    assert re.search(r"<strong>0</strong>\s*Invitado", page)
    assert page.index("Jalapa") < page.index("Mixco")  # proposed before agreed


@pytest.mark.parametrize("typed, message", [
    ("", "Elija un municipio de la lista."),
    ("Ciudad Inventada", "Elija un municipio de la lista."),
    ("Mixco, Guatemala (0108)", "Mixco, Guatemala (0108) ya está en este programa."),
])
def test_a_bad_proposal_is_shown_again_with_its_message(app, client, auth, programme, coordinator, make_pilot,
                                                        typed, message):
    make_pilot("0108")
    auth.login(coordinator)
    response = auth.post(f"/programas/{programme.id}/municipios", {"municipality": typed, "proposal_note": "Nota"})
    page = text(response)
    assert response.status_code == 422 and message in page and "Revise los campos marcados." in page
    assert "Nota</textarea>" in page  # what was typed stays
    assert count(PilotMunicipality) == 1


# --- The record and its stages ------------------------------------------------------------------

def test_each_stage_through_the_record_page(app, client, auth, programme, coordinator, make_pilot, upload_folder):
    pilot = make_pilot("2101")
    auth.login(coordinator)
    page = text(client.get(f"/pilotos/{pilot.id}"))
    assert "Buena gestión del agua" in page and 'action="/pilotos/%d/seleccionar"' % pilot.id in page
    assert "/invitacion" not in page and "/convenio" not in page  # the steps come in order

    bad = auth.post(f"/pilotos/{pilot.id}/seleccionar", {"selection_reason": " "})
    assert bad.status_code == 422 and "Escriba por qué se selecciona este municipio." in text(bad)
    assert "Municipio seleccionado." in flashed(client, auth.post(f"/pilotos/{pilot.id}/seleccionar",
                                                                  {"selection_reason": "Alcalde comprometido"}))

    future = days_ago(-1).isoformat()
    bad = auth.post(f"/pilotos/{pilot.id}/invitacion", {"invited_on": future, "invitation_note": "Oficio 9"})
    assert bad.status_code == 422 and "La fecha de la invitación no puede ser futura." in text(bad)
    assert "Oficio 9</textarea>" in text(bad)
    bad = auth.post(f"/pilotos/{pilot.id}/invitacion", {"invited_on": "31/31/2026"})
    assert bad.status_code == 422 and "La fecha de la invitación es obligatoria." in text(bad)
    page = flashed(client, auth.post(f"/pilotos/{pilot.id}/invitacion",
                                     {"invited_on": days_ago(6).isoformat(), "invitation_note": "Oficio 9"}))
    assert "Invitación registrada." in page and "Registrar el convenio firmado" in page

    response = auth.post(f"/pilotos/{pilot.id}/convenio", {
        "signed_on": days_ago(2).isoformat(), "signatories": "Ana López, alcaldesa\nLuis Pérez, INFOM",
        "agreement_file": (io.BytesIO(PDF), "Convenio Jalapa.pdf", "application/pdf")})
    page = flashed(client, response)
    assert "Convenio registrado." in page and "Ana López, alcaldesa" in page and "Luis Pérez, INFOM" in page
    assert f'href="/pilotos/{pilot.id}/convenio.pdf"' in page and "Corregir o reemplazar el convenio" in page
    assert "Quitar del programa" not in page
    db.session.refresh(pilot)
    assert pilot.stage is PilotStage.AGREED and pilot.signed_on == days_ago(2)
    pdf = client.get(f"/pilotos/{pilot.id}/convenio.pdf")
    assert pdf.status_code == 200 and pdf.data == PDF and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert "Convenio" in pdf.headers["Content-Disposition"]


@pytest.mark.parametrize("data, filename, content_type, message", [
    (JPEG, "convenio.jpg", "image/jpeg", "Ese archivo no es un PDF."),
    (b"Firmado por el alcalde", "convenio.pdf", "application/pdf", "Ese archivo no es un PDF."),
    (b"", "convenio.pdf", "application/pdf", "El archivo está vacío."),
])
def test_an_agreement_that_is_no_pdf_is_refused_on_the_page(app, client, auth, coordinator, make_pilot, upload_folder,
                                                            data, filename, content_type, message):
    pilot = make_pilot("2101", stage="invited")
    auth.login(coordinator)
    response = auth.post(f"/pilotos/{pilot.id}/convenio", {
        "signed_on": days_ago(2).isoformat(), "signatories": "Ana López, alcaldesa",
        "agreement_file": (io.BytesIO(data), filename, content_type)})
    page = text(response)
    assert response.status_code == 422 and message in page
    assert "Ana López, alcaldesa</textarea>" in page
    assert count(Upload) == 0 and not list(upload_folder.glob("*"))
    db.session.refresh(pilot)
    assert pilot.stage is PilotStage.INVITED


def test_the_agreement_needs_its_pdf_and_its_order(app, client, auth, coordinator, make_pilot):
    selected = make_pilot("1601", stage="selected")
    invited = make_pilot("2101", stage="invited")
    auth.login(coordinator)
    response = auth.post(f"/pilotos/{selected.id}/convenio", {"signed_on": days_ago(1).isoformat(),
                                                              "signatories": "Ana"})
    assert response.status_code == 409 and "Primero registre la invitación; después el convenio." in text(response)
    response = auth.post(f"/pilotos/{invited.id}/convenio", {"signed_on": days_ago(1).isoformat(), "signatories": ""})
    page = text(response)
    assert response.status_code == 422 and "Suba el convenio firmado, en PDF." in page
    assert "Escriba al menos un firmante: nombre y cargo, uno por línea." in page


def test_an_upload_over_the_limit_is_refused(app, client, auth, coordinator, make_pilot):
    app.config["UPLOAD_MAX_BYTES"] = 64 * 1024
    pilot = make_pilot("2101", stage="invited")
    auth.login(coordinator)
    big = io.BytesIO(PDF[:-7] + b" " * (2 * 1024 * 1024) + b"\n%%EOF\n")
    response = auth.post(f"/pilotos/{pilot.id}/convenio", {
        "signed_on": days_ago(1).isoformat(), "signatories": "Ana", "agreement_file": (big, "c.pdf")})
    assert response.status_code == 413 and "Envío demasiado grande" in text(response)
    assert count(Upload) == 0


# --- Removing -----------------------------------------------------------------------------------

def test_removing_asks_first(app, client, auth, programme, coordinator, make_pilot):
    pilot = make_pilot("2101")
    water = services.add_indicator(programme, "Agua", "%", "", actor=coordinator)
    services.set_value(water, pilot.municipality, "60", "", None, actor=coordinator)
    auth.login(coordinator)
    page = text(client.get(f"/pilotos/{pilot.id}/quitar"))
    assert "¿Quitar Jalapa del programa?" in page and "También se borra 1 valor de su línea base." in page
    unconfirmed = auth.post(f"/pilotos/{pilot.id}/quitar")
    assert unconfirmed.status_code == 422 and "Marque la casilla para confirmar." in text(unconfirmed)
    assert count(PilotMunicipality) == 1
    page = flashed(client, auth.post(f"/pilotos/{pilot.id}/quitar", {"confirm": "1"}))
    assert "Jalapa ya no está en el programa." in page
    assert count(PilotMunicipality) == 0 and count(BaselineValue) == 0


def test_an_agreed_municipality_is_not_removed(app, client, auth, coordinator, make_pilot):
    pilot = make_pilot("2101", stage="agreed")
    auth.login(coordinator)
    page = text(client.get(f"/pilotos/{pilot.id}/quitar"))
    assert "Jalapa ya firmó el convenio: no se puede quitar del programa." in page and 'name="confirm"' not in page
    response = auth.post(f"/pilotos/{pilot.id}/quitar", {"confirm": "1"})
    assert response.status_code == 409 and "Jalapa ya firmó el convenio" in text(response)
    assert count(PilotMunicipality) == 1


# --- Who sees what ------------------------------------------------------------------------------

def test_an_official_reads_their_own_record_only(app, client, auth, make_user, make_pilot, coordinator):
    pilot = make_pilot("2101", stage="agreed")
    other = make_pilot("0108", stage="agreed")
    water = services.add_indicator(pilot.programme, "Agua", "%", "", actor=coordinator)
    services.set_value(water, pilot.municipality, "78.5", "INE", None, actor=coordinator)
    auth.login(make_user(Role.OFFICIAL, municipality="2101"))
    page = text(client.get(f"/pilotos/{pilot.id}"))
    assert "Alcaldía comprometida con el programa" in page  # the selection's reason
    assert "Ana López, alcaldesa" in page and f"/pilotos/{pilot.id}/convenio.pdf" in page
    assert "Agua" in page and "78.5" in page
    # Read-only, and without the internal notes.
    assert "<form method=\"post\" action=\"/pilotos" not in page and "Quitar del programa" not in page
    assert "Buena gestión del agua" not in page and "Oficio 123-2026" not in page
    assert client.get(f"/pilotos/{other.id}").status_code == 403
    for path in (f"/pilotos/{pilot.id}/quitar", f"/programas/{pilot.programme_id}/municipios",
                 f"/programas/{pilot.programme_id}/linea-base"):
        assert client.get(path).status_code == 403, path
    assert auth.post(f"/pilotos/{pilot.id}/seleccionar", {"selection_reason": "x"}).status_code == 403


def test_moderators_and_visitors_do_not_see_records(app, client, auth, make_user, make_pilot):
    pilot = make_pilot("2101")
    response = client.get(f"/pilotos/{pilot.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/entrar")
    auth.login(make_user(Role.MODERATOR))
    assert client.get(f"/pilotos/{pilot.id}").status_code == 403
    assert client.get("/pilotos/999999").status_code == 403  # the role is checked first
    auth.logout()
    auth.login(make_user(Role.COORDINATOR))
    assert client.get("/pilotos/999999").status_code == 404


def test_the_agreement_pdf_is_public_once_published_and_signed(app, client, auth, make_user, make_pilot,
                                                               make_programme, coordinator):
    public = make_pilot("2101", stage="agreed")
    draft = make_programme(published=False, actor=coordinator)
    hidden = make_pilot("2101", stage="agreed", programme=draft)
    unsigned = make_pilot("0108", stage="invited")
    assert client.get(f"/pilotos/{public.id}/convenio.pdf").data == PDF  # anyone
    assert client.get(f"/pilotos/{hidden.id}/convenio.pdf").status_code == 404
    assert client.get(f"/pilotos/{unsigned.id}/convenio.pdf").status_code == 404  # no file
    assert client.get("/pilotos/999999/convenio.pdf").status_code == 404
    auth.login(make_user(Role.OFFICIAL, municipality="0108"))
    assert client.get(f"/pilotos/{hidden.id}/convenio.pdf").status_code == 404  # another municipality's
    auth.logout()
    auth.login(make_user(Role.OFFICIAL, municipality="2101"))
    assert client.get(f"/pilotos/{hidden.id}/convenio.pdf").data == PDF  # their own, before it is public
    auth.logout()
    auth.login(coordinator)
    response = client.get(f"/pilotos/{hidden.id}/convenio.pdf")
    assert response.data == PDF and "no-store" in response.headers["Cache-Control"]


def test_the_public_tracker_shows_agreements_without_internal_notes(app, client, make_pilot):
    pilot = make_pilot("2101", stage="agreed")
    page = text(client.get(f"/programas/{pilot.programme_id}"))
    assert "Jalapa" in page and "Ana López, alcaldesa" in page and f"/pilotos/{pilot.id}/convenio.pdf" in page
    assert "Buena gestión del agua" not in page and "Oficio 123-2026" not in page


# --- The baseline -------------------------------------------------------------------------------

def test_indicators_and_values_through_the_forms(app, client, auth, programme, coordinator, make_pilot):
    pilot = make_pilot("2101")
    auth.login(coordinator)
    page = text(client.get(f"/programas/{programme.id}/linea-base"))
    assert "Todavía no hay indicadores." in page and "Descargar la plantilla CSV" in page
    page = flashed(client, auth.post(f"/programas/{programme.id}/linea-base/indicadores",
                                     {"name": "Cobertura de agua", "unit": "%", "description": "Hogares"}))
    assert "Indicador agregado: Cobertura de agua." in page and "<table" in page
    bad = auth.post(f"/programas/{programme.id}/linea-base/indicadores", {"name": "cobertura de agua", "unit": ""})
    assert bad.status_code == 422 and "Ya hay un indicador «cobertura de agua» en este programa." in text(bad)
    assert count(Indicator) == 1
    indicator = db.session.scalars(sa.select(Indicator)).one()

    bad = auth.post(f"/pilotos/{pilot.id}/linea-base", {"indicator_id": str(indicator.id), "value": "abc",
                                                        "source": "INE"})
    assert bad.status_code == 422 and "«abc» no es un número." in text(bad) and 'value="INE"' in text(bad)
    bad = auth.post(f"/pilotos/{pilot.id}/linea-base", {"indicator_id": "99999", "value": "1"})
    assert bad.status_code == 422 and "Elija un indicador de la lista." in text(bad)
    bad = auth.post(f"/pilotos/{pilot.id}/linea-base", {"indicator_id": str(indicator.id), "value": "1",
                                                        "measured_on": "ayer"})
    assert bad.status_code == 422 and "Escriba la fecha como dd/mm/aaaa." in text(bad)
    assert count(BaselineValue) == 0
    page = flashed(client, auth.post(f"/pilotos/{pilot.id}/linea-base", {
        "indicator_id": str(indicator.id), "value": "78,5", "source": "INE", "measured_on": days_ago(40).isoformat()}))
    assert "Valor guardado: Cobertura de agua." in page and "78.5" in page and "INE" in page
    assert db.session.scalars(sa.select(BaselineValue.value)).one() == 78.5
    table = text(client.get(f"/programas/{programme.id}/linea-base"))
    assert "78,5" in table and "1 valor registrado." in table


def csv_upload(content: bytes, name="linea-base.csv"):
    return (io.BytesIO(content), name, "text/csv")


def test_import_a_csv_file_through_the_page(app, client, auth, programme, coordinator, make_pilot):
    make_pilot("2101")
    make_pilot("1601")
    auth.login(coordinator)
    content = "\ufeffmunicipio;indicador;valor;fuente\n2101;Agua;78,5;INE\n\"Cobán, Alta Verapaz\";Agua;61;\n"
    page = flashed(client, auth.post(f"/programas/{programme.id}/linea-base/importar",
                                     {"csv_file": csv_upload(content.encode())}))
    assert "Importación lista: 2 valores nuevos, 0 reemplazados." in page and "Indicadores nuevos: Agua." in page
    assert count(BaselineValue) == 2
    # Rows pasted instead of a file.
    page = flashed(client, auth.post(f"/programas/{programme.id}/linea-base/importar",
                                     {"csv_text": "municipio\tindicador\tvalor\n2101\tAgua\t80\n"}))
    assert "Importación lista: 0 valores nuevos, 1 reemplazados." in page


def test_a_bad_csv_lists_every_bad_row_and_saves_nothing(app, client, auth, programme, coordinator, make_pilot):
    make_pilot("2101")
    auth.login(coordinator)
    content = ("municipio,indicador,valor\n2101,Agua,1\n9999,Agua,2\n2101,Basura,abc\n0301,Agua,3\n").encode()
    response = auth.post(f"/programas/{programme.id}/linea-base/importar", {"csv_file": csv_upload(content)})
    page = text(response)
    assert response.status_code == 422
    assert "No se guardó nada: corrija el archivo y vuelva a subirlo." in page
    for line in ("Fila 3: el municipio «9999» no existe.", "Fila 4: «abc» no es un número.",
                 "Fila 5: Antigua Guatemala no es municipio piloto de este programa."):
        assert line in page
    assert count(BaselineValue) == 0 and count(Indicator) == 0


@pytest.mark.parametrize("data, message", [
    ({}, "Elija un archivo CSV o pegue las filas."),
    ({"csv_file": csv_upload("municipio,indicador,valor\nCobán,Agua,1\n".encode("latin-1"))},
     "El archivo no está en UTF-8"),
    ({"csv_file": csv_upload(b"municipio,indicador,valor\n" + b"2101,Agua,1\n" * 100_000)},
     "El archivo pesa 1.1 MB; el máximo es 1 MB."),
    ({"csv_text": "municipio,valor\n2101,1\n"}, "Falta la columna «indicador»"),
])
def test_bad_files_are_told_why(app, client, auth, programme, coordinator, make_pilot, data, message):
    make_pilot("2101")
    auth.login(coordinator)
    response = auth.post(f"/programas/{programme.id}/linea-base/importar", data)
    assert response.status_code == 422 and message in text(response)
    assert count(BaselineValue) == 0


def test_the_csv_template_downloads(app, client, auth, programme, coordinator, make_pilot):
    make_pilot("2101")
    services.add_indicator(programme, "Agua", "%", "", actor=coordinator)
    auth.login(coordinator)
    response = client.get(f"/programas/{programme.id}/linea-base/plantilla.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="linea-base-{programme.id}.csv"'
    assert response.data.decode("utf-8") == (
        "\ufeffmunicipio,indicador,valor,fuente,fecha\r\n\"Jalapa, Jalapa (2101)\",Agua,,,\r\n")


def test_a_draft_programme_pages_are_for_planners(app, client, auth, make_programme, coordinator, make_user):
    draft = make_programme(published=False, actor=coordinator)
    auth.login(coordinator)
    page = text(client.get(f"/programas/{draft.id}/municipios"))
    assert "Borrador" in page
    assert client.get("/programas/999999/municipios").status_code == 404
    assert client.get("/programas/999999/linea-base").status_code == 404
