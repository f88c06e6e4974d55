"""Accounts: inscription, connexion, remember-me, passwords, email change, the member's data."""
import re

import pytest

from conftest import (
    DEMO_CYBERACTION, MEMBER_PASSWORD, assert_no_table_holds, campaign_at, csrf_token,
    delete_own_account, log_in, make_member, post_signature,
)
from models import OutboxMessage, Signature, User
from services import outbox

LINK = re.compile(r"http://interpelle\.test(/[\w/.\-]+)")
PROFILE = {"last_name": "Zébulon", "first_name": "Anatole", "postal_code": "35000",
           "city": "Rennes", "country": "FR"}


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}


def deliver(app):
    with app.app_context():
        outbox.drain()


def last_link(smtp_server, to=None):
    messages = [m for m in smtp_server.mailbox.messages if to is None or m["To"] == to]
    return LINK.search(messages[-1].get_body(("plain",)).get_content()).group(1)


def register(client, email="anatole@example.net", password="une phrase de passe solide"):
    data = dict(PROFILE, email=email, password=password, password_again=password,
                csrf_token=csrf_token(client, "/inscription"))
    return client.post("/inscription", data=data)


def test_registration_is_usable_only_after_the_emailed_verification(app, client, smtp_server,
                                                                    database):
    response = register(client)
    assert response.status_code == 200
    assert "Consultez vos courriels" in response.get_data(as_text=True)
    assert log_in(client, "anatole@example.net", "une phrase de passe solide").status_code == 422

    deliver(app)
    path = last_link(smtp_server, "anatole@example.net")
    assert client.get(path).status_code == 200
    assert User.get().email_verified_at is None  # opening the link alone does nothing
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert User.get().email_verified_at is not None

    assert log_in(client, "anatole@example.net", "une phrase de passe solide").status_code == 303
    assert "Anatole Zébulon" in client.get("/compte").get_data(as_text=True) or \
        'value="Anatole"' in client.get("/compte").get_data(as_text=True)


def test_registering_an_existing_address_answers_the_same_and_mails_its_owner(
        app, client, smtp_server, database):
    make_member(app, email="anatole@example.net")
    response = register(client, email="Anatole@Example.net")
    assert "Consultez vos courriels" in response.get_data(as_text=True)
    assert User.select().count() == 1
    deliver(app)
    assert smtp_server.mailbox.messages[-1]["Subject"].startswith("Vous avez déjà un compte")


@pytest.mark.parametrize("password, message", [
    ("court", "au moins 10 caractères"),
    ("azertyuiop", "trop courant"),
    ("password123", "trop courant"),
])
def test_weak_passwords_are_refused_in_french(client, database, password, message):
    response = register(client, password=password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert User.select().count() == 0


def test_passwords_are_hashed_with_argon2(app, database):
    user = make_member(app)
    assert user.password_hash.startswith("$argon2id$")
    assert MEMBER_PASSWORD not in user.password_hash


def test_remember_me_cookie_alone_keeps_the_member_logged_in(app, client, database):
    make_member(app)
    log_in(client, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.http_only

    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/compte").status_code == 200


def test_without_the_box_closing_the_browser_ends_the_session(app, client, database):
    make_member(app)
    log_in(client)
    assert client.get_cookie("remember_token") is None
    session = client.get_cookie("session")
    assert session.expires is None  # a browser-session cookie
    assert app.test_client().get("/compte").status_code == 302


def test_logout_kills_the_old_remember_cookie(app, client, database):
    make_member(app)
    log_in(client, remember=True)
    stolen = client.get_cookie("remember_token").value
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/compte")})
    assert client.get("/compte").status_code == 302
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen)
    assert thief.get("/compte").status_code == 302


def test_session_cookie_is_httponly_and_lax(app, client, database):
    make_member(app)
    log_in(client)
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def without_token(html):
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)


def test_login_and_reset_answers_do_not_tell_whether_an_account_exists(app, database):
    make_member(app)
    known, unknown = app.test_client(), app.test_client()
    assert without_token(log_in(known, "membre@example.net", "mauvais mot de passe").get_data(
        as_text=True)) == without_token(log_in(unknown, "personne@example.net",
                                               "mauvais mot de passe").get_data(as_text=True))
    answers = []
    for client, email in ((known, "membre@example.net"), (unknown, "personne@example.net")):
        token = csrf_token(client, "/mot-de-passe-oublie")
        response = client.post("/mot-de-passe-oublie", data={"csrf_token": token, "email": email})
        answers.append(without_token(response.get_data(as_text=True)))
    assert answers[0] == answers[1]
    assert OutboxMessage.select().count() == 1  # only the real owner gets mail


def test_password_reset_link_works_once_and_ends_other_sessions(app, client, smtp_server,
                                                                database):
    make_member(app)
    other_device = app.test_client()
    log_in(other_device)
    token = csrf_token(client, "/mot-de-passe-oublie")
    client.post("/mot-de-passe-oublie", data={"csrf_token": token, "email": "membre@example.net"})
    deliver(app)
    path = last_link(smtp_server)
    new_password = "un tout nouveau secret"
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       "password": new_password})
    assert response.status_code == 303
    assert log_in(app.test_client(), password=MEMBER_PASSWORD).status_code == 422
    assert log_in(app.test_client(), password=new_password).status_code == 303
    assert other_device.get("/compte").status_code == 302
    assert client.get(path).status_code == 404  # single use


def test_email_change_takes_effect_once_the_new_address_confirms(app, client, smtp_server,
                                                                 database):
    make_member(app)
    log_in(client)
    client.post("/compte/courriel", data={"csrf_token": csrf_token(client, "/compte"),
                                          "new_email": "nouvelle@example.net",
                                          "password": MEMBER_PASSWORD})
    deliver(app)
    assert User.get().email == "membre@example.net"
    notices = [m for m in smtp_server.mailbox.messages if m["To"] == "membre@example.net"]
    assert notices and "nouvelle@example.net" not in notices[0].get_body(("plain",)).get_content()
    path = last_link(smtp_server, "nouvelle@example.net")
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert User.get().email == "nouvelle@example.net"
    assert log_in(app.test_client(), "nouvelle@example.net").status_code == 303


def test_password_change_asks_for_the_current_one(app, client, database):
    make_member(app)
    log_in(client)
    response = client.post("/compte/mot-de-passe", data={
        "csrf_token": csrf_token(client, "/compte"), "current_password": "pas le bon du tout",
        "new_password": "un autre secret solide"})
    assert response.status_code == 422
    assert "Le mot de passe actuel n&#39;est pas le bon." in response.get_data(as_text=True)


def test_profile_update_and_login_required(app, client, database):
    assert client.get("/compte").headers["Location"].startswith("/connexion")
    make_member(app)
    log_in(client)
    data = dict(PROFILE, csrf_token=csrf_token(client, "/compte"), profession="Boulanger")
    assert client.post("/compte", data=data).status_code == 303
    assert User.get().profession == "Boulanger"


def test_data_export_holds_the_account_and_its_participations(app, client, database):
    make_member(app)
    log_in(client)
    client.post(f"{DEMO_CYBERACTION}/signer-en-un-clic",
                data={"csrf_token": csrf_token(client, DEMO_CYBERACTION)})
    response = client.get("/compte/donnees.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = response.get_json()
    assert data["account"]["email"] == "membre@example.net"
    assert data["participations"][0]["status"] == "confirmed"
    assert data["participations"][0]["email"] == "membre@example.net"
    assert data["account"]["may_comment"] is True and data["account"]["pending_email"] is None
    assert data["reports"] == [] and data["moderation_concerning_you"] == []


def test_deleting_the_account_erases_every_trace_but_keeps_the_count(app, client, database):
    make_member(app, last_name="Quintessence", postal_code="35000")
    log_in(client)
    client.post(f"{DEMO_CYBERACTION}/signer-en-un-clic",
                data={"csrf_token": csrf_token(client, DEMO_CYBERACTION)})
    assert campaign_at(DEMO_CYBERACTION).signature_count == 1
    assert delete_own_account(client).status_code == 303
    assert_no_table_holds("membre@example.net", "Quintessence")
    assert Signature.get().postal_code == ""
    assert campaign_at(DEMO_CYBERACTION).signature_count == 1
    assert client.get("/compte").status_code == 302


def change_email(client, new_email):
    client.post("/compte/courriel", data={"csrf_token": csrf_token(client, "/compte"),
                                          "new_email": new_email, "password": MEMBER_PASSWORD})
    message = OutboxMessage.get((OutboxMessage.to_addrs == new_email)
                                & (OutboxMessage.category == "account"))
    return re.search(r"https?://[^/\s]+(/compte/courriel/\S+)", message.body_text).group(1)


def test_deleting_after_an_email_change_erases_the_old_and_the_pending_address_too(
        app, client, database):
    post_signature(app.test_client(), email="membre@example.net", last_name="Quintessence")
    make_member(app, last_name="Quintessence")
    log_in(client)
    path = change_email(client, "nouvelle@example.net")
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert User.get().email == "nouvelle@example.net"
    change_email(client, "jamais.confirmee@example.net")

    exported = client.get("/compte/donnees.json").get_json()
    assert exported["account"]["pending_email"] == "jamais.confirmee@example.net"
    assert [item["email"] for item in exported["participations"]] == ["membre@example.net"]

    assert delete_own_account(client).status_code == 303
    assert_no_table_holds("membre@example.net", "nouvelle@example.net",
                          "jamais.confirmee@example.net", "Quintessence")


def test_deleting_an_account_never_touches_the_mail_of_an_address_it_only_asked_for(
        app, client, database):
    post_signature(app.test_client(), email="victime@example.net")
    make_member(app)
    log_in(client)
    change_email(client, "victime@example.net")  # never confirmed: not theirs
    assert delete_own_account(client).status_code == 303
    kept = OutboxMessage.select().where(OutboxMessage.to_addrs == "victime@example.net")
    assert [message.category for message in kept] == ["confirmation"]


def test_an_address_given_up_does_not_bring_its_past_to_the_next_account(app, client, database):
    post_signature(app.test_client(), email="membre@example.net", last_name="Ancienne")
    make_member(app)
    log_in(client)
    path = change_email(client, "nouvelle@example.net")
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    make_member(app, email="membre@example.net", last_name="Suivante")
    newcomer = app.test_client()
    log_in(newcomer, "membre@example.net")
    assert newcomer.get("/compte/donnees.json").get_json()["participations"] == []
    assert "Ancienne" not in newcomer.get("/compte").get_data(as_text=True)


def test_one_click_signature_counts_at_once_and_sends_the_letter(app, htmx, database):
    make_member(app)
    log_in(htmx)
    response = htmx.post(f"{DEMO_CYBERACTION}/signer-en-un-clic",
                         data={"csrf_token": csrf_token(htmx, DEMO_CYBERACTION)})
    html = response.get_data(as_text=True)
    assert "votre participation est enregistrée" in html
    assert 'hx-swap-oob="true"' in html and "<strong>1</strong>" in html
    signature = Signature.get()
    assert signature.status == Signature.CONFIRMED and signature.user_id is not None
    letter = OutboxMessage.get(OutboxMessage.category == "letter")
    assert letter.reply_to == "membre@example.net"
    assert "Camille Martin" in letter.body_text and "35000 Rennes" in letter.body_text
    assert OutboxMessage.select().where(OutboxMessage.category == "confirmation").count() == 0
    assert "Vous participez à cette campagne" in htmx.get(DEMO_CYBERACTION).get_data(as_text=True)

    again = htmx.post(f"{DEMO_CYBERACTION}/signer-en-un-clic",
                      data={"csrf_token": csrf_token(htmx, "/compte")})
    assert again.status_code == 200
    assert "Vous participez déjà à cette campagne." in again.get_data(as_text=True)
    assert campaign_at(DEMO_CYBERACTION).signature_count == 1


def test_one_click_confirms_an_earlier_pending_participation_of_the_same_address(app, client,
                                                                               database):
    post_signature(app.test_client(), email="membre@example.net")
    make_member(app)
    log_in(client)
    client.post(f"{DEMO_CYBERACTION}/signer-en-un-clic",
                data={"csrf_token": csrf_token(client, DEMO_CYBERACTION)})
    assert Signature.select().count() == 1
    assert Signature.get().status == Signature.CONFIRMED
    assert campaign_at(DEMO_CYBERACTION).signature_count == 1


def test_inline_login_on_a_campaign_page_swaps_in_the_one_click_form(app, htmx, database):
    make_member(app)
    token = csrf_token(htmx, DEMO_CYBERACTION)
    response = htmx.post(f"{DEMO_CYBERACTION}/connexion", data={
        "connexion-csrf_token": token, "connexion-email": "membre@example.net",
        "connexion-password": MEMBER_PASSWORD})
    html = response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#sign-area"
    assert "Je signe en un clic" in html and "Mon profil" in html
    # The comments come along: the member's comment form instead of the login.
    assert 'id="commentaires" class="comments" aria-labelledby="commentaires-titre" hx-swap-oob="true"' in html
    assert 'id="commentaire-texte"' in html
    assert "Vous devez posséder un compte" not in html
    # The token of the page's other forms still works after the session was renewed.
    assert htmx.post(f"{DEMO_CYBERACTION}/signer-en-un-clic",
                     data={"csrf_token": token}).status_code == 200


def test_inline_login_failure_keeps_the_page_and_says_why(app, htmx, database):
    response = htmx.post(f"{DEMO_CYBERACTION}/connexion", data={
        "connexion-csrf_token": csrf_token(htmx, DEMO_CYBERACTION),
        "connexion-email": "x@example.net", "connexion-password": "mauvais mot de passe"})
    assert response.status_code == 422
    assert "Adresse électronique ou mot de passe incorrect" in response.get_data(as_text=True)


def test_manage_link_hides_the_name_then_withdraws_the_participation(app, client, smtp_server,
                                                                      database):
    post_signature(client)
    deliver(app)
    body = smtp_server.mailbox.messages[-1].get_body(("plain",)).get_content()
    confirm_path = re.search(r"http://interpelle\.test(/confirmer/\S+)", body).group(1)
    manage_path = re.search(r"http://interpelle\.test(/participation/\S+)", body).group(1)
    client.post(confirm_path, data={"csrf_token": csrf_token(client)})
    assert campaign_at(DEMO_CYBERACTION).signature_count == 1

    page = client.get(manage_path).get_data(as_text=True)
    assert "Hélène Durand" in page
    token = csrf_token(client, manage_path)
    client.post(manage_path + "/masquer", data={"csrf_token": token})
    assert Signature.get().hide_identity is True
    client.post(manage_path + "/retirer", data={"csrf_token": token})
    assert Signature.select().count() == 0
    assert campaign_at(DEMO_CYBERACTION).signature_count == 0


def test_create_user_command_makes_a_verified_account_with_a_role(runner, database):
    result = runner.invoke(args=["create-user", "moderatrice@example.net", "--password",
                                 "une phrase tres longue", "--role", "moderator"])
    assert "Compte créé" in result.output
    user = User.get()
    assert user.role == "moderator" and user.is_active
    refused = runner.invoke(args=["create-user", "x@example.net", "--password", "court"])
    assert refused.exit_code != 0 and "au moins 10 caractères" in refused.output


def test_data_export_includes_the_members_comments(app, client, database):
    from models import Comment
    user = make_member(app)
    Comment.create(campaign=campaign_at(DEMO_CYBERACTION), author=user.id, body="Mon avis")
    log_in(client)
    data = client.get("/compte/donnees.json").get_json()
    assert data["comments"][0]["text"] == "Mon avis"
    assert "Mon avis" in client.get("/compte").get_data(as_text=True)


def test_htmx_login_on_the_login_page_moves_the_whole_page(app, htmx, database):
    make_member(app)
    token = csrf_token(htmx, "/connexion?next=/elus")
    response = htmx.post("/connexion", data={"csrf_token": token, "email": "membre@example.net",
                                             "password": MEMBER_PASSWORD, "next": "/elus"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/elus"


def test_login_never_redirects_to_another_site(app, client, database):
    make_member(app)
    token = csrf_token(client, "/connexion")
    response = client.post("/connexion", data={"csrf_token": token, "email": "membre@example.net",
                                               "password": MEMBER_PASSWORD,
                                               "next": "//evil.example/"})
    assert response.headers["Location"] == "/compte"


def test_an_accented_domain_logs_in_as_typed_or_in_its_ascii_form(app, database):
    make_member(app, email="anne@xn--exemple-co-i7a.fr")
    assert log_in(app.test_client(), "anne@exemple-éco.fr").status_code == 303
    assert log_in(app.test_client(), "Anne@XN--EXEMPLE-CO-I7A.FR").status_code == 303


def test_inscription_and_profile_offer_the_communes_of_the_postal_code(app, client, database):
    assert 'hx-get="/communes"' in client.get("/inscription").get_data(as_text=True)
    make_member(app)
    log_in(client)
    assert 'list="communes"' in client.get("/compte").get_data(as_text=True)
