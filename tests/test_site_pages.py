"""The site's own pages: /pages/<slug> (Markdown, sanitised), the admins' editing of them,
the Mentions légales generated from the configuration, and the collection notice under
the signing forms."""
import html

import pytest

from conftest import DEMO_CYBERACTION, csrf_token, log_in, make_member
from models import AuditEntry, Page

ADMIN = "admin@example.net"
OPERATOR = {"OPERATOR_NAME": "Association Démo des Libertés",
            "OPERATOR_ADDRESS": "12 rue de l'Exemple, 35000 Rennes",
            "CONTACT_EMAIL": "contact@asso.example.org",
            "IP_RETENTION_DAYS": 21, "PURGE_AFTER_MONTHS": 9}


@pytest.fixture
def app_config():
    return dict(OPERATOR)


def text(response):
    return html.unescape(response.get_data(as_text=True))


def save_page(client, slug, token=None, **fields):
    data = {"title": "L'association", "body": "Texte", "action": "save", **fields}
    data["csrf_token"] = token or csrf_token(client, f"/admin/pages/{slug}")
    return client.post(f"/admin/pages/{slug}", data=data)


def test_a_page_renders_its_markdown_sanitised(client, database):
    Page.create(slug="faq", title="Questions fréquentes",
                body="## Pourquoi ?\n\n**Parce que.** <script>alert(1)</script>\n\n"
                     "[lien](javascript:alert(2)) [ok](https://example.org/)")
    response = client.get("/pages/faq")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Questions fréquentes</h1>" in body
    assert "<h2>Pourquoi ?</h2>" in body and "<strong>Parce que.</strong>" in body
    assert "<script>alert" not in body and "&lt;script&gt;alert(1)" in body
    assert "href=\"javascript:" not in body
    assert 'href="https://example.org/"' in body


def test_an_unknown_slug_is_404_and_an_unwritten_page_says_so(client, database):
    assert client.get("/pages/inconnue").status_code == 404
    assert client.get("/pages/arret-migration-m365").status_code == 404
    response = client.get("/pages/contact")
    assert response.status_code == 200 and "pas encore été rédigée" in text(response)


def test_the_legal_notice_follows_the_configuration(client, database):
    page = text(client.get("/pages/mentions-legales"))
    assert "<h1>Mentions légales et données personnelles</h1>" in page
    for value in ("Association Démo des Libertés", "12 rue de l'Exemple, 35000 Rennes",
                  "contact@asso.example.org", "gardé 21 jours", "effacées 9 mois après"):
        assert value in page
    for kept in ("code postal", "commune", "lettre", "confirmer votre participation",
                 "jusqu'à votre désinscription", "jusqu'à sa suppression"):
        assert kept in page
    assert 'href="/compte/donnees.json"' in page


def test_the_legal_notice_adds_the_admins_text_below(admin, client, database):
    assert save_page(admin, "mentions-legales", title="Mentions légales et données personnelles",
                     body="Hébergeur : **Exemple SAS**.").status_code == 303
    page = client.get("/pages/mentions-legales").get_data(as_text=True)
    assert "<strong>Exemple SAS</strong>" in page and "Association Démo des Libertés" in page
    assert page.index("Vos droits") < page.index("Exemple SAS")


def test_an_admin_edits_a_page_and_the_journal_says_so(admin, client, database):
    listing = text(admin.get("/admin/pages"))
    for title in ("L'association", "FAQ", "Contact", "Mentions légales et données personnelles"):
        assert title in listing
    form = text(admin.get("/admin/pages/association"))
    for label in ("Titre", "Texte", "Enregistrer", "Aperçu"):
        assert label in form
    response = save_page(admin, "association", title="Qui sommes-nous",
                         body="Une association **libre**.")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/admin/pages/association")
    assert "La page est enregistrée." in text(admin.get(response.headers["Location"]))
    page = Page.get(Page.slug == "association")
    assert (page.title, page.body) == ("Qui sommes-nous", "Une association **libre**.")
    assert "<strong>libre</strong>" in client.get("/pages/association").get_data(as_text=True)
    entry = AuditEntry.get(AuditEntry.action == "page.update")
    assert "association" in entry.detail
    assert "Page du site modifiée" in text(admin.get("/admin/journal"))


def test_preview_shows_the_text_without_saving_it(admin, database):
    response = save_page(admin, "faq", title="FAQ", body="## Une *question*", action="preview")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Aperçu (non enregistré)" in body and "<h2>Une <em>question</em></h2>" in body
    assert Page.select().where(Page.slug == "faq").count() == 0


def test_an_empty_title_is_refused(admin, database):
    response = save_page(admin, "faq", title="  ")
    assert response.status_code == 422
    assert "Le titre ne peut pas être vide." in text(response)
    assert Page.select().count() == 0


def test_saving_needs_the_csrf_token_and_an_admin(app, admin, database):
    refused = admin.post("/admin/pages/faq", data={"title": "FAQ", "body": "x"})
    assert refused.status_code == 400
    member = app.test_client()
    make_member(app, "membre@example.net")
    log_in(member, "membre@example.net")
    token = csrf_token(member, "/compte")
    assert member.get("/admin/pages").status_code == 403
    assert save_page(member, "faq", token=token).status_code == 403
    assert Page.select().count() == 0 and admin.get("/admin/pages/inconnue").status_code == 404


def test_seed_demo_writes_first_versions_once(app, admin, runner, database):
    assert "3 page(s) ajoutée(s)" in runner.invoke(args=["seed-demo"]).output
    for slug in ("association", "faq", "contact"):
        page = Page.get(Page.slug == slug)
        assert len(page.body) > 100
    save_page(admin, "faq", title="FAQ", body="Notre FAQ à nous.")
    assert "0 page(s) ajoutée(s)" in runner.invoke(args=["seed-demo"]).output
    assert Page.get(Page.slug == "faq").body == "Notre FAQ à nous."


def test_the_collection_notice_is_under_both_signing_forms(app, client, database):
    notice = "Formulaire de collecte d'informations"
    visitor = text(client.get(DEMO_CYBERACTION))
    assert notice in visitor and "effacées 9 mois après" in visitor
    assert 'href="/pages/mentions-legales"' in visitor
    form = visitor.split('id="signer"', 1)[1].split("</form>", 1)[0]
    assert notice in form
    make_member(app, "membre@example.net")
    log_in(client, "membre@example.net")
    member = text(client.get(DEMO_CYBERACTION))
    assert "Je signe en un clic" in member and notice in member
