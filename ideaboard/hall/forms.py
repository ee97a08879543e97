"""The kit's upload form on the laptop: the file, checked by hall/services.py (its messages land here)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField

from ..programme.forms import ServiceForm


class KitUploadForm(ServiceForm):
    kit_file = FileField(_l("Kit de sala (archivo .json)"))
