"""Asked in English, signing reads in English from the campaign page to the confirmation:
labels, field errors, notices, the counter's plural, the countries; French by default."""
import re

import pytest

from conftest import (
    DEMO_CLOSED, DEMO_CYBERACTION, DEMO_PETITION, campaign_at, csrf_token, post_signature,
)
from models import Campaign, Signature
from test_confirmation import confirmation_path

ENGLISH = "en-GB,en;q=0.9"


@pytest.fixture
def english(app):
    """A visitor whose browser asks for English, as a plain form would post."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = ENGLISH
    return client


@pytest.fixture
def english_htmx(english):
    english.environ_base["HTTP_HX_REQUEST"] = "true"
    return english


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_signing_form_is_labelled_in_english(english):
    html = page(english, DEMO_CYBERACTION)
    for text in ["Sign without an account", "Last name", "First name", "Postcode", "Town",
                 "Country", "Send my message", "* required fields", "Edit parts of the message",
                 "How we use your information", '<option selected value="FR">France</option>',
                 '<option value="DE">Germany</option>', '<option value="ZZ">Other country</option>']:
        assert text in html, text
    assert "Je signe sans compte" not in html and "Allemagne" not in html
    assert "Sign the petition" in page(english, DEMO_PETITION)


def test_the_same_form_stays_french_by_default(client):
    html = page(client, DEMO_CYBERACTION)
    assert "Je signe sans compte" in html and "Code postal" in html
    assert '<option value="DE">Allemagne</option>' in html and "Sign without" not in html


def test_field_errors_come_back_in_english_and_keep_what_was_typed(english_htmx, database):
    response = post_signature(english_htmx, email="pas-une-adresse", postal_code="7501",
                              first_name="", letter_subject="x" * 201)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for text in ["This email address is not valid", "5 digits expected (for example: 75011).",
                 "This field is required.",
                 "Some information needs correcting: see the messages under the fields."]:
        assert text in html, text
    assert "obligatoire." not in html and "n&#39;est pas valide" not in html
    assert 'value="Durand"' in html
    assert Signature.select().count() == 0


def test_the_thanks_and_the_confirmation_pages_are_english(english, database):
    response = post_signature(english)
    assert response.status_code == 303
    assert "Thank you! One step left." in page(english, response.headers["Location"])
    assert Signature.get().language == "en"
    path = confirmation_path()
    assert "Confirm my participation" in page(english, path)
    confirmed = english.post(path, data={"csrf_token": csrf_token(english, path)})
    html = confirmed.get_data(as_text=True)
    assert "Thank you Hélène, your participation is confirmed!" in html
    assert re.search(r"<strong>1</strong> participation\b", html)


def test_the_counter_uses_english_plurals_and_number_format(english, client, database):
    Campaign.update(signature_count=1718).where(
        Campaign.id == campaign_at(DEMO_CYBERACTION).id).execute()
    assert "<strong>1,718</strong> participations" in page(english, DEMO_CYBERACTION)
    assert "<strong>1\u202f718</strong> participations" in page(client, DEMO_CYBERACTION)


def test_a_closed_campaign_and_a_bad_link_say_so_in_english(english):
    assert "This campaign has been closed since" in page(english, DEMO_CLOSED)
    response = english.get("/confirmer/pas-un-jeton")
    assert response.status_code == 404
    assert "This confirmation link is not valid." in response.get_data(as_text=True)


def test_lists_and_search_are_english(english):
    assert "All open campaigns, one per line" in page(english, "/liste-rapide")
    assert "Finished campaigns, most recent first" in page(english, "/bilans")
    assert "No campaign matches “zzzzqqq”" in page(english, "/recherche?q=zzzzqqq")
    assert "MPs" in page(english, "/elus")
