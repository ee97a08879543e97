"""The moderators' live controls: thin routes over moderation/services.py.

With htmx, an action answers with the console's live list (the same template as the page and the
re-fetch), and every other console gets the changed rows over Socket.IO. Without JavaScript each
form posts, and the console comes back with a message (Post/Redirect/Get).
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from ..accounts import role_required
from ..database import utcnow
from ..ideas.models import MAX_IDEA_LENGTH
from ..ideas.queries import get_idea
from ..languages import LANGUAGES, language_name
from ..uploads.models import Upload
from ..uploads.services import send_upload, upload_folder
from . import speech
from ..extensions import db
from ..ideathons.models import Ideathon
from ..inputs import number_arg
from ..languages import language_name
from ..policies import PLANNERS, can_moderate
from ..responses import act
from ..votes.queries import vote_counts
from . import services
from .flags import FlagListError, flag_words, replace_flag_words
from .services import ModerationError

bp = Blueprint("moderation", __name__)
ROOM = "/sala/<int:ideathon_id>/moderar"


def moderated(ideathon_id: int) -> Ideathon:
    ideathon = db.session.get(Ideathon, ideathon_id)
    if ideathon is None:
        abort(404)
    if not can_moderate(current_user, ideathon):
        abort(403)
    return ideathon


def list_context(ideathon: Ideathon) -> dict:
    """What the live list shows; hidden counts stay hidden here too (the console may be projected)."""
    return {"ideathon": ideathon, "lists": services.console_ideas(ideathon),
            "counts": vote_counts(ideathon) if ideathon.counts_visible else {}}


def _act(ideathon: Ideathon, action, success):
    """Run a service; answer htmx with the live list, a plain form with the console and a message."""

    def fresh_list() -> dict:
        db.session.expire_all()  # what the action changed is read again
        return list_context(ideathon)

    return act(action, success, fragment="moderation/_list.html", context=fresh_list,
               redirect_to=url_for("facilitation.console", ideathon_id=ideathon.id) + "#moderation",
               catch=ModerationError)


@bp.route(ROOM + "/ideas")
@role_required()
def live_list(ideathon_id: int):
    """The console's live list, re-fetched by room.js after a reconnect or a gap."""
    ideathon = moderated(ideathon_id)
    return render_template("moderation/_sync.html", server_now=utcnow(), **list_context(ideathon))


@bp.route(ROOM + "/ideas/<int:idea_id>/ocultar", methods=["POST"])
@role_required()
def hide(ideathon_id: int, idea_id: int):
    """Hide an idea with a reason (or turn down a waiting one); reversible."""
    ideathon = moderated(ideathon_id)
    return _act(ideathon, lambda: services.hide_idea(ideathon, idea_id, actor=current_user,
                                                     reason=request.form.get("reason", "")), _("Idea ocultada."))


@bp.route(ROOM + "/ideas/<int:idea_id>/mostrar", methods=["POST"])
@role_required()
def unhide(ideathon_id: int, idea_id: int):
    ideathon = moderated(ideathon_id)
    return _act(ideathon, lambda: services.unhide_idea(ideathon, idea_id, actor=current_user),
                _("La idea volvió al tablero."))


@bp.route(ROOM + "/ideas/<int:idea_id>/aprobar", methods=["POST"])
@role_required()
def approve(ideathon_id: int, idea_id: int):
    """Pre-moderation: put a waiting idea on the board."""
    ideathon = moderated(ideathon_id)
    return _act(ideathon, lambda: services.approve_idea(ideathon, idea_id, actor=current_user),
                _("Idea aprobada: ya está en el tablero."))


@bp.route(ROOM + "/ideas/<int:idea_id>/editar", methods=["POST"])
@role_required()
def edit(ideathon_id: int, idea_id: int):
    """Rewrite an idea for clarity (the original is kept)."""
    ideathon = moderated(ideathon_id)
    return _act(ideathon, lambda: services.edit_idea_text(ideathon, idea_id, actor=current_user,
                                                          text=request.form.get("text", "")), _("Texto corregido."))


@bp.route(ROOM + "/ideas/<int:idea_id>/audio")
def audio(ideathon_id: int, idea_id: int):
    """A voice idea's recording, for the room's moderators only: never public, never cached. Anyone
    not logged in (a participant's phone included) gets 404, as if there were nothing here; staff
    who do not moderate this room get 403."""
    if not current_user.is_authenticated:
        abort(404)
    ideathon = moderated(ideathon_id)
    idea = get_idea(ideathon, idea_id)
    upload = db.session.get(Upload, idea.audio_id) if idea is not None and idea.audio_id else None
    if upload is None or not upload.is_audio:
        abort(404)
    return send_upload(upload)


@bp.route(ROOM + "/ideas/<int:idea_id>/transcribir", methods=["GET", "POST"])
@role_required()
def transcribe(ideathon_id: int, idea_id: int):
    """Listen to a voice idea and write it down: its text, its language, optionally a Spanish
    translation. With a local speech-to-text engine configured, its draft fills the text first."""
    ideathon = moderated(ideathon_id)
    idea = get_idea(ideathon, idea_id)
    if idea is None or not idea.from_voice:
        abort(404)
    console = url_for("facilitation.console", ideathon_id=ideathon.id) + "#moderation"
    if not idea.awaits_transcription:
        flash(_("Esa idea por voz ya fue transcrita."), "info")
        return redirect(console)
    form = {"text": "", "language": "es", "spanish": ""}
    errors, status, draft = {}, 200, False
    if request.method == "POST":
        form = {key: request.form.get(key, "") for key in form}
        try:
            services.transcribe_voice_idea(ideathon, idea.id, actor=current_user, text=form["text"],
                                           language=form["language"], spanish=form["spanish"])
        except ModerationError as error:
            errors, status = {"general": str(error)}, error.status
        else:
            flash(_("Idea transcrita: ya está en el tablero."), "success")
            return redirect(console)
    elif idea.audio_id:
        upload = db.session.get(Upload, idea.audio_id)
        if upload is not None:
            text = speech.draft_transcript(str(upload_folder() / upload.stored_name), MAX_IDEA_LENGTH)
            if text:
                form["text"], draft = text, True
    languages = [(code, language_name(code)) for code in LANGUAGES]
    return render_template("moderation/transcribe.html", ideathon=ideathon, idea=idea, form=form, errors=errors,
                           languages=languages, draft=draft, engine=speech.configured(),
                           max_length=MAX_IDEA_LENGTH), status


@bp.route(ROOM + "/ideas/<int:idea_id>/traducir", methods=["POST"])
@role_required()
def translate(ideathon_id: int, idea_id: int):
    """Add or correct the moderation's translation of an idea (Spanish unless another is chosen)."""
    ideathon = moderated(ideathon_id)
    return _act(ideathon, lambda: services.translate_idea(
        ideathon, idea_id, actor=current_user, text=request.form.get("text", ""),
        language=request.form.get("language", "es")), _("Traducción guardada."))


@bp.route(ROOM + "/ideas/<int:idea_id>/traducir/quitar", methods=["POST"])
@role_required()
def untranslate(ideathon_id: int, idea_id: int):
    """Take the moderation's translation into one language away."""
    ideathon = moderated(ideathon_id)
    return _act(ideathon, lambda: services.remove_translation(
        ideathon, idea_id, actor=current_user, language=request.form.get("language", "")), _("Traducción quitada."))


@bp.route(ROOM + "/ideas/<int:idea_id>/mover", methods=["POST"])
@role_required()
def move(ideathon_id: int, idea_id: int):
    ideathon = moderated(ideathon_id)
    return _act(ideathon, lambda: services.move_idea(ideathon, idea_id, actor=current_user,
                                                     theme_id=request.form.get("theme_id")), _("Idea movida de tema."))


@bp.route(ROOM + "/ideas/<int:idea_id>/destacar", methods=["POST"])
@role_required()
def pin(ideathon_id: int, idea_id: int):
    ideathon = moderated(ideathon_id)
    pinned = request.form.get("pinned") == "1"
    return _act(ideathon, lambda: services.pin_idea(ideathon, idea_id, actor=current_user, pinned=pinned),
                _("Idea destacada.") if pinned else _("La idea ya no está destacada."))


@bp.route(ROOM + "/unir", methods=["POST"])
@role_required()
def merge(ideathon_id: int):
    """Merge the ideas ticked in the list into one, with an edited text."""
    ideathon = moderated(ideathon_id)

    def done(result):
        merged, returned = result
        message = ngettext("%(num)d ideas unidas en una.", "%(num)d ideas unidas en una.", len(merged.sources))
        if returned:
            message += " " + ngettext("Se devolvió %(num)d punto repetido.", "Se devolvieron %(num)d puntos repetidos.",
                                      returned)
        return message

    return _act(ideathon, lambda: services.merge_ideas(
        ideathon, request.form.getlist("idea_ids"), actor=current_user, text=request.form.get("text", ""),
        theme_id=request.form.get("theme_id") or None, language=request.form.get("language") or None), done)


@bp.route(ROOM + "/ideas/<int:idea_id>/separar", methods=["POST"])
@role_required()
def split(ideathon_id: int, idea_id: int):
    """Undo a merge: the ideas come back with their dots."""
    ideathon = moderated(ideathon_id)

    def done(outcome):
        message = _("Unión deshecha: las ideas volvieron con sus puntos.")
        if outcome["not_restored"]:
            message += " " + ngettext(
                "%(num)d punto no volvió porque su participante ya lo usó en otra idea.",
                "%(num)d puntos no volvieron porque sus participantes ya los usaron en otras ideas.",
                outcome["not_restored"])
        if outcome["returned"]:
            message += " " + ngettext("Se devolvió %(num)d punto puesto en la idea unida.",
                                      "Se devolvieron %(num)d puntos puestos en la idea unida.", outcome["returned"])
        return message

    return _act(ideathon, lambda: services.split_idea(ideathon, idea_id, actor=current_user), done)


@bp.route(ROOM + "/participantes/<int:participant_id>/silenciar", methods=["POST"])
@role_required()
def mute(ideathon_id: int, participant_id: int):
    """Stop someone's posting; optionally hide what they posted, in one go."""
    ideathon = moderated(ideathon_id)
    hide_ideas = request.form.get("hide_ideas") == "1"

    def done(hidden):
        message = _("Participante silenciado: ya no puede publicar.")
        if hidden:
            message += " " + ngettext("Se ocultó %(num)d idea suya.", "Se ocultaron %(num)d ideas suyas.", len(hidden))
        return message

    return _act(ideathon, lambda: services.mute_participant(
        ideathon, participant_id, actor=current_user, hide_ideas=hide_ideas, reason=request.form.get("reason", "")),
        done)


@bp.route(ROOM + "/participantes/<int:participant_id>/reactivar", methods=["POST"])
@role_required()
def unmute(ideathon_id: int, participant_id: int):
    ideathon = moderated(ideathon_id)
    return _act(ideathon, lambda: services.unmute_participant(ideathon, participant_id, actor=current_user),
                _("Participante reactivado: puede volver a publicar."))


@bp.route(ROOM + "/registro")
@role_required()
def audit(ideathon_id: int):
    """Every moderator action on this ideathon: who, when, what, before and after."""
    ideathon = moderated(ideathon_id)
    page = number_arg("pagina", 1, 100_000, default=1)
    return render_template("moderation/audit.html", ideathon=ideathon, entries=services.audit_log(ideathon, page))


@bp.route("/moderacion/palabras", methods=["GET", "POST"])
@role_required(*PLANNERS)
def words():
    """The flag list: ideas with these words are marked for the moderators, never hidden."""
    text = "\n".join(flag_words())
    if request.method == "POST":
        text = request.form.get("words", "")
        try:
            saved = replace_flag_words(text, actor=current_user)
        except FlagListError as error:
            flash(str(error), "error")
            return render_template("moderation/words.html", text=text), 422
        flash(ngettext("Lista guardada: %(num)d palabra.", "Lista guardada: %(num)d palabras.", len(saved)), "success")
        return redirect(url_for("moderation.words"))
    return render_template("moderation/words.html", text=text)


ACTIONS = {
    "hide": _l("Idea ocultada"), "unhide": _l("Idea mostrada de nuevo"), "approve": _l("Idea aprobada"),
    "reject": _l("Idea rechazada"), "edit": _l("Texto editado"), "move": _l("Idea movida de tema"),
    "pin": _l("Idea destacada"), "unpin": _l("Idea sin destacar"), "merge": _l("Ideas unidas"),
    "split": _l("Unión deshecha"), "transcribe": _l("Idea por voz transcrita"), "mute": _l("Participante silenciado"), "unmute": _l("Participante reactivado"),
    "translate": _l("Traducción de la moderación guardada"), "untranslate": _l("Traducción de la moderación quitada"),
}
STATES = {"visible": _l("en el tablero"), "pending": _l("esperando revisión"), "hidden": _l("ocultada"),
          "merged": _l("unida a otra"), "withdrawn": _l("retirada")}


@bp.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    return str(ACTIONS.get(action, action))


@bp.app_template_filter("audit_state")
def audit_state(state: dict) -> str:
    """A before/after state of the audit log, in words."""
    parts = []
    for key, value in (state or {}).items():
        if key == "status":
            parts.append(str(STATES.get(value, value)))
        elif key == "text":
            parts.append(f"«{value}»")
        elif key == "language":
            parts.append(_("idioma: %(name)s", name=language_name(value)))
        elif key == "translation" and value:
            parts.append(_("traducción (%(language)s): «%(text)s»", language=language_name(value["language"]),
                           text=value["text"]))
        elif key == "theme":
            parts.append(_("tema: %(name)s", name=value))
        elif key == "ideas":
            parts.append("; ".join(f"«{idea['text']}»" for idea in value))
        elif key == "pinned":
            parts.append(_("destacada") if value else _("sin destacar"))
        elif key == "muted":
            parts.append(_("silenciado") if value else _("puede publicar"))
        elif key == "hidden_ideas" and value:
            parts.append(ngettext("%(num)d idea ocultada", "%(num)d ideas ocultadas", len(value)))
        elif key in ("dots_returned", "returned") and value:
            parts.append(ngettext("%(num)d punto devuelto", "%(num)d puntos devueltos", value))
        elif key == "not_restored" and value:
            parts.append(ngettext("%(num)d punto no volvió (ya usado)", "%(num)d puntos no volvieron (ya usados)", value))
        elif key == "reason" and value:
            parts.append(_("motivo: %(reason)s", reason=value))
    return " · ".join(parts)
