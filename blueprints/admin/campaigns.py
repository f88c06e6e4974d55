"""Admin: the list of campaigns, the campaign form and its buttons, the preview."""
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from blueprints.admin import bp, campaign_status
from blueprints.admin.forms import CampaignForm
from blueprints.campaigns.pages import sign_area
from blueprints.rendering import form_status
from extensions import login_manager
from models import Campaign, utcnow
from services import campaigns

# The buttons of the campaign form (name="action"): the service call each makes after
# saving, and what the admin is told once it is done.
STATUS_ACTIONS = {
    "publish": _l("La campagne est publiée."),
    "unpublish": _l("La campagne est dépubliée : elle n'est plus en ligne."),
    "close": _l("La campagne est close : elle ne prend plus de participations."),
    "archive": _l("La campagne est archivée."),
}
SAVED = _l("La campagne est enregistrée.")
FIXED_SLUG = _l("Cette campagne a été publiée : son adresse est fixée, pour que les liens déjà "
                "partagés restent valables.")


def campaign_or_404(campaign_id):
    return get_object_or_404(Campaign.select(), Campaign.id == campaign_id)


def chosen_action(allowed):
    """The button pressed; Enter in a field submits the first one, Enregistrer."""
    action = request.form.get("action", "save")
    return action if action in allowed else "save"


def form_page(form, campaign=None, status=200, error=None):
    """The campaign form, empty, filled, or with its errors beside the fields."""
    if campaign is not None and campaign.is_published:
        form.slug.description = FIXED_SLUG
        form.kind.description = _("Une campagne publiée garde son type.")
    return make_response(render_template(
        "admin/campaign_form.html", form=form, campaign=campaign, error=error,
        buttons=buttons_for(campaign), slug_proposal=proposed_slug(form)), status)


def proposed_slug(form):
    """The address the service will make from the title when the field is left empty."""
    return "" if form.slug.data else campaigns.slugify(form.title.data or "")


def buttons_for(campaign):
    """The status buttons that apply now (a new campaign is only saved or previewed)."""
    if campaign is None:
        return []
    return [action for action in STATUS_ACTIONS if campaigns.can(action, campaign)]


def after_saving(campaign, action, message):
    """Post/Redirect/Get: to the preview, or back to the form with what was done."""
    flash(str(message), "success")
    if action == "preview":
        return redirect(url_for(".preview", campaign_id=campaign.id), code=303)
    return redirect(url_for(".edit_campaign", campaign_id=campaign.id), code=303)


@bp.get("/")
def index():
    """Every campaign, whatever its status, with its counter and links."""
    return render_template("admin/index.html", campaigns=campaigns.all_for_admin())


@bp.route("/campagnes/nouvelle", methods=["GET", "POST"])
def new_campaign():
    """Nouvelle campagne: saved as a draft, then previewed or edited further."""
    form = CampaignForm()
    if not form.validate_on_submit():
        return form_page(form, status=form_status())
    try:
        campaign = campaigns.create(current_user, form.campaign_fields())
    except campaigns.InvalidCampaign as invalid:
        form.show_errors(invalid)
        return form_page(form, status=422)
    return after_saving(campaign, chosen_action({"save", "preview"}), SAVED)


@bp.route("/campagnes/<int:campaign_id>", methods=["GET", "POST"])
def edit_campaign(campaign_id):
    """Modifier une campagne: every button saves what was typed, then does its part."""
    campaign = campaign_or_404(campaign_id)
    if request.method == "GET":
        return form_page(CampaignForm.for_campaign(campaign), campaign)
    form = CampaignForm()
    if not form.validate_on_submit():
        return form_page(form, campaign, status=422)
    action = chosen_action({"save", "preview", *STATUS_ACTIONS})
    try:
        campaigns.update_then(current_user, campaign, form.campaign_fields(),
                              action if action in STATUS_ACTIONS else None)
    except campaigns.InvalidCampaign as invalid:
        form.show_errors(invalid)
        return form_page(form, campaign, status=422)
    except campaigns.WrongStatus:
        current = campaign_or_404(campaign_id)
        return form_page(form, current, status=409, error=_(
            "Un autre administrateur vient de changer l'état de cette campagne (elle est "
            "maintenant « %(status)s »). Rien n'a été enregistré : vérifiez le formulaire, "
            "puis recommencez.", status=campaign_status(current)))
    return after_saving(campaign, action, STATUS_ACTIONS.get(action, SAVED))


@bp.get("/campagnes/adresse")
def slug_proposal():
    """The page address the title would give, shown under the field as it is typed."""
    form = CampaignForm(formdata=request.args, meta={"csrf": False})
    return render_template("admin/_partials/_slug_proposal.html", slug=proposed_slug(form),
                           kind=form.kind.data if form.kind.data in Campaign.KINDS
                           else "cyberactions")


@bp.get("/campagnes/<int:campaign_id>/apercu")
def preview(campaign_id):
    """The campaign page as visitors will see it, whatever its status; never indexed.

    The page is drawn for a visitor without an account (the template's `current_user`
    is an anonymous one): the admin sees the signing form the public will get."""
    campaign = campaign_or_404(campaign_id)
    response = make_response(render_template(
        "admin/preview.html", signing_preview=will_take_participations(campaign),
        current_user=login_manager.anonymous_user(), **sign_area(campaign, as_visitor=True)))
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def will_take_participations(campaign):
    """A draft (or a campaign not yet online) shows the signing form it will have."""
    if campaign.status not in (Campaign.DRAFT, Campaign.PROPOSED, Campaign.PUBLISHED):
        return False
    return campaign.closed_at is None and (campaign.closes_at is None
                                           or campaign.closes_at > utcnow())
