"""Signing without an account: the form, its answers, and what gets stored."""
import pytest

from conftest import (
    CSRF_INPUT, DEMO_CLOSED, DEMO_CYBERACTION, MEMBER_PASSWORD, campaign_at, csrf_token,
    make_member, post_signature, signer,
)
from models import OutboxMessage, Signature, utcnow
from services.signing import NOTICE_INTERVAL


def test_htmx_signing_returns_thanks_fragment_and_stores_pending_signature(htmx, database):
    response = post_signature(htmx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Merci&nbsp;! Il reste une étape." in html
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    signature = Signature.get()
    assert signature.status == Signature.PENDING
    assert signature.email == "helene.durand@example.net"
    assert signature.letter_subject == campaign_at(DEMO_CYBERACTION).letter_subject
    confirmation = OutboxMessage.get()
    assert confirmation.category == "confirmation"
    assert confirmation.recipients == ["helene.durand@example.net"]
    assert "/confirmer/" in confirmation.body_text


def test_plain_form_signing_redirects_to_thanks_page(client, database):
    response = post_signature(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{DEMO_CYBERACTION}/merci")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Merci&nbsp;! Il reste une étape." in page
    assert Signature.select().count() == 1


def test_signing_does_not_count_before_confirmation(client, database):
    post_signature(client)
    assert campaign_at(DEMO_CYBERACTION).signature_count == 0


def test_invalid_form_comes_back_with_french_field_errors_and_keeps_input(htmx, database):
    response = post_signature(htmx, email="pas-une-adresse", postal_code="7501", first_name="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Cette adresse électronique n&#39;est pas valide" in html
    assert "5 chiffres attendus (exemple\u00a0: 75011)." in html
    assert "Ce champ est obligatoire." in html
    assert 'value="Durand"' in html
    assert 'aria-invalid="true"' in html
    assert Signature.select().count() == 0


def test_invalid_plain_form_renders_full_page_with_errors(client, database):
    response = post_signature(client, email="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" in html and "Ce champ est obligatoire." in html


def test_duplicate_signature_gets_same_answer_and_notice_by_email(htmx, database):
    first = post_signature(htmx)
    # Right after the first email nothing more is sent; ten minutes later, a reminder.
    Signature.update(last_notice_at=utcnow() - NOTICE_INTERVAL).execute()
    second = post_signature(htmx, email="Helene.Durand+petition@EXAMPLE.net")
    assert first.status_code == second.status_code == 200
    assert "Merci&nbsp;! Il reste une étape." in second.get_data(as_text=True)
    assert Signature.select().count() == 1
    categories = [message.category for message in OutboxMessage.select().order_by(OutboxMessage.id)]
    assert categories == ["confirmation", "confirmation"]
    reminder = OutboxMessage.select().order_by(OutboxMessage.id.desc()).get()
    assert "pas encore confirmée" in reminder.body_text


def test_repeated_attempts_mail_the_address_at_most_once_per_interval(htmx, database):
    for _ in range(4):
        post_signature(htmx)
    assert OutboxMessage.select().count() == 1


@pytest.mark.parametrize("as_htmx", [True, False], ids=["htmx", "plain"])
def test_expired_signing_form_comes_back_as_typed_with_a_fresh_token(app, database, as_htmx):
    client = app.test_client()
    headers = {"HX-Request": "true"} if as_htmx else {}
    client.get(DEMO_CYBERACTION)  # the session the page opened
    data = signer(letter_subject="Mon objet à moi", letter_body="Mon texte, écrit avec soin.")
    response = client.post(f"{DEMO_CYBERACTION}/signer", data={**data, "csrf_token": "perime"},
                           headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Le formulaire avait expiré" in html
    assert 'value="Durand"' in html and "Mon texte, écrit avec soin." in html
    assert ("<html" in html) is not as_htmx
    assert Signature.select().count() == 0
    fresh = CSRF_INPUT.search(html).group(1)
    again = client.post(f"{DEMO_CYBERACTION}/signer", data={**data, "csrf_token": fresh},
                        headers=headers)
    assert again.status_code in (200, 303)
    assert Signature.get().letter_body == "Mon texte, écrit avec soin."


def test_signing_without_any_token_saves_nothing(client, database):
    response = client.post(f"{DEMO_CYBERACTION}/signer", data=signer())
    assert response.status_code == 422
    assert "Le formulaire avait expiré" in response.get_data(as_text=True)
    assert Signature.select().count() == 0
    assert OutboxMessage.select().count() == 0


def test_other_forms_sent_by_htmx_with_an_expired_token_get_a_fresh_one(app, htmx, database):
    make_member(app)
    htmx.get(DEMO_CYBERACTION)
    login = {"connexion-email": "membre@example.net", "connexion-password": MEMBER_PASSWORD}
    response = htmx.post(f"{DEMO_CYBERACTION}/connexion",
                         data={**login, "connexion-csrf_token": "perime"})
    assert response.status_code == 400
    assert "Ce que vous avez saisi est conservé" in response.get_data(as_text=True)
    fresh = response.headers["X-CSRF-Token"]
    again = htmx.post(f"{DEMO_CYBERACTION}/connexion",
                      data={**login, "connexion-csrf_token": fresh})
    assert again.status_code == 200 and "Je signe en un clic" in again.get_data(as_text=True)


def test_closed_campaign_shows_closed_and_refuses_signatures(client, htmx, database):
    page = client.get(DEMO_CLOSED).get_data(as_text=True)
    assert "Cette campagne est close" in page
    assert 'action="/cyberactions/eau-bien-commun/signer"' not in page
    token = csrf_token(htmx, DEMO_CYBERACTION)
    response = htmx.post(f"{DEMO_CLOSED}/signer", data={
        "csrf_token": token, "last_name": "Durand", "first_name": "Hélène",
        "email": "h@example.net", "postal_code": "75011", "city": "Paris", "country": "FR"})
    assert response.status_code == 409
    assert "Cette campagne est close" in response.get_data(as_text=True)
    assert Signature.select().count() == 0


def test_a_form_posted_from_another_site_gets_no_fresh_token(app, database):
    client = app.test_client()
    secure = {"base_url": "https://localhost"}
    token = CSRF_INPUT.search(client.get(DEMO_CYBERACTION, **secure).get_data(as_text=True))[1]
    response = client.post(f"{DEMO_CYBERACTION}/connexion", **secure,
                           headers={"HX-Request": "true", "Referer": "https://ailleurs.example/"},
                           data={"connexion-csrf_token": token})
    assert response.status_code == 400
    assert "X-CSRF-Token" not in response.headers
    assert "pas été envoyé depuis ce site" in response.get_data(as_text=True)
