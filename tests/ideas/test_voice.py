"""Ideas by voice, through the real app: a phone sends a recording (htmx or a plain form), it
waits for the moderators only, who alone may hear it; a moderator transcribes it and from then on
it is an idea like any other. Bad recordings are refused in Spanish with nothing stored; the
recordings go after the retention period; a local speech-to-text engine pre-fills the text."""
import io
import stat
import sys
import uuid
from datetime import timedelta

import sqlalchemy as sa

from ideaboard.accounts.models import Role
from ideaboard.database import utcnow, write
from ideaboard.extensions import db
from ideaboard.ideas.models import Idea, IdeaStatus, IdeaTranslation
from ideaboard.ideathons.models import Ideathon
from ideaboard.ideathons.services import assign_moderators
from ideaboard.moderation import services as mod
from ideaboard.rooms.services import change_phase
from ideaboard.uploads.models import Upload
from ideaboard.uploads.services import upload_folder
from tests.conftest import Auth
from tests.uploads.audio_samples import m4a_aac, wav_bytes, webm_opus
from tests.uploads.samples import image_bytes

HTMX = {"HX-Request": "true"}


def send(phone, room, data: bytes, filename="grabacion.webm", htmx=True, client_id=None, theme=None):
    return Auth(phone).post(f"/sala/{room.id}/ideas/voz", {
        "theme_id": str((theme or room.themes[0]).id), "client_id": client_id or str(uuid.uuid4()),
        "audio": (io.BytesIO(data), filename),
    }, headers=HTMX if htmx else {}, content_type="multipart/form-data")


def voice_ideas():
    return db.session.scalars(sa.select(Idea).where(Idea.from_voice).order_by(Idea.id)).all()


def stored_files():
    folder = upload_folder()
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def moderated_room(open_room, make_user, **kwargs):
    room = open_room(themes=[("Agua", "water"), ("Calles", "road")], **kwargs)
    moderator = make_user(Role.MODERATOR)
    assign_moderators(room, [moderator], actor=room.created_by)
    return room, moderator


def test_a_recording_waits_for_the_moderators_and_its_author_only(app, open_room, join, make_user, socket_client):
    room, moderator = moderated_room(open_room, make_user)
    author_phone, other_phone, console = app.test_client(), app.test_client(), app.test_client()
    join(author_phone, room, nickname="Ana")
    join(other_phone, room)
    Auth(console).login(moderator)
    sockets = {name: socket_client(c, room=room.id) for name, c in
               (("author", author_phone), ("other", other_phone), ("console", console))}
    for sio in sockets.values():
        sio.get_received()

    answer = send(author_phone, room, webm_opus(3.0))
    html = answer.get_data(as_text=True)
    (idea,) = voice_ideas()
    assert answer.status_code == 200 and answer.headers["X-Idea-Id"] == str(idea.id)
    assert idea.status == IdeaStatus.PENDING and idea.text == "" and idea.awaits_transcription
    upload = db.session.get(Upload, idea.audio_id)
    assert upload.content_type == "audio/webm" and (upload_folder() / upload.stored_name).is_file()
    assert "Idea por voz, sin transcribir" in html and "la moderación la escuchará" in html
    assert f'id="voice-{room.themes[0].id}"' in html  # a fresh recorder for the next one

    # Live: the console gets its row with the player; the author their waiting card; nobody else.
    rows = sockets["console"].events("moderation")
    assert rows and "Idea por voz, sin transcribir" in rows[-1]["args"][0]["html"]
    assert f"/moderar/ideas/{idea.id}/audio" in rows[-1]["args"][0]["html"]
    assert any("Idea por voz, sin transcribir" in c["args"][0]["html"] for c in sockets["author"].events("change"))
    others = sockets["other"].events("change")
    assert others and not any("Idea por voz" in c["args"][0]["html"] for c in others)
    assert f"/moderar/ideas/{idea.id}/audio" not in "".join(c["args"][0]["html"] for c in others)
    assert "Idea por voz" not in other_phone.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "Idea por voz, sin transcribir" in author_phone.get(f"/sala/{room.id}").get_data(as_text=True)
    # Nothing can be done to it before it has a text.
    for refused in (lambda: mod.approve_idea(room, idea.id, actor=moderator),
                    lambda: mod.edit_idea_text(room, idea.id, actor=moderator, text="Otra cosa")):
        try:
            refused()
        except mod.ModerationError as error:
            assert "transcríbala primero" in str(error)
        else:
            raise AssertionError("an untranscribed voice idea was approved or edited")


def test_without_javascript_the_phone_s_own_recording_is_sent_with_a_plain_form(app, client, open_room, join):
    room = open_room(themes=[("Agua", "water")])
    join(client, room)
    board = client.get(f"/sala/{room.id}").get_data(as_text=True)
    assert 'type="file" accept="audio/*" capture' in board and 'enctype="multipart/form-data"' in board
    answer = send(client, room, m4a_aac(4.0), "Nota de voz.m4a", htmx=False)
    assert answer.status_code == 302 and answer.headers["Location"] == f"/sala/{room.id}#theme-{room.themes[0].id}"
    (idea,) = voice_ideas()
    assert db.session.get(Upload, idea.audio_id).content_type == "audio/mp4"
    page = client.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "Grabación enviada" in page and "Idea por voz, sin transcribir" in page


def test_a_retry_with_the_same_client_id_is_stored_once(app, client, open_room, join):
    room = open_room()
    join(client, room)
    client_id = str(uuid.uuid4())
    first = send(client, room, webm_opus(1.0), client_id=client_id)
    second = send(client, room, webm_opus(1.0), client_id=client_id)
    assert first.headers["X-Idea-Id"] == second.headers["X-Idea-Id"]
    assert len(voice_ideas()) == 1 and db.session.scalar(sa.select(sa.func.count(Upload.id))) == 1


def test_bad_recordings_are_refused_in_spanish_and_nothing_is_stored(app, client, open_room, join):
    room = open_room()
    join(client, room)
    app.config["VOICE_MAX_BYTES"] = 200_000
    cases = [
        (image_bytes("PNG"), "idea.ogg", 422, "no es una grabación de audio"),
        (b"", "idea.ogg", 422, "Grabe su idea o elija un audio"),  # an empty file input sends no name
        (wav_bytes(0.0), "vacia.wav", 422, "vacía"),
        (webm_opus(70.0), "larga.webm", 422, "el máximo es 60"),
        (wav_bytes(20.0, rate=8000), "pesada.wav", 413, "pesa más de"),
    ]
    for data, name, status, message in cases:
        answer = send(client, room, data, name if data else "")
        html = answer.get_data(as_text=True)
        assert answer.status_code == status, (name, html[:300])
        assert message in html and 'role="alert"' in html, name
        assert f'id="voice-{room.themes[0].id}"' in html and " open" in html  # its own form, open
    assert voice_ideas() == [] and db.session.scalar(sa.select(sa.func.count(Upload.id))) == 0
    assert [name for name in stored_files() if not name.startswith(".")] == []
    # Without JavaScript the refusal comes back on the board, in the voice form.
    page = send(client, room, b"no es audio" * 20, "x.ogg", htmx=False)
    assert page.status_code == 422 and "no es una grabación de audio" in page.get_data(as_text=True)


def test_a_muted_phone_or_a_room_not_collecting_refuses_the_recording(app, client, open_room, join):
    room = open_room(phase="voting")
    join(client, room)
    answer = send(client, room, webm_opus(1.0))
    assert answer.status_code == 409 and "no recibe ideas" in answer.get_data(as_text=True)
    assert voice_ideas() == [] and db.session.scalar(sa.select(sa.func.count(Upload.id))) == 0


def test_only_the_room_s_moderators_may_hear_a_recording(app, open_room, join, make_user):
    room, moderator = moderated_room(open_room, make_user)
    phone = app.test_client()
    join(phone, room)
    send(phone, room, webm_opus(2.0))
    (idea,) = voice_ideas()
    url = f"/sala/{room.id}/moderar/ideas/{idea.id}/audio"

    assert app.test_client().get(url).status_code == 404  # anyone, not logged in
    assert phone.get(url).status_code == 404  # the author's own phone too: it is for the moderators
    outsider = app.test_client()
    Auth(outsider).login(make_user(Role.MODERATOR))  # moderates other rooms
    assert outsider.get(url).status_code == 403
    console = app.test_client()
    Auth(console).login(moderator)
    heard = console.get(url)
    assert heard.status_code == 200 and heard.mimetype == "audio/webm"
    assert heard.data == (upload_folder() / db.session.get(Upload, idea.audio_id).stored_name).read_bytes()
    assert heard.headers["Cache-Control"] == "private, no-store"
    assert heard.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    partial = console.get(url, headers={"Range": "bytes=0-99"})  # a player seeks with ranges
    assert partial.status_code == 206 and len(partial.data) == 100
    # Another room's id, an idea without a recording: nothing there.
    assert console.get(f"/sala/{room.id}/moderar/ideas/{idea.id + 1000}/audio").status_code == 404


def test_a_moderator_transcribes_it_and_it_becomes_an_idea_like_any_other(app, open_room, join, make_user,
                                                                          socket_client):
    room, moderator = moderated_room(open_room, make_user)
    author_phone, other_phone, console = app.test_client(), app.test_client(), app.test_client()
    join(author_phone, room, nickname="Ana")
    join(other_phone, room)
    send(author_phone, room, webm_opus(2.0))
    (idea,) = voice_ideas()
    auth = Auth(console)
    auth.login(moderator)
    console_page = console.get(f"/sala/{room.id}/moderar").get_data(as_text=True)
    assert "Idea por voz, sin transcribir" in console_page and "<audio" in console_page
    form_url = f"/sala/{room.id}/moderar/ideas/{idea.id}/transcribir"
    form = console.get(form_url)
    assert form.status_code == 200 and f"/moderar/ideas/{idea.id}/audio" in form.get_data(as_text=True)
    other_socket = socket_client(other_phone, room=room.id)
    other_socket.get_received()

    # Refused: no text, an unknown language; nothing changes.
    empty = auth.post(form_url, {"text": " ", "language": "quc", "spanish": ""})
    assert empty.status_code == 422 and "Escriba el texto de la idea." in empty.get_data(as_text=True)
    unknown = auth.post(form_url, {"text": "Ja' chi ri tinamit", "language": "xx", "spanish": ""})
    assert unknown.status_code == 422 and "Elija el idioma" in unknown.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).awaits_transcription

    done = auth.post(form_url, {"text": "Utz ri ja' pa ri tinamit", "language": "quc",
                                "spanish": "Agua limpia en el pueblo"})
    assert done.status_code == 302
    db.session.expire_all()
    idea = db.session.get(Idea, idea.id)
    assert idea.status == IdeaStatus.VISIBLE and idea.text == "Utz ri ja' pa ri tinamit" and idea.language == "quc"
    assert idea.transcribed_by_id == moderator.id and not idea.awaits_transcription
    (translation,) = db.session.scalars(sa.select(IdeaTranslation).where(IdeaTranslation.idea_id == idea.id)).all()
    assert (translation.language, translation.text) == ("es", "Agua limpia en el pueblo")
    # The other phones see it live, marked, and may vote on it.
    changes = other_socket.events("change")
    assert any("Utz ri ja&#39; pa ri tinamit" in c["args"][0]["html"]
               and "Idea por voz, transcrita por la moderación" in c["args"][0]["html"] for c in changes)
    board = other_phone.get(f"/sala/{room.id}").get_data(as_text=True)
    assert "Idea por voz, transcrita por la moderación" in board
    again = auth.post(form_url, {"text": "Otra", "language": "es", "spanish": ""})
    assert again.status_code == 302  # already transcribed: back to the console, nothing changed
    assert db.session.get(Idea, idea.id).text == "Utz ri ja' pa ri tinamit"
    change_phase(room, "voting", actor=room.created_by)
    vote = Auth(other_phone).post(f"/sala/{room.id}/votos", {"idea_id": idea.id, "client_id": str(uuid.uuid4())},
                                  headers=HTMX)
    assert vote.status_code == 200, vote.get_data(as_text=True)[:300]
    log = console.get(f"/sala/{room.id}/moderar/registro").get_data(as_text=True)
    assert "Idea por voz transcrita" in log


def test_a_local_speech_to_text_engine_prefills_the_moderator_s_field(app, open_room, join, make_user, tmp_path):
    room, moderator = moderated_room(open_room, make_user)
    phone, console = app.test_client(), app.test_client()
    join(phone, room)
    send(phone, room, webm_opus(2.0))
    (idea,) = voice_ideas()
    Auth(console).login(moderator)
    url = f"/sala/{room.id}/moderar/ideas/{idea.id}/transcribir"
    assert "borrador automático" not in console.get(url).get_data(as_text=True)  # no engine: a blank field

    engine = tmp_path / "engine.py"
    seen = tmp_path / "seen.txt"
    engine.write_text("import sys, pathlib\n"
                      f"pathlib.Path({str(seen)!r}).write_bytes(open(sys.argv[-1], 'rb').read()[:4])\n"
                      "print('  Queremos   agua limpia\\n en la escuela ')\n")
    app.config["SPEECH_TO_TEXT_COMMAND"] = f"{sys.executable} {engine}"
    page = console.get(url).get_data(as_text=True)
    assert "borrador automático" in page and ">Queremos agua limpia en la escuela</textarea>" in page
    assert seen.read_bytes() == b"\x1a\x45\xdf\xa3"  # it was given the recording itself

    # A failing or hanging engine gives no draft, never an error.
    engine.write_text("import sys, time\ntime.sleep(float(sys.argv[1]))\n")
    app.config.update(SPEECH_TO_TEXT_COMMAND=f"{sys.executable} {engine} 5", SPEECH_TO_TEXT_TIMEOUT=0.5)
    slow = console.get(url)
    assert slow.status_code == 200 and "borrador automático" not in slow.get_data(as_text=True)
    app.config["SPEECH_TO_TEXT_COMMAND"] = f"{tmp_path / 'missing-engine'}"
    assert console.get(url).status_code == 200


def test_recordings_go_a_set_number_of_days_after_the_archive(app, runner, open_room, join):
    room = open_room()
    phone = app.test_client()
    join(phone, room)
    send(phone, room, webm_opus(1.0))
    (idea,) = voice_ideas()
    mod.transcribe_voice_idea(room, idea.id, actor=room.created_by, text="Agua", language="es")
    name = db.session.get(Upload, idea.audio_id).stored_name
    app.config["VOICE_RETENTION_DAYS"] = 30
    with write():
        db.session.get(Ideathon, room.id).archived_at = utcnow() - timedelta(days=29)
    result = runner.invoke(args=["uploads", "prune"])
    assert result.exit_code == 0 and "0 voice recordings" in result.output
    assert (upload_folder() / name).is_file()

    with write():
        db.session.get(Ideathon, room.id).archived_at = utcnow() - timedelta(days=31)
    result = runner.invoke(args=["uploads", "prune"])
    assert result.exit_code == 0 and "1 voice recordings past their retention" in result.output, result.output
    db.session.expire_all()
    idea = db.session.get(Idea, idea.id)
    assert idea.audio_id is None and idea.from_voice and idea.text == "Agua"  # the idea stays, marked
    assert not (upload_folder() / name).exists() and db.session.scalar(sa.select(sa.func.count(Upload.id))) == 0


def test_the_microphone_is_allowed_only_on_the_board_of_a_phone(app, client, open_room, join, make_user):
    room, moderator = moderated_room(open_room, make_user)
    assert "microphone=()" in client.get("/unirse").headers["Permissions-Policy"]
    join(client, room)
    board = client.get(f"/sala/{room.id}")
    assert board.headers["Permissions-Policy"] == "camera=(), microphone=(self), geolocation=(), payment=()"
    assert "microphone=()" in client.get(f"/sala/{room.id}/tablero").headers["Permissions-Policy"]
    console = app.test_client()
    Auth(console).login(moderator)
    for path in (f"/sala/{room.id}", f"/sala/{room.id}/moderar", "/"):
        assert "microphone=()" in console.get(path).headers["Permissions-Policy"], path


def test_the_archive_marks_a_transcribed_voice_idea_and_never_offers_its_recording(app, client, open_room, join):
    from ideaboard.archive.services import ProposalDraft, archive_ideathon, draft_proposal

    room = open_room(themes=[("Agua", "water")])
    phone = app.test_client()
    join(phone, room)
    send(phone, room, webm_opus(1.0))
    (idea,) = voice_ideas()
    mod.transcribe_voice_idea(room, idea.id, actor=room.created_by, text="Pozo para la aldea", language="mam",
                              spanish="Un pozo para la aldea")
    change_phase(room, "voting", actor=room.created_by)
    change_phase(room, "closed", actor=room.created_by)
    proposal = draft_proposal(room, ProposalDraft(
        title="Un pozo para la aldea", problem="No hay agua.", proposal="Perforar un pozo.",
        theme_id=room.themes[0].id, place="Aldea", beneficiaries="Unas 50 familias", cost_range="50k-250k",
        office="Dirección Municipal de Agua", competence="municipal", idea_ids=[idea.id]), actor=room.created_by)
    archive_ideathon(room, actor=room.created_by)
    visitor = app.test_client()
    for path in (f"/ideatones/{room.id}/archivo", f"/propuestas/{proposal.id}", f"/ideatones/{room.id}/informe"):
        page = visitor.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, path
        assert "Idea por voz, transcrita por la moderación" in html and "Pozo para la aldea" in html, path
        assert "/audio" not in html and "<audio" not in html, path
