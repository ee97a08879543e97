import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField



def new_client_id() -> str:
    """The id a form sends so that a retry or a double tap is recognised (ideas and votes)."""
    return str(uuid.uuid4())


class IdeaForm(FlaskForm):
    """Post an idea into one theme. `client_id` is new with every rendered form: a retry or a
    double tap sends the same one, and the idea is stored once."""

    theme_id = HiddenField()
    client_id = HiddenField()
    text = TextAreaField(_l("Su idea"))

    @classmethod
    def blank(cls, theme_id: int) -> "IdeaForm":
        """An empty form for one theme, with a new client_id (rendering only, never for a post)."""
        return cls(formdata=None, theme_id=theme_id, client_id=new_client_id())


class EditIdeaForm(FlaskForm):
    text = TextAreaField(_l("Su idea"))


