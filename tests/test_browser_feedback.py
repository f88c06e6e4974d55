"""Feedback on every action, in real Chromium: while an htmx request runs its form is busy
(buttons disabled, a spinner after 150 ms, a polite status line), a double click sends one
request, the buttons come back after the answer or a failure with the typed input kept, and
each action ends with a visible confirmation (role=status).

Slow requests are made by holding them in Playwright's router until the test lets them go.
INTERPELLE_SCREENSHOTS=/some/folder also saves the busy button at desktop and mobile widths.
"""
import re

import pytest

from browser_support import expect, new_page, screenshot
from conftest import DEMO_CYBERACTION, MEMBER_PASSWORD, make_member
from models import Comment, Signature

pytestmark = pytest.mark.browser

SUBMIT = "Envoyer mon message"
THANKS = "Merci\u00a0! Il reste une étape."
SPINNER_SHOWN = ("() => { const busy = document.querySelector('.is-busy');"
                 " return !!busy && getComputedStyle(busy, '::after').opacity === '1'; }")


class HeldPosts:
    """Every htmx POST to `form`'s action is counted and held until release() lets it go
    (the récapitulatif's own refreshes pass)."""

    def __init__(self, page, form):
        self.page = page
        self.action = form.get_attribute("action")
        self.held = []
        page.route("**/*", self.hold)

    def hold(self, route):
        request = route.request
        if (request.method == "POST" and request.headers.get("hx-request") == "true"
                and request.url.endswith(self.action)):
            self.held.append(route)
        else:
            route.continue_()

    def release(self, answer=None):
        """Send the held requests on (or answer them with `answer(route)`), then stop holding."""
        for route in self.held:
            (answer or (lambda held: held.continue_()))(route)
        self.page.unroute("**/*", self.hold)


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


def field(page, label):
    return page.locator("form#signer").get_by_label(re.compile(rf"^{re.escape(label)}\b"))


def fill_signer(page):
    field(page, "Nom").fill("Durand")
    field(page, "Prénom").fill("Hélène")
    field(page, "Courriel").fill("helene.durand@example.net")
    field(page, "Code postal").fill("75011")
    field(page, "Commune").fill("Paris")
    page.wait_for_load_state("networkidle")  # the élus list, refreshed by the postal code


def log_in(page, live_server, email):
    page.goto(live_server.url + "/connexion")
    page.get_by_label(re.compile(r"^Adresse électronique")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", name="Mon profil")).to_be_visible()


def test_signing_form_is_busy_while_its_request_runs_and_a_double_click_sends_once(
        page, live_server):
    page.goto(live_server.url + DEMO_CYBERACTION)
    fill_signer(page)
    posts = HeldPosts(page, page.locator("form#signer"))
    button = page.get_by_role("button", name=SUBMIT)

    button.dblclick()
    field(page, "Prénom").press("Enter")  # Enter while busy sends nothing either

    expect(button).to_be_disabled()
    expect(page.locator("form#signer")).to_have_attribute("aria-busy", "true")
    expect(button).to_have_class(re.compile(r"\bis-busy\b"))
    page.wait_for_function(SPINNER_SHOWN)
    expect(page.locator("#request-progress")).to_have_text("Envoi en cours…")
    button.scroll_into_view_if_needed()
    screenshot(page, "feedback-busy-sign")
    assert len(posts.held) == 1

    posts.release()

    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    expect(page.locator("#signer[role=status]")).to_be_visible()
    expect(page.locator("#request-progress")).to_have_text("")
    assert Signature.select().count() == 1


@pytest.mark.parametrize("failure", ["server error", "no network"])
def test_after_a_failed_request_the_buttons_come_back_and_the_input_is_kept(
        page, live_server, failure):
    page.goto(live_server.url + DEMO_CYBERACTION)
    fill_signer(page)
    posts = HeldPosts(page, page.locator("form#signer"))
    button = page.get_by_role("button", name=SUBMIT)
    button.click()
    expect(button).to_be_disabled()

    if failure == "server error":
        posts.release(lambda route: route.fulfill(status=500, body="Erreur"))
    else:
        posts.release(lambda route: route.abort())

    expect(page.get_by_text("Le serveur n'a pas répondu")).to_be_visible()
    expect(button).to_be_enabled()
    expect(page.locator("form#signer")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator(".is-busy")).to_have_count(0)
    expect(field(page, "Prénom")).to_have_value("Hélène")
    assert Signature.select().count() == 0

    button.click()  # trying again works
    expect(page.get_by_role("heading", name=THANKS)).to_be_visible()
    assert Signature.select().count() == 1


def test_the_spinner_waits_150_ms_so_a_fast_answer_does_not_flicker(page, live_server):
    page.goto(live_server.url + DEMO_CYBERACTION)
    field(page, "Nom").fill("Durand")
    # Read on window, after the page's own listener marked the button busy.
    page.evaluate("""() => { window.__spinnerAtSend = null;
        window.addEventListener('htmx:beforeRequest', () => {
            const busy = document.querySelector('.is-busy');
            window.__spinnerAtSend = busy && getComputedStyle(busy, '::after').opacity;
        }); }""")
    page.get_by_role("button", name=SUBMIT).click()  # answered with the form's errors

    expect(page.locator("form#signer .form-error")).to_be_visible()
    assert page.evaluate("window.__spinnerAtSend") == "0"
    expect(page.get_by_role("button", name=SUBMIT)).to_be_enabled()


def test_comment_is_busy_while_posting_then_confirmed_and_the_button_works_again(
        page, live_server):
    make_member(live_server.app)
    log_in(page, live_server, "membre@example.net")
    page.goto(live_server.url + DEMO_CYBERACTION)

    page.get_by_label(re.compile(r"^Votre commentaire")).fill("Bravo pour cette campagne.")
    posts = HeldPosts(page, page.locator("#commentaire-form"))
    publish = page.get_by_role("button", name="Publier")
    publish.dblclick()
    expect(publish).to_be_disabled()
    page.wait_for_function(SPINNER_SHOWN)
    publish.scroll_into_view_if_needed()
    screenshot(page, "feedback-busy-comment")
    assert len(posts.held) == 1
    posts.release()

    expect(page.locator("#commentaire-form [role=status]")).to_have_text(
        "Votre commentaire est publié.")
    expect(page.get_by_role("button", name="Publier")).to_be_enabled()
    assert Comment.select().count() == 1


def test_moderator_sees_a_confirmation_after_hiding_and_after_restoring(page, live_server):
    make_member(live_server.app, email="moderatrice@example.net", role="moderator",
                first_name="Mona", last_name="Dératrice")
    log_in(page, live_server, "moderatrice@example.net")
    page.goto(live_server.url + DEMO_CYBERACTION)
    page.get_by_label(re.compile(r"^Votre commentaire")).fill("Hors sujet.")
    page.get_by_role("button", name="Publier").click()
    comment = page.locator("#commentaires-liste > li.comment").first

    comment.get_by_text("Masquer", exact=True).click()
    comment.get_by_label(re.compile(r"^Raison du masquage")).fill("Hors sujet")
    comment.get_by_role("button", name="Masquer le commentaire").click()
    expect(comment.get_by_role("status")).to_have_text("Le commentaire est masqué.")

    comment.get_by_role("button", name="Rétablir").click()
    expect(comment.get_by_role("status")).to_have_text("Le commentaire est rétabli.")
    expect(page.locator(".is-busy, [aria-busy=true]")).to_have_count(0)
