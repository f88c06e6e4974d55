"""Modifier des éléments: the signer's own subject and text, and their député in copy."""
import re

import pytest

from conftest import DEMO_CYBERACTION, campaign_at, csrf_token, post_signature
from models import Campaign, Elu, OutboxMessage, Signature
from services import outbox
from services.elus import departement_name

LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")
OWN_SUBJECT = "Écoles : gardez nos données en Europe"
OWN_TEXT = "Madame, Monsieur,\n\nJe suis parent d'élève à Paris.\nGardez nos données <chez nous>.\n"


def elu_id(external_id):
    return Elu.get(Elu.external_id == external_id).id


def sign_with_letter(client, **overrides):
    fields = {"letter_subject": OWN_SUBJECT, "letter_body": OWN_TEXT,
              "postal_code": "75011", "city": "Paris"}
    fields.update(overrides)
    return post_signature(client, **fields)


def test_edited_letter_and_chosen_depute_are_stored_with_the_signature(htmx, database):
    response = sign_with_letter(htmx, elus=[elu_id("PA900001")])
    assert response.status_code == 200
    signature = Signature.get()
    assert signature.letter_subject == OWN_SUBJECT
    assert signature.letter_body == OWN_TEXT.strip()
    assert signature.cc_addrs == "camille.fictif@example.org"
    # The email carries none of the signer's words; the page its link opens shows the letter.
    confirmation = OutboxMessage.get()
    assert OWN_SUBJECT not in confirmation.body_text
    link = re.search(r"/confirmer/\S+", confirmation.body_text).group(0)
    page = htmx.get(link, headers={"HX-Request": ""}).get_data(as_text=True)
    assert OWN_SUBJECT in page and "Copie à : Camille Fictif" in page


def test_depute_of_another_circonscription_is_never_copied(htmx, database):
    sign_with_letter(htmx, elus=[elu_id("PA900003"), elu_id("PA900002")])  # Ain's, then Paris 7e
    assert Signature.get().cc_addrs == "dominique.exemple@example.org"


def test_unknown_postal_code_copies_nobody_and_still_signs(htmx, database):
    response = sign_with_letter(htmx, postal_code="99999", city="Nullepart",
                                elus=[elu_id("PA900001")])
    assert response.status_code == 200
    assert Signature.get().cc_addrs == ""


def test_locked_letter_ignores_the_signers_edits(htmx, database):
    Campaign.update(letter_locked=True).execute()
    Campaign.content_changed(campaign_at(DEMO_CYBERACTION).id)
    sign_with_letter(htmx)
    campaign = campaign_at(DEMO_CYBERACTION)
    assert Signature.get().letter_subject == campaign.letter_subject
    assert "Modifier des éléments" not in htmx.get(DEMO_CYBERACTION).get_data(as_text=True)


def test_campaign_without_copies_ignores_requested_elus(htmx, database):
    Campaign.update(allow_elu_copy=False).execute()
    sign_with_letter(htmx, elus=[elu_id("PA900001")])
    assert Signature.get().cc_addrs == ""


@pytest.mark.parametrize("subject, message", [
    ("", "L&#39;objet du message ne peut pas être vide."),
    ("Objet\r\nBcc: victime@example.org", "L&#39;objet tient sur une ligne"),
    ("x" * 201, "Entre 1 et 200 caractères"),
])
def test_bad_subject_gets_a_field_error(htmx, database, subject, message):
    response = sign_with_letter(htmx, letter_subject=subject)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "<details class=\"letter-edit\" open>" in html
    assert Signature.select().count() == 0


@pytest.mark.parametrize("text, message", [
    ("", "Le texte du message ne peut pas être vide."),
    ("x" * 5001, "Entre 1 et 5000 caractères"),
    ("Bonjour\x00", "caractères invisibles"),
])
def test_bad_text_gets_a_field_error(htmx, database, text, message):
    response = sign_with_letter(htmx, letter_body=text)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_elus_fragment_lists_each_depute_of_a_split_commune(htmx, database):
    html = htmx.get(f"{DEMO_CYBERACTION}/elus?postal_code=75011&city=Paris").get_data(as_text=True)
    assert "Camille Fictif" in html and "Dominique Exemple" in html
    assert "partagée entre plusieurs circonscriptions" in html
    assert "6e circonscription" in html and "Groupe démo A" in html
    assert "camille.fictif@example.org" not in html


def test_elus_fragment_explains_an_unknown_postal_code(htmx, database):
    html = htmx.get(f"{DEMO_CYBERACTION}/elus?postal_code=99999&city=X").get_data(as_text=True)
    assert "Nous ne trouvons pas ce code postal" in html


def test_communes_of_a_postal_code_fill_the_commune_list(client, database):
    html = client.get("/communes?postal_code=01000").get_data(as_text=True)
    assert '<option value="Bourg-en-Bresse">' in html
    assert '<option value="Saint-Denis-lès-Bourg">' in html


def test_without_javascript_the_show_my_elus_button_rerenders_the_form(client, database):
    token = csrf_token(client)
    response = client.post(f"{DEMO_CYBERACTION}/signer", data={
        "csrf_token": token, "postal_code": "35000", "city": "Rennes", "action": "elus"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sacha Témoin" in html and "Lou Essai" in html
    assert "Ce champ est obligatoire." not in html
    assert Signature.select().count() == 0


def test_recap_preview_shows_the_letter_as_it_will_leave(htmx, database):
    token = csrf_token(htmx)
    html = htmx.post(f"{DEMO_CYBERACTION}/apercu", data={
        "csrf_token": token, "letter_subject": OWN_SUBJECT, "letter_body": OWN_TEXT,
        "first_name": "Hélène", "last_name": "Durand", "postal_code": "75011", "city": "Paris",
        "country": "FR", "elus": [str(elu_id("PA900001")), str(elu_id("PA900003"))],
    }).get_data(as_text=True)
    assert "Écoles : gardez nos données en Europe" in html
    assert "Gardez nos données &lt;chez nous&gt;." in html
    assert "Hélène Durand" in html and "75011 Paris" in html
    assert "camille.fictif@example.org" in html
    assert "alix.modele@example.org" not in html


def test_liste_delus_by_departement(client, database):
    index = client.get("/elus").get_data(as_text=True)
    assert 'href="/elus/75"' in index
    assert "Paris" in index and "Ille-et-Vilaine" in index
    page = client.get("/elus/35").get_data(as_text=True)
    assert "Ille-et-Vilaine" in page
    assert "Sacha Témoin" in page and "Lou Essai" in page
    assert "sacha.temoin@example.org" not in page
    assert client.get("/elus/00").status_code == 404


class TestDelivery:
    @pytest.fixture
    def app_config(self, smtp_server):
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}

    def test_letter_leaves_with_edits_to_target_and_chosen_depute_only(self, app, client,
                                                                       smtp_server, database):
        sign_with_letter(client, elus=[elu_id("PA900001")])
        with app.app_context():
            outbox.drain()
        link = LINK.search(smtp_server.mailbox.messages[0].get_body(("plain",)).get_content())
        client.post(link.group(1), data={"csrf_token": csrf_token(client)})
        with app.app_context():
            outbox.drain()

        letter = smtp_server.mailbox.messages[-1]
        envelope = smtp_server.mailbox.envelopes[-1]
        assert letter["Subject"] == OWN_SUBJECT
        assert letter["To"] == "premier-ministre@example.org"
        assert letter["Cc"] == "camille.fictif@example.org"
        assert sorted(envelope.rcpt_tos) == ["camille.fictif@example.org",
                                             "premier-ministre@example.org"]
        body = letter.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert body.startswith("Madame, Monsieur,\n\nJe suis parent d'élève à Paris.")
        assert "Gardez nos données <chez nous>." in body
        assert body.rstrip().endswith("Hélène Durand\nEnseignante\n75011 Paris")


def test_departement_names_cover_metropole_corsica_overseas_and_abroad():
    assert departement_name("1") == "Ain"
    assert departement_name("2a") == "Corse-du-Sud"
    assert departement_name("971") == "Guadeloupe"
    assert departement_name("099") == "Français établis hors de France"
    assert departement_name("ZZ") == "ZZ"


def test_letter_length_counts_line_breaks_once_as_typed(htmx, database):
    body = "Une ligne du message.\r\n" * 220  # 5,060 characters as sent, 4,839 as typed
    response = post_signature(htmx, letter_subject="Mon objet", letter_body=body)
    assert response.status_code == 200
    assert Signature.get().letter_body == body.replace("\r\n", "\n").strip()
