"""Configuration classes. Every setting can be overridden from the environment.

`DATABASE_URL`, `REDIS_URL` and `SECRET_KEY` are read as they are (the names every host
understands); any other setting is read from `IDEABOARD_<NAME>` (JSON values allowed, so
`IDEABOARD_SESSION_COOKIE_SECURE=false` works). See README, "Configuration".
"""
from datetime import timedelta

from .languages import FORMAT_FALLBACK


class Config:
    """Production-safe defaults."""

    SECRET_KEY = None  # from SECRET_KEY (required in production); else a key kept in the instance folder
    SQLALCHEMY_DATABASE_URI = None  # from DATABASE_URL, else SQLite in the instance folder
    # A request that cannot get a connection within pool_timeout is answered 503 + Retry-After
    # (errors.py), not left waiting half a minute.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_timeout": 10}
    REDIS_URL = None  # Socket.IO message queue and rate-limit store when set
    # SQLite: how long (seconds) a write, or a read, waits for a lock another process holds (a
    # backup, the sqlite3 shell) before it is answered 503 + Retry-After. The wait is cooperative:
    # the rest of the server keeps answering (ideaboard/database.py).
    SQLITE_LOCK_WAIT = 10

    # Sessions: a workshop day, not a month. Remember-me: one week, not a year.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_COOKIE_NAME = "ideaboard_session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=7)
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A page left open through a long workshop keeps a valid token for the whole session.
    WTF_CSRF_TIME_LIMIT = int(timedelta(hours=12).total_seconds())
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Uploaded files (photos, documents): where they are kept (unset: the instance folder's uploads/,
    # never the static folder) and the largest accepted, as sent by a phone. Only views marked
    # @accepts_uploads take requests this large (ideaboard/uploads).
    UPLOAD_FOLDER = None
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    # Ideas by voice (docs/voice-ideas.md): the longest recording (seconds, plus a margin for a
    # phone's recorder that stops late), the heaviest (a minute of a phone's own AAC recorder fits;
    # the page's recorder sends about 120 KB), and how many days after the ideathon is archived
    # `flask uploads prune` deletes them.
    VOICE_MAX_SECONDS = 60
    VOICE_MARGIN_SECONDS = 3
    VOICE_MAX_BYTES = 3 * 1024 * 1024
    VOICE_RETENTION_DAYS = 30
    # A local speech-to-text engine (optional): a command line, run with the recording's path as its
    # last argument, that prints the text. Its draft pre-fills the moderator's transcription. None:
    # the moderators transcribe by ear. Never a cloud service.
    SPEECH_TO_TEXT_COMMAND = None
    SPEECH_TO_TEXT_TIMEOUT = 30

    # The interface languages offered, codes of ideaboard/languages.py, each with a compiled catalogue
    # (Spanish, the source, needs none and is always offered): IDEABOARD_LANGUAGES=es,en,quc or a JSON
    # list. A code the app cannot offer stops it at start (ideaboard/i18n.py, check_languages).
    LANGUAGES = ("es", "en")
    # Dates, numbers and plurals of a language Babel has no data for (Kaqchikel, Mam, ...).
    FORMAT_FALLBACK = FORMAT_FALLBACK
    BABEL_DEFAULT_LOCALE = "es"
    BABEL_DEFAULT_TIMEZONE = "America/Guatemala"

    # No X-RateLimit-* headers on every answer (each costs a trip to the limit store, and Flask-Limiter
    # would turn every Retry-After into the limit's window); a 429 says when to retry (errors.py).
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down (the rate-limit store): every limit goes on counting in this process's memory
    # instead of failing the request, and Redis is used again once it answers (Flask-Limiter checks
    # it now and then). A store that hangs is given up after REDIS_TIMEOUT seconds. Should even the
    # fallback fail, the request goes through unlimited rather than failing.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Seconds to wait for Redis (connecting, or an answer) before taking it for down.
    REDIS_TIMEOUT = 1.0
    LOGIN_RATE_LIMIT = "5 per minute"  # per email address: the 6th attempt in a minute gets 429
    LOGIN_IP_RATE_LIMIT = "30 per minute"

    # Wrong room codes from one address (only failures count; a right code or a valid join card is
    # never refused by this limit: a whole hall may share one address).
    JOIN_FAILURE_LIMIT = "10 per 10 minutes"
    # Every join attempt with a code from one address, right or wrong: bounds how fast anyone can
    # guess (a right code's answer differs), far above a hall of people scanning the QR code at once.
    JOIN_ADDRESS_RATE_LIMIT = "300 per minute"
    # Posts, edits and withdrawals per participant.
    PARTICIPANT_RATE_LIMIT = "30 per minute"
    # Votes (placed or taken back) per participant, and per address (a hall may share one).
    VOTE_RATE_LIMIT = "60 per minute"
    VOTE_ADDRESS_RATE_LIMIT = "3000 per minute"
    # The address phones use to join (QR code and join link); unset: this machine's LAN address.
    PUBLIC_URL = None
    # Engine.IO's heartbeat: the server pings every SOCKETIO_PING_INTERVAL seconds and drops a socket
    # whose pong is SOCKETIO_PING_TIMEOUT seconds late; a phone takes its connection for lost after
    # both without a ping (a process that vanished without closing it), and reconnects (room.js).
    SOCKETIO_PING_INTERVAL = 10
    SOCKETIO_PING_TIMEOUT = 10
    # Largest Socket.IO message accepted from a client, in bytes.
    SOCKETIO_MAX_PAYLOAD = 16 * 1024
    # Clients only listen (ideaboard/socket_guard.py): a socket that sends more WebSocket frames than
    # SOCKETIO_CLIENT_BURST at once, then SOCKETIO_CLIENT_RATE a second, is closed. A phone sends a
    # handful when it connects, then one pong every 25 s.
    SOCKETIO_CLIENT_BURST = 20
    SOCKETIO_CLIENT_RATE = 1.0

    # Compression of responses (Flask-Compress): brotli for browsers that take it, else gzip. Only
    # text (already-compressed PDFs, photos and archives are sent as they are) and only bodies of at
    # least COMPRESS_MIN_SIZE bytes. Streamed responses are left alone: compressing them would hold
    # their bytes back. Static files are compressed once, at the best level (ideaboard/assets.py).
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 4  # 5 saves ~10 % more bytes for ~2x the CPU: pages are rendered in herds
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 1024
    COMPRESS_STREAMS = False
    COMPRESS_MIMETYPES = [
        "text/html", "text/css", "text/plain", "text/csv", "text/calendar", "text/xml", "text/javascript",
        "application/javascript", "application/json", "application/geo+json", "application/xml",
        "application/manifest+json", "image/svg+xml",
    ]

    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = 0
    # Who may read the Prometheus metrics at /metrics (ideaboard/metrics.py): addresses or networks
    # ("127.0.0.1,10.0.0.0/8" or a JSON list) and/or a bearer token; each one set must match. Neither
    # set: /metrics answers 404.
    METRICS_ALLOWED = None
    METRICS_TOKEN = None
    # Origins allowed to open Socket.IO connections; None means the app's own origin only.
    SOCKETIO_CORS_ALLOWED_ORIGINS = None
    # The hall's Wi-Fi, printed with its QR code on the setup sheet (`make hall WIFI_NAME=… WIFI_PASSWORD=…`).
    HALL_WIFI_NAME = None
    HALL_WIFI_PASSWORD = None


class DevelopmentConfig(Config):
    """`make run` on a laptop: plain HTTP on the local network, so cookies cannot be Secure."""

    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    TEMPLATES_AUTO_RELOAD = True


class HallConfig(DevelopmentConfig):
    """`make hall`: a laptop serving one ideathon on a hall's network without internet (README,
    "Running an ideathon without internet"): SQLite in the instance folder, plain HTTP, no demo data."""

    TEMPLATES_AUTO_RELOAD = False


class TestingConfig(DevelopmentConfig):
    """The test suite: CSRF stays on (tests send real tokens), rate limits stay on."""

    TESTING = True


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "hall": HallConfig,
    "testing": TestingConfig,
}
