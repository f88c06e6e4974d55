"""The Lettre d'infos: subscribing (double opt-in), unsubscribing in one click, and an
announcement that leaves through the outbox in batches, against a real SMTP server."""
import datetime as dt
import html
import re
from urllib.parse import urlsplit

import pytest

from conftest import (
    DEMO_CYBERACTION, DEMO_PETITION, csrf_token, delete_own_account, log_in, make_member,
    post_signature,
)
from models import Announcement, OutboxMessage, Signature, Subscriber, utcnow
from services import messages, newsletter, outbox, signing
from services.tokens import make_token

CONFIRM_LINK = re.compile(r"http://interpelle\.test(/lettre-d-infos/confirmer/[\w.\-]+)")
SAME_ANSWER = "Si cette adresse n'est pas encore abonnée"
# 600 an hour: one message every 6 s, queued five minutes' worth (50) at a time.
RATE = "600 per hour"
INTERVAL = dt.timedelta(seconds=6)
LATER = dt.timedelta(days=1)


@pytest.fixture
def app_config(smtp_server):
    # The per-domain pace of the outbox is not what these tests are about: unpaced.
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port,
            "MAIL_RATE_PER_DOMAIN": "0", "NEWSLETTER_RATE": RATE}


def deliver(app, now=None):
    with app.app_context():
        return outbox.drain(now=now)


def received_by(smtp_server, address):
    return [m for m in smtp_server.mailbox.messages if m["To"] == address]


def subscribe_form(client, email):
    token = csrf_token(client, "/lettre-d-infos")
    return client.post("/lettre-d-infos", data={"email": email, "csrf_token": token})


def add_subscribers(count, status=Subscriber.SUBSCRIBED, prefix="abonne", language="fr"):
    rows = [{"email": f"{prefix}{n}@example.net", "email_key": f"{prefix}{n}@example.net",
             "status": status, "token": newsletter._new_token(), "language": language,
             "source": "formulaire", "created_at": utcnow(), "confirmed_at": utcnow()}
            for n in range(count)]
    for start in range(0, count, 100):
        Subscriber.insert_many(rows[start:start + 100]).execute()
    return [row["email"] for row in rows]


def status_of(email):
    return Subscriber.get(Subscriber.email_key == signing.email_key(email)).status


def announcement(app, subject="Les cyberactions de décembre", body="Bonjour à toutes et à tous,"):
    with app.app_context():
        return Announcement.create(subject=subject, body=body, campaign_ids="")


def send_everything(app, item, start):
    """Envoyer, then the worker's periodic step five minutes apart until all is queued,
    then delivery; returns how many messages each step queued."""
    with app.app_context():
        newsletter.start_sending(None, item, now=start)
        queued = [OutboxMessage.select().where(OutboxMessage.announcement == item.id).count()]
        for step in range(1, 20):
            before = sum(queued)
            newsletter.queue_due_batches(now=start + newsletter.QUEUE_AHEAD * step)
            total = OutboxMessage.select().where(OutboxMessage.announcement == item.id).count()
            if total == before:
                break
            queued.append(total - before)
    deliver(app, now=start + LATER)
    with app.app_context():
        newsletter.queue_due_batches(now=start + LATER)
    return queued


# Public form: double opt-in, no enumeration, rate limits --------------------------------------

def test_public_form_subscribes_only_once_the_emailed_link_is_confirmed(app, client, smtp_server,
                                                                        database):
    response = subscribe_form(client, "Zoe@Example.net")
    assert response.status_code == 200 and SAME_ANSWER in response.get_data(as_text=True)
    assert status_of("zoe@example.net") == Subscriber.PENDING
    deliver(app)
    [mail] = received_by(smtp_server, "Zoe@example.net")
    assert mail["List-Unsubscribe"] is None  # not the newsletter yet
    path = CONFIRM_LINK.search(mail.get_body(("plain",)).get_content()).group(1)

    page = client.get(path)
    assert page.status_code == 200 and "Confirmer mon abonnement" in page.get_data(as_text=True)
    assert status_of("zoe@example.net") == Subscriber.PENDING  # a mail scanner's GET does nothing
    confirmed = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert confirmed.status_code == 200
    assert "Abonnement confirmé" in confirmed.get_data(as_text=True)
    assert status_of("zoe@example.net") == Subscriber.SUBSCRIBED


def test_the_answer_is_the_same_for_a_subscribed_address_which_gets_no_mail(app, client,
                                                                            smtp_server, database):
    add_subscribers(1, prefix="deja")
    known = subscribe_form(client, "deja0@example.net")
    unknown = subscribe_form(client, "inconnue@example.net")
    assert known.status_code == unknown.status_code == 200
    strip_token = re.compile(r'name="csrf_token"[^>]*>')
    assert strip_token.sub("", known.get_data(as_text=True)) == \
        strip_token.sub("", unknown.get_data(as_text=True))
    deliver(app)
    assert received_by(smtp_server, "deja0@example.net") == []
    assert len(received_by(smtp_server, "inconnue@example.net")) == 1


def test_a_pending_address_gets_its_link_again_at_most_every_ten_minutes(app, client, smtp_server,
                                                                         database):
    for _ in range(3):
        subscribe_form(client, "patiente@example.net")
    assert OutboxMessage.select().where(
        OutboxMessage.category == newsletter.CONFIRMATION).count() == 1
    OutboxMessage.update(created_at=utcnow() - dt.timedelta(minutes=11)).execute()
    subscribe_form(client, "patiente@example.net")
    assert OutboxMessage.select().where(
        OutboxMessage.category == newsletter.CONFIRMATION).count() == 2


def test_invalid_address_comes_back_in_french_with_what_was_typed(htmx, database):
    token = csrf_token(htmx, "/lettre-d-infos")
    response = htmx.post("/lettre-d-infos", data={"email": "pas-une-adresse", "csrf_token": token})
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "n'est pas valide" in body
    assert 'value="pas-une-adresse"' in body and "<html" not in body  # the fragment alone
    assert Subscriber.select().count() == 0


def test_members_are_pointed_to_mon_profil_from_the_public_page(app, client, database):
    assert "Mon profil" not in client.get("/lettre-d-infos").get_data(as_text=True)
    make_member(app)
    log_in(client)
    assert 'href="/compte#lettre-d-infos"' in client.get("/lettre-d-infos").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True,
                                         "NEWSLETTER_SUBSCRIBE_RATE_LIMIT": "2 per hour"}])
def test_subscribing_is_rate_limited_per_client_and_per_typed_address(app, client, database):
    statuses = [subscribe_form(client, f"personne{n}@example.net").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    by_address = []
    for n in range(3):  # a new client address each time, the same mailbox
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 10}"
        by_address.append(subscribe_form(other, "Cible+%d@example.net" % n).status_code)
    assert by_address == [200, 200, 429]


# Signing with the box ticked -----------------------------------------------------------------

def sign_and_confirm(app, client, url, **fields):
    post_signature(client, url=url, email="signataire@example.net", **fields)
    with app.app_context():
        signature = Signature.get((Signature.email_key == "signataire@example.net")
                                  & (Signature.status == Signature.PENDING))
        signing.confirm(make_token(messages.CONFIRM_PURPOSE, signature.confirm_nonce))


def test_a_confirmed_participation_with_the_box_subscribes_and_one_without_never_resubscribes(
        app, client, database):
    post_signature(client, email="signataire@example.net", newsletter="y")
    assert Subscriber.select().count() == 0  # not before the confirmation: the double opt-in
    with app.app_context():
        signature = Signature.get(Signature.email_key == "signataire@example.net")
        signing.confirm(make_token(messages.CONFIRM_PURPOSE, signature.confirm_nonce))
    subscriber = Subscriber.get()
    assert (subscriber.status, subscriber.source) == (Subscriber.SUBSCRIBED, "signature")

    newsletter_unsubscribe = client.post(f"/lettre-d-infos/desabonner/{subscriber.token}",
                                         data="List-Unsubscribe=One-Click",
                                         content_type="application/x-www-form-urlencoded")
    assert newsletter_unsubscribe.status_code == 200
    sign_and_confirm(app, client, DEMO_PETITION)  # without the box
    assert status_of("signataire@example.net") == Subscriber.UNSUBSCRIBED


def test_ticking_the_box_again_resubscribes_an_unsubscribed_or_bounced_address(app, client,
                                                                               database):
    add_subscribers(1, status=Subscriber.BOUNCED, prefix="signataire")
    Subscriber.update(email="signataire@example.net", email_key="signataire@example.net",
                      bounced_at=utcnow()).execute()
    sign_and_confirm(app, client, DEMO_CYBERACTION, newsletter="y")
    subscriber = Subscriber.get()
    assert subscriber.status == Subscriber.SUBSCRIBED and subscriber.bounced_at is None


def test_a_member_signing_in_one_click_with_the_box_is_subscribed(app, client, database):
    make_member(app)
    log_in(client)
    token = csrf_token(client, DEMO_CYBERACTION)
    response = client.post(f"{DEMO_CYBERACTION}/signer-en-un-clic", data={
        "csrf_token": token, "newsletter": "y", "letter_subject": "Objet",
        "letter_body": "Madame, Monsieur,\n\nNous vous écrivons."})
    assert response.status_code in (200, 303)
    subscriber = Subscriber.get()
    assert subscriber.status == Subscriber.SUBSCRIBED and subscriber.user_id is not None


# Mon profil ------------------------------------------------------------------------------------

def test_mon_profil_shows_and_changes_the_subscription(app, client, database):
    make_member(app)
    log_in(client)
    page = html.unescape(client.get("/compte").get_data(as_text=True))
    assert "Recevoir la lettre d'infos" in page and "Vous n'êtes pas abonné·e" in page

    token = csrf_token(client, "/compte")
    response = client.post("/compte/lettre-d-infos", data={"csrf_token": token, "newsletter": "y"})
    assert response.status_code == 303
    assert status_of("membre@example.net") == Subscriber.SUBSCRIBED  # verified: at once
    page = html.unescape(client.get("/compte").get_data(as_text=True))
    assert "Vous êtes abonné·e" in page
    assert re.search(r'<input checked id="newsletter" name="newsletter" type="checkbox"', page)

    client.post("/compte/lettre-d-infos", data={"csrf_token": token})
    assert status_of("membre@example.net") == Subscriber.UNSUBSCRIBED
    assert "Vous n'êtes pas abonné·e" in html.unescape(client.get("/compte").get_data(as_text=True))


def test_deleting_the_account_deletes_its_subscription(app, client, database):
    make_member(app)
    log_in(client)
    client.post("/compte/lettre-d-infos",
                data={"csrf_token": csrf_token(client, "/compte"), "newsletter": "y"})
    Subscriber.update(user=None).execute()  # found by its address too, not by the link alone
    assert delete_own_account(client).status_code == 303
    assert Subscriber.select().count() == 0


# Unsubscribing ---------------------------------------------------------------------------------

def test_the_unsubscribe_page_asks_first_then_its_button_unsubscribes_idempotently(client,
                                                                                   database):
    add_subscribers(1)
    subscriber = Subscriber.get()
    path = f"/lettre-d-infos/desabonner/{subscriber.token}"
    page = client.get(path)
    assert page.status_code == 200 and "Me désabonner" in page.get_data(as_text=True)
    assert status_of(subscriber.email) == Subscriber.SUBSCRIBED

    refused = client.post(path, data={})  # neither the page's token nor a one-click body
    assert refused.status_code == 400
    assert status_of(subscriber.email) == Subscriber.SUBSCRIBED
    token = csrf_token(client, path)
    for _ in range(2):
        done = client.post(path, data={"csrf_token": token})
        assert done.status_code == 200 and "Vous êtes désabonné·e" in done.get_data(as_text=True)
    unsubscribed = Subscriber.get()
    assert unsubscribed.status == Subscriber.UNSUBSCRIBED and unsubscribed.unsubscribed_at


def test_an_unknown_unsubscribe_link_says_so_with_a_404(client, database):
    for token in ("0" * 32, "pas-un-jeton"):
        response = client.get(f"/lettre-d-infos/desabonner/{token}")
        assert response.status_code == 404
        assert "n'est pas valide" in html.unescape(response.get_data(as_text=True))
    one_click = client.post("/lettre-d-infos/desabonner/" + "0" * 32,
                            data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 404


# An announcement to 250 subscribers ---------------------------------------------------------

def test_an_announcement_goes_out_in_batches_at_the_rate_with_one_click_unsubscribe_headers(
        app, client, smtp_server, database):
    subscribed = add_subscribers(250)
    for status in (Subscriber.PENDING, Subscriber.UNSUBSCRIBED, Subscriber.BOUNCED):
        add_subscribers(3, status=status, prefix=status)
    first = announcement(app)
    start = utcnow()
    queued = send_everything(app, first, start)
    assert queued == [50, 50, 50, 50, 50]  # several batches, never all at once

    slots = [row.next_attempt_at for row in OutboxMessage.select(OutboxMessage.next_attempt_at)
             .where(OutboxMessage.announcement == first.id).order_by(OutboxMessage.next_attempt_at)]
    gaps = {later - earlier for earlier, later in zip(slots, slots[1:])}
    assert min(gaps) >= INTERVAL  # NEWSLETTER_RATE holds: one message every 6 s at most
    assert slots[-1] - slots[0] == INTERVAL * 249

    received = smtp_server.mailbox.messages
    assert sorted(m["To"] for m in received) == sorted(subscribed)
    envelopes = smtp_server.mailbox.envelopes
    assert {rcpt for envelope in envelopes for rcpt in envelope.rcpt_tos} == set(subscribed)
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in received)
    sent = Announcement.get_by_id(first.id)
    assert sent.status == Announcement.SENT and sent.finished_at is not None
    assert sent.recipients_total == 250

    # A mail program's one-click unsubscribe: no session, no page, no CSRF token.
    mail = received_by(smtp_server, "abonne7@example.net")[0]
    url = re.fullmatch(r"<(.+)>", mail["List-Unsubscribe"]).group(1)
    assert url in mail.get_body(("plain",)).get_content()  # and the formula at the end
    stranger = app.test_client()
    response = stranger.post(urlsplit(url).path, data="List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert status_of("abonne7@example.net") == Subscriber.UNSUBSCRIBED

    before = len(smtp_server.mailbox.messages)
    send_everything(app, announcement(app, subject="La suite"), start + LATER * 2)
    second = smtp_server.mailbox.messages[before:]
    assert len(second) == 249 and "abonne7@example.net" not in {m["To"] for m in second}


def test_the_newsletter_speaks_english_to_an_english_subscriber(app, smtp_server, database):
    add_subscribers(1, prefix="french")
    add_subscribers(1, prefix="english", language="en")
    send_everything(app, announcement(app), utcnow())
    [english] = received_by(smtp_server, "english0@example.net")
    [french] = received_by(smtp_server, "french0@example.net")
    assert "To unsubscribe" in english.get_body(("plain",)).get_content()
    assert "Pour vous désabonner" in french.get_body(("plain",)).get_content()
    assert "Me désabonner" in french.get_body(("html",)).get_content()


def test_messages_not_yet_delivered_are_dropped_when_their_address_unsubscribes(app, client,
                                                                                database):
    add_subscribers(3)
    item = announcement(app)
    with app.app_context():
        newsletter.start_sending(None, item)
    subscriber = Subscriber.get(Subscriber.email == "abonne1@example.net")
    client.post(f"/lettre-d-infos/desabonner/{subscriber.token}",
                data={"List-Unsubscribe": "One-Click"})
    assert OutboxMessage.select().where(OutboxMessage.subscriber == subscriber.id).count() == 0
    assert OutboxMessage.select().where(OutboxMessage.announcement == item.id).count() == 2


def test_two_workers_queueing_the_same_batch_queue_it_once(app, database):
    add_subscribers(10)
    item = announcement(app)
    with app.app_context():
        Announcement.update(status=Announcement.SENDING).execute()
        stale = Announcement.get_by_id(item.id)
        same = Announcement.get_by_id(item.id)
        assert newsletter.queue_next_batch(stale) == 10
        assert newsletter.queue_next_batch(same) == 0  # its cursor moved meanwhile
    assert OutboxMessage.select().count() == 10


def test_only_newsletter_messages_carry_list_unsubscribe_headers(app, database):
    add_subscribers(1)
    subscriber = Subscriber.get()
    with app.app_context():
        confirmation = OutboxMessage(category=newsletter.CONFIRMATION, subscriber=subscriber.id,
                                     to_addrs=subscriber.email, subject="s", body_text="t")
        letter = OutboxMessage(category=newsletter.NEWSLETTER, subscriber=subscriber.id,
                               to_addrs=subscriber.email, subject="s", body_text="t")
        assert outbox.build_mail(confirmation).extra_headers == {}
        headers = outbox.build_mail(letter).extra_headers
    link = f"http://interpelle.test/lettre-d-infos/desabonner/{subscriber.token}"
    assert headers == {"List-Unsubscribe": f"<{link}>",
                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def test_the_subscription_follows_the_accounts_new_address(app, client, database):
    from services import accounts
    member = make_member(app)
    log_in(client)
    client.post("/compte/lettre-d-infos",
                data={"csrf_token": csrf_token(client, "/compte"), "newsletter": "y"})
    with app.app_context():
        accounts.User.update(pending_email="nouvelle@example.net").execute()
        accounts.confirm_email_change(make_token(accounts.EMAIL_CHANGE_PURPOSE, {
            "u": member.id, "e": "nouvelle@example.net",
            "f": accounts.account_fingerprint(accounts.User.get_by_id(member.id))}))
    subscriber = Subscriber.get()
    assert (subscriber.email, subscriber.status) == ("nouvelle@example.net", Subscriber.SUBSCRIBED)
    assert "Vous êtes abonné·e" in html.unescape(client.get("/compte").get_data(as_text=True))
