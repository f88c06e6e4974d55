"""The public pages show what the design promises, and nothing private."""
import pytest

from app import create_app
from conftest import DEMO_CYBERACTION, DEMO_PETITION, post_signature
from services.heartbeat import Heartbeat


def test_home_lists_open_campaigns_with_counters(client, database):
    html = client.get("/").get_data(as_text=True)
    assert "Pour des écoles libres de logiciels privateurs" in html
    assert "Sauvons les trains du quotidien" in html
    assert "Campagnes terminées" in html
    assert "participation" in html


def test_campaign_page_shows_every_element_of_the_design(client, database):
    response = client.get(DEMO_CYBERACTION)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for expected in [
        "<h1>Pour des écoles libres", "numérique", 'class="counter"', 'href="#signer"',
        "En ligne depuis le", "Proposée par", "Collectif Écoles Libres", "Envoyée à",
        "Premier ministre | votre député·e (en copie, au choix)", "Date de clôture", "Plus d'infos", "Sources",
        "https://example.org/rapport-souverainete", "Récapitulatif du message",
        "premier-ministre@example.org", "Stop à la migration des écoles vers Microsoft 365",
        "Je signe sans compte",
    ]:
        assert expected in html, expected
    for label in ["Nom", "Prénom", "Courriel", "Code postal", "Commune", "Pays",
                  "Profession", "Adresse"]:
        assert f">{label} <span" in html or f">{label}</label>" in html, label
    assert 'hx-post="/cyberactions/arret-migration-m365/signer"' in html
    assert 'method="post" action="/cyberactions/arret-migration-m365/signer"' in html


def test_petition_page_has_no_letter_recap(client, database):
    html = client.get(DEMO_PETITION).get_data(as_text=True)
    assert "Signer la pétition" in html
    assert "Récapitulatif du message" not in html
    assert "votre député·e" not in html


def test_counter_fragment_is_cacheable_for_a_few_seconds(client, database):
    response = client.get(f"{DEMO_CYBERACTION}/compteur")
    assert response.status_code == 200
    assert "max-age=5" in response.headers["Cache-Control"]
    assert "<html" not in response.get_data(as_text=True)


def test_no_signer_address_ever_appears_on_public_pages(client, database):
    post_signature(client)
    for url in ["/", DEMO_CYBERACTION, f"{DEMO_CYBERACTION}/merci", f"{DEMO_CYBERACTION}/compteur"]:
        assert "helene.durand@example.net" not in client.get(url).get_data(as_text=True)


def test_unknown_campaign_is_a_french_404(client, database):
    response = client.get("/cyberactions/nexiste-pas")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


def test_security_headers_forbid_inline_scripts(client, database):
    response = client.get(DEMO_CYBERACTION)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)


def test_healthz_answers_when_the_database_does(app, client, database):
    with app.app_context():
        Heartbeat("worker-test").beat()  # the outbox worker's sign of life (tests/test_healthz.py)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_healthz_reports_an_unusable_database(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_dev_mailbox_is_absent_unless_enabled(client, database):
    assert client.get("/dev/courriels/").status_code == 404


@pytest.fixture
def dev_client(database_url):
    from conftest import make_test_app
    from migrations import create_latest
    from models import ALL_MODELS, db
    from services import demo
    app = make_test_app(database_url, DEV_MAILBOX=True)
    db.drop_tables(ALL_MODELS, safe=True, cascade=not database_url.startswith("sqlite"))
    create_latest()
    demo.load_demo_campaigns()
    db.close()
    return app.test_client()


def test_dev_mailbox_shows_kept_mail_with_a_clickable_link(dev_client):
    post_signature(dev_client)
    inbox = dev_client.get("/dev/courriels/").get_data(as_text=True)
    assert "Confirmez votre participation" in inbox
    assert "<td>En attente</td>" in inbox and "<td>pending</td>" not in inbox  # not sent yet
    assert '<div class="table-scroll">\n<table class="mail-table">' in inbox  # a phone scrolls it alone
    message = dev_client.get("/dev/courriels/1").get_data(as_text=True)
    assert "<dd>En attente" in message
    assert '<a href="http://interpelle.test/confirmer/' in message


def test_campaign_page_ids_are_unique_so_every_label_finds_its_field(client, database):
    import re
    html = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for target in re.findall(r'<label for="([^"]+)"', html):
        assert target in ids, target
