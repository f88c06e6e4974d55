"""A signer without an account manages their participation from the emailed link."""
from flask_babel import gettext as _
from flask import flash, redirect, render_template, url_for

from blueprints.campaigns import bp
from blueprints.forms import EmptyForm
from blueprints.errors import error_response
from services import signing


def _bad_link():
    return error_response(404, _("Lien invalide"),
                          _("Ce lien ne correspond à aucune participation."))


@bp.get("/participation/<token>")
def participation(token):
    """See one's participation, hide one's name, or withdraw it."""
    try:
        signature = signing.signature_for_manage_token(token)
    except (signing.InvalidToken, signing.ExpiredToken):
        return _bad_link()
    return render_template("campaigns/participation.html", signature=signature,
                           campaign=signature.campaign, token=token, form=EmptyForm())


@bp.post("/participation/<token>/masquer")
def hide(token):
    """Show or hide one's name and town on the site."""
    try:
        signing.toggle_identity_hidden(signing.signature_for_manage_token(token))
    except (signing.InvalidToken, signing.ExpiredToken):
        return _bad_link()
    flash(_("Votre choix d'affichage est enregistré."), "success")
    return redirect(url_for(".participation", token=token), code=303)


@bp.post("/participation/<token>/retirer")
def withdraw(token):
    """Withdraw one's participation while the campaign is open."""
    try:
        campaign = signing.withdraw(token)
    except (signing.InvalidToken, signing.ExpiredToken):
        return _bad_link()
    except signing.CampaignClosed:
        return error_response(409, _("Campagne close"),
                              _("La campagne est close : les participations ne peuvent plus "
                                "être retirées."))
    flash(_("Votre participation est retirée."), "success")
    return redirect(url_for(".show", kind=campaign.kind, slug=campaign.slug), code=303)
