"""Members propose campaigns; moderators accept them (a draft for the admins) or refuse them
(the member gets the moderator's message by email). Roles, CSRF, bad input, rate limits."""
import re
from urllib.parse import unquote

import pytest

from browser_support import expect, menu_entry, nav_item, new_page
from conftest import MEMBER_PASSWORD, csrf_token, delete_own_account, log_in, make_member
from models import AuditEntry, Campaign, OutboxMessage
from services import outbox, proposals

MEMBER = "membre@example.net"
MODERATOR = "moderatrice@example.net"
ADMIN = "admin@example.net"
TITLE = "Des fontaines dans chaque parc"
PUBLIC_URL = "/petitions/des-fontaines-dans-chaque-parc"
REVIEW = "/moderation/propositions"


def proposal_data(**overrides):
    data = {
        "kind": "petitions",
        "title": TITLE,
        "tags": "eau, parcs",
        "summary": "Boire sans acheter de bouteille.",
        "body": "Nous **demandons** une fontaine par parc.\n\n<script>alert(1)</script>",
        "sources": "Le rapport de la ville https://exemple.org/rapport",
        "proposer": "Collectif Eau vive",
        "targets": "Mairie de Rennes <contact@rennes.example.org>",
        "letter_subject": "Une fontaine dans chaque parc",
        "letter_body": "Madame la Maire,\n\nNous vous demandons une fontaine par parc.",
        "letter_editable": "y",
    }
    data.update(overrides)
    return data


def post_proposal(client, **overrides):
    data = proposal_data(**overrides)
    data["csrf_token"] = csrf_token(client, "/proposer")
    return client.post("/proposer", data=data)


def proposed_by_member(app):
    """A member's proposal, sent through the page as they would."""
    member = make_member(app, MEMBER)
    client = app.test_client()
    log_in(client, MEMBER)
    assert post_proposal(client).status_code == 303
    return member, Campaign.get(Campaign.title == TITLE)


def moderator_client(app, email=MODERATOR, role="moderator", htmx=False):
    make_member(app, email, role=role, first_name="Léa", last_name="Moreau")
    client = app.test_client()
    if htmx:
        client.environ_base["HTTP_HX_REQUEST"] = "true"
    log_in(client, email)
    return client


def decide(client, campaign, action, message=None):
    data = {"csrf_token": csrf_token(client, "/proposer")}
    if message is not None:
        data["message"] = message
    return client.post(f"{REVIEW}/{campaign.id}/{action}", data=data)


@pytest.fixture
def app_config(request):
    """No cached anonymous page may outlive a test's database; a test that asks for the
    SMTP server gets its mail sent there."""
    config = {"PAGE_CACHE_SECONDS": 0}
    if "smtp_server" in request.fixturenames:
        server = request.getfixturevalue("smtp_server")
        config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    return config


# Proposing ---------------------------------------------------------------------------------

def test_proposer_page_shows_every_field_with_the_members_name_filled_in(app, client, database):
    make_member(app, MEMBER)
    log_in(client, MEMBER)
    response = client.get("/proposer")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    for label in ("Type", "Titre", "Mots-clés", "Résumé", "Texte", "Sources", "Proposée par",
                  "Destinataires", "Objet du message", "Texte du message",
                  "Les signataires peuvent modifier le message", "Copie au député"):
        assert re.search(rf'<label for="\w+">{re.escape(label)}( <span|</label>)', html), label
    for publishing_only in ("Adresse de la page", "Mise en ligne le", "Date de clôture",
                            "Objectif", "Bilan"):
        assert f">{publishing_only}<" not in html
    assert re.search(r'<input [^>]*name="proposer" [^>]*value="Camille Martin"', html)
    assert "Envoyer la proposition" in html
    assert "Vous n'avez encore rien proposé." in html
    assert 'href="/proposer">Proposer</a>' in html


def test_member_proposes_without_javascript_and_the_proposal_stays_private(app, client,
                                                                          database):
    member = make_member(app, MEMBER)
    log_in(client, MEMBER)
    response = post_proposal(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/proposer")

    campaign = Campaign.get(Campaign.title == TITLE)
    assert campaign.status == Campaign.PROPOSED
    assert campaign.proposed_by_id == member.id
    assert campaign.proposer == "Collectif Eau vive"
    assert campaign.kind == "petitions" and campaign.slug == "des-fontaines-dans-chaque-parc"
    assert [(t.name, t.email) for t in campaign.target_list] == [
        ("Mairie de Rennes", "contact@rennes.example.org")]
    entry = AuditEntry.get(AuditEntry.campaign == campaign.id)
    assert (entry.action, entry.actor_id) == ("campaign.propose", member.id)

    page = client.get("/proposer").get_data(as_text=True)
    assert "Merci : votre proposition est transmise aux modérateurs." in page
    mine = page[page.index('id="mes-propositions"'):]
    assert TITLE in mine and "en attente des modérateurs" in mine
    # Neither the public nor its own author reads it at its address before a decision.
    assert client.get(PUBLIC_URL).status_code == 404
    assert app.test_client().get(PUBLIC_URL).status_code == 404


def test_member_proposes_with_htmx_and_the_area_comes_back_with_thanks_and_list(app, htmx,
                                                                               database):
    make_member(app, MEMBER)
    log_in(htmx, MEMBER)
    response = post_proposal(htmx, title="Un banc par arrêt de bus")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in html and html.lstrip().startswith('<div id="proposition"')
    assert "Merci : votre proposition est transmise aux modérateurs." in html
    mine = html[html.index('id="mes-propositions"'):]
    assert "Un banc par arrêt de bus" in mine
    # The form is empty again, ready for another proposal.
    assert re.search(r'<input [^>]*name="title" [^>]*value=""', html)
    assert Campaign.get(Campaign.title == "Un banc par arrêt de bus").status == Campaign.PROPOSED


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": ""}, "title", "Le titre ne peut pas être vide."),
    ({"targets": "La mairie contact@rennes.example.org"}, "targets",
     "Ligne 1 : écrivez « Libellé &lt;adresse&gt; »"),
    ({"targets": ""}, "targets", "Indiquez au moins un destinataire"),
    ({"letter_subject": ""}, "letter_subject", "L&#39;objet du message ne peut pas être vide."),
    ({"letter_body": "   "}, "letter_body", "Le texte du message ne peut pas être vide."),
    ({"proposer": ""}, "proposer", "Ce champ est obligatoire."),
    ({"sources": "Un rapport sans adresse"}, "sources", "Ligne 1 : écrivez le texte de la source"),
    ({"title": "x" * 201}, "title", "Entre 1 et 200 caractères"),
])
def test_bad_input_comes_back_in_french_beside_the_field_and_nothing_is_saved(
        app, client, htmx, database, overrides, field, message):
    make_member(app, MEMBER)
    before = Campaign.select().count()
    for each in (client, htmx):
        log_in(each, MEMBER)
        response = post_proposal(each, **overrides)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        error = re.search(rf'<div class="field-error" id="{field}-erreur">(.*?)</div>', html, re.S)
        assert error and message in error.group(1), html
        assert "Votre proposition n'est pas encore envoyée" in html
        # What was typed is kept.
        assert "Nous vous demandons une fontaine par parc." in html or field == "letter_body"
    assert Campaign.select().count() == before
    assert not AuditEntry.select().where(AuditEntry.action == "campaign.propose").exists()


def test_anonymous_visitor_is_sent_to_the_login_page_and_cannot_propose(app, client, database):
    response = client.get("/proposer")
    assert response.status_code == 302
    assert "/connexion?next=%2Fproposer" in response.headers["Location"]
    data = proposal_data(csrf_token=csrf_token(client, "/connexion"))
    assert client.post("/proposer", data=data).status_code == 302
    assert not Campaign.select().where(Campaign.title == TITLE).exists()
    assert 'href="/proposer"' not in client.get("/connexion").get_data(as_text=True)


def test_proposing_needs_the_forms_csrf_token(app, client, database):
    make_member(app, MEMBER)
    log_in(client, MEMBER)
    response = client.post("/proposer", data=proposal_data())
    assert response.status_code == 400
    assert "Formulaire expiré" in response.get_data(as_text=True)
    assert not Campaign.select().where(Campaign.title == TITLE).exists()


def test_a_member_sees_only_their_own_proposals(app, database):
    proposed_by_member(app)
    make_member(app, "autre@example.net")
    other = app.test_client()
    log_in(other, "autre@example.net")
    html = other.get("/proposer").get_data(as_text=True)
    assert TITLE not in html and "Vous n'avez encore rien proposé." in html


# Moderators reading and deciding -------------------------------------------------------------

def test_moderator_reads_each_proposal_in_full_without_any_address_of_the_member(app,
                                                                                  database):
    member, campaign = proposed_by_member(app)
    moderator = moderator_client(app)
    response = moderator.get(REVIEW)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    block = html[html.index(f'id="proposition-{campaign.id}"'):]
    assert TITLE in block and "Pétition" in block
    assert "Collectif Eau vive" in block and f"Camille M. <span class=\"hint\">(membre n°&nbsp;{member.id})" in block
    assert "<strong>demandons</strong>" in block  # the body as Markdown
    assert "<script>alert(1)" not in html  # and sanitised
    assert "Mairie de Rennes &lt;contact@rennes.example.org&gt;" in block
    assert "Une fontaine dans chaque parc" in block and "Madame la Maire," in block
    assert "Le rapport de la ville" in block
    assert MEMBER not in html
    assert f'action="{REVIEW}/{campaign.id}/accepter"' in block
    assert f'action="{REVIEW}/{campaign.id}/refuser"' in block
    # The moderation page leads there, with the number waiting.
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert f'href="{REVIEW}">Propositions de campagne</a>' in queue and "(1 en attente)" in queue


def test_moderator_accepts_without_javascript_and_admins_find_a_draft(app, database):
    member, campaign = proposed_by_member(app)
    moderator = moderator_client(app)
    response = decide(moderator, campaign, "accepter")
    assert response.status_code == 303 and response.headers["Location"].endswith(REVIEW)
    page = moderator.get(REVIEW).get_data(as_text=True)
    assert f"« {TITLE} » est acceptée" in page and "Aucune proposition en attente." in page

    accepted = Campaign.get_by_id(campaign.id)
    assert accepted.status == Campaign.DRAFT
    entry = AuditEntry.get(AuditEntry.action == "campaign.approve")
    assert entry.campaign_id == campaign.id and entry.actor.email == MODERATOR
    assert app.test_client().get(PUBLIC_URL).status_code == 404  # a draft is not public yet

    admin = moderator_client(app, ADMIN, role="admin")
    listing = admin.get("/admin/").get_data(as_text=True)
    assert TITLE in listing and "Brouillon" in listing

    author = app.test_client()
    log_in(author, MEMBER)
    mine = author.get("/proposer").get_data(as_text=True)
    assert "acceptée, en préparation" in mine


def test_admin_accepts_with_htmx_and_the_block_becomes_its_outcome(app, database):
    _, campaign = proposed_by_member(app)
    admin = moderator_client(app, ADMIN, role="admin", htmx=True)
    response = decide(admin, campaign, "accepter")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<article id="proposition-{campaign.id}"')
    assert "<html" not in html and f"« {TITLE} » est acceptée" in html
    assert f'href="/admin/campagnes/{campaign.id}"' in html
    assert Campaign.get_by_id(campaign.id).status == Campaign.DRAFT


@pytest.mark.parametrize("with_htmx", [False, True])
def test_moderator_refuses_and_the_member_gets_the_message_through_smtp(
        app, smtp_server, database, with_htmx):
    _, campaign = proposed_by_member(app)
    moderator = moderator_client(app, htmx=with_htmx)
    words = ("Merci pour cette idée. Une pétition proche existe déjà :\n"
             "https://exemple.org/fontaines <b>voyez-la</b>.")
    response = decide(moderator, campaign, "refuser", words)
    if with_htmx:
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert html.lstrip().startswith(f'<article id="proposition-{campaign.id}"')
        assert f"« {TITLE} » est refusée : son auteur reçoit votre message" in html
    else:
        assert response.status_code == 303

    refused = Campaign.get_by_id(campaign.id)
    assert refused.status == Campaign.ARCHIVED
    entry = AuditEntry.get(AuditEntry.action == "campaign.refuse")
    assert entry.campaign_id == campaign.id and entry.actor.email == MODERATOR
    assert entry.detail == words.replace("\r\n", "\n")

    with app.app_context():
        outbox.drain()
    [mail] = smtp_server.mailbox.messages
    assert mail["To"] == MEMBER
    assert mail["Subject"] == f"Votre proposition n'est pas retenue : {TITLE}"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert f"« {TITLE} »" in text and words in text
    assert "http://interpelle.test/proposer" in text
    html = mail.get_body(("html",)).get_content()
    assert "https://exemple.org/fontaines &lt;b&gt;voyez-la&lt;/b&gt;." in html
    assert 'href="https://exemple.org' not in html and "<b>" not in html
    for personal in (MODERATOR, "Moreau", "Léa", "Martin", "Camille"):
        assert personal not in text and personal not in html
    assert OutboxMessage.get().status == OutboxMessage.SENT

    author = app.test_client()
    log_in(author, MEMBER)
    assert "non retenue" in author.get("/proposer").get_data(as_text=True)


def test_refusing_needs_a_message_and_changes_nothing_without_one(app, client, htmx, database):
    _, campaign = proposed_by_member(app)
    make_member(app, MODERATOR, role="moderator")
    for each in (client, htmx):
        log_in(each, MODERATOR)
        response = decide(each, campaign, "refuser", "   ")
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f'id="proposition-{campaign.id}"' in html
        assert re.search(r"<details class=\"comment-action\" open>", html)
        assert "Écrivez au membre pourquoi sa proposition n&#39;est pas retenue" in html
        assert 'aria-invalid="true" autofocus' in html
    assert "<html" not in html  # the htmx answer is the proposal's block alone
    assert Campaign.get_by_id(campaign.id).status == Campaign.PROPOSED
    assert OutboxMessage.select().count() == 0
    assert not AuditEntry.select().where(AuditEntry.action == "campaign.refuse").exists()


def test_a_proposal_whose_author_left_is_refused_without_an_email(app, database):
    _, campaign = proposed_by_member(app)
    author = app.test_client()
    log_in(author, MEMBER)
    assert delete_own_account(author).status_code in (302, 303)
    moderator = moderator_client(app)
    assert "compte supprimé" in moderator.get(REVIEW).get_data(as_text=True)
    assert decide(moderator, campaign, "refuser", "Hors sujet.").status_code == 303
    assert Campaign.get_by_id(campaign.id).status == Campaign.ARCHIVED
    assert not OutboxMessage.select().where(OutboxMessage.category == "proposal").exists()


def test_a_proposal_already_decided_is_not_decided_again(app, htmx, database):
    _, campaign = proposed_by_member(app)
    moderator = moderator_client(app)
    assert decide(moderator, campaign, "accepter").status_code == 303
    late = decide(moderator, campaign, "refuser", "Trop tard.")
    assert late.status_code == 409
    assert "Cette proposition a déjà été traitée (elle est maintenant : brouillon)" in \
        late.get_data(as_text=True)
    log_in(htmx, MODERATOR)
    again = decide(htmx, campaign, "accepter")
    assert again.status_code == 409
    assert f'<article id="proposition-{campaign.id}"' in again.get_data(as_text=True)
    assert Campaign.get_by_id(campaign.id).status == Campaign.DRAFT
    assert OutboxMessage.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action.in_(
        ("campaign.approve", "campaign.refuse"))).count() == 1


def test_only_moderators_reach_the_proposals_or_decide_on_them(app, database):
    _, campaign = proposed_by_member(app)
    member = app.test_client()
    log_in(member, MEMBER)
    listing = member.get(REVIEW)
    assert listing.status_code == 403
    assert "réservées aux modérateurs" in listing.get_data(as_text=True)
    assert listing.headers["Cache-Control"] == "no-store"
    assert decide(member, campaign, "accepter").status_code == 403
    assert decide(member, campaign, "refuser", "Non.").status_code == 403
    anonymous = app.test_client()
    token = csrf_token(anonymous, "/connexion")
    assert unquote(anonymous.get(REVIEW).headers["Location"]).endswith(
        "/connexion?next=/moderation/propositions")
    for action in ("accepter", "refuser"):
        answer = anonymous.post(f"{REVIEW}/{campaign.id}/{action}",
                                data={"csrf_token": token, "message": "Non."})
        assert answer.status_code == 302
    assert Campaign.get_by_id(campaign.id).status == Campaign.PROPOSED
    assert OutboxMessage.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action != "campaign.propose").count() == 0
    # Nor can the service be called for a member by mistake.
    with pytest.raises(proposals.NotAllowed):
        proposals.approve(campaign.proposed_by, campaign)


def test_deciding_needs_the_csrf_token(app, database):
    _, campaign = proposed_by_member(app)
    moderator = moderator_client(app)
    response = moderator.post(f"{REVIEW}/{campaign.id}/accepter")
    assert response.status_code == 400
    assert Campaign.get_by_id(campaign.id).status == Campaign.PROPOSED


def test_a_campaign_that_was_never_proposed_is_not_decided_on_here(app, database):
    moderator = moderator_client(app)
    campaign = Campaign.get(Campaign.slug == "arret-migration-m365")
    assert decide(moderator, campaign, "refuser", "Non.").status_code == 404
    assert decide(moderator, campaign, "accepter").status_code == 404
    assert Campaign.get_by_id(campaign.id).status == campaign.status


# Rate limit ----------------------------------------------------------------------------------

@pytest.mark.parametrize("app_config", [{
    "PAGE_CACHE_SECONDS": 0, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
    "PROPOSAL_RATE_LIMIT": "2 per day"}])
def test_a_member_proposes_a_few_times_a_day_at_most_and_is_told_so_in_french(
        app, client, htmx, database):
    make_member(app, MEMBER)
    log_in(client, MEMBER)
    assert post_proposal(client, title="Première").status_code == 303
    assert post_proposal(client, title="").status_code == 422  # a form with errors is free
    assert client.get("/proposer").status_code == 200  # reading the page is free too
    assert post_proposal(client, title="Deuxième").status_code == 303
    refused = post_proposal(client, title="Troisième")
    assert refused.status_code == 429
    assert "Trop de propositions" in refused.get_data(as_text=True)
    log_in(htmx, MEMBER)
    assert post_proposal(htmx, title="Quatrième").status_code == 429
    assert Campaign.select().where(Campaign.status == Campaign.PROPOSED).count() == 2
    # Counted per member: another member still may.
    make_member(app, "autre@example.net")
    other = app.test_client()
    log_in(other, "autre@example.net")
    assert post_proposal(other, title="Cinquième").status_code == 303


# In a real browser ---------------------------------------------------------------------------

def browser_log_in(tab, base, email):
    tab.goto(base + "/connexion")
    tab.get_by_label(re.compile(r"^Adresse électronique")).fill(email)
    tab.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
    tab.get_by_role("button", name="Connexion").click()
    expect(nav_item(tab, "Mon profil")).to_be_attached()


def fill_proposal(tab, title):
    tab.get_by_label("Type").select_option("petitions")
    tab.get_by_label(re.compile(r"^Titre")).fill(title)
    tab.get_by_label(re.compile(r"^Destinataires")).fill(
        "Mairie de Rennes <contact@rennes.example.org>")
    tab.get_by_label(re.compile(r"^Objet du message")).fill("Une fontaine dans chaque parc")
    tab.get_by_label(re.compile(r"^Texte du message")).fill("Madame la Maire,\n\nDes fontaines.")


@pytest.mark.browser
def test_in_chromium_a_member_proposes_in_place_and_a_moderator_refuses_in_place(
        browser, live_server):
    base = live_server.url
    make_member(live_server.app, MEMBER)
    make_member(live_server.app, MODERATOR, role="moderator")
    member = new_page(browser)
    browser_log_in(member, base, MEMBER)
    menu_entry(member, "Proposer").click()
    expect(member.get_by_label(re.compile(r"^Proposée par"))).to_have_value("Camille Martin")
    member.evaluate("window.__marker = 1")

    member.get_by_role("button", name="Envoyer la proposition").click()
    expect(member.get_by_text("Le titre ne peut pas être vide.")).to_be_visible()
    expect(member.get_by_label(re.compile(r"^Titre"))).to_be_focused()
    fill_proposal(member, TITLE)
    member.get_by_role("button", name="Envoyer la proposition").click()
    expect(member.get_by_text("Merci : votre proposition est transmise aux modérateurs.")) \
        .to_be_visible()
    expect(member.locator("aside")).to_contain_text("en attente des modérateurs")
    expect(member.get_by_label(re.compile(r"^Titre"))).to_have_value("")
    assert member.evaluate("window.__marker") == 1  # no reload

    moderator = new_page(browser)
    browser_log_in(moderator, base, MODERATOR)
    moderator.goto(base + "/moderation")
    moderator.get_by_role("link", name="Propositions de campagne").click()
    block = moderator.locator("article", has_text=TITLE)
    block.get_by_text("Refuser", exact=True).click()
    block.get_by_role("button", name="Refuser la proposition").click()
    expect(moderator.get_by_text("Écrivez au membre pourquoi")).to_be_visible()
    moderator.get_by_label(re.compile(r"^Message au membre")).fill("Une pétition proche existe.")
    moderator.get_by_role("button", name="Refuser la proposition").click()
    expect(moderator.get_by_role("status").filter(has_text="est refusée")).to_be_visible()
    expect(moderator.locator("#propositions-compte")).to_have_text("Aucune proposition en attente.")
    campaign = Campaign.get(Campaign.title == TITLE)
    assert campaign.status == Campaign.ARCHIVED
    assert OutboxMessage.get(OutboxMessage.category == "proposal").to_addrs == MEMBER

    # Without JavaScript, the same form works by Post/Redirect/Get.
    plain = new_page(browser, java_script_enabled=False)
    browser_log_in(plain, base, MEMBER)
    plain.goto(base + "/proposer")
    fill_proposal(plain, "Un banc par arrêt de bus")
    plain.get_by_role("button", name="Envoyer la proposition").click()
    expect(plain.locator(".flash")).to_have_text(
        "Merci : votre proposition est transmise aux modérateurs.")
    expect(plain.locator("aside")).to_contain_text("Un banc par arrêt de bus")
    expect(plain.locator("aside")).to_contain_text("non retenue")


def test_a_refused_proposal_is_never_readable_at_its_address(app, database):
    from models import Campaign
    from services import campaigns
    member = make_member(app, email="auteur@example.net")
    moderator = make_member(app, email="moderatrice@example.net", role="moderator")
    with app.app_context():
        proposal = campaigns.propose(member, campaigns.CampaignFields(
            kind="petitions", title="Une idée refusée", proposer="Moi",
            targets=[("Mairie", "mairie@example.org")], letter_subject="Objet",
            letter_body="Texte"))
        campaigns.refuse(moderator, proposal, "Hors sujet.")
    assert Campaign.get_by_id(proposal.id).status == Campaign.ARCHIVED
    assert app.test_client().get(f"/petitions/{proposal.slug}").status_code == 404
