from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from ..municipalities.forms import MunicipalityField
from .models import ROLE_LABELS
from .services import MIN_PASSWORD_LENGTH

ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class LoginForm(FlaskForm):
    email = EmailField(_l("Correo electrónico"), validators=[DataRequired(_l("Escriba su correo.")), Length(max=254)])
    password = PasswordField(_l("Contraseña"), validators=[DataRequired(_l("Escriba su contraseña.")), Length(max=200)])
    remember = BooleanField(_l("Recordarme en este equipo (7 días)"))


def _new_password_field(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Escriba la contraseña nueva.")),
            Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l("Entre %(min)d y %(max)d caracteres.")),
        ],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Contraseña actual"), validators=[DataRequired(_l("Escriba su contraseña actual."))])
    new_password = _new_password_field(_l("Contraseña nueva"))
    confirm = PasswordField(
        _l("Repita la contraseña nueva"),
        validators=[EqualTo("new_password", message=_l("Las dos contraseñas no coinciden."))],
    )


class SetPasswordForm(FlaskForm):
    new_password = _new_password_field(_l("Contraseña nueva"))


class UserForm(FlaskForm):
    name = StringField(_l("Nombre"), validators=[DataRequired(_l("Escriba el nombre.")), Length(max=120)])
    email = EmailField(
        _l("Correo electrónico"),
        validators=[DataRequired(_l("Escriba el correo.")), Email(_l("Escriba un correo válido.")), Length(max=254)],
    )
    role = SelectField(_l("Rol"), choices=ROLE_CHOICES)
    municipality = MunicipalityField(
        _l("Municipio (solo para funcionarios municipales)"), validators=[Optional(), Length(max=120)]
    )
    password = _new_password_field(_l("Contraseña inicial"))


class EditUserForm(UserForm):
    email = None
    password = None
