"""Tiny voice recordings made on the spot (no binary committed): WAV with the standard library, the
compressed containers with PyAV's encoders (the same FFmpeg the app reads them with)."""
import io
import math
import struct
import wave

import av


def tone(seconds: float, rate: int = 8000) -> bytes:
    """Mono 16-bit samples of a quiet 440 Hz tone."""
    n = int(seconds * rate)
    return b"".join(struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(n))


def wav_bytes(seconds: float = 2.0, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone(seconds, rate))
    return out.getvalue()


def encoded(container: str, codec: str, seconds: float = 2.0, rate: int = 48000, bitrate: int = 16000,
            video: bool = False) -> bytes:
    """`seconds` of tone encoded with `codec` in `container` (an FFmpeg muxer: webm, ogg, mp4, mp3, amr)."""
    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as muxer:
        stream = muxer.add_stream(codec, rate=rate)
        stream.layout = "mono"
        if bitrate:
            stream.bit_rate = bitrate
        if video:
            picture = muxer.add_stream("libvpx" if container == "webm" else "mpeg4", rate=1)
            picture.width = picture.height = 16
            picture.pix_fmt = "yuv420p"
        step = stream.codec_context.frame_size or 1024
        samples = tone(seconds, rate)
        for start in range(0, len(samples) // 2, step):
            chunk = samples[start * 2:(start + step) * 2]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
            frame.planes[0].update(chunk.ljust(frame.planes[0].buffer_size, b"\0"))
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                muxer.mux(packet)
        for packet in stream.encode(None):
            muxer.mux(packet)
        if video:
            image = av.VideoFrame(16, 16, "yuv420p")
            image.pts = 0
            for packet in picture.encode(image):
                muxer.mux(packet)
            for packet in picture.encode(None):
                muxer.mux(packet)
    return out.getvalue()


def webm_opus(seconds: float = 2.0) -> bytes:
    """As Chromium's MediaRecorder records: Opus in WebM."""
    return encoded("webm", "libopus", seconds)


def ogg_opus(seconds: float = 2.0) -> bytes:
    return encoded("ogg", "libopus", seconds)


def m4a_aac(seconds: float = 2.0) -> bytes:
    return encoded("ipod", "aac", seconds, rate=16000, bitrate=32000)


def mp3(seconds: float = 2.0) -> bytes:
    return encoded("mp3", "libmp3lame", seconds, rate=16000, bitrate=32000)


def amr(seconds: float = 2.0) -> bytes:
    return encoded("amr", "libopencore_amrnb", seconds, rate=8000, bitrate=12200)
