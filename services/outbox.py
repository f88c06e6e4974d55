"""Delivery of the outbox: claim due messages, send them, retry with backoff.

A message is in the database before anything is sent, and is marked sent only
once the SMTP server accepted it. Workers claim messages in a transaction
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), so two
workers never hold the same message. With an SMTP server, claims follow the pace
of each recipient domain and its back-off (services/pacing.py); a permanent
refusal of an address is recorded as a bounce (services/bounces.py).
"""
import datetime as dt
import logging
import os
import re
import smtplib
import socket
import time
import uuid
from dataclasses import dataclass, field
from email.utils import make_msgid
from urllib.parse import urlsplit

from email import charset as email_charset
from email import policy as email_policy
from email.header import Header

from flask import current_app
from flask_mail import BadHeaderError, Message, sanitize_address, sanitize_addresses

from extensions import mail
from models import Attachment, OutboxMessage, is_sqlite, utcnow, write_transaction
from services import bounces, heartbeat, messages, newsletter, pacing, recommendations

log = logging.getLogger(__name__)

# Flask-Mail registers UTF-8 bodies as raw 8-bit text, so one long paragraph becomes one
# line over SMTP's 998-byte limit, which strict relays refuse. Quoted-printable keeps
# every line short (headers stay encoded as Flask-Mail chose).
email_charset.add_charset("utf-8", email_charset.SHORTEST, email_charset.QP, "utf-8")

MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(hours=2)
LEASE = dt.timedelta(minutes=5)
BATCH_SIZE = 100


def retry_delay(attempts):
    """30 s, 1 min, 2 min, 4 min… capped at two hours."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


def new_worker_id():
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def claim_due(worker_id, now=None, limit=BATCH_SIZE):
    """Take up to `limit` due messages for this worker; nobody else gets them.

    With an SMTP server, at most each domain's budget, and nothing of a domain backed
    off: those are skipped, the rest of the queue goes on."""
    now = now or utcnow()
    with write_transaction():
        _return_abandoned(now)
        if current_app.config["MAIL_SERVER"]:
            slots = pacing.claim_ids(now, limit, pacing.configured_rates())
        else:
            slots = dict.fromkeys(_due_ids(now, limit), now)
        ids = list(slots)
        if not ids:
            return []
        OutboxMessage.update(
            status=OutboxMessage.SENDING, claimed_by=worker_id, claimed_until=now + LEASE,
        ).where(OutboxMessage.id.in_(ids)).execute()
    batch = list(OutboxMessage.select().where(
        OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker_id,
    ).order_by(OutboxMessage.id))
    for message in batch:
        message.not_before = slots[message.id]  # its domain's pace: see pacing.claim_ids
    return sorted(batch, key=lambda message: (message.not_before, message.id))


def _return_abandoned(now):
    """Messages whose worker overran its lease go back in line, due as they were."""
    OutboxMessage.update(status=OutboxMessage.PENDING, claimed_by=None, claimed_until=None).where(
        (OutboxMessage.status == OutboxMessage.SENDING) & (OutboxMessage.claimed_until < now)
    ).execute()


def _due_ids(now, limit):
    """Without a relay (the development mailbox) nothing is paced: the oldest due first."""
    query = (OutboxMessage.select(OutboxMessage.id)
             .where((OutboxMessage.status == OutboxMessage.PENDING)
                    & (OutboxMessage.next_attempt_at <= now))
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if not is_sqlite():
        query = query.for_update(skip_locked=True)
    return [row.id for row in query]


def deliver_due(worker_id=None, now=None):
    """Claim and deliver one batch; return how many messages were handled."""
    worker_id = worker_id or new_worker_id()
    moment = now or utcnow()
    batch = claim_due(worker_id, now=moment)
    if not batch:
        return 0
    if not current_app.config["MAIL_SERVER"]:
        _keep_for_dev_mailbox(batch)
    else:
        # On the clock, each message waits for its slot; a given `now` (tests) never sleeps.
        _send_over_smtp(batch, moment, in_time=now is None)
    return len(batch)


def drain(worker_id=None, now=None):
    """Deliver until nothing is due; return the number of messages handled.

    On the clock (no `now` given) it waits out the pace of a domain that still has
    due messages; a domain backed off after a 4xx is left for later."""
    worker_id = worker_id or new_worker_id()
    total = 0
    while True:
        handled = deliver_due(worker_id, now=now)
        total += handled
        if handled:
            continue
        wait = None if now is not None else _pace_wait()
        if wait is None:
            return total
        time.sleep(wait)


def _pace_wait():
    """Seconds until a paced domain with due mail opens again, or None."""
    if not current_app.config["MAIL_SERVER"]:
        return None
    return pacing.seconds_until_open(utcnow(), pacing.configured_rates())


def run_forever(should_stop, idle_sleep=1.0, periodic=None, every=180.0):
    """The worker loop: deliver what is due, sleep a little when there is nothing;
    run `periodic` (closing campaigns at their date) once every `every` seconds."""
    worker_id = new_worker_id()
    pacing.configured_rates()  # a mistyped MAIL_RATE_PER_DOMAIN stops the worker at once
    log.info("outbox worker %s started", worker_id)
    last_periodic = None
    pulse = heartbeat.Heartbeat(worker_id)  # read by /healthz
    while not should_stop():
        pulse.beat()
        if periodic is not None and (last_periodic is None
                                     or time.monotonic() - last_periodic >= every):
            last_periodic = time.monotonic()
            _run_periodic(periodic, worker_id)
        try:
            handled = deliver_due(worker_id)
        except Exception as error:  # noqa: BLE001 - one bad batch must not stop everyone's mail
            # The type only: an error's text can quote an address, and logs hold no personal data.
            log.error("outbox worker %s: a batch failed (%s); its messages return after their "
                      "lease", worker_id, type(error).__name__)
            handled = 0
        if handled:
            log.info("outbox worker %s: batch of %d message(s) handled", worker_id, handled)
        else:
            time.sleep(_idle_time(idle_sleep))
    log.info("outbox worker %s stopped", worker_id)


def _idle_time(idle_sleep):
    """Nothing was claimed: sleep, but no longer than a paced domain takes to open."""
    try:
        wait = _pace_wait()
    except Exception as error:  # noqa: BLE001 - the worker sleeps its usual time instead
        log.error("outbox: the pace could not be read (%s)", type(error).__name__)
        wait = None
    return idle_sleep if wait is None else min(idle_sleep, max(wait, 0.005))


def _run_periodic(task, worker_id):
    try:
        task()
    except Exception as error:  # noqa: BLE001 - the mail goes on whatever the task did
        log.error("outbox worker %s: a periodic task failed (%s)", worker_id,
                  type(error).__name__)


def _keep_for_dev_mailbox(batch):
    ids = [message.id for message in batch]
    OutboxMessage.update(status=OutboxMessage.KEPT, sent_at=utcnow(), claimed_by=None).where(
        OutboxMessage.id.in_(ids)).execute()
    recommendations.forget_delivered(batch)


@dataclass
class _Round:
    """What one batch learns of the domains it sends to."""

    now: dt.datetime
    started: float = field(default_factory=time.monotonic)
    backed_off: set = field(default_factory=set)
    accepted: set = field(default_factory=set)

    def back_off(self, domain, error):
        if domain not in self.backed_off:
            self.backed_off.add(domain)
            pacing.back_off(domain, self.now, _describe(error))


def _send_over_smtp(batch, now, in_time=False):
    pending = list(batch)
    round_ = _Round(now)
    try:
        with mail.connect() as connection:
            while pending:
                if pending[0].domain in round_.backed_off:
                    _put_back(pending[0])  # its domain just answered 4xx: it waits too
                else:
                    if in_time:
                        _wait_for_slot(pending[0], round_)
                    _send_one(connection, pending[0], round_)
                pending.pop(0)
    except (OSError, smtplib.SMTPException) as error:
        # The connection failed: what was not handled yet waits for its retry.
        for message in pending:
            _retry_later(message, now, _describe(error))
    finally:
        pacing.recovered(round_.accepted - round_.backed_off, now)


LONGEST_SLOT_WAIT = 2.0  # seconds; a claim never takes more than a second's worth


def _wait_for_slot(message, round_):
    """Sleep until the message's slot at its domain's pace: a batch spreads over the
    second it was given instead of reaching the relay all at once."""
    slot = getattr(message, "not_before", None)
    if slot is None:
        return
    ahead = (slot - round_.now).total_seconds() - (time.monotonic() - round_.started)
    if ahead > 0:
        time.sleep(min(ahead, LONGEST_SLOT_WAIT))


def _renew_lease(message):
    """Extend this worker's claim just before sending; False if another worker took it over."""
    return OutboxMessage.update(claimed_until=utcnow() + LEASE).where(
        _still_ours(message) & (OutboxMessage.status == OutboxMessage.SENDING)).execute() == 1


def _send_one(connection, message, round_):
    """Send one message; a refusal is recorded here, a broken connection raised."""
    if not _renew_lease(message):
        return  # a slow batch outlived its lease: the message is someone else's now
    now = round_.now
    try:
        refused = _transmit(connection, build_mail(message))
    except smtplib.SMTPRecipientsRefused as error:
        _all_refused(message, error, round_)
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500:
            round_.back_off(message.domain, error)
        if error.smtp_code == 421:  # the server is closing the connection
            raise
        if 400 <= error.smtp_code < 500:
            _retry_later(message, now, _describe(error))
        else:
            _give_up(message, _describe(error))
    except (BadHeaderError, ValueError) as error:
        # The message itself cannot be written out (a header or an address that does
        # not encode): no retry will change that.
        _give_up(message, _describe(error))
    else:
        _mark_sent(message)
        round_.accepted.add(message.domain)
        if refused:  # accepted for some recipients, refused for others
            _some_refused(message, refused, round_)


def _transmit(connection, mail_message):
    """Flask-Mail's `Connection.send`, keeping what smtplib's `sendmail` returns and
    Flask-Mail drops: the recipients refused while others were accepted."""
    if mail_message.has_bad_headers():
        raise BadHeaderError
    if mail_message.date is None:
        mail_message.date = time.time()
    if connection.host is None:  # MAIL_SUPPRESS_SEND
        return {}
    return connection.host.sendmail(
        # The bare address: Flask-Mail's formatted sender would let the display name (the
        # signer's, folded) decide what the envelope's MAIL FROM says.
        sanitize_address(("", mail_message.sender_parts[1])),
        list(sanitize_addresses(mail_message.send_to)),
        wire_bytes(mail_message), mail_message.mail_options, mail_message.rcpt_options) or {}


def wire_bytes(mail_message):
    """The message as it travels. Flask-Mail encodes a non-ASCII Subject or From name, then
    the email package folds it again and drops the spaces between its encoded words (a long
    subject in Hebrew arrives with words glued together, a long accented name with spaces
    added): such a header is written here once, folded with its name counted, so that it
    is never folded again."""
    wire = mail_message._message()
    name, address = mail_message.sender_parts
    wire.policy = email_policy.compat32  # stores a folded value as it is
    if mail_message.subject and not mail_message.subject.isascii():
        wire.replace_header("Subject", _folded("Subject", mail_message.subject))
    if not name.isascii():
        wire.replace_header("From", f"{_folded('From', name)}\n <{address}>")
    wire.policy = email_policy.SMTP
    return wire.as_bytes()


def _folded(header_name, value):
    return Header(value, "utf-8", header_name=header_name).encode()


def _all_refused(message, error, round_):
    """No recipient accepted it: retry for a 4xx (its domain waits), give up for a 5xx
    (the address bounced), and a mix retries the 4xx ones apart."""
    lost = bounces.permanent(error.recipients)
    again = bounces.temporary(error.recipients)
    if again and not lost:
        round_.back_off(message.domain, error)
        _retry_later(message, round_.now, _describe(error))
        return
    bounces.record(message, lost, round_.now)
    if again:
        _retry_apart(message, again, error, round_)
    _give_up(message, _describe(error))


def _some_refused(message, refused, round_):
    bounces.record(message, bounces.permanent(refused), round_.now)
    again = bounces.temporary(refused)
    if again:
        _retry_apart(message, again, smtplib.SMTPRecipientsRefused(refused), round_)


# What a message's copy for the recipients that answered 4xx keeps (foreign keys by id).
RETRY_COPIED = ("category", "sender_name", "reply_to", "subject", "body_text", "body_html")
RETRY_COPIED_IDS = ("signature", "user", "campaign", "attachment", "announcement", "subscriber")


def _retry_apart(message, addresses, error, round_):
    """The recipients that answered 4xx get the message later in a row of their own, so
    that those who accepted it never get it twice."""
    fields = {name: getattr(message, name) for name in RETRY_COPIED}
    fields.update((name, getattr(message, name + "_id")) for name in RETRY_COPIED_IDS)
    fields.update(to_addrs=",".join(addresses), attempts=1, last_error=_describe(error),
                  next_attempt_at=round_.now + retry_delay(1))
    messages.save(fields)
    round_.back_off(messages.recipient_domain(fields["to_addrs"]), error)


def _put_back(message):
    """Back in line without an attempt counted: its domain's back-off decides when."""
    OutboxMessage.update(status=OutboxMessage.PENDING, claimed_by=None, claimed_until=None) \
        .where(_still_ours(message)).execute()


def build_mail(message):
    """The Flask-Mail message for one outbox row."""
    config = current_app.config
    sender_address = config["MAIL_DEFAULT_SENDER"]
    sender = (clean_display_name(message.sender_name), sender_address) \
        if message.sender_name else (config["SITE_NAME"], sender_address)
    # A Reply-To or recipient written with a name or a line break would add an address
    # the site did not choose: the message fails instead (ValueError, no retry).
    messages.bare_addresses([*message.recipients, *message.cc,
                             *([message.reply_to] if message.reply_to else [])])
    mail_message = Message(
        subject=clean_header(message.subject),
        recipients=message.recipients,
        cc=message.cc,
        sender=sender,
        reply_to=message.reply_to or None,
        body=message.body_text,
        html=message.body_html,
    )
    mail_message.sender_parts = sender  # Flask-Mail keeps only "name <address>"
    mail_message.msgId = make_msgid(domain=urlsplit(config["SITE_URL"]).hostname or "localhost")
    if message.subscriber_id is not None:  # Flask-Mail lets line breaks through extra_headers
        mail_message.extra_headers = {name: clean_header(value) for name, value
                                      in newsletter.list_unsubscribe_headers(message).items()}
    if message.attachment_id is not None:
        attachment = Attachment.get_by_id(message.attachment_id)
        mail_message.attach(attachment.filename, attachment.content_type, bytes(attachment.data))
    return mail_message


# C0 and C1 controls (NUL, CR, LF, NEL…) and Unicode's own line and paragraph separators.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# "=?charset?q?…?=" typed as text would be decoded by the recipient's mail program, into
# line breaks among others: a space between its first two characters keeps it text.
ENCODED_WORD_START = "=?"


def clean_header(value):
    """Header values never carry line breaks or control characters, nor encoded words."""
    cleaned = CONTROL_CHARACTERS.sub(" ", value or "").strip()
    return cleaned.replace(ENCODED_WORD_START, "= ?")


# Address syntax: in a display name, once decoded, a mail program (or a parser) would
# read "Camille <someone@else>" or "a, b@c" as addresses of their own.
ADDRESS_SYNTAX = re.compile(r'[<>@,;:"()\[\]\\]')


def clean_display_name(value):
    """A From name ("Prénom Nom via Interpelle"): one line, no address syntax."""
    return " ".join(ADDRESS_SYNTAX.sub(" ", clean_header(value)).split())


def _describe(error):
    return f"{type(error).__name__}: {error}"[:1000]


def _still_ours(message):
    """A worker that overran its lease must not overwrite what the next claimer did."""
    return (OutboxMessage.id == message.id) & (OutboxMessage.claimed_by == message.claimed_by)


def _mark_sent(message):
    OutboxMessage.update(
        status=OutboxMessage.SENT, sent_at=utcnow(), attempts=OutboxMessage.attempts + 1,
        claimed_by=None, claimed_until=None, last_error="",
    ).where(_still_ours(message)).execute()
    recommendations.forget_delivered([message])


def _retry_later(message, now, error):
    attempts = message.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        _give_up(message, error)
        return
    log.warning("outbox message %s: attempt %s failed, will retry", message.id, attempts)
    OutboxMessage.update(
        status=OutboxMessage.PENDING, attempts=attempts, last_error=error,
        next_attempt_at=now + retry_delay(attempts), claimed_by=None, claimed_until=None,
    ).where(_still_ours(message)).execute()


def _give_up(message, error):
    log.error("outbox message %s failed for good", message.id)
    OutboxMessage.update(
        status=OutboxMessage.FAILED, attempts=message.attempts + 1, last_error=error,
        claimed_by=None, claimed_until=None,
    ).where(_still_ours(message)).execute()
    recommendations.forget_delivered([message])
