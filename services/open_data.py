"""What the open-data API publishes of a campaign: its public facts and aggregate counts.

Never a name, never an address: targets by their label only, participations as
counts by département, with the départements of very few participations folded
into one line so that no count points at a handful of people.
"""
import datetime as dt
from dataclasses import dataclass

from models import Campaign, utcnow
from services import dashboard
from services.campaigns import page_of
from services.elus import departement_name

API_PAGE_SIZE = 50
# Below this many confirmed participations, a département is counted under "autres".
SMALL_GROUP = 5
OTHERS = "autres"
ABROAD = "etranger"


def iso_utc(moment):
    """2026-12-02T15:53:11Z: ISO 8601 in UTC (the database keeps naive UTC)."""
    if moment is None:
        return None
    return moment.replace(microsecond=0, tzinfo=dt.timezone.utc).isoformat().replace(
        "+00:00", "Z")


def listed_campaigns():
    """The campaigns the site lists: published and online, or closed; the newest first."""
    return (Campaign.select()
            .where(((Campaign.status == Campaign.PUBLISHED) & (Campaign.opens_at <= utcnow()))
                   | ((Campaign.status == Campaign.CLOSED) & Campaign.published_at.is_null(False)))
            .order_by(Campaign.opens_at.desc(), Campaign.id.desc()))


def campaigns_page(number):
    """One page of the listed campaigns (the API's /api/campaigns)."""
    return page_of(listed_campaigns(), number, size=API_PAGE_SIZE)


def public_campaign(kind, slug):
    """The campaign at /<kind>/<slug> when anyone may read it, or None."""
    campaign = Campaign.by_slug(kind, slug)
    return campaign if campaign is not None and campaign.is_public() else None


def summary(campaign, url):
    """The public facts of a campaign; `url` is its page's absolute address."""
    return {
        "kind": campaign.kind,
        "slug": campaign.slug,
        "url": url,
        "title": campaign.title,
        "summary": campaign.summary,
        "status": campaign.status,
        "open": campaign.is_open(),
        "opens_at": iso_utc(campaign.opens_at),
        "closes_at": iso_utc(campaign.closes_at),
        "closed_at": iso_utc(campaign.closed_at),
        "count": None if campaign.hide_counter else campaign.signature_count,
        "goal": campaign.goal,
        "targets": [target.name for target in campaign.target_list],
    }


def detail(campaign, url):
    """The facts, the bilan's text, and the participations by département (none when the
    campaign hides its counter: their sum would give it away)."""
    facts = summary(campaign, url)
    facts["result"] = campaign.result_text if campaign.status == Campaign.CLOSED else ""
    facts["participations_by_departement"] = (
        None if campaign.hide_counter else by_departement(dashboard.departements(campaign)))
    return facts


@dataclass
class DepartementCount:
    code: str
    name: str
    count: int


def by_departement(departements):
    """The dashboard's counts by département, the small ones folded into "autres" (last)."""
    shown, others = [], 0
    for departement in departements:
        if departement.count < SMALL_GROUP:
            others += departement.count
        elif departement.code == dashboard.ABROAD:
            shown.append(DepartementCount(ABROAD, "Étranger", departement.count))
        else:
            shown.append(DepartementCount(departement.code, departement_label(departement.code),
                                          departement.count))
    rows = [vars(row) for row in shown]
    if others:
        rows.append({"code": OTHERS, "name": f"Départements de moins de {SMALL_GROUP} "
                                             f"participations", "count": others})
    return rows


def departement_label(code):
    return "Corse" if code == "20" else departement_name(code)
