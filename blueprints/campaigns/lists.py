"""The public lists: Cyber actions, Pétitions, the Liste rapide, the Bilans, the search
and each campaign's Signataires."""
from flask_babel import gettext as _
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blueprints.campaigns import bp
from blueprints.campaigns.pages import KINDS, get_campaign
from blueprints.comments import id_or_none
from blueprints.limits import configured
from blueprints.page_cache import cached_page
from blueprints.rendering import wants_fragment
from extensions import limiter
from models import Campaign
from services import campaigns, signing

# Past this a page number is a typing accident (or a probe): it shows the first page.
MAX_PAGE = 100_000


def page_number():
    """`?page=N`; anything else than a sensible page number is page 1."""
    number = id_or_none(request.args.get("page", ""))
    return number if number and number <= MAX_PAGE else 1


@bp.get(f"/{KINDS}")
@limiter.exempt
def kind_list(kind):
    """Cyber actions or Pétitions: the open campaigns of that kind, the newest first."""
    number = page_number()
    return cached_page(("list", kind, number, Campaign.lists_version()), lambda: render_template(
        "campaigns/lists/open.html", kind=kind, page=campaigns.open_list(kind, number)))


@bp.get("/bilans")
@limiter.exempt
def bilans():
    """Bilans: the closed campaigns with their final count and the result, latest first."""
    number = page_number()
    return cached_page(("bilans", number, Campaign.lists_version()), lambda: render_template(
        "campaigns/lists/bilans.html", page=campaigns.bilans(number)))


@bp.get("/recherche")
def search():
    """Search the published and closed campaigns by words and tags."""
    query = request.args.get("q", "").strip()[:200]
    number = page_number()
    return render_template("campaigns/lists/search.html", query=query,
                           page=campaigns.search(query, number))


@bp.get(f"/{KINDS}/<slug>/signataires")
@limiter.exempt
def signatories(kind, slug):
    """Signataires: who took part, as they agreed to be shown, the latest first."""
    campaign = get_campaign(kind, slug)
    number = page_number()
    # The content version moves when an operator hides the counter this page shows.
    key = ("signataires", campaign.id, campaign.content_version, number)
    return cached_page(key, lambda: render_template(
        "campaigns/lists/signatories.html", campaign=campaign,
        page=campaigns.signatories(campaign, number)))


@bp.get("/liste-rapide")
def quick_list():
    """Liste rapide: every open campaign on one line; members sign each in one click."""
    return cached_page(("liste-rapide", Campaign.lists_version()), lambda: render_template(
        "campaigns/lists/quick.html", **quick_context(list(Campaign.open_campaigns()))))


def quick_context(open_campaigns):
    """The rows and, for a member, which of them they signed (one query for all)."""
    member = current_user if current_user.is_authenticated else None
    return dict(campaigns=open_campaigns,
                signed=campaigns.signed_by(member, open_campaigns) if member else set(),
                can_sign=bool(member) and signing.profile_complete(member))


@bp.post("/liste-rapide/<int:campaign_id>/signer")
@login_required
@limiter.limit(configured("SIGN_RATE_LIMIT"))
def quick_sign(campaign_id):
    """One click on the Liste rapide: the member signs with the campaign's own letter."""
    campaign = Campaign.by_id(campaign_id)
    if campaign is None or not campaign.is_public():
        abort(404)
    outcome, status = quick_signing(campaign)
    if not wants_fragment():
        flash(outcome, "success" if status == 200 else "error")
        return redirect(url_for(".quick_list", _anchor=f"rapide-{campaign.id}"), code=303)
    response = make_response(render_template(
        "campaigns/_partials/_quick_row.html", campaign=campaign, outcome=outcome,
        signed={campaign.id} if status == 200 else set(),
        can_sign=signing.profile_complete(current_user)), status)
    response.vary.add("HX-Request")
    return response


def quick_signing(campaign):
    """Sign for the current member; (what to tell them, HTTP status)."""
    letter = {"letter_subject": campaign.letter_subject, "letter_body": campaign.letter_body}
    try:
        newly = signing.sign_as_member(campaign, current_user, letter=letter)
    except signing.CampaignClosed:
        return _("Cette campagne est close : elle n'accepte plus de participations."), 409
    except signing.ProfileIncomplete:
        return _("Pour signer en un clic, complétez d'abord vos nom, prénom, code postal "
                 "et commune dans Mon profil."), 422
    if newly:
        return _("Merci, votre participation est enregistrée."), 200
    return _("Vous participez déjà à cette campagne."), 200
