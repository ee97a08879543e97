"""The proposal template and the answer form. The rules (required fields, lengths, choices) are
checked by archive/services.py, whose messages land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..forms import ShowsErrors
from ..ideathons.themes import theme_name
from .models import COMPETENCE_LABELS, COST_LABELS, NEXT_STATUSES, STATUS_LABELS, ResponseStatus


class ProposalForm(ShowsErrors, FlaskForm):
    title = StringField(_l("Título"))
    problem = TextAreaField(_l("Problema: qué pasa hoy"))
    proposal = TextAreaField(_l("Propuesta: qué se pide a la municipalidad"))
    theme_id = SelectField(_l("Tema"), coerce=str, validate_choice=False)
    place = StringField(_l("Lugar (zona, aldea, caserío, cantón)"))
    beneficiaries = StringField(_l("Quiénes se benefician"))
    cost_range = SelectField(_l("Costo estimado"), choices=[SelectChoice(k.value, v) for k, v in COST_LABELS.items()],
                             validate_choice=False)
    office = StringField(_l("Oficina municipal responsable"))
    competence = SelectField(_l("Competencia"), choices=[SelectChoice(k.value, v) for k, v in COMPETENCE_LABELS.items()],
                             validate_choice=False)
    idea_ids = SelectMultipleField(_l("Ideas del tablero de las que sale"), coerce=str, validate_choice=False)

    def for_ideathon(self, ideathon, ideas_with_votes):
        self.theme_id.choices = [SelectChoice("", _l("Sin tema"))] + [SelectChoice(str(t.id), theme_name(t))
                                                                       for t in ideathon.themes]
        self.idea_ids.choices = [SelectChoice(str(idea.id), f"{idea.text} ({votes})") for idea, votes in ideas_with_votes]
        return self


class ResponseForm(FlaskForm):
    status = SelectField(_l("Nuevo estado"), validate_choice=False)
    text = TextAreaField(_l("Texto público (en el rechazo, el motivo)"))

    def for_proposal(self, proposal):
        self.status.choices = [SelectChoice(s.value, STATUS_LABELS[s]) for s in NEXT_STATUSES[ResponseStatus(proposal.status)]]
        return self
