"""Rules for ideas: posting (idempotent), editing and withdrawing one's own, while the room collects.
An idea may also come by voice (`post_voice_idea`): a recording the moderators transcribe."""
import re
import uuid
from contextlib import nullcontext

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import events
from ..database import utcnow, write
from ..extensions import db
from ..ideathons.models import Ideathon, Theme
from ..ideathons.services import theme_of
from ..i18n import current_language
from ..languages import LANGUAGES
from ..moderation.flags import flags_in
from ..policies import can_moderate
from ..refusals import Refusal
from ..rooms.models import Participant
from ..rooms.sequence import next_sequence
from ..uploads.services import check_voice, stored
from .models import MAX_IDEA_LENGTH, Idea, IdeaStatus

_CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,36}$")


class IdeaError(Refusal):
    """An idea was refused; the message is for the person who tried."""


def _checked_text(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise IdeaError(_l("Escriba su idea antes de enviarla."))
    if len(text) > MAX_IDEA_LENGTH:
        raise IdeaError(_l("Su idea tiene %(n)s caracteres; el máximo es %(max)s. Acórtela un poco.",
                           n=len(text), max=MAX_IDEA_LENGTH))
    return text


def checked_language(language: str | None) -> str:
    """The language an idea is written in: one of ideaboard/languages.py, the interface's if none is given."""
    if language is None or language == "":
        return current_language()
    if language not in LANGUAGES:
        raise IdeaError(_l("Ese idioma no está en la lista. Elija uno de la lista."))
    return language


def _require_collecting(ideathon: Ideathon) -> None:
    if not ideathon.collecting_ideas:
        raise IdeaError(_l("En este momento la sala no recibe ideas."), 409)


def post_idea(ideathon: Ideathon, participant: Participant, *, theme_id, text: str, client_id: str,
              language: str | None = None) -> tuple[Idea, bool]:
    """Store a participant's idea in a theme and broadcast it to the room. `language`: the one it is
    written in (ideaboard/languages.py); by default the author's interface language.

    Idempotent: the same `client_id` from the same participant (a retry, a double tap) returns
    the idea stored the first time, with `created` False, and broadcasts nothing.
    """
    text = _checked_text(text)
    language = checked_language(language)
    existing = _retry_of(ideathon, participant, client_id)
    if existing is not None:
        return existing, False

    def new_idea(theme: Theme, _extra) -> Idea:
        # Pre-moderation: it waits for a moderator; its author sees it as "waiting for review".
        status = IdeaStatus.PENDING if ideathon.premoderation else IdeaStatus.VISIBLE
        return Idea(ideathon_id=ideathon.id, theme_id=theme.id, participant_id=participant.id,
                    client_id=client_id, text=text, status=status.value, flagged_words=flags_in(text),
                    language=language)

    return _store_post(ideathon, participant, client_id, theme_id, new_idea)


def _retry_of(ideathon: Ideathon, participant: Participant, client_id: str) -> Idea | None:
    """The checks every post makes first, and the idea a retry of it already stored (if any)."""
    if not _CLIENT_ID.match(client_id or ""):
        raise IdeaError(_l("El formulario está incompleto. Recargue la página e intente de nuevo."), 400)
    if participant.ideathon_id != ideathon.id:
        raise IdeaError(_l("Usted no participa en esta sala."), 403)
    return _by_client_id(participant, client_id)


def _store_post(ideathon: Ideathon, participant: Participant, client_id: str, theme_id, new_idea,
                around=None) -> tuple[Idea, bool]:
    """Store the idea `new_idea(theme, extra)` makes and broadcast it, in one write(): the room still
    collecting, its author not muted, the theme one of the room's. `around` (an upload's files) is
    entered before the write and gives `extra`. A retry that won a race, in this process or another,
    is answered with what it stored, `created` False."""
    try:
        with (around if around is not None else nullcontext()) as extra, write():
            _require_collecting(ideathon)
            _require_not_muted(participant)
            theme = _theme_of(ideathon, theme_id)
            existing = _by_client_id(participant, client_id)
            if existing is not None:
                return existing, False
            idea = new_idea(theme, extra)
            db.session.add(idea)
            db.session.flush()
            seq = next_sequence(ideathon)
            events.record(events.ideas_changed, ideathon=ideathon, ideas=[idea], seq=seq)
    except IntegrityError:
        existing = _by_client_id(participant, client_id)
        if existing is None:
            raise
        return existing, False
    return idea, True


def post_voice_idea(ideathon: Ideathon, participant: Participant, *, theme_id, audio, client_id: str
                    ) -> tuple[Idea, bool]:
    """Store a participant's recorded idea (`audio`: the uploaded file) in a theme.

    It arrives *pending*, with no text and its recording: only its author (as waiting) and the
    room's moderators see it, as "Idea por voz, sin transcribir", until a moderator transcribes it
    (moderation.services.transcribe_voice_idea), which puts it on the board. Pending is the status
    that already means "its author and the moderators only" everywhere (the board's queries, the
    broadcasts, the archive, which never takes a pending idea); the recording and the missing
    transcription tell it apart from pre-moderation's waiting ideas, and keep it from being
    approved, edited, merged or voted on before it has a text.

    The recording is checked by content before any transaction (uploads.services.check_voice).
    Idempotent like `post_idea`: a retry with the same `client_id` returns the idea stored first.
    """
    existing = _retry_of(ideathon, participant, client_id)
    if existing is not None:
        return existing, False
    _require_collecting(ideathon)
    checked = check_voice(audio)

    def new_idea(theme: Theme, upload) -> Idea:
        db.session.add(upload)
        db.session.flush()
        return Idea(ideathon_id=ideathon.id, theme_id=theme.id, participant_id=participant.id,
                    client_id=client_id, text="", status=IdeaStatus.PENDING.value, from_voice=True,
                    audio_id=upload.id)

    return _store_post(ideathon, participant, client_id, theme_id, new_idea, around=stored(checked, actor=None))


def edit_idea(idea: Idea, participant: Participant, *, text: str) -> Idea:
    """The author rewrites their own idea while the room collects ideas."""
    text = _checked_text(text)
    with write():
        _require_own_visible(_locked(idea), participant)
        _require_collecting(idea_ideathon := db.session.get(Ideathon, idea.ideathon_id))
        if idea.text == text:
            return idea
        idea.text = text
        idea.edited_at = utcnow()
        idea.flagged_words = flags_in(text)
        seq = next_sequence(idea_ideathon)
        events.record(events.ideas_changed, ideathon=idea_ideathon, ideas=[idea], seq=seq)
    return idea


def withdraw_idea(idea: Idea, participant: Participant) -> Idea:
    """The author takes their own idea off the board while the room collects ideas."""
    with write():
        _require_own_visible(_locked(idea), participant)
        ideathon = db.session.get(Ideathon, idea.ideathon_id)
        _require_collecting(ideathon)
        idea.status = IdeaStatus.WITHDRAWN.value
        seq = next_sequence(ideathon)
        events.record(events.ideas_changed, ideathon=ideathon, ideas=[idea], seq=seq)
    return idea


def post_paper_idea(ideathon: Ideathon, *, theme_id, text: str, actor, language: str | None = None) -> Idea:
    """A moderator types in an idea written on paper in the hall (marked as such), so people
    without phones are on the board too. `language`: the one it is written in (by default the
    moderator's interface language)."""
    if not can_moderate(actor, ideathon):
        raise IdeaError(_l("Solo quienes moderan esta ideatón pueden hacer esto."), 403)
    text = _checked_text(text)
    language = checked_language(language)
    with write():
        db.session.refresh(ideathon)
        if not (ideathon.collecting_ideas or ideathon.voting):
            raise IdeaError(_l("En este momento la sala no recibe ideas."), 409)
        theme = _theme_of(ideathon, theme_id)
        idea = Idea(ideathon_id=ideathon.id, theme_id=theme.id, participant_id=None, client_id=str(uuid.uuid4()),
                    text=text, from_paper=True, entered_by_id=actor.id, flagged_words=flags_in(text),
                    language=language)
        db.session.add(idea)
        db.session.flush()
        seq = next_sequence(ideathon)
        events.record(events.ideas_changed, ideathon=ideathon, ideas=[idea], seq=seq)
    return idea


def _locked(idea: Idea) -> Idea:
    """Lock the idea and re-read it: a moderator may have hidden, merged or edited it meanwhile."""
    db.session.execute(sa.select(Idea).where(Idea.id == idea.id).with_for_update()
                       .execution_options(populate_existing=True))
    return idea


def _require_own_visible(idea: Idea, participant: Participant) -> None:
    if idea.participant_id != participant.id:
        raise IdeaError(_l("Solo puede cambiar sus propias ideas."), 403)
    if idea.awaits_transcription:
        raise IdeaError(_l("Su idea por voz espera que la moderación la escuche y la escriba: todavía no se "
                           "puede cambiar."), 409)
    if idea.status == IdeaStatus.HIDDEN:
        raise IdeaError(_l("La moderación ocultó esta idea: ya no se puede cambiar."), 409)
    if idea.status == IdeaStatus.MERGED:
        raise IdeaError(_l("La moderación unió esta idea con otras parecidas: ya no se puede cambiar."), 409)
    if idea.status not in (IdeaStatus.VISIBLE, IdeaStatus.PENDING):
        raise IdeaError(_l("Esa idea ya fue retirada."), 409)


def _require_not_muted(participant: Participant) -> None:
    muted = db.session.scalar(sa.select(Participant.muted_at).where(Participant.id == participant.id))
    if muted is not None:
        raise IdeaError(_l("La moderación pausó sus publicaciones en esta sala: puede seguir leyendo el tablero y "
                           "votar cuando llegue la votación. Si cree que es un error, hable con quien modera."), 403)


def _theme_of(ideathon: Ideathon, theme_id) -> Theme:
    theme = theme_of(ideathon, theme_id)
    if theme is None:
        raise IdeaError(_l("Ese tema no existe en esta sala. Elija uno de la lista."))
    return theme


def _by_client_id(participant: Participant, client_id: str) -> Idea | None:
    return db.session.scalar(
        sa.select(Idea).where(Idea.participant_id == participant.id, Idea.client_id == client_id)
    )
