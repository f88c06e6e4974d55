"""The public lists: Cyber actions, Pétitions, the Liste rapide, the Bilans, the search and
each campaign's Signataires (issue: public lists, search, goal bar)."""
import datetime as dt
import html as html_entities
import logging
import re
import secrets

import pytest

from browser_support import expect, menu_entry, new_page, screenshot
from conftest import (
    DEMO_CYBERACTION, DEMO_PETITION, MEMBER_PASSWORD, campaign_at, csrf_token, log_in, make_member,
)
from models import Campaign, OutboxMessage, Signature, utcnow
from services.campaigns import LIST_PAGE_SIZE, SIGNATORIES_PAGE_SIZE
from services.search import folded

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TAG = re.compile(r"<[^>]+>")
NNBSP = "\u202f"


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_SECONDS": 0}


def make_campaign(title, kind="cyberactions", status=Campaign.PUBLISHED, days_ago=1,
                  days_left=30, **columns):
    """A campaign straight in the database, as the admin's lifecycle leaves it."""
    now = utcnow()
    opens_at = now - dt.timedelta(days=days_ago)
    values = dict(kind=kind, slug=re.sub(r"[^a-z0-9]+", "-", folded(title)).strip("-"),
                  title=title, proposer="Association (test)", status=status, opens_at=opens_at,
                  closes_at=now + dt.timedelta(days=days_left) if days_left is not None else None,
                  published_at=opens_at if status != Campaign.DRAFT else None,
                  letter_subject=f"Objet : {title}", letter_body="Madame, Monsieur, …")
    values.update(columns)
    values["search_text"] = folded(values["title"], values.get("summary", ""),
                                   values.get("tags", ""), values.get("body", ""))
    return Campaign.create(**values)


def text_of(response):
    """The page as a reader sees it: tags dropped, spaces collapsed."""
    html = response.get_data(as_text=True)
    main = html.split('<main', 1)[1].split("</main>", 1)[0]
    return re.sub(r"[ \t\r\n]+", " ", html_entities.unescape(TAG.sub(" ", main)))


def titles_in_order(response, titles):
    html = html_entities.unescape(response.get_data(as_text=True))
    found = [(html.find(f">{title}<"), title) for title in titles if f">{title}<" in html]
    return [title for _, title in sorted(found)]


def page_token(client, url="/liste-rapide"):
    return CSRF.search(client.get(url).get_data(as_text=True)).group(1)


def count_of(url):
    return campaign_at(url).signature_count


# Cyber actions and Pétitions ---------------------------------------------------------------

def test_open_lists_show_open_campaigns_of_their_kind_newest_first(client, database):
    older = make_campaign("Pour des pistes cyclables", days_ago=3)
    newer = make_campaign("Pour une cantine bio", days_ago=1)
    hidden = [make_campaign("Un brouillon", status=Campaign.DRAFT),
              make_campaign("Une proposition", status=Campaign.PROPOSED),
              make_campaign("Une campagne archivée", status=Campaign.ARCHIVED),
              make_campaign("Une campagne close", status=Campaign.CLOSED, closed_at=utcnow()),
              make_campaign("Pas encore en ligne", days_ago=-2),
              make_campaign("Date passée", days_ago=10, days_left=-1),
              make_campaign("Une pétition récente", kind="petitions")]
    demo = campaign_at(DEMO_CYBERACTION)  # opened 12 days ago

    response = client.get("/cyberactions")

    assert response.status_code == 200
    everything = [newer.title, older.title, demo.title] + [c.title for c in hidden]
    assert titles_in_order(response, everything) == [newer.title, older.title, demo.title]


def test_petitions_list_holds_only_open_petitions(client, database):
    petition = make_campaign("Sauvons la piscine municipale", kind="petitions", days_ago=0)
    make_campaign("Une cyberaction quelconque")
    make_campaign("Une pétition archivée", kind="petitions", status=Campaign.ARCHIVED)

    response = client.get("/petitions")

    demo = campaign_at(DEMO_PETITION)
    assert titles_in_order(response, [petition.title, demo.title, "Une cyberaction quelconque",
                                      "Une pétition archivée"]) == [petition.title, demo.title]


def test_open_list_is_paginated_and_bad_page_numbers_show_the_first_page(client, database):
    for number in range(LIST_PAGE_SIZE):  # with the demo cyberaction: one page and one more
        make_campaign(f"Campagne numéro {number:02d}", days_ago=0, slug=f"campagne-{number}")

    first = client.get("/cyberactions").get_data(as_text=True)
    second = client.get("/cyberactions?page=2").get_data(as_text=True)

    assert first.count('class="card"') == LIST_PAGE_SIZE
    assert 'href="/cyberactions?page=2"' in first and 'rel="prev"' not in first
    assert second.count('class="card"') == 1
    assert campaign_at(DEMO_CYBERACTION).title in second
    assert 'rel="prev" href="/cyberactions"' in second and 'rel="next"' not in second
    for bad in ("abc", "0", "-1", "²", "1e3", "99999999999999999999"):
        assert client.get(f"/cyberactions?page={bad}").get_data(as_text=True) == first


def test_cards_show_goal_bar_and_closing_date_on_lists_and_home(client, database):
    make_campaign("Objectif cinq mille", goal=5000, signature_count=1718, days_left=None)
    no_goal = make_campaign("Sans objectif", signature_count=3)

    for url in ("/cyberactions", "/"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        text = text_of(response)
        assert f"Objectif 1{NNBSP}718 / 5{NNBSP}000 (34\u00a0%)" in text
        assert re.search(r'<progress class="goal-bar" max="5000" value="1718" '
                         r'aria-labelledby="objectif-\d+"', html)
        assert html.count("<progress") == 1  # the campaigns without a goal have none
        assert "Sans date de clôture" in text
        assert "Jusqu'au " in text
        assert "style=" not in html
    assert "3 participations" in text_of(client.get("/cyberactions"))
    assert no_goal.goal is None


def test_goal_bar_stops_at_the_goal_and_shows_on_the_campaign_page(client, database):
    campaign = make_campaign("Objectif dépassé", goal=100, signature_count=250)

    response = client.get(f"/cyberactions/{campaign.slug}")

    assert 'max="100" value="100"' in response.get_data(as_text=True)
    assert "Objectif 250 / 100 (100\u00a0%)" in text_of(response)


# Bilans ----------------------------------------------------------------------------------

def test_bilans_lists_closed_campaigns_latest_closed_first_with_their_result(client, database):
    now = utcnow()
    earlier = make_campaign("Bilan ancien", status=Campaign.CLOSED, days_ago=60,
                            closed_at=now - dt.timedelta(days=10), signature_count=42,
                            result_text="La ligne est **maintenue**.\n\n<script>alert(1)</script>")
    latest = make_campaign("Bilan récent", kind="petitions", status=Campaign.CLOSED, days_ago=60,
                           closed_at=now - dt.timedelta(days=2), signature_count=1718)
    make_campaign("Close puis archivée", status=Campaign.ARCHIVED, closed_at=now)
    demo_closed = Campaign.by_slug("cyberactions", "eau-bien-commun")  # closed 20 days ago

    response = client.get("/bilans")
    html = response.get_data(as_text=True)

    assert titles_in_order(response, [latest.title, earlier.title, demo_closed.title,
                                      "Close puis archivée", campaign_at(DEMO_CYBERACTION).title]
                           ) == [latest.title, earlier.title, demo_closed.title]
    assert "La ligne est <strong>maintenue</strong>." in html
    assert "<script>alert" not in html
    assert f"1{NNBSP}718" in html and "42" in text_of(response)
    assert "n'est pas encore rédigé" in html  # the latest has no text yet


def test_closed_campaign_page_shows_its_bilan_section(client, database):
    closed = make_campaign("Victoire sur la ligne", status=Campaign.CLOSED, closed_at=utcnow(),
                           result_text="Nous avons obtenu le *maintien* des trains.")
    open_one = make_campaign("Encore ouverte", result_text="Texte de bilan prématuré.")

    closed_html = client.get(f"/cyberactions/{closed.slug}").get_data(as_text=True)
    open_html = client.get(f"/cyberactions/{open_one.slug}").get_data(as_text=True)

    assert '<h2 id="bilan">Bilan</h2>' in closed_html
    assert "le <em>maintien</em> des trains" in closed_html
    assert 'id="bilan"' not in open_html and "prématuré" not in open_html


def test_bilans_are_paginated(client, database):
    for number in range(LIST_PAGE_SIZE):
        make_campaign(f"Close {number:02d}", status=Campaign.CLOSED,
                      closed_at=utcnow() - dt.timedelta(hours=number))

    first = client.get("/bilans").get_data(as_text=True)
    second = client.get("/bilans?page=2").get_data(as_text=True)

    assert first.count('class="bilan-item"') == LIST_PAGE_SIZE
    assert "Close 00" in first and 'href="/bilans?page=2"' in first
    assert second.count('class="bilan-item"') == 1 and "eau est un bien commun" in second


# Search ----------------------------------------------------------------------------------

def test_search_ignores_case_and_accents(client, database):
    school = make_campaign("Sauvons l'École Jules-Ferry", tags="éducation, quartier")
    make_campaign("Brouillon sur l'école", status=Campaign.DRAFT)
    make_campaign("École archivée", status=Campaign.ARCHIVED)

    for query in ("ecole", "ÉCOLE", "École", "ecole ferry", "EDUCATION"):
        response = client.get("/recherche", query_string={"q": query})
        assert response.status_code == 200
        text = text_of(response)
        assert school.title in text, query
        assert "Brouillon sur" not in text and "archivée" not in text


def test_search_finds_the_demo_by_accentless_words_and_says_when_nothing_matches(client):
    found = text_of(client.get("/recherche?q=ECOLES+libres"))
    nothing = text_of(client.get("/recherche?q=zebre"))
    empty = text_of(client.get("/recherche?q="))

    assert "Pour des écoles libres de logiciels privateurs" in found
    assert "Aucune campagne ne correspond à « zebre »" in nothing
    assert "Tapez un ou plusieurs mots" in empty


def test_tags_link_to_the_search_which_finds_the_campaign(client, database):
    make_campaign("Des arbres en ville", tags="Écologie urbaine")

    card = client.get("/cyberactions").get_data(as_text=True)
    link = re.search(r'href="(/recherche\?q=[^"]+)">Écologie urbaine<', card).group(1)
    results = client.get(link)

    assert "Des arbres en ville" in text_of(results)
    campaign_page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert 'href="/recherche?q=num%C3%A9rique"' in campaign_page


def test_search_pagination_keeps_the_query(client, database):
    for number in range(LIST_PAGE_SIZE + 1):
        make_campaign(f"Vélo {number:02d}", days_ago=number)

    first = client.get("/recherche?q=velo").get_data(as_text=True)
    second = client.get("/recherche?q=velo&page=2").get_data(as_text=True)

    assert 'href="/recherche?page=2&amp;q=velo"' in first
    assert "Vélo 12" in second and "Vélo 00" not in second


def test_list_pages_carry_the_search_form(client):
    for url in ("/cyberactions", "/petitions", "/bilans", "/recherche", "/"):
        html = client.get(url).get_data(as_text=True)
        assert '<form class="search-form" role="search" method="get" action="/recherche">' in html
        assert '<label for="recherche-q">Rechercher</label>' in html


def test_nav_links_to_the_public_lists(client):
    html = client.get("/").get_data(as_text=True)
    nav = html.split('<nav id="site-nav"', 1)[1].split("</nav>", 1)[0]
    for href, label in (("/cyberactions", "Cyber actions"), ("/petitions", "Pétitions"),
                        ("/liste-rapide", "Liste rapide"), ("/bilans", "Bilans"),
                        ("/recherche", "Rechercher")):
        assert f'<a href="{href}">{label}</a>' in nav


# Liste rapide ------------------------------------------------------------------------------

def test_quick_list_shows_every_open_campaign_and_anonymous_visitors_get_links(client, database):
    make_campaign("Une pétition toute neuve", kind="petitions", days_ago=0)
    make_campaign("Brouillon invisible", status=Campaign.DRAFT)

    response = client.get("/liste-rapide")
    html = response.get_data(as_text=True)

    open_ones = ["Une pétition toute neuve", campaign_at(DEMO_CYBERACTION).title,
                 campaign_at(DEMO_PETITION).title]
    assert titles_in_order(response, open_ones + ["Brouillon invisible"]) == open_ones
    assert "eau est un bien commun" not in html  # closed
    assert "/liste-rapide/" not in html  # no one-click form without an account
    assert f'href="{DEMO_CYBERACTION}#signer"' in html
    assert 'href="/connexion?next=/liste-rapide"' in html


def test_quick_sign_with_htmx_replaces_the_row_and_counts_once(app, client, database):
    make_member(app)
    log_in(client)
    campaign = campaign_at(DEMO_CYBERACTION)
    before = campaign.signature_count
    token = page_token(client)
    url = f"/liste-rapide/{campaign.id}/signer"

    first = client.post(url, data={"csrf_token": token}, headers={"HX-Request": "true"})
    again = client.post(url, data={"csrf_token": token}, headers={"HX-Request": "true"})

    assert first.status_code == 200 and "HX-Request" in first.headers["Vary"]
    row = first.get_data(as_text=True)
    assert f'<li class="quick-row is-signed" id="rapide-{campaign.id}">' in row
    assert "Merci, votre participation est enregistrée." in row
    assert f"<strong>{before + 1}</strong>" in row and "<html" not in row
    assert "Vous participez déjà à cette campagne." in again.get_data(as_text=True)
    assert count_of(DEMO_CYBERACTION) == before + 1
    signature = Signature.get(Signature.campaign == campaign.id)
    assert signature.status == Signature.CONFIRMED
    assert signature.letter_subject == campaign.letter_subject
    letter = OutboxMessage.get(OutboxMessage.signature == signature.id)
    assert letter.to_addrs == "premier-ministre@example.org"

    listed = client.get("/liste-rapide").get_data(as_text=True)
    assert listed.count("Vous avez signé") == 1
    assert f"/liste-rapide/{campaign.id}/signer" not in listed
    assert f"/liste-rapide/{campaign_at(DEMO_PETITION).id}/signer" in listed


def test_quick_sign_without_javascript_redirects_back_with_a_message(app, client, database):
    make_member(app)
    log_in(client)
    petition = campaign_at(DEMO_PETITION)
    token = page_token(client)

    response = client.post(f"/liste-rapide/{petition.id}/signer", data={"csrf_token": token})
    followed = client.get(response.headers["Location"])
    client.post(f"/liste-rapide/{petition.id}/signer", data={"csrf_token": token})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/liste-rapide#rapide-{petition.id}"
    assert "Merci, votre participation est enregistrée." in followed.get_data(as_text=True)
    assert count_of(DEMO_PETITION) == petition.signature_count + 1
    assert "Vous participez déjà à cette campagne." in text_of(client.get("/liste-rapide"))


def test_quick_sign_refuses_anonymous_visitors_and_a_missing_token(app, client, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    url = f"/liste-rapide/{campaign.id}/signer"
    anonymous_token = csrf_token(client, DEMO_CYBERACTION)

    anonymous = client.post(url, data={"csrf_token": anonymous_token})
    make_member(app)
    log_in(client)
    no_token = client.post(url, data={})
    wrong_token = client.post(url, data={"csrf_token": "faux"}, headers={"HX-Request": "true"})

    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    assert no_token.status_code == 400 and wrong_token.status_code == 400
    assert count_of(DEMO_CYBERACTION) == campaign.signature_count
    assert Signature.select().count() == 0


def test_member_with_an_incomplete_profile_is_told_to_complete_it(app, client, database):
    make_member(app, first_name="", city="")
    log_in(client)
    campaign = campaign_at(DEMO_CYBERACTION)

    page = client.get("/liste-rapide").get_data(as_text=True)
    refused = client.post(f"/liste-rapide/{campaign.id}/signer",
                          data={"csrf_token": CSRF.search(page).group(1)},
                          headers={"HX-Request": "true"})

    assert "complétez d'abord vos nom, prénom, code postal et commune" in page
    assert 'href="/compte"' in page and "/liste-rapide/" not in page
    assert refused.status_code == 422
    assert "complétez d'abord" in html_entities.unescape(refused.get_data(as_text=True))
    assert Signature.select().count() == 0


def test_quick_sign_on_a_closed_or_unpublished_campaign(app, client, database):
    make_member(app)
    log_in(client)
    token = page_token(client)
    closed = Campaign.by_slug("cyberactions", "eau-bien-commun")
    draft = make_campaign("Brouillon secret", status=Campaign.DRAFT)

    on_closed = client.post(f"/liste-rapide/{closed.id}/signer", data={"csrf_token": token},
                            headers={"HX-Request": "true"})
    on_draft = client.post(f"/liste-rapide/{draft.id}/signer", data={"csrf_token": token})

    assert on_closed.status_code == 409
    assert "Cette campagne est close" in on_closed.get_data(as_text=True)
    assert on_draft.status_code == 404
    assert Signature.select().count() == 0


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_SECONDS": 60}], indirect=True)
def test_member_never_gets_the_page_cached_for_anonymous_visitors(app, client, database):
    assert "/liste-rapide/" not in client.get("/liste-rapide").get_data(as_text=True)
    make_member(app)
    log_in(client)

    member_page = client.get("/liste-rapide").get_data(as_text=True)

    assert f"/liste-rapide/{campaign_at(DEMO_CYBERACTION).id}/signer" in member_page


def queries_for(client, caplog, url):
    """How many SQL statements one request runs (peewee logs each one)."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        assert client.get(url).status_code == 200
    return sum(1 for record in caplog.records if record.name == "peewee")


def test_lists_run_as_many_queries_for_many_campaigns_as_for_few(app, client, database, caplog):
    """No query per card or per row: the lists are read in bulk."""
    make_member(app)
    log_in(client)
    urls = ("/", "/cyberactions", "/petitions", "/bilans", "/recherche?q=pour", "/liste-rapide")
    few = {url: queries_for(client, caplog, url) for url in urls}
    for number in range(6):
        make_campaign(f"Pour la cyberaction {number}", days_ago=0, goal=100, signature_count=7)
        make_campaign(f"Pour la pétition {number}", kind="petitions", days_ago=0, tags="a, b")
        make_campaign(f"Pour le bilan {number}", status=Campaign.CLOSED, closed_at=utcnow(),
                      result_text="Obtenu.")

    many = {url: queries_for(client, caplog, url) for url in urls}

    assert many == few
    assert many["/liste-rapide"] <= 4  # session, open campaigns, the member's signatures


# Signataires -----------------------------------------------------------------------------

def add_signatures(campaign, rows):
    """Participations straight in the database: (first, last, city, hidden, status, minutes ago)."""
    now = utcnow()
    for first, last, city, hidden, status, minutes in rows:
        email = f"{folded(first)}.{folded(last)}@example.net".replace(" ", "")
        Signature.create(campaign=campaign.id, status=status, email=email, email_key=email,
                         first_name=first, last_name=last, postal_code="35000", city=city,
                         country="FR", hide_identity=hidden, confirm_nonce=secrets.token_hex(8),
                         confirmed_at=now - dt.timedelta(minutes=minutes)
                         if status == Signature.CONFIRMED else None)


def test_signatories_show_first_name_initial_and_town_newest_first(client, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    add_signatures(campaign, [
        ("Hélène", "Durand", "Paris", False, Signature.CONFIRMED, 30),
        ("Zoé", "émile", "Brest", False, Signature.CONFIRMED, 5),
        ("Secret", "Caché", "Lyon", True, Signature.CONFIRMED, 10),
        ("Pas", "Confirmé", "Nantes", False, Signature.PENDING, 1),
    ])
    Campaign.update(signature_count=3).where(Campaign.id == campaign.id).execute()

    response = client.get(f"{DEMO_CYBERACTION}/signataires")
    html = response.get_data(as_text=True)
    text = text_of(response)

    assert response.status_code == 200
    assert text.index("Zoé É. Brest") < text.index("Hélène D. Paris")
    assert "3 participations" in text  # the public counter, hidden signers included
    for absent in ("Secret", "Caché", "Lyon", "Pas C", "Durand", "@", "example.net"):
        assert absent not in html, absent


def test_signatories_are_paginated_by_fifty(client, database):
    campaign = campaign_at(DEMO_PETITION)
    add_signatures(campaign, [(f"Personne{number:02d}", "Martin", "Rennes", False,
                               Signature.CONFIRMED, number)
                              for number in range(SIGNATORIES_PAGE_SIZE + 1)])

    first = client.get(f"{DEMO_PETITION}/signataires").get_data(as_text=True)
    second = client.get(f"{DEMO_PETITION}/signataires?page=2").get_data(as_text=True)

    assert first.count("<tr><td>") == SIGNATORIES_PAGE_SIZE and "Personne00 M." in first
    assert f'href="{DEMO_PETITION}/signataires?page=2"' in first
    assert second.count("<tr><td>") == 1 and f"Personne{SIGNATORIES_PAGE_SIZE} M." in second


def test_signatories_only_for_public_campaigns_and_linked_from_the_page(client, database):
    draft = make_campaign("Brouillon privé", status=Campaign.DRAFT)
    proposed = make_campaign("Proposition privée", status=Campaign.PROPOSED)
    archived = make_campaign("Archivée lisible", status=Campaign.ARCHIVED)

    assert client.get(f"/cyberactions/{draft.slug}/signataires").status_code == 404
    assert client.get(f"/cyberactions/{proposed.slug}/signataires").status_code == 404
    assert client.get(f"/cyberactions/{archived.slug}/signataires").status_code == 200
    assert client.get("/petitions/arret-migration-m365/signataires").status_code == 404
    page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert f'href="{DEMO_CYBERACTION}/signataires">Signataires</a>' in page


# In a real browser ------------------------------------------------------------------------

@pytest.mark.browser
def test_member_signs_from_the_quick_list_in_one_click_in_chromium(browser, live_server):
    make_member(live_server.app)
    page = new_page(browser)
    page.goto(live_server.url + "/connexion")
    page.get_by_label(re.compile(r"^Adresse électronique")).fill("membre@example.net")
    page.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(page).to_have_url(re.compile(r"/compte$"))  # logged in: the profile opens
    menu_entry(page, "Liste rapide").click()
    page.evaluate("window.__marker = 1")
    screenshot(page, "lists-quick")

    row = page.locator("li.quick-row").filter(has_text="Pour des écoles libres")
    row.get_by_role("button", name=re.compile(r"^Signer")).click()

    expect(row).to_contain_text("Merci, votre participation est enregistrée.")
    expect(row).to_contain_text("1 participation")
    expect(row.locator(".quick-outcome")).to_be_focused()
    assert page.evaluate("window.__marker") == 1  # swapped in place, never reloaded
    page.context.close()
