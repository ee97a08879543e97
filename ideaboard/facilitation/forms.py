from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange


class SettingsForm(FlaskForm):
    silent_ideas = BooleanField(_l("Lluvia de ideas en silencio: cada quien ve solo sus ideas hasta que se revelen"))
    hidden_counts = BooleanField(_l("Conteo oculto: los votos se muestran al terminar la votación"))
    dot_budget = IntegerField(_l("Puntos por participante"), validators=[
        InputRequired(_l("Indique cuántos puntos tiene cada participante.")),
        NumberRange(1, 10, _l("Entre 1 y 10 puntos."))])
    max_dots_per_idea = IntegerField(_l("Puntos máximos en una misma idea"), validators=[
        InputRequired(_l("Indique cuántos puntos caben en una idea.")),
        NumberRange(1, 10, _l("Entre 1 y 10 puntos."))])
    self_votes = BooleanField(_l("Se puede votar por las ideas propias"))
    cards_only = BooleanField(_l("Solo con tarjeta de entrada (una persona, un voto)"))
    premoderation = BooleanField(_l("Revisión previa: cada idea nueva espera la aprobación de la moderación"))


class CardsForm(FlaskForm):
    count = IntegerField(_l("¿Cuántas tarjetas?"), validators=[
        InputRequired(_l("Indique cuántas tarjetas.")), NumberRange(1, 500, _l("De 1 a 500 tarjetas."))])


class PaperIdeaForm(FlaskForm):
    theme_id = SelectField(_l("Tema"), coerce=str, validate_choice=False)
    text = TextAreaField(_l("Idea escrita en papel"))
    language = StringField(_l("Idioma en que está escrita"))  # a <select> of macros/languages.html
