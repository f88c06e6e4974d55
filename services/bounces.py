"""Permanent refusals (5xx) of an address: a signer's, a subscriber's, a campaign target's.

A signer's refused address gets no further notice or reminder; a subscriber's leaves
the newsletter; a target's is shown to the admins on the campaign's dashboard.
"""
import logging

from peewee import fn

from models import Signature, Subscriber, Target

log = logging.getLogger(__name__)

SIGNER_CATEGORIES = ("confirmation", "notice")
TARGET_CATEGORIES = ("letter", "bilan")
ANSWER_LENGTH = 300


def answer_text(code, answer):
    """The relay's answer on one line, short enough for the dashboard."""
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
    return f"{code} {' '.join(text.split())}"[:ANSWER_LENGTH]


def permanent(refused):
    """{address: answer} of the recipients refused for good, out of smtplib's
    {address: (code, answer)}."""
    return {address.lower(): answer_text(code, answer)
            for address, (code, answer) in refused.items() if code >= 500}


def temporary(refused):
    return [address for address, (code, _) in refused.items() if 400 <= code < 500]


def record(message, refused, now):
    """Mark what the addresses refused for good (`permanent(...)`) belong to."""
    if not refused:
        return
    if message.signature_id is not None and message.category in SIGNER_CATEGORIES:
        Signature.update(bounced_at=now).where(
            (Signature.id == message.signature_id) & Signature.bounced_at.is_null()).execute()
    if message.subscriber_id is not None:
        Subscriber.update(status=Subscriber.BOUNCED, bounced_at=now).where(
            (Subscriber.id == message.subscriber_id)
            & (Subscriber.status != Subscriber.UNSUBSCRIBED)).execute()
    if message.campaign_id is not None and message.category in TARGET_CATEGORIES:
        for address, answer in refused.items():
            Target.update(bounced_at=now, bounce_error=answer).where(
                (Target.campaign == message.campaign_id)
                & (fn.LOWER(Target.email) == address)).execute()
    # How many, never which: the log holds no address.
    log.warning("outbox message %s: %s address(es) refused for good", message.id, len(refused))
