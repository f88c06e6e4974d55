"""Rate limits: their values come from the configuration, their keys from who acts."""
import hashlib
import hmac

from flask import current_app, request
from flask_login import current_user

from services.signing import email_key


def configured(name):
    """The limit named `name` in the configuration, read at each request."""
    return lambda: current_app.config[name]


def typed_address(field="email"):
    """A key function counting per address typed in the form field `field`: the very
    field the form reads, so that a decoy field cannot give each request a fresh key.

    Known and unknown addresses are counted alike: the limit tells nothing about
    who has an account or has signed. The key is a keyed hash of the address, since
    the limiter writes its keys to the logs and the storage.
    """
    def key():
        typed = email_key(request.form.get(field, ""))
        secret = current_app.config["SECRET_KEY"].encode()
        return "address:" + hmac.new(secret, typed.encode(), hashlib.blake2b).hexdigest()[:32]
    return key


def member():
    """Count per account, wherever the member connects from."""
    return f"member:{current_user.id}"
