"""Feeds and discovery: Atom and RSS of the open campaigns and of the bilans, the sitemap,
robots.txt, and the share card that social networks show beside a campaign's link."""
from flask import Blueprint, current_app, make_response, render_template, request, url_for
from flask_babel import gettext as _

from blueprints.campaigns.pages import KINDS, get_campaign
from blueprints.languages import current_language
from blueprints.public_cache import public_document
from extensions import limiter
from models import Campaign
from services import feeds, open_data, share_cards

bp = Blueprint("feeds", __name__)

FORMATS = "<any(atom, rss):format>"
FEED_SECONDS = 600      # how long a feed reader or proxy may keep a feed
SITEMAP_SECONDS = 3600
CARD_SECONDS = 86400    # the card's address changes with the campaign's text


@bp.get(f"/flux/campagnes.{FORMATS}")
@limiter.exempt
def campaigns_feed(format):
    """The open campaigns, the newest first."""
    return public_document(("flux", "campagnes", format, Campaign.lists_version()),
                           lambda: campaigns_document(format), feeds.MIMETYPES[format],
                           FEED_SECONDS)


@bp.get(f"/flux/bilans.{FORMATS}")
@limiter.exempt
def bilans_feed(format):
    """The bilans: closed campaigns with their result, the latest closed first."""
    return public_document(("flux", "bilans", format, Campaign.lists_version()),
                           lambda: bilans_document(format), feeds.MIMETYPES[format],
                           FEED_SECONDS)


@bp.get("/sitemap.xml")
@limiter.exempt
def sitemap():
    """Every page a search engine may list: the lists and the public campaigns."""
    return public_document(("sitemap", Campaign.lists_version()), lambda: render_template(
        "feeds/sitemap.xml", campaigns=list(open_data.listed_campaigns())),
        "application/xml", SITEMAP_SECONDS)


@bp.get("/robots.txt")
@limiter.exempt
def robots():
    """What crawlers leave alone: staff pages, personal links, previews, the search."""
    return public_document(("robots",), lambda: render_template("feeds/robots.txt"),
                           "text/plain", SITEMAP_SECONDS)


@bp.get(f"/{KINDS}/<slug>/carte.png")
@limiter.exempt
def share_card(kind, slug):
    """The campaign's share card (1200×630 PNG): title, counter and the site's name."""
    campaign = get_campaign(kind, slug)
    png = share_cards.draw(share_cards.card_text(campaign, current_app.config["SITE_NAME"]))
    response = make_response(png)
    response.content_type = "image/png"
    response.add_etag()
    response.headers["Cache-Control"] = f"public, max-age={CARD_SECONDS}"
    return response.make_conditional(request)


# The documents ---------------------------------------------------------------------------

@bp.app_template_global()
def site_url(endpoint, **values):
    """The absolute address of a page on SITE_URL (the host a request came by may differ)."""
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


def campaign_url(campaign):
    return site_url("campaigns.show", kind=campaign.kind, slug=campaign.slug)


def entry(campaign, template, published, title=None, id_suffix=""):
    """One campaign in a feed; its text is the template's (escaped, Markdown sanitised)."""
    url = campaign_url(campaign)
    return feeds.Entry(
        title=title or campaign.title, link=url,
        html=render_template(template, campaign=campaign).strip(),
        published=feeds.aware(published),
        id=feeds.entry_id(url, campaign.published_at or campaign.opens_at, id_suffix),
        categories=campaign.tag_list, author=campaign.proposer)


def campaigns_document(format):
    entries = [entry(campaign, "feeds/_partials/_campaign_entry.html", campaign.opens_at)
               for campaign in feeds.open_campaigns()]
    return feeds.write(format, _("%(site)s — campagnes en cours",
                                 site=current_app.config["SITE_NAME"]),
                       site_url("campaigns.index"), site_url("feeds.campaigns_feed", format=format),
                       _("Les cyberactions et pétitions ouvertes, les plus récentes d'abord."),
                       entries, language=current_language())


def bilans_document(format):
    entries = [entry(campaign, "feeds/_partials/_bilan_entry.html", feeds.closed_on(campaign),
                     title=_("Bilan : %(title)s", title=campaign.title), id_suffix="/bilan")
               for campaign in feeds.bilans()]
    return feeds.write(format, _("%(site)s — bilans", site=current_app.config["SITE_NAME"]),
                       site_url("campaigns.bilans"), site_url("feeds.bilans_feed", format=format),
                       _("Les campagnes terminées : combien y ont participé et ce qu'elles ont "
                         "obtenu."), entries, language=current_language())
