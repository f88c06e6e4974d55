"""The open-data API: read-only JSON of the listed campaigns, for any site to read.

CORS is open and no credentials are taken: the answers are the same for everyone
and hold no personal data (see services/open_data.py).
"""
import json

from flask import Blueprint, current_app

from blueprints.campaigns.lists import page_number
from blueprints.campaigns.pages import KINDS
from blueprints.feeds import site_url
from blueprints.public_cache import public_document
from extensions import limiter
from models import Campaign
from services import open_data

bp = Blueprint("api", __name__, url_prefix="/api")

NOT_FOUND = {"error": "not_found", "message": "Aucune campagne publique à cette adresse."}


@bp.after_request
def open_to_every_origin(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response.headers["Access-Control-Max-Age"] = "86400"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    return response


@bp.get("/campaigns")
@limiter.exempt
def campaigns():
    """The listed campaigns (published and online, or closed), 50 a page, newest first."""
    number = page_number()
    return json_document(("api", "campaigns", number, Campaign.lists_version()),
                         lambda: campaigns_body(number))


@bp.get(f"/{KINDS}/<slug>")
@limiter.exempt
def campaign(kind, slug):
    """One public campaign, with its participations by département."""
    found = open_data.public_campaign(kind, slug)
    if found is None:
        return not_found()
    return json_document(("api", "campaign", found.id, found.content_version, found.hide_counter),
                         lambda: dump(open_data.detail(found, campaign_url(found))))


@bp.get("/", defaults={"unknown": ""})
@bp.get("/<path:unknown>")
@limiter.exempt
def not_found(unknown=None):
    """Anything else under /api/: a 404 in JSON, like an unknown campaign."""
    response = current_app.json.response(NOT_FOUND)
    response.status_code = 404
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


# The documents ---------------------------------------------------------------------------

def json_document(key, render):
    seconds = current_app.config["API_CACHE_SECONDS"]
    return public_document(key, render, "application/json", max_age=seconds,
                           server_seconds=seconds)


def dump(document):
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def campaign_url(campaign):
    return site_url("campaigns.show", kind=campaign.kind, slug=campaign.slug)


def page_url(number):
    return site_url("api.campaigns", page=number)


def campaigns_body(number):
    page = open_data.campaigns_page(number)
    return dump({
        "campaigns": [open_data.summary(campaign, campaign_url(campaign))
                      | {"api_url": site_url("api.campaign", kind=campaign.kind,
                                             slug=campaign.slug)}
                      for campaign in page.campaigns],
        "page": page.number,
        "next": page_url(page.number + 1) if page.has_next else None,
        "previous": page_url(page.number - 1) if page.number > 1 else None,
    })
