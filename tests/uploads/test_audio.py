"""Voice recordings are judged by their content: a real audio container, one audio stream, a size and
a duration measured from the packets. Anything else is refused with a Spanish message."""
import io

import pytest
from werkzeug.datastructures import FileStorage

from ideaboard.uploads.services import UploadError, check_voice, stored, upload_folder
from tests.uploads.audio_samples import amr, encoded, m4a_aac, mp3, ogg_opus, wav_bytes, webm_opus
from tests.uploads.samples import image_bytes, pdf_bytes


def recording(data: bytes, filename="idea.ogg", content_type="audio/ogg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


@pytest.mark.parametrize("make, content_type", [
    (webm_opus, "audio/webm"), (ogg_opus, "audio/ogg"), (m4a_aac, "audio/mp4"), (mp3, "audio/mpeg"),
    (wav_bytes, "audio/wav"), (amr, "audio/amr"),
])
def test_what_phones_and_browsers_record_is_accepted_as_it_came(app, make, content_type):
    data = make(3.0)
    checked = check_voice(recording(data, "grabación.bin", "application/octet-stream"))
    assert checked.content_type == content_type
    assert checked.data == data  # kept as it came
    assert checked.original_name == "grabación"


def test_a_minute_of_the_page_recorder_s_opus_is_well_under_200_kb(app):
    data = webm_opus(60.0)
    assert len(data) < 200 * 1024
    assert check_voice(recording(data, "voz.webm")).content_type == "audio/webm"


@pytest.mark.parametrize("make", [webm_opus, ogg_opus, m4a_aac, wav_bytes])
def test_over_a_minute_is_refused_whatever_the_header_says(app, make):
    with pytest.raises(UploadError) as refused:
        check_voice(recording(make(66.0)))
    assert "dura" in str(refused.value) and "60" in str(refused.value)


def test_the_limit_and_its_margin_come_from_the_configuration(app):
    app.config.update(VOICE_MAX_SECONDS=5, VOICE_MARGIN_SECONDS=1)
    check_voice(recording(ogg_opus(5.5)))
    with pytest.raises(UploadError, match="máximo es 5"):
        check_voice(recording(ogg_opus(7.0)))


@pytest.mark.parametrize("data", [
    image_bytes("PNG"), pdf_bytes(), b"hola, esto es texto y no audio" * 10, b"OggS" + b"\0" * 400,
    b"\x1a\x45\xdf\xa3" + b"\x42" * 300, b"RIFF\x10\0\0\0WAVEfmt " + b"\xff" * 50,
])
def test_anything_else_named_ogg_is_refused(app, data):
    with pytest.raises(UploadError) as refused:
        check_voice(recording(data, "idea.ogg"))
    assert "no es una grabación de audio" in str(refused.value)


def test_a_video_is_not_a_voice_recording(app):
    with pytest.raises(UploadError, match="no es una grabación"):
        check_voice(recording(encoded("webm", "libopus", 1.0, video=True), "video.webm"))


def test_empty_and_oversized_recordings_are_refused(app):
    with pytest.raises(UploadError, match="vacía"):
        check_voice(recording(b""))
    with pytest.raises(UploadError, match="Grabe su idea"):
        check_voice(recording(b"x", filename=""))
    with pytest.raises(UploadError, match="vacía"):
        check_voice(recording(wav_bytes(0.0)))
    app.config["VOICE_MAX_BYTES"] = 20_000
    with pytest.raises(UploadError) as refused:
        check_voice(recording(wav_bytes(3.0)))
    assert refused.value.status == 413 and "KB" in str(refused.value)


def test_a_checked_recording_is_stored_under_a_random_name(app):
    checked = check_voice(recording(ogg_opus(1.0), "mi voz.ogg"))
    with stored(checked, actor=None) as upload:
        assert upload.stored_name.endswith(".ogg") and "voz" not in upload.stored_name
        assert upload.is_audio and upload.content_type == "audio/ogg"
        assert (upload_folder() / upload.stored_name).read_bytes() == checked.data
