"""Forms of the programme. Fields carry no validators: the services check the rules and their Spanish
messages land on the fields (`show_errors`); the form itself only guards the CSRF token."""
from flask import abort
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..forms import ShowsErrors
from .models import WORK_STATUS_LABELS


class ServiceForm(ShowsErrors, FlaskForm):
    """A form whose rules live in a service."""

    def submitted(self) -> bool:
        """A POST with a valid CSRF token (400 otherwise). A date typed wrong reaches the service as
        None, whose message then replaces the library's."""
        self.validate()
        if self.meta.csrf and "csrf_token" in self.errors:
            abort(400)
        return True

    def values(self, *names) -> dict:
        """The data of the fields named (a field taken off this form, as `del form.x` does, is left out)."""
        return {name: field.data for name in names if (field := getattr(self, name, None)) is not None}


class ActionForm(ServiceForm):
    """A button's form: the CSRF token and nothing else."""


class ProgrammeForm(ServiceForm):
    name = StringField(_l("Nombre del programa"))
    description = TextAreaField(_l("Descripción"))
    starts_on = DateField(_l("Empieza el"))
    ends_on = DateField(_l("Termina el"))
    coordinating_institution = StringField(_l("Institución coordinadora"))
    supporting_institutions = TextAreaField(_l("Instituciones de apoyo (una por línea)"))

    FIELDS = ("name", "description", "starts_on", "ends_on", "coordinating_institution", "supporting_institutions")


class CommitmentForm(ServiceForm):
    """A milestone or an activity."""

    title = StringField(_l("Título"))
    due_from = DateField(_l("Desde"))
    due_until = DateField(_l("Fecha límite"))
    responsible = StringField(_l("Institución responsable"))
    expected_result = TextAreaField(_l("Resultado esperado"))
    verification = TextAreaField(_l("Medio de verificación"))
    status = SelectField(_l("Estado"), choices=[SelectChoice(k.value, v) for k, v in WORK_STATUS_LABELS.items()],
                         validate_choice=False)
    done_on = DateField(_l("Cumplido el"))
    ideathon_id = SelectField(_l("Ideatón de esta actividad"), coerce=str, validate_choice=False)

    FIELDS = ("title", "due_from", "due_until", "responsible", "expected_result", "verification", "status",
              "done_on", "ideathon_id")

    def for_activity(self, ideathons):
        self.ideathon_id.choices = [SelectChoice("", _l("Ninguna"))] + [
            SelectChoice(str(i.id), f"{i.title} ({i.municipality.name})") for i in ideathons]
        return self

    def for_milestone(self):
        del self.ideathon_id
        return self
