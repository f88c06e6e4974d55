"""Delivery of the outbox: claim due messages, send them, retry with backoff.

A message is in the database before anything is sent, and is marked sent only
once the SMTP server accepted it. Workers claim messages in a transaction
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), so two
workers never hold the same message.
"""
import datetime as dt
import logging
import os
import re
import smtplib
import socket
import time
import uuid
from email.utils import make_msgid
from urllib.parse import urlsplit

from email import charset as email_charset

from flask import current_app
from flask_mail import BadHeaderError, Message

from extensions import mail
from models import Attachment, OutboxMessage, is_sqlite, utcnow, write_transaction

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
    """Take up to `limit` due messages for this worker; nobody else gets them."""
    now = now or utcnow()
    due = (OutboxMessage.status == OutboxMessage.PENDING) & (OutboxMessage.next_attempt_at <= now)
    abandoned = (OutboxMessage.status == OutboxMessage.SENDING) & (OutboxMessage.claimed_until < now)
    with write_transaction():
        query = (OutboxMessage.select(OutboxMessage.id).where(due | abandoned)
                 .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
        if not is_sqlite():
            query = query.for_update(skip_locked=True)
        ids = [row.id for row in query]
        if not ids:
            return []
        OutboxMessage.update(
            status=OutboxMessage.SENDING, claimed_by=worker_id, claimed_until=now + LEASE,
        ).where(OutboxMessage.id.in_(ids)).execute()
    return list(OutboxMessage.select().where(
        OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker_id,
    ).order_by(OutboxMessage.id))


def deliver_due(worker_id=None, now=None):
    """Claim and deliver one batch; return how many messages were handled."""
    worker_id = worker_id or new_worker_id()
    batch = claim_due(worker_id, now=now)
    if not batch:
        return 0
    if not current_app.config["MAIL_SERVER"]:
        _keep_for_dev_mailbox(batch)
    else:
        _send_over_smtp(batch, now or utcnow())
    return len(batch)


def drain(worker_id=None, now=None):
    """Deliver until nothing is due; return the number of messages handled."""
    worker_id = worker_id or new_worker_id()
    total = 0
    while handled := deliver_due(worker_id, now=now):
        total += handled
    return total


def run_forever(should_stop, idle_sleep=1.0, periodic=None, every=180.0):
    """The worker loop: deliver what is due, sleep a little when there is nothing;
    run `periodic` (closing campaigns at their date) once every `every` seconds."""
    worker_id = new_worker_id()
    log.info("outbox worker %s started", worker_id)
    last_periodic = None
    while not should_stop():
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
        if not handled:
            time.sleep(idle_sleep)
    log.info("outbox worker %s stopped", worker_id)


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


def _send_over_smtp(batch, now):
    pending = list(batch)
    try:
        with mail.connect() as connection:
            while pending:
                _send_one(connection, pending[0], now)
                pending.pop(0)
    except (OSError, smtplib.SMTPException) as error:
        # The connection failed: what was not handled yet waits for its retry.
        for message in pending:
            _retry_later(message, now, _describe(error))


def _renew_lease(message):
    """Extend this worker's claim just before sending; False if another worker took it over."""
    return OutboxMessage.update(claimed_until=utcnow() + LEASE).where(
        _still_ours(message) & (OutboxMessage.status == OutboxMessage.SENDING)).execute() == 1


def _send_one(connection, message, now):
    """Send one message; a refusal is recorded here, a broken connection raised."""
    if not _renew_lease(message):
        return  # a slow batch outlived its lease: the message is someone else's now
    try:
        connection.send(build_mail(message))
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if all(400 <= code < 500 for code in codes):
            _retry_later(message, now, _describe(error))
        else:
            _give_up(message, _describe(error))
    except smtplib.SMTPResponseException as error:
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


def build_mail(message):
    """The Flask-Mail message for one outbox row."""
    config = current_app.config
    sender_address = config["MAIL_DEFAULT_SENDER"]
    sender = (clean_header(message.sender_name), sender_address) if message.sender_name \
        else (config["SITE_NAME"], sender_address)
    mail_message = Message(
        subject=clean_header(message.subject),
        recipients=message.recipients,
        cc=message.cc,
        sender=sender,
        reply_to=message.reply_to or None,
        body=message.body_text,
        html=message.body_html,
    )
    mail_message.msgId = make_msgid(domain=urlsplit(config["SITE_URL"]).hostname or "localhost")
    if message.attachment_id is not None:
        attachment = Attachment.get_by_id(message.attachment_id)
        mail_message.attach(attachment.filename, attachment.content_type, bytes(attachment.data))
    return mail_message


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def clean_header(value):
    """Header values never carry line breaks or control characters."""
    return CONTROL_CHARACTERS.sub(" ", value or "").strip()


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
