"""The main flows in real Chromium, in English: a browser that asks for English, and a
French one that presses the switch. With JavaScript and without, at 375 px and 1280 px.

The French flows are in test_browser.py, test_browser_admin.py and test_browser_feedback.py.
"""
import re

import pytest

from browser_support import (DESKTOP, PHONE, expect, field, latest_confirmation_path, nav_item,
                             new_page)
from conftest import DEMO_CYBERACTION, DEMO_PETITION, MEMBER_PASSWORD, make_member
from models import Campaign, Comment, Signature

pytestmark = pytest.mark.browser

SETUPS = [(True, DESKTOP), (True, PHONE), (False, DESKTOP), (False, PHONE)]
SETUP_IDS = ["js-1280", "js-375", "nojs-1280", "nojs-375"]
PROPOSAL = {"title": "Protect the hedgehogs of our towns", "summary": "Hedgehogs need hedges.",
            "body": "Hedgehogs cross our roads at night.",
            "targets": "Town hall <contact@town.example.org>", "letter_subject": "Hedgehogs",
            "letter_body": "Dear Mayor,\n\nPlease plant hedges."}
PROPOSE_BUTTON = "Send the proposal"
PROPOSAL_SENT = "Thank you: your proposal has been passed on to the moderators."


def english_tab(browser, setup):
    javascript, viewport = setup
    return new_page(browser, viewport, locale="en-GB", java_script_enabled=javascript)


@pytest.fixture(params=SETUPS, ids=SETUP_IDS)
def english_page(request, browser):
    page = english_tab(browser, request.param)
    yield page
    page.context.close()


@pytest.fixture(params=SETUPS[::3], ids=SETUP_IDS[::3])
def english_page_two_ways(request, browser):
    """JavaScript at 1280 px, none at 375 px: for the longer flows."""
    page = english_tab(browser, request.param)
    yield page
    page.context.close()


def labelled(page, label):
    """A control by its exact English label, with or without the "* (required)" mark."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\*\s*\(required\))?$"))


def fill_signer(page, email="helene.durand@example.net"):
    form = page.locator("form#signer")
    for label, value in [("Last name", "Durand"), ("First name", "Hélène"), ("Email", email),
                         ("Postcode", "75011"), ("Town", "Paris")]:
        field(form, label).fill(value)
    return form


def log_in(page, base_url, email="membre@example.net"):
    page.goto(base_url + "/connexion")
    form = page.locator("form#connexion")
    field(form, "Email address").fill(email)
    field(form, "Password").fill(MEMBER_PASSWORD)
    form.get_by_role("button", name="Log in").click()
    expect(nav_item(page, "My profile")).to_be_attached()


def test_signing_then_confirming_in_english(english_page, live_server):
    page = english_page
    page.goto(live_server.url + DEMO_CYBERACTION)
    expect(page.get_by_role("heading", name="Sign without an account")).to_be_visible()
    fill_signer(page)
    page.get_by_role("button", name="Send my message").click()
    expect(page.get_by_role("heading", name="Thank you! One step left.")).to_be_visible()
    if not page.javascript:
        expect(page).to_have_url(f"{live_server.url}{DEMO_CYBERACTION}/merci")
    assert Signature.get().language == "en"

    page.goto(live_server.url + latest_confirmation_path())
    expect(page.get_by_text("one last click to confirm your participation")).to_be_visible()
    page.get_by_role("button", name="Confirm my participation").click()
    expect(page.get_by_text("Thank you Hélène, your participation is confirmed!")).to_be_visible()
    expect(page.locator(".counter").first).to_have_text(re.compile(r"^\s*1\s+participation\s*$"))


def test_signing_with_an_edited_letter_and_errors_first_in_english(english_page, live_server):
    page = english_page
    page.goto(live_server.url + DEMO_CYBERACTION)
    form = fill_signer(page, email="not-an-address")
    page.get_by_text("Edit parts of the message").click()
    field(form, "Subject").fill("Keep our data in Europe")
    page.get_by_role("button", name="Send my message").click()
    expect(page.get_by_text("This email address is not valid")).to_be_visible()
    form = page.locator("form#signer")
    expect(field(form, "Subject")).to_have_value("Keep our data in Europe")
    field(form, "Email").fill("helene.durand@example.net")
    form.get_by_role("button", name="Send my message").last.click()
    expect(page.get_by_role("heading", name="Thank you! One step left.")).to_be_visible()
    assert Signature.get().letter_subject == "Keep our data in Europe"


def test_a_petition_is_signed_in_english(english_page_two_ways, live_server):
    page = english_page_two_ways
    page.goto(live_server.url + DEMO_PETITION)
    fill_signer(page)
    page.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", name="Thank you! One step left.")).to_be_visible()


def test_a_member_logs_in_comments_and_a_moderator_hides_it_in_english(
        english_page_two_ways, browser, live_server):
    page = english_page_two_ways
    make_member(live_server.app)
    make_member(live_server.app, email="moderatrice@example.net", role="moderator",
                first_name="Mona", last_name="Dératrice")
    log_in(page, live_server.url)
    page.goto(live_server.url + DEMO_CYBERACTION)
    page.get_by_label(re.compile(r"^Your comment")).fill("Well done, this matters.")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#commentaires-liste > li.comment").first).to_contain_text(
        "Well done, this matters.")
    expect(page.get_by_text("Your comment is published.")).to_be_visible()

    moderator = new_page(browser, locale="en-GB", java_script_enabled=page.javascript)
    try:
        log_in(moderator, live_server.url, "moderatrice@example.net")
        moderator.goto(live_server.url + DEMO_CYBERACTION)
        item = moderator.locator("#commentaires-liste > li.comment").first
        item.get_by_text("Hide", exact=True).click()
        item.get_by_label(re.compile(r"^Reason for hiding")).fill("Off topic")
        item.get_by_role("button", name="Hide the comment").click()
        expect(moderator.get_by_text(re.compile(r"Hidden by Mona D\."))).to_be_visible()
    finally:
        moderator.context.close()
    assert Comment.get().hidden_at is not None


def test_a_member_proposes_a_campaign_in_english(english_page_two_ways, live_server):
    page = english_page_two_ways
    make_member(live_server.app)
    log_in(page, live_server.url)
    page.goto(live_server.url + "/proposer")
    expect(page.get_by_role("heading", name="Propose a campaign", exact=True)).to_be_visible()
    form = page.locator("#proposition form")
    for name, value in PROPOSAL.items():
        form.locator(f"[name={name}]").fill(value)
    form.get_by_role("button", name=PROPOSE_BUTTON).click()
    expect(page.get_by_role("status").first).to_contain_text(PROPOSAL_SENT)
    assert Campaign.get(Campaign.title == PROPOSAL["title"]).status == Campaign.PROPOSED


def test_an_admin_creates_and_publishes_a_campaign_in_english(
        english_page_two_ways, live_server):
    page = english_page_two_ways
    make_member(live_server.app, email="admin@example.net", role="admin")
    log_in(page, live_server.url, "admin@example.net")
    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="New campaign").click()
    for label, value in [("Title", "Protect the hedgehogs"), ("Page address", "protect-the-hedgehogs"),
                         ("Proposed by", "Friends of hedgehogs"),
                         ("Summary", "Hedgehogs need hedges."),
                         ("Text", "Hedgehogs cross our roads at night."),
                         ("Recipients", "Ministry <ministry@example.org>"),
                         ("Subject of the message", "Hedgehogs"),
                         ("Text of the message", "Dear Minister,\n\nPlease protect them.")]:
        labelled(page, label).fill(value)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("The campaign is saved.")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("The campaign is published.")
    assert Campaign.get(Campaign.slug == "protect-the-hedgehogs").status == Campaign.PUBLISHED


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_switch_turns_a_french_browser_to_english_and_is_remembered(
        browser, live_server, javascript):
    page = new_page(browser, locale="fr-FR", java_script_enabled=javascript)
    try:
        page.goto(live_server.url + DEMO_CYBERACTION)
        expect(page.get_by_role("heading", name="Je signe sans compte")).to_be_visible()
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", name="Sign without an account")).to_be_visible()
        expect(page).to_have_url(live_server.url + DEMO_CYBERACTION)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.goto(live_server.url + "/petitions")
        expect(page.get_by_role("button", name="Français")).to_be_visible()
        page.get_by_role("button", name="Français").click()
        expect(page.locator("html")).to_have_attribute("lang", "fr")
    finally:
        page.context.close()
