"""Importing the baseline from CSV: all or nothing, every bad row named with its line and reason."""
import pytest
import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.extensions import db
from ideaboard.pilots import services
from ideaboard.pilots.models import BaselineValue, Indicator
from ideaboard.programme.services import ProgrammeError
from tests.pilots.conftest import days_ago

HEADER = "municipio,indicador,valor,fuente,fecha\n"


@pytest.fixture
def pilots(make_pilot):
    """Jalapa (2101), Cobán (1601) and Mixco (0108) are pilots; Antigua Guatemala (0301) is not."""
    return {code: make_pilot(code) for code in ("2101", "1601", "0108")}


@pytest.fixture
def water(programme, coordinator):
    return services.add_indicator(programme, "Cobertura de agua", "%", "", actor=coordinator)


def values() -> dict:
    rows = db.session.execute(sa.select(Indicator.name, BaselineValue).join(BaselineValue.indicator)).all()
    return {(v.municipality_id, name): (v.value, v.source, v.measured_on) for name, v in rows}


def rejected(programme, content, actor) -> list[str]:
    with pytest.raises(services.ImportRejected) as raised:
        services.import_baseline(programme, content, actor=actor)
    assert raised.value.status == 422
    assert str(raised.value) == "No se guardó nada: corrija el archivo y vuelva a subirlo."
    return raised.value.problems


def test_a_good_file_is_imported(app, programme, coordinator, pilots, water):
    csv_text = (HEADER
                + "2101,Cobertura de agua,78.5,Censo 2018,15/03/2018\n"
                + '"Cobán, Alta Verapaz",Cobertura de agua,"61,5",,2019-07-01\n'
                + '"Mixco, Guatemala (0108)",cobertura de agua,90,INE,\n'
                + "108,Días de recolección por semana,3,,\n"  # the code with its zero lost by a spreadsheet
                + "\n"  # blank lines are skipped
                + "1601,Días de recolección por semana,,,\n")  # no value: left as it is
    result = services.import_baseline(programme, csv_text.encode(), actor=coordinator)
    assert (result.created, result.updated, result.skipped) == (4, 0, 1)
    assert result.new_indicators == ["Días de recolección por semana"]
    jalapa, cobán, mixco = (pilots[c].municipality_id for c in ("2101", "1601", "0108"))
    from datetime import date
    assert values() == {
        (jalapa, "Cobertura de agua"): (78.5, "Censo 2018", date(2018, 3, 15)),
        (cobán, "Cobertura de agua"): (61.5, "", date(2019, 7, 1)),
        (mixco, "Cobertura de agua"): (90.0, "INE", None),
        (mixco, "Días de recolección por semana"): (3.0, "", None),
    }
    created = db.session.scalar(sa.select(Indicator).where(Indicator.name == "Días de recolección por semana"))
    assert created.unit == "" and created.position == water.position + 1
    # Again, with a value changed: replaced, not doubled.
    again = services.import_baseline(programme, HEADER + "2101,Cobertura de agua,80,,\n", actor=coordinator)
    assert (again.created, again.updated, again.new_indicators) == (0, 1, [])
    assert values()[(jalapa, "Cobertura de agua")] == (80.0, "", None)


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("utf-8"),
    lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),  # Excel's "CSV UTF-8" starts with a BOM
    lambda text: "\ufeff" + text,  # pasted or already decoded
    lambda text: text.replace("\n", "\r\n").encode("utf-8"),
], ids=["utf8", "bom", "text-bom", "crlf"])
def test_encodings_and_line_ends(app, programme, coordinator, pilots, water, encode):
    text = "municipio,indicador,valor\n2101,Cobertura de agua,78.5\n\"Cobán, Alta Verapaz\",Cobertura de agua,61\n"
    assert services.import_baseline(programme, encode(text), actor=coordinator).created == 2


def test_semicolons_and_tabs_as_separators(app, programme, coordinator, pilots, water):
    semicolons = "Municipio;Indicador;Valor;Fuente\n2101;Cobertura de agua;78,5;Censo 2018\n"
    assert services.import_baseline(programme, semicolons.encode(), actor=coordinator).created == 1
    assert values()[(pilots["2101"].municipality_id, "Cobertura de agua")][0] == 78.5
    tabs = "municipio\tindicador\tvalor\n1601\tCobertura de agua\t61,5\n"  # pasted from a spreadsheet
    assert services.import_baseline(programme, tabs, actor=coordinator).created == 1


def test_every_bad_row_is_listed_and_nothing_is_saved(app, programme, coordinator, pilots, water):
    csv_text = (HEADER
                + "2101,Cobertura de agua,78.5,,\n"  # line 2: fine
                + "1601,Cobertura de agua,61,,\n"  # line 3: fine
                + "9999,Cobertura de agua,50,,\n"  # line 4
                + "0108,Días de recolección,3,,\n"  # line 5: fine (a new indicator)
                + "1601,Días de recolección,abc,,\n"  # line 6
                + "0301,Cobertura de agua,70,,\n"  # line 7: Antigua Guatemala is no pilot
                + "2101,cobertura de agua,79,,\n"  # line 8: Jalapa's water again
                + ",Cobertura de agua,1,,\n"  # line 9
                + "0108,,1,,\n"  # line 10
                + "0108,Cobertura de agua,1,,31/02/2020\n"  # line 11
                + f"0108,Cobertura de agua,1,,{days_ago(-2):%d/%m/%Y}\n"  # line 12
                + "San José,Cobertura de agua,1,,\n"  # line 13: two municipalities have that name
                + '"Jalapa, Petén",Cobertura de agua,1,,\n'  # line 14
                + "0108,Cobertura de agua,78,5,,\n"  # line 15: a decimal comma, unquoted
                + "9999,Cobertura de agua,xyz,,\n")  # line 16: two reasons at once
    problems = rejected(programme, csv_text.encode(), coordinator)
    assert problems == [
        "Fila 4: el municipio «9999» no existe.",
        "Fila 6: «abc» no es un número.",
        "Fila 7: Antigua Guatemala no es municipio piloto de este programa.",
        "Fila 8: repite el municipio y el indicador de la fila 2 (Jalapa, cobertura de agua).",
        "Fila 9: falta el municipio.",
        "Fila 10: falta el indicador.",
        "Fila 11: «31/02/2020» no es una fecha (escriba dd/mm/aaaa).",
        f"Fila 12: la fecha {days_ago(-2):%d/%m/%Y} es futura.",
        "Fila 13: hay 2 municipios llamados «San José» (Escuintla, Petén): escriba también el departamento o el "
        "código.",
        "Fila 14: el municipio «Jalapa, Petén» no existe (escriba «Nombre, Departamento» o el código del INE).",
        "Fila 15: tiene 6 columnas y la primera fila 5 (¿un número con coma decimal sin comillas? escriba 78.5, o "
        "separe con «;»).",
        "Fila 16: el municipio «9999» no existe; «xyz» no es un número.",
    ]
    assert values() == {} and db.session.scalars(sa.select(Indicator.name)).all() == ["Cobertura de agua"]


def test_an_unclosed_quote_is_told_not_swallowed(app, programme, coordinator, pilots, water):
    csv_text = HEADER + '2101,Cobertura de agua,1,"Censo,\n1601,Cobertura de agua,2,,\n0108,Cobertura de agua,3,,\n'
    assert rejected(programme, csv_text, coordinator) == [
        "Fila 2: un texto entre comillas sigue hasta la fila 4 (¿comillas sin cerrar?)."]
    huge = HEADER + "2101,Cobertura de agua,1," + "x" * 200_000 + ",\n"
    # Which message depends on the csv module's field limit, which other libraries raise process-wide
    # (frictionless does): "cannot read as CSV" under the default limit, "the source is too long" above it.
    (problem,) = rejected(programme, huge, coordinator)
    assert problem in ("Fila 2: el archivo no se puede leer como CSV (¿un texto demasiado largo o comillas sin cerrar?).",
                       "Fila 2: la fuente pasa de 200 caracteres.")
    assert values() == {}


def test_long_texts_in_a_row(app, programme, coordinator, pilots, water):
    csv_text = HEADER + f"2101,{'i' * 121},1,,\n" + f"2101,Cobertura de agua,1,{'f' * 201},\n"
    assert rejected(programme, csv_text, coordinator) == [
        "Fila 2: el nombre del indicador pasa de 120 caracteres.",
        "Fila 3: la fuente pasa de 200 caracteres.",
    ]


@pytest.mark.parametrize("header, message", [
    ("municipio,valor\n", "Falta la columna «indicador» en la primera fila (los encabezados: municipio, "
                          "indicador, valor, fuente, fecha)."),
    ("2101,Cobertura de agua,78.5\n", "La primera fila tiene columnas que no se conocen: «2101», «Cobertura de "
                                      "agua», «78.5»."),
    ("municipio,indicador,valor,valor\n", "La columna «valor» está dos veces en la primera fila."),
    ("municipio,indicador,valor,unidad\n", "La primera fila tiene columnas que no se conocen: «unidad»."),
])
def test_the_header_must_name_the_columns(app, programme, coordinator, pilots, header, message):
    problems = rejected(programme, header + "2101,Cobertura de agua,1,x\n", coordinator)
    assert any(p.startswith(message) for p in problems), problems
    assert values() == {}


def test_a_latin1_file_is_told_to_be_saved_as_utf8(app, programme, coordinator, pilots):
    latin1 = (HEADER + '"Cobán, Alta Verapaz",Cobertura de agua,61,,\n').encode("latin-1")
    [problem] = rejected(programme, latin1, coordinator)
    assert problem.startswith("El archivo no está en UTF-8") and "CSV UTF-8" in problem
    assert values() == {}


def test_empty_files(app, programme, coordinator):
    assert rejected(programme, b"", coordinator) == ["El archivo está vacío."]
    assert rejected(programme, "\n \n", coordinator) == ["El archivo está vacío."]
    assert rejected(programme, ",,,\n", coordinator) == ["El archivo está vacío."]


def test_a_file_too_big_or_too_long(app, programme, coordinator, pilots, water):
    row = "2101,Cobertura de agua,1,Una fuente bastante larga para llenar el archivo de prueba,\n"
    big = (HEADER + row * (services.MAX_IMPORT_BYTES // len(row) + 10)).encode()
    assert rejected(programme, big, coordinator) == [
        f"El archivo pesa {len(big) / 1024 / 1024:.1f} MB; el máximo es 1 MB. Divídalo en partes."]
    long = HEADER + "".join(f"2101,Indicador {i % 10},{i},,\n" for i in range(services.MAX_IMPORT_ROWS + 1))
    assert len(long.encode()) < services.MAX_IMPORT_BYTES
    assert rejected(programme, long, coordinator) == ["El archivo tiene más de 5,000 filas; divídalo en partes."]
    assert values() == {}


def test_five_thousand_rows_are_fine(app, programme, coordinator, make_pilot, water):
    codes = ["2101", "1601", "0108", "0301", "0115", "0801", "0901", "1307", "0101", "0102"]
    for code in codes:
        make_pilot(code)
    indicators = [f"Indicador {i}" for i in range(20)]
    for name in indicators:
        services.add_indicator(programme, name, "", "", actor=coordinator)
    rows = [f"{code},{name},{n}.5,,\n" for n, (code, name) in enumerate((c, i) for c in codes for i in indicators)]
    rows += ["2101,Cobertura de agua,,,\n"] * (services.MAX_IMPORT_ROWS - len(rows))
    result = services.import_baseline(programme, HEADER + "".join(rows), actor=coordinator)
    assert (result.created, result.skipped) == (200, 4800)


def test_too_many_new_indicators_at_once(app, programme, coordinator, pilots):
    csv_text = HEADER + "".join(f"2101,Indicador {i},1,,\n" for i in range(services.MAX_NEW_INDICATORS + 1))
    assert rejected(programme, csv_text, coordinator) == [
        "El archivo crearía 21 indicadores nuevos (el máximo es 20 por vez): revise la columna «indicador»."]
    assert db.session.scalar(sa.select(sa.func.count(Indicator.id))) == 0


def test_only_planners_import(app, programme, make_user, pilots):
    with pytest.raises(ProgrammeError) as raised:
        services.import_baseline(programme, HEADER + "2101,Agua,1,,\n", actor=make_user(Role.MODERATOR))
    assert raised.value.status == 403
    assert values() == {}


def test_the_template_has_a_row_per_pilot_and_indicator(app, programme, coordinator, pilots, water):
    services.add_indicator(programme, "Días de recolección", "días", "", actor=coordinator)
    template = services.template_csv(programme)
    assert template.startswith("\ufeffmunicipio,indicador,valor,fuente,fecha\r\n")
    lines = template.splitlines()[1:]
    assert len(lines) == 6
    assert lines[0] == '"Cobán, Alta Verapaz (1601)",Cobertura de agua,,,'
    # Filled in, the template imports as it is.
    filled = template.replace(",,,", ",1,,", 1)
    result = services.import_baseline(programme, filled.encode(), actor=coordinator)
    assert (result.created, result.skipped) == (1, 5)
