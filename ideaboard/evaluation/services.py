"""The exit survey phones answer when an ideathon closes, and the programme's evaluation figures.

The survey
- Offered to the room's participants once the room is closed (not cancelled), once per phone:
  `Participant.exit_survey_done` records that this phone answered; the answers (`ExitSurvey`) are
  stored apart, with nothing that ties them to the participant, their nickname or their ideas.
- Every question may be skipped, but a survey sent with no answer at all is refused (the way
  out is "Saltar", which sends nothing). The flag and the answers are written in one transaction,
  and the flag is set by a conditional UPDATE (… WHERE exit_survey_done = false): of two
  submissions at once only one counts.

The evaluation (one computation, `evaluation(programme)`, serves the page, the report and the CSV)
- Ideathons: the programme's. A cancelled one is listed (as cancelled) with what was spent on it,
  which the budget's programme total counts, and nothing else: neither its plan, nor people, nor
  survey answers.
- Held: the room was opened and is now closed. Participants (phones and join cards) and survey
  answers are counted for held ideathons; ideas and proposals once the ideathon is archived
  (that is when the archive publishes its board and proposals): both with the open data's
  definitions (`archive.opendata.ideathon_rows`).
- Proposals answered: with at least one response of the municipality; implemented: status
  "implemented" (the definitions of `archive.services.answer_stats`, counted per ideathon here).
- Budget: `budget.services.programme_totals` and `ideathon_totals`.
- Survey privacy: figures only, never one person's answers. An ideathon with fewer than
  MIN_ANSWERS answers shows its number of answers but no mean or percentage ("pocas
  respuestas"), and its answers are left out of the programme's survey charts too (otherwise the
  programme's totals minus the other ideathons' would give them away).
- Survey shares: out of the answers received for that ideathon (or the programme), a skipped
  question counting as "Sin respuesta"; the response rate (answers out of participants) is given
  apart. The mean satisfaction is over those who rated it.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from ..archive.models import Proposal, Response, ResponseStatus
from ..archive.opendata import per_ideathon, ideathon_rows
from ..budget.services import Totals, ideathon_totals, programme_totals
from ..database import utcnow, write
from ..extensions import db
from ..ideathons.models import Ideathon, RoomPhase
from ..programme.models import Programme
from ..dates import local_day, today
from ..programme.services import ProgrammeError, ideathons_of
from ..rooms.models import Participant
from ..spreadsheets import spreadsheet_csv
from .models import Answer, ExitSurvey

MIN_ANSWERS = 3  # below this, an ideathon's survey shows only how many answered

SATISFACTION_LABELS = {1: _l("Muy mal"), 2: _l("Mal"), 3: _l("Regular"), 4: _l("Bien"), 5: _l("Muy bien")}
FIRST_TIME_LABELS = {True: _l("Sí"), False: _l("No")}
# "No sé" rather than the model's "No estoy seguro": shorter on a phone, and the same for everyone
# (not "seguro" / "segura").
CHOICE_LABELS = {Answer.YES.value: _l("Sí"), Answer.NO.value: _l("No"), Answer.UNSURE.value: _l("No sé")}
NO_ANSWER = _l("Sin respuesta")

QUESTIONS = {  # the survey's questions, as the page asks them and the evaluation titles them
    "satisfaction": _l("¿Cómo le pareció la ideatón?"),
    "take_part_again": _l("¿Volvería a participar?"),
    "learned": _l("¿Aprendió algo sobre cómo funciona la municipalidad?"),
    "first_time": _l("¿Es su primera ideatón?"),
}


# --- The survey ----------------------------------------------------------------------------------

def survey_refusal(participant: Participant | None, ideathon: Ideathon) -> ProgrammeError | None:
    """Why this phone may not answer now (None if it may): the message and status a view shows."""
    if participant is None or participant.ideathon_id != ideathon.id:
        return ProgrammeError(_l("Solo quienes participaron en esta sala pueden responder su encuesta."), status=403)
    if ideathon.is_cancelled:
        return ProgrammeError(_l("Esta ideatón fue cancelada: no tiene encuesta."), status=409)
    if ideathon.phase != RoomPhase.CLOSED:
        return ProgrammeError(_l("La encuesta se abre al cerrar la sala."), status=409)
    if participant.exit_survey_done:
        return ProgrammeError(_l("Usted ya respondió la encuesta. ¡Gracias!"), status=409)
    return None


_YES_NO = {"yes": True, "no": False, True: True, False: False}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _checked_answers(satisfaction, take_part_again, learned, first_time) -> dict:
    errors, values = {}, {}
    if _blank(satisfaction):
        values["satisfaction"] = None
    else:
        try:
            values["satisfaction"] = int(str(satisfaction).strip())
        except ValueError:
            values["satisfaction"] = 0
        if not 1 <= values["satisfaction"] <= 5:
            errors["satisfaction"] = _l("Elija un número del 1 al 5.")
    for name, value in (("take_part_again", take_part_again), ("learned", learned)):
        if _blank(value):
            values[name] = None
        elif value in set(Answer):
            values[name] = Answer(value).value
        else:
            errors[name] = _l("Elija una opción de la lista.")
    if _blank(first_time):
        values["first_time"] = None
    elif isinstance(first_time, (str, bool)) and first_time in _YES_NO:
        values["first_time"] = _YES_NO[first_time]
    else:
        errors["first_time"] = _l("Elija «Sí» o «No».")
    if errors:
        raise ProgrammeError(_l("Revise las respuestas marcadas."), errors=errors)
    if all(value is None for value in values.values()):
        raise ProgrammeError(_l("Responda al menos una pregunta, o toque «Saltar» para volver al tablero."))
    return values


def answer_survey(ideathon: Ideathon, participant: Participant, satisfaction=None, take_part_again=None,
                  learned=None, first_time=None) -> ExitSurvey:
    """Record one phone's answers, anonymously, once. Values as a form sends them: satisfaction
    "1".."5", take_part_again and learned "yes" / "no" / "unsure", first_time "yes" / "no"; each
    may be left empty (None or ""), but not all of them."""
    values = _checked_answers(satisfaction, take_part_again, learned, first_time)
    with write():
        db.session.refresh(ideathon)
        db.session.refresh(participant)
        refusal = survey_refusal(participant, ideathon)
        if refusal is not None:
            raise refusal
        # The flag, set only if not set yet: of two submissions at once, the second finds it set
        # (PostgreSQL makes it wait for the first's row lock, then re-reads the row; SQLite's
        # writes are serialised) and changes nothing.
        marked = db.session.execute(
            sa.update(Participant)
            .where(Participant.id == participant.id, Participant.exit_survey_done.is_(False))
            .values(exit_survey_done=True)
            .execution_options(synchronize_session=False))
        if marked.rowcount != 1:
            raise ProgrammeError(_l("Usted ya respondió la encuesta. ¡Gracias!"), status=409)
        survey = ExitSurvey(ideathon_id=ideathon.id, **values)
        db.session.add(survey)
    db.session.refresh(participant)
    return survey


# --- Survey results ------------------------------------------------------------------------------

def _counter(keys) -> dict:
    return {**{key: 0 for key in keys}, None: 0}


@dataclass
class SurveyFigures:
    """The answers of one ideathon (or of several, added up): per question, how many chose each
    answer, None counting those who skipped the question."""

    answers: int = 0
    satisfaction: dict = field(default_factory=lambda: _counter(SATISFACTION_LABELS))
    take_part_again: dict = field(default_factory=lambda: _counter(a.value for a in Answer))
    learned: dict = field(default_factory=lambda: _counter(a.value for a in Answer))
    first_time: dict = field(default_factory=lambda: _counter((True, False)))

    @property
    def enough(self) -> bool:
        """Enough answers to show figures (MIN_ANSWERS or more)."""
        return self.answers >= MIN_ANSWERS

    @property
    def mean_satisfaction(self) -> float | None:
        """The mean rating, 1 to 5, to one decimal, over those who rated; None if nobody did."""
        rated = sum(n for key, n in self.satisfaction.items() if key is not None)
        if not rated:
            return None
        return round(sum(key * n for key, n in self.satisfaction.items() if key is not None) / rated, 1)

    def percent(self, question: str, key) -> float | None:
        """The share of the answers that chose `key`, 0-100 to one decimal; None with no answers."""
        if not self.answers:
            return None
        return round(100 * getattr(self, question)[key] / self.answers, 1)

    def add(self, other: "SurveyFigures") -> None:
        self.answers += other.answers
        for question in QUESTIONS:
            mine = getattr(self, question)
            for key, n in getattr(other, question).items():
                mine[key] = mine.get(key, 0) + n


@dataclass
class SurveyResults:
    by_ideathon: dict  # ideathon id -> SurveyFigures (every ideathon asked about, answered or not)
    total: SurveyFigures  # the ideathons with enough answers, added up
    withheld_answers: int = 0  # answers of ideathons with too few, left out of `total`
    withheld_ideathons: int = 0


def survey_results(target) -> SurveyResults:
    """The exit survey's answers per ideathon, and added up over those with enough answers.
    `target`: a programme (its ideathons, cancelled ones left out) or a list of ideathons."""
    ideathons = _ideathons(target) if isinstance(target, Programme) else list(target)
    ids = [i.id for i in ideathons]
    by_ideathon = {i: SurveyFigures() for i in ids}
    if ids:
        counts = db.session.execute(sa.select(ExitSurvey.ideathon_id, sa.func.count())
                                    .where(ExitSurvey.ideathon_id.in_(ids)).group_by(ExitSurvey.ideathon_id))
        for ideathon_id, n in counts:
            by_ideathon[ideathon_id].answers = n
        for question in QUESTIONS:
            column = getattr(ExitSurvey, question)
            rows = db.session.execute(sa.select(ExitSurvey.ideathon_id, column, sa.func.count())
                                      .where(ExitSurvey.ideathon_id.in_(ids)).group_by(ExitSurvey.ideathon_id, column))
            for ideathon_id, key, n in rows:
                if question == "first_time" and key is not None:
                    key = bool(key)
                getattr(by_ideathon[ideathon_id], question)[key] = n
    total, withheld_answers, withheld_ideathons = SurveyFigures(), 0, 0
    for figures in by_ideathon.values():
        if figures.enough:
            total.add(figures)
        elif figures.answers:
            withheld_answers += figures.answers
            withheld_ideathons += 1
    return SurveyResults(by_ideathon, total, withheld_answers, withheld_ideathons)


def answer_rows(figures: SurveyFigures, question: str) -> list[tuple[str, int, bool]]:
    """(label, count, is "no answer") for each answer to a question, "Sin respuesta" last: the rows
    of its chart and its table."""
    labels = {"satisfaction": {k: f"{k} · {v}" for k, v in SATISFACTION_LABELS.items()},
              "take_part_again": CHOICE_LABELS,
              "learned": CHOICE_LABELS,
              "first_time": FIRST_TIME_LABELS}[question]
    counts = getattr(figures, question)
    return [*((str(label), counts.get(key, 0), False) for key, label in labels.items()),
            (str(NO_ANSWER), counts.get(None, 0), True)]


# --- The programme's evaluation ------------------------------------------------------------------

STATE_LABELS = {
    "cancelled": _l("Cancelada"),
    "scheduled": _l("Programada"),
    "live": _l("En curso"),
    "held": lazy_pgettext("ideathon state", "Realizada"),
    "archived": _l("Archivada"),
}


@dataclass
class IdeathonFigures:
    id: int
    title: str
    municipality_code: str
    municipality: str
    day: date  # in Guatemala
    state: str  # cancelled, scheduled, live, held, archived
    participants: int | None  # held ideathons only
    ideas: int | None  # archived ones only
    proposals: int | None  # archived ones only
    answered: int | None
    implemented: int | None
    survey: SurveyFigures
    budget: Totals  # budget.services.ideathon_totals
    planned_cents: int | None  # None when cancelled: its plan no longer counts
    actual_cents: int

    @property
    def held(self) -> bool:
        return self.state in ("held", "archived")

    @property
    def archived(self) -> bool:
        return self.state == "archived"

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def survey_shown(self) -> bool:
        return self.survey.enough

    # The survey figures the page, the report and the CSV show: None below MIN_ANSWERS.
    @property
    def mean_satisfaction(self) -> float | None:
        return self.survey.mean_satisfaction if self.survey_shown else None

    @property
    def again_yes(self) -> float | None:
        return self.survey.percent("take_part_again", Answer.YES.value) if self.survey_shown else None

    @property
    def learned_yes(self) -> float | None:
        return self.survey.percent("learned", Answer.YES.value) if self.survey_shown else None

    @property
    def first_time_yes(self) -> float | None:
        return self.survey.percent("first_time", True) if self.survey_shown else None

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.survey.answers / self.participants, 1) if self.participants else None


@dataclass
class MunicipalityFigures:
    code: str
    name: str
    ideathons: int = 0  # held
    participants: int = 0
    ideas: int = 0
    proposals: int = 0
    answered: int = 0
    implemented: int = 0
    planned_cents: int = 0
    actual_cents: int = 0

    @property
    def answered_share(self) -> float | None:
        return round(100 * self.answered / self.proposals, 1) if self.proposals else None

    @property
    def implemented_share(self) -> float | None:
        return round(100 * self.implemented / self.proposals, 1) if self.proposals else None


@dataclass
class MonthFigures:
    month: date  # its first day
    ideathons: int  # held that month
    participants: int


@dataclass
class Evaluation:
    """Every figure of the evaluation page, its report and its CSV."""

    programme: Programme
    ideathons: list  # IdeathonFigures, by date, cancelled ones included
    municipalities: list  # MunicipalityFigures, by name
    months: list  # MonthFigures, the programme's months up to now
    survey: SurveyResults
    budget: Totals  # the whole programme's
    generated_at: object = None

    @property
    def planned(self) -> list:
        """The ideathons not cancelled (held, under way or to come)."""
        return [i for i in self.ideathons if i.state != "cancelled"]

    @property
    def held(self) -> list:
        return [i for i in self.ideathons if i.held]

    @property
    def archived(self) -> list:
        return [i for i in self.ideathons if i.archived]

    @property
    def participants(self) -> int:
        return sum(i.participants or 0 for i in self.held)

    @property
    def ideas(self) -> int:
        return sum(i.ideas or 0 for i in self.archived)

    @property
    def proposals(self) -> int:
        return sum(i.proposals or 0 for i in self.archived)

    @property
    def answered(self) -> int:
        return sum(i.answered or 0 for i in self.archived)

    @property
    def implemented(self) -> int:
        return sum(i.implemented or 0 for i in self.archived)

    @property
    def answers(self) -> int:
        """Every survey answer received (those of ideathons with too few included)."""
        return sum(i.survey.answers for i in self.ideathons)

    @property
    def is_empty(self) -> bool:
        """Nothing has happened yet: no ideathon held, nothing spent."""
        return not self.held and not self.budget.actual_total


def _ideathons(programme: Programme) -> list[Ideathon]:
    return [i for i in ideathons_of(programme) if not i.is_cancelled]


def _state(ideathon: Ideathon) -> str:
    if ideathon.is_cancelled:
        return "cancelled"
    if ideathon.archived_at is not None:
        return "archived"
    if ideathon.room_opened_at is None:
        return "scheduled"  # (a room closed without ever opening was not held either)
    return "held" if ideathon.phase == RoomPhase.CLOSED else "live"


def _answer_counts(ids: list[int]) -> dict:
    """Per archived ideathon: (proposals, answered, implemented)."""
    if not ids:
        return {}
    answered = sa.exists().where(Response.proposal_id == Proposal.id)
    rows = db.session.execute(
        sa.select(Proposal.ideathon_id, sa.func.count(),
                  sa.func.count().filter(answered),
                  sa.func.count().filter(Proposal.status == ResponseStatus.IMPLEMENTED.value))
        .where(Proposal.ideathon_id.in_(ids)).group_by(Proposal.ideathon_id))
    return {ideathon_id: (n, a, i) for ideathon_id, n, a, i in rows}


def _months(programme: Programme, held: list) -> list[MonthFigures]:
    def first(day: date) -> date:
        return day.replace(day=1)

    end = min(programme.ends_on, today())
    end = max([first(end), *(first(i.day) for i in held)])
    month, months = first(programme.starts_on), []
    per_month = defaultdict(lambda: [0, 0])
    for i in held:
        per_month[first(i.day)][0] += 1
        per_month[first(i.day)][1] += i.participants or 0
    while month <= end:
        months.append(MonthFigures(month, *per_month[month]))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def evaluation(programme: Programme) -> Evaluation:
    """Every figure of the programme's evaluation (see the module's docstring for what counts)."""
    ideathons = ideathons_of(programme)
    states = {i.id: _state(i) for i in ideathons}
    archived = [i for i in ideathons if states[i.id] == "archived"]
    held = [i.id for i in ideathons if states[i.id] == "held"]
    published = {row["id"]: row for row in ideathon_rows(archived)}  # the open data's figures
    people = per_ideathon(Participant.id, held) if held else {}
    answers = _answer_counts([i.id for i in archived])
    survey = survey_results([i for i in ideathons if states[i.id] != "cancelled"])
    figures = []
    for i in ideathons:
        state, row = states[i.id], published.get(i.id)
        n, a, done = answers.get(i.id, (0, 0, 0))
        budget = ideathon_totals(i)
        figures.append(IdeathonFigures(
            id=i.id, title=i.title, municipality_code=i.municipality.code, municipality=i.municipality.name,
            day=local_day(i.starts_at), state=state,
            participants=row["participants"] if row else (people.get(i.id, 0) if state == "held" else None),
            ideas=row["ideas"] if row else None,
            proposals=n if row else None, answered=a if row else None, implemented=done if row else None,
            survey=survey.by_ideathon.get(i.id, SurveyFigures()), budget=budget,
            planned_cents=None if state == "cancelled" else budget.planned_total, actual_cents=budget.actual_total))
    municipalities = {}
    for f in figures:
        m = municipalities.setdefault(f.municipality_code, MunicipalityFigures(f.municipality_code, f.municipality))
        m.planned_cents += f.planned_cents or 0
        m.actual_cents += f.actual_cents
        if f.held:
            m.ideathons += 1
            m.participants += f.participants or 0
        if f.archived:
            m.ideas += f.ideas or 0
            m.proposals += f.proposals or 0
            m.answered += f.answered or 0
            m.implemented += f.implemented or 0
    return Evaluation(
        programme=programme, ideathons=figures,
        municipalities=sorted(municipalities.values(), key=lambda m: (m.name.casefold(), m.code)),
        months=_months(programme, [f for f in figures if f.held]), survey=survey,
        budget=programme_totals(programme), generated_at=utcnow())


# --- The CSV -------------------------------------------------------------------------------------

# Excel in Spanish (Guatemala: "." for decimals, "," between fields) opens this as it is: UTF-8
# with a byte order mark (without it Excel reads the accents as Latin-1), comma-separated, numbers
# without thousands separators and with "." for decimals, dates as yyyy-mm-dd, CRLF line ends.
CSV_ENCODING = "utf-8-sig"


def csv_columns() -> list[str]:
    return [_("Ideatón"), _("Código del municipio"), _("Municipio"), _("Fecha"), _("Estado"), _("Participantes"),
            _("Ideas"), _("Respuestas a la encuesta"), _("Satisfacción media (1 a 5)"),
            _("Volvería a participar: sí (%)"), _("Aprendió sobre la municipalidad: sí (%)"),
            _("Primera vez: sí (%)"), _("Propuestas"), _("Respondidas"), _("Realizadas"),
            _("Presupuesto planificado (Q)"), _("Gasto ejecutado (Q)")]


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)  # 810000 -> 8100.00, a number with its two decimals


def csv_rows(ev: Evaluation) -> list[list]:
    """One row per ideathon, with the page's figures: text as text, figures as numbers (None: empty).
    Survey figures of an ideathon with too few answers are left empty (its number of answers is
    given); so are the figures it does not have yet (participants before it is held, ideas and
    proposals before it is archived)."""
    return [[f.title, f.municipality_code, f.municipality, f.day.isoformat(), f.state_label, f.participants,
             f.ideas, f.survey.answers, f.mean_satisfaction, f.again_yes, f.learned_yes, f.first_time_yes,
             f.proposals, f.answered, f.implemented, None if f.planned_cents is None else _money(f.planned_cents),
             _money(f.actual_cents)]
            for f in ev.ideathons]


def evaluation_csv(programme: Programme, ev: Evaluation | None = None) -> str:
    """The evaluation as CSV text for a spreadsheet, one row per ideathon, formula cells neutralised
    (ideaboard/spreadsheets.py; encode it with CSV_ENCODING to serve it)."""
    return spreadsheet_csv(csv_columns(), csv_rows(ev or evaluation(programme)))
