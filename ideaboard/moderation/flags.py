"""The flag list: ideas containing one of its words are marked for the moderators, never hidden
or deleted automatically. Matching ignores case and accents and looks at whole words."""
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..database import write
from ..extensions import db
from ..policies import can_plan
from ..refusals import Refusal
from ..text import fold
from .models import FlagWord

MAX_WORDS = 500
# What the list ships with (migration 0004 loads the same words): insults and slurs common in
# Guatemala. Coordinators edit it at /moderacion/palabras.
DEFAULT_WORDS = ["idiota", "estúpido", "estúpida", "imbécil", "pendejo", "pendeja", "mierda", "puta", "puto",
                 "hijueputa", "cerote", "culero", "maricón", "cabrón", "verga", "malparido", "chinga"]


def flag_words() -> list[str]:
    return list(db.session.scalars(sa.select(FlagWord.word).order_by(FlagWord.word)))


def flags_in(text: str) -> str | None:
    """The flag-list words found in `text` ("idiota, mierda"), or None."""
    folded = fold(text)
    found = [word for word in flag_words() if re.search(rf"(?<!\w){re.escape(fold(word))}(?!\w)", folded)]
    return ", ".join(found)[:200] or None


class FlagListError(Refusal):
    """The flag list was refused; the message is for the person who tried."""


def replace_flag_words(text: str, *, actor) -> list[str]:
    """Coordinators and admins replace the list: one word or expression per line."""
    if not can_plan(actor):
        raise FlagListError(_l("Solo coordinación y administración cambian la lista de palabras."))
    words = []
    for line in (text or "").splitlines():
        word = " ".join(line.split())
        if not word or fold(word) in {fold(w) for w in words}:
            continue
        if len(word) > 60:
            raise FlagListError(_l("«%(word)s…» es demasiado largo: como máximo 60 caracteres por línea.", word=word[:20]))
        words.append(word)
    if len(words) > MAX_WORDS:
        raise FlagListError(_l("La lista admite como máximo %(n)s palabras.", n=MAX_WORDS))
    with write():
        db.session.execute(sa.delete(FlagWord))
        db.session.add_all(FlagWord(word=word) for word in words)
    return words
