"""Regressions for the holes an attack on d314bdb found (issue "Abuse, security and privacy")."""
import datetime as dt
import io
import logging
import re
import threading
import unicodedata

import pytest

from conftest import (
    DEMO_CYBERACTION, MEMBER_PASSWORD, assert_no_table_holds, campaign_at, csrf_token, log_in,
    make_member, post_signature,
)
from extensions import limiter
from models import Campaign, Comment, OutboxMessage, Signature, User, utcnow


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": "100 per minute", "ACCOUNT_RATE_LIMIT": "2 per hour"}


def wrong_login(client, token, **fields):
    return client.post("/connexion", data={"csrf_token": token, **fields,
                                           "password": "pas le bon mot de passe"})


def test_a_decoy_address_field_does_not_give_each_login_a_fresh_limit(app, client, database):
    make_member(app)
    token = csrf_token(client, "/connexion")
    statuses = [wrong_login(client, token, **{"zz-email": f"leurre{n}@example.net",
                                              "email": "membre@example.net"}).status_code
                for n in range(3)]
    assert statuses == [422, 422, 429]


def test_the_limiter_never_writes_a_typed_address_in_its_keys_or_logs(app, client, database,
                                                                      caplog):
    caplog.set_level(logging.INFO)  # what the application logs (peewee quotes SQL at DEBUG)
    token = csrf_token(client, "/connexion")
    for _ in range(3):
        wrong_login(client, token, email="secret.person@example.net")
    assert "secret.person" not in caplog.text
    kept_keys = list(limiter.storage.storage)  # the memory storage's counters
    assert kept_keys and not any("secret.person" in key for key in kept_keys)


@pytest.mark.parametrize("next_value", [
    "/\\evil.example/phish", "//evil.example/", "https://evil.example/", "/\tevil",
    "/compte\r\nSet-Cookie: x=1", "/compte\x7f", "/compte\u2028", "javascript:alert(1)",
])
def test_an_htmx_login_never_leaves_the_site_nor_breaks_on_odd_next(app, htmx, database,
                                                                    next_value):
    make_member(app)
    token = csrf_token(htmx, "/connexion")
    response = htmx.post("/connexion", data={"csrf_token": token, "email": "membre@example.net",
                                             "password": MEMBER_PASSWORD, "next": next_value})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/compte"


def test_a_local_next_with_its_query_is_kept(app, htmx, database):
    make_member(app)
    token = csrf_token(htmx, "/connexion")
    response = htmx.post("/connexion", data={"csrf_token": token, "email": "membre@example.net",
                                             "password": MEMBER_PASSWORD,
                                             "next": "/cyberactions/arret-migration-m365?x=1#c"})
    assert response.headers["HX-Redirect"] == "/cyberactions/arret-migration-m365?x=1#c"


def test_a_huge_post_is_refused_before_it_is_read(client, database):
    token = csrf_token(client, DEMO_CYBERACTION)
    # Many fields each under the form parser's own per-field limit: 20 MB in all.
    padding = {f"champ{n}": "x" * 400_000 for n in range(50)}
    response = client.post(f"{DEMO_CYBERACTION}/signer", data={"csrf_token": token, **padding})
    assert response.status_code == 413
    assert "trop volumineux" in response.get_data(as_text=True)
    assert Signature.select().count() == 0


@pytest.mark.parametrize("path, field", [
    (f"{DEMO_CYBERACTION}/signer", "last_name"), ("/connexion", "email"),
    ("/inscription", "email"), ("/mot-de-passe-oublie", "email"),
])
def test_a_text_field_sent_as_a_file_is_refused_not_a_500(client, database, path, field):
    token = csrf_token(client, DEMO_CYBERACTION)
    response = client.post(path, data={"csrf_token": token,
                                       field: (io.BytesIO(b"Durand"), "nom.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert Signature.select().count() == 0


def test_the_letter_preview_is_rate_limited(app, client, database):
    app.config.update(PREVIEW_RATE_LIMIT="3 per minute")
    token = csrf_token(client, DEMO_CYBERACTION)
    statuses = [client.post(f"{DEMO_CYBERACTION}/apercu", data={"csrf_token": token}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_confirmation_email_carries_no_text_the_signer_wrote(app, client, database):
    post_signature(client, first_name="Gagnez", letter_subject="Cadeau https://phish.example",
                   letter_body="Cliquez sur https://phish.example/gain pour votre prix.")
    message = OutboxMessage.get(OutboxMessage.category == "confirmation")
    for body in (message.body_text, message.body_html, message.subject):
        assert "phish.example" not in body and "Gagnez" not in body
    assert "Pour des écoles libres" in message.subject


def test_the_confirmation_page_shows_the_letter_before_the_click(app, client, database):
    post_signature(client, letter_subject="Mon objet", letter_body="Mon texte à moi.")
    link = re.search(r"/confirmer/\S+", OutboxMessage.get().body_text).group(0)
    page = client.get(link).get_data(as_text=True)
    assert "Mon objet" in page and "Mon texte à moi." in page


def test_password_reset_mail_to_one_address_goes_once_per_ten_minutes(app, client, database):
    app.config.update(ACCOUNT_RATE_LIMIT="1000 per hour", ACCOUNT_MAIL_RATE_LIMIT="1000 per hour")
    make_member(app)
    token = csrf_token(client, "/mot-de-passe-oublie")
    for _ in range(25):
        response = client.post("/mot-de-passe-oublie",
                               data={"csrf_token": token, "email": "membre@example.net"})
        assert response.status_code in (200, 303)
    assert OutboxMessage.select().where(OutboxMessage.category == "account").count() == 1


def test_one_click_signing_with_an_empty_profile_is_refused_on_the_server(app, client, database):
    make_member(app, last_name="", first_name="", postal_code="", city="")
    log_in(client)
    campaign = campaign_at(DEMO_CYBERACTION)
    response = client.post(f"{DEMO_CYBERACTION}/signer-en-un-clic", data={
        "csrf_token": csrf_token(client, "/compte"),  # the page offers no form to this member
        "letter_subject": campaign.letter_subject, "letter_body": campaign.letter_body})
    assert response.status_code == 422
    assert "complétez" in response.get_data(as_text=True)
    assert Signature.select().count() == 0 and OutboxMessage.select().count() == 0
    assert campaign_at(DEMO_CYBERACTION).signature_count == 0


@pytest.mark.parametrize("last_name, city", [
    ("Zoe\u0301", "Saint-E\u0301tienne"),      # decomposed (NFD), as some keyboards send them
    ("शर्मा", "Paris"),                          # Devanagari: vowel signs are combining marks
    ("Rezā\u200cpour", "Paris"),               # Persian zero-width non-joiner
])
def test_names_and_communes_in_every_script_and_form_are_accepted(htmx, database, last_name,
                                                                  city):
    response = post_signature(htmx, last_name=last_name, city=city, postal_code="42000")
    assert response.status_code == 200, response.get_data(as_text=True)
    stored = Signature.get()
    assert stored.last_name == unicodedata.normalize("NFC", last_name)
    assert stored.city == unicodedata.normalize("NFC", city)


@pytest.mark.parametrize("last_name", ["\u0301Durand", "Dur\u202eand", "Du\u200brand"])
def test_stray_marks_and_invisible_characters_are_still_refused(htmx, database, last_name):
    assert post_signature(htmx, last_name=last_name).status_code == 422
    assert Signature.select().count() == 0


ATTACKER_PASSWORD = "une phrase de passe solide"
ACCOUNT_LINK = re.compile(r"http://interpelle\.test(/compte/\S+)")


def register_account(client, email):
    client.post("/inscription", data={
        "last_name": "Zébulon", "first_name": "Anatole", "postal_code": "35000", "city": "Rennes",
        "country": "FR", "email": email, "password": ATTACKER_PASSWORD,
        "password_again": ATTACKER_PASSWORD, "csrf_token": csrf_token(client, "/inscription")})
    return User.get(User.email == email)


def account_link(user):
    message = OutboxMessage.select().where(OutboxMessage.user == user.id).order_by(
        OutboxMessage.id.desc()).get()
    return ACCOUNT_LINK.search(message.body_text).group(1)


def test_an_old_verification_link_never_verifies_the_next_account_with_that_id(app, client,
                                                                               database):
    app.config.update(ACCOUNT_MAIL_RATE_LIMIT="100 per hour")
    attacker = register_account(client, "attaquant@example.net")
    old_link = account_link(attacker)
    client.post(old_link, data={"csrf_token": csrf_token(client, old_link)})
    assert User.get_by_id(attacker.id).email_verified_at is not None
    log_in(client, "attaquant@example.net", ATTACKER_PASSWORD)
    client.post("/compte/supprimer", data={"csrf_token": csrf_token(client, "/compte/supprimer"),
                                           "password": ATTACKER_PASSWORD, "confirm": "y"})
    victim = register_account(app.test_client(), "victime@example.net")
    # The freed id is given to the next account, as SQLite does without AUTOINCREMENT.
    OutboxMessage.delete().where(OutboxMessage.user == victim.id).execute()
    User.update(id=attacker.id).where(User.id == victim.id).execute()
    replay = app.test_client()
    replay.post(old_link, data={"csrf_token": csrf_token(replay, old_link)})
    assert User.get(User.email == "victime@example.net").email_verified_at is None


def test_password_checks_on_the_account_pages_are_rate_limited(app, client, database):
    app.config.update(PASSWORD_CHECK_RATE_LIMIT="3 per hour")
    make_member(app)
    log_in(client)
    token = csrf_token(client, "/compte")
    statuses = [client.post("/compte/mot-de-passe", data={
        "csrf_token": token, "current_password": "pas le bon", "new_password": "x" * 12,
        "new_password_again": "x" * 12}).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    assert client.post("/compte/supprimer", data={"csrf_token": token, "password": "pas le bon",
                                                  "confirm": "y"}).status_code == 429
    anonymous = app.test_client()
    assert anonymous.post("/compte/mot-de-passe", data={}).status_code in (302, 400)


def confirm_by_link(client, signature):
    from services.messages import confirmation_url
    with client.application.app_context():
        path = confirmation_url(Signature.get_by_id(signature.id)).split("interpelle.test", 1)[1]
    client.post(path, data={"csrf_token": csrf_token(client, DEMO_CYBERACTION)})


def test_an_erased_account_never_makes_its_address_countable_again(app, client, database):
    app.config.update(ACCOUNT_RATE_LIMIT="100 per hour")
    post_signature(client, email="helene.durand@example.net")
    confirm_by_link(client, Signature.get())
    make_member(app, email="helene.durand@example.net")
    member = app.test_client()
    log_in(member, "helene.durand@example.net")
    member.post("/compte/supprimer", data={"csrf_token": csrf_token(member, "/compte/supprimer"),
                                           "password": MEMBER_PASSWORD, "confirm": "y"})
    assert User.select().count() == 0
    again = app.test_client()
    response = post_signature(again, email="Helene.Durand@example.net")
    assert response.status_code in (200, 303)
    assert Signature.select().count() == 1
    assert campaign_at(DEMO_CYBERACTION).signature_count == 1
    assert OutboxMessage.select().where(OutboxMessage.category == "letter").count() <= 1
    assert_no_table_holds("helene.durand", "Durand")


def test_concurrent_registrations_of_one_address_make_one_account_and_no_error(app, database):
    app.config.update(ACCOUNT_MAIL_RATE_LIMIT="100 per hour", ACCOUNT_RATE_LIMIT="100 per hour")
    clients = [app.test_client() for _ in range(6)]
    forms = [{"last_name": "Zébulon", "first_name": "Anatole", "postal_code": "35000",
              "city": "Rennes", "country": "FR", "email": "meme@example.net",
              "password": ATTACKER_PASSWORD, "password_again": ATTACKER_PASSWORD,
              "csrf_token": csrf_token(client, "/inscription")} for client in clients]
    start = threading.Barrier(len(clients))
    statuses = []

    def register(client, form):
        start.wait()
        statuses.append(client.post("/inscription", data=form).status_code)

    threads = [threading.Thread(target=register, args=pair) for pair in zip(clients, forms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(set(statuses)) == [200]
    assert User.select().where(User.email == "meme@example.net").count() == 1


def test_a_campaign_not_yet_online_is_neither_readable_nor_open_to_comments(app, client,
                                                                             database):
    campaign = campaign_at(DEMO_CYBERACTION)
    Campaign.update(opens_at=utcnow() + dt.timedelta(days=2)).where(
        Campaign.id == campaign.id).execute()
    assert client.get(DEMO_CYBERACTION).status_code == 404
    make_member(app)
    log_in(client)
    response = client.post(f"{DEMO_CYBERACTION}/commentaires", data={
        "csrf_token": csrf_token(client, "/compte"), "body": "Trop tôt"})
    assert response.status_code == 404
    assert Comment.select().count() == 0
