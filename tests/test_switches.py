"""The operator's switches: signing paused site-wide, the read-only mode, a hidden counter.

Each is turned from the CLI or from Administration → Exploitation, and each change is in
the journal. A refused request stores nothing: every table is counted before and after.
"""
import re

import pytest

from conftest import (
    DEMO_CYBERACTION, DEMO_PETITION, campaign_at, csrf_token, log_in, make_member,
    make_test_app, signer,
)
from models import ALL_MODELS, AuditEntry, Campaign, Signature, SiteSetting
from services import messages, signing, switches

PAUSE_MESSAGE = "Maintenance du serveur de courriel : les signatures reprennent à 14 h."
HTMX = {"HX-Request": "true"}
HIDDEN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def row_counts():
    return {model.__name__: model.select().count() for model in ALL_MODELS}


def pending_token(app, email="camille.roux@example.net"):
    """A participation waiting for its confirmation, and the token of its emailed link."""
    with app.app_context():
        campaign = campaign_at(DEMO_CYBERACTION)
        signing.sign(campaign, signing.SignerDetails(**{
            **signer(email=email), "letter_subject": campaign.letter_subject,
            "letter_body": campaign.letter_body}))
        signature = Signature.get(Signature.email == email)
        return messages.make_token(messages.CONFIRM_PURPOSE, signature.confirm_nonce)


def pause(runner, message=PAUSE_MESSAGE):
    result = runner.invoke(args=["signing", "pause", "--message", message])
    assert result.exit_code == 0, result.output
    return result


# Signing paused ---------------------------------------------------------------------------

def test_paused_signing_keeps_the_page_readable_and_shows_the_message(app, client, runner,
                                                                      database):
    before = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert 'action="/cyberactions/arret-migration-m365/signer"' in before
    pause(runner)
    page = client.get(DEMO_CYBERACTION)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Signatures suspendues" in html and "les signatures reprennent à 14 h" in html
    assert 'action="/cyberactions/arret-migration-m365/signer"' not in html
    assert "Plus d'infos" in html  # the campaign itself is still there to read


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_paused_signing_refuses_every_signing_post_and_stores_nothing(app, client, runner,
                                                                     database, headers):
    member = make_member(app)
    token = pending_token(app)
    log_in(client, member.email)
    form_token = csrf_token(client)
    pause(runner)
    counts = row_counts()
    campaign = campaign_at(DEMO_CYBERACTION)
    posts = {
        f"{DEMO_CYBERACTION}/signer": dict(signer(email="autre@example.net"),
                                           csrf_token=form_token),
        f"{DEMO_CYBERACTION}/signer-en-un-clic": {"csrf_token": form_token},
        f"/liste-rapide/{campaign.id}/signer": {"csrf_token": form_token},
        f"/confirmer/{token}": {"csrf_token": form_token},
    }
    for url, data in posts.items():
        response = client.post(url, data=data, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 503, url
        assert "Signatures suspendues" in html and "les signatures reprennent à 14 h" in html
        assert ("<html" in html) is not bool(headers), url  # htmx gets the fragment
    assert row_counts() == counts
    assert "Votre lien de confirmation reste valable" in client.post(
        f"/confirmer/{token}", data={"csrf_token": form_token}).get_data(as_text=True)


def test_a_confirmation_link_refused_during_the_pause_works_once_signing_resumes(
        app, client, runner, database):
    token = pending_token(app)
    pause(runner)
    form_token = csrf_token(client, f"/confirmer/{token}")
    assert client.post(f"/confirmer/{token}", data={"csrf_token": form_token}).status_code == 503
    assert runner.invoke(args=["signing", "resume"]).exit_code == 0
    assert client.post(f"/confirmer/{token}", data={"csrf_token": form_token}).status_code == 200
    assert Signature.get(Signature.email == "camille.roux@example.net").status == "confirmed"


def test_pausing_and_resuming_from_the_cli_are_in_the_journal(app, runner, database):
    pause(runner)
    runner.invoke(args=["signing", "resume"])
    entries = list(AuditEntry.select().order_by(AuditEntry.id))
    assert [entry.action for entry in entries] == ["signing.pause", "signing.resume"]
    assert PAUSE_MESSAGE in entries[0].detail and "ligne de commande" in entries[0].detail
    assert SiteSetting.select().count() == 0


def test_the_cached_page_never_outlives_a_switch(app, client, runner, database):
    """An anonymous visitor's copy of the page is cached for seconds; a pause shows at once."""
    assert app.config["PAGE_CACHE_SECONDS"] > 0
    assert "Je signe sans compte" in client.get(DEMO_CYBERACTION).get_data(as_text=True)
    with app.app_context():
        switches.pause_signing(PAUSE_MESSAGE)
    assert "Je signe sans compte" not in client.get(DEMO_CYBERACTION).get_data(as_text=True)
    with app.app_context():
        switches.resume_signing()
    assert "Je signe sans compte" in client.get(DEMO_CYBERACTION).get_data(as_text=True)


# Read-only mode ---------------------------------------------------------------------------

def test_read_only_shows_a_banner_on_every_page(app, client, runner, database):
    assert runner.invoke(args=["read-only", "on"]).exit_code == 0
    for url in ("/", DEMO_CYBERACTION, "/connexion", "/bilans"):
        html = client.get(url).get_data(as_text=True)
        assert "Site en maintenance" in html, url
    assert runner.invoke(args=["read-only", "off"]).exit_code == 0
    assert "Site en maintenance" not in client.get("/").get_data(as_text=True)


def write_rules(app):
    """Every rule of the URL map that accepts a write, with its methods."""
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            yield rule, method


def sample_url(rule, campaign_id):
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if name == "kind":
            values[name] = "cyberactions"
        elif name == "slug":
            values[name] = "arret-migration-m365"
        elif type(converter).__name__ == "IntegerConverter":
            values[name] = campaign_id
        else:
            values[name] = "quelque-chose"
    return rule.build(values, append_unknown=False)[1]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_read_only_refuses_every_write_route(app, client, runner, database, headers):
    admin = make_member(app, "admin@example.net", role="admin")
    log_in(client, admin.email)
    form_token = csrf_token(client)
    assert runner.invoke(args=["read-only", "on"]).exit_code == 0
    counts = row_counts()
    campaign_id = campaign_at(DEMO_CYBERACTION).id
    allowed = {"accounts.login", "accounts.logout", "campaigns.login",
               "admin.operations_read_only"}
    checked = 0
    for rule, method in write_rules(app):
        if rule.endpoint in allowed:
            continue
        url = sample_url(rule, campaign_id)
        response = client.open(url, method=method, data={"csrf_token": form_token},
                               headers=headers)
        assert response.status_code == 503, (rule.rule, method, response.status_code)
        assert "rien ne peut être enregistré" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 30
    assert row_counts() == counts


def test_read_only_still_lets_the_admin_log_in_and_end_it(app, client, runner, database):
    admin = make_member(app, "admin@example.net", role="admin")
    runner.invoke(args=["read-only", "on"])
    assert log_in(client, admin.email).status_code == 303
    page = client.get("/admin/exploitation").get_data(as_text=True)
    assert "Le site est en lecture seule." in page
    response = client.post("/admin/exploitation/lecture-seule",
                           data={"csrf_token": HIDDEN_TOKEN.search(page).group(1),
                                 "action": "desactiver"})
    assert response.status_code == 303
    assert "Site en maintenance" not in client.get("/").get_data(as_text=True)
    actions = [entry.action for entry in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions == ["site.read_only_on", "site.read_only_off"]
    assert AuditEntry.select().order_by(AuditEntry.id.desc()).first().actor_id == admin.id


# The admin page ---------------------------------------------------------------------------

def test_the_admin_pauses_signing_from_exploitation(app, client, database):
    admin = make_member(app, "admin@example.net", role="admin")
    log_in(client, admin.email)
    page = client.get("/admin/exploitation").get_data(as_text=True)
    assert "Exploitation" in page and "Suspendre les signatures" in page
    response = client.post("/admin/exploitation/signatures", data={
        "csrf_token": HIDDEN_TOKEN.search(page).group(1), "action": "suspendre",
        "message": PAUSE_MESSAGE})
    assert response.status_code == 303
    assert "Rétablir les signatures" in client.get("/admin/exploitation").get_data(as_text=True)
    anonymous = app.test_client()
    response = anonymous.post(f"{DEMO_CYBERACTION}/signer",
                              data=dict(signer(), csrf_token=csrf_token(anonymous, "/connexion")))
    assert response.status_code == 503
    entry = AuditEntry.get(AuditEntry.action == "signing.pause")
    assert entry.actor_id == admin.id and entry.detail == PAUSE_MESSAGE


def test_a_pause_message_too_long_comes_back_with_its_error(app, client, database):
    admin = make_member(app, "admin@example.net", role="admin")
    log_in(client, admin.email)
    response = client.post("/admin/exploitation/signatures", data={
        "csrf_token": csrf_token(client, "/admin/exploitation"), "action": "suspendre",
        "message": "x" * 501})
    assert response.status_code == 422
    assert "500 caractères au plus." in response.get_data(as_text=True)
    assert SiteSetting.select().count() == 0


# Hidden counters --------------------------------------------------------------------------

def numbers_shown(html, count):
    return re.findall(rf"<strong>{count}</strong>", html)


def test_a_hidden_counter_shows_no_number_anywhere_on_the_site(app, client, runner, database):
    campaign = campaign_at(DEMO_PETITION)
    Campaign.update(signature_count=4321, goal=10000).where(Campaign.id == campaign.id).execute()
    pages = [DEMO_PETITION, "/", "/petitions", f"{DEMO_PETITION}/compteur",
             f"{DEMO_PETITION}/signataires"]
    assert all(numbers_shown(client.get(url).get_data(as_text=True), "4\u202f321") for url in pages)
    result = runner.invoke(args=["counter", "hide", "petitions/sauvons-la-ligne-paris-granville"])
    assert result.exit_code == 0, result.output
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert not numbers_shown(html, "4\u202f321"), url
        assert "4\u202f321" not in html and "43&nbsp;%" not in html, url
    assert runner.invoke(args=["counter", "show",
                               "petitions/sauvons-la-ligne-paris-granville"]).exit_code == 0
    assert numbers_shown(client.get(DEMO_PETITION).get_data(as_text=True), "4\u202f321")
    actions = [entry.action for entry in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions == ["counter.hide", "counter.show"]


def test_the_admin_hides_a_counter_from_exploitation(app, client, database):
    admin = make_member(app, "admin@example.net", role="admin")
    log_in(client, admin.email)
    campaign = campaign_at(DEMO_CYBERACTION)
    response = client.post(f"/admin/exploitation/compteurs/{campaign.id}", data={
        "csrf_token": csrf_token(client, "/admin/exploitation"), "action": "masquer"})
    assert response.status_code == 303
    assert campaign_at(DEMO_CYBERACTION).hide_counter
    assert "Afficher le compteur" in client.get("/admin/exploitation").get_data(as_text=True)


def test_counter_command_refuses_an_unknown_campaign(app, runner, database):
    result = runner.invoke(args=["counter", "hide", "petitions/inconnue"])
    assert result.exit_code != 0 and "Campagne inconnue" in result.output


def test_the_error_page_still_renders_when_the_switches_cannot_be_read(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/absent/db.sqlite3", PROPAGATE_EXCEPTIONS=False)
    response = app.test_client().get("/")
    assert response.status_code == 500
    assert "Erreur du serveur" in response.get_data(as_text=True)


@pytest.mark.browser
def test_a_form_sent_after_the_pause_keeps_what_was_typed_and_says_why(browser, live_server):
    """The page was open before the pause: htmx leaves the form as typed, the message
    appears above it (static/js/site.js keeps a 503 in place)."""
    from browser_support import expect, fill_signing_form, new_page
    page = new_page(browser)
    page.goto(live_server.url + DEMO_CYBERACTION)
    form = fill_signing_form(page, email="camille.roux@example.net", last_name="Roux",
                             first_name="Camille", postal_code="35000", city="Rennes")
    with live_server.app.app_context():
        switches.pause_signing(PAUSE_MESSAGE)
    page.get_by_role("button", name="Envoyer mon message").click()
    notice = page.locator(".request-notice")
    expect(notice).to_contain_text("les signatures reprennent à 14 h")
    expect(form.get_by_label(re.compile(r"^Courriel"))).to_have_value("camille.roux@example.net")
    with live_server.app.app_context():
        assert Signature.select().count() == 0
    page.context.close()
