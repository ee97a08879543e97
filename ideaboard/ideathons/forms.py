from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtf_translations
from wtforms import (
    DateTimeLocalField, Field, FieldList, Form, FormField, HiddenField, SelectField,
    SelectMultipleField, StringField, TextAreaField,
)
from wtforms.utils import unset_value
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..database import row_id
from ..municipalities.forms import MunicipalityField
from .services import IdeathonPlan, ThemeDraft
from .themes import ICONS, MAX_THEME_NAME, MAX_THEMES


class StartsAtField(DateTimeLocalField):
    """A date-and-time input whose parse error speaks plainly."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Escriba una fecha y una hora válidas.")) from error


class NamesField(Field):
    """A theme's name per interface language: one input per language, named `<field>-<language>`
    (themes-0-names-en), read as {language: name}. The template draws the inputs; the service checks
    the languages and the lengths."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.data = dict(data) if isinstance(data, dict) else {}
        if formdata is not None:
            prefix = self.name + "-"
            posted = {key[len(prefix):]: formdata.get(key, "") for key in formdata if key.startswith(prefix)}
            if posted:
                self.data = posted


class ThemeForm(Form):
    """One row of the theme editor (a sub-form: the parent form carries the CSRF token)."""

    class Meta:
        def get_translations(self, form):
            return wtf_translations  # WTForms' own messages in the visitor's language, as in FlaskForm

    theme_id = HiddenField()
    default_key = HiddenField()  # the default this row started from (ideathons/themes.py)
    names = NamesField()
    name = StringField(_l("Nombre del tema"), validators=[Optional(), Length(max=MAX_THEME_NAME)])
    icon = SelectField(_l("Ícono"), choices=[SelectChoice(key, label) for key, label in ICONS.items()])


class IdeathonForm(FlaskForm):
    municipality = MunicipalityField(_l("Municipio"), validators=[DataRequired(_l("Elija el municipio."))])
    title = StringField(_l("Título"), validators=[DataRequired(_l("Escriba un título.")), Length(max=160)])
    starts_at = StartsAtField(
        _l("Fecha y hora (hora de Guatemala)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Indique la fecha y la hora."))],
    )
    venue = StringField(_l("Lugar"), validators=[DataRequired(_l("Indique el lugar.")), Length(max=200)])
    description = TextAreaField(_l("Descripción"), validators=[Optional(), Length(max=4000)])
    programme = SelectField(_l("Programa"), coerce=str, validate_choice=False)
    themes = FieldList(FormField(ThemeForm), min_entries=1, max_entries=MAX_THEMES + 1)

    def with_programmes(self, programmes) -> "IdeathonForm":
        """The programmes it may belong to (its date must then fall within the programme's period)."""
        self._programmes = {str(p.id): p for p in programmes}
        self.programme.choices = [SelectChoice("", _l("Ninguno"))] + [
            SelectChoice(key, p.name) for key, p in self._programmes.items()]
        return self

    def set_theme_rows(self, rows: list[dict]) -> None:
        """Replace the editor's rows (keeps FieldList's numbering consistent)."""
        while len(self.themes):
            self.themes.pop_entry()
        for row in rows:
            self.themes.append_entry(row)

    def theme_rows(self) -> list[dict]:
        return [
            {"theme_id": e.form.theme_id.data or "", "name": e.form.name.data or "", "icon": e.form.icon.data,
             "default_key": e.form.default_key.data or "", "names": e.form.names.data or {}}
            for e in self.themes
        ]

    def to_plan(self) -> IdeathonPlan:
        return IdeathonPlan(
            municipality=self.municipality.municipality,
            title=self.title.data,
            starts_at_local=self.starts_at.data,
            venue=self.venue.data,
            description=self.description.data or "",
            programme=getattr(self, "_programmes", {}).get(self.programme.data or ""),
            themes=[
                ThemeDraft(
                    name=entry.form.name.data or "",
                    icon=entry.form.icon.data,
                    theme_id=row_id(entry.form.theme_id.data),
                    default_key=entry.form.default_key.data or None,
                    names=entry.form.names.data or {},
                )
                for entry in self.themes
            ],
        )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Motivo de la cancelación (se publica)"),
        validators=[DataRequired(_l("Explique brevemente por qué se cancela.")), Length(max=1000)],
    )


class ModeratorsForm(FlaskForm):
    moderators = SelectMultipleField(
        _l("Moderadores"), coerce=int, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
