"""Partager and Diffusion de l'info: plain share links with the campaign's address encoded,
nothing loaded from another site, the widget that any site may frame (and no other page),
its live counter, and Mastodon's instance taken as a host name only."""
import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import (
    DEMO_CLOSED, DEMO_CYBERACTION, DEMO_PETITION, campaign_at, csrf_token, log_in, make_member,
    post_signature,
)
from models import Campaign, Comment, OutboxMessage, Signature, utcnow

CAMPAIGN_URL = "http://interpelle.test" + DEMO_CYBERACTION
WIDGET = DEMO_CYBERACTION + "/widget"


@pytest.fixture
def app_config():
    return {"COUNTER_CACHE_SECONDS": 0, "PAGE_CACHE_SECONDS": 0}


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self, page):
        super().__init__()
        self.found = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def all(self, tag, **wanted):
        return [attrs for name, attrs in self.found if name == tag and all(
            wanted_value in (attrs.get(key) or "").split() for key, wanted_value in wanted.items())]


def share_links(page):
    """network name → href of the links in the Partager block."""
    block = page.split('class="share-links"', 1)[1].split("</ul>", 1)[0]
    return {html.unescape(name): html.unescape(href) for href, name in
            re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)<span', block)}


def query(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_each_network_gets_its_share_page_with_the_campaign_address_encoded(client):
    page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    title = campaign_at(DEMO_CYBERACTION).title
    links = share_links(page)
    expected = {
        "Framasphère / diaspora*": ("share.diasporafoundation.org", "/",
                                    {"url": CAMPAIGN_URL, "title": title}),
        "Bluesky": ("bsky.app", "/intent/compose", {"text": f"{title} — {CAMPAIGN_URL}"}),
        "Facebook": ("www.facebook.com", "/sharer/sharer.php", {"u": CAMPAIGN_URL}),
        "X": ("x.com", "/intent/post", {"url": CAMPAIGN_URL, "text": title}),
        "LinkedIn": ("www.linkedin.com", "/sharing/share-offsite/", {"url": CAMPAIGN_URL}),
        "WhatsApp": ("wa.me", "/", {"text": f"{title} — {CAMPAIGN_URL}"}),
        "Telegram": ("t.me", "/share/url", {"url": CAMPAIGN_URL, "text": title}),
    }
    assert set(links) == set(expected)
    for network, (host, path, params) in expected.items():
        parts = urlsplit(links[network])
        assert (parts.scheme, parts.hostname, parts.path) == ("https", host, path), network
        assert query(links[network]) == params, network
        # Encoded: no raw separator of the campaign's address is left in the query.
        assert "://" not in parts.query and " " not in parts.query, network
    for anchor in Elements(page).all("a", rel="noopener"):
        if anchor["href"] in links.values():
            assert anchor["target"] == "_blank" and "noreferrer" in anchor["rel"]


def test_a_title_with_reserved_characters_is_encoded_in_every_link(client, database):
    Campaign.update(title="Eau & air : 100 % publics ? #oui").where(
        Campaign.slug == "arret-migration-m365").execute()
    links = share_links(client.get(DEMO_CYBERACTION).get_data(as_text=True))
    assert query(links["X"]) == {"url": CAMPAIGN_URL, "text": "Eau & air : 100 % publics ? #oui"}
    assert query(links["Telegram"])["text"] == "Eau & air : 100 % publics ? #oui"
    assert "#" not in links["X"] and "&air" not in links["X"]


def test_the_copy_field_and_the_mastodon_form_hold_the_site_address(client):
    page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    elements = Elements(page)
    link_field = [attrs for attrs in elements.all("input") if attrs.get("id") == "lien-campagne"]
    assert link_field[0]["value"] == CAMPAIGN_URL and "readonly" in link_field[0]
    assert elements.all("button", **{"data-copy": "lien-campagne"})
    mastodon = [attrs for attrs in elements.all("form") if "mastodon-share" in attrs.get("class", "")]
    assert mastodon[0]["action"] == DEMO_CYBERACTION + "/partager/mastodon"
    assert mastodon[0]["data-share-text"].endswith(CAMPAIGN_URL)


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_the_campaign_page_loads_no_script_style_image_or_font_from_another_site(
        app, client, who):
    if who == "member":
        make_member(app)
        log_in(client)
    page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    elements = Elements(page)
    loaded = ([attrs.get("src") for attrs in elements.all("script")]
              + [attrs.get("src") for attrs in elements.all("img")]
              + [attrs.get("src") for attrs in elements.all("iframe")]
              + [attrs.get("href") for attrs in elements.all("link")])
    # Ours: a path, or the site's own address (a canonical link, a feed).
    assert loaded and all(url and (url.startswith("/") and not url.startswith("//")
                                   or urlsplit(url).hostname == "interpelle.test")
                          for url in loaded), loaded
    for stylesheet in [attrs["href"] for attrs in elements.all("link", rel="stylesheet")]:
        css = client.get(stylesheet).get_data(as_text=True)
        assert "@import" not in css and "@font-face" not in css
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css), stylesheet
    assert "<style" not in page and " style=" not in page


def test_the_embed_code_frames_the_widget_of_this_campaign(client):
    page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    textarea = re.search(r'<textarea id="code-widget"[^>]*>(.*?)</textarea>', page, re.S)
    snippet = html.unescape(textarea.group(1))
    frame = Elements(snippet).all("iframe")[0]
    assert frame["src"] == CAMPAIGN_URL + "/widget"
    assert frame["loading"] == "lazy" and frame["width"] and frame["height"] and frame["title"]
    assert "style" not in frame and "<script" not in snippet
    assert 'data-copy="code-widget"' in page and "Copier le code" in page


def test_any_site_may_frame_the_widget(client):
    response = client.get(WIDGET)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "X-Frame-Options" not in response.headers
    assert "script-src" not in policy or "script-src 'none'" in policy
    assert "default-src 'none'" in policy


@pytest.mark.parametrize("path", [DEMO_CYBERACTION, DEMO_PETITION, "/", "/connexion",
                                  DEMO_CYBERACTION + "/recommander", DEMO_CYBERACTION + "/compteur"])
def test_no_site_may_frame_any_other_page(client, path):
    response = client.get(path)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
    assert response.headers["X-Frame-Options"] == "DENY", path


def widget_count(client, path=WIDGET):
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'class="widget-counter"><strong>([\d\u202f]+)</strong>', page)
    return int(found.group(1).replace("\u202f", "")) if found else None


def test_the_widget_counts_a_confirmed_participation_when_it_next_loads(app, client, database):
    before = widget_count(client)
    post_signature(client)
    assert widget_count(client) == before  # pending: not counted yet
    message = OutboxMessage.get(OutboxMessage.category == "confirmation")
    path = re.search(r"http://interpelle\.test(/confirmer/[\w.\-]+)", message.body_text).group(1)
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert Signature.get().status == Signature.CONFIRMED
    assert widget_count(client) == before + 1


def test_the_widget_is_light_cached_like_the_counter_and_sets_no_cookie(app, client):
    app.config["COUNTER_CACHE_SECONDS"] = 7
    response = client.get(WIDGET)
    assert response.headers["Cache-Control"].startswith("public, max-age=7")
    assert "Set-Cookie" not in response.headers
    page = response.get_data(as_text=True)
    assert "<script" not in page and "hx-" not in page and "<form" not in page
    assert len(page) < 4000
    again = client.get(WIDGET, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_widget_is_drawn_once_per_language_while_browsers_may_keep_it(
        app, client, database):
    """Framed on every visit of other sites: the counter may lag as long as browsers are
    told to keep it, and a new text or status shows at once."""
    from flask import template_rendered
    app.config["COUNTER_CACHE_SECONDS"] = 60
    drawn = []

    def record(sender, template, context, **extra):
        drawn.append(template.name)
    template_rendered.connect(record, app)
    first = widget_count(client)
    Campaign.update(signature_count=first + 5).where(
        Campaign.slug == "arret-migration-m365").execute()
    assert widget_count(client) == first
    english = client.get(WIDGET, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ">Sign<" in english and f"<strong>{first + 5}</strong> participations" in english
    assert drawn.count("reach/widget.html") == 2
    Campaign.content_changed(campaign_at(DEMO_CYBERACTION).id)
    assert widget_count(client) == first + 5
    template_rendered.disconnect(record, app)


def test_the_widget_shows_the_goal_bar_and_a_sign_link_opening_a_new_tab(client, database):
    Campaign.update(goal=5000, signature_count=1718).where(
        Campaign.slug == "arret-migration-m365").execute()
    page = client.get(WIDGET).get_data(as_text=True)
    assert re.search(r"<strong>1\u202f718</strong> / 5\u202f000", page)
    assert '<progress class="goal-bar" max="5000" value="1718"' in page
    sign = [attrs for attrs in Elements(page).all("a") if "widget-sign" in attrs.get("class", "")]
    assert sign[0]["href"] == CAMPAIGN_URL + "#signer"
    assert sign[0]["target"] == "_blank" and "noopener" in sign[0]["rel"]
    assert ">Signer<" in page


def test_a_hidden_counter_stays_hidden_in_the_widget_goal_included(client, database):
    Campaign.update(goal=5000, signature_count=1718, hide_counter=True).where(
        Campaign.slug == "arret-migration-m365").execute()
    page = client.get(WIDGET).get_data(as_text=True)
    assert "1\u202f718" not in page and "1718" not in page and "goal-bar" not in page
    assert widget_count(client) is None
    assert ">Signer<" in page


def test_a_closed_campaign_widget_says_so_without_a_sign_button(client):
    page = client.get(DEMO_CLOSED + "/widget").get_data(as_text=True)
    assert "Campagne close" in page and ">Signer<" not in page


@pytest.mark.parametrize("status", [Campaign.DRAFT, Campaign.PROPOSED])
def test_an_unpublished_campaign_has_no_widget(client, database, status):
    Campaign.update(status=status, published_at=None).where(
        Campaign.slug == "arret-migration-m365").execute()
    assert client.get(WIDGET).status_code == 404
    assert client.get(DEMO_CYBERACTION + "/partager/mastodon?instance=mastodon.social"
                      ).status_code == 404


def test_the_widget_never_shows_a_signer_a_comment_or_an_address(app, client, database):
    member = make_member(app, email="camille.secrete@example.net")
    campaign = campaign_at(DEMO_CYBERACTION)
    Comment.create(campaign=campaign, author=member, body="Commentaire masqué très secret",
                   hidden_at=utcnow(), hidden_by=member)
    post_signature(client, email="helene.secrete@example.net")
    page = client.get(WIDGET).get_data(as_text=True)
    for trace in ("@", "Durand", "Hélène", "Camille", "Martin", "secret", "Rennes", "Paris"):
        assert trace not in page, trace


@pytest.mark.parametrize("typed, host", [
    ("mastodon.social", "mastodon.social"),
    ("  https://Mastodon.Social/ ", "mastodon.social"),
    ("@moi@piaille.fr", "piaille.fr"),
    ("toot.café", "toot.xn--caf-dma"),
])
def test_mastodon_without_javascript_leads_on_to_the_typed_server(client, typed, host):
    response = client.get(DEMO_CYBERACTION + "/partager/mastodon", query_string={"instance": typed})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    href = html.unescape(re.search(r'<a class="button" href="([^"]+)"', page).group(1))
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", host, "/share")
    assert query(href) == {"text": f"{campaign_at(DEMO_CYBERACTION).title} — {CAMPAIGN_URL}"}


@pytest.mark.parametrize("typed", [
    "", "evil.example/phish", "javascript:alert(1)", "mastodon.social:8080", "localhost",
    "https://evil.example/share?text=x", "a..b", "-bad.example", "10.0.0.1", "exa mple.org",
    "evil.example#frag", "user:pass@evil.example/x", "\\\\evil.example", "x" * 300 + ".org",
])
def test_mastodon_refuses_anything_but_a_host_name(client, typed):
    response = client.get(DEMO_CYBERACTION + "/partager/mastodon", query_string={"instance": typed})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Serveur Mastodon non reconnu" in page and "/share?" not in page
