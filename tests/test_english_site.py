"""Asked in English, the site's own words are English on every public page, a member's pages
and the staff's pages: none of the common French words of its interface shows through.

What the association wrote stays as it was written, so the campaigns and pages are given
English texts here first: whatever French remains is the interface's.
"""
from conftest import DEMO_CLOSED, DEMO_CYBERACTION, DEMO_PETITION, log_in, make_member
from english_support import ENGLISH, FRENCH, english_content, visible_text  # noqa: F401

PUBLIC_PAGES = ["/", DEMO_CYBERACTION, DEMO_PETITION, DEMO_CLOSED, "/cyberactions",
                "/petitions", "/liste-rapide", "/bilans", "/recherche?q=hedgehog",
                DEMO_CYBERACTION + "/signataires", DEMO_CYBERACTION + "/widget",
                DEMO_CYBERACTION + "/recommander", "/connexion", "/inscription",
                "/mot-de-passe-oublie", "/lettre-d-infos", "/pages/association",
                "/pages/faq", "/pages/contact", "/pages/mentions-legales", "/page-absente"]
MEMBER_PAGES = ["/compte", "/compte/supprimer", "/proposer"]
STAFF_PAGES = ["/moderation", "/admin/", "/admin/campagnes/nouvelle", "/admin/membres",
               "/admin/journal", "/admin/lettre-d-infos", "/admin/exploitation",
               "/admin/pages", "/admin/fraude"]


def french_words(client, path):
    response = client.get(path, headers=ENGLISH)
    assert response.status_code in (200, 403, 404), (path, response.status_code)
    text = visible_text(response.get_data(as_text=True)).replace("Français", "")
    return sorted({match.group(1) for match in FRENCH.finditer(text)})


def assert_english(client, paths):
    found = {path: words for path in paths if (words := french_words(client, path))}
    assert found == {}


def test_public_pages_have_no_french_word(client, english_content):
    assert_english(client, PUBLIC_PAGES)


def test_member_pages_have_no_french_word(app, client, english_content):
    make_member(app)
    log_in(client)
    assert_english(client, ["/", DEMO_CYBERACTION, *MEMBER_PAGES])


def test_staff_pages_have_no_french_word(client, admin, english_content):
    assert_english(client, STAFF_PAGES)


def test_the_same_pages_stay_french_by_default(client):
    page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "Aller au contenu" in page and "Skip to content" not in page
