"""Rules of live moderation. Every action checks, here, that the actor may moderate this ideathon
(whatever route or socket brought it), locks the ideas it changes, re-reads them, records itself
in the audit log with the state before and after, and records an `ideas_changed` event (with a
`counts_changed` one for the counts) that reaches every screen through the room's broadcaster once
committed (ideaboard/events.py).

Concurrency: ideas are locked (`FOR UPDATE` on PostgreSQL; SQLite is serialised by `write()`) and
their state is checked after the lock, so of two moderators acting on the same idea the second
gets a clear message, and a vote batch (which reads its ideas `FOR SHARE`) never lands a dot on
an idea that a merge has just consumed.
"""
import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import events
from ..accounts.models import User
from ..database import row_id, utcnow, write
from ..extensions import db
from ..ideas.models import MAX_IDEA_LENGTH, Idea, IdeaStatus, IdeaTranslation
from ..ideathons.models import Ideathon, Theme
from ..ideathons.services import theme_of
from ..i18n import current_language
from ..languages import LANGUAGES, language_name
from ..policies import can_moderate
from ..refusals import Refusal
from ..rooms.models import Participant
from ..rooms.sequence import next_sequence
from ..votes.models import PaperTally, Vote
from ..votes.queries import paper_votes
from .flags import flags_in
from .models import Merge, MergedVote, ModerationAction

MAX_REASON = 200
ON_BOARD = (IdeaStatus.VISIBLE.value, IdeaStatus.PENDING.value)


class ModerationError(Refusal):
    """A moderation action was refused; the message is for the moderator."""

    status = 409


# --- checks -------------------------------------------------------------------------------------

def _require(ideathon: Ideathon, actor: User) -> None:
    if not can_moderate(actor, ideathon):
        raise ModerationError(_l("Solo quienes moderan esta ideatón pueden hacer esto."), 403)
    db.session.refresh(ideathon)
    if ideathon.phase == "closed" or not ideathon.room_is_open:
        raise ModerationError(_l("La sala está cerrada: el tablero ya no cambia."))


def _reason(reason: str, required: bool = True) -> str | None:
    reason = " ".join((reason or "").split())
    if not reason and required:
        raise ModerationError(_l("Escriba el motivo: se muestra junto a la idea ocultada."), 422)
    if len(reason) > MAX_REASON:
        raise ModerationError(_l("El motivo admite como máximo %(n)s caracteres.", n=MAX_REASON), 422)
    return reason or None


def _text(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ModerationError(_l("Escriba el texto de la idea."), 422)
    if len(text) > MAX_IDEA_LENGTH:
        raise ModerationError(_l("El texto tiene %(n)s caracteres; el máximo es %(max)s.",
                                 n=len(text), max=MAX_IDEA_LENGTH), 422)
    return text


def _ids(values) -> list[int]:
    ids = {row_id(value) for value in values}
    if None in ids:  # text, or a number no row can have
        raise ModerationError(_l("Esa idea no existe en esta sala."), 404)
    return sorted(ids)


def _locked(ideathon: Ideathon, idea_ids) -> list[Idea]:
    """These ideas of this room, locked and re-read (in id order, so two moderators never deadlock)."""
    ids = _ids(idea_ids)
    ideas = list(db.session.scalars(
        sa.select(Idea).where(Idea.id.in_(ids), Idea.ideathon_id == ideathon.id).order_by(Idea.id)
        .with_for_update().execution_options(populate_existing=True)
    ))
    if len(ideas) != len(ids):
        raise ModerationError(_l("Esa idea no existe en esta sala."), 404)
    return ideas


def _one(ideathon: Ideathon, idea_id, allowed=ON_BOARD) -> Idea:
    (idea,) = _locked(ideathon, [idea_id])
    if idea.status not in allowed:
        raise ModerationError(_gone(idea))
    return idea


def _gone(idea: Idea):
    return {
        IdeaStatus.WITHDRAWN.value: _l("Su autor retiró esta idea mientras tanto."),
        IdeaStatus.MERGED.value: _l("Otra persona unió esta idea con otras mientras tanto."),
        IdeaStatus.HIDDEN.value: _l("Otra persona ocultó esta idea mientras tanto."),
        IdeaStatus.PENDING.value: _l("Esta idea aún espera revisión: apruébela primero."),
        IdeaStatus.VISIBLE.value: _l("Esta idea ya está en el tablero."),
    }[idea.status]


def _require_transcribed(idea: Idea) -> None:
    if idea.awaits_transcription:
        raise ModerationError(_l("Es una idea por voz sin transcribir: escúchela y transcríbala primero."))


def _theme(ideathon: Ideathon, theme_id) -> Theme:
    theme = theme_of(ideathon, theme_id)
    if theme is None:
        raise ModerationError(_l("Ese tema no existe en esta sala. Elija uno de la lista."), 422)
    return theme


def record(ideathon: Ideathon, actor: User | None, action: str, *, idea: Idea | None = None,
           participant_id: int | None = None, before: dict | None = None, after: dict | None = None,
           reason: str | None = None) -> ModerationAction:
    """Write one entry of the audit log (inside the caller's transaction)."""
    entry = ModerationAction(ideathon_id=ideathon.id, actor_id=actor.id if actor else None, action=action,
                             idea_id=idea.id if idea else None, participant_id=participant_id,
                             before=before, after=after, reason=reason)
    db.session.add(entry)
    return entry


def _changed(ideathon: Ideathon, ideas: list[Idea], seq: int, moved=(), resync=(), dots_returned=()) -> None:
    """Record the change for the room (inside the caller's transaction): the ideas, then their counts."""
    events.record(events.ideas_changed, ideathon=ideathon, ideas=ideas, seq=seq, moved=moved, resync=resync,
                  dots_returned=dots_returned)
    events.record(events.counts_changed, ideathon_id=ideathon.id, idea_ids=[idea.id for idea in ideas])


def _return_dots(ideas: list[Idea]) -> dict[int, int]:
    """The phones' dots on ideas taken off the board (hidden, rejected): returned to their owners,
    who cannot see the idea any more to take them back (as a merge returns the extra ones). Inside
    the caller's transaction. Returns how many dots each participant got back. Paper tallies stay:
    they count sheets on a wall, not anyone's dots. Showing the idea again does not put them back:
    the participant may have placed them elsewhere meanwhile."""
    ids = [idea.id for idea in ideas]
    if not ids:
        return {}
    votes = db.session.scalars(sa.select(Vote).where(Vote.idea_id.in_(ids)).with_for_update()).all()
    returned: dict[int, int] = {}
    for vote in votes:
        returned[vote.participant_id] = returned.get(vote.participant_id, 0) + 1
        db.session.delete(vote)
    return returned


# --- one idea -----------------------------------------------------------------------------------

def hide_idea(ideathon: Ideathon, idea_id, *, actor: User, reason: str) -> Idea:
    """Take an idea off the board with a reason (shown in the public record); reversible.
    Also how a waiting idea is turned down under pre-moderation."""
    reason = _reason(reason)
    with write():
        _require(ideathon, actor)
        idea = _one(ideathon, idea_id)
        before = {"status": idea.status}
        idea.status, idea.hidden_reason = IdeaStatus.HIDDEN.value, reason
        returned = _return_dots([idea])
        after = {"status": idea.status, **({"dots_returned": sum(returned.values())} if returned else {})}
        record(ideathon, actor, "reject" if before["status"] == IdeaStatus.PENDING else "hide", idea=idea,
               before=before, after=after, reason=reason)
        seq = next_sequence(ideathon)
        _changed(ideathon, [idea], seq, resync=set(returned), dots_returned=set(returned))
    return idea


def unhide_idea(ideathon: Ideathon, idea_id, *, actor: User) -> Idea:
    with write():
        _require(ideathon, actor)
        idea = _one(ideathon, idea_id, allowed=(IdeaStatus.HIDDEN.value,))
        before = {"status": idea.status, "reason": idea.hidden_reason}
        idea.status, idea.hidden_reason = IdeaStatus.VISIBLE.value, None
        record(ideathon, actor, "unhide", idea=idea, before=before, after={"status": idea.status})
        seq = next_sequence(ideathon)
        _changed(ideathon, [idea], seq)
    return idea


def approve_idea(ideathon: Ideathon, idea_id, *, actor: User) -> Idea:
    """Pre-moderation: a waiting idea goes on the board."""
    with write():
        _require(ideathon, actor)
        idea = _one(ideathon, idea_id, allowed=(IdeaStatus.PENDING.value,))
        _require_transcribed(idea)
        idea.status = IdeaStatus.VISIBLE.value
        record(ideathon, actor, "approve", idea=idea, before={"status": "pending"}, after={"status": idea.status})
        seq = next_sequence(ideathon)
        _changed(ideathon, [idea], seq)
    return idea


def edit_idea_text(ideathon: Ideathon, idea_id, *, actor: User, text: str) -> Idea:
    """Rewrite an idea for clarity. Its original text is kept (and shown on request)."""
    text = _text(text)
    with write():
        _require(ideathon, actor)
        idea = _one(ideathon, idea_id)
        _require_transcribed(idea)
        if idea.text == text:
            return idea
        before = {"text": idea.text}
        if idea.original_text is None:
            idea.original_text = idea.text
        idea.text, idea.edited_at, idea.flagged_words = text, utcnow(), flags_in(text)
        record(ideathon, actor, "edit", idea=idea, before=before, after={"text": text})
        seq = next_sequence(ideathon)
        _changed(ideathon, [idea], seq)
    return idea


def transcribe_voice_idea(ideathon: Ideathon, idea_id, *, actor: User, text: str, language: str,
                          spanish: str = "") -> Idea:
    """A moderator (or a bilingual facilitator assigned to the room as one) listens to a voice idea
    and writes it down: its text, the language it was spoken in and, optionally, a Spanish
    translation (kept apart, labelled as the moderation's). It goes on the board at once (the
    moderator has just reviewed it), marked "Idea por voz, transcrita por la moderación"; from
    then on it is an idea like any other (votes, merge, archive)."""
    text = _text(text)
    if language not in LANGUAGES:
        raise ModerationError(_l("Elija el idioma en que se dijo la idea."), 422, errors={"language": _l(
            "Elija el idioma en que se dijo la idea.")})
    spanish = _translation_text(spanish) if (spanish or "").strip() and language != "es" else ""
    with write():
        _require(ideathon, actor)
        idea = _one(ideathon, idea_id, allowed=(IdeaStatus.PENDING.value,))
        if not idea.awaits_transcription:
            raise ModerationError(_l("Otra persona ya transcribió esta idea."))
        idea.text, idea.language, idea.flagged_words = text, language, flags_in(text)
        idea.transcribed_at, idea.transcribed_by_id = utcnow(), actor.id
        idea.status = IdeaStatus.VISIBLE.value
        if spanish:
            _put_translation(idea, "es", spanish, actor)
        record(ideathon, actor, "transcribe", idea=idea, before={"status": IdeaStatus.PENDING.value},
               after={"status": idea.status, "text": text, "language": language})
        seq = next_sequence(ideathon)
        _changed(ideathon, [idea], seq)
    return idea


def move_idea(ideathon: Ideathon, idea_id, *, actor: User, theme_id) -> Idea:
    with write():
        _require(ideathon, actor)
        idea = _one(ideathon, idea_id)
        theme = _theme(ideathon, theme_id)
        if idea.theme_id == theme.id:
            return idea
        before = {"theme_id": idea.theme_id, "theme": idea.theme.name}
        moved = ((idea.id, idea.theme_id),)
        idea.theme_id = theme.id
        record(ideathon, actor, "move", idea=idea, before=before, after={"theme_id": theme.id, "theme": theme.name})
        seq = next_sequence(ideathon)
        _changed(ideathon, [idea], seq, moved=moved)
    db.session.refresh(idea)
    return idea


def pin_idea(ideathon: Ideathon, idea_id, *, actor: User, pinned: bool) -> Idea:
    """Pin (and highlight) an idea at the top of its theme, or unpin it."""
    with write():
        _require(ideathon, actor)
        idea = _one(ideathon, idea_id)
        if idea.pinned == bool(pinned):
            return idea
        idea.pinned = bool(pinned)
        record(ideathon, actor, "pin" if pinned else "unpin", idea=idea, before={"pinned": not pinned},
               after={"pinned": bool(pinned)})
        seq = next_sequence(ideathon)
        _changed(ideathon, [idea], seq)
    return idea


# --- translations -------------------------------------------------------------------------------

# Ideas a translation may be given to: on the board, waiting, or hidden (the record keeps them).
TRANSLATABLE = (IdeaStatus.VISIBLE.value, IdeaStatus.PENDING.value, IdeaStatus.HIDDEN.value)


def _require_translating(ideathon: Ideathon, actor: User) -> None:
    """Translations are not the board's live state: they may be added while the room is open and
    after it closes (the proposals and the mayor's report are written then), until it is archived."""
    if not can_moderate(actor, ideathon):
        raise ModerationError(_l("Solo quienes moderan esta ideatón pueden hacer esto."), 403)
    db.session.refresh(ideathon)
    if ideathon.archived_at is not None:
        raise ModerationError(_l("Esta ideatón ya está archivada: sus ideas ya no cambian."))


def _translation_language(idea: Idea, language: str | None) -> str:
    language = (language or "").strip()
    if language not in LANGUAGES:
        raise ModerationError(_l("Ese idioma no está en la lista. Elija uno de la lista."), 422)
    if language == idea.language:
        raise ModerationError(_l("La idea ya está escrita en %(language)s: elija otro idioma para la traducción.",
                                 language=language_name(language)), 422)
    return language


def _translation_text(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ModerationError(_l("Escriba la traducción."), 422)
    if len(text) > MAX_IDEA_LENGTH:
        raise ModerationError(_l("La traducción tiene %(n)s caracteres; el máximo es %(max)s.",
                                 n=len(text), max=MAX_IDEA_LENGTH), 422)
    return text


def _translation(idea: Idea, language: str) -> IdeaTranslation | None:
    return db.session.scalar(sa.select(IdeaTranslation).where(
        IdeaTranslation.idea_id == idea.id, IdeaTranslation.language == language).with_for_update())


def _put_translation(idea: Idea, language: str, text: str, actor: User) -> IdeaTranslation:
    """Store the moderation's translation of an idea into a language, new or corrected (inside the
    caller's write()): used by translating and by transcribing a voice idea."""
    translation = _translation(idea, language)
    if translation is None:
        translation = IdeaTranslation(idea_id=idea.id, language=language, text=text, translated_by_id=actor.id)
        db.session.add(translation)
    else:
        translation.text, translation.translated_by_id, translation.updated_at = text, actor.id, utcnow()
    db.session.flush()
    db.session.expire(idea, ["translations"])  # what the room is sent reads them again
    return translation


def translate_idea(ideathon: Ideathon, idea_id, *, actor: User, text: str, language: str = "es") -> IdeaTranslation:
    """Add (or correct) the moderation's translation of an idea into a language, Spanish by default.
    The original stays as its author wrote it; the translation is kept apart, always shown labelled
    as the moderation's, audited and broadcast to the room like an edit."""
    text = _translation_text(text)
    with write():
        _require_translating(ideathon, actor)
        idea = _one(ideathon, idea_id, allowed=TRANSLATABLE)
        language = _translation_language(idea, language)
        existing = _translation(idea, language)
        if existing is not None and existing.text == text:
            return existing
        before = {"translation": {"language": language, "text": existing.text}} if existing else None
        translation = _put_translation(idea, language, text, actor)
        record(ideathon, actor, "translate", idea=idea, before=before,
               after={"translation": {"language": language, "text": text}})
        seq = next_sequence(ideathon)
        _changed(ideathon, [idea], seq)
    return translation


def remove_translation(ideathon: Ideathon, idea_id, *, actor: User, language: str) -> None:
    """Take the moderation's translation of an idea into a language away (audited, broadcast)."""
    with write():
        _require_translating(ideathon, actor)
        idea = _one(ideathon, idea_id, allowed=TRANSLATABLE)
        translation = _translation(idea, language or "")
        if translation is None:
            raise ModerationError(_l("Esa idea no tiene traducción a ese idioma."), 404)
        record(ideathon, actor, "untranslate", idea=idea,
               before={"translation": {"language": translation.language, "text": translation.text}})
        db.session.delete(translation)
        db.session.flush()
        db.session.expire(idea, ["translations"])
        seq = next_sequence(ideathon)
        _changed(ideathon, [idea], seq)


# --- participants -------------------------------------------------------------------------------

def mute_participant(ideathon: Ideathon, participant_id, *, actor: User, hide_ideas: bool = False,
                     reason: str = "") -> list[Idea]:
    """Stop a participant's posting; optionally hide, in one go, what they posted. Returns the
    ideas hidden."""
    reason = _reason(reason, required=hide_ideas)
    with write():
        _require(ideathon, actor)
        participant = db.session.scalar(
            sa.select(Participant).where(Participant.id == _ids([participant_id])[0],
                                         Participant.ideathon_id == ideathon.id)
            .with_for_update().execution_options(populate_existing=True))
        if participant is None:
            raise ModerationError(_l("Esa persona no participa en esta sala."), 404)
        if participant.muted_at is not None and not hide_ideas:
            raise ModerationError(_l("Esta persona ya está silenciada."))
        participant.muted_at = participant.muted_at or utcnow()
        hidden = []
        if hide_ideas:
            ids = db.session.scalars(sa.select(Idea.id).where(Idea.participant_id == participant.id,
                                                              Idea.status.in_(ON_BOARD)))
            hidden = _locked(ideathon, list(ids))
            for idea in hidden:
                idea.status, idea.hidden_reason = IdeaStatus.HIDDEN.value, reason
        returned = _return_dots(hidden)
        record(ideathon, actor, "mute", participant_id=participant.id, before={"muted": False},
               after={"muted": True, "hidden_ideas": [idea.id for idea in hidden],
                      **({"dots_returned": sum(returned.values())} if returned else {})}, reason=reason)
        seq = next_sequence(ideathon)
        _changed(ideathon, hidden, seq, resync=set(returned), dots_returned=set(returned))
    return hidden


def unmute_participant(ideathon: Ideathon, participant_id, *, actor: User) -> None:
    with write():
        _require(ideathon, actor)
        participant = db.session.get(Participant, _ids([participant_id])[0])
        if participant is None or participant.ideathon_id != ideathon.id:
            raise ModerationError(_l("Esa persona no participa en esta sala."), 404)
        if participant.muted_at is None:
            raise ModerationError(_l("Esta persona no está silenciada."))
        participant.muted_at = None
        record(ideathon, actor, "unmute", participant_id=participant.id, before={"muted": True},
               after={"muted": False})


# --- merge and split ----------------------------------------------------------------------------

def merge_ideas(ideathon: Ideathon, idea_ids, *, actor: User, text: str, theme_id=None,
                language: str | None = None) -> tuple[Idea, int]:
    """Consolidate two or more ideas into a new one with an edited text, written in `language`
    (the moderator's interface language unless another is chosen; the sources keep theirs).

    Their dots move to the new idea, at most one per participant: where a participant had dots on
    several of them, the extra dots are returned (they may place them again). Paper tallies add up.
    Returns the consolidated idea and the number of dots returned. `split_idea` undoes it.
    """
    ids = _ids(idea_ids)
    if len(ids) < 2:
        raise ModerationError(_l("Elija al menos dos ideas para unir."), 422)
    text = _text(text)
    if language in (None, ""):
        language = current_language()
    elif language not in LANGUAGES:
        raise ModerationError(_l("Ese idioma no está en la lista. Elija uno de la lista."), 422)
    with write():
        _require(ideathon, actor)
        sources = _locked(ideathon, ids)
        if any(idea.status != IdeaStatus.VISIBLE for idea in sources):
            raise ModerationError(_l("Otra persona cambió alguna de estas ideas mientras tanto (la unió, ocultó o "
                                     "retiró). Revise la lista y elija de nuevo."))
        theme = _theme(ideathon, theme_id) if theme_id else sources[0].theme
        paper = paper_votes(ideathon)
        merged = Idea(ideathon_id=ideathon.id, theme_id=theme.id, participant_id=None, client_id=str(uuid.uuid4()),
                      text=text, consolidated=True, pinned=any(idea.pinned for idea in sources),
                      flagged_words=flags_in(text), language=language)
        db.session.add(merged)
        db.session.flush()
        merge = Merge(ideathon_id=ideathon.id, idea_id=merged.id, created_by_id=actor.id)
        db.session.add(merge)
        db.session.flush()
        votes = db.session.scalars(
            sa.select(Vote).where(Vote.idea_id.in_(ids)).order_by(Vote.created_at, Vote.id).with_for_update()
        ).all()
        seen, returned = set(), 0
        for vote in votes:
            kept = vote.participant_id not in seen
            seen.add(vote.participant_id)
            db.session.add(MergedVote(merge_id=merge.id, participant_id=vote.participant_id, from_idea_id=vote.idea_id,
                                      client_id=vote.client_id, kept=kept, vote_id=vote.id if kept else None))
            if kept:
                vote.idea_id, vote.idea_slot = merged.id, 1
            else:
                db.session.delete(vote)
                returned += 1
        on_paper = sum(paper.get(idea.id, 0) for idea in sources)
        if on_paper:
            db.session.add(PaperTally(idea_id=merged.id, votes=on_paper, entered_by_id=actor.id))
        for idea in sources:
            idea.status, idea.merged_into_id = IdeaStatus.MERGED.value, merged.id
        record(ideathon, actor, "merge", idea=merged,
               before={"ideas": [{"id": idea.id, "text": idea.text} for idea in sources]},
               after={"id": merged.id, "text": text, "theme": theme.name, "dots_returned": returned})
        seq = next_sequence(ideathon)
        _changed(ideathon, [*sources, merged], seq, resync=seen)
    return merged, returned


def split_idea(ideathon: Ideathon, idea_id, *, actor: User) -> dict[str, int]:
    """Undo a merge: the source ideas come back with their dots. A dot returned by the merge goes
    back on its source only if its participant has not spent it elsewhere meanwhile; dots placed on
    the consolidated idea itself after the merge are returned. Returns what happened to the dots."""
    with write():
        _require(ideathon, actor)
        merged = _one(ideathon, idea_id, allowed=(IdeaStatus.VISIBLE.value, IdeaStatus.HIDDEN.value))
        merge = db.session.scalar(sa.select(Merge).where(Merge.idea_id == merged.id, Merge.undone_at.is_(None)))
        if not merged.consolidated or merge is None:
            raise ModerationError(_l("Esta idea no es una unión de otras: no hay nada que separar."))
        sources = _locked(ideathon, db.session.scalars(sa.select(Idea.id).where(Idea.merged_into_id == merged.id)))
        rows = db.session.scalars(sa.select(MergedVote).where(MergedVote.merge_id == merge.id)
                                  .order_by(MergedVote.id)).all()
        on_merged = {vote.id: vote for vote in db.session.scalars(
            sa.select(Vote).where(Vote.idea_id == merged.id).with_for_update())}
        voters = {row.participant_id for row in rows} | {vote.participant_id for vote in on_merged.values()}
        outcome = {"moved_back": 0, "restored": 0, "not_restored": 0, "returned": 0}
        for row in rows:
            vote = on_merged.pop(row.vote_id, None) if row.kept else None
            if vote is not None:
                vote.idea_id, vote.idea_slot = row.from_idea_id, 1
                outcome["moved_back"] += 1
        for vote in on_merged.values():  # placed on the consolidated idea after the merge
            db.session.delete(vote)
            outcome["returned"] += 1
        db.session.flush()
        budget, per_idea = ideathon.dot_budget, ideathon.max_dots_per_idea
        for row in rows:
            if row.kept:
                continue
            mine = db.session.execute(sa.select(Vote.slot, Vote.idea_id, Vote.idea_slot, Vote.client_id)
                                      .where(Vote.participant_id == row.participant_id)).all()
            on_idea = [r.idea_slot for r in mine if r.idea_id == row.from_idea_id]
            if (len(mine) >= budget or len(on_idea) >= per_idea
                    or any(r.client_id == row.client_id for r in mine)):
                outcome["not_restored"] += 1
                continue
            db.session.add(Vote(
                ideathon_id=ideathon.id, idea_id=row.from_idea_id, participant_id=row.participant_id,
                slot=min(set(range(1, budget + 1)) - {r.slot for r in mine}),
                idea_slot=min(set(range(1, per_idea + 1)) - set(on_idea)), client_id=row.client_id))
            db.session.flush()
            outcome["restored"] += 1
        for idea in sources:
            idea.status, idea.merged_into_id = IdeaStatus.VISIBLE.value, None
        merged.status = IdeaStatus.WITHDRAWN.value
        merge.undone_at, merge.undone_by_id = utcnow(), actor.id
        record(ideathon, actor, "split", idea=merged, before={"id": merged.id, "text": merged.text},
               after={"ideas": [{"id": idea.id, "text": idea.text} for idea in sources], **outcome})
        seq = next_sequence(ideathon)
        _changed(ideathon, [merged, *sources], seq, resync=voters)
    return outcome


# --- reading ------------------------------------------------------------------------------------

def audit_log(ideathon: Ideathon, page: int = 1, per_page: int = 50):
    """The ideathon's moderation record, newest first, a page at a time."""
    return db.paginate(
        sa.select(ModerationAction).where(ModerationAction.ideathon_id == ideathon.id)
        .order_by(ModerationAction.at.desc(), ModerationAction.id.desc()),
        page=min(max(1, page), 100_000), per_page=per_page, error_out=False)


def console_ideas(ideathon: Ideathon) -> dict[str, list[Idea]]:
    """What the moderators work on: waiting, on the board (pinned first, newest first) and hidden."""
    ideas = db.session.scalars(
        sa.select(Idea).where(Idea.ideathon_id == ideathon.id, Idea.status.in_(
            (IdeaStatus.PENDING.value, IdeaStatus.VISIBLE.value, IdeaStatus.HIDDEN.value)))
        .options(sa.orm.selectinload(Idea.participant), sa.orm.selectinload(Idea.sources),
                 sa.orm.selectinload(Idea.translations))
        .order_by(Idea.pinned.desc(), Idea.created_at.desc(), Idea.id.desc())
    ).all()
    return {
        "pending": [i for i in ideas if i.status == IdeaStatus.PENDING],
        "visible": [i for i in ideas if i.status == IdeaStatus.VISIBLE],
        "hidden": [i for i in ideas if i.status == IdeaStatus.HIDDEN],
    }
