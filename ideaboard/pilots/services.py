"""Rules for a programme's pilot municipalities and their baseline.

- A municipality enters a programme once: proposed (with an internal note), then selected (with the
  reason), invited (the date of the letter), and agreed (the date signed, the signatories and the
  signed agreement as a PDF). Each step needs the one before; the dates fall within the programme's
  period, are never in the future, and the agreement is never signed before the invitation.
- Only planners (coordinators and admins) change any of it. A municipality leaves the programme
  only while its agreement is not signed; its baseline values leave with it.
- Once the programme is published, the signed agreements are public (date, signatories, the PDF):
  the signatories are public officials acting as such. Proposal and invitation notes stay internal.
- The baseline: indicators the coordinator chooses, one value per pilot municipality, entered by
  hand or imported from a CSV file, all or nothing: one bad row and nothing is saved, every bad row
  listed with its line number.
"""
import csv
import io
import re
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..database import utcnow, write
from ..extensions import db
from ..spreadsheets import read_cell, spreadsheet_csv
from ..text import fold
from ..municipalities.models import Municipality
from ..programme.models import Programme
from ..dates import parse_day, today
from ..programme.services import ProgrammeError, check_within, refuse, require_planner
from ..uploads.services import PDF, UploadError, check_upload, discard_upload, stored
from .models import STAGES, BaselineValue, Indicator, PilotMunicipality, PilotStage

LIMITS = {"note": 2000, "reason": 2000, "signatories": 2000, "indicator_name": 120, "unit": 40,
          "description": 2000, "source": 200}
MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000
MAX_NEW_INDICATORS = 20  # per import: a typo in a column should not flood the programme with indicators
COLUMNS = ("municipio", "indicador", "valor", "fuente", "fecha")
REQUIRED_COLUMNS = ("municipio", "indicador", "valor")
# What comes after each stage, as the list of municipalities says it.
NEXT_STEPS = {
    PilotStage.PROPOSED: _l("Siguiente paso: seleccionarlo"),
    PilotStage.SELECTED: _l("Siguiente paso: registrar la invitación"),
    PilotStage.INVITED: _l("Siguiente paso: registrar el convenio firmado"),
    PilotStage.AGREED: None,
}


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _text(value, name: str, label, errors: dict, *, limit: str | None = None, required=None) -> str:
    """The text as typed, trimmed; a message in `errors[name]` when missing (`required` is that
    message) or longer than LIMITS[limit or name]."""
    text = (value or "").strip()
    most = LIMITS[limit or name]
    if required is not None and not text:
        errors[name] = required
    elif len(text) > most:
        errors[name] = _l("%(field)s admite como máximo %(n)s caracteres.", field=label, n=most)
    return text


def _past_or_today(day: date | None, name: str, label, errors: dict) -> None:
    if day is not None and name not in errors and day > today():
        errors[name] = _l("%(field)s no puede ser futura.", field=label)


# --- Reading ------------------------------------------------------------------------------------

def _stage_key(pilot: PilotMunicipality):
    return STAGES.index(pilot.stage), fold(pilot.municipality.name), pilot.municipality.department


def pilots_of(programme: Programme) -> list[PilotMunicipality]:
    """The programme's municipalities, by stage (proposed first, agreed last), then by name."""
    pilots = db.session.scalars(sa.select(PilotMunicipality).where(PilotMunicipality.programme_id == programme.id))
    return sorted(pilots, key=_stage_key)


def stage_counts(programme: Programme) -> dict[PilotStage, int]:
    """How many municipalities stand at each stage, every stage listed (in order), zeros included."""
    counts = Counter(pilot.stage for pilot in pilots_of(programme))
    return {stage: counts.get(stage, 0) for stage in STAGES}


def agreements_of(programme: Programme, *, preview: bool = False) -> list[PilotMunicipality]:
    """The public agreements: the signed ones of a published programme (none for a draft), by date
    signed. What the tracker shows. `preview=True` lists a draft's signed agreements too, for
    planners looking at the tracker before publishing it (never for the public)."""
    if not (programme.is_published or preview):
        return []
    agreed = [p for p in pilots_of(programme) if p.stage is PilotStage.AGREED]
    return sorted(agreed, key=lambda p: (p.signed_on, fold(p.municipality.name)))


def agreement_is_public(pilot: PilotMunicipality) -> bool:
    return pilot.programme.is_published and pilot.stage is PilotStage.AGREED and pilot.agreement is not None


def pilots_of_municipality(municipality_id: int) -> list[PilotMunicipality]:
    """A municipality's records in every programme (for an official's dashboard), newest first."""
    return list(db.session.scalars(
        sa.select(PilotMunicipality).join(Programme, Programme.id == PilotMunicipality.programme_id)
        .where(PilotMunicipality.municipality_id == municipality_id).order_by(Programme.starts_on.desc())))


def pilot_of(programme: Programme, municipality_id: int) -> PilotMunicipality | None:
    return db.session.scalar(sa.select(PilotMunicipality).where(
        PilotMunicipality.programme_id == programme.id, PilotMunicipality.municipality_id == municipality_id))


# --- The stages ---------------------------------------------------------------------------------

def propose(programme: Programme, municipality: Municipality | None, note: str, *, actor: User) -> PilotMunicipality:
    """Propose a municipality for the programme (once per programme); the note stays internal."""
    require_planner(actor)
    errors = {}
    note = _text(note, "proposal_note", _l("La nota"), errors, limit="note")
    if municipality is None:
        errors["municipality"] = _l("Elija un municipio de la lista.")
    refuse(errors)
    duplicate = ProgrammeError(_l("Revise los campos marcados."), errors={"municipality": _l(
        "%(name)s ya está en este programa.", name=municipality.label)})
    try:
        with write():
            if pilot_of(programme, municipality.id) is not None:
                raise duplicate
            pilot = PilotMunicipality(programme_id=programme.id, municipality_id=municipality.id,
                                      proposal_note=note, created_by_id=actor.id)
            db.session.add(pilot)
    except IntegrityError:  # proposed at the same moment by someone else
        raise duplicate from None
    return pilot


def select(pilot: PilotMunicipality, reason: str, *, actor: User) -> PilotMunicipality:
    """Select a proposed municipality, with the reason (sent again, it corrects the reason and keeps
    the date of selection)."""
    require_planner(actor)
    errors = {}
    reason = _text(reason, "selection_reason", _l("El motivo"), errors, limit="reason",
                   required=_l("Escriba por qué se selecciona este municipio."))
    refuse(errors)
    with write():
        pilot.selected_at = pilot.selected_at or utcnow()
        pilot.selection_reason = reason
    return pilot


def record_invitation(pilot: PilotMunicipality, invited_on: date | None, note: str, *,
                      actor: User) -> PilotMunicipality:
    """Record when the selected municipality was invited (again: a correction)."""
    require_planner(actor)
    with write():
        if pilot.selected_at is None:
            raise ProgrammeError(_l("Primero seleccione el municipio; después registre la invitación."), status=409)
        errors = check_within(pilot.programme, invited_on, "invited_on", _l("La fecha de la invitación"))
        _past_or_today(invited_on, "invited_on", _l("La fecha de la invitación"), errors)
        if "invited_on" not in errors and pilot.signed_on and invited_on > pilot.signed_on:
            errors["invited_on"] = _l("La invitación no puede ser posterior a la firma del convenio (%(day)s).",
                                      day=_dmy(pilot.signed_on))
        note = _text(note, "invitation_note", _l("La nota"), errors, limit="note")
        refuse(errors)
        pilot.invited_on = invited_on
        pilot.invitation_note = note
    return pilot


def _agreement_errors(pilot: PilotMunicipality, signed_on: date | None, signatories: str,
                      has_file: bool) -> tuple[dict, str]:
    """The agreement's problems as {field: message}, and the signatories cleaned (one per line)."""
    if pilot.invited_on is None:
        raise ProgrammeError(_l("Primero registre la invitación; después el convenio."), status=409)
    errors = check_within(pilot.programme, signed_on, "signed_on", _l("La fecha de firma"))
    _past_or_today(signed_on, "signed_on", _l("La fecha de firma"), errors)
    if "signed_on" not in errors and signed_on < pilot.invited_on:
        errors["signed_on"] = _l("El convenio no puede firmarse antes de la invitación (%(day)s).",
                                 day=_dmy(pilot.invited_on))
    lines = [" ".join(line.split()) for line in (signatories or "").splitlines() if line.strip()]
    signatories = _text("\n".join(lines), "signatories", _l("La lista de firmantes"), errors,
                        required=_l("Escriba al menos un firmante: nombre y cargo, uno por línea."))
    if not has_file and pilot.agreement_upload_id is None:
        errors["agreement_file"] = _l("Suba el convenio firmado, en PDF.")
    return errors, signatories


def _checked_agreement(file):
    """The uploaded agreement checked (a PDF, not empty, not too big, no active content), or an
    UploadError. Judged by its first bytes, as the upload check does, so that a photo or a text file
    is told plainly that a PDF is wanted."""
    head = file.stream.read(1024)
    file.stream.seek(0)
    if head and b"%PDF-" not in head:
        raise UploadError(_l("Ese archivo no es un PDF. Suba el convenio firmado en PDF (escaneado o "
                             "guardado como PDF)."))
    return check_upload(file, accept=frozenset({PDF}))


def record_agreement(pilot: PilotMunicipality, signed_on: date | None, signatories: str, file, *,
                     actor: User) -> PilotMunicipality:
    """Record the signed agreement: date, signatories (one per line: name, office) and the PDF,
    required the first time; a new PDF replaces the old one, whose file is deleted once this commits.
    The PDF is checked before the transaction; if the transaction fails, the file written is removed."""
    require_planner(actor)
    has_file = file is not None and bool(getattr(file, "filename", ""))
    errors, _ = _agreement_errors(pilot, signed_on, signatories, has_file)
    checked, status = None, 422
    if has_file:
        try:
            checked = _checked_agreement(file)
        except UploadError as rejected:
            errors["agreement_file"], status = str(rejected), rejected.status
    refuse(errors, status=status if list(errors) == ["agreement_file"] else 422)
    with stored(checked, actor=actor) if checked else nullcontext() as upload, write():
        errors, signatories = _agreement_errors(pilot, signed_on, signatories, has_file)  # on fresh rows
        refuse(errors)
        if upload is not None:
            old = pilot.agreement
            pilot.agreement = upload
            if old is not None:
                discard_upload(old)
        pilot.signed_on = signed_on
        pilot.signatories = signatories
    return pilot


def remove(pilot: PilotMunicipality, *, actor: User) -> None:
    """Take a municipality out of the programme, with its baseline values; refused once the
    agreement is signed."""
    require_planner(actor)
    with write():
        if pilot.stage is PilotStage.AGREED:
            raise ProgrammeError(_l("%(name)s ya firmó el convenio: no se puede quitar del programa.",
                                    name=pilot.municipality.name), status=409)
        programme_indicators = sa.select(Indicator.id).where(Indicator.programme_id == pilot.programme_id)
        db.session.execute(sa.delete(BaselineValue).where(BaselineValue.municipality_id == pilot.municipality_id,
                                                          BaselineValue.indicator_id.in_(programme_indicators)))
        if pilot.agreement is not None:
            discard_upload(pilot.agreement)
        db.session.delete(pilot)


def baseline_count(pilot: PilotMunicipality) -> int:
    """How many baseline values go with the municipality if it is removed."""
    return db.session.scalar(sa.select(sa.func.count(BaselineValue.id)).join(Indicator).where(
        Indicator.programme_id == pilot.programme_id, BaselineValue.municipality_id == pilot.municipality_id))


# --- The baseline -------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:(?P<sep>[.,])\d{3})+(?:(?!(?P=sep))[.,]\d+)?")


def parse_number(value) -> float | None:
    """A number as people write it: "78.5", "78,5", "1,234.5", "1.234,5", "12 500", "78,5 %".
    One separator alone is the decimal one ("1,5" is one and a half). None when it is no number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if value == value and abs(value) != float("inf") else None
    text = re.sub(r"\s+", "", str(value or "")).removesuffix("%")
    if _NUMBER.fullmatch(text):
        return float(text.replace(",", "."))
    grouped = _GROUPED.fullmatch(text)
    if grouped:
        group = grouped.group("sep")
        return float(text.replace(group, "").replace(",", "."))
    return None


def indicators_of(programme: Programme) -> list[Indicator]:
    return list(db.session.scalars(
        sa.select(Indicator).where(Indicator.programme_id == programme.id).order_by(Indicator.position, Indicator.id)))


def add_indicator(programme: Programme, name: str, unit: str, description: str, *, actor: User) -> Indicator:
    """A new baseline indicator; its name is unique in the programme (ignoring case and accents)."""
    require_planner(actor)
    errors = {}
    name = " ".join((name or "").split())
    name = _text(name, "name", _l("El nombre del indicador"), errors, limit="indicator_name",
                 required=_l("Escriba el nombre del indicador."))
    unit = _text(unit, "unit", _l("La unidad"), errors)
    description = _text(description, "description", _l("La descripción"), errors)
    refuse(errors)
    duplicate = ProgrammeError(_l("Revise los campos marcados."), errors={"name": _l(
        "Ya hay un indicador «%(name)s» en este programa.", name=name)})
    try:
        with write():
            existing = indicators_of(programme)
            if any(fold(i.name) == fold(name) for i in existing):
                raise duplicate
            indicator = Indicator(programme_id=programme.id, name=name, unit=unit, description=description,
                                  position=max((i.position for i in existing), default=-1) + 1)
            db.session.add(indicator)
    except IntegrityError:
        raise duplicate from None
    return indicator


def set_value(indicator: Indicator, municipality: Municipality, value, source: str, measured_on: date | None, *,
              actor: User) -> BaselineValue:
    """One municipality's value of one indicator, replacing the one before. The municipality must be
    a pilot of the indicator's programme."""
    require_planner(actor)
    errors = {}
    number = parse_number(value)
    if number is None:
        errors["value"] = (_l("«%(text)s» no es un número.", text=str(value).strip()) if str(value or "").strip()
                           else _l("Escriba el valor."))
    source = _text(source, "source", _l("La fuente"), errors)
    _past_or_today(measured_on, "measured_on", _l("La fecha de la medición"), errors)
    refuse(errors)
    with write():
        programme = db.session.get(Programme, indicator.programme_id)
        if pilot_of(programme, municipality.id) is None:
            raise ProgrammeError(_l("%(name)s no es municipio piloto de este programa.", name=municipality.name))
        row = db.session.scalar(sa.select(BaselineValue).where(
            BaselineValue.indicator_id == indicator.id, BaselineValue.municipality_id == municipality.id))
        if row is None:
            row = BaselineValue(indicator_id=indicator.id, municipality_id=municipality.id)
            db.session.add(row)
        row.value, row.source, row.measured_on = number, source, measured_on
    return row


@dataclass
class BaselineRow:
    pilot: PilotMunicipality
    cells: list  # one BaselineValue or None per indicator, in the indicators' order


@dataclass
class BaselineTable:
    indicators: list[Indicator]
    rows: list[BaselineRow]

    @property
    def filled(self) -> int:
        return sum(cell is not None for row in self.rows for cell in row.cells)


def baseline_table(programme: Programme) -> BaselineTable:
    """A row per pilot municipality (by name), a column per indicator (in the order they were added)."""
    indicators = indicators_of(programme)
    values = {(v.indicator_id, v.municipality_id): v for v in db.session.scalars(
        sa.select(BaselineValue).join(Indicator).where(Indicator.programme_id == programme.id))}
    pilots = sorted(pilots_of(programme), key=lambda p: (fold(p.municipality.name), p.municipality.department))
    return BaselineTable(indicators, [BaselineRow(p, [values.get((i.id, p.municipality_id)) for i in indicators])
                                      for p in pilots])


def values_of(pilot: PilotMunicipality) -> list[tuple[Indicator, BaselineValue | None]]:
    """The municipality's baseline in this programme: each indicator with its value, if any."""
    values = {v.indicator_id: v for v in db.session.scalars(sa.select(BaselineValue).join(Indicator).where(
        Indicator.programme_id == pilot.programme_id, BaselineValue.municipality_id == pilot.municipality_id))}
    return [(i, values.get(i.id)) for i in indicators_of(pilot.programme)]


# --- CSV import ---------------------------------------------------------------------------------

@dataclass
class ImportResult:
    created: int = 0  # new values
    updated: int = 0  # values replaced
    skipped: int = 0  # rows with no value, left as they were
    new_indicators: list[str] = field(default_factory=list)


class ImportRejected(ProgrammeError):
    """Nothing was saved; `problems` lists each reason (a bad file, or each bad row with its line)."""

    def __init__(self, problems: list):
        super().__init__(_l("No se guardó nada: corrija el archivo y vuelva a subirlo."), status=422)
        self.problems = [str(p) for p in problems]


def _decoded(content: str | bytes) -> str:
    size = len(content) if isinstance(content, bytes) else len(content.encode("utf-8", "surrogatepass"))
    if size > MAX_IMPORT_BYTES:
        raise ImportRejected([_l("El archivo pesa %(size)s MB; el máximo es 1 MB. Divídalo en partes.",
                                 size=f"{size / (1024 * 1024):.1f}")])
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ImportRejected([_l(
                "El archivo no está en UTF-8 (quizá se guardó como «CSV» simple, en Latin-1). En Excel use «Guardar "
                "como» → «CSV UTF-8 (delimitado por comas)»; en LibreOffice elija el juego de caracteres "
                "«Unicode (UTF-8)».")]) from None
    if "\x00" in content:  # no spreadsheet writes one, except as UTF-16; PostgreSQL cannot store one
        raise ImportRejected([_l(
            "El archivo contiene caracteres nulos: no es un CSV de texto (quizá se guardó como «Texto Unicode», "
            "UTF-16). En Excel use «Guardar como» → «CSV UTF-8 (delimitado por comas)».")])
    return content.removeprefix("\ufeff")


def _delimiter(first_line: str) -> str:
    """The separator the header uses: comma, semicolon (Excel in Spanish) or tab (pasted from a sheet)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _columns(header: list[str]) -> dict[str, int]:
    names = [fold(" ".join(cell.split())) for cell in header]
    problems = []
    for name, count in Counter(n for n in names if n).items():
        if count > 1:
            problems.append(_l("La columna «%(name)s» está dos veces en la primera fila.", name=name))
    unknown = [header[i].strip() for i, n in enumerate(names) if n and n not in COLUMNS]
    if unknown:
        problems.append(_l("La primera fila tiene columnas que no se conocen: %(names)s. Las columnas son: "
                           "municipio, indicador, valor, fuente (opcional) y fecha (opcional).",
                           names=", ".join(f"«{u}»" for u in unknown)))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        problems.append(_l("Falta la columna %(names)s en la primera fila (los encabezados: municipio, indicador, "
                           "valor, fuente, fecha).", names=", ".join(f"«{m}»" for m in missing)))
    if problems:
        raise ImportRejected(problems)
    return {name: i for i, name in enumerate(names) if name}


class _Municipalities:
    """The 340, looked up the ways a sheet names them: the INE code (leading zeros lost by a
    spreadsheet too), "Name, Department", a label "Name, Department (code)", or a name alone when
    only one municipality has it."""

    def __init__(self):
        self.by_code, self.by_place, self.by_name = {}, {}, {}
        for m in db.session.scalars(sa.select(Municipality)):
            self.by_code[m.code] = m
            self.by_place[(fold(m.name), fold(m.department))] = m
            self.by_name.setdefault(fold(m.name), []).append(m)

    def find(self, text: str):
        """(municipality, None) or (None, the reason it was not found)."""
        if match := re.search(r"\((\d{1,4})\)\s*$", text):
            text = match.group(1)
        if text.isdigit():
            found = self.by_code.get(text.zfill(4)) if len(text) <= 4 else None
            return found, None if found else _l("el municipio «%(text)s» no existe", text=text)
        name, comma, department = text.rpartition(",")
        if comma and name.strip():
            found = self.by_place.get((fold(" ".join(name.split())), fold(" ".join(department.split()))))
            return found, None if found else _l("el municipio «%(text)s» no existe (escriba «Nombre, "
                                                "Departamento» o el código del INE)", text=text)
        same = self.by_name.get(fold(" ".join(text.split())), [])
        if len(same) == 1:
            return same[0], None
        if same:
            return None, _l("hay %(n)s municipios llamados «%(text)s» (%(places)s): escriba también el "
                            "departamento o el código", n=len(same), text=text,
                            places=", ".join(m.department for m in same))
        return None, _l("el municipio «%(text)s» no existe", text=text)


def import_baseline(programme: Programme, csv_text: str | bytes, *, actor: User) -> ImportResult:
    """Import baseline values from CSV (bytes as uploaded, or text as pasted).

    Columns (first row): municipio (INE code, or "Nombre, Departamento"), indicador (an indicator's
    name: missing ones are created, without unit), valor, fuente (optional), fecha (optional,
    dd/mm/yyyy or yyyy-mm-dd). Comma, semicolon or tab separated; UTF-8 with or without BOM. A value
    already there is replaced; a row with no value is skipped. All or nothing: with any bad row,
    ImportRejected lists every bad row ("Fila 4: ...") and nothing is saved."""
    require_planner(actor)
    text = _decoded(csv_text)
    if not text.strip():
        raise ImportRejected([_l("El archivo está vacío.")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.lstrip().split("\n", 1)[0]))
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise ImportRejected([_l("El archivo está vacío.")])
        columns = _columns(header)
        rows, previous = [], reader.line_num
        for row in reader:
            start, previous = previous + 1, reader.line_num  # a quoted text may run over several lines
            if any(cell.strip() for cell in row):
                rows.append((start, row, previous))
                if len(rows) > MAX_IMPORT_ROWS:
                    raise ImportRejected([_l("El archivo tiene más de %(n)s filas; divídalo en partes.",
                                             n=f"{MAX_IMPORT_ROWS:,}")])
    except csv.Error:
        raise ImportRejected([_l("Fila %(line)s: el archivo no se puede leer como CSV (¿un texto demasiado largo o "
                                 "comillas sin cerrar?).", line=reader.line_num)]) from None

    municipalities = _Municipalities()
    indicators = {fold(i.name): i for i in indicators_of(programme)}
    pilots = {p.municipality_id for p in pilots_of(programme)}
    problems, parsed, seen, new_names = [], [], {}, {}
    result = ImportResult()

    def cell(row, name):
        index = columns.get(name)
        return read_cell(row[index].strip()) if index is not None and index < len(row) else ""

    for line, row, last in rows:
        reasons = []
        if len(row) > len(header):
            reasons.append(_l("tiene %(n)s columnas y la primera fila %(m)s (¿un número con coma decimal sin "
                              "comillas? escriba 78.5, o separe con «;»)", n=len(row), m=len(header)))
        if last > line:
            reasons.append(_l("un texto entre comillas sigue hasta la fila %(last)s (¿comillas sin cerrar?)",
                              last=last))
        if reasons:
            problems.append(_l("Fila %(line)s: %(reasons)s.", line=line, reasons="; ".join(map(str, reasons))))
            continue
        raw_value = cell(row, "valor")
        if not raw_value:
            result.skipped += 1
            continue
        place, name = cell(row, "municipio"), cell(row, "indicador")
        source, when = cell(row, "fuente"), cell(row, "fecha")
        municipality = None
        if not place:
            reasons.append(_l("falta el municipio"))
        else:
            municipality, reason = municipalities.find(place)
            if reason:
                reasons.append(reason)
            elif municipality.id not in pilots:
                reasons.append(_l("%(name)s no es municipio piloto de este programa", name=municipality.name))
        name = " ".join(name.split())
        if not name:
            reasons.append(_l("falta el indicador"))
        elif len(name) > LIMITS["indicator_name"]:
            reasons.append(_l("el nombre del indicador pasa de %(n)s caracteres", n=LIMITS["indicator_name"]))
        number = parse_number(raw_value)
        if number is None:
            reasons.append(_l("«%(text)s» no es un número", text=raw_value))
        if len(source) > LIMITS["source"]:
            reasons.append(_l("la fuente pasa de %(n)s caracteres", n=LIMITS["source"]))
        try:
            measured_on = parse_day(when)
        except ValueError:
            measured_on = None
        if when and measured_on is None:
            reasons.append(_l("«%(text)s» no es una fecha (escriba dd/mm/aaaa)", text=when))
        elif measured_on and measured_on > today():
            reasons.append(_l("la fecha %(day)s es futura", day=_dmy(measured_on)))
        if municipality is not None and name and not reasons:
            key = (municipality.id, fold(name))
            if key in seen:
                reasons.append(_l("repite el municipio y el indicador de la fila %(line)s (%(name)s, %(indicator)s)",
                                  line=seen[key], name=municipality.name, indicator=name))
            else:
                seen[key] = line
        if reasons:
            problems.append(_l("Fila %(line)s: %(reasons)s.", line=line, reasons="; ".join(map(str, reasons))))
            continue
        if fold(name) not in indicators:
            new_names.setdefault(fold(name), name)
        parsed.append((municipality, fold(name), number, source, measured_on))
    if len(new_names) > MAX_NEW_INDICATORS:
        problems.insert(0, _l("El archivo crearía %(n)s indicadores nuevos (el máximo es %(max)s por vez): revise "
                              "la columna «indicador».", n=len(new_names), max=MAX_NEW_INDICATORS))
    if problems:
        raise ImportRejected(problems)

    with write():
        existing = indicators_of(programme)  # again, inside the transaction
        indicators = {fold(i.name): i for i in existing}
        position = max((i.position for i in existing), default=-1)
        for key, name in new_names.items():
            if key not in indicators:
                position += 1
                indicators[key] = Indicator(programme_id=programme.id, name=name, position=position)
                db.session.add(indicators[key])
                result.new_indicators.append(name)
        db.session.flush()
        current = {(v.indicator_id, v.municipality_id): v for v in db.session.scalars(
            sa.select(BaselineValue).join(Indicator).where(Indicator.programme_id == programme.id))}
        for municipality, key, number, source, measured_on in parsed:
            indicator = indicators[key]
            row = current.get((indicator.id, municipality.id))
            if row is None:
                db.session.add(BaselineValue(indicator_id=indicator.id, municipality_id=municipality.id,
                                             value=number, source=source, measured_on=measured_on))
                result.created += 1
            else:
                row.value, row.source, row.measured_on = number, source, measured_on
                result.updated += 1
    return result


def template_csv(programme: Programme) -> str:
    """The import's template: the header, then a row to fill in for each pilot and indicator (labels
    with the code, so each row names one municipality), with a BOM so that Excel reads the accents.
    A spreadsheet's file: formula cells are neutralised (ideaboard/spreadsheets.py), and the import
    reads them back as they were."""
    table = baseline_table(programme)
    return spreadsheet_csv(COLUMNS, ([row.pilot.municipality.label, indicator.name, "", "", ""]
                                     for row in table.rows for indicator in table.indicators), bom=True)
