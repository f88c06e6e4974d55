"""Bounces: a relay's permanent refusal (5xx) of a signer's, a subscriber's or a target's
address is recorded, over a real SMTP server (aiosmtpd on 127.0.0.1)."""
import datetime as dt
import logging
import re
import secrets
from collections import Counter

import pytest

from conftest import DEMO_CYBERACTION, Mailbox, campaign_at, csrf_token, log_in, make_member, \
    post_signature
from models import OutboxMessage, Signature, Subscriber, Target, utcnow
from services import outbox

MINISTER = "premier-ministre@example.org"
SIGNER = "helene.durand@example.net"
LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")
LATER = dt.timedelta(hours=3)


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}


class Refusing(Mailbox):
    """Refuses some addresses for good (550), others once for now (451)."""

    def __init__(self, refused=(), busy_once=()):
        super().__init__()
        self.refused, self.busy = set(refused), set(busy_once)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address in self.busy:
            self.busy.discard(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def refusing(smtp_server, **addresses):
    smtp_server.stop()
    smtp_server.mailbox = Refusing(**addresses)
    smtp_server.start()


def run_worker(app, now=None):
    with app.app_context():
        return outbox.drain(now=now)


def confirm(app, client, smtp_server):
    body = OutboxMessage.get(OutboxMessage.category == "confirmation").body_text
    client.post(LINK.search(body).group(1),
                data={"csrf_token": csrf_token(client, DEMO_CYBERACTION)})


def test_a_refused_signer_address_is_marked_and_gets_no_further_notice(
        app, client, smtp_server, database, caplog):
    refusing(smtp_server, refused={SIGNER})
    caplog.set_level(logging.INFO)
    post_signature(client)
    run_worker(app)
    signature = Signature.get()
    assert signature.bounced_at is not None
    message = OutboxMessage.get()
    assert message.status == OutboxMessage.FAILED and "550" in message.last_error

    # Signing again, long after: no reminder to an address that does not exist.
    Signature.update(last_notice_at=utcnow() - dt.timedelta(days=1)).execute()
    post_signature(client)
    assert OutboxMessage.select().count() == 1
    assert not any(SIGNER in record.getMessage() for record in caplog.records
                   if record.name.startswith("services."))


def test_a_signer_whose_address_works_still_gets_the_reminder(app, client, smtp_server,
                                                               database):
    post_signature(client)
    run_worker(app)
    Signature.update(last_notice_at=utcnow() - dt.timedelta(days=1)).execute()
    post_signature(client)
    assert OutboxMessage.select().where(OutboxMessage.category == "confirmation").count() == 2


def test_a_refused_target_address_is_shown_on_the_campaigns_dashboard(
        app, client, smtp_server, database):
    refusing(smtp_server, refused={MINISTER})
    post_signature(client)
    run_worker(app)
    confirm(app, client, smtp_server)
    run_worker(app)
    letter = OutboxMessage.get(OutboxMessage.category == "letter")
    assert letter.status == OutboxMessage.FAILED
    campaign = campaign_at(DEMO_CYBERACTION)
    target = Target.get(Target.campaign == campaign.id, Target.email == MINISTER)
    assert target.bounced_at is not None
    assert target.bounce_error.startswith("550 5.1.1") and "User unknown" in target.bounce_error
    assert Signature.get().bounced_at is None  # the signer's own address is fine

    make_member(app, "admin@example.net", role="admin")
    admin = app.test_client()
    log_in(admin, "admin@example.net")
    html = admin.get(f"/admin/campagnes/{campaign.id}/tableau").get_data(as_text=True)
    assert "Adresse refusée" in html
    assert target.name in html and MINISTER in html
    assert "550 5.1.1" in html and "User unknown" in html


def add_second_target(campaign, email):
    Target.create(campaign=campaign.id, name="Ministre de l'Éducation", email=email, position=5)


def test_one_target_refused_for_good_the_other_still_gets_the_letter_once(
        app, client, smtp_server, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    add_second_target(campaign, "ministre@education.example")
    refusing(smtp_server, refused={"ministre@education.example"})
    post_signature(client)
    run_worker(app)
    confirm(app, client, smtp_server)
    run_worker(app)
    letter = OutboxMessage.get(OutboxMessage.category == "letter")
    assert letter.status == OutboxMessage.SENT  # it reached the other target
    refused = Target.get(Target.email == "ministre@education.example")
    assert refused.bounced_at is not None and "550" in refused.bounce_error
    assert Target.get(Target.email == MINISTER).bounced_at is None
    envelopes = smtp_server.mailbox.envelopes
    assert [envelope.rcpt_tos for envelope in envelopes[1:]] == [[MINISTER]]


def test_a_target_answering_4xx_gets_the_letter_later_and_nobody_gets_it_twice(
        app, client, smtp_server, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    add_second_target(campaign, "ministre@education.example")
    refusing(smtp_server, busy_once={"ministre@education.example"})
    post_signature(client)
    run_worker(app)
    confirm(app, client, smtp_server)
    run_worker(app)
    assert [e.rcpt_tos for e in smtp_server.mailbox.envelopes[1:]] == [[MINISTER]]
    run_worker(app, now=utcnow() + LATER)
    copies = Counter(address for envelope in smtp_server.mailbox.envelopes[1:]
                     for address in envelope.rcpt_tos)
    assert copies == {MINISTER: 1, "ministre@education.example": 1}
    letters = OutboxMessage.select().where(OutboxMessage.category == "letter")
    assert [m.status for m in letters] == [OutboxMessage.SENT, OutboxMessage.SENT]
    assert all(target.bounced_at is None for target in Target.select())


def test_a_refused_subscriber_address_leaves_the_newsletter(app, smtp_server, database):
    refusing(smtp_server, refused={"abonnee@example.net"})
    with app.app_context():
        subscriber = Subscriber.create(email="abonnee@example.net",
                                       email_key="abonnee@example.net",
                                       status=Subscriber.SUBSCRIBED, token=secrets.token_hex(16))
        OutboxMessage.create(category="newsletter", to_addrs="abonnee@example.net",
                             domain="example.net", subscriber=subscriber.id,
                             subject="Lettre d'infos", body_text="Texte")
        outbox.drain()
    subscriber = Subscriber.get_by_id(subscriber.id)
    assert subscriber.status == Subscriber.BOUNCED and subscriber.bounced_at is not None


def test_a_temporary_refusal_marks_nothing(app, client, smtp_server, database):
    refusing(smtp_server, busy_once={SIGNER})
    post_signature(client)
    run_worker(app)
    assert Signature.get().bounced_at is None
    assert OutboxMessage.get().status == OutboxMessage.PENDING
