"""Real Chromium against the application served over real HTTP.

The browser tests run only on SQLite: the server thread and the test share one
database file, which the test reads to find what the application wrote (the
confirmation link). Chromium or Playwright missing skips them, unless
INTERPELLE_REQUIRE_BROWSER=1 (as in CI) turns that into a failure.
"""
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # chromium() below skips, or fails where the browser is required
    expect = sync_playwright = None

from conftest import demo_app, required
from models import OutboxMessage, db

CONFIRMATION_LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")
TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}  # the narrowest screen the flows are tested on
MOBILE = {"width": 390, "height": 844}  # the screenshots' phone
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def skip_or_fail(reason):
    """A missing browser is a skip on a laptop, and a failure where it is required."""
    if required("INTERPELLE_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (INTERPELLE_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


class LiveServer:
    """A WSGI app served by werkzeug in a thread, on 127.0.0.1 and a free port."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       name="live-server", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@contextmanager
def live_demo_server(tmp_path, **config):
    """The demo site served for one test; `config` overrides the test configuration."""
    server = LiveServer(demo_app(f"sqlite:///{tmp_path / 'browser.sqlite3'}", **config)).start()
    try:
        yield server
    finally:
        server.stop()
        if not db.is_closed():
            db.close()


@contextmanager
def chromium():
    """Debian's Chromium driven by Playwright (which cannot download its own here)."""
    executable = shutil.which("chromium")
    if executable is None:
        skip_or_fail("chromium is not installed (apt-get install chromium)")
    if sync_playwright is None:
        skip_or_fail("Playwright is not installed (pip install playwright)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, viewport=DESKTOP, **context_options):
    """A page in its own context (cookies, JavaScript setting), with bounded waits;
    `page.javascript` says whether it runs scripts, for flows that differ without them."""
    context_options.setdefault("locale", "fr-FR")
    context = browser.new_context(viewport=viewport, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.javascript = context_options.get("java_script_enabled", True)
    return page


def screenshot(page, name):
    """Full-page shots at desktop and mobile widths, when INTERPELLE_SCREENSHOTS names a folder.

    They are for a human to look at; no assertion depends on them.
    """
    folder = os.environ.get("INTERPELLE_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    for label, size in (("desktop", DESKTOP), ("mobile", MOBILE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(Path(folder) / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(viewport)


def field(form, label):
    """An input by the start of its label (required ones end with "(obligatoire)" or
    "(required)")."""
    return form.get_by_label(re.compile(rf"^{re.escape(label)}\b"))


def fill_signing_form(page, email="helene.durand@example.net", last_name="Durand",
                      first_name="Hélène", postal_code="75011", city="Paris"):
    """Type a visitor's details into the campaign page's signing form; return the form."""
    form = page.locator("form#signer")
    for label, value in [("Nom", last_name), ("Prénom", first_name), ("Courriel", email),
                         ("Code postal", postal_code), ("Commune", city)]:
        field(form, label).fill(value)
    return form


def latest_confirmation_path():
    """The path of the confirmation link in the newest confirmation email of the outbox."""
    message = (OutboxMessage.select().where(OutboxMessage.category == "confirmation")
               .order_by(OutboxMessage.id.desc()).get())
    return CONFIRMATION_LINK.search(message.body_text).group(1)


def nav_item(page, name, role="link"):
    """An entry of the site's menus (templates/_partials/_nav.html), shown or folded away
    in its closed menu: `to_be_attached()` on it says who is logged in without opening it."""
    return page.locator("#site-nav").get_by_role(role, name=name, exact=True,
                                                 include_hidden=True)


def menu_entry(page, name, role="link"):
    """The entry, its menu opened first as a person would (the phone's Menu panel, or the
    dropdown on a wide screen); without JavaScript every entry is already shown."""
    entry = nav_item(page, name, role)
    entry.wait_for(state="attached")
    page.wait_for_load_state("domcontentloaded")  # menu.js has run (deferred)
    if entry.is_visible():
        return entry
    toggle = page.locator("#site-nav .menu-toggle")
    if toggle.is_visible():
        toggle.click()
    if not entry.is_visible():
        menu = entry.evaluate("element => element.closest('.menu-list').id")
        page.locator(f'#site-nav .menu-button[aria-controls="{menu}"]').click()
    return entry
