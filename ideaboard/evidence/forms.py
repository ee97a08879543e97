"""The evidence form. Its rules (what each kind needs, lengths, the file's content) are checked by
evidence/services.py and uploads/services.py, whose messages land on these fields."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..forms import ShowsErrors
from .models import KIND_LABELS


class EvidenceForm(ShowsErrors, FlaskForm):
    kind = SelectField(_l("Clase de evidencia"), choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()],
                       validate_choice=False)
    title = StringField(_l("Título"))
    description = TextAreaField(_l("Descripción"))
    file = FileField(_l("Archivo"))
    url = StringField(_l("Enlace"))
    published = BooleanField(_l("Publicar: cualquiera la puede ver"), default=True)


class EvidenceEditForm(ShowsErrors, FlaskForm):
    title = StringField(_l("Título"))
    description = TextAreaField(_l("Descripción"))
    url = StringField(_l("Enlace"))
    published = BooleanField(_l("Publicar: cualquiera la puede ver"))
