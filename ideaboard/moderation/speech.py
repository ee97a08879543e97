"""An optional local speech-to-text engine: its draft pre-fills a moderator's transcription.

The operator names a command (`SPEECH_TO_TEXT_COMMAND`, e.g. a whisper.cpp or Vosk script installed
on the hall's laptop with its model); it is run with the recording's path as its last argument and
prints the text. Nothing here sends audio anywhere or downloads anything: the command is the
operator's, local, and the app works fully without one (the moderator transcribes by ear).

It runs when a moderator opens the transcription form (never while rendering the console, which
is broadcast, and never inside a transaction), bounded by `SPEECH_TO_TEXT_TIMEOUT` seconds; under
gevent the wait is cooperative. A failure, a timeout or no output gives no draft, logged once.
"""
import logging
import shlex
import subprocess

from flask import current_app

log = logging.getLogger(__name__)


def configured() -> bool:
    return bool(current_app.config.get("SPEECH_TO_TEXT_COMMAND"))


def draft_transcript(path: str, max_length: int) -> str | None:
    """The engine's text for the recording at `path`, on one line and at most `max_length`
    characters; None without an engine or when it fails."""
    command = current_app.config.get("SPEECH_TO_TEXT_COMMAND")
    if not command:
        return None
    argv = (shlex.split(command) if isinstance(command, str) else list(command)) + [path]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=current_app.config["SPEECH_TO_TEXT_TIMEOUT"],
                              check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        log.warning("speech-to-text: no answer within %ss", current_app.config["SPEECH_TO_TEXT_TIMEOUT"])
        return None
    except OSError as error:
        log.warning("speech-to-text: could not run the command: %s", error)
        return None
    if done.returncode != 0:
        log.warning("speech-to-text: the command failed (exit %s)", done.returncode)
        return None
    text = " ".join(done.stdout.decode("utf-8", "replace").split())
    return text[:max_length] or None
