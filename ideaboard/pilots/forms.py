"""Forms of the pilot municipalities and the baseline. As in the programme's forms, fields carry no
validators: pilots/services.py checks the rules and its Spanish messages land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..municipalities.forms import MunicipalityField
from ..programme.forms import ActionForm, ServiceForm

__all__ = ["ActionForm", "AgreementForm", "ImportForm", "IndicatorForm", "InvitationForm", "ProposeForm",
           "SelectForm", "ValueForm"]


class OptionalDateField(DateField):
    """A date that may be left empty (None, no error); a date typed wrong keeps its error, which the
    view shows instead of saving without the date."""

    def process_formdata(self, valuelist):
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Escriba la fecha como dd/mm/aaaa.")) from error


class ProposeForm(ServiceForm):
    municipality = MunicipalityField(_l("Municipio"))
    proposal_note = TextAreaField(_l("Por qué se propone (nota interna, no se publica)"))


class SelectForm(ServiceForm):
    selection_reason = TextAreaField(_l("Motivo de la selección"))


class InvitationForm(ServiceForm):
    invited_on = DateField(_l("Fecha de la invitación"))
    invitation_note = TextAreaField(_l("Nota interna, por ejemplo el número del oficio (no se publica)"))


class AgreementForm(ServiceForm):
    signed_on = DateField(_l("Fecha de firma"))
    signatories = TextAreaField(_l("Firmantes: nombre y cargo, uno por línea"))
    agreement_file = FileField(_l("Convenio firmado (PDF)"))


class IndicatorForm(ServiceForm):
    name = StringField(_l("Nombre del indicador"))
    unit = StringField(_l("Unidad (opcional)"))
    description = TextAreaField(_l("Qué mide y cómo (opcional)"))


class ValueForm(ServiceForm):
    indicator_id = SelectField(_l("Indicador"), coerce=str, validate_choice=False)
    value = StringField(_l("Valor"))
    source = StringField(_l("Fuente (opcional)"))
    measured_on = OptionalDateField(_l("Fecha de la medición (opcional)"))

    def for_indicators(self, indicators):
        self.indicator_id.choices = [
            SelectChoice(str(i.id), f"{i.name} ({i.unit})" if i.unit else i.name) for i in indicators]
        return self


class ImportForm(ServiceForm):
    csv_file = FileField(_l("Archivo CSV"))
    csv_text = TextAreaField(_l("O pegue aquí las filas, con la fila de encabezados"))
