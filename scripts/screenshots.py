"""`make screenshots`: the main pages, in French and English, at 375 px and 1280 px.

The demo site is served on 127.0.0.1 from a throwaway SQLite database and photographed
in Debian's Chromium (driven by Playwright); the pictures go to screenshots/, named
<language>-<width>-<page>.png. Nothing here is checked: the pictures are for people.
"""
import argparse
import os
import re
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Importing app builds the module's own app, which refuses the development key.
os.environ.setdefault("SECRET_KEY", "screenshots-only-not-a-secret")

from app import create_app  # noqa: E402
from models import Announcement, Campaign, OutboxMessage, db  # noqa: E402
import migrations  # noqa: E402
from services import accounts, demo  # noqa: E402

LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}
WIDTHS = (375, 1280)
CYBERACTION = "/cyberactions/arret-migration-m365"
PETITION = "/petitions/sauvons-la-ligne-paris-granville"
CLOSED = "/cyberactions/eau-bien-commun"
ADMIN_EMAIL = "admin@example.net"
ADMIN_PASSWORD = "cheval-batterie-agrafe-photo"
CONFIRMATION_LINK = re.compile(r"https?://[^/\s]+(/confirmer/[\w.\-]+)")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]


def demo_site(folder):
    app = create_app({
        "TESTING": True,  # the throwaway site: plain http on 127.0.0.1, no mail sent
        "DATABASE_URL": f"sqlite:///{folder / 'screenshots.sqlite3'}",
        "SITE_URL": "http://127.0.0.1",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": "",
        "DEV_MAILBOX": False,
        "LOG_LEVEL": "WARNING",
    })
    with app.app_context():
        migrations.create_latest()
        demo.load_demo_campaigns()
        demo.load_demo_pages()
        for _report in demo.load_demo_places():
            pass
        accounts.create_verified_user(ADMIN_EMAIL, ADMIN_PASSWORD, "admin")
        presented = Campaign.select(Campaign.id).where(Campaign.status == Campaign.PUBLISHED)
        Announcement.create(subject="Les cyberactions de décembre",
                            body="Bonjour,\n\nTrois campagnes ont besoin de **vous** ce mois-ci.",
                            campaign_ids=",".join(str(c.id) for c in presented.limit(3)))
        db.close()
    return app


class Server:
    """The site on 127.0.0.1 and a free port, in a thread, for the time of the pictures."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)


class Photographer:
    def __init__(self, page, base_url, language, folder):
        self.page, self.base_url, self.language, self.folder = page, base_url, language, folder

    def shoot(self, name):
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.wait_for_timeout(150)  # the menu's breakpoint has settled
            path = self.folder / f"{self.language}-{width}-{name}.png"
            self.page.screenshot(path=str(path), full_page=True)
        print(f"  {self.language} {name}")

    def visit(self, name, path):
        self.page.goto(self.base_url + path)
        self.shoot(name)

    def sign(self, email):
        form = self.page.locator("form#signer")
        for field, value in [("last_name", "Durand"), ("first_name", "Hélène"),
                             ("email", email), ("postal_code", "75011"), ("city", "Paris")]:
            form.locator(f"#{field}").fill(value)
        self.page.wait_for_load_state("networkidle")
        form.locator("button.button-primary").click()

    def signing_pages(self, app):
        self.page.goto(self.base_url + CYBERACTION)
        self.sign("pas-une-adresse")
        self.page.locator("[aria-invalid=true]").first.wait_for()
        self.shoot("signing-with-errors")
        self.page.goto(self.base_url + CYBERACTION)
        self.sign(f"helene.{self.language}@example.net")
        self.page.locator(".notice-success").first.wait_for()
        self.shoot("thanks")
        self.visit("confirmation", latest_confirmation_path(app))
        self.page.locator("main form button[type=submit]").first.click()
        self.page.wait_for_load_state("networkidle")
        self.shoot("confirmed")

    def log_in(self):
        self.page.goto(self.base_url + "/connexion")
        form = self.page.locator("form#connexion")
        form.locator("#email").fill(ADMIN_EMAIL)
        form.locator("#password").fill(ADMIN_PASSWORD)
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state("networkidle")


def latest_confirmation_path(app):
    with app.app_context():
        message = (OutboxMessage.select().where(OutboxMessage.category == "confirmation")
                   .order_by(OutboxMessage.id.desc()).get())
        db.close()
    return CONFIRMATION_LINK.search(message.body_text).group(1)


def campaign_id(app, path):
    with app.app_context():
        found = Campaign.by_slug(*path.strip("/").split("/")).id
        db.close()
    return found


def announcement_id(app):
    with app.app_context():
        found = Announcement.select(Announcement.id).get().id
        db.close()
        return found


def photograph(browser, app, base_url, language, folder):
    context = browser.new_context(locale=LANGUAGES[language])
    context.set_default_timeout(15_000)
    photographer = Photographer(context.new_page(), base_url, language, folder)
    for name, path in [("home", "/"), ("cyberaction", CYBERACTION), ("petition", PETITION),
                       ("closed-campaign", CLOSED), ("bilans", "/bilans")]:
        photographer.visit(name, path)
    photographer.signing_pages(app)
    photographer.log_in()
    for name, path in [("profile", "/compte"), ("moderation", "/moderation"),
                       ("admin-campaign-form", "/admin/campagnes/nouvelle"),
                       ("admin-dashboard", f"/admin/campagnes/{campaign_id(app, CYBERACTION)}/tableau"),
                       ("admin-fraud", "/admin/fraude"),
                       ("admin-newsletter-preview",
                        f"/admin/lettre-d-infos/{announcement_id(app)}/apercu?langue={language}")]:
        photographer.visit(name, path)
    context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    folder = Path(parser.parse_args().out)
    folder.mkdir(parents=True, exist_ok=True)
    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as scratch:
        app = demo_site(Path(scratch))
        with Server(app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                for language in LANGUAGES:
                    photograph(browser, app, server.url, language, folder)
            finally:
                browser.close()
    print(f"{len(list(folder.glob('*.png')))} screenshots in {folder}")


if __name__ == "__main__":
    main()
