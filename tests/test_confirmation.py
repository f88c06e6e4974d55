"""Double opt-in: the link opens a page, only its button confirms, once."""
import re

from conftest import DEMO_CYBERACTION, DEMO_PETITION, campaign_at, csrf_token, post_signature
from models import Campaign, OutboxMessage, Signature, utcnow

LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")


def confirmation_path():
    message = (OutboxMessage.select().where(OutboxMessage.category == "confirmation")
               .order_by(OutboxMessage.id.desc()).get())
    return LINK.search(message.body_text).group(1)


def confirm(client, path):
    """Press the button; the CSRF token comes from the campaign page's session."""
    token = csrf_token(client, DEMO_CYBERACTION)
    return client.post(path, data={"csrf_token": token})


def test_opening_the_link_does_not_confirm(client, database):
    post_signature(client)
    page = client.get(confirmation_path())
    assert page.status_code == 200
    assert "Confirmer ma participation" in page.get_data(as_text=True)
    assert Signature.get().status == Signature.PENDING
    assert campaign_at(DEMO_CYBERACTION).signature_count == 0


def test_confirming_counts_once_and_queues_the_letter(client, database):
    post_signature(client)
    path = confirmation_path()
    response = confirm(client, path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "votre participation est confirmée" in html
    assert "Hélène Durand" in html and "75011 Paris" in html
    assert "<strong>1</strong> participation" in html
    assert campaign_at(DEMO_CYBERACTION).signature_count == 1
    letter = OutboxMessage.get(OutboxMessage.category == "letter")
    assert letter.recipients == ["premier-ministre@example.org"]
    assert letter.reply_to == "helene.durand@example.net"
    assert letter.sender_name == "Hélène Durand via Interpelle"
    assert letter.subject == campaign_at(DEMO_CYBERACTION).letter_subject
    assert letter.body_text.rstrip().endswith("Hélène Durand\nEnseignante\n75011 Paris")

    again = confirm(client, path)
    assert "déjà confirmée" in again.get_data(as_text=True)
    assert campaign_at(DEMO_CYBERACTION).signature_count == 1
    assert OutboxMessage.select().where(OutboxMessage.category == "letter").count() == 1


def test_confirming_a_petition_counts_without_a_letter(client, database):
    post_signature(client, url=DEMO_PETITION)
    confirm(client, confirmation_path())
    assert campaign_at(DEMO_PETITION).signature_count == 1
    assert OutboxMessage.select().where(OutboxMessage.category == "letter").count() == 0


def test_second_attempt_after_confirmation_sends_already_signed_notice(client, database):
    post_signature(client)
    confirm(client, confirmation_path())
    Signature.update(last_notice_at=None).execute()
    post_signature(client, email="HELENE.DURAND@example.net")
    notice = OutboxMessage.select().order_by(OutboxMessage.id.desc()).get()
    assert notice.category == "notice"
    assert "Vous y participez déjà" in notice.body_text
    assert Signature.select().count() == 1
    assert campaign_at(DEMO_CYBERACTION).signature_count == 1


def test_tampered_link_is_refused(client, database):
    post_signature(client)
    path = confirmation_path()
    response = client.get(path[:-3] + "abc")
    assert response.status_code == 404
    assert "Lien invalide" in response.get_data(as_text=True)


def test_expired_link_is_refused_and_counts_nothing(app, client, database):
    post_signature(client)
    path = confirmation_path()
    app.config["CONFIRMATION_MAX_AGE"] = -1
    response = client.get(path)
    assert response.status_code == 410
    assert "Lien expiré" in response.get_data(as_text=True)
    assert campaign_at(DEMO_CYBERACTION).signature_count == 0


def test_confirming_after_the_campaign_closed_is_refused(client, database):
    post_signature(client)
    path = confirmation_path()
    token = csrf_token(client, path)
    Campaign.update(closed_at=utcnow()).execute()
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 409
    assert "Campagne close" in response.get_data(as_text=True)
    assert Signature.get().status == Signature.PENDING


def test_each_signer_gets_their_own_links_and_an_edited_campaign_its_new_title(client, database):
    """The bodies are rendered once per campaign version and language, the links put in
    for each signer."""
    post_signature(client, email="une@example.net")
    post_signature(client, email="deux@example.net")
    first, second = OutboxMessage.select().where(
        OutboxMessage.category == "confirmation").order_by(OutboxMessage.id)
    assert LINK.search(first.body_text).group(1) != LINK.search(second.body_text).group(1)
    assert LINK.search(first.body_html).group(1) == LINK.search(first.body_text).group(1)
    assert "__confirm_url__" not in first.body_html + second.body_text
    confirm(client, LINK.search(second.body_text).group(1))
    assert Signature.get(Signature.email == "deux@example.net").status == Signature.CONFIRMED
    assert Signature.get(Signature.email == "une@example.net").status == Signature.PENDING
    campaign = campaign_at(DEMO_CYBERACTION)
    Campaign.update(title="Un titre tout neuf").where(Campaign.id == campaign.id).execute()
    Campaign.content_changed(campaign.id)
    post_signature(client, email="trois@example.net")
    third = OutboxMessage.select().order_by(OutboxMessage.id.desc()).get()
    assert "Un titre tout neuf" in third.body_text and "Un titre tout neuf" in third.subject
