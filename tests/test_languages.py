"""French by default, English by the browser's Accept-Language or by the remembered switch."""
import re

import pytest

from conftest import CSRF_INPUT, DEMO_CYBERACTION, log_in, make_member
from models import User

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def html_lang(response):
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def switch_language(client, language, next_page="/"):
    token = CSRF_INPUT.search(client.get(next_page).get_data(as_text=True)).group(1)
    return client.post("/langue", data={"csrf_token": token, "langue": language,
                                        "next": next_page})


def test_french_without_preference(client):
    response = client.get("/")
    assert html_lang(response) == "fr"
    assert "Aller au contenu" in response.get_data(as_text=True)


def test_english_for_a_browser_that_asks_for_it(client):
    response = client.get("/", headers=ENGLISH)
    page = response.get_data(as_text=True)
    assert html_lang(response) == "en"
    assert "Skip to content" in page and "Aller au contenu" not in page
    assert "Accept-Language" in response.headers["Vary"]


def test_french_first_in_the_browser_wins(client):
    response = client.get("/", headers={"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.8"})
    assert html_lang(response) == "fr"


def test_a_language_the_site_lacks_gives_french(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE,de"})) == "fr"


def test_the_switch_is_remembered_and_beats_the_browser(client):
    response = switch_language(client, "en", DEMO_CYBERACTION)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(DEMO_CYBERACTION)
    assert html_lang(client.get("/")) == "en"
    switch_language(client, "fr")
    assert html_lang(client.get("/", headers=ENGLISH)) == "fr"


def test_the_switch_needs_its_csrf_token(client):
    assert client.post("/langue", data={"langue": "en"}).status_code == 400


def test_the_switch_never_sends_elsewhere(client):
    token = CSRF_INPUT.search(client.get("/").get_data(as_text=True)).group(1)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/langue", data={"csrf_token": token, "langue": "en",
                                                "next": target})
        assert response.headers["Location"] in ("/", "http://localhost/")


def test_an_unknown_language_changes_nothing(client):
    switch_language(client, "xx")
    assert html_lang(client.get("/")) == "fr"


def test_a_members_choice_is_kept_on_the_account(app, client):
    member = make_member(app)
    log_in(client)
    switch_language(client, "en")
    with app.app_context():
        assert User.get_by_id(member.id).language == "en"


def test_cached_pages_are_kept_per_language(app, client):
    app.config["PAGE_CACHE_SECONDS"] = 60
    french = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    english = client.get(DEMO_CYBERACTION, headers=ENGLISH).get_data(as_text=True)
    assert "Aller au contenu" in french
    assert "Skip to content" in english
    assert "Aller au contenu" in client.get(DEMO_CYBERACTION).get_data(as_text=True)


@pytest.mark.parametrize("language, expected", [("fr", "1\u202f718"), ("en", "1,718")])
def test_numbers_are_grouped_as_each_language_writes_them(app, language, expected):
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert app.jinja_env.filters["thousands"](1718) == expected


@pytest.mark.parametrize("language, expected", [("fr", "2 décembre 2026"),
                                                ("en", "December 2, 2026")])
def test_dates_are_written_as_each_language_writes_them(app, language, expected):
    import datetime as dt
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert app.jinja_env.filters["local_date"](dt.datetime(2026, 12, 2, 12)) == expected


@pytest.mark.parametrize("language, expected", [("fr", "03/12/2026"), ("en", "Dec 3, 2026")])
def test_short_dates_of_the_dashboard_are_written_as_each_language_writes_them(
        app, language, expected):
    import datetime as dt
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert app.jinja_env.filters["short_date"](dt.date(2026, 12, 3)) == expected


@pytest.mark.parametrize("language, expected", [("fr", ["1re", "2e", "11e"]),
                                                ("en", ["1st", "2nd", "11th"])])
def test_ordinals(app, language, expected):
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert [app.jinja_env.filters["ordinal"](n) for n in (1, 2, 11)] == expected
