"""The rules of pilot municipalities: each stage, its dates, the agreement's PDF, removing one."""
import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.municipalities.services import get_by_code
from ideaboard.pilots import services
from ideaboard.pilots.models import BaselineValue, Indicator, PilotMunicipality, PilotStage
from ideaboard.programme.services import ProgrammeError
from ideaboard.uploads.models import Upload
from tests.pilots.conftest import JPEG, PDF, days_ago, pdf_file


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def files_in(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def refused(call, *, status=422) -> ProgrammeError:
    with pytest.raises(ProgrammeError) as raised:
        call()
    assert raised.value.status == status, (raised.value.status, str(raised.value), raised.value.errors)
    return raised.value


def field_error(error: ProgrammeError, name: str) -> str:
    return str(error.errors[name])


# --- Proposing ----------------------------------------------------------------------------------

def test_a_municipality_is_proposed_once_per_programme(app, programme, make_programme, coordinator):
    jalapa = get_by_code("2101")
    pilot = services.propose(programme, jalapa, "  Buena gestión  ", actor=coordinator)
    assert pilot.stage is PilotStage.PROPOSED and pilot.proposal_note == "Buena gestión"
    assert pilot.created_by_id == coordinator.id
    error = refused(lambda: services.propose(programme, jalapa, "", actor=coordinator))
    assert field_error(error, "municipality") == "Jalapa, Jalapa (2101) ya está en este programa."
    assert count(PilotMunicipality) == 1
    # Another programme may have it too.
    services.propose(make_programme(actor=coordinator), jalapa, "", actor=coordinator)
    assert count(PilotMunicipality) == 2


def test_proposing_needs_a_municipality_a_short_note_and_a_planner(app, programme, coordinator, make_user):
    error = refused(lambda: services.propose(programme, None, "", actor=coordinator))
    assert field_error(error, "municipality") == "Elija un municipio de la lista."
    error = refused(lambda: services.propose(programme, get_by_code("2101"), "x" * 2001, actor=coordinator))
    assert field_error(error, "proposal_note") == "La nota admite como máximo 2000 caracteres."
    for role in (Role.MODERATOR, Role.OFFICIAL):
        error = refused(lambda: services.propose(programme, get_by_code("2101"), "", actor=make_user(role)),
                        status=403)
        assert "Solo coordinación y administración" in str(error)
    assert count(PilotMunicipality) == 0
    admin = make_user(Role.ADMIN)
    assert services.propose(programme, get_by_code("2101"), "", actor=admin).stage is PilotStage.PROPOSED


# --- Selecting and inviting ---------------------------------------------------------------------

def test_selecting_needs_a_reason_and_a_second_time_corrects_it(app, make_pilot, coordinator):
    pilot = make_pilot()
    error = refused(lambda: services.select(pilot, "   ", actor=coordinator))
    assert field_error(error, "selection_reason") == "Escriba por qué se selecciona este municipio."
    db.session.refresh(pilot)
    assert pilot.selected_at is None and pilot.stage is PilotStage.PROPOSED
    services.select(pilot, "Compromiso del alcalde", actor=coordinator)
    first = pilot.selected_at
    assert pilot.stage is PilotStage.SELECTED and first is not None
    services.select(pilot, "Compromiso del concejo", actor=coordinator)
    assert pilot.selected_at == first and pilot.selection_reason == "Compromiso del concejo"


def test_the_invitation_comes_after_selection_within_the_period_and_not_in_the_future(app, make_pilot, coordinator):
    pilot = make_pilot()
    error = refused(lambda: services.record_invitation(pilot, days_ago(3), "", actor=coordinator), status=409)
    assert str(error) == "Primero seleccione el municipio; después registre la invitación."
    services.select(pilot, "Motivo", actor=coordinator)
    error = refused(lambda: services.record_invitation(pilot, None, "", actor=coordinator))
    assert field_error(error, "invited_on") == "La fecha de la invitación es obligatoria."
    error = refused(lambda: services.record_invitation(pilot, days_ago(121), "", actor=coordinator))
    assert field_error(error, "invited_on").startswith("La fecha de la invitación debe caer dentro del periodo")
    error = refused(lambda: services.record_invitation(pilot, days_ago(-1), "", actor=coordinator))
    assert field_error(error, "invited_on") == "La fecha de la invitación no puede ser futura."
    db.session.refresh(pilot)
    assert pilot.invited_on is None
    services.record_invitation(pilot, days_ago(0), "Oficio 45", actor=coordinator)
    assert pilot.stage is PilotStage.INVITED and pilot.invitation_note == "Oficio 45"


def test_a_corrected_invitation_may_not_fall_after_the_signature(app, make_pilot, coordinator):
    pilot = make_pilot(stage="agreed")  # invited 10 days ago, signed 5 days ago
    error = refused(lambda: services.record_invitation(pilot, days_ago(2), "", actor=coordinator))
    assert field_error(error, "invited_on") == (
        f"La invitación no puede ser posterior a la firma del convenio ({days_ago(5):%d/%m/%Y}).")
    services.record_invitation(pilot, days_ago(7), "", actor=coordinator)
    assert pilot.invited_on == days_ago(7) and pilot.stage is PilotStage.AGREED


# --- The agreement ------------------------------------------------------------------------------

def test_the_agreement_is_recorded_with_its_pdf(app, make_pilot, coordinator, upload_folder):
    pilot = make_pilot(stage="invited")
    services.record_agreement(pilot, days_ago(2), "  Ana  López, alcaldesa \n\n Luis Pérez, INFOM ", pdf_file(),
                              actor=coordinator)
    assert pilot.stage is PilotStage.AGREED and pilot.signed_on == days_ago(2)
    assert pilot.signatory_list == ["Ana López, alcaldesa", "Luis Pérez, INFOM"]
    upload = pilot.agreement
    assert upload.content_type == "application/pdf" and upload.original_name == "convenio firmado"
    assert upload.created_by_id == coordinator.id
    assert (upload_folder / upload.stored_name).read_bytes() == PDF
    assert "convenio" not in upload.stored_name  # names are the app's own


def test_the_agreement_comes_after_the_invitation(app, make_pilot, coordinator, upload_folder):
    pilot = make_pilot(stage="selected")
    error = refused(lambda: services.record_agreement(pilot, days_ago(1), "Ana", pdf_file(), actor=coordinator),
                    status=409)
    assert str(error) == "Primero registre la invitación; después el convenio."
    services.record_invitation(pilot, days_ago(10), "", actor=coordinator)
    error = refused(lambda: services.record_agreement(pilot, days_ago(11), "Ana", pdf_file(), actor=coordinator))
    assert field_error(error, "signed_on") == (
        f"El convenio no puede firmarse antes de la invitación ({days_ago(10):%d/%m/%Y}).")
    error = refused(lambda: services.record_agreement(pilot, days_ago(-1), "Ana", pdf_file(), actor=coordinator))
    assert field_error(error, "signed_on") == "La fecha de firma no puede ser futura."
    error = refused(lambda: services.record_agreement(pilot, None, "Ana", pdf_file(), actor=coordinator))
    assert field_error(error, "signed_on") == "La fecha de firma es obligatoria."
    assert count(Upload) == 0 and files_in(upload_folder) == []
    db.session.refresh(pilot)
    assert pilot.signed_on is None


def test_the_agreement_needs_a_signatory_and_the_pdf_the_first_time(app, make_pilot, coordinator, upload_folder):
    pilot = make_pilot(stage="invited")
    error = refused(lambda: services.record_agreement(pilot, days_ago(1), " \n \n", None, actor=coordinator))
    assert field_error(error, "signatories") == "Escriba al menos un firmante: nombre y cargo, uno por línea."
    assert field_error(error, "agreement_file") == "Suba el convenio firmado, en PDF."
    empty_name = pdf_file(filename="")  # a form posted with no file chosen
    error = refused(lambda: services.record_agreement(pilot, days_ago(1), "Ana", empty_name, actor=coordinator))
    assert field_error(error, "agreement_file") == "Suba el convenio firmado, en PDF."
    assert count(Upload) == 0 and files_in(upload_folder) == []


@pytest.mark.parametrize("data, filename, message", [
    (JPEG, "convenio.jpg", "Ese archivo no es un PDF."),
    (JPEG, "convenio.pdf", "Ese archivo no es un PDF."),  # the content decides, not the name
    (b"Convenio entre la municipalidad y ...", "convenio.txt", "Ese archivo no es un PDF."),
    (b"", "convenio.pdf", "El archivo está vacío."),
    (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "convenio.pdf", "El PDF está incompleto o dañado."),
])
def test_only_a_pdf_is_accepted_as_the_agreement(app, make_pilot, coordinator, upload_folder, data, filename, message):
    pilot = make_pilot(stage="invited")
    error = refused(lambda: services.record_agreement(pilot, days_ago(1), "Ana", pdf_file(data, filename),
                                                      actor=coordinator))
    assert field_error(error, "agreement_file").startswith(message)
    assert count(Upload) == 0 and files_in(upload_folder) == []
    db.session.refresh(pilot)
    assert pilot.stage is PilotStage.INVITED


def test_a_bad_date_and_a_bad_file_are_told_together(app, make_pilot, coordinator, upload_folder):
    pilot = make_pilot(stage="invited")
    error = refused(lambda: services.record_agreement(pilot, days_ago(-3), "Ana", pdf_file(JPEG), actor=coordinator))
    assert set(error.errors) == {"signed_on", "agreement_file"}
    assert count(Upload) == 0 and files_in(upload_folder) == []


def test_an_agreement_too_big_is_refused(app, make_pilot, coordinator, upload_folder):
    app.config["UPLOAD_MAX_BYTES"] = 1024 * 1024
    pilot = make_pilot(stage="invited")
    big = PDF[:-7] + b" " * (1024 * 1024) + b"\n%%EOF\n"
    error = refused(lambda: services.record_agreement(pilot, days_ago(1), "Ana", pdf_file(big), actor=coordinator),
                    status=413)
    assert field_error(error, "agreement_file") == "El archivo pesa más de 1 MB."
    assert count(Upload) == 0 and files_in(upload_folder) == []


def test_a_new_pdf_replaces_the_old_one_and_none_keeps_it(app, make_pilot, coordinator, upload_folder):
    pilot = make_pilot(stage="agreed")
    old = pilot.agreement
    old_id, old_name = old.id, old.stored_name
    assert files_in(upload_folder) == [old_name]
    # Correcting the date and signatories without a new file keeps the PDF.
    services.record_agreement(pilot, days_ago(4), "Ana López, alcaldesa", None, actor=coordinator)
    assert pilot.agreement_upload_id == old_id and pilot.signed_on == days_ago(4)
    assert pilot.signatory_list == ["Ana López, alcaldesa"]
    newer = PDF.replace(b"1 0 obj", b"2 0 obj")
    services.record_agreement(pilot, days_ago(4), "Ana López, alcaldesa", pdf_file(newer, "v2.pdf"),
                              actor=coordinator)
    assert pilot.agreement_upload_id != old_id and pilot.agreement.original_name == "v2"
    assert db.session.get(Upload, old_id) is None and count(Upload) == 1
    assert files_in(upload_folder) == [pilot.agreement.stored_name]
    assert (upload_folder / pilot.agreement.stored_name).read_bytes() == newer


def test_a_failed_replacement_keeps_the_old_pdf(app, make_pilot, coordinator, upload_folder):
    pilot = make_pilot(stage="agreed")
    old_id, old_name = pilot.agreement_upload_id, pilot.agreement.stored_name
    refused(lambda: services.record_agreement(pilot, days_ago(-1), "Ana", pdf_file(), actor=coordinator))
    refused(lambda: services.record_agreement(pilot, days_ago(4), "Ana", pdf_file(JPEG), actor=coordinator))
    db.session.refresh(pilot)
    assert pilot.agreement_upload_id == old_id and files_in(upload_folder) == [old_name]
    assert pilot.signed_on == days_ago(5)


def test_a_failure_inside_the_transaction_removes_the_new_file(app, make_pilot, coordinator, upload_folder,
                                                               monkeypatch):
    pilot = make_pilot(stage="invited")
    real, calls = services._agreement_errors, []

    def fails_the_second_time(*args, **kwargs):  # the check repeated inside the transaction, after the file
        calls.append(1)                          # was written
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_agreement_errors", fails_the_second_time)
    with pytest.raises(RuntimeError):
        services.record_agreement(pilot, days_ago(1), "Ana", pdf_file(), actor=coordinator)
    assert len(calls) == 2 and count(Upload) == 0 and files_in(upload_folder) == []


# --- Removing, lists and counts -----------------------------------------------------------------

def test_removing_takes_the_baseline_values_along_but_not_after_the_agreement(app, make_pilot, programme,
                                                                               coordinator, upload_folder):
    cobán = make_pilot("1601", stage="invited")
    jalapa = make_pilot("2101", stage="agreed")
    water = services.add_indicator(programme, "Cobertura de agua", "%", "", actor=coordinator)
    services.set_value(water, cobán.municipality, "61", "", None, actor=coordinator)
    services.set_value(water, jalapa.municipality, "70", "", None, actor=coordinator)
    assert services.baseline_count(cobán) == 1
    error = refused(lambda: services.remove(jalapa, actor=coordinator), status=409)
    assert str(error) == "Jalapa ya firmó el convenio: no se puede quitar del programa."
    assert count(PilotMunicipality) == 2 and count(BaselineValue) == 2 and count(Upload) == 1
    services.remove(cobán, actor=coordinator)
    assert [p.municipality.code for p in services.pilots_of(programme)] == ["2101"]
    assert [v.municipality_id for v in db.session.scalars(sa.select(BaselineValue))] == [jalapa.municipality_id]
    assert count(Indicator) == 1  # indicators belong to the programme


def test_removing_needs_a_planner(app, make_pilot, make_user):
    pilot = make_pilot()
    refused(lambda: services.remove(pilot, actor=make_user(Role.OFFICIAL, municipality="2101")), status=403)
    assert count(PilotMunicipality) == 1


def test_pilots_by_stage_then_name_and_the_counts(app, make_pilot, programme):
    make_pilot("0108", stage="agreed")  # Mixco
    make_pilot("0301", stage="selected")  # Antigua Guatemala
    make_pilot("1601")  # Cobán
    make_pilot("2101")  # Jalapa
    make_pilot("0115", stage="selected")  # Villa Nueva
    assert [p.municipality.name for p in services.pilots_of(programme)] == [
        "Cobán", "Jalapa", "Antigua Guatemala", "Villa Nueva", "Mixco"]
    assert services.stage_counts(programme) == {PilotStage.PROPOSED: 2, PilotStage.SELECTED: 2,
                                                PilotStage.INVITED: 0, PilotStage.AGREED: 1}


def test_agreements_are_public_only_when_signed_in_a_published_programme(app, make_pilot, make_programme,
                                                                        coordinator):
    published = make_pilot("0108", stage="agreed")
    make_pilot("2101", stage="invited")
    assert [p.id for p in services.agreements_of(published.programme)] == [published.id]
    assert services.agreement_is_public(published)
    draft = make_programme(published=False, actor=coordinator)
    hidden = make_pilot("0108", stage="agreed", programme=draft)
    assert services.agreements_of(draft) == [] and not services.agreement_is_public(hidden)
    assert [p.id for p in services.agreements_of(draft, preview=True)] == [hidden.id]  # planners' preview
    assert {p.id for p in services.pilots_of_municipality(get_by_code("0108").id)} == {published.id, hidden.id}


# --- Indicators and values ----------------------------------------------------------------------

def test_indicator_names_are_unique_in_a_programme(app, programme, make_programme, coordinator):
    water = services.add_indicator(programme, " Cobertura  de agua ", "%", "Hogares con agua entubada",
                                   actor=coordinator)
    assert water.name == "Cobertura de agua" and water.position == 0
    error = refused(lambda: services.add_indicator(programme, "COBERTURA DE ÁGUA", "", "", actor=coordinator))
    assert field_error(error, "name") == "Ya hay un indicador «COBERTURA DE ÁGUA» en este programa."
    error = refused(lambda: services.add_indicator(programme, "", "x" * 41, "", actor=coordinator))
    assert field_error(error, "name") == "Escriba el nombre del indicador."
    assert field_error(error, "unit") == "La unidad admite como máximo 40 caracteres."
    assert count(Indicator) == 1
    assert services.add_indicator(programme, "Días de recolección", "días/semana", "", actor=coordinator).position == 1
    services.add_indicator(make_programme(actor=coordinator), "Cobertura de agua", "%", "", actor=coordinator)
    assert count(Indicator) == 3


@pytest.mark.parametrize("text, number", [
    ("78.5", 78.5), ("78,5", 78.5), (" 78,5 % ", 78.5), ("-3", -3.0), ("0", 0.0), ("1,234.5", 1234.5),
    ("1.234,5", 1234.5), ("12 500", 12500.0), ("1,234,567", 1234567.0), (42, 42.0), (2.5, 2.5),
])
def test_numbers_as_people_write_them(text, number):
    assert services.parse_number(text) == number


@pytest.mark.parametrize("text", ["abc", "", "7 8,5,1", "1.2.3,4,5", "nan", "inf", "1e5", "78.", "--3", None,
                                  float("nan")])
def test_what_is_not_a_number(text):
    assert services.parse_number(text) is None


def test_a_value_is_set_for_a_pilot_and_replaced(app, make_pilot, programme, coordinator):
    pilot = make_pilot()
    water = services.add_indicator(programme, "Cobertura de agua", "%", "", actor=coordinator)
    value = services.set_value(water, pilot.municipality, "78,5", "INE", days_ago(30), actor=coordinator)
    assert (value.value, value.source, value.measured_on) == (78.5, "INE", days_ago(30))
    services.set_value(water, pilot.municipality, "80.25", "", None, actor=coordinator)
    rows = db.session.scalars(sa.select(BaselineValue)).all()
    assert len(rows) == 1 and rows[0].value == 80.25 and rows[0].source == "" and rows[0].measured_on is None


def test_bad_values_are_refused(app, make_pilot, programme, coordinator):
    pilot = make_pilot()
    water = services.add_indicator(programme, "Cobertura de agua", "%", "", actor=coordinator)
    error = refused(lambda: services.set_value(water, pilot.municipality, "abc", "x" * 201, days_ago(-1),
                                               actor=coordinator))
    assert field_error(error, "value") == "«abc» no es un número."
    assert field_error(error, "source") == "La fuente admite como máximo 200 caracteres."
    assert field_error(error, "measured_on") == "La fecha de la medición no puede ser futura."
    error = refused(lambda: services.set_value(water, pilot.municipality, " ", "", None, actor=coordinator))
    assert field_error(error, "value") == "Escriba el valor."
    error = refused(lambda: services.set_value(water, get_by_code("0301"), "5", "", None, actor=coordinator))
    assert str(error) == "Antigua Guatemala no es municipio piloto de este programa."
    assert count(BaselineValue) == 0


def test_the_baseline_table_has_a_row_per_pilot_and_a_column_per_indicator(app, make_pilot, programme, coordinator):
    jalapa, cobán = make_pilot("2101"), make_pilot("1601")
    water = services.add_indicator(programme, "Agua", "%", "", actor=coordinator)
    waste = services.add_indicator(programme, "Basura", "días", "", actor=coordinator)
    services.set_value(waste, jalapa.municipality, "3", "", None, actor=coordinator)
    table = services.baseline_table(programme)
    assert [i.name for i in table.indicators] == ["Agua", "Basura"]
    assert [r.pilot.municipality.name for r in table.rows] == ["Cobán", "Jalapa"]
    assert [c.value if c else None for c in table.rows[1].cells] == [None, 3.0]
    assert table.filled == 1
    assert [(i.name, v) for i, v in services.values_of(cobán)] == [("Agua", None), ("Basura", None)]
    assert water.id == table.indicators[0].id
