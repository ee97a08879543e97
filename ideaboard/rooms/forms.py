from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .models import AGE_BAND_LABELS, GENDER_LABELS

_NO_ANSWER = SelectChoice("", _l("Prefiero no responder"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Código de la sala"),
        validators=[DataRequired(_l("Escriba el código que aparece en la pantalla.")), Length(max=20)],
    )


class JoinForm(FlaskForm):
    nickname = StringField(_l("Su apodo (opcional)"))
    # Choices are checked by the service (join_room), with its own messages; nothing is required.
    age_band = SelectField(_l("Edad"), choices=[_NO_ANSWER] + [SelectChoice(k.value, v) for k, v in AGE_BAND_LABELS.items()],
                           default="", validate_choice=False)
    gender = SelectField(_l("Género"), choices=[_NO_ANSWER] + [SelectChoice(k, v) for k, v in GENDER_LABELS.items()],
                         default="", validate_choice=False)
    community = StringField(_l("Comunidad, aldea o zona"))
    first_time = RadioField(
        _l("¿Es la primera vez que participa en una ideatón?"),
        choices=[SelectChoice("yes", _l("Sí")), SelectChoice("no", _l("No")), _NO_ANSWER],
        default="", validate_choice=False,
    )

    def survey(self) -> dict:
        return {
            "age_band": self.age_band.data, "gender": self.gender.data,
            "community": self.community.data, "first_time": self.first_time.data,
        }
