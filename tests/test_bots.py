"""Bots: the honeypot, the burst signals and the blocked addresses.

A participation held as suspect is stored, never counted, mails nobody, and its signer
gets the answer anybody gets: same status, same page, same fragment.
"""
import re

import pytest

from conftest import (
    CSRF_INPUT, DEMO_CYBERACTION, DEMO_PETITION, campaign_at, csrf_token, demo_app, log_in,
    empty_test_redis, make_member, post_signature,
)
from extensions import limiter
from models import BlockedAddress, Campaign, Comment, OutboxMessage, Signature, User, db
from services import abuse

TINY_BURSTS = {"SUSPECT_NETWORK_BURST": "2 per 10 minutes",
               "SUSPECT_DOMAIN_BURST": "3 per 10 minutes"}


@pytest.fixture
def app_config():
    return TINY_BURSTS


def from_network(client, address):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def body_without(response, *texts):
    """The answer with what differs between two signers (their address, the token) blanked."""
    html = CSRF_INPUT.sub("", response.get_data(as_text=True))
    for text in texts:
        html = html.replace(text, "")
    return html


def statuses():
    return sorted((row.email, row.status) for row in Signature.select())


def test_the_honeypot_is_out_of_sight_and_out_of_the_tab_order(client):
    html = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    hidden = re.search(r'<div class="honeypot" aria-hidden="true">(.*?)</div>', html, re.S)
    assert hidden, "the signing form has no honeypot"
    field = hidden.group(1)
    assert 'name="site_web"' in field and 'tabindex="-1"' in field
    assert 'autocomplete="off"' in field and "Ne remplissez pas ce champ" in field
    # Two forms on the page (signing, comments): their honeypots keep the ids unique.
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("as_htmx", [True, False], ids=["htmx", "plain"])
def test_a_filled_honeypot_is_held_as_suspect_with_the_same_answer(app, database, as_htmx):
    client = app.test_client()
    if as_htmx:
        client.environ_base["HTTP_HX_REQUEST"] = "true"
    normal = post_signature(client, email="humain@example.net")
    robot = post_signature(client, email="robot@example.org", site_web="https://spam.example")
    assert robot.status_code == normal.status_code == (200 if as_htmx else 303)
    assert robot.headers.get("Location") == normal.headers.get("Location")
    assert body_without(robot, "robot@example.org") == body_without(normal, "humain@example.net")
    held = Signature.get(Signature.email == "robot@example.org")
    assert (held.status, held.suspect_reason) == (Signature.SUSPECT, abuse.HONEYPOT)
    assert [message.to_addrs for message in OutboxMessage.select()] == ["humain@example.net"]
    assert campaign_at(DEMO_CYBERACTION).signature_count == 0


def test_a_burst_from_one_network_is_held_and_other_networks_are_not(app, htmx, database):
    from_network(htmx, "203.0.113.7")
    for number in range(3):
        assert post_signature(htmx, email=f"voisin{number}@example.net").status_code == 200
    from_network(htmx, "198.51.100.4")
    post_signature(htmx, email="ailleurs@example.com")
    assert statuses() == [("ailleurs@example.com", "pending"), ("voisin0@example.net", "pending"),
                          ("voisin1@example.net", "pending"), ("voisin2@example.net", "suspect")]
    assert Signature.get(Signature.email == "voisin2@example.net").suspect_reason == \
        abuse.NETWORK_BURST
    assert OutboxMessage.select().count() == 3


def test_the_network_burst_counts_per_campaign(app, htmx, database):
    from_network(htmx, "203.0.113.7")
    for number in range(2):
        post_signature(htmx, email=f"voisin{number}@example.net")
    post_signature(htmx, url=DEMO_PETITION, email="petition@example.net")
    assert Signature.select().where(Signature.status == Signature.SUSPECT).count() == 0


def test_a_burst_from_one_email_domain_is_held_but_big_providers_are_not(app, htmx, database):
    for number in range(5):
        from_network(htmx, f"198.51.{100 + number}.1")  # a new network each time
        post_signature(htmx, email=f"bot{number}@catch-all.example")
        post_signature(htmx, email=f"personne{number}@gmail.com")
    suspects = Signature.select().where(Signature.status == Signature.SUSPECT)
    assert sorted(row.email for row in suspects) == ["bot3@catch-all.example",
                                                     "bot4@catch-all.example"]
    assert {row.suspect_reason for row in suspects} == {abuse.DOMAIN_BURST}


def test_every_participation_keeps_its_network_only(app, htmx, database):
    from_network(htmx, "203.0.113.77")
    post_signature(htmx, email="v4@example.net")
    from_network(htmx, "2001:db8:abcd:12:1::7")
    post_signature(htmx, email="v6@example.net")
    from_network(htmx, "127.0.0.1")  # a reverse proxy without PROXY_COUNT: no network known
    post_signature(htmx, email="proxy@example.net")
    networks = dict(Signature.select(Signature.email, Signature.ip_network).tuples())
    assert networks == {"v4@example.net": "203.0.113.0/24", "v6@example.net": "2001:db8:abcd::/48",
                        "proxy@example.net": ""}


def test_a_members_one_click_keeps_its_network_too(app, client, database):
    make_member(app)
    from_network(client, "198.51.100.23")
    log_in(client)
    client.post(f"{DEMO_CYBERACTION}/signer-en-un-clic",
                data={"csrf_token": csrf_token(client, DEMO_CYBERACTION)})
    row = Signature.get()
    assert (row.status, row.ip_network) == (Signature.CONFIRMED, "198.51.100.0/24")


def test_a_clean_attempt_replaces_a_suspect_one_and_gets_its_confirmation(app, htmx, database):
    post_signature(htmx, email="victime@example.net", site_web="rempli",
                   letter_subject="Objet du robot")
    assert OutboxMessage.select().count() == 0
    post_signature(htmx, email="victime@example.net")
    row = Signature.get()
    assert (row.status, row.letter_subject) == (Signature.PENDING,
                                                campaign_at(DEMO_CYBERACTION).letter_subject)
    assert [message.category for message in OutboxMessage.select()] == ["confirmation"]


def test_a_second_suspect_attempt_mails_nobody(app, htmx, database):
    post_signature(htmx, email="deja@example.net")
    post_signature(htmx, email="deja@example.net", site_web="rempli")
    assert OutboxMessage.select().count() == 1
    assert Signature.get().status == Signature.PENDING


def test_a_blocked_domain_or_address_is_refused_in_french_and_nothing_is_kept(
        app, htmx, database):
    BlockedAddress.create(kind=BlockedAddress.DOMAIN, value="yopmail.com")
    BlockedAddress.create(kind=BlockedAddress.ADDRESS, value="nuisible@example.net")
    for email in ("quelquun@YOPMAIL.com", "Nuisible+pub@example.net"):
        response = post_signature(htmx, email=email)
        assert response.status_code == 422
        assert "ne peut pas être utilisée pour participer" in response.get_data(as_text=True)
    assert Signature.select().count() == 0 and OutboxMessage.select().count() == 0
    assert post_signature(htmx, email="autre@example.net").status_code == 200


def test_a_blocked_domain_cannot_open_an_account(app, client, database):
    BlockedAddress.create(kind=BlockedAddress.DOMAIN, value="yopmail.com")
    data = {"csrf_token": csrf_token(client, "/inscription"), "email": "x@yopmail.com",
            "password": "cheval-batterie-agrafe", "password_again": "cheval-batterie-agrafe",
            "last_name": "Durand", "first_name": "Léa", "postal_code": "75011", "city": "Paris",
            "country": "FR"}
    response = client.post("/inscription", data=data)
    assert response.status_code == 422
    assert User.select().count() == 0


def register(client, **extra):
    data = {"csrf_token": csrf_token(client, "/inscription"), "email": "lea@example.net",
            "password": "cheval-batterie-agrafe", "password_again": "cheval-batterie-agrafe",
            "last_name": "Durand", "first_name": "Léa", "postal_code": "75011", "city": "Paris",
            "country": "FR", **extra}
    return client.post("/inscription", data=data)


def test_a_filled_honeypot_on_inscription_opens_no_account_and_says_nothing(app, database):
    robot = register(app.test_client(), site_web="http://spam.example")
    assert User.select().count() == 0 and OutboxMessage.select().count() == 0
    human = register(app.test_client())
    assert robot.status_code == human.status_code == 200
    assert body_without(robot) == body_without(human)
    assert User.select().count() == 1


@pytest.mark.parametrize("as_htmx", [True, False], ids=["htmx", "plain"])
def test_a_filled_honeypot_on_a_comment_publishes_nothing_and_no_error(app, database, as_htmx):
    make_member(app)
    client = app.test_client()
    log_in(client)
    headers = {"HX-Request": "true"} if as_htmx else {}
    response = client.post(f"{DEMO_CYBERACTION}/commentaires", headers=headers, data={
        "csrf_token": csrf_token(client), "text": "Achetez nos montres", "site_web": "x"})
    assert response.status_code == (200 if as_htmx else 303)
    if as_htmx:
        assert "Votre commentaire est publié." in response.get_data(as_text=True)
    assert Comment.select().count() == 0


def test_a_filled_honeypot_on_a_proposal_keeps_nothing(app, database):
    make_member(app)
    client = app.test_client()
    log_in(client)
    before = Campaign.select().count()
    response = client.post("/proposer", data={
        "csrf_token": csrf_token(client, "/proposer"), "kind": "petitions",
        "title": "Une proposition de robot", "proposer": "Robot",
        "targets": "Mairie <mairie@example.org>", "letter_subject": "Objet",
        "letter_body": "Madame la Maire,", "site_web": "rempli"})
    assert response.status_code == 303
    assert Campaign.select().count() == before


@pytest.fixture
def redis_bursts(app):
    url = empty_test_redis()
    app.config["RATELIMIT_STORAGE_URI"] = url
    app.extensions.pop("abuse_window", None)
    return url


def test_bursts_are_counted_on_redis_when_workers_share_it(app, redis_bursts, database):
    first, second = app.test_client(), app.test_client()  # two workers, one storage
    for number, client in enumerate([first, second, first]):
        from_network(client, "203.0.113.9")
        post_signature(client, email=f"voisin{number}@example.net")
    assert Signature.select().where(Signature.status == Signature.SUSPECT).count() == 1


def test_with_rate_limits_on_the_bursts_share_the_limiters_storage(database_url):
    limited = demo_app(database_url, RATELIMIT_ENABLED=True, SIGN_RATE_LIMIT="100 per minute",
                       **TINY_BURSTS)
    client = from_network(limited.test_client(), "203.0.113.9")
    for number in range(3):
        assert post_signature(client, email=f"voisin{number}@example.net").status_code == 303
    with limited.app_context():
        assert abuse._window().storage is limiter.storage
        held = Signature.select().where(Signature.status == Signature.SUSPECT).count()
        db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()
    assert held == 1


def test_a_storage_failure_lets_people_sign_as_usual(app, htmx, database):
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:1/0"  # nothing listens there
    app.extensions.pop("abuse_window", None)
    from_network(htmx, "203.0.113.9")
    for number in range(3):
        assert post_signature(htmx, email=f"voisin{number}@example.net").status_code == 200
    assert Signature.select().where(Signature.status == Signature.PENDING).count() == 3


# In real Chromium -----------------------------------------------------------------------

@pytest.mark.browser
def test_a_person_signing_in_chromium_never_fills_the_honeypot(browser, live_server):
    from browser_support import expect, fill_signing_form, new_page
    page = new_page(browser)
    page.goto(live_server.url + DEMO_CYBERACTION)
    form = fill_signing_form(page, email="humaine@example.net")
    expect(form.locator("input[name=site_web]")).not_to_be_in_viewport()  # drawn off-screen
    with page.expect_response(lambda answer: answer.request.method == "POST"
                              and answer.url.endswith("/signer")) as answered:
        page.get_by_role("button", name="Envoyer mon message").click()
    assert answered.value.status in (200, 303)
    page.context.close()
    row = Signature.get(Signature.email == "humaine@example.net")
    assert (row.status, row.suspect_reason) == (Signature.PENDING, "")
