"""Who may recommend a campaign: a logged-in member, or a visitor who has just signed it."""
import hashlib
import hmac
import secrets

from flask import current_app, session
from flask_login import current_user

SIGNED = "signed"
VISITOR = "recommender"
REMEMBERED = 20


def _mark(campaign):
    # The session cookie is readable on the visitor's device: it holds a keyed hash,
    # not which campaign they signed (a participation is an opinion).
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"signed:{campaign.id}".encode(), hashlib.blake2b).hexdigest()[:16]


def remember_signer(campaign):
    """A visitor has just signed `campaign`: they may now recommend it."""
    mark = _mark(campaign)
    kept = [other for other in session.get(SIGNED, []) if other != mark]
    session[SIGNED] = kept[-(REMEMBERED - 1):] + [mark]


def may_recommend(campaign):
    return current_user.is_authenticated or _mark(campaign) in session.get(SIGNED, ())


def sender():
    """The limiter's key for whoever recommends: their account, or their session."""
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return "visitor:" + session.setdefault(VISITOR, secrets.token_hex(16))
