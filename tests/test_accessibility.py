"""Every page, as a visitor, a member and a moderator see it, checked in real Chromium
against axe-core's WCAG 2.1 A/AA and best-practice rules (labels, contrast, landmarks,
headings, names of links and buttons, ARIA).

`make test` fetches the pinned axe-core with npm into .build/axe-core/.
"""
import re
from pathlib import Path

import pytest

from browser_support import expect, fill_signing_form, nav_item, new_page, skip_or_fail
from conftest import DEMO_CYBERACTION, DEMO_PETITION, MEMBER_PASSWORD, make_member

pytestmark = pytest.mark.browser

AXE_JS = Path(__file__).resolve().parent.parent / ".build" / "axe-core" / "axe.min.js"
AXE_RULE_SETS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
VISITOR_PAGES = ["/", DEMO_CYBERACTION, DEMO_PETITION, "/elus", "/elus/75", "/connexion",
                 "/inscription", "/mot-de-passe-oublie", "/lettre-d-infos",
                 DEMO_CYBERACTION + "/widget", DEMO_CYBERACTION + "/recommander",
                 DEMO_CYBERACTION + "/partager/mastodon?instance=mastodon.social",
                 "/pages/association", "/pages/faq", "/pages/mentions-legales"]


@pytest.fixture
def page(browser):
    if not AXE_JS.exists():
        skip_or_fail("axe-core is missing: `make test` fetches it with npm")
    # axe is injected as a script, which the site's CSP rightly forbids.
    page = new_page(browser, bypass_csp=True)
    yield page
    page.context.close()


def violations(page):
    """axe's findings on the page as it is now: (rule, help, first elements)."""
    page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(
        "async (ruleSets) => (await axe.run(document, {runOnly: ruleSets})).violations",
        AXE_RULE_SETS)
    return [(item["id"], item["help"], [node["target"] for node in item["nodes"]][:3])
            for item in found]


def log_in(page, base_url, email):
    page.goto(base_url + "/connexion")
    page.get_by_label(re.compile(r"^Adresse électronique")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(nav_item(page, "Mon profil")).to_be_attached()


def test_visitor_pages_break_no_accessibility_rule(page, live_server):
    for path in VISITOR_PAGES:
        page.goto(live_server.url + path)
        assert violations(page) == [], path


def test_signing_form_with_its_errors_breaks_no_accessibility_rule(page, live_server):
    page.goto(live_server.url + DEMO_CYBERACTION)
    page.locator("form#signer").get_by_label(re.compile(r"^Courriel")).fill("pas-une-adresse")
    page.get_by_role("button", name="Envoyer mon message").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    assert violations(page) == []


def test_member_and_moderator_pages_break_no_accessibility_rule(page, live_server):
    make_member(live_server.app, email="moderatrice@example.net", role="admin")
    log_in(page, live_server.url, "moderatrice@example.net")
    for path in [DEMO_CYBERACTION, "/compte", "/compte/supprimer", "/moderation",
                 "/moderation/journal"]:
        page.goto(live_server.url + path)
        assert violations(page) == [], path


def test_dashboard_with_a_refused_target_address_breaks_no_accessibility_rule(page, live_server):
    from conftest import campaign_at
    from models import Target, db, utcnow
    make_member(live_server.app, email="admin@example.net", role="admin")
    with live_server.app.app_context():
        campaign = campaign_at(DEMO_CYBERACTION)
        Target.update(bounced_at=utcnow(), bounce_error="550 5.1.1 User unknown").where(
            Target.campaign == campaign.id).execute()
        db.close()
    log_in(page, live_server.url, "admin@example.net")
    page.goto(f"{live_server.url}/admin/campagnes/{campaign.id}/tableau")
    expect(page.get_by_role("heading", name="Adresse refusée")).to_be_visible()
    assert violations(page) == []


def test_newsletter_pages_break_no_accessibility_rule(page, live_server):
    """The unsubscribe page, and the admin's list, form, preview and confirmation."""
    from models import Announcement, Subscriber, db
    make_member(live_server.app, email="admin@example.net", role="admin")
    with live_server.app.app_context():
        subscriber = Subscriber.create(email="lou@example.net", email_key="lou@example.net",
                                       status=Subscriber.SUBSCRIBED, token="c" * 32)
        announcement = Announcement.create(subject="Les cyberactions de décembre",
                                           body="Bonjour,\n\n**Trois** campagnes.")
        db.close()
    page.goto(f"{live_server.url}/lettre-d-infos/desabonner/{subscriber.token}")
    assert violations(page) == [], "unsubscribe"
    log_in(page, live_server.url, "admin@example.net")
    for path in ["/admin/lettre-d-infos", "/admin/lettre-d-infos/nouvelle",
                 f"/admin/lettre-d-infos/{announcement.id}",
                 f"/admin/lettre-d-infos/{announcement.id}/apercu",
                 f"/admin/lettre-d-infos/{announcement.id}/apercu?langue=en",
                 f"/admin/lettre-d-infos/{announcement.id}/envoyer"]:
        page.goto(live_server.url + path)
        assert violations(page) == [], path


def test_recommend_form_after_signing_with_its_errors_breaks_no_accessibility_rule(
        page, live_server):
    page.goto(live_server.url + DEMO_CYBERACTION)
    fill_signing_form(page)
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Envoyer mon message").click()
    page.wait_for_function(  # htmx has processed the thanks message it swapped in
        "() => document.querySelector('.recommend-offer-link') && "
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.locator(".recommend-offer-link").click()
    page.get_by_label("Adresse 1").fill("pas-une-adresse")
    page.get_by_role("button", name="Envoyer la recommandation").click()
    expect(page.locator("form#recommander [aria-invalid=true]").first).to_be_visible()
    assert violations(page) == []


def test_fraud_pages_break_no_accessibility_rule(page, live_server):
    """Admin → Fraude: suspects grouped, the invalidation preview, the blocked list."""
    from conftest import campaign_at
    from models import BlockedAddress, Signature, db
    make_member(live_server.app, email="admin@example.net", role="admin")
    with live_server.app.app_context():
        campaign = campaign_at(DEMO_CYBERACTION)
        for number, status in enumerate(["suspect", "suspect", "confirmed"]):
            Signature.create(campaign=campaign.id, status=status, email=f"r{number}@ferme.example",
                             email_key=f"r{number}@ferme.example", last_name="Robot",
                             first_name="Rob", postal_code="75011", city="Paris", country="FR",
                             confirm_nonce=f"{number:032d}", ip_network="203.0.113.0/24",
                             suspect_reason="honeypot" if status == "suspect" else "")
        BlockedAddress.create(kind="domain", value="yopmail.com", reason="Jetable")
        db.close()
    log_in(page, live_server.url, "admin@example.net")
    for path in ["/admin/fraude", f"/admin/fraude?campagne={campaign.id}",
                 "/admin/fraude/invalider?domaine=ferme.example",
                 "/admin/fraude/adresses-bloquees"]:
        page.goto(live_server.url + path)
        assert violations(page) == [], path


def test_operations_page_and_a_paused_read_only_site_break_no_accessibility_rule(
        page, live_server):
    """Administration → Exploitation as it stands, then with every switch turned, and a
    campaign page as a visitor sees it then (the banner, the paused notice)."""
    make_member(live_server.app, email="admin@example.net", role="admin")
    log_in(page, live_server.url, "admin@example.net")
    page.goto(live_server.url + "/admin/exploitation")
    assert violations(page) == [], "exploitation"
    page.get_by_role("button", name="Suspendre les signatures").click()
    page.get_by_role("button", name=re.compile(r"^Masquer le compteur : Sauvons")).click()
    page.get_by_role("button", name="Passer le site en lecture seule").click()
    expect(page.get_by_role("button", name="Quitter la lecture seule")).to_be_visible()
    assert violations(page) == [], "exploitation, switches on"
    page.context.clear_cookies()
    for path in [DEMO_CYBERACTION, DEMO_PETITION, "/"]:
        page.goto(live_server.url + path)
        expect(page.get_by_text("Site en maintenance")).to_be_visible()
        assert violations(page) == [], path


def test_open_menus_and_the_site_pages_admin_break_no_accessibility_rule(page, live_server):
    """The header's menus opened (a dropdown at 1280 px, the panel at 375 px), then
    Administration → Pages: the list, the form and its Aperçu."""
    make_member(live_server.app, email="admin@example.net", role="admin")
    log_in(page, live_server.url, "admin@example.net")
    page.get_by_role("button", name="Mon compte").click()
    assert violations(page) == [], "Mon compte opened"
    page.set_viewport_size({"width": 375, "height": 740})
    page.get_by_role("button", name="Menu").click()
    assert violations(page) == [], "phone menu opened"
    page.set_viewport_size({"width": 1280, "height": 900})
    for path in ["/admin/pages", "/admin/pages/mentions-legales"]:
        page.goto(live_server.url + path)
        assert violations(page) == [], path
    page.get_by_role("button", name="Aperçu").click()
    expect(page.get_by_role("heading", name="Aperçu (non enregistré)")).to_be_visible()
    assert violations(page) == [], "aperçu"


ENGLISH_STAFF_PAGES = ["/compte", "/compte/supprimer", "/proposer", "/moderation",
                       "/moderation/journal", "/moderation/propositions", "/admin/",
                       "/admin/campagnes/nouvelle", "/admin/membres", "/admin/journal",
                       "/admin/lettre-d-infos", "/admin/lettre-d-infos/nouvelle",
                       "/admin/exploitation", "/admin/pages", "/admin/pages/mentions-legales",
                       "/admin/fraude", "/admin/fraude/adresses-bloquees"]


@pytest.fixture
def english_page(browser):
    if not AXE_JS.exists():
        skip_or_fail("axe-core is missing: `make test` fetches it with npm")
    page = new_page(browser, bypass_csp=True, locale="en-GB")
    yield page
    page.context.close()


def test_pages_in_english_break_no_accessibility_rule(english_page, live_server):
    """The same pages asked in English: a translation may not lose a label or a name."""
    page = english_page
    for path in VISITOR_PAGES:
        page.goto(live_server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert violations(page) == [], path
    page.goto(live_server.url + DEMO_CYBERACTION)
    page.locator("form#signer #email").fill("not-an-address")
    page.get_by_role("button", name="Send my message").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    assert violations(page) == [], "signing form with its errors"


def test_member_and_staff_pages_in_english_break_no_accessibility_rule(english_page, live_server):
    from conftest import campaign_at
    page = english_page
    make_member(live_server.app, email="admin@example.net", role="admin")
    page.goto(live_server.url + "/connexion")
    page.locator("form#connexion #email").fill("admin@example.net")
    page.locator("form#connexion #password").fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(nav_item(page, "My profile")).to_be_attached()
    with live_server.app.app_context():
        campaign_id = campaign_at(DEMO_CYBERACTION).id
    for path in ENGLISH_STAFF_PAGES + [f"/admin/campagnes/{campaign_id}",
                                       f"/admin/campagnes/{campaign_id}/tableau"]:
        page.goto(live_server.url + path)
        assert violations(page) == [], path
