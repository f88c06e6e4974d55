"""Passing a campaign on, in real Chromium: the embed code copied from the campaign page
into a page of another site (another port) shows the widget with the live counter and no
console error, while the campaign page itself cannot be framed; the share links open the
right addresses; the copy buttons confirm; the Mastodon server is remembered; a
recommendation goes out from the thanks message without a reload."""
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from browser_support import expect, fill_signing_form, new_page, screenshot
from conftest import DEMO_CYBERACTION, csrf_token, post_signature
from models import Campaign, OutboxMessage

pytestmark = pytest.mark.browser

# Every network's page is answered here by a stub: the test never leaves the machine.
NETWORK_HOSTS = ["share.diasporafoundation.org", "bsky.app", "www.facebook.com", "x.com",
                 "www.linkedin.com", "wa.me", "t.me", "mastodon.social", "piaille.fr"]


class OtherSite:
    """A site of someone else's, on its own port: it serves one page that we write."""

    def __init__(self):
        self.html = "<!doctype html><title>vide</title>"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                body = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def page_with(self, body):
        self.html = ("<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
                     "<title>Le site d'une association</title></head><body><h1>Nos actions"
                     f"</h1>{body}</body></html>")
        return self.url


@pytest.fixture
def other_site():
    site = OtherSite()
    site.thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()
    site.thread.join(timeout=10)


@pytest.fixture
def site(live_server):
    """The demo site, whose links and code name its real address (SITE_URL)."""
    live_server.app.config.update(SITE_URL=live_server.url, COUNTER_CACHE_SECONDS=0,
                                  PAGE_CACHE_SECONDS=0)
    return live_server


@pytest.fixture
def page(browser, site):
    page = new_page(browser)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=site.url)
    for host in NETWORK_HOSTS:
        page.context.route(f"https://{host}/**", lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>réseau</title>"))
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(
        message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    page.context.close()


def confirm_one_participation(app):
    client = app.test_client()
    post_signature(client, email="widget.live@example.net")
    message = OutboxMessage.get(OutboxMessage.category == "confirmation",
                                OutboxMessage.to_addrs == "widget.live@example.net")
    path = re.search(r"https?://[^/]+(/confirmer/[\w.\-]+)", message.body_text).group(1)
    client.post(path, data={"csrf_token": csrf_token(client, path)})


def test_the_copied_embed_code_shows_the_live_widget_on_another_site(page, site, other_site):
    Campaign.update(goal=5000, signature_count=1718).where(
        Campaign.slug == "arret-migration-m365").execute()
    page.goto(site.url + DEMO_CYBERACTION)
    page.get_by_role("button", name="Copier le code").click()
    expect(page.get_by_text("Code copié")).to_be_visible()
    snippet = page.evaluate("navigator.clipboard.readText()")
    assert snippet == page.locator("#code-widget").input_value()
    assert snippet.startswith(f'<iframe src="{site.url}{DEMO_CYBERACTION}/widget"')

    page.goto(other_site.page_with(snippet))
    widget = page.frame_locator("iframe")
    expect(widget.locator(".widget-counter")).to_have_text(re.compile(r"^1\u202f718\s+participations$"))
    expect(widget.get_by_text(re.compile(r"1\u202f718\s*/\s*5\u202f000"))).to_be_visible()
    sign = widget.get_by_role("link", name=re.compile("^Signer"))
    expect(sign).to_have_attribute("href", f"{site.url}{DEMO_CYBERACTION}#signer")
    expect(sign).to_have_attribute("target", "_blank")
    screenshot(page, "reach-widget-elsewhere")

    confirm_one_participation(site.app)
    page.reload()
    expect(widget.locator(".widget-counter")).to_have_text(re.compile(r"^1\u202f719\s+participations$"))
    assert page.errors == []


def test_another_site_cannot_frame_the_campaign_page(page, site, other_site):
    page.goto(other_site.page_with(
        f'<iframe src="{site.url}{DEMO_CYBERACTION}" title="campagne"></iframe>'))
    expect(page.locator("iframe")).to_be_attached()
    page.wait_for_timeout(500)
    framed = page.frames[1]
    assert framed.url.startswith("chrome-error://") or not framed.content().count("campaign")
    assert any("frame-ancestors" in error or "refused to connect" in error.lower()
               or "Refused to display" in error for error in page.errors), page.errors


def test_share_links_open_each_network_with_the_campaign_address(page, site):
    campaign_url = site.url + DEMO_CYBERACTION
    page.goto(campaign_url)
    links = page.locator(".share-links a")
    expect(links).to_have_count(7)
    for index in range(7):
        with page.expect_popup() as opened:
            links.nth(index).click()
        popup = opened.value
        popup.wait_for_load_state()
        address = urlsplit(popup.url)
        assert address.scheme == "https" and address.hostname in NETWORK_HOSTS
        values = [value for values in parse_qs(address.query).values() for value in values]
        assert any(campaign_url in value for value in values), popup.url
        assert popup.evaluate("window.opener") is None  # noopener
        popup.close()
    assert page.errors == []


def test_copy_link_confirms_and_the_mastodon_server_is_remembered(page, site):
    campaign_url = site.url + DEMO_CYBERACTION
    page.goto(campaign_url)
    page.get_by_role("button", name="Copier le lien").click()
    expect(page.get_by_text("Lien copié")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == campaign_url

    page.get_by_label(re.compile("Partager sur Mastodon")).fill("@moi@Piaille.fr")
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Partager sur Mastodon").click()
    shared = urlsplit(opened.value.url)
    assert (shared.hostname, shared.path) == ("piaille.fr", "/share")
    assert parse_qs(shared.query)["text"][0].endswith(campaign_url)
    opened.value.close()

    page.reload()
    expect(page.get_by_label(re.compile("Partager sur Mastodon"))).to_have_value("piaille.fr")
    screenshot(page, "reach-share")
    assert page.errors == []


def test_mastodon_without_javascript_goes_through_a_page_of_ours(browser, site):
    page = new_page(browser, java_script_enabled=False)
    try:
        page.goto(site.url + DEMO_CYBERACTION)
        expect(page.get_by_role("button", name="Copier le lien")).to_be_hidden()
        expect(page.locator("#lien-campagne")).to_have_value(site.url + DEMO_CYBERACTION)
        page.get_by_label(re.compile("Partager sur Mastodon")).fill("mastodon.social")
        with page.expect_popup() as opened:
            page.get_by_role("button", name="Partager sur Mastodon").click()
        step = opened.value
        link = step.get_by_role("link", name="Continuer vers mastodon.social")
        expect(link).to_have_attribute("href", re.compile(r"^https://mastodon\.social/share\?text="))
    finally:
        page.context.close()


def test_a_recommendation_leaves_from_the_thanks_message_without_reload(page, site):
    page.goto(site.url + DEMO_CYBERACTION)
    fill_signing_form(page)
    page.wait_for_load_state("networkidle")  # the élus of the commune typed have come
    page.get_by_role("button", name="Envoyer mon message").click()
    page.evaluate("window.__marker = 1")
    page.wait_for_function(  # htmx has processed the thanks message it swapped in
        "() => document.querySelector('.recommend-offer-link') && "
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.locator(".recommend-offer-link").click()
    recommend = page.locator("form#recommander")
    recommend.get_by_label(re.compile("^Votre nom")).fill("Hélène Durand")
    recommend.get_by_label("Adresse 1").fill("pas-une-adresse")
    recommend.get_by_label("Adresse 2").fill("ami.un@example.net")
    screenshot(page, "reach-recommend-form")
    page.get_by_role("button", name="Envoyer la recommandation").click()
    expect(page.get_by_text("Cette adresse électronique n'est pas valide")).to_be_visible()
    expect(recommend.get_by_label("Adresse 1")).to_be_focused()
    recommend.get_by_label("Adresse 1").fill("amie.deux@example.org")
    page.get_by_role("button", name="Envoyer la recommandation").click()
    expect(page.get_by_text("Votre recommandation part vers 2 adresses")).to_be_visible()
    assert page.evaluate("window.__marker") == 1
    assert OutboxMessage.select().where(OutboxMessage.category == "recommendation").count() == 2
    # The one 422 is the form with its error; nothing else failed (no récapitulatif refresh).
    assert page.errors == [
        "Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)"]
