"""Anything that sends mail is rate-limited per address of origin."""

import pytest

from conftest import (
    DEMO_CYBERACTION, DEMO_PETITION, csrf_token, empty_test_redis, post_signature,
)
from models import Signature


def limited_config(storage):
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage,
            "SIGN_RATE_LIMIT": "3 per minute"}


@pytest.fixture(params=["memory", "redis"])
def app_config(request):
    if request.param == "memory":
        return limited_config("memory://")
    url = empty_test_redis()
    return limited_config(url)


def test_signing_too_often_from_one_address_is_refused_in_french(htmx, database):
    statuses = [post_signature(htmx, email=f"personne{n}@example.net").status_code
                for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = post_signature(htmx, email="encore@example.net")
    assert "Trop de tentatives" in refused.get_data(as_text=True)
    assert Signature.select().count() == 3


def test_one_address_is_mailed_a_few_times_at_most_whatever_the_campaign(app, htmx, database):
    app.config.update(SIGN_RATE_LIMIT="100 per minute", SIGN_ADDRESS_RATE_LIMIT="2 per hour")
    statuses = [post_signature(htmx, url=url, email="Cible+%d@example.net" % n).status_code
                for n, url in enumerate([DEMO_CYBERACTION, DEMO_PETITION, DEMO_CYBERACTION])]
    assert statuses == [200, 200, 429]


def test_logins_on_one_typed_address_are_capped_known_or_not(app, htmx, database):
    app.config.update(LOGIN_RATE_LIMIT="100 per minute", ACCOUNT_RATE_LIMIT="2 per hour")
    token = csrf_token(htmx, DEMO_CYBERACTION)
    statuses = [htmx.post(f"{DEMO_CYBERACTION}/connexion", data={
        "connexion-csrf_token": token, "connexion-email": "Personne@example.net",
        "connexion-password": "mauvais mot de passe"}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
