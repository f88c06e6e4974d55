"""After the load: nothing lost, nothing counted or sent twice.

Each check returns a dict with its name, whether it holds, and the figures.
wrk stops with at most one request in flight per connection; the server may
still have completed those, so what the database holds is checked against the
range [answered, answered + in flight]. The outbox checks look at the messages
written during the run: the dashboard's campaign comes with a million letters
already sent before it.
"""
from peewee import fn

from models import Campaign, OutboxMessage, Signature, db

WEB_PREFIX = "web-"
PENDING_PREFIX = "pending-"


def check(name, ok, **figures):
    return {"check": name, "ok": bool(ok), **figures}


def within(value, low, high):
    return low <= value <= high


def signing_recorded(accepted, in_flight):
    """Participations made over HTTP equal the accepted signing requests."""
    stored = Signature.select().where(Signature.email.startswith(WEB_PREFIX)).count()
    confirmations = (OutboxMessage.select().join(Signature)
                     .where(OutboxMessage.category == "confirmation",
                            Signature.email.startswith(WEB_PREFIX)).count())
    return [
        check("participations equal accepted signing requests",
              within(stored, accepted, accepted + in_flight),
              accepted=accepted, in_flight=in_flight, stored=stored),
        check("one confirmation email per new participation", confirmations == stored,
              participations=stored, confirmation_emails=confirmations),
    ]


def confirmations_recorded(accepted, in_flight):
    """Confirmed links equal the confirming requests that were answered."""
    confirmed = Signature.select().where(Signature.email.startswith(PENDING_PREFIX),
                                         Signature.status == Signature.CONFIRMED).count()
    return [check("confirmed participations equal accepted confirmations",
                  within(confirmed, accepted, accepted + in_flight),
                  accepted=accepted, in_flight=in_flight, confirmed=confirmed)]


def counters_exact():
    """Every campaign's counter equals its confirmed participations."""
    confirmed = dict(Signature.select(Signature.campaign, fn.COUNT(Signature.id))
                     .where(Signature.status == Signature.CONFIRMED)
                     .group_by(Signature.campaign).tuples())
    wrong = [(campaign.slug, campaign.signature_count, confirmed.get(campaign.id, 0))
             for campaign in Campaign.select()
             if campaign.signature_count != confirmed.get(campaign.id, 0)]
    return [check("every counter equals its confirmed participations", not wrong,
                  campaigns=Campaign.select().count(), wrong=wrong[:10])]


def letters_exact(since):
    """One letter per cyberaction participation confirmed during the run."""
    confirmed = (Signature.select().join(Campaign)
                 .where(Signature.confirmed_at >= since, Campaign.kind == "cyberactions").count())
    letters = OutboxMessage.select().where(OutboxMessage.category == "letter",
                                           OutboxMessage.signature.is_null(False),
                                           OutboxMessage.created_at >= since)
    doubled = (letters.select(OutboxMessage.signature).group_by(OutboxMessage.signature)
               .having(fn.COUNT(OutboxMessage.id) > 1).count())
    return [check("one letter in the outbox per confirmation of the run",
                  letters.count() == confirmed and doubled == 0,
                  confirmed=confirmed, letters=letters.count(), signatures_with_two_letters=doubled)]


def uniqueness():
    """The unique constraints hold: (campaign, address) and confirmation nonces."""
    same_address = (Signature.select(Signature.campaign, Signature.email_key)
                    .group_by(Signature.campaign, Signature.email_key)
                    .having(fn.COUNT(Signature.id) > 1).count())
    same_nonce = (Signature.select(Signature.confirm_nonce).group_by(Signature.confirm_nonce)
                  .having(fn.COUNT(Signature.id) > 1).count())
    return [check("unique (campaign, address) and confirmation nonce",
                  same_address == 0 and same_nonce == 0,
                  participations=Signature.select().count(),
                  duplicate_addresses=same_address, duplicate_nonces=same_nonce)]


def delivered_once(since, sink):
    """Every message sent during the run reached the SMTP server exactly once."""
    by_status = dict(OutboxMessage.select(OutboxMessage.status, fn.COUNT(OutboxMessage.id))
                     .where(OutboxMessage.created_at >= since)
                     .group_by(OutboxMessage.status).tuples())
    sent = by_status.get(OutboxMessage.SENT, 0)
    return [check("each sent message received exactly once",
                  sink.total() == sent and sink.duplicates() == 0
                  and not by_status.get(OutboxMessage.FAILED),
                  sent=sent, received=sink.total(), received_twice=sink.duplicates(),
                  by_status=by_status)]


def run_all(since, signing=None, confirming=None, sink=None):
    """All checks that apply to what ran; `signing`/`confirming` are (accepted, in_flight)."""
    with db.connection_context():
        results = counters_exact() + letters_exact(since) + uniqueness()
        if signing is not None:
            results += signing_recorded(*signing)
        if confirming is not None:
            results += confirmations_recorded(*confirming)
        if sink is not None:
            results += delivered_once(since, sink)
    return results
