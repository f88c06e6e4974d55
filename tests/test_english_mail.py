"""Every email to a person is written in that person's language, and the account pages speak
the page's: a participation keeps the language it was signed in, an account the member's,
a subscription the subscriber's; what the association writes to the targets stays French."""
import datetime as dt
import re

import pytest

from conftest import (
    DEMO_CYBERACTION, DEMO_PETITION, MEMBER_PASSWORD, csrf_token, log_in, make_member,
    post_signature,
)
from models import Attachment, Campaign, OutboxMessage, Signature, Subscriber, User
from services import messages, newsletter, outbox, proposals, recommendations

ENGLISH = "en-GB,en;q=0.9"
FRENCH_MAIL_WORDS = re.compile(r"\b(Bonjour|Merci|votre|vous|courriel|ce lien)\b")
PROFILE = {"last_name": "Smith", "first_name": "Jane", "postal_code": "35000",
           "city": "Rennes", "country": "FR"}


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}


@pytest.fixture
def english(client):
    """The test client of a browser that asks for English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = ENGLISH
    return client


def deliver(app):
    with app.app_context():
        outbox.drain()


def mail_to(smtp_server, address):
    """The last message the SMTP server received for `address`: subject, text and HTML."""
    [*_, mail] = [m for m in smtp_server.mailbox.messages if m["To"] == address]
    return (mail["Subject"], mail.get_body(("plain",)).get_content(),
            mail.get_body(("html",)).get_content())


def words_of(text):
    """The text without its tags and addresses (the site's paths are French)."""
    return re.sub(r"<[^>]+>|https?://\S+", " ", text)


def assert_english_mail(subject, text, html):
    assert not FRENCH_MAIL_WORDS.search(words_of(subject + " " + text)), (subject, text)
    assert not FRENCH_MAIL_WORDS.search(words_of(html)), html
    assert '<html lang="en">' in html


def english_member(app, email="jane@example.net", **profile):
    member = make_member(app, email, first_name="Jane", **profile)
    with app.app_context():
        User.update(language="en").where(User.id == member.id).execute()
    return User.get_by_id(member.id)


# Signing -----------------------------------------------------------------------------------

def test_signing_in_english_sends_the_confirmation_in_english(app, english, smtp_server,
                                                              database):
    post_signature(english, email="jane@example.net", first_name="Jane")
    deliver(app)
    subject, text, html = mail_to(smtp_server, "jane@example.net")
    assert subject.startswith("Confirm your participation: ")
    assert "Hello," in text and "open this link and click “Confirm my participation”" in text
    assert "This link is valid for 7 days." in text
    assert "View your participation, hide your name or withdraw it" in html
    assert_english_mail(subject, text, html)


def test_signing_in_french_sends_the_confirmation_in_french(app, client, smtp_server, database):
    post_signature(client)
    deliver(app)
    subject, text, html = mail_to(smtp_server, "helene.durand@example.net")
    assert subject.startswith("Confirmez votre participation : ")
    assert text.startswith("Bonjour,") and "Ce lien est valable 7 jours." in text
    assert "Confirmer ma participation" in html and '<html lang="fr">' in html
    assert "Hello" not in text and "valid for" not in text


def test_a_second_attempt_is_answered_in_the_language_of_the_participation(
        app, english, smtp_server, database):
    post_signature(english, DEMO_PETITION, email="jane@example.net")
    Signature.update(status=Signature.CONFIRMED, last_notice_at=None).execute()
    del english.environ_base["HTTP_ACCEPT_LANGUAGE"]
    post_signature(english, DEMO_PETITION, email="jane@example.net")  # from a French page
    deliver(app)
    subject, text, html = mail_to(smtp_server, "jane@example.net")
    assert subject.startswith("You are already taking part: ")
    assert "You are already taking part: your confirmed participation" in text
    assert_english_mail(subject, text, html)


def test_the_letter_to_the_targets_stays_as_the_association_wrote_it(app, english, database):
    post_signature(english)
    with app.test_request_context("/", headers={"Accept-Language": ENGLISH}):
        campaign = Campaign.by_slug("cyberactions", DEMO_CYBERACTION.rsplit("/", 1)[1])
        signature = campaign.signatures.get()
        letter = messages.letter(signature, campaign)
    assert letter["subject"] == campaign.letter_subject
    assert "Monsieur le Premier ministre" in letter["body_text"]


# Accounts ------------------------------------------------------------------------------------

def register(client, email="jane@example.net", password="une phrase de passe solide",
             **changes):
    data = dict(PROFILE, email=email, password=password, password_again=password,
                csrf_token=csrf_token(client, "/inscription"))
    data.update(changes)
    return client.post("/inscription", data=data)


def test_registering_in_english_sends_the_verification_in_english(app, english, smtp_server,
                                                                  database):
    page = register(english).get_data(as_text=True)
    assert "Check your email" in page and "Consultez" not in page
    deliver(app)
    subject, text, html = mail_to(smtp_server, "jane@example.net")
    assert subject == "Verify your address to activate your Interpelle account"
    assert text.startswith("Hello Jane,") and "This link is valid for 3 days." in text
    assert_english_mail(subject, text, html)


def test_an_english_member_gets_the_reset_link_in_english_even_from_a_french_page(
        app, client, smtp_server, database):
    english_member(app)
    client.post("/mot-de-passe-oublie", data={
        "csrf_token": csrf_token(client, "/mot-de-passe-oublie"), "email": "jane@example.net"})
    deliver(app)
    subject, text, html = mail_to(smtp_server, "jane@example.net")
    assert subject == "Choose a new password"
    assert "To choose a new password, open this link (valid for one hour" in text
    assert_english_mail(subject, text, html)


def test_an_english_member_registering_again_is_told_in_english(app, client, smtp_server,
                                                                database):
    english_member(app)
    register(client)  # a French page: the notice goes to the account's owner, in theirs
    deliver(app)
    subject, text, html = mail_to(smtp_server, "jane@example.net")
    assert subject == "You already have an account on Interpelle"
    assert "You already have one: log in with your password." in text
    assert_english_mail(subject, text, html)


def test_account_mails_built_outside_a_request_follow_the_member(app, smtp_server, database):
    jane = english_member(app)
    camille = make_member(app, "camille@example.net")
    with app.app_context():  # as the worker or a command: no page, no browser
        messages.queue_password_reset(jane, "http://interpelle.test/mot-de-passe/x")
        messages.queue_password_reset(camille, "http://interpelle.test/mot-de-passe/y")
    deliver(app)
    assert mail_to(smtp_server, "jane@example.net")[0] == "Choose a new password"
    assert mail_to(smtp_server, "camille@example.net")[0] == "Choisir un nouveau mot de passe"


def test_changing_address_in_english_writes_both_mails_in_english(app, english, smtp_server,
                                                                  database):
    make_member(app, "jane@example.net")
    log_in(english, "jane@example.net")  # the login keeps the page's language on the account
    english.post("/compte/courriel", data={
        "csrf_token": csrf_token(english, "/compte"), "new_email": "jane.new@example.net",
        "password": MEMBER_PASSWORD})
    deliver(app)
    notice = mail_to(smtp_server, "jane@example.net")
    link = mail_to(smtp_server, "jane.new@example.net")
    assert notice[0] == "Request to change your email address"
    assert link[0] == "Confirm your new email address"
    assert_english_mail(*notice)
    assert_english_mail(*link)


# Newsletter, proposals, recommendations -----------------------------------------------------

def test_the_newsletter_confirmation_is_in_the_subscribers_language(app, smtp_server, database):
    with app.app_context():
        newsletter.request_subscription("jane@example.net", language="en")
        newsletter.request_subscription("camille@example.net", language="fr")
    deliver(app)
    english_mail = mail_to(smtp_server, "jane@example.net")
    assert english_mail[0] == "Confirm your subscription to the Interpelle newsletter"
    assert "This link is valid for 7 days." in english_mail[1]
    assert_english_mail(*english_mail)
    french_mail = mail_to(smtp_server, "camille@example.net")
    assert french_mail[0] == "Confirmez votre abonnement à la lettre d'infos Interpelle"


def test_subscribing_on_the_english_page_gets_english_mail(app, english, smtp_server,
                                                           database):
    english.post("/lettre-d-infos", data={"email": "jane@example.net",
                                          "csrf_token": csrf_token(english, "/lettre-d-infos")})
    deliver(app)
    assert Subscriber.get(Subscriber.email == "jane@example.net").language == "en"
    assert_english_mail(*mail_to(smtp_server, "jane@example.net"))


def test_a_refused_proposal_is_explained_in_the_members_language_with_its_dates(
        app, smtp_server, database):
    jane = english_member(app)
    moderator = make_member(app, "moderatrice@example.net", role="moderator")
    with app.app_context():
        proposal = Campaign.get(Campaign.slug == DEMO_PETITION.rsplit("/", 1)[1])
        Campaign.update(proposed_by=jane.id, status=Campaign.PROPOSED,
                        created_at=dt.datetime(2026, 11, 28, 10)).where(
            Campaign.id == proposal.id).execute()
        proposals.refuse_and_tell(User.get_by_id(moderator.id), Campaign.get_by_id(proposal.id),
                                  "Merci de préciser les sources.")
    deliver(app)
    subject, text, html = mail_to(smtp_server, "jane@example.net")
    assert subject.startswith("Your proposal has not been accepted: ")
    assert "Your petition proposal" in text and "sent on November 28, 2026" in text
    assert "Merci de préciser les sources." in text  # the moderator's words, as written
    assert '<html lang="en">' in html


def test_a_recommendation_is_written_in_the_language_of_its_page(app, database):
    campaign = Campaign.get(Campaign.slug == DEMO_PETITION.rsplit("/", 1)[1])
    recommendation = recommendations.Recommendation("Jane Smith", ("friend@example.net",))
    with app.test_request_context("/", headers={"Accept-Language": ENGLISH}):
        english_mail = recommendations.recommendation_message(campaign, recommendation,
                                                              "friend@example.net")
    with app.test_request_context("/"):
        french_mail = recommendations.recommendation_message(campaign, recommendation,
                                                             "friend@example.net")
    assert english_mail["subject"] == f"Jane Smith recommends: {campaign.title}"
    assert "Jane Smith recommends the petition" in english_mail["body_text"]
    assert "Read the petition and sign it" in english_mail["body_html"]
    assert french_mail["subject"] == f"Jane Smith vous recommande : {campaign.title}"
    assert "vous recommande la pétition" in french_mail["body_text"]


def test_the_bilan_to_the_targets_stays_french_from_an_english_page(app, database):
    campaign = Campaign.get(Campaign.slug == DEMO_PETITION.rsplit("/", 1)[1])
    Campaign.update(closed_at=dt.datetime(2026, 11, 28, 10)).where(
        Campaign.id == campaign.id).execute()
    with app.test_request_context("/", headers={"Accept-Language": ENGLISH}):
        attachment = Attachment.create(campaign=campaign.id, filename="liste.pdf",
                                       content_type="application/pdf", data=b"%PDF")
        messages.queue_bilan(Campaign.get_by_id(campaign.id), attachment, 3)
    bilan = OutboxMessage.get(OutboxMessage.category == "bilan")
    assert bilan.subject.startswith("Pétition : ")
    assert bilan.body_text.startswith("Madame, Monsieur,")
    assert "close le 28 novembre 2026" in bilan.body_text
    assert '<html lang="fr">' in bilan.body_html


# The account pages ---------------------------------------------------------------------------

@pytest.mark.parametrize("path, title", [
    ("/connexion", "<h1>Log in</h1>"),
    ("/inscription", "<h1>Sign up</h1>"),
    ("/mot-de-passe-oublie", "<h1>Forgotten password</h1>"),
])
def test_the_account_pages_speak_english(english, database, path, title):
    page = english.get(path).get_data(as_text=True)
    assert title in page
    assert "Password" in page or "Email address" in page
    assert "Mot de passe" not in page and "Adresse électronique" not in page


def test_the_account_pages_stay_french_by_default(client, database):
    assert "<h1>Connexion</h1>" in client.get("/connexion").get_data(as_text=True)
    assert "<h1>Inscription</h1>" in client.get("/inscription").get_data(as_text=True)
    assert "Rester connecté-e" in client.get("/connexion").get_data(as_text=True)


def test_a_failed_login_is_explained_in_english(english, database):
    response = english.post("/connexion", data={
        "csrf_token": csrf_token(english, "/connexion"), "email": "nobody@example.net",
        "password": "not the right one"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Incorrect email address or password" in page
    assert "incorrect, ou adresse" not in page


def test_a_bad_registration_is_explained_in_english(english, database):
    page = register(english, password="court", password_again="autre").get_data(as_text=True)
    assert "The two passwords do not match." in page
    page = register(english, password="court").get_data(as_text=True)
    assert "The password must be at least 10 characters long." in page
    assert "At least 10 characters; avoid common passwords." in page
    assert "Le mot de passe" not in page


def test_the_forgotten_password_answer_is_english(english, database):
    page = english.post("/mot-de-passe-oublie", data={
        "csrf_token": csrf_token(english, "/mot-de-passe-oublie"),
        "email": "nobody@example.net"}).get_data(as_text=True)
    assert "If an account exists for this address" in page and "Si un compte" not in page


def test_the_profile_speaks_english_and_explains_its_errors(app, english, database):
    make_member(app)
    log_in(english)
    page = english.get("/compte").get_data(as_text=True)
    assert "<h1>My profile</h1>" in page and "Download all my data (JSON)" in page
    assert "No participation yet." in page and "Change the password" in page
    response = english.post("/compte/mot-de-passe", data={
        "csrf_token": csrf_token(english, "/compte"), "current_password": "pas le bon du tout",
        "new_password": "une toute nouvelle phrase"})
    assert response.status_code == 422
    assert "The current password is not correct." in response.get_data(as_text=True)
    response = english.post("/compte", data={
        "csrf_token": csrf_token(english, "/compte"), **PROFILE, "first_name": "Jane"},
        follow_redirects=True)
    assert "Your details have been saved." in response.get_data(as_text=True)


def test_deleting_the_account_speaks_english(app, english, database):
    make_member(app)
    log_in(english)
    assert "<h1>Delete my account</h1>" in english.get("/compte/supprimer").get_data(as_text=True)
    page = english.post("/compte/supprimer", data={
        "csrf_token": csrf_token(english, "/compte/supprimer"),
        "password": MEMBER_PASSWORD}).get_data(as_text=True)
    assert "Tick the box to confirm." in page and "Cochez" not in page
    page = english.post("/compte/supprimer", data={
        "csrf_token": csrf_token(english, "/compte/supprimer"), "password": "pas le bon",
        "confirm": "y"}).get_data(as_text=True)
    assert "The password is not correct." in page
    response = english.post("/compte/supprimer", data={
        "csrf_token": csrf_token(english, "/compte/supprimer"), "password": MEMBER_PASSWORD,
        "confirm": "y"}, follow_redirects=True)
    assert "Your account and your personal data have been erased." in response.get_data(
        as_text=True)


def test_a_bad_link_is_explained_in_english(english, database):
    response = english.post("/compte/verifier/altered", data={
        "csrf_token": csrf_token(english, "/compte/verifier/altered")})
    assert response.status_code == 404
    assert "Invalid or expired link" in response.get_data(as_text=True)
