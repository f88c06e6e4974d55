"""The site's menus in real Chromium: at 1280 px four buttons, each opening its dropdown;
at 375 px one Menu button opening the panel of the four groups. Click and keyboard open
them, Escape closes them and gives the focus back; without JavaScript every link is shown."""
import re

import pytest

from browser_support import expect, new_page

pytestmark = pytest.mark.browser

MENUS = {
    "Agir": ["Cyber actions", "Pétitions", "Liste rapide", "Proposer", "Bilans"],
    "S'informer": ["Liste d'élus", "Flux des campagnes (Atom)", "Flux des bilans (Atom)",
                   "Rechercher"],
    "Nous connaître": ["L'association", "FAQ", "Mentions légales et données personnelles",
                       "Contact"],
    "Mon compte": ["Connexion", "Inscription", "Lettre d'infos"],
}
PHONE = {"width": 375, "height": 740}
WIDE = {"width": 1280, "height": 800}


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


def nav(page):
    return page.get_by_role("navigation", name="Navigation principale")


def test_each_dropdown_opens_on_click_and_closes_on_escape(page, live_server):
    page.set_viewport_size(WIDE)
    page.goto(live_server.url + "/")
    expect(nav(page).get_by_role("button", name="Menu")).to_be_hidden()
    for menu, links in MENUS.items():
        button = nav(page).get_by_role("button", name=menu)
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(nav(page).get_by_role("link", name=links[0], exact=True)).to_be_hidden()
        button.click()
        expect(button).to_have_attribute("aria-expanded", "true")
        for name in links:
            expect(nav(page).get_by_role("link", name=name, exact=True)).to_be_visible()
        page.keyboard.press("Escape")
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_be_focused()
        expect(nav(page).get_by_role("link", name=links[0], exact=True)).to_be_hidden()


def test_the_keyboard_opens_a_menu_and_follows_a_link(page, live_server):
    page.set_viewport_size(WIDE)
    page.goto(live_server.url + "/")
    button = nav(page).get_by_role("button", name="Nous connaître")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(nav(page).get_by_role("link", name="L'association")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/pages/faq$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("FAQ")


def test_opening_one_dropdown_closes_the_other_and_a_click_outside_closes_it(page, live_server):
    page.set_viewport_size(WIDE)
    page.goto(live_server.url + "/")
    agir = nav(page).get_by_role("button", name="Agir")
    compte = nav(page).get_by_role("button", name="Mon compte")
    agir.click()
    compte.click()
    expect(agir).to_have_attribute("aria-expanded", "false")
    expect(nav(page).get_by_role("link", name="Connexion")).to_be_visible()
    page.locator("main h1").first.click()
    expect(compte).to_have_attribute("aria-expanded", "false")


def test_the_phone_menu_opens_the_four_groups(page, live_server):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    toggle = nav(page).get_by_role("button", name="Menu")
    for menu in MENUS:
        expect(nav(page).get_by_role("button", name=menu)).to_be_hidden()
    expect(nav(page).get_by_role("link", name="Pétitions")).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for links in MENUS.values():
        for name in links:
            expect(nav(page).get_by_role("link", name=name, exact=True)).to_be_visible()
    page.keyboard.press("Escape")
    expect(toggle).to_be_focused()
    expect(nav(page).get_by_role("link", name="Pétitions")).to_be_hidden()
    toggle.click()
    nav(page).get_by_role("link", name="Mentions légales et données personnelles").click()
    expect(page).to_have_url(re.compile(r"/pages/mentions-legales$"))
    header_height = page.locator(".site-header").bounding_box()["height"]
    assert header_height < 80, f"the phone's header is {header_height}px high"


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375px", "1280px"])
def test_without_javascript_every_menu_link_is_reachable(browser, live_server, viewport):
    page = new_page(browser, java_script_enabled=False)
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/")
    for links in MENUS.values():
        for name in links:
            expect(nav(page).get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav(page).get_by_role("button")).to_have_count(0)
    nav(page).get_by_role("link", name="Contact").click()
    expect(page).to_have_url(re.compile(r"/pages/contact$"))
    page.context.close()
