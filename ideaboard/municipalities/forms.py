from flask_babel import lazy_gettext as _l
from wtforms import StringField, ValidationError

from .services import find_by_label


class MunicipalityField(StringField):
    """A text input tied to a <datalist> of the 340 municipalities: searchable, and no JS needed.

    After validation `field.municipality` holds the Municipality (or None when left empty).
    """

    municipality = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.municipality = find_by_label(self.data) if self.data else None

    def pre_validate(self, form):
        if self.data and self.municipality is None:
            raise ValidationError(_l("Elija un municipio de la lista (escriba parte del nombre)."))
