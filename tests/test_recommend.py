"""Recommander par courriel, against the real SMTP server: one message to each address,
saying who sent it and that no address is kept; then no table holds the addresses. Only
a member or a visitor who has just signed may recommend; limits per sender, per address
of origin and per recipient; CSRF; bad input kept as typed; no header injection."""
import html
import logging
import re

import pytest

from conftest import (
    DEMO_CLOSED, DEMO_CYBERACTION, assert_no_table_holds, campaign_at, csrf_token, log_in,
    empty_test_redis, make_member, post_signature,
)
from extensions import limiter
from models import BlockedAddress, OutboxMessage
from services import outbox, recommendations

RECOMMEND = DEMO_CYBERACTION + "/recommander"
TOKEN = re.compile(r'name="recommander-csrf_token" type="hidden" value="([^"]+)"')
FRIENDS = ["ami.un@example.net", "amie.deux@example.org", "trois@example.com",
           "quatre@exemple.fr", "cinq@example.net"]
NOT_KEPT = "ne conserve pas votre adresse"


@pytest.fixture(autouse=True)
def quiet_test_smtp_server():
    """The test SMTP server (aiosmtpd) logs each envelope: its log is not the site's."""
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    yield
    server_log.setLevel(level)


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port,
            "MAIL_RATE_PER_DOMAIN": "0", "ABUSE_CONTACT": "abus@interpelle.test"}


def form_token(client, path=RECOMMEND):
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def recommend(client, addresses=(), name="Camille Martin", word="", token=None, **extra):
    data = {"recommander-csrf_token": token if token is not None else form_token(client),
            "recommander-sender_name": name, "recommander-personal_word": word}
    data.update({f"recommander-address_{n}": address
                 for n, address in enumerate(addresses, start=1)})
    data.update(extra)
    return client.post(RECOMMEND, data=data)


def deliver(app):
    with app.app_context():
        return outbox.drain()


def recommendations_received(mailbox):
    return [message for message in mailbox.messages
            if "vous recommande" in message["Subject"]]


def page_text(response):
    return html.unescape(response.get_data(as_text=True))


def text_of(message, kind="plain"):
    return message.get_body((kind,)).get_content().replace("\r\n", "\n")


def test_five_addresses_each_get_one_message_then_no_table_holds_them(
        app, client, smtp_server, database):
    post_signature(client)
    word = "Signez, c'est important !\n<b>Vraiment</b> & vite."
    response = recommend(client, FRIENDS, word=word)
    assert response.status_code == 303
    assert "part vers 5 adresses" in client.get(response.location).get_data(as_text=True)
    deliver(app)

    received = recommendations_received(smtp_server.mailbox)
    assert sorted(message["To"] for message in received) == sorted(FRIENDS)
    envelopes = [envelope.rcpt_tos for envelope in smtp_server.mailbox.envelopes
                 if envelope.rcpt_tos != ["helene.durand@example.net"]]
    assert sorted(envelopes) == sorted([address] for address in FRIENDS)
    title = campaign_at(DEMO_CYBERACTION).title
    for message in received:
        sender = message["From"].addresses[0]
        assert sender.display_name == "Camille Martin via Interpelle"
        assert sender.addr_spec == "ne-pas-repondre@interpelle.test"
        assert message["Reply-To"] is None and message["Cc"] is None
        assert message["Subject"] == f"Camille Martin vous recommande : {title}"
        plain, markup = text_of(message), text_of(message, "html")
        for body in (plain, markup):
            assert "Camille Martin" in body and NOT_KEPT in body
            assert "abus@interpelle.test" in body and title in body
            assert "http://interpelle.test" + DEMO_CYBERACTION in body
        assert word in plain
        assert "&lt;b&gt;Vraiment&lt;/b&gt; &amp; vite." in markup and "<b>" not in markup
    assert OutboxMessage.select().where(OutboxMessage.category == "recommendation").count() == 0
    assert_no_table_holds(*FRIENDS, "Signez, c'est important")


def test_the_same_mailbox_typed_several_ways_gets_one_message(app, client, smtp_server, database):
    post_signature(client)
    recommend(client, ["Ami.Un@example.net", "ami.un+asso@EXAMPLE.net", "ami.un@example.net"])
    deliver(app)
    assert [message["To"] for message in recommendations_received(smtp_server.mailbox)] == [
        "Ami.Un@example.net"]


def test_a_member_recommends_from_the_campaign_page_and_can_be_answered(
        app, client, smtp_server, database):
    make_member(app)
    log_in(client)
    page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert f'href="{RECOMMEND}"' in page and "Recommander par courriel" in page
    form = client.get(RECOMMEND).get_data(as_text=True)
    assert "Envoyer la recommandation" in form and 'value="Camille Martin"' in form
    token = TOKEN.search(form).group(1)
    assert recommend(client, ["ami.un@example.net"], token=token).status_code == 303
    deliver(app)
    message, = recommendations_received(smtp_server.mailbox)
    assert message["Reply-To"] == "membre@example.net"


def test_a_visitor_who_has_not_signed_is_told_to_sign_first(app, client, database):
    page = client.get(RECOMMEND)
    assert page.status_code == 403
    assert "Signez d'abord la campagne" in page_text(page)
    assert "Envoyer la recommandation" not in page.get_data(as_text=True)
    refused = recommend(client, FRIENDS[:1], token=csrf_token(client))
    assert refused.status_code == 403
    assert "signez-la d'abord" in page_text(refused)
    assert OutboxMessage.select().count() == 0
    # Having signed another campaign is not having signed this one.
    post_signature(client, url="/petitions/sauvons-la-ligne-paris-granville")
    assert client.get(RECOMMEND).status_code == 403


def test_the_form_follows_the_signature_htmx_and_plain(app, client, htmx, database):
    done = post_signature(htmx).get_data(as_text=True)
    assert f'hx-get="{RECOMMEND}"' in done  # the form comes when asked for: signing stays light
    form = htmx.get(RECOMMEND).get_data(as_text=True)
    assert "Envoyer la recommandation" in form and "<html" not in form
    answer = recommend(htmx, FRIENDS[:2], token=TOKEN.search(form).group(1))
    assert answer.status_code == 200
    assert "Votre recommandation part vers 2 adresses" in answer.get_data(as_text=True)
    assert "<html" not in answer.get_data(as_text=True)

    thanks = client.get(post_signature(client).location).get_data(as_text=True)
    assert f'href="{RECOMMEND}"' in thanks
    assert "Envoyer la recommandation" in client.get(RECOMMEND).get_data(as_text=True)


def test_a_visitor_who_confirms_from_the_email_may_recommend(app, database):
    signing_browser, mail_reader = app.test_client(), app.test_client()
    post_signature(signing_browser)
    link = OutboxMessage.get(OutboxMessage.category == "confirmation").body_text
    path = re.search(r"http://interpelle\.test(/confirmer/[\w.\-]+)", link).group(1)
    confirmed = mail_reader.post(path, data={"csrf_token": csrf_token(mail_reader, path)})
    assert f'href="{RECOMMEND}"' in confirmed.get_data(as_text=True)
    assert "Envoyer la recommandation" in mail_reader.get(RECOMMEND).get_data(as_text=True)


def test_a_post_without_its_csrf_token_sends_nothing_and_gives_the_form_back(
        app, client, database):
    post_signature(client)
    response = recommend(client, FRIENDS[:1], name="Camille Sans Jeton", token="")
    assert response.status_code == 422
    assert "Le formulaire avait expiré" in page_text(response)
    assert 'value="Camille Sans Jeton"' in page_text(response)
    forged = client.post(RECOMMEND, data={"recommander-sender_name": "X",
                                          "recommander-address_1": FRIENDS[0]},
                         headers={"Referer": "https://ailleurs.example/"})
    assert forged.status_code in (400, 422)
    assert OutboxMessage.select().where(OutboxMessage.category == "recommendation").count() == 0


def test_bad_input_comes_back_with_french_messages_and_what_was_typed(app, client, database):
    post_signature(client)
    response = recommend(client, ["pas-une-adresse", "ami.un@example.net"], name="",
                         word="Allez voir https://ailleurs.example")
    assert response.status_code == 422
    page = page_text(response)
    assert "Ce champ est obligatoire." in page
    assert "Cette adresse électronique n'est pas valide" in page
    assert "ne peut pas contenir de lien" in page
    assert 'value="pas-une-adresse"' in page and 'value="ami.un@example.net"' in page
    assert "Allez voir https://ailleurs.example</textarea>" in page
    none = recommend(client, [], word="x" * 501)
    assert "Indiquez au moins une adresse." in none.get_data(as_text=True)
    assert "500 caractères au plus" in none.get_data(as_text=True)
    assert OutboxMessage.select().where(OutboxMessage.category == "recommendation").count() == 0


@pytest.mark.parametrize("name", ["Camille\r\nBcc: victime@example.org", "Camille\nX-Spam: 1",
                                  "=?utf-8?q?Camille=0D=0ABcc:_victime@example.org?="])
def test_a_name_carrying_headers_is_refused_by_the_form(app, client, database, name):
    post_signature(client)
    assert recommend(client, FRIENDS[:1], name=name).status_code == 422
    assert OutboxMessage.select().where(OutboxMessage.category == "recommendation").count() == 0


def test_header_injection_past_the_form_still_reaches_no_header(app, smtp_server, database):
    """Whatever a future form lets through, the message is written with clean headers."""
    with app.test_request_context():
        recommendations.recommend(campaign_at(DEMO_CYBERACTION), recommendations.Recommendation(
            sender_name="Eve\r\nBcc: victime@example.org\r\nX-Injected: oui",
            addresses=("ami.un@example.net",), personal_word="Bonjour\r\nBcc: autre@example.org"))
    deliver(app)
    envelope, = smtp_server.mailbox.envelopes
    assert envelope.rcpt_tos == ["ami.un@example.net"]
    message, = smtp_server.mailbox.messages
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert "victime@example.org" not in message["To"]
    assert "\n" not in message["Subject"] and "\n" not in str(message["From"])


def test_the_address_is_forgotten_when_delivery_gives_up_too(app, client, database):
    post_signature(client)
    recommend(client, FRIENDS[:1])
    with app.app_context():
        claimed, = [message for message in outbox.claim_due("test-worker")
                    if message.category == "recommendation"]
        outbox._give_up(claimed, "550 no such user")
    assert_no_table_holds(FRIENDS[0])


@pytest.mark.parametrize("dev_mailbox, kept", [(True, 1), (False, 0)])
def test_the_dev_mailbox_keeps_recommendations_only_in_debug(
        app, client, database, dev_mailbox, kept):
    post_signature(client)
    recommend(client, FRIENDS[:1])
    app.config.update(MAIL_SERVER="", DEV_MAILBOX=dev_mailbox)
    deliver(app)
    assert OutboxMessage.select().where(OutboxMessage.category == "recommendation").count() == kept


def test_a_blocked_address_or_domain_gets_nothing_and_nobody_learns_which(
        app, client, smtp_server, database):
    BlockedAddress.create(kind=BlockedAddress.ADDRESS, value="ne-plus@example.net",
                          reason="a demandé à ne plus rien recevoir")
    BlockedAddress.create(kind=BlockedAddress.DOMAIN, value="jetable.example",
                          reason="adresses jetables")
    post_signature(client)
    response = recommend(client, ["Ne-Plus@example.net", "x@jetable.example", FRIENDS[0]])
    notice = page_text(client.get(response.location))
    assert "part vers 1 adresse." in notice and "Certaines adresses" in notice
    assert "ne-plus" not in notice.lower() and "jetable" not in notice
    deliver(app)
    assert [message["To"] for message in recommendations_received(smtp_server.mailbox)] == [
        FRIENDS[0]]


def test_a_closed_campaign_cannot_be_recommended(app, client, database):
    make_member(app)
    log_in(client)
    response = client.post(DEMO_CLOSED + "/recommander", data={
        "recommander-csrf_token": form_token(client, RECOMMEND),
        "recommander-sender_name": "Camille", "recommander-address_1": FRIENDS[0]})
    assert response.status_code == 409
    assert "close" in response.get_data(as_text=True)


# Limits --------------------------------------------------------------------------------

def limited(storage, smtp_server, **limits):
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage,
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port,
            "MAIL_RATE_PER_DOMAIN": "0", "SIGN_RATE_LIMIT": "100 per minute",
            "SIGN_ADDRESS_RATE_LIMIT": "100 per minute", **limits}


@pytest.fixture(params=["memory", "redis"])
def limiter_storage(request):
    if request.param == "memory":
        return "memory://"
    url = empty_test_redis()
    return url


def visitor(app, address):
    """A browser of its own, from its own address of origin, that has just signed."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    post_signature(client, email=f"signe.{address.replace('.', '-')}@example.net")
    return client


class TestLimits:
    @pytest.fixture
    def app_config(self, limiter_storage, smtp_server):
        return limited(limiter_storage, smtp_server, RECOMMEND_RATE_LIMIT="2 per hour",
                       RECOMMEND_RECIPIENT_LIMIT="100 per day")

    def test_one_sender_is_limited_wherever_they_connect_from(self, app, client, database):
        make_member(app)
        log_in(client)
        statuses = []
        for number, origin in enumerate(["192.0.2.1", "192.0.2.2", "192.0.2.3"]):
            client.environ_base["REMOTE_ADDR"] = origin
            statuses.append(recommend(client, [f"ami{number}@example.net"]).status_code)
        assert statuses == [303, 303, 429]
        refused = recommend(client, ["encore@example.net"])
        assert "Trop de tentatives" in refused.get_data(as_text=True)
        queued = OutboxMessage.select().where(OutboxMessage.category == "recommendation")
        assert queued.count() == 2

    def test_one_address_of_origin_is_limited_whoever_sends(self, app, database):
        senders = [visitor(app, "198.51.100.7") for _ in range(3)]
        statuses = [recommend(sender, [f"ami{number}@example.net"]).status_code
                    for number, sender in enumerate(senders)]
        assert statuses == [303, 303, 429]
        assert recommend(visitor(app, "198.51.100.8"), ["ami@example.net"]).status_code == 303


class TestRecipientCap:
    @pytest.fixture
    def app_config(self, limiter_storage, smtp_server):
        return limited(limiter_storage, smtp_server, RECOMMEND_RATE_LIMIT="100 per hour",
                       RECOMMEND_RECIPIENT_LIMIT="2 per day")

    def test_an_address_gets_a_few_recommendations_a_day_whoever_sends_them(
            self, app, htmx, smtp_server, database):
        for number in range(2):
            assert recommend(visitor(app, f"203.0.113.{number}"),
                             ["Cible@example.net"]).status_code == 303
        third = visitor(app, "203.0.113.9")
        refused = recommend(third, ["cible+autre@example.net"], name="Troisième Personne")
        assert refused.status_code == 429
        page = page_text(refused)
        assert "ne peuvent pas recevoir de recommandation aujourd'hui" in page
        assert 'value="Troisième Personne"' in page  # the form is kept as typed
        mixed = recommend(third, ["cible@example.net", "nouvelle@example.net"])
        assert mixed.status_code == 303
        notice = third.get(mixed.location).get_data(as_text=True)
        assert "part vers 1 adresse." in notice and "Certaines adresses" in notice
        deliver(app)
        assert sorted(message["To"] for message in recommendations_received(
            smtp_server.mailbox)) == ["Cible@example.net", "Cible@example.net",
                                      "nouvelle@example.net"]

    def test_htmx_keeps_the_form_and_says_nothing_went(self, app, database):
        for number in range(2):
            recommend(visitor(app, f"203.0.113.{number}"), ["cible@example.net"])
        third = visitor(app, "203.0.113.9")
        third.environ_base["HTTP_HX_REQUEST"] = "true"
        refused = recommend(third, ["cible@example.net"])
        assert refused.status_code == 429
        assert "Rien n'est parti" in page_text(refused)

    def test_the_limiter_stores_no_address_in_clear(self, app, database, limiter_storage):
        recommend(visitor(app, "203.0.113.1"), ["cible.secrete@example.net"])
        if limiter_storage.startswith("redis"):
            import redis
            keys = [key.decode() for key in redis.Redis.from_url(limiter_storage).keys("*")]
        else:
            keys = list(limiter.storage.storage)
        assert any(recommendations.RECIPIENT_CAP in key for key in keys)
        assert not any("cible" in key or "@" in key for key in keys), keys
