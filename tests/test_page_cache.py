"""Anonymous visitors share a cached page; each still gets their own token and the live counter."""
import re

import pytest

from conftest import CSRF_INPUT, DEMO_CYBERACTION, campaign_at, log_in, make_member
from models import Campaign


@pytest.fixture
def app_config():
    # Long enough that no test here sees the copy expire on its own, however slow the machine.
    return {"PAGE_CACHE_SECONDS": 3600}


def test_each_visitor_gets_their_own_working_token_from_the_cached_page(app, database):
    first, second = app.test_client(), app.test_client()
    token_one = CSRF_INPUT.search(first.get(DEMO_CYBERACTION).get_data(as_text=True)).group(1)
    page_two = second.get(DEMO_CYBERACTION).get_data(as_text=True)
    token_two = CSRF_INPUT.search(page_two).group(1)
    assert token_one != token_two
    assert "__CSRF_TOKEN__" not in page_two and "__LIVE_PART" not in page_two
    response = second.post(f"{DEMO_CYBERACTION}/signer", data={"csrf_token": token_two})
    assert response.status_code == 422  # the token was accepted; the empty form was not


def test_counter_is_live_even_when_the_page_comes_from_the_cache(app, client, database):
    client.get(DEMO_CYBERACTION)
    Campaign.update(signature_count=1234).execute()
    html = app.test_client().get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "<strong>1\u202f234</strong>" in html


def test_content_change_expires_the_cached_page(app, client, database):
    client.get(DEMO_CYBERACTION)
    Campaign.update(title="Un titre tout neuf").execute()
    assert "Un titre tout neuf" not in app.test_client().get(DEMO_CYBERACTION).get_data(as_text=True)
    Campaign.content_changed(campaign_at(DEMO_CYBERACTION).id)
    assert "Un titre tout neuf" in app.test_client().get(DEMO_CYBERACTION).get_data(as_text=True)


def test_revisit_with_the_same_session_gets_304(client, database):
    first = client.get(DEMO_CYBERACTION)
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(DEMO_CYBERACTION, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_members_never_get_the_anonymous_page(app, client, database):
    make_member(app)
    app.test_client().get(DEMO_CYBERACTION)
    log_in(client)
    html = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "Je signe en un clic" in html
    assert re.search(r"Je signe sans compte", html) is None
