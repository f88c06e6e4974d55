"""Feeds and discovery (issue 10): Atom and RSS of the open campaigns and of the bilans,
parsed as XML; their <link rel="alternate"> on the home page and the lists; sitemap.xml
and robots.txt. Never a comment, a signer, an address or an unpublished campaign."""
import datetime as dt
import email.utils
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from conftest import DEMO_CLOSED, DEMO_CYBERACTION, campaign_at, post_signature
from models import Campaign, Comment, utcnow
from services import share_cards
from test_lists import make_campaign

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE = "http://interpelle.test"
FEEDS = ["/flux/campagnes.atom", "/flux/campagnes.rss", "/flux/bilans.atom", "/flux/bilans.rss"]
OPEN_DEMO = ["Pour des écoles libres de logiciels privateurs : stop à la migration vers "
             "Microsoft 365", "Sauvons les trains du quotidien entre Paris et Granville"]


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_SECONDS": 0}


def fetch(client, path, content_type):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.headers["Content-Type"] == f"{content_type}; charset=utf-8", path
    return ET.fromstring(response.data)


def atom_entries(client, path):
    feed = fetch(client, path, "application/atom+xml")
    return [{"title": entry.findtext(f"{ATOM}title"),
             "link": entry.find(f"{ATOM}link").get("href"),
             "id": entry.findtext(f"{ATOM}id"),
             "summary": entry.findtext(f"{ATOM}summary"),
             "published": dt.datetime.fromisoformat(entry.findtext(f"{ATOM}published")),
             "updated": dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))}
            for entry in feed.findall(f"{ATOM}entry")]


def rss_items(client, path):
    channel = fetch(client, path, "application/rss+xml").find("channel")
    return [{"title": item.findtext("title"), "link": item.findtext("link"),
             "guid": item.findtext("guid"), "description": item.findtext("description"),
             "published": email.utils.parsedate_to_datetime(item.findtext("pubDate"))}
            for item in channel.findall("item")]


def newest_first(moments):
    return all(moment.tzinfo is not None for moment in moments) and \
        moments == sorted(moments, reverse=True)


def unpublished_campaigns():
    return [make_campaign("Un brouillon", status=Campaign.DRAFT),
            make_campaign("Une proposition", status=Campaign.PROPOSED),
            make_campaign("Une campagne archivée", status=Campaign.ARCHIVED),
            make_campaign("Pas encore en ligne", days_ago=-2),
            make_campaign("Une pétition en brouillon", kind="petitions", status=Campaign.DRAFT)]


# The campaigns' feeds ---------------------------------------------------------------------

def test_campaign_feeds_hold_the_open_campaigns_newest_first(client, database):
    older = make_campaign("Pour des pistes cyclables", days_ago=40,
                          summary="Des pistes & des <vélos>")
    newer = make_campaign("Pour une cantine bio", days_ago=0)
    unpublished_campaigns()
    make_campaign("Une campagne close", status=Campaign.CLOSED, closed_at=utcnow())
    make_campaign("Date passée", days_ago=10, days_left=-1)
    expected = {older.title, newer.title, *OPEN_DEMO}

    entries = atom_entries(client, "/flux/campagnes.atom")
    items = rss_items(client, "/flux/campagnes.rss")

    assert {entry["title"] for entry in entries} == expected
    assert [item["title"] for item in items] == [entry["title"] for entry in entries]
    assert entries[0]["title"] == newer.title and entries[-1]["title"] == older.title
    assert newest_first([entry["published"] for entry in entries])
    assert newest_first([item["published"] for item in items])
    assert all(entry["updated"] >= entry["published"] for entry in entries)
    cycling = next(entry for entry in entries if entry["title"] == older.title)
    assert cycling["link"] == f"{SITE}/cyberactions/{older.slug}"
    assert cycling["id"].startswith("tag:interpelle.test,") and cycling["id"].endswith(older.slug)
    # The summary is HTML in the feed: what the admin typed is text, escaped once more.
    assert "Des pistes &amp; des &lt;vélos&gt;" in cycling["summary"]


def test_entry_ids_stay_the_same_when_a_campaign_is_edited(client, database):
    campaign = make_campaign("Pour une cantine bio")
    before = {entry["title"]: entry["id"] for entry in atom_entries(client, "/flux/campagnes.atom")}
    Campaign.update(title="Pour une cantine bio et locale", summary="Nouveau résumé").where(
        Campaign.id == campaign.id).execute()
    Campaign.content_changed(campaign.id)
    after = {entry["title"]: entry["id"] for entry in atom_entries(client, "/flux/campagnes.atom")}
    assert after["Pour une cantine bio et locale"] == before["Pour une cantine bio"]
    guids = [item["guid"] for item in rss_items(client, "/flux/campagnes.rss")]
    assert len(guids) == len(set(guids)) == len(after)


def test_bilans_feeds_hold_closed_campaigns_with_their_result_escaped(client, database):
    now = utcnow()
    first = make_campaign("Sauvons la forêt", status=Campaign.CLOSED, signature_count=1718,
                          goal=5000, closed_at=now - dt.timedelta(days=3),
                          result_text="Le conseil a **renoncé** au projet & <script>alert(1)"
                                      "</script> s'en souviendra.")
    second = make_campaign("Gardons la poste", status=Campaign.CLOSED, hide_counter=True,
                           signature_count=4321, closed_at=now - dt.timedelta(days=1))
    unpublished_campaigns()
    make_campaign("Toujours ouverte")

    entries = atom_entries(client, "/flux/bilans.atom")
    items = rss_items(client, "/flux/bilans.rss")

    titles = [entry["title"] for entry in entries]
    assert titles[:2] == [f"Bilan : {second.title}", f"Bilan : {first.title}"]
    assert set(titles) == {f"Bilan : {second.title}", f"Bilan : {first.title}",
                           f"Bilan : {campaign_at(DEMO_CLOSED).title}"}
    assert [item["title"] for item in items] == titles
    assert newest_first([entry["published"] for entry in entries])
    assert newest_first([item["published"] for item in items])
    forest = entries[1]["summary"]
    assert "<strong>renoncé</strong>" in forest and "&amp;" in forest
    assert "<script" not in forest and "&lt;script&gt;alert(1)" in forest  # shown as text
    assert "1\u202f718 participations sur un objectif de 5\u202f000" in forest
    assert "4\u202f321" not in entries[0]["summary"]  # the campaign hides its counter
    assert [item["description"] for item in items][1] == forest


def test_feeds_show_no_comment_signer_or_address(app, client, database):
    demo = campaign_at(DEMO_CYBERACTION)
    post_signature(client, DEMO_CYBERACTION, first_name="Zébulon", last_name="Quidamovitch",
                   email="zebulon@example.net")
    Comment.create(campaign=demo.id, author=None, body="Un commentaire masqué Q7",
                   hidden_at=utcnow())
    Comment.create(campaign=campaign_at(DEMO_CLOSED).id, author=None, body="Commentaire Q8")
    traces = ["Zébulon", "Quidamovitch", "@", "Q7", "Q8",
              *[target.email for target in demo.target_list]]
    for path in FEEDS + ["/sitemap.xml"]:
        text = client.get(path).get_data(as_text=True)
        assert not [trace for trace in traces if trace in text], path


def test_feeds_are_cached_publicly_and_revalidated_with_their_etag(app, client, database):
    app.config["PAGE_CACHE_SECONDS"] = 60
    first = client.get("/flux/campagnes.atom")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get("/flux/campagnes.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304

    # A newly published campaign changes the key: it is in the feed at once.
    fresh = make_campaign("Tout juste publiée", days_ago=0)
    assert fresh.title in [entry["title"] for entry in atom_entries(client, "/flux/campagnes.atom")]


# Advertised in the pages' heads -------------------------------------------------------------

class AlternateLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "alternate":
            self.links.append(attrs)


def alternate_links(client, path):
    parser = AlternateLinks()
    parser.feed(client.get(path).get_data(as_text=True))
    return parser.links


def test_home_and_lists_advertise_the_four_feeds(client, database):
    for path in ["/", "/cyberactions", "/petitions", "/bilans", "/liste-rapide"]:
        links = alternate_links(client, path)
        assert sorted(link["href"] for link in links) == sorted(FEEDS), path
        for link in links:
            assert link["title"]
            fetch(client, link["href"], link["type"])


# sitemap.xml and robots.txt ------------------------------------------------------------------

def test_sitemap_lists_the_public_pages_only(client, database):
    hidden = unpublished_campaigns()
    closed = make_campaign("Une campagne close", status=Campaign.CLOSED, closed_at=utcnow())
    urlset = fetch(client, "/sitemap.xml", "application/xml")
    urls = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
            for url in urlset.findall(f"{SITEMAP}url")}

    for path in ["/", "/cyberactions", "/petitions", "/bilans", "/liste-rapide", DEMO_CYBERACTION,
                 DEMO_CLOSED, f"/cyberactions/{closed.slug}"]:
        assert SITE + path in urls, path
    for campaign in hidden:
        assert f"{SITE}/{campaign.kind}/{campaign.slug}" not in urls
    assert all(dt.date.fromisoformat(urls[SITE + path]) for path in [DEMO_CYBERACTION, DEMO_CLOSED])
    assert not [url for url in urls if re.search(r"/(admin|moderation|compte|confirmer)", url)]


def test_robots_txt_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(client, database):
    response = client.get("/robots.txt")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    disallowed = {line.split(":", 1)[1].strip() for line in lines if line.startswith("Disallow:")}
    assert {"/admin/", "/moderation", "/confirmer/", "/participation/", "/compte", "/dev/",
            "/admin/campagnes/*/apercu", "/mot-de-passe/", "/compte/verifier/",
            "/recherche?"} <= disallowed
    assert "User-agent: *" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert "/" not in disallowed  # the campaigns stay open to indexes


# The rule across every outward document -------------------------------------------------------

def outward_paths(campaign, card=True):
    """Everything other sites, readers and robots fetch about a campaign (the card is a
    picture: what it draws is checked on its text, in test_share_cards.py)."""
    page = f"/{campaign.kind}/{campaign.slug}"
    return [f"{page}/widget", f"/api{page}"] + ([f"{page}/carte.png"] if card else [])


def test_unpublished_campaigns_are_in_no_outward_document(client, database):
    hidden = unpublished_campaigns()
    # An archived campaign stays readable at its address, like its page; the others do not.
    for campaign in [campaign for campaign in hidden if campaign.status != Campaign.ARCHIVED]:
        for path in outward_paths(campaign):
            assert client.get(path).status_code == 404, path
    everything = "".join(client.get(path).get_data(as_text=True)
                         for path in FEEDS + ["/sitemap.xml", "/api/campaigns"])
    for campaign in hidden:
        assert campaign.slug not in everything and campaign.title not in everything


def test_no_outward_document_shows_a_hidden_comment_a_signer_or_an_address(app, client, database):
    from test_api import confirmed
    confirmed(app, client, DEMO_CYBERACTION, first_name="Zébulon", last_name="Quidamovitch",
              email="zebulon@example.net")
    confirmed(app, client, DEMO_CYBERACTION, first_name="Philomène", last_name="Discrétissime",
              email="philomene@example.net", hide_identity="y")
    demo = campaign_at(DEMO_CYBERACTION)
    Comment.create(campaign=demo.id, author=None, body="Commentaire masqué Q7", hidden_at=utcnow())
    traces = ["Zébulon", "Quidamovitch", "Philomène", "Discrétissime", "Q7", "@",
              *[target.email for target in demo.target_list]]
    for path in FEEDS + ["/sitemap.xml", "/api/campaigns"] + outward_paths(demo, card=False):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not [trace for trace in traces if trace in response.get_data(as_text=True)], path
    drawn = share_cards.card_text(campaign_at(DEMO_CYBERACTION), "Interpelle")
    assert not [trace for trace in traces if trace in "".join(filter(None, vars(drawn).values()))]
    head = client.get(DEMO_CYBERACTION).get_data(as_text=True).split("</head>", 1)[0]
    assert not [trace for trace in traces if trace in head]
