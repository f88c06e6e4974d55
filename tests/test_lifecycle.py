"""Closing at the date and the bilan: the PDF of signatories mailed to the targets through
the outbox, over a real SMTP server, once, whatever fails or restarts in between."""
import datetime as dt
import re
import threading

import pytest

from conftest import (
    DEMO_CLOSED, DEMO_CYBERACTION, DEMO_PETITION, campaign_at, csrf_token, make_member,
    make_test_app, post_signature, signer,
)
from models import Attachment, AuditEntry, Campaign, OutboxMessage, Signature, db, utcnow
from services import bilans, campaigns, outbox
from test_bilans import add_signature, pdf_pages

PETITION_SLUG = "sauvons-la-ligne-paris-granville"
PETITION_TARGET = "presidence-region@example.org"
CONFIRM_LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")
LATER = dt.timedelta(hours=3)


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port, "MAIL_SUPPRESS_SEND": False}


def make_due(url):
    """The demo campaign at `url`, its closing date just passed."""
    campaign = campaign_at(url)
    Campaign.update(closes_at=utcnow() - dt.timedelta(minutes=1)).where(
        Campaign.id == campaign.id).execute()
    return Campaign.get_by_id(campaign.id)


def sign(client, url, email):
    """Post the signing form as a visitor without JavaScript (or with htmx, by the client)."""
    data = signer(email=email)
    data["csrf_token"] = csrf_token(client, DEMO_CYBERACTION)
    return client.post(f"{url}/signer", data=data)


def bilan_attachment(message):
    (attachment,) = list(message.iter_attachments())
    return attachment


def test_close_due_closes_a_petition_past_its_date_which_then_refuses_signing_and_confirming(
        app, client, htmx, runner, database):
    sign(client, DEMO_PETITION, "avant@example.net")
    link = CONFIRM_LINK.search(OutboxMessage.get().body_text).group(1)
    petition = make_due(DEMO_PETITION)

    result = runner.invoke(args=["close-due"])
    assert f"Close : /petitions/{PETITION_SLUG}" in result.output
    assert "1 campagne(s) close(s), 1 bilan(s) mis en envoi." in result.output
    closed = campaign_at(DEMO_PETITION)
    assert closed.status == Campaign.CLOSED and closed.closed_at == petition.closes_at

    stored = Signature.select().count()
    refused = sign(client, DEMO_PETITION, "apres@example.net")
    assert refused.status_code == 409
    assert "Cette campagne est close" in refused.get_data(as_text=True)
    refused_inline = sign(htmx, DEMO_PETITION, "apres@example.net")
    assert refused_inline.status_code == 409
    assert "elle n'accepte plus de participations" in refused_inline.get_data(as_text=True)
    assert Signature.select().count() == stored

    confirmed = client.post(link, data={"csrf_token": csrf_token(client, DEMO_CYBERACTION)})
    assert confirmed.status_code == 409
    assert "votre participation n&#39;a pas pu être confirmée" in confirmed.get_data(as_text=True)
    assert Signature.get(Signature.email_key == "avant@example.net").status == Signature.PENDING
    assert campaign_at(DEMO_PETITION).signature_count == petition.signature_count

    page = client.get(DEMO_PETITION).get_data(as_text=True)
    assert "Cette campagne est close depuis le" in page and "Signer la pétition" not in page
    assert closed.title in client.get("/bilans").get_data(as_text=True)


def test_at_closing_the_petitions_pdf_goes_to_its_targets_with_the_hidden_signers(
        app, runner, smtp_server, database):
    petition = make_due(DEMO_PETITION)
    add_signature(petition, 1, last_name="Œuvrard", first_name="Cœur", hide_identity=True)
    add_signature(petition, 2, last_name="Łukasiewicz", first_name="Paweł")
    add_signature(petition, 3, last_name="Enattente", status=Signature.PENDING)

    runner.invoke(args=["close-due"])
    assert "1 message(s) traité(s)." in runner.invoke(args=["worker", "--once"]).output

    (message,) = smtp_server.mailbox.messages
    assert smtp_server.mailbox.envelopes[0].rcpt_tos == [PETITION_TARGET]
    assert "la liste des 2 signataires" in message.get_body(("plain",)).get_content()
    attachment = bilan_attachment(message)
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"signataires-{PETITION_SLUG}.pdf"
    text = "\n".join(pdf_pages(attachment.get_content()))
    assert "Œuvrard Cœur" in text and "Łukasiewicz Paweł" in text
    assert "2 signataires" in text and "Enattente" not in text
    assert "@" not in text
    assert campaign_at(DEMO_PETITION).bilan_sent_at is not None
    assert OutboxMessage.get(OutboxMessage.category == "bilan").status == OutboxMessage.SENT


def test_a_cyberactions_closing_sends_no_pdf_until_an_admin_asks_then_sends_it_once(
        app, runner, smtp_server, database):
    add_signature(make_due(DEMO_CYBERACTION), 1, last_name="Muñoz", hide_identity=True)
    closing = runner.invoke(args=["close-due"]).output
    assert "1 campagne(s) close(s), 0 bilan(s) mis en envoi." in closing
    assert "0 message(s) traité(s)." in runner.invoke(args=["worker", "--once"]).output
    assert smtp_server.mailbox.messages == []

    admin = make_member(app, "admin@example.net", role="admin")
    with app.app_context():
        assert campaigns.request_bilan(admin, campaign_at(DEMO_CYBERACTION))
        assert not campaigns.request_bilan(admin, campaign_at(DEMO_CYBERACTION))
    assert "1 message(s) traité(s)." in runner.invoke(args=["worker", "--once"]).output
    assert "0 message(s) traité(s)." in runner.invoke(args=["worker", "--once"]).output

    (message,) = smtp_server.mailbox.messages
    assert smtp_server.mailbox.envelopes[0].rcpt_tos == ["premier-ministre@example.org"]
    assert "Muñoz Élise" in pdf_pages(bilan_attachment(message).get_content())[0]
    assert AuditEntry.select().where(AuditEntry.action == "bilan.request").count() == 1


def test_a_queued_bilan_survives_a_failed_delivery_and_a_restart_and_goes_once(
        app, database_url, runner, smtp_server, database):
    add_signature(make_due(DEMO_PETITION), 1, last_name="Œuvrard", hide_identity=True)
    smtp_server.stop()
    assert "1 bilan(s) mis en envoi." in runner.invoke(args=["close-due"]).output
    with app.app_context():
        outbox.drain()
    waiting = OutboxMessage.get(OutboxMessage.category == "bilan")
    assert waiting.status == OutboxMessage.PENDING and waiting.attempts == 1 and waiting.last_error
    assert bytes(Attachment.get_by_id(waiting.attachment_id).data).startswith(b"%PDF")

    stop_worker(app)
    restarted = make_test_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                              MAIL_SUPPRESS_SEND=False)
    smtp_server.start()
    with restarted.app_context():
        assert bilans.send_requested() == 0
        assert outbox.drain(now=utcnow() + LATER) == 1
        assert outbox.drain(now=utcnow() + LATER) == 0
    again = restarted.test_cli_runner().invoke(args=["close-due"]).output
    assert "0 campagne(s) close(s), 0 bilan(s) mis en envoi." in again
    with restarted.app_context():
        assert outbox.drain(now=utcnow() + 2 * LATER) == 0
        stop_worker(restarted)

    (message,) = smtp_server.mailbox.messages
    assert "Œuvrard Élise" in pdf_pages(bilan_attachment(message).get_content())[0]
    assert OutboxMessage.select().where(OutboxMessage.category == "bilan").count() == 1
    assert Attachment.select().count() == 1


def stop_worker(app):
    """A worker process that stops takes its database connections with it."""
    with app.app_context():
        db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()


def test_two_workers_at_once_queue_and_deliver_the_bilan_only_once(app, smtp_server, database):
    add_signature(make_due(DEMO_PETITION), 1, last_name="Straße")
    with app.app_context():
        campaigns.close_due()
    both_ready = threading.Barrier(2, timeout=60)
    queued, failures = [], []

    def worker(worker_id):
        with app.app_context():
            try:
                both_ready.wait()
                queued.append(bilans.send_requested())
                both_ready.wait()  # both have tried to queue it before either delivers
                outbox.deliver_due(worker_id)
                outbox.deliver_due(worker_id)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)
                both_ready.abort()
            finally:
                db.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("worker-a", "worker-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sorted(queued) == [0, 1]
    (message,) = smtp_server.mailbox.messages
    assert "Straße Élise" in pdf_pages(bilan_attachment(message).get_content())[0]
    assert OutboxMessage.get(OutboxMessage.category == "bilan").status == OutboxMessage.SENT
    assert Attachment.select().count() == 1


def test_close_due_is_idempotent_and_leaves_drafts_archived_and_closed_campaigns_alone(
        app, runner, database):
    past = utcnow() - dt.timedelta(days=1)
    due = make_due(DEMO_PETITION)
    others = {status: Campaign.create(kind="petitions", slug=f"echue-{status}", title="Échue",
                                      proposer="Test", status=status, opens_at=past - LATER,
                                      closes_at=past)
              for status in (Campaign.DRAFT, Campaign.ARCHIVED)}
    already = campaign_at(DEMO_CLOSED)

    first = runner.invoke(args=["close-due"]).output
    assert "1 campagne(s) close(s), 1 bilan(s) mis en envoi." in first
    assert f"Close : /petitions/{PETITION_SLUG}" in first and "echue" not in first
    assert "0 campagne(s) close(s), 0 bilan(s) mis en envoi." in \
        runner.invoke(args=["close-due"]).output
    with app.app_context():
        assert campaigns.close_due() == []

    assert Campaign.get_by_id(due.id).status == Campaign.CLOSED
    for status, campaign in others.items():
        assert Campaign.get_by_id(campaign.id).status == status
        assert Campaign.get_by_id(campaign.id).closed_at is None
    still = Campaign.get_by_id(already.id)
    assert (still.status, still.closed_at, still.bilan_requested_at) == (
        Campaign.CLOSED, already.closed_at, None)
    assert campaign_at(DEMO_CYBERACTION).status == Campaign.PUBLISHED
    assert AuditEntry.select().where(AuditEntry.action == "campaign.close").count() == 1
    assert OutboxMessage.select().where(OutboxMessage.category == "bilan").count() == 1


def test_a_confirmation_racing_with_closing_is_not_counted(app, client, database):
    """The confirmation read the campaign while it was open; the closing committed before
    its write: nothing is counted, so the PDF drawn up at closing stays complete."""
    from models import write_transaction
    from services import signing
    post_signature(client)
    signature = Signature.get()
    campaign = campaign_at(DEMO_CYBERACTION)  # read while published
    Campaign.update(status=Campaign.CLOSED, closed_at=utcnow()).where(
        Campaign.id == campaign.id).execute()
    with app.app_context(), pytest.raises(signing.CampaignClosed):
        with write_transaction():
            signing._mark_confirmed(signature, campaign)
    assert Signature.get_by_id(signature.id).status == Signature.PENDING
    assert campaign_at(DEMO_CYBERACTION).signature_count == 0
