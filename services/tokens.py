"""Signed, expiring tokens for links sent by email."""
import functools

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidToken(Exception):
    """The link was altered, belongs to nothing, or was never issued here."""


class ExpiredToken(Exception):
    """The link was genuine but is too old."""


def _serializer(purpose):
    return _serializer_for(current_app.config["SECRET_KEY"], purpose)


@functools.lru_cache(maxsize=64)
def _serializer_for(secret_key, purpose):
    # Building a serializer derives its keys: once per purpose, not once per link.
    return URLSafeTimedSerializer(secret_key, salt=purpose)


def make_token(purpose, value):
    return _serializer(purpose).dumps(value)


def read_token(purpose, token, max_age):
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ExpiredToken() from error
    except BadSignature as error:
        raise InvalidToken() from error
