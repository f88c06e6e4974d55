"""Signing in real Chromium: htmx swaps without reload, the same form without JavaScript,
inline errors, confirming by the emailed link, and the keyboard and label basics.

INTERPELLE_SCREENSHOTS=/tmp/interpelle-shots also saves desktop and mobile screenshots.
"""
import re

import pytest

from browser_support import expect, menu_entry, nav_item, new_page, screenshot
from conftest import DEMO_CYBERACTION, MEMBER_PASSWORD, make_member
from models import OutboxMessage, Signature

pytestmark = pytest.mark.browser

THANKS = "Merci\u00a0! Il reste une étape."
SUBMIT = "Envoyer mon message"
FORM_FIELDS = ["last_name", "first_name", "email", "postal_code", "city", "country",
               "profession", "address", "newsletter", "hide_identity"]
LETTER_FIELDS = ["letter_subject", "letter_body"]  # inside "Modifier des éléments"
ONE_PARTICIPATION = re.compile(r"^\s*1\s+participation\s*$")
CONFIRMATION_LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


def field(page, label):
    """The signing form's input whose label starts with the seed's word (labels end with
    "(obligatoire)"); the comments' login has a "Courriel" of its own."""
    return page.locator("form#signer").get_by_label(re.compile(rf"^{re.escape(label)}\b"))


def fill_signer(page, email="helene.durand@example.net", postal_code="75011"):
    field(page, "Nom").fill("Durand")
    field(page, "Prénom").fill("Hélène")
    field(page, "Courriel").fill(email)
    field(page, "Code postal").fill(postal_code)
    field(page, "Commune").fill("Paris")


def mark_window(page):
    """A marker that only survives if the page is never reloaded."""
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page, url):
    assert page.evaluate("window.__marker") == 1
    assert page.url == url


def confirmation_path():
    message = OutboxMessage.get(OutboxMessage.category == "confirmation")
    return CONFIRMATION_LINK.search(message.body_text).group(1)


def test_htmx_signing_shows_thanks_in_place_then_emailed_link_confirms_and_counts(
        page, live_server):
    url = live_server.url + DEMO_CYBERACTION
    page.goto(url)
    expect(field(page, "Pays")).to_have_value("FR")
    screenshot(page, "1-campaign")
    mark_window(page)

    fill_signer(page)
    page.get_by_role("button", name=SUBMIT).click()

    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    expect(page.locator("form#signer")).to_have_count(0)
    assert_not_reloaded(page, url)
    screenshot(page, "3-thanks")

    page.goto(live_server.url + confirmation_path())
    expect(page.get_by_text("un dernier clic pour confirmer votre participation")).to_be_visible()
    screenshot(page, "4-confirm")
    page.get_by_role("button", name="Confirmer ma participation").click()

    expect(page.get_by_text("Merci Hélène, votre participation est confirmée\u00a0!")).to_be_visible()
    letter = page.locator(".letter")
    expect(letter).to_contain_text("Hélène Durand")
    expect(letter).to_contain_text("75011 Paris")
    screenshot(page, "5-confirmed")
    expect(page.locator(".counter")).to_have_text(ONE_PARTICIPATION)
    page.goto(url)
    expect(page.locator(".campaign-header .counter")).to_have_text(ONE_PARTICIPATION)


def test_signing_without_javascript_posts_the_form_and_lands_on_thanks_page(
        browser, live_server):
    page = new_page(browser, java_script_enabled=False)
    try:
        page.goto(live_server.url + DEMO_CYBERACTION)
        fill_signer(page)
        page.get_by_role("button", name=SUBMIT).click()

        expect(page).to_have_url(f"{live_server.url}{DEMO_CYBERACTION}/merci")
        expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
        assert OutboxMessage.select().count() == 1
    finally:
        page.context.close()


def test_enter_in_a_field_signs_with_javascript_even_after_the_elus_were_refreshed(
        page, live_server):
    page.goto(live_server.url + DEMO_CYBERACTION)
    mark_window(page)
    fill_signer(page)
    field(page, "Commune").press("Tab")  # the élus list refreshes: its no-script button comes too
    page.wait_for_load_state("networkidle")
    field(page, "Prénom").press("Enter")

    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    assert page.evaluate("window.__marker") == 1
    assert Signature.select().count() == 1


def test_enter_in_a_field_signs_without_javascript_too(browser, live_server):
    page = new_page(browser, java_script_enabled=False)
    try:
        page.goto(live_server.url + DEMO_CYBERACTION)
        fill_signer(page)
        field(page, "Courriel").press("Enter")

        expect(page).to_have_url(f"{live_server.url}{DEMO_CYBERACTION}/merci")
        expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
        assert Signature.select().count() == 1
        # The élus button is still there for those without JavaScript.
        page.goto(live_server.url + DEMO_CYBERACTION)
        expect(page.get_by_role("button", name="Afficher mes élus")).to_be_visible()
    finally:
        page.context.close()


def test_invalid_email_and_postal_code_show_french_errors_in_place_and_keep_input(
        page, live_server):
    url = live_server.url + DEMO_CYBERACTION
    page.goto(url)
    mark_window(page)
    fill_signer(page, email="pas-une-adresse", postal_code="7501")
    page.get_by_role("button", name=SUBMIT).click()

    expect(page.get_by_role("alert")).to_contain_text("Certaines informations sont à corriger")
    email_error = page.get_by_text("Cette adresse électronique n'est pas valide")
    expect(email_error).to_be_visible()
    expect(page.get_by_text("5 chiffres attendus (exemple\u00a0: 75011).")).to_be_visible()
    expect(field(page, "Courriel")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "Courriel")).to_have_accessible_description(re.compile("pas valide"))
    expect(field(page, "Courriel")).to_be_focused()  # the first invalid field takes the focus
    expect(field(page, "Nom")).to_have_value("Durand")
    expect(field(page, "Courriel")).to_have_value("pas-une-adresse")
    assert_not_reloaded(page, url)
    assert OutboxMessage.select().count() == 0
    screenshot(page, "2-errors")

    field(page, "Courriel").fill("helene.durand@example.net")
    field(page, "Code postal").fill("75011")
    page.get_by_role("button", name=SUBMIT).click()

    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    expect(page.locator("#signer")).to_be_focused()  # the thanks message takes the focus
    assert_not_reloaded(page, url)


def test_expired_signing_form_comes_back_as_typed_and_goes_through_when_sent_again(
        page, live_server):
    url = live_server.url + DEMO_CYBERACTION
    page.goto(url)
    mark_window(page)
    fill_signer(page)
    page.get_by_text("Modifier des éléments").click()
    field(page, "Texte du message").fill("Mon texte, écrit avec soin.")
    # As if the page had been open for hours: its token no longer matches.
    page.locator('form#signer input[name="csrf_token"]').evaluate("input => input.value = 'perime'")
    page.get_by_role("button", name=SUBMIT).click()

    expired = page.locator("form#signer .form-error")
    expect(expired).to_contain_text("Le formulaire avait expiré")
    expect(expired).to_be_focused()  # in view, and read out, wherever the button was
    expect(field(page, "Nom")).to_have_value("Durand")
    expect(field(page, "Texte du message")).to_have_value("Mon texte, écrit avec soin.")
    assert Signature.select().count() == 0

    page.get_by_role("button", name=SUBMIT).click()
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    assert Signature.get().letter_body == "Mon texte, écrit avec soin."
    assert_not_reloaded(page, url)


def test_other_forms_keep_what_was_typed_when_their_token_expired(page, live_server):
    make_member(live_server.app)
    url = live_server.url + DEMO_CYBERACTION
    page.goto(url)
    mark_window(page)
    page.locator('form#signer input[name="csrf_token"]').evaluate("input => input.value = 'perime'")
    with page.expect_response(re.compile(r"/apercu$")) as refresh:  # refused: a 400
        field(page, "Prénom").fill("Hélène")
    assert refresh.value.status == 400
    expect(page.locator("#recap")).to_contain_text("Récapitulatif du message")  # not swapped away

    page.get_by_text("J'ai un compte").click()
    login = page.locator("#connexion-campagne")
    login.get_by_label(re.compile(r"^Adresse électronique")).fill("membre@example.net")
    login.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
    login.locator('input[name$="csrf_token"]').evaluate("input => input.value = 'perime'")
    login.get_by_role("button", name="Connexion").click()

    notice = page.locator(".request-notice")
    expect(notice).to_contain_text("Le formulaire avait expiré")
    expect(notice).to_be_focused()
    expect(login.get_by_label(re.compile(r"^Adresse électronique"))).to_have_value(
        "membre@example.net")
    login.get_by_role("button", name="Connexion").click()  # the fresh token is in place
    expect(page.get_by_role("button", name="Je signe en un clic")).to_be_visible()
    expect(page.locator(".request-notice")).to_have_count(0)  # the answer retired it
    assert_not_reloaded(page, url)


def test_server_out_of_reach_keeps_the_form_and_says_so(page, live_server):
    page.goto(live_server.url + DEMO_CYBERACTION)
    fill_signer(page)
    live_server.stop()
    page.get_by_role("button", name=SUBMIT).click()

    notice = page.locator(".request-notice")
    expect(notice).to_contain_text("Le serveur n'a pas répondu")
    expect(notice).to_contain_text("Rien n'est perdu")
    expect(field(page, "Courriel")).to_have_value("helene.durand@example.net")


def test_every_form_control_has_a_label(page, live_server):
    page.goto(live_server.url + DEMO_CYBERACTION)
    # The honeypot (hidden from everyone, labelled all the same) is not a control of theirs.
    controls = page.locator("form#signer").locator(
        "input:not([type=hidden]):not([name=site_web]), select, textarea")
    assert controls.count() == len(FORM_FIELDS) + len(LETTER_FIELDS)
    unlabelled = controls.evaluate_all(
        "controls => controls.filter(c => !c.labels || c.labels.length === 0).map(c => c.id)")
    assert unlabelled == []
    page.get_by_text("Modifier des éléments").click()  # open the letter fields too
    for index in range(controls.count()):
        expect(controls.nth(index)).to_have_accessible_name(re.compile(r"\w"))


def test_untouched_form_does_not_announce_its_fields_as_invalid(page, live_server):
    page.goto(live_server.url + DEMO_CYBERACTION)
    for name in ["Nom", "Courriel", "Profession"]:
        expect(field(page, name)).not_to_have_attribute("aria-invalid", re.compile("."))
        expect(field(page, name)).not_to_have_attribute("aria-describedby", re.compile("."))


def test_keyboard_reaches_every_field_in_order_then_the_submit_button(page, live_server):
    page.goto(live_server.url + DEMO_CYBERACTION)
    submit = page.get_by_role("button", name=SUBMIT)
    focused_ids = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if submit.evaluate("button => button === document.activeElement"):
            break
        focused_ids.append(page.evaluate("document.activeElement.id"))
    expect(submit).to_be_focused()
    assert [i for i in focused_ids if i in FORM_FIELDS] == FORM_FIELDS
    outline = submit.evaluate("b => getComputedStyle(b).outlineStyle")
    assert outline != "none", "the focused submit button shows no focus ring"


def test_postal_code_commune_edit_letter_and_copy_depute(page, live_server):
    """Issue 3 end to end: the commune list, the élus, the edited letter in the récapitulatif."""
    url = live_server.url + DEMO_CYBERACTION
    page.goto(url)
    mark_window(page)
    field(page, "Nom").fill("Durand")
    field(page, "Prénom").fill("Hélène")
    field(page, "Courriel").fill("helene.durand@example.net")
    field(page, "Code postal").fill("75011")
    expect(page.locator("#communes option[value='Paris 11e Arrondissement']")).to_have_count(1)
    field(page, "Commune").fill("Paris")
    field(page, "Commune").press("Tab")

    camille = page.get_by_label(re.compile("Camille Fictif"))
    expect(camille).to_be_visible()
    expect(page.get_by_label(re.compile("Dominique Exemple"))).to_be_visible()
    camille.check()

    page.get_by_text("Modifier des éléments").click()
    field(page, "Objet").fill("Gardez nos données en Europe")
    field(page, "Texte du message").fill("Madame, Monsieur,\n\nMon propre texte.")
    recap = page.locator("#recap")
    expect(recap).to_contain_text("Gardez nos données en Europe")
    expect(recap).to_contain_text("Mon propre texte.")
    expect(recap).to_contain_text("camille.fictif@example.org")
    expect(recap).to_contain_text("75011 Paris")
    screenshot(page, "6-letter-edit")

    page.get_by_role("button", name=SUBMIT).click()
    expect(page.locator("#signer")).to_contain_text(THANKS)
    assert_not_reloaded(page, url)
    signature = Signature.get()
    assert signature.letter_subject == "Gardez nos données en Europe"
    assert signature.cc_addrs == "camille.fictif@example.org"


def test_member_logs_in_inline_signs_in_one_click_then_logs_out(page, live_server):
    """Issue 4 end to end: J'ai un compte on the campaign page, one click, the counter moves."""
    make_member(live_server.app)
    url = live_server.url + DEMO_CYBERACTION
    page.goto(url)
    mark_window(page)
    page.get_by_text("J'ai un compte").click()
    login = page.locator("#connexion-campagne")
    login.get_by_label(re.compile(r"^Adresse électronique")).fill("membre@example.net")
    login.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
    login.get_by_role("button", name="Connexion").click()

    one_click = page.get_by_role("button", name="Je signe en un clic")
    expect(one_click).to_be_visible()
    expect(nav_item(page, "Mon profil")).to_be_attached()
    expect(page.locator("#signer")).to_contain_text("Camille Martin")
    screenshot(page, "7-member")
    one_click.click()

    expect(page.locator("#signer")).to_contain_text("votre participation est enregistrée")
    expect(page.locator(".counter").first).to_have_text(ONE_PARTICIPATION)
    assert_not_reloaded(page, url)

    menu_entry(page, "Déconnexion", role="button").click()
    expect(nav_item(page, "Connexion")).to_be_attached()
    page.goto(live_server.url + "/compte")
    expect(page).to_have_url(re.compile(r"/connexion"))


def test_member_comments_moderator_hides_in_place_then_restores(browser, page, live_server):
    """Issue 5 end to end: a comment appears without reload, a moderator hides it in place,
    the public no longer sees it, the moderator restores it."""
    make_member(live_server.app)
    make_member(live_server.app, email="moderatrice@example.net", role="moderator",
                first_name="Mona", last_name="Dératrice")
    url = live_server.url + DEMO_CYBERACTION

    def log_in_as(tab, email):
        tab.goto(live_server.url + "/connexion")
        tab.get_by_label(re.compile(r"^Adresse électronique")).fill(email)
        tab.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
        tab.get_by_role("button", name="Connexion").click()
        expect(nav_item(tab, "Mon profil")).to_be_attached()
        tab.goto(url)

    log_in_as(page, "membre@example.net")
    mark_window(page)
    page.get_by_label(re.compile(r"^Votre commentaire")).fill(
        "Bravo pour cette campagne.\nDétails : https://exemple.org/source")
    page.get_by_role("button", name="Publier").click()
    comment = page.locator("#commentaires-liste > li.comment").first
    expect(comment).to_contain_text("Bravo pour cette campagne.")
    expect(comment).to_contain_text("Camille M.")
    expect(comment.get_by_role("link", name="https://exemple.org/source")).to_have_attribute(
        "rel", "nofollow ugc noopener")
    expect(page.locator("#commentaires-compte")).to_have_text(
        re.compile(r"^\s*1\s+commentaire\s*$"))
    expect(page.get_by_label(re.compile(r"^Votre commentaire"))).to_have_value("")
    assert_not_reloaded(page, url)
    page.locator("#commentaires").scroll_into_view_if_needed()
    screenshot(page, "8-comments-member")

    moderator = new_page(browser)
    log_in_as(moderator, "moderatrice@example.net")
    mark_window(moderator)
    item = moderator.locator("#commentaires-liste > li.comment").first
    item.get_by_text("Masquer", exact=True).click()
    item.get_by_label(re.compile(r"^Raison du masquage")).fill("Hors sujet")
    item.get_by_role("button", name="Masquer le commentaire").click()
    hidden = moderator.locator("#commentaires-liste > li.comment-hidden")
    expect(hidden).to_contain_text("Masqué par Mona D.")
    expect(hidden).to_contain_text("Hors sujet")
    expect(hidden).to_contain_text("Bravo pour cette campagne.")
    expect(moderator.locator("#commentaires-compte")).to_contain_text("Aucun commentaire")
    assert_not_reloaded(moderator, url)
    screenshot(moderator, "9-comments-moderator")

    public = new_page(browser)
    public.goto(url)
    expect(public.locator("#commentaires-compte")).to_contain_text("Aucun commentaire")
    expect(public.locator("#commentaires")).not_to_contain_text("Bravo pour cette campagne.")
    expect(public.locator("#commentaires")).to_contain_text(
        "Vous devez posséder un compte pour pouvoir poster un commentaire")

    hidden.get_by_role("button", name="Rétablir").click()
    restored = moderator.locator("#commentaires-liste > li.comment").first
    expect(restored).not_to_have_class(re.compile("comment-hidden"))
    expect(moderator.locator("#commentaires-compte")).to_contain_text("1 commentaire")
    assert_not_reloaded(moderator, url)
    public.reload()
    expect(public.locator("#commentaires")).to_contain_text("Bravo pour cette campagne.")
    moderator.context.close()
    public.context.close()
