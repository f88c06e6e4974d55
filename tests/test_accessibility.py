"""Every page, as a visitor, a member and a moderator see it, checked in real Chromium
against axe-core's WCAG 2.1 A/AA and best-practice rules (labels, contrast, landmarks,
headings, names of links and buttons, ARIA).

`make test` fetches the pinned axe-core with npm into .build/axe-core/.
"""
import re
from pathlib import Path

import pytest

from browser_support import expect, new_page, skip_or_fail
from conftest import DEMO_CYBERACTION, DEMO_PETITION, MEMBER_PASSWORD, make_member

pytestmark = pytest.mark.browser

AXE_JS = Path(__file__).resolve().parent.parent / ".build" / "axe-core" / "axe.min.js"
AXE_RULE_SETS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
VISITOR_PAGES = ["/", DEMO_CYBERACTION, DEMO_PETITION, "/elus", "/elus/75", "/connexion",
                 "/inscription", "/mot-de-passe-oublie"]


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
    expect(page.get_by_role("link", name="Mon profil")).to_be_visible()


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
