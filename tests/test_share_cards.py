"""Share cards (issue 10, Feeds and discovery): the OpenGraph and Twitter-card tags of each
campaign page, the generated 1200×630 PNG card (or the campaign's own image), and the
admin form's *Image de partage (adresse https)*."""
import io
from html.parser import HTMLParser

import pytest
from PIL import Image

from browser_support import expect, live_demo_server, new_page, screenshot
from conftest import DEMO_CYBERACTION, DEMO_PETITION, campaign_at, log_in, make_member
from models import Campaign
from services import share_cards
from test_admin_campaigns import ADMIN, create_campaign, edit_url, field_error, post_form, text
from test_browser_admin import labelled, log_in_as_admin
from test_lists import make_campaign

SITE = "http://interpelle.test"
OWN_IMAGE = "https://images.example.org/campagnes/ecoles.png"
HTTPS_REFUSED = ("Indiquez une adresse complète qui commence par https://, par exemple "
                 "https://exemple.org/images/campagne.png.")


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_SECONDS": 0}


@pytest.fixture
def admin(app, client):
    make_member(app, ADMIN, role="admin")
    log_in(client, ADMIN)
    return client


class MetaTags(HTMLParser):
    """The <meta property|name=… content=…> of a page's head."""

    def __init__(self):
        super().__init__()
        self.tags = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        key = attrs.get("property") or attrs.get("name")
        if tag == "meta" and key and "content" in attrs:
            self.tags[key] = attrs["content"]


def meta_tags(client, path):
    response = client.get(path)
    assert response.status_code == 200
    parser = MetaTags()
    parser.feed(response.get_data(as_text=True).split("</head>", 1)[0])
    return parser.tags


def card_path(tags):
    assert tags["og:image"].startswith(SITE)
    return tags["og:image"][len(SITE):]


def png_of(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.data))
    image.verify()
    return response, Image.open(io.BytesIO(response.data))


# The tags ----------------------------------------------------------------------------------

def test_campaign_page_has_its_opengraph_and_twitter_tags(client, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    tags = meta_tags(client, DEMO_CYBERACTION)

    assert tags["og:title"] == tags["twitter:title"] == campaign.title
    assert tags["og:description"] == tags["twitter:description"] == campaign.summary
    assert tags["og:url"] == SITE + DEMO_CYBERACTION
    assert tags["og:type"] == "article"
    assert tags["og:site_name"] == "Interpelle"
    assert tags["og:locale"] == "fr_FR"
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:image"] == tags["twitter:image"]
    assert card_path(tags).startswith(f"{DEMO_CYBERACTION}/carte.png")
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")


def test_the_tags_escape_what_the_admin_typed(client, database):
    campaign = make_campaign('Le "titre" <b>gras</b>', summary='Un résumé "cité" & <i>penché</i>')
    html = client.get(f"/cyberactions/{campaign.slug}").get_data(as_text=True)
    assert '<meta property="og:title" content="Le &#34;titre&#34; &lt;b&gt;gras&lt;/b&gt;">' in html
    assert "<i>penché</i>" not in html.split("</head>", 1)[0]


def test_the_campaigns_own_image_is_used_when_set(client, database):
    Campaign.update(image_url=OWN_IMAGE).where(
        Campaign.id == campaign_at(DEMO_PETITION).id).execute()
    tags = meta_tags(client, DEMO_PETITION)
    assert tags["og:image"] == tags["twitter:image"] == OWN_IMAGE
    assert "og:image:width" not in tags  # its size is not ours to tell


def test_unpublished_campaigns_have_no_card(client, database):
    draft = make_campaign("Un brouillon", status=Campaign.DRAFT)
    future = make_campaign("Pas encore en ligne", days_ago=-2)
    for campaign in (draft, future):
        assert client.get(f"/cyberactions/{campaign.slug}/carte.png").status_code == 404


# The card -----------------------------------------------------------------------------------

def test_the_card_is_a_1200_by_630_png_cached_for_long(client, database):
    response, image = png_of(client, card_path(meta_tags(client, DEMO_CYBERACTION)))
    assert image.format == "PNG" and image.size == (1200, 630)
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    again = client.get(f"{DEMO_CYBERACTION}/carte.png",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_card_shows_the_rounded_counter_unless_the_campaign_hides_it(app, client, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    Campaign.update(signature_count=1718).where(Campaign.id == campaign.id).execute()
    shown = share_cards.card_text(Campaign.by_id(campaign.id), "Interpelle")
    assert shown == share_cards.CardText("Interpelle", "Cyberaction", campaign.title,
                                         "Plus de 1\u202f700 participations")
    with_counter = client.get(f"{DEMO_CYBERACTION}/carte.png").data
    assert with_counter == share_cards.draw(shown)

    Campaign.update(hide_counter=True).where(Campaign.id == campaign.id).execute()
    hidden = share_cards.card_text(Campaign.by_id(campaign.id), "Interpelle")
    assert hidden.counter is None
    without_counter = client.get(f"{DEMO_CYBERACTION}/carte.png").data
    assert without_counter == share_cards.draw(hidden) != with_counter


def test_counter_lines_are_rounded_in_french():
    assert share_cards.counter_line(1, True) == "1 participation"
    assert share_cards.counter_line(42, False) == "42 signatures"
    assert share_cards.counter_line(1700, True) == "1\u202f700 participations"
    assert share_cards.counter_line(123_456, False) == "Plus de 120\u202f000 signatures"


def test_a_long_title_is_cut_with_an_ellipsis_and_still_drawn():
    long_title = " ".join(["interminable"] * 60)
    png = share_cards.draw(share_cards.CardText("Interpelle", "Pétition", long_title, None))
    assert Image.open(io.BytesIO(png)).size == (1200, 630)
    pen = share_cards.ImageDraw.Draw(Image.new("RGB", (10, 10)))
    size, lines = share_cards.title_layout(pen, long_title, 290)
    assert lines[-1].endswith(" …") and len(lines) * share_cards.line_height(size) <= 290


# The admin form -------------------------------------------------------------------------

def test_admin_saves_the_share_image_address(admin, database):
    campaign = create_campaign(admin, image_url=OWN_IMAGE)
    assert campaign.image_url == OWN_IMAGE
    html = text(admin.get(edit_url(campaign)))
    assert ">Image de partage (adresse https)<" in html
    assert f'value="{OWN_IMAGE}"' in html
    assert 'type="url"' in html


@pytest.mark.parametrize("address", [
    "http://images.example.org/carte.png", "javascript:alert(1)", "https://",
    "https://localhost/x.png",
    "https://user:pass@images.example.org/x.png", "https://images.example.org/une carte.png",
    "//images.example.org/x.png", "https://[::1/x.png"])
def test_a_share_image_that_is_not_an_https_address_is_refused_in_french(admin, database, address):
    response = post_form(admin, image_url=address)
    assert response.status_code == 422
    assert field_error(text(response), "image_url") == HTTPS_REFUSED
    assert not Campaign.select().where(Campaign.title == "Sauvons la ligne Caen–Rennes").exists()


@pytest.mark.browser
def test_admin_types_the_share_image_in_chromium(browser, tmp_path):
    with live_demo_server(tmp_path) as server:
        page = new_page(browser)
        log_in_as_admin(page, server)
        page.goto(server.url + f"/admin/campagnes/{campaign_at(DEMO_CYBERACTION).id}")
        field = labelled(page, "Image de partage (adresse https)")
        field.fill("http://images.example.org/carte.png")
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.locator("#image_url-erreur")).to_have_text(HTTPS_REFUSED)
        expect(field).to_be_focused()
        screenshot(page, "admin-share-image-error")
        field.fill(OWN_IMAGE)
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.get_by_text("La campagne est enregistrée.")).to_be_visible()
        assert campaign_at(DEMO_CYBERACTION).image_url == OWN_IMAGE
        page.goto(server.url + DEMO_CYBERACTION)
        assert page.locator('meta[property="og:image"]').get_attribute("content") == OWN_IMAGE
        page.context.close()
