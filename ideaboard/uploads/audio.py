"""Voice recordings judged by their content: a real audio container, within a size and a duration.

The tool is PyAV (`av` on PyPI): FFmpeg's demuxers and decoders as a library, installed as a wheel
like any other dependency (no system package, no subprocess, nothing downloaded at run time). It is
chosen over the alternatives because it reads every container phones and browsers record in:
Chromium's MediaRecorder writes WebM (Matroska) with Opus, Firefox Ogg/Opus, iPhones M4A (AAC),
Android's recorders M4A, 3GP/AMR or MP3, a computer WAV. mutagen (pure Python) reads tags and
headers of most of these but not WebM, and a header's duration is not to be trusted anyway:
MediaRecorder's WebM has none at all, and any file may lie in its own. So the duration here is
always measured from the packets themselves (the last packet's end), whatever the header says.

What is fed to FFmpeg is bounded: the first bytes must already be one of the accepted containers
(sniffed here), that container's demuxer alone is used (never FFmpeg's guess among all of them),
the file is at most `VOICE_MAX_BYTES`, it must hold one audio stream and no video, its codec one of
the speech codecs listed below, and its first packets must decode.
"""
import io
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

# The containers accepted: what their first bytes look like decides the FFmpeg demuxer used.
# content type, file extension, FFmpeg demuxer
WEBM = ("audio/webm", "webm", "matroska")
OGG = ("audio/ogg", "ogg", "ogg")
MP4 = ("audio/mp4", "m4a", "mp4")
THREE_GP = ("audio/3gpp", "3gp", "mp4")
MP3 = ("audio/mpeg", "mp3", "mp3")
WAV = ("audio/wav", "wav", "wav")
AMR = ("audio/amr", "amr", "amr")
EXTENSIONS = {content_type: extension for content_type, extension, _demuxer in (WEBM, OGG, MP4, THREE_GP, MP3, WAV, AMR)}
# Speech as phones and browsers record it (FFmpeg's codec names).
CODECS = frozenset({"opus", "vorbis", "aac", "mp3", "mp3float", "amrnb", "amr_nb", "amrwb", "amr_wb", "flac",
                    "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_u8", "pcm_f32le", "pcm_alaw", "pcm_mulaw",
                    "libopus", "libopencore_amrnb", "libopencore_amrwb", "libvorbis"})
MAX_PACKETS = 200_000  # a minute of any codec holds far fewer; a file that claims more is refused
DECODED_PACKETS = 20  # packets decoded to show it really is audio


@dataclass
class CheckedAudio:
    content_type: str
    extension: str
    seconds: float


def sniff_audio(data: bytes):
    """(content type, extension, demuxer) of an accepted container, from its first bytes; else None."""
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if data.startswith(b"OggS"):
        return OGG
    if data[4:8] == b"ftyp":
        return THREE_GP if data[8:11] == b"3gp" or data[8:11] == b"3g2" else MP4
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return WAV
    if data.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return AMR
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0
                                   and data[1] & 0x06 != 0):
        return MP3
    return None


def max_seconds() -> float:
    """The longest recording accepted: VOICE_MAX_SECONDS plus VOICE_MARGIN_SECONDS (a phone's
    recorder stops a moment after the minute)."""
    return float(current_app.config["VOICE_MAX_SECONDS"]) + float(current_app.config["VOICE_MARGIN_SECONDS"])


def check_audio(data: bytes, refuse) -> CheckedAudio:
    """Decide whether `data` is an accepted voice recording; `refuse(message)` returns the error to
    raise (the caller's refusal class). Returns its type, extension and measured duration."""
    kind = sniff_audio(data)
    unreadable = refuse(_l("Ese archivo no es una grabación de audio. Grabe de nuevo o elija un audio del "
                           "teléfono (por ejemplo M4A, OGG, MP3 o WebM)."))
    if kind is None:
        raise unreadable
    content_type, extension, demuxer = kind
    import av  # loaded on first use: only the views that take audio need FFmpeg in memory

    try:
        with av.open(io.BytesIO(data), mode="r", format=demuxer) as container:
            if container.streams.video or len(container.streams.audio) != 1:
                raise unreadable
            stream = container.streams.audio[0]
            if stream.codec_context.name not in CODECS:
                raise unreadable
            seconds = _measured(container, stream, refuse)
    except av.error.FFmpegError:
        raise unreadable from None
    except (ValueError, TypeError, OverflowError, MemoryError, EOFError):
        raise unreadable from None
    if seconds <= 0:
        raise refuse(_l("La grabación está vacía: no tiene sonido. Grabe de nuevo."))
    if seconds > max_seconds():
        raise refuse(_l("La grabación dura %(n)s segundos; el máximo es %(max)s. Grabe una más corta.",
                        n=round(seconds), max=current_app.config["VOICE_MAX_SECONDS"]))
    return CheckedAudio(content_type, extension, seconds)


def _measured(container, stream, refuse) -> float:
    """Seconds from the first packet's start to the last one's end, counted from the packets (never
    the header), decoding the first few of them. Stops as soon as it is over the limit."""
    limit = max_seconds()
    base = stream.time_base
    first = end = None
    decoded = 0
    for count, packet in enumerate(container.demux(stream)):
        if count > MAX_PACKETS:
            raise refuse(_l("La grabación dura más de %(max)s segundos. Grabe una más corta.",
                            max=current_app.config["VOICE_MAX_SECONDS"]))
        if packet.pts is None or packet.size == 0:
            continue
        if decoded < DECODED_PACKETS:
            packet.decode()
            decoded += 1
        start = packet.pts
        finish = packet.pts + (packet.duration or 0)
        first = start if first is None else min(first, start)
        end = finish if end is None else max(end, finish)
        if base is not None and float((end - first) * base) > limit:
            break  # enough to refuse it
    if first is None or not decoded:
        return 0.0
    return float((end - first) * base)
