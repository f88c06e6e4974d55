"""The outbox and its worker against a real SMTP server (aiosmtpd on 127.0.0.1)."""
import datetime as dt
import logging
import re
import smtplib
import threading

import pytest

from conftest import DEMO_CYBERACTION, csrf_token, post_signature
from models import OutboxMessage, utcnow
from services import outbox

LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")
LATER = dt.timedelta(hours=3)


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}


def run_worker(app, now=None):
    with app.app_context():
        return outbox.drain(now=now)


def sign_and_confirm(app, client, mailbox, **signer):
    post_signature(client, **signer)
    run_worker(app)
    path = LINK.search(mailbox.messages[-1].get_body(("plain",)).get_content()).group(1)
    client.post(path, data={"csrf_token": csrf_token(client, DEMO_CYBERACTION)})
    run_worker(app)


def test_confirmation_email_then_letter_reach_the_smtp_server(app, client, smtp_server, database):
    sign_and_confirm(app, client, smtp_server.mailbox)
    confirmation, letter = smtp_server.mailbox.messages
    assert confirmation["To"] == "helene.durand@example.net"
    assert confirmation["Subject"].startswith("Confirmez votre participation")
    assert confirmation.get_body(("html",)) is not None

    assert letter["To"] == "premier-ministre@example.org"
    assert letter["Reply-To"] == "helene.durand@example.net"
    assert letter["From"].addresses[0].display_name == "Hélène Durand via Interpelle"
    assert letter["From"].addresses[0].addr_spec == "ne-pas-repondre@interpelle.test"
    assert letter["Subject"] == "Stop à la migration des écoles vers Microsoft 365"
    assert letter["Message-ID"].endswith("@interpelle.test>")
    body = letter.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Monsieur le Premier ministre" in body
    assert body.rstrip().endswith("Hélène Durand\nEnseignante\n75011 Paris")
    envelope = smtp_server.mailbox.envelopes[-1]
    assert envelope.rcpt_tos == ["premier-ministre@example.org"]
    assert OutboxMessage.select().where(OutboxMessage.status == OutboxMessage.SENT).count() == 2


def test_smtp_down_then_back_delivers_exactly_once(app, client, smtp_server, database):
    smtp_server.stop()
    post_signature(client)
    run_worker(app)
    message = OutboxMessage.get()
    assert message.status == OutboxMessage.PENDING
    assert message.attempts == 1
    assert "Connection refused" in message.last_error or "ConnectionRefused" in message.last_error
    assert message.next_attempt_at > utcnow()

    run_worker(app)  # not due yet: nothing happens
    assert OutboxMessage.get().attempts == 1

    smtp_server.start()
    run_worker(app, now=utcnow() + LATER)
    run_worker(app, now=utcnow() + LATER)
    assert len(smtp_server.mailbox.messages) == 1
    assert OutboxMessage.get().status == OutboxMessage.SENT


def test_message_that_keeps_failing_ends_failed_with_its_error(app, client, smtp_server, database):
    smtp_server.stop()
    post_signature(client)
    now = utcnow()
    for _ in range(outbox.MAX_ATTEMPTS):
        now += LATER
        run_worker(app, now=now)
    message = OutboxMessage.get()
    assert message.status == OutboxMessage.FAILED
    assert message.attempts == outbox.MAX_ATTEMPTS
    assert message.last_error


class RefusingMailbox:
    """Answers RCPT with a temporary or permanent error."""

    def __init__(self, code):
        self.code = code

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"{self.code} Mailbox unavailable"


def test_temporary_refusal_is_retried_and_permanent_refusal_fails(app, client, smtp_server, database):
    smtp_server.stop()
    smtp_server.mailbox = RefusingMailbox(450)
    smtp_server.start()
    post_signature(client)
    run_worker(app)
    assert OutboxMessage.get().status == OutboxMessage.PENDING

    smtp_server.stop()
    smtp_server.mailbox = RefusingMailbox(550)
    smtp_server.start()
    run_worker(app, now=utcnow() + LATER)
    message = OutboxMessage.get()
    assert message.status == OutboxMessage.FAILED
    assert "550" in message.last_error


def test_two_workers_at_once_never_send_a_message_twice(app, client, smtp_server, database):
    with app.app_context():
        for number in range(120):
            OutboxMessage.create(category="letter", to_addrs=f"cible{number}@example.org",
                                 subject=f"Lettre {number}", body_text="Texte")
    threads = [threading.Thread(target=run_worker, args=(app,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    subjects = [message["Subject"] for message in smtp_server.mailbox.messages]
    assert sorted(subjects) == sorted(f"Lettre {number}" for number in range(120))
    assert OutboxMessage.select().where(OutboxMessage.status != OutboxMessage.SENT).count() == 0


def test_header_injection_in_stored_subject_is_neutralised(app, smtp_server, database):
    with app.app_context():
        OutboxMessage.create(category="letter", to_addrs="cible@example.org",
                             subject="Objet\r\nBcc: victime@example.org", body_text="Texte")
        outbox.drain()
    envelope = smtp_server.mailbox.envelopes[0]
    assert envelope.rcpt_tos == ["cible@example.org"]
    assert "Bcc" not in smtp_server.mailbox.messages[0]


def test_a_message_that_cannot_be_encoded_fails_alone_and_the_rest_is_delivered(
        app, smtp_server, database):
    with app.app_context():
        broken = OutboxMessage.create(category="letter", to_addrs="josé@exemple.fr",
                                      subject="Illisible", body_text="Texte")
        OutboxMessage.create(category="letter", to_addrs="cible@example.org",
                             subject="Lisible", body_text="Texte")
        outbox.drain()
    broken = OutboxMessage.get_by_id(broken.id)
    assert broken.status == OutboxMessage.FAILED
    assert "UnicodeEncodeError" in broken.last_error
    assert [message["Subject"] for message in smtp_server.mailbox.messages] == ["Lisible"]


def test_smtp_errors_are_the_ones_the_worker_expects():
    assert issubclass(smtplib.SMTPRecipientsRefused, smtplib.SMTPException)


def test_worker_loop_survives_a_failing_batch_and_delivers_the_next(app, smtp_server, database,
                                                                    monkeypatch):
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logging.getLogger("services.outbox").addHandler(handler)
    monkeypatch.setattr(logging.getLogger("services.outbox"), "level", logging.INFO)
    real_deliver = outbox.deliver_due
    calls = []

    def first_batch_fails(worker_id=None, now=None):  # fault injection: one broken batch
        calls.append(worker_id)
        if len(calls) == 1:
            raise RuntimeError("connexion perdue avec personne@example.net")
        return real_deliver(worker_id, now=now)

    monkeypatch.setattr(outbox, "deliver_due", first_batch_fails)
    with app.app_context():
        OutboxMessage.create(category="letter", to_addrs="cible@example.org",
                             subject="Après la panne", body_text="Texte")
        outbox.run_forever(should_stop=lambda: len(calls) >= 3, idle_sleep=0)
    assert [message["Subject"] for message in smtp_server.mailbox.messages] == ["Après la panne"]
    logging.getLogger("services.outbox").removeHandler(handler)
    assert any("RuntimeError" in line for line in records)
    assert not any("personne@example.net" in line for line in records)  # no personal data


def test_a_letter_with_one_very_long_paragraph_is_delivered_whole(app, client, smtp_server,
                                                                  database):
    paragraph = "Une phrase sans retour à la ligne, écrite avec soin. " * 60  # ~3,300 bytes
    sign_and_confirm(app, client, smtp_server.mailbox, letter_subject="Objet",
                     letter_body=paragraph)
    assert OutboxMessage.select().where(OutboxMessage.status == OutboxMessage.SENT).count() == 2
    letter = smtp_server.mailbox.messages[-1]
    assert paragraph.strip() in letter.get_body(("plain",)).get_content()
    raw_lines = smtp_server.mailbox.envelopes[-1].content.split(b"\r\n")
    assert max(len(line) for line in raw_lines) <= 998
