"""Members on a campaign page: log in without leaving it, then sign in one click."""
from flask_babel import gettext as _
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blueprints.accounts.routes import attempt_login
from blueprints.campaigns import bp
from blueprints.campaigns.pages import (
    KINDS, get_campaign, inline_login_form, inline_login_refused, member_form, sign_area,
)
from blueprints.errors import error_response
from blueprints.rendering import page_or_fragment, wants_fragment
from blueprints.limits import configured, typed_address
from extensions import limiter
from services import abuse, signing


@bp.post(f"/{KINDS}/<slug>/connexion")
@limiter.limit(configured("LOGIN_RATE_LIMIT"))
@limiter.limit(configured("ACCOUNT_RATE_LIMIT"), key_func=typed_address("connexion-email"))
def login(kind, slug):
    """J'ai un compte: log in inline; the signing side becomes the one-click form."""
    campaign = get_campaign(kind, slug)
    form = inline_login_form()
    if not (form.validate_on_submit() and attempt_login(form)):
        return inline_login_refused(campaign, form, "connexion-campagne",
                                    url_for(".login", kind=kind, slug=slug), "login_form")
    if not wants_fragment():
        return redirect(url_for(".show", kind=kind, slug=slug, _anchor="signer"), code=303)
    response = make_response(render_template("campaigns/_partials/_sign_area_swap.html",
                                             **sign_area(campaign)))
    response.headers["HX-Retarget"] = "#sign-area"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.post(f"/{KINDS}/<slug>/signer-en-un-clic")
@login_required
@limiter.limit(configured("SIGN_RATE_LIMIT"))
def sign_member(kind, slug):
    """Je signe en un clic: the member's participation counts at once."""
    campaign = get_campaign(kind, slug)
    form = member_form(campaign)
    if not campaign.is_open() or not form.validate_on_submit():
        status = 409 if not campaign.is_open() else 422
        return page_or_fragment("campaigns/campaign.html", "campaigns/_partials/_sign_member.html",
                                status=status, **sign_area(campaign, member_form=form))
    try:
        newly = signing.sign_as_member(campaign, current_user, form.letter(), form.elus.data or [],
                                       hide_identity=form.hide_identity.data,
                                       newsletter=form.newsletter.data,
                                       network=abuse.network_of(request.remote_addr))
    except signing.CampaignClosed:
        return page_or_fragment("campaigns/campaign.html", "campaigns/_partials/_sign_member.html",
                                status=409, **sign_area(campaign, member_form=form))
    except signing.ProfileIncomplete:
        return error_response(422, _("Coordonnées incomplètes"),
                              _("Pour signer en un clic, complétez d'abord vos nom, prénom, code "
                                "postal et commune dans Mon profil."))
    if not wants_fragment():
        flash(_("Merci, votre participation est enregistrée.") if newly
              else _("Vous participez déjà à cette campagne."), "success")
        return redirect(url_for(".show", kind=kind, slug=slug), code=303)
    # The campaign carries the counter as confirming left it: nothing to read again.
    response = make_response(render_template("campaigns/_partials/_sign_member_done.html",
                                             campaign=campaign, already=not newly))
    response.vary.add("HX-Request")
    return response
