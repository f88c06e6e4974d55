"""Running a campaign in real Chromium, with JavaScript on and off, on a 1280 px screen and
a 375 px phone: an admin creates it,
previews it and publishes it; a visitor signs it and the letter reaches its new target
through a real SMTP server; the admin closes it and it joins the Bilans.

INTERPELLE_SCREENSHOTS=/tmp/interpelle-shots also saves desktop and mobile screenshots.
"""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from browser_support import (DESKTOP, PHONE, expect, live_demo_server, menu_entry, new_page,
                             screenshot)
from conftest import MEMBER_PASSWORD, make_member
from services import outbox

pytestmark = pytest.mark.browser

ADMIN = "admin@example.net"
TITLE = "Nos données de santé en Europe"
SLUG = "donnees-de-sante-en-europe"
PUBLIC_PATH = f"/cyberactions/{SLUG}"
TARGET = "Cabinet de la ministre <cabinet@example.org>"
SUBJECT = "Hébergez nos données de santé en Europe"
LETTER = ("Madame la Ministre,\n\nNos données de santé doivent rester hébergées en Europe, "
          "sous le seul droit européen.\n\nJe compte sur votre décision.")
BODY = ("Le **Health Data Hub** est hébergé par une entreprise soumise au droit américain.\n\n"
        "- les données de millions de patients\n- aucun contrôle européen réel")
BILAN = "La ministre a annoncé un **appel d'offres européen**."
THANKS = "Merci\u00a0! Il reste une étape."
CONFIRMATION_LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def server(tmp_path, smtp_server):
    """The demo site on its own SQLite file, mailing through the test's SMTP server."""
    with live_demo_server(tmp_path, MAIL_SERVER="127.0.0.1",
                          MAIL_PORT=smtp_server.port) as live:
        yield live


def labelled(page, label):
    """A form control by its exact label, whether or not it is marked required ("*", read
    out as "(obligatoire)")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\*\s*\(obligatoire\))?$"))


def paris_time(delta):
    """A datetime-local value, in Paris time as the form takes it, `delta` from now."""
    return (dt.datetime.now(PARIS) + delta).strftime("%Y-%m-%dT%H:%M")


def log_in_as_admin(page, server):
    make_member(server.app, email=ADMIN, role="admin", first_name="Alix", last_name="Dmin")
    page.goto(server.url + "/connexion")
    labelled(page, "Adresse électronique").fill(ADMIN)
    labelled(page, "Mot de passe").fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    menu_entry(page, "Administration").click()
    expect(page.get_by_role("heading", name="Campagnes", exact=True)).to_be_visible()


def fill_campaign_form(page):
    """Every field of the campaign form, found by its label."""
    labelled(page, "Type").select_option(label="Cyberaction")
    labelled(page, "Titre").fill(TITLE)
    labelled(page, "Adresse de la page").fill(SLUG)
    labelled(page, "Mots-clés").fill("santé, données, souveraineté")
    labelled(page, "Résumé").fill("Demandons que nos données de santé restent en Europe.")
    labelled(page, "Texte").fill(BODY)
    labelled(page, "Sources").fill("Rapport de la CNIL https://example.org/rapport-cnil")
    labelled(page, "Proposée par").fill("Collectif Santé Libre")
    labelled(page, "Destinataires").fill(TARGET)
    labelled(page, "Objet du message").fill(SUBJECT)
    labelled(page, "Texte du message").fill(LETTER)
    labelled(page, "Les signataires peuvent modifier le message").check()
    labelled(page, "Copie au député").check()
    labelled(page, "Mise en ligne le").fill(paris_time(-dt.timedelta(hours=1)))
    labelled(page, "Date de clôture").fill(paris_time(dt.timedelta(days=30)))
    labelled(page, "Objectif").fill("100")
    labelled(page, "Bilan").fill(BILAN)


def create_preview_and_publish(browser, page, server, mode):
    """Nouvelle campagne, Enregistrer, Aperçu (not public yet), then Publier."""
    page.get_by_role("link", name="Nouvelle campagne").click()
    fill_campaign_form(page)
    screenshot(page, f"admin-{mode}-1-form")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(re.compile(r"/admin/campagnes/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("La campagne est enregistrée.")
    expect(labelled(page, "Titre")).to_have_value(TITLE)

    page.get_by_role("button", name="Aperçu").click()
    expect(page).to_have_url(re.compile(r"/admin/campagnes/\d+/apercu$"))
    expect(page.get_by_role("note", name="Aperçu")).to_contain_text(
        "cette page n'est pas encore publique")
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.locator(".prose strong", has_text="Health Data Hub")).to_be_visible()
    expect(page.locator(".prose li")).to_have_count(2)
    screenshot(page, f"admin-{mode}-2-preview")
    assert_not_public_yet(browser, server)

    page.get_by_role("link", name="Revenir au formulaire").click()
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("status")).to_contain_text("La campagne est publiée.")
    expect(page.locator(".campaign-summary-line .campaign-state")).to_have_text("Publiée")


def assert_not_public_yet(browser, server):
    anonymous = new_page(browser)
    try:
        assert anonymous.goto(server.url + PUBLIC_PATH).status == 404
        # The home page, not /cyberactions: the lists are cached for a few seconds, and
        # the visitor must find it there right after it is published.
        anonymous.goto(server.url + "/")
        expect(anonymous.get_by_role("heading", name="Campagnes en cours")).to_be_visible()
        expect(anonymous.get_by_role("link", name=TITLE)).to_have_count(0)
    finally:
        anonymous.context.close()


def signing_field(page, label):
    """The signing form's control whose label starts with the seed's word."""
    return page.locator("form#signer").get_by_label(re.compile(rf"^{re.escape(label)}\b"))


def find_and_sign(visitor, server):
    """The visitor finds the campaign on the home page and its list, then signs it."""
    visitor.goto(server.url + "/")
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()
    visitor.goto(server.url + "/cyberactions")
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor).to_have_url(server.url + PUBLIC_PATH)
    expect(visitor.locator("#recap")).to_contain_text("cabinet@example.org")
    signing_field(visitor, "Nom").fill("Durand")
    signing_field(visitor, "Prénom").fill("Hélène")
    signing_field(visitor, "Courriel").fill("helene.durand@example.net")
    signing_field(visitor, "Code postal").fill("75011")
    signing_field(visitor, "Commune").fill("Paris")
    signing_field(visitor, "Profession").fill("Enseignante")
    visitor.get_by_role("button", name="Envoyer mon message").click()
    expect(visitor.get_by_role("heading", name=THANKS)).to_be_visible()


def deliver(server):
    """What the worker process does: send everything due in the outbox."""
    with server.app.app_context():
        outbox.drain()


def confirm_from_mailbox(visitor, server, mailbox):
    """Follow the link of the confirmation email the SMTP server received."""
    deliver(server)
    (confirmation,) = mailbox.messages
    assert confirmation["To"] == "helene.durand@example.net"
    text = confirmation.get_body(("plain",)).get_content()
    visitor.goto(server.url + CONFIRMATION_LINK.search(text).group(1))
    visitor.get_by_role("button", name="Confirmer ma participation").click()
    expect(visitor.get_by_text("votre participation est confirmée")).to_be_visible()


def assert_letter_reached_target(server, smtp_server):
    deliver(server)
    confirmation, letter = smtp_server.mailbox.messages
    assert smtp_server.mailbox.envelopes[-1].rcpt_tos == ["cabinet@example.org"]
    assert [address.addr_spec for address in letter["To"].addresses] == ["cabinet@example.org"]
    assert letter["From"].addresses[0].display_name == "Hélène Durand via Interpelle"
    assert letter["Reply-To"] == "helene.durand@example.net"
    assert letter["Subject"] == SUBJECT
    body = letter.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Nos données de santé doivent rester hébergées en Europe" in body
    assert "Hélène Durand" in body


def dashboard_then_close(page, mode):
    """The dashboard counts the confirmed participation; Clôturer on the form."""
    page.get_by_role("link", name="Tableau de bord").click()
    confirmed = page.locator(".stat").filter(has=page.locator("dt", has_text=re.compile(
        r"^Confirmées$")))
    expect(confirmed.locator("dd")).to_have_text("1")
    screenshot(page, f"admin-{mode}-3-dashboard")
    page.get_by_role("link", name="Modifier", exact=True).click()
    page.get_by_role("button", name="Clôturer").click()
    expect(page.get_by_role("status")).to_contain_text("La campagne est close")
    expect(page.locator(".campaign-summary-line .campaign-state")).to_have_text("Close")


def assert_in_bilans_and_closed(visitor, server, mode):
    visitor.goto(server.url + "/bilans")
    item = visitor.locator("article.bilan-item", has=visitor.get_by_role("link", name=TITLE))
    expect(item).to_contain_text("1 sur un objectif de 100")
    expect(item.locator("strong", has_text="appel d'offres européen")).to_be_visible()
    screenshot(visitor, f"admin-{mode}-4-bilans")
    item.get_by_role("link", name=TITLE).click()
    expect(visitor).to_have_url(server.url + PUBLIC_PATH)
    expect(visitor.locator("#signer")).to_contain_text("Cette campagne est close")
    expect(visitor.locator("form#signer")).to_have_count(0)
    expect(visitor.get_by_role("button", name="Envoyer mon message")).to_have_count(0)
    screenshot(visitor, f"admin-{mode}-5-closed")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_admin_creates_previews_publishes_a_visitor_signs_then_it_closes_into_bilans(
        browser, server, smtp_server, javascript, viewport):
    mode = f"{'js' if javascript else 'nojs'}-{viewport['width']}"
    admin = new_page(browser, viewport, java_script_enabled=javascript)
    visitor = new_page(browser, viewport, java_script_enabled=javascript)
    try:
        log_in_as_admin(admin, server)
        create_preview_and_publish(browser, admin, server, mode)

        find_and_sign(visitor, server)
        confirm_from_mailbox(visitor, server, smtp_server.mailbox)
        assert_letter_reached_target(server, smtp_server)

        dashboard_then_close(admin, mode)
        assert_in_bilans_and_closed(visitor, server, mode)
    finally:
        admin.context.close()
        visitor.context.close()
