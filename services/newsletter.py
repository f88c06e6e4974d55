"""The *Lettre d'infos*: who is subscribed, and the announcements sent to them.

Subscribing needs a proven address: a confirmed participation with the box ticked,
a member's verified account, or the link mailed to whoever typed the address in the
public form (double opt-in). Unsubscribing is one click and is never undone, except
by a new subscription. Announcements leave through the outbox, queued batch by batch
by the worker at NEWSLETTER_RATE, one message per subscribed address.
"""
import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from limits import parse as parse_rate
from peewee import fn

from models import (
    Announcement, Campaign, OutboxMessage, Subscriber, utcnow, write_transaction,
)
from services import audit, messages, signing
from services.tokens import ExpiredToken, InvalidToken, make_token, read_token

CONFIRM_PURPOSE = "newsletter-confirm"
NEWSLETTER = "newsletter"
CONFIRMATION = "newsletter-confirm"
TEST = "newsletter-test"
# A pending address is sent its confirmation link again at most this often.
NOTICE_INTERVAL = dt.timedelta(minutes=10)
# The worker queues the messages of the next few minutes only: a sending to 100 000
# addresses never writes 100 000 rows at once, and a cancelled one leaves little behind.
QUEUE_AHEAD = dt.timedelta(minutes=5)
MAX_BATCH = 2000
TOKEN_FORMAT = re.compile(r"[0-9a-f]{32}")

SIGNATURE, PROFILE, FORM = "signature", "profil", "formulaire"
WAITING = (OutboxMessage.PENDING, OutboxMessage.SENDING)
DELIVERED = (OutboxMessage.SENT, OutboxMessage.KEPT)


class NotDraft(Exception):
    """The announcement was sent (or is being sent): it can no longer change."""


# Subscribing and unsubscribing --------------------------------------------------------------

def _new_token():
    return secrets.token_hex(16)


def subscribe_confirmed(email, language="fr", source="", user_id=None):
    """Subscribe an address whose owner has proved it, whatever its status was: a new
    subscription is what lifts an unsubscription or a bounce."""
    now = utcnow()
    renewed = {Subscriber.status: Subscriber.SUBSCRIBED, Subscriber.email: email,
               Subscriber.language: language, Subscriber.confirmed_at: now,
               Subscriber.unsubscribed_at: None, Subscriber.bounced_at: None}
    if user_id is not None:
        renewed[Subscriber.user] = user_id
    Subscriber.insert(
        email=email, email_key=signing.email_key(email), user=user_id,
        status=Subscriber.SUBSCRIBED, language=language, token=_new_token(), source=source,
        created_at=now, confirmed_at=now,
    ).on_conflict(conflict_target=[Subscriber.email_key], update=renewed).execute()


def subscribe_signer(signature):
    """A participation just confirmed: the box ticked subscribes its address (the
    confirmation was the double opt-in); unticked, nothing changes."""
    if signature.newsletter:
        subscribe_confirmed(signature.email, signature.language or "fr", SIGNATURE,
                            signature.user_id)


def subscriber_for(email):
    return Subscriber.get_or_none(Subscriber.email_key == signing.email_key(email))


def member_is_subscribed(user):
    subscriber = subscriber_for(user.email)
    return subscriber is not None and subscriber.status == Subscriber.SUBSCRIBED


def set_member_choice(user, wanted):
    """Mon profil: a verified account's address subscribes at once, or unsubscribes."""
    if wanted and user.is_active:
        subscribe_confirmed(user.email, user.language or "fr", PROFILE, user.id)
    elif not wanted:
        subscriber = subscriber_for(user.email)
        if subscriber is not None:
            unsubscribe(subscriber.token)


def address_changed(user, new_email):
    """The account's address changes: its subscription follows it, unless the new address
    has one of its own, which then stands alone."""
    old = subscriber_for(user.email)
    if old is None:
        return
    if subscriber_for(new_email) is not None:
        old.delete_instance()
        return
    Subscriber.update(email=new_email, email_key=signing.email_key(new_email),
                      user=user.id).where(Subscriber.id == old.id).execute()


def forget_member(user):
    """The account is being deleted: its subscription goes, whichever way it was made."""
    Subscriber.delete().where((Subscriber.user == user.id)
                              | (Subscriber.email_key == signing.email_key(user.email))).execute()


def request_subscription(email, language=None):
    """The public form. A new, lapsed or pending address is mailed a confirmation link (a
    pending one at most every ten minutes); a subscribed one gets nothing. The caller
    answers the same whatever happened here. The subscription is in the page's language
    unless `language` says otherwise."""
    language = language or messages.language_in_force()
    with write_transaction():
        Subscriber.insert(email=email, email_key=signing.email_key(email),
                          status=Subscriber.PENDING, language=language, token=_new_token(),
                          source=FORM).on_conflict_ignore().execute()
        subscriber = subscriber_for(email)
        if subscriber.status == Subscriber.SUBSCRIBED or _confirmation_sent_recently(subscriber):
            return
        messages.save(_confirmation_request(subscriber, email))


def _confirmation_sent_recently(subscriber):
    return OutboxMessage.select().where(
        (OutboxMessage.subscriber == subscriber.id) & (OutboxMessage.category == CONFIRMATION)
        & (OutboxMessage.created_at > utcnow() - NOTICE_INTERVAL)).exists()


def confirmation_url(subscriber):
    return messages.absolute_url("/lettre-d-infos/confirmer/"
                                 + make_token(CONFIRM_PURPOSE, subscriber.token))


def _confirmation_request(subscriber, email):
    with messages.written_in(subscriber.language):
        fields = messages.build(
            CONFIRMATION, "newsletter_confirm", [email],
            _("Confirmez votre abonnement à la lettre d'infos %(site)s",
              site=current_app.config["SITE_NAME"]),
            confirm_url=confirmation_url(subscriber),
            max_age_days=current_app.config["CONFIRMATION_MAX_AGE"] // 86400)
    fields["subscriber"] = subscriber.id
    return fields


def subscriber_for_confirmation(token):
    """The subscriber a confirmation link points to; raises on a bad or old link."""
    value = read_token(CONFIRM_PURPOSE, token, current_app.config["CONFIRMATION_MAX_AGE"])
    subscriber = Subscriber.get_or_none(Subscriber.token == value)
    if subscriber is None:
        raise InvalidToken()
    return subscriber


def confirm(token):
    """The button behind the confirmation link: the address is subscribed."""
    subscriber = subscriber_for_confirmation(token)
    now = utcnow()
    Subscriber.update(status=Subscriber.SUBSCRIBED, confirmed_at=now, unsubscribed_at=None,
                      bounced_at=None).where(Subscriber.id == subscriber.id).execute()
    return subscriber


def subscriber_for_unsubscribe(token):
    """The subscriber an unsubscribe link names (its random token is the authority), or None."""
    if not TOKEN_FORMAT.fullmatch(token or ""):
        return None
    return Subscriber.get_or_none(Subscriber.token == token)


def unsubscribe(token):
    """Unsubscribe at once; doing it twice changes nothing. False for an unknown token.

    Messages of a sending not delivered yet are not delivered at all."""
    subscriber = subscriber_for_unsubscribe(token)
    if subscriber is None:
        return False
    with write_transaction():
        Subscriber.update(status=Subscriber.UNSUBSCRIBED, unsubscribed_at=utcnow()).where(
            (Subscriber.id == subscriber.id)
            & (Subscriber.status != Subscriber.UNSUBSCRIBED)).execute()
        OutboxMessage.delete().where(
            (OutboxMessage.subscriber == subscriber.id) & (OutboxMessage.category == NEWSLETTER)
            & (OutboxMessage.status == OutboxMessage.PENDING)).execute()
    return True


def unsubscribe_url(subscriber):
    return messages.absolute_url(f"/lettre-d-infos/desabonner/{subscriber.token}")


def list_unsubscribe_headers(message):
    """RFC 2369 and RFC 8058 headers of an outbox message to a subscriber (none for the
    others): mail programs then offer their own one-click *unsubscribe*."""
    if message.category != NEWSLETTER or message.subscriber_id is None:
        return {}
    subscriber = Subscriber.get_or_none(Subscriber.id == message.subscriber_id)
    if subscriber is None:
        return {}
    return {"List-Unsubscribe": f"<{unsubscribe_url(subscriber)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def counts():
    """How many addresses are in each status (pending, subscribed, unsubscribed, bounced)."""
    found = dict(Subscriber.select(Subscriber.status, fn.COUNT(Subscriber.id))
                 .group_by(Subscriber.status).tuples())
    return {status: found.get(status, 0) for status in (
        Subscriber.SUBSCRIBED, Subscriber.PENDING, Subscriber.UNSUBSCRIBED, Subscriber.BOUNCED)}


# Writing announcements ------------------------------------------------------------------------

@dataclass
class AnnouncementFields:
    subject: str
    body: str
    campaign_ids: list = field(default_factory=list)

    @classmethod
    def of(cls, announcement):
        return cls(announcement.subject, announcement.body, campaign_ids_of(announcement))


def campaign_ids_of(announcement):
    return [int(part) for part in (announcement.campaign_ids or "").split(",") if part.isdigit()]


def presentable_campaigns():
    """The campaigns an announcement may present: the published ones, the latest first."""
    return list(Campaign.select().where(Campaign.status == Campaign.PUBLISHED)
                .order_by(Campaign.opens_at.desc(), Campaign.id.desc()))


def presented_campaigns(announcement):
    """The campaigns it presents, in its order, among those the public can still read."""
    ids = campaign_ids_of(announcement)
    found = {campaign.id: campaign for campaign in Campaign.select().where(Campaign.id.in_(ids))}
    return [found[i] for i in ids if i in found and found[i].is_public()]


def all_announcements():
    return list(Announcement.select().order_by(Announcement.id.desc()))


def create(actor, fields):
    with write_transaction():
        announcement = Announcement.create(subject=fields.subject, body=fields.body,
                                           campaign_ids=_joined(fields.campaign_ids),
                                           author=actor.id)
        audit.record(actor, "newsletter.create", detail=fields.subject)
    return announcement


def update(actor, announcement, fields):
    """Save a draft; a sent one refuses (NotDraft)."""
    with write_transaction():
        changed = Announcement.update(
            subject=fields.subject, body=fields.body, campaign_ids=_joined(fields.campaign_ids),
            updated_at=utcnow(),
        ).where((Announcement.id == announcement.id)
                & (Announcement.status == Announcement.DRAFT)).execute()
        if not changed:
            raise NotDraft()
        audit.record(actor, "newsletter.update", detail=fields.subject)
    return Announcement.get_by_id(announcement.id)


def _joined(ids):
    return ",".join(str(int(i)) for i in ids)


# The emails -----------------------------------------------------------------------------------

def _campaign_items(campaigns):
    return [{"title": c.title, "summary": c.summary, "url": messages.campaign_url(c)}
            for c in campaigns]


def announcement_message(announcement, to, language, unsubscribe_link, items=None):
    """The fields of one outbox message carrying the announcement to one address."""
    if items is None:
        items = _campaign_items(presented_campaigns(announcement))
    # The admin's subject and text as written; the words around them in the subscriber's
    # language.
    with messages.written_in(language):
        return messages.build(NEWSLETTER, "newsletter", [to], announcement.subject,
                              announcement=announcement, campaigns=items,
                              unsubscribe_url=unsubscribe_link)


def preview(announcement, language="fr"):
    """The email as a subscriber who reads `language` will get it (with a sample
    unsubscribe link): the announcement's own text, the frame in their language."""
    return announcement_message(announcement, "abonne@example.org", language,
                                messages.absolute_url("/lettre-d-infos/desabonner/" + "0" * 32))


def send_test(actor, announcement):
    """Envoyer un essai: the email to the admin alone, through the outbox."""
    own = subscriber_for(actor.email)
    link = unsubscribe_url(own) if own is not None else messages.absolute_url("/lettre-d-infos")
    fields = announcement_message(announcement, actor.email, actor.language, link)
    fields["category"] = TEST
    with write_transaction():
        messages.save(fields, user_id=actor.id)
        Announcement.update(test_sent_at=utcnow()).where(
            Announcement.id == announcement.id).execute()
        audit.record(actor, "newsletter.test", detail=announcement.subject)


# Sending -------------------------------------------------------------------------------------

def start_sending(actor, announcement, now=None):
    """Envoyer: the announcement becomes SENDING and read-only; its first batch is queued
    now, the next ones by the worker (`queue_due_batches`)."""
    now = now or utcnow()
    with write_transaction():
        moved = Announcement.update(status=Announcement.SENDING, queued_at=now, updated_at=now) \
            .where((Announcement.id == announcement.id)
                   & (Announcement.status == Announcement.DRAFT)).execute()
        if not moved:
            raise NotDraft()
        audit.record(actor, "newsletter.send", detail=announcement.subject)
    queue_next_batch(Announcement.get_by_id(announcement.id), now)


@dataclass
class Pace:
    interval: dt.timedelta  # between two messages
    batch: int              # messages queued at a time

    @classmethod
    def configured(cls):
        """NEWSLETTER_RATE, e.g. "3000 per hour": one message every 1.2 s, queued
        five minutes' worth at a time."""
        rate = parse_rate(current_app.config["NEWSLETTER_RATE"])
        interval = dt.timedelta(seconds=rate.get_expiry() / rate.amount)
        return cls(interval, max(1, min(MAX_BATCH, int(QUEUE_AHEAD / interval))))


def _last_slot(announcement):
    return (OutboxMessage.select(fn.MAX(OutboxMessage.next_attempt_at))
            .where(OutboxMessage.announcement == announcement.id).scalar())


def queue_next_batch(announcement, now=None, pace=None):
    """Queue the next batch of an announcement being sent, due one `pace.interval` apart
    after the last one queued; nothing while what is queued covers the next minutes.
    Returns how many messages were queued."""
    now, pace = now or utcnow(), pace or Pace.configured()
    last = _last_slot(announcement)
    start = max(now, last + pace.interval) if last else now
    if start >= now + QUEUE_AHEAD:
        return 0
    subscribers = list(Subscriber.select().where(
        (Subscriber.status == Subscriber.SUBSCRIBED)
        & (Subscriber.id > announcement.queued_through)).order_by(Subscriber.id).limit(pace.batch))
    if not subscribers:
        return 0
    items = _campaign_items(presented_campaigns(announcement))
    rows = [_outbox_row(announcement, subscriber, items, start + pace.interval * number)
            for number, subscriber in enumerate(subscribers)]
    with write_transaction():
        # The cursor moves only from where this worker read it: a second worker doing the
        # same at the same moment queues nothing.
        claimed = Announcement.update(
            queued_through=subscribers[-1].id,
            recipients_total=Announcement.recipients_total + len(rows),
        ).where((Announcement.id == announcement.id)
                & (Announcement.queued_through == announcement.queued_through)
                & (Announcement.status == Announcement.SENDING)).execute()
        if not claimed:
            return 0
        OutboxMessage.insert_many(rows).execute()
    announcement.queued_through = subscribers[-1].id
    return len(rows)


def _outbox_row(announcement, subscriber, items, due):
    fields = announcement_message(announcement, subscriber.email, subscriber.language,
                                  unsubscribe_url(subscriber), items)
    return {**fields, "announcement": announcement.id, "subscriber": subscriber.id,
            "domain": messages.recipient_domain(subscriber.email), "next_attempt_at": due,
            "status": OutboxMessage.PENDING, "created_at": utcnow()}


def queue_due_batches(now=None):
    """The worker's periodic step: for each announcement being sent, queue what the rate
    allows next, and mark it SENT once all is queued and nothing waits for delivery."""
    now = now or utcnow()
    pace = Pace.configured()
    for announcement in Announcement.select().where(Announcement.status == Announcement.SENDING):
        queue_next_batch(announcement, now, pace)
        _finish_if_done(announcement, now)


def _finish_if_done(announcement, now):
    more = Subscriber.select().where((Subscriber.status == Subscriber.SUBSCRIBED)
                                     & (Subscriber.id > announcement.queued_through)).exists()
    waiting = OutboxMessage.select().where((OutboxMessage.announcement == announcement.id)
                                           & OutboxMessage.status.in_(WAITING)).exists()
    if not (more or waiting):
        Announcement.update(status=Announcement.SENT, finished_at=now).where(
            (Announcement.id == announcement.id)
            & (Announcement.status == Announcement.SENDING)).execute()


def progress(announcements):
    """Each announcement's messages: queued (waiting for delivery), sent, failed."""
    ids = [announcement.id for announcement in announcements]
    totals = {i: {"queued": 0, "sent": 0, "failed": 0} for i in ids}
    if not ids:
        return totals
    rows = (OutboxMessage.select(OutboxMessage.announcement, OutboxMessage.status,
                                 fn.COUNT(OutboxMessage.id))
            .where(OutboxMessage.announcement.in_(ids))
            .group_by(OutboxMessage.announcement, OutboxMessage.status).tuples())
    for announcement_id, status, count in rows:
        column = "queued" if status in WAITING else "sent" if status in DELIVERED else "failed"
        totals[announcement_id][column] += count
    return totals


__all__ = ["ExpiredToken", "InvalidToken", "NotDraft"]
