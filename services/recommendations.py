"""Recommending a campaign by email: one message per address, then the address forgotten.

The addresses someone types serve that one message: once the outbox has sent it (or
given up on it), its row is deleted, and nothing else ever records them. Each address
receives only a few recommendations a day, whoever sends them, so that the site cannot
be turned into a way of flooding someone's mailbox.
"""
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from limits import parse_many

from extensions import limiter
from models import OutboxMessage, write_transaction
from services import abuse, messages
from services.signing import email_key

CATEGORY = "recommendation"
# The limiter's namespace for the daily cap of each recipient address.
RECIPIENT_CAP = "recommend-recipient"
SUBJECT_LENGTH = 300
SENDER_NAME_LENGTH = 200


@dataclass(frozen=True)
class Recommendation:
    """What the sender typed, checked: their name, distinct addresses, a plain-text word."""

    sender_name: str
    addresses: tuple
    personal_word: str = ""
    # The logged-in member's verified address; a typed address never becomes a Reply-To.
    reply_to: str = ""


@dataclass(frozen=True)
class Outcome:
    sent: int
    # Blocked addresses, and those that had their share today: nothing went to them.
    held_back: int


def recommend(campaign, recommendation):
    """Queue one message per address that may be written to: not blocked by the admins,
    and still under its daily cap."""
    welcome = [address for address in recommendation.addresses
               if not abuse.is_blocked(email_key(address)) and _take_daily_slot(address)]
    built = [recommendation_message(campaign, recommendation, address) for address in welcome]
    with write_transaction():
        for message in built:
            messages.save(message)
    return Outcome(sent=len(welcome), held_back=len(recommendation.addresses) - len(welcome))


def recommendation_message(campaign, recommendation, address):
    """The message to one address: who sends it, the campaign, their word, and that the
    address is not kept. Written in the language of the page it is sent from."""
    config = current_app.config
    name = recommendation.sender_name
    message = messages.build(
        CATEGORY, "recommendation", [address],
        _("%(name)s vous recommande : %(title)s", name=name,
          title=campaign.title)[:SUBJECT_LENGTH],
        campaign=campaign, campaign_url=messages.campaign_url(campaign), sender=name,
        personal_word=recommendation.personal_word,
        abuse_contact=config["ABUSE_CONTACT"] or config["MAIL_DEFAULT_SENDER"],
    )
    message.update(sender_name=via_site(name, config["SITE_NAME"]),
                   reply_to=recommendation.reply_to)
    return message


def via_site(name, site_name):
    """"Camille Martin via Interpelle", no longer than a From header's name is kept."""
    suffix = f" via {site_name}"
    return name[:SENDER_NAME_LENGTH - len(suffix)].rstrip() + suffix


def _take_daily_slot(address):
    """Count one recommendation to `address`; False when it already had its share today.

    The limiter's storage holds a keyed hash of the address, never the address itself.
    """
    if not limiter.enabled:
        return True
    strategy, key = limiter.limiter, _address_key(address)
    caps = parse_many(current_app.config["RECOMMEND_RECIPIENT_LIMIT"])
    if not all(strategy.test(cap, RECIPIENT_CAP, key) for cap in caps):
        return False
    return all([strategy.hit(cap, RECIPIENT_CAP, key) for cap in caps])


def _address_key(address):
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, email_key(address).encode(), hashlib.blake2b).hexdigest()[:32]


def forget_delivered(batch):
    """Delete the recommendations of `batch` that are done with: sent, given up, or kept
    for a development mailbox that nobody can read (it is only read in debug)."""
    ids = [message.id for message in batch if message.category == CATEGORY]
    if not ids:
        return
    done = [OutboxMessage.SENT, OutboxMessage.FAILED]
    if not current_app.config.get("DEV_MAILBOX"):
        done.append(OutboxMessage.KEPT)
    OutboxMessage.delete().where(OutboxMessage.id.in_(ids),
                                 OutboxMessage.status.in_(done)).execute()
