"""Static files under content-hashed names, cached for a year, compressed once.

Every `url_for('static', filename='css/app.css')` (templates included, none of them changed for
it) gives `/static/css/app.<12 hex digits of the content's SHA-256>.css`. That name changes
whenever the file does, so the browser may keep it for a year without asking again
(`Cache-Control: public, max-age=31536000, immutable`). The old plain name still works, as
before, with a short cache (`no-cache`: the browser asks each time and gets 304 if unchanged);
so does a hashed name of a file that has changed since (a page from before a deploy), which is
answered with the current file and a short cache, never kept for a year.

Text files (CSS, JavaScript, SVG, ...) are compressed once per process at the best level
(brotli 11, gzip 9), kept in memory and sent to every browser that accepts them: the
per-response compression (Flask-Compress) is for pages, whose bytes change on every request.

The digests are read once per file; in development (templates reloaded) a changed file gets a
new name without a restart.
"""
import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, abort, current_app, request, send_from_directory
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
SHORT = "no-cache"
DIGEST_LENGTH = 12
HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")


@dataclass(frozen=True)
class _Version:
    stamp: tuple[int, int]  # (mtime_ns, size) when it was read
    digest: str


class StaticFiles:
    """The static folder's files by content digest, and their compressed bodies."""

    def __init__(self, folder: str, *, reload: bool, mimetypes_compressed, min_size: int):
        self.folder = folder
        self.reload = reload
        self.mimetypes_compressed = frozenset(mimetypes_compressed)
        self.min_size = min_size
        self._versions: dict[str, _Version | None] = {}
        self._compressed: dict[tuple[str, str, str], bytes] = {}

    def path(self, filename: str) -> Path | None:
        joined = safe_join(self.folder, filename)
        if joined is None:
            return None
        path = Path(joined)
        return path if path.is_file() else None

    def digest(self, filename: str) -> str | None:
        """The first hex digits of the file's SHA-256, or None if there is no such file."""
        known = self._versions.get(filename, False)
        if known is not False and not self.reload:
            return known.digest if known else None
        path = self.path(filename)
        if path is None:
            self._versions[filename] = None
            return None
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if not known or known.stamp != stamp:
            known = _Version(stamp, hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_LENGTH])
            self._versions[filename] = known
        return known.digest

    def hashed_name(self, filename: str) -> str:
        """`css/app.css` -> `css/app.<digest>.css`; a name with no file behind it stays as it is."""
        digest = self.digest(filename)
        if digest is None:
            return filename
        stem, dot, ext = filename.rpartition(".")
        if not dot or not stem or "/" in ext or stem.endswith("/"):
            return filename  # no extension to keep: left as it is (and cached briefly)
        return f"{stem}.{digest}.{ext}"

    def resolve(self, requested: str) -> tuple[str, bool] | None:
        """The file a static URL names, and whether the URL is this very version of it (so it
        may be cached for a year); None if there is no such file."""
        if self.path(requested) is not None:
            return requested, False
        match = HASHED.match(requested)
        if match is None:
            return None
        filename = match["stem"] + match["ext"]
        digest = self.digest(filename)
        if digest is None:
            return None
        return filename, digest == match["digest"]

    def compressed(self, filename: str, encoding: str) -> bytes | None:
        """The file compressed with `encoding` ("br" or "gzip"), made once; None when the file is
        not worth compressing (an image already compressed, or a few bytes)."""
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if mimetype not in self.mimetypes_compressed:
            return None
        digest = self.digest(filename)
        key = (filename, digest, encoding)
        body = self._compressed.get(key)
        if body is None:
            data = self.path(filename).read_bytes()
            if len(data) < self.min_size:
                return None
            body = brotli.compress(data, quality=11) if encoding == "br" else gzip.compress(data, 9, mtime=0)
            self._compressed[key] = body
        return body


def _accepted_encoding() -> str | None:
    """brotli if the browser takes it, else gzip, else None (q=0 means "not this one")."""
    accepted = request.accept_encodings
    for encoding in ("br", "gzip"):
        if accepted[encoding] > 0:
            return encoding
    return None


def serve_static(filename: str):
    """The static view: a hashed name is kept a year; a plain name is asked again every time."""
    files = static_files()
    found = files.resolve(filename)
    if found is None:
        abort(404)
    real, versioned = found
    cache_control = IMMUTABLE if versioned else SHORT
    encoding = _accepted_encoding()
    body = files.compressed(real, encoding) if encoding else None
    if body is None:
        response = send_from_directory(files.folder, real, max_age=None, conditional=True)
        response.headers["Cache-Control"] = cache_control
        return response
    response = current_app.response_class(body, mimetype=mimetypes.guess_type(real)[0])
    response.headers["Content-Encoding"] = encoding
    response.headers["Cache-Control"] = cache_control
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{files.digest(real)}-{encoding}")
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    files = StaticFiles(
        app.static_folder,
        reload=bool(app.debug or app.config.get("TEMPLATES_AUTO_RELOAD")),
        mimetypes_compressed=app.config["COMPRESS_MIMETYPES"],
        min_size=app.config["COMPRESS_MIN_SIZE"],
    )
    app.extensions["ideaboard_static"] = files
    app.view_functions["static"] = serve_static

    @app.url_defaults
    def hashed_static_names(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = files.hashed_name(values["filename"])


def static_files() -> StaticFiles:
    """This app's static files (for those that read them from disk: the PDF reports)."""
    return current_app.extensions["ideaboard_static"]
