"""The main flows in French on a 375 px phone, with JavaScript and without: sign (with the
letter edited and not) and confirm, log in, comment and moderate, propose. Proposing is
also run at 1280 px. The same flows at 1280 px are in test_browser.py, the admin's in
test_browser_admin.py (both widths) and the English ones in test_browser_english.py.
"""
import re

import pytest

from browser_support import (DESKTOP, PHONE, expect, field, fill_signing_form,
                             latest_confirmation_path, menu_entry, nav_item, new_page)
from conftest import DEMO_CYBERACTION, DEMO_PETITION, MEMBER_PASSWORD, make_member
from models import Campaign, Comment, Signature

pytestmark = pytest.mark.browser

THANKS = "Merci\u00a0! Il reste une étape."
SUBMIT = "Envoyer mon message"
ONE_PARTICIPATION = re.compile(r"^\s*1\s+participation\s*$")
PROPOSAL = {"title": "Protégeons les hérissons de nos villes",
            "summary": "Les hérissons ont besoin de haies.",
            "body": "Les hérissons traversent nos routes la nuit.",
            "targets": "Mairie <contact@mairie.example.org>", "letter_subject": "Hérissons",
            "letter_body": "Madame la Maire,\n\nPlantez des haies, s'il vous plaît."}


@pytest.fixture(params=[True, False], ids=["js-375", "nojs-375"])
def phone(request, browser):
    page = new_page(browser, PHONE, java_script_enabled=request.param)
    yield page
    page.context.close()


def log_in(page, base_url, email="membre@example.net"):
    """Connexion from the phone's menu, as a person would reach it."""
    page.goto(base_url + "/")
    menu_entry(page, "Connexion").click()
    form = page.locator("form#connexion")
    field(form, "Adresse électronique").fill(email)
    field(form, "Mot de passe").fill(MEMBER_PASSWORD)
    form.get_by_role("button", name="Connexion").click()
    expect(nav_item(page, "Mon profil")).to_be_attached()


def assert_fits_the_screen(page):
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_signing_then_confirming_on_a_phone(phone, live_server):
    page = phone
    page.goto(live_server.url + DEMO_CYBERACTION)
    expect(page.get_by_role("heading", name="Je signe sans compte")).to_be_visible()
    assert_fits_the_screen(page)
    fill_signing_form(page)
    page.get_by_role("button", name=SUBMIT).click()
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    if not page.javascript:
        expect(page).to_have_url(f"{live_server.url}{DEMO_CYBERACTION}/merci")
    assert Signature.get().language == "fr"

    page.goto(live_server.url + latest_confirmation_path())
    expect(page.get_by_text("un dernier clic pour confirmer votre participation")).to_be_visible()
    page.get_by_role("button", name="Confirmer ma participation").click()
    expect(page.get_by_text("Merci Hélène, votre participation est confirmée\u00a0!")).to_be_visible()
    expect(page.locator(".counter").first).to_have_text(ONE_PARTICIPATION)
    assert_fits_the_screen(page)


def test_signing_with_an_edited_letter_after_an_error_on_a_phone(phone, live_server):
    page = phone
    page.goto(live_server.url + DEMO_CYBERACTION)
    form = fill_signing_form(page, email="pas-une-adresse")
    page.get_by_text("Modifier des éléments").click()
    field(form, "Objet").fill("Gardez nos données en Europe")
    page.get_by_role("button", name=SUBMIT).click()
    expect(page.get_by_text("Cette adresse électronique n'est pas valide")).to_be_visible()
    form = page.locator("form#signer")
    expect(field(form, "Objet")).to_have_value("Gardez nos données en Europe")
    expect(field(form, "Nom")).to_have_value("Durand")
    field(form, "Courriel").fill("helene.durand@example.net")
    form.get_by_role("button", name=SUBMIT).last.click()
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    assert Signature.get().letter_subject == "Gardez nos données en Europe"


def test_a_petition_is_signed_on_a_phone(phone, live_server):
    page = phone
    page.goto(live_server.url + DEMO_PETITION)
    fill_signing_form(page)
    page.get_by_role("button", name="Signer la pétition").click()
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    assert Signature.select().count() == 1


def test_a_member_logs_in_comments_and_a_moderator_hides_it_on_a_phone(
        phone, browser, live_server):
    page = phone
    make_member(live_server.app)
    make_member(live_server.app, email="moderatrice@example.net", role="moderator",
                first_name="Mona", last_name="Dératrice")
    log_in(page, live_server.url)
    page.goto(live_server.url + DEMO_CYBERACTION)
    page.get_by_label(re.compile(r"^Votre commentaire")).fill("Bravo, c'est important.")
    page.get_by_role("button", name="Publier").click()
    expect(page.locator("#commentaires-liste > li.comment").first).to_contain_text(
        "Bravo, c'est important.")
    expect(page.get_by_text("Votre commentaire est publié.")).to_be_visible()

    moderator = new_page(browser, PHONE, java_script_enabled=page.javascript)
    try:
        log_in(moderator, live_server.url, "moderatrice@example.net")
        moderator.goto(live_server.url + DEMO_CYBERACTION)
        item = moderator.locator("#commentaires-liste > li.comment").first
        item.get_by_text("Masquer", exact=True).click()
        item.get_by_label(re.compile(r"^Raison du masquage")).fill("Hors sujet")
        item.get_by_role("button", name="Masquer le commentaire").click()
        expect(moderator.get_by_text(re.compile(r"Masqué par Mona D\."))).to_be_visible()
        assert_fits_the_screen(moderator)
    finally:
        moderator.context.close()
    assert Comment.get().hidden_at is not None


def test_a_member_logs_in_on_the_campaign_page_and_signs_in_one_click_on_a_phone(
        phone, live_server):
    page = phone
    make_member(live_server.app)
    page.goto(live_server.url + DEMO_CYBERACTION)
    page.get_by_text("J'ai un compte").click()
    login = page.locator("#connexion-campagne")
    field(login, "Adresse électronique").fill("membre@example.net")
    field(login, "Mot de passe").fill(MEMBER_PASSWORD)
    login.get_by_role("button", name="Connexion").click()
    page.get_by_role("button", name="Je signe en un clic").click()
    # In place with JavaScript; without, the page comes back with a message at its top.
    expect(page.get_by_text("votre participation est enregistrée").first).to_be_visible()
    expect(page.locator(".counter").first).to_have_text(ONE_PARTICIPATION)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_member_proposes_a_campaign(browser, live_server, javascript, viewport):
    page = new_page(browser, viewport, java_script_enabled=javascript)
    try:
        make_member(live_server.app)
        log_in(page, live_server.url)
        page.goto(live_server.url + "/")
        menu_entry(page, "Proposer").click()
        expect(page.get_by_role("heading", name="Proposer une campagne", exact=True)).to_be_visible()
        form = page.locator("#proposition form")
        for name, value in PROPOSAL.items():
            form.locator(f"[name={name}]").fill(value)
        form.get_by_role("button", name="Envoyer la proposition").click()
        expect(page.get_by_role("status").first).to_contain_text(
            re.compile(r"Merci\s?: votre proposition est transmise aux modérateurs\."))
    finally:
        page.context.close()
    assert Campaign.get(Campaign.title == PROPOSAL["title"]).status == Campaign.PROPOSED
