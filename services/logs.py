"""Logging without personal data: a level from LOG_LEVEL, paths with their tokens
replaced, and the libraries' own lines kept clean.

A participation is a political opinion: no address, name or link token may reach a log
file, whoever wrote the line (us, werkzeug's development server, Flask-Limiter).
"""
import logging
import re

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TOKEN = "<jeton>"

# The links we email: the segment after these prefixes is a token (or carries one).
TOKEN_PATHS = re.compile(
    r"(?<![\w-])(/confirmer|/participation|/mot-de-passe|/compte/verifier|/compte/courriel"
    r"|/lettre-d-infos/[^/\s]+)/[^/\s?#\]\[]+")
# itsdangerous' URL-safe timed tokens (payload.timestamp.signature) and our 32-hex nonces.
SIGNED_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{16,}")
HEX_NONCE = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{32}(?![0-9a-fA-F])")
EMAIL = re.compile(r"[^\s@<>()\"',;:/]+@[^\s@<>()\"',;:/]+\.[A-Za-z]{2,}")


def redact_path(path):
    """The path as a log may show it: every token replaced by <jeton>."""
    return redact_text(path)


def redact_text(text):
    text = TOKEN_PATHS.sub(lambda match: f"{match.group(1)}/{TOKEN}", text)
    text = SIGNED_TOKEN.sub(TOKEN, text)
    text = HEX_NONCE.sub(TOKEN, text)
    return EMAIL.sub("<adresse>", text)


class WithoutPersonalData(logging.Filter):
    """Rewrites a record without addresses or tokens (Flask's "Exception on <path>" and its
    traceback too); drops werkzeug's access lines, which our own request line replaces
    (theirs holds the client address and the query string)."""

    def filter(self, record):
        if record.name == "werkzeug" and " - - [" in str(record.msg):
            return False
        if record.name == "flask-limiter" and str(record.msg).startswith("ratelimit "):
            # "ratelimit <limit> (<key>) exceeded": the key is an address, or a typed email.
            record.args = (record.args[0], "<clé>", *record.args[2:])
        record.msg = redact_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            # A database error's text quotes the row it refused (an address, a nonce).
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        return True


def keep_clean(logger):
    """Pass every record of `logger` through WithoutPersonalData (once)."""
    if not any(isinstance(f, WithoutPersonalData) for f in logger.filters):
        logger.addFilter(WithoutPersonalData())


def configure_logging(level_name="INFO"):
    """The root logger at LOG_LEVEL, writing to stderr (journald keeps it under systemd)."""
    level = logging.getLevelName(str(level_name).upper())
    if not isinstance(level, int):
        raise ValueError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level_name!r}")
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    # peewee's DEBUG lines print every query with its parameters (addresses, tokens):
    # never, whatever LOG_LEVEL says.
    logging.getLogger("peewee").setLevel(max(level, logging.INFO))
    for name in ("werkzeug", "flask-limiter"):
        keep_clean(logging.getLogger(name))
