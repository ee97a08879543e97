"""The pilot pages in a real browser on a phone (360x740): a coordinator proposes a municipality,
takes it through selection, invitation and the signed agreement (a photo refused, the PDF
accepted), builds the baseline and imports a CSV (bad rows listed, then a good file); the
municipality's official reads the record. Every page goes through axe, the touch-target and
overflow checks, and leaves a screenshot in test-artifacts/screenshots/."""
from datetime import date, timedelta

from playwright.sync_api import expect

from ideaboard.accounts.models import Role
from tests.pilots.conftest import JPEG, PDF, coordinator, make_pilot, programme  # noqa: F401 - its fixtures

from .conftest import check_page, log_in



def test_a_municipality_from_proposal_to_agreement_and_its_baseline(app, make_user, programme, coordinator,
                                                                    make_pilot, phone):
    page = phone
    make_pilot("1601")  # Cobán, only proposed: it can still be removed
    log_in(page, coordinator)
    page.goto(f"/programas/{programme.id}/municipios")
    expect(page.get_by_role("heading", level=1)).to_have_text(programme.name)
    check_page(page, "pilots-index-one")

    page.get_by_role("button", name="Proponer").click()
    expect(page.get_by_text("Elija un municipio de la lista.").first).to_be_visible()
    check_page(page, "pilots-propose-refused")
    page.get_by_label("Municipio", exact=True).fill("Jalapa, Jalapa (2101)")
    page.get_by_label("Por qué se propone").fill("Cobertura de agua baja; alcaldía interesada.")
    page.get_by_role("button", name="Proponer").click()
    expect(page.get_by_text("Jalapa propuesto.")).to_be_visible()
    check_page(page, "pilots-index")

    page.get_by_role("link", name="Jalapa, Jalapa").click()
    page.get_by_label("Motivo de la selección").fill("Compromiso del concejo municipal con el programa.")
    page.get_by_role("button", name="Seleccionar").click()
    expect(page.get_by_text("Municipio seleccionado.")).to_be_visible()
    page.get_by_label("Fecha de la invitación").fill((date.today() - timedelta(days=8)).isoformat())
    page.get_by_role("button", name="Guardar la invitación").click()
    expect(page.get_by_text("Invitación registrada.")).to_be_visible()
    check_page(page, "pilot-invited")

    signed = (date.today() - timedelta(days=2)).isoformat()
    page.get_by_label("Fecha de firma").fill(signed)
    page.get_by_label("Firmantes").fill("Ana López, alcaldesa municipal\nLuis Pérez, gerente del INFOM")
    page.get_by_label("Convenio firmado (PDF)").set_input_files(
        files=[{"name": "convenio.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    page.get_by_role("button", name="Guardar el convenio").click()
    expect(page.get_by_text("Ese archivo no es un PDF.")).to_be_visible()
    check_page(page, "pilot-agreement-refused")
    page.get_by_label("Convenio firmado (PDF)").set_input_files(
        files=[{"name": "convenio-jalapa.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Guardar el convenio").click()
    expect(page.get_by_text("Convenio registrado.")).to_be_visible()
    expect(page.get_by_text("Luis Pérez, gerente del INFOM", exact=True)).to_be_visible()
    check_page(page, "pilot-agreed")
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("link", name="Convenio (PDF").click()
    assert download.value.suggested_filename == "convenio-jalapa.pdf"

    page.goto(f"/programas/{programme.id}/linea-base")
    check_page(page, "baseline-empty")
    page.get_by_label("Nombre del indicador").fill("Cobertura de agua potable")
    page.get_by_label("Unidad (opcional)").fill("% de hogares")
    page.get_by_role("button", name="Agregar").click()
    expect(page.get_by_text("Indicador agregado: Cobertura de agua potable.")).to_be_visible()

    bad = ("municipio,indicador,valor,fuente,fecha\n2101,Cobertura de agua potable,78.5,Censo 2018,15/03/2018\n"
           "9999,Cobertura de agua potable,50,,\n0301,Días de recolección,abc,,\n")
    page.get_by_label("Archivo CSV").set_input_files(
        files=[{"name": "linea-base.csv", "mimeType": "text/csv", "buffer": bad.encode()}])
    page.get_by_role("button", name="Importar").click()
    expect(page.get_by_text("Fila 3: el municipio «9999» no existe.")).to_be_visible()
    expect(page.get_by_text("Fila 4: Antigua Guatemala no es municipio piloto de este programa; «abc» no es un "
                            "número.")).to_be_visible()
    check_page(page, "baseline-import-refused")
    good = ("municipio;indicador;valor;fuente\n2101;Cobertura de agua potable;78,5;Censo 2018\n"
            "\"Cobán, Alta Verapaz\";Días de recolección de basura por semana;2;Municipalidad\n")
    page.get_by_label("Archivo CSV").set_input_files(
        files=[{"name": "linea-base.csv", "mimeType": "text/csv", "buffer": good.encode()}])
    page.get_by_role("button", name="Importar").click()
    expect(page.get_by_text("Importación lista: 2 valores nuevos, 0 reemplazados.", exact=False)).to_be_visible()
    expect(page.locator("#valores").get_by_role("cell", name="78.5")).to_be_visible()
    check_page(page, "baseline")

    page.get_by_role("link", name="Cobán").click()
    expect(page.get_by_text("Sin dato")).to_be_visible()  # Cobán has no water coverage yet
    page.get_by_label("Indicador", exact=True).select_option(label="Cobertura de agua potable (% de hogares)")
    page.get_by_label("Valor", exact=True).fill("61,2")
    page.get_by_role("button", name="Guardar el valor").click()
    expect(page.get_by_text("Valor guardado: Cobertura de agua potable.")).to_be_visible()
    check_page(page, "pilot-proposed-with-baseline")
    page.get_by_role("link", name="Quitar del programa").click()
    expect(page.get_by_text("También se borran 2 valores de su línea base.")).to_be_visible()
    check_page(page, "pilot-remove")

    official = make_user(Role.OFFICIAL, municipality="2101")
    page.get_by_role("button", name="Salir").click()
    log_in(page, official)
    page.goto(f"/pilotos/{_pilot_id(programme, '2101')}")
    expect(page.get_by_text("Compromiso del concejo municipal con el programa.")).to_be_visible()
    expect(page.get_by_text("Cobertura de agua baja")).to_have_count(0)  # the internal note
    expect(page.get_by_role("button", name="Guardar el convenio")).to_have_count(0)
    check_page(page, "pilot-official")


def _pilot_id(programme, code: str) -> int:
    from ideaboard.municipalities.services import get_by_code
    from ideaboard.pilots.services import pilot_of

    return pilot_of(programme, get_by_code(code).id).id
