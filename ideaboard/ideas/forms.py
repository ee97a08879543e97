import os

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField



def new_client_id() -> str:
    """The id a form sends so that a retry or a double tap is recognised (ideas and votes): a random
    UUID (version 4), written as str(uuid.uuid4()) writes it, without building a UUID object (a
    board in the voting phase has one per idea card)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class IdeaForm(FlaskForm):
    """Post an idea into one theme. `client_id` is new with every rendered form: a retry or a
    double tap sends the same one, and the idea is stored once."""

    theme_id = HiddenField()
    client_id = HiddenField()
    text = TextAreaField(_l("Su idea"))
    language = StringField()  # a <select> of macros/languages.html; empty: the interface's language

    @classmethod
    def blank(cls, theme_id: int, language: str | None = None) -> "IdeaForm":
        """An empty form for one theme, with a new client_id (rendering only, never for a post).
        `language`: the one its selector shows (the author's last choice); else the interface's."""
        return cls(formdata=None, theme_id=theme_id, client_id=new_client_id(), language=language)


class EditIdeaForm(FlaskForm):
    text = TextAreaField(_l("Su idea"))


