"""Proposals: members propose campaigns, moderators accept or refuse them.

Two audiences, two blueprints: `bp` (/proposer, any logged-in member) holds `review`
(/moderation/propositions), whose `before_request` lets only moderators and admins in,
so that no route of it can forget the check. No answer of either is ever cached.
"""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from blueprints.access import never_cached, role_required
from blueprints.admin.forms import ProposalForm
from blueprints.errors import error_response
from blueprints.forms import length, letter_text, one_newline, strip
from blueprints.limits import configured, member
from blueprints.rendering import form_status, page_or_fragment, wants_fragment
from extensions import limiter
from models import Campaign
from services import campaigns, proposals
from services.campaigns import InvalidCampaign, WrongStatus

bp = Blueprint("proposals", __name__)
review = Blueprint("review", __name__, url_prefix="/moderation/propositions")


class RefusalForm(FlaskForm):
    """Refuser: the member reads this message in the email that tells them."""

    message = TextAreaField(_l("Message au membre"), filters=[one_newline, strip], validators=[
        DataRequired(_l("Écrivez au membre pourquoi sa proposition n'est pas retenue : "
                        "il reçoit ce message par courriel.")),
        length(proposals.MESSAGE_MAX_LENGTH), letter_text])


# Campaign.STATUSES, in the reader's language.
STATUS_LABELS = {Campaign.DRAFT: _l("Brouillon"), Campaign.PROPOSED: _l("Proposée"),
                 Campaign.PUBLISHED: _l("Publiée"), Campaign.CLOSED: _l("Close"),
                 Campaign.ARCHIVED: _l("Archivée")}

bp.after_request(never_cached)


@bp.errorhandler(429)
def _too_many_proposals(error):
    return error_response(429, _("Trop de propositions"), _(
        "Vous avez déjà envoyé plusieurs propositions aujourd'hui : les modérateurs les "
        "examinent. Vous pourrez en proposer une autre demain."))


def _proposal_sent(response):
    """Only a proposal that went through counts against the limit, not a form with errors."""
    return response.status_code in (200, 303)


def proposal_form(**options):
    """The proposal form, "Proposée par" filled with the member's name (they may change it)."""
    form = ProposalForm(proposer=current_user.display_name, **options)
    form.proposer.description = _("Affiché sur la page de la campagne : votre nom, ou celui "
                                  "de votre association.")
    return form


def _proposal_page(form, status=200, sent=False):
    return page_or_fragment("proposals/propose.html", "proposals/_partials/_propose_area.html",
                            status=status, form=form, sent=sent,
                            mine=proposals.of_member(current_user))


@bp.route("/proposer", methods=["GET", "POST"])
@login_required
@limiter.limit(configured("PROPOSAL_RATE_LIMIT"), key_func=member, methods=["POST"],
               deduct_when=_proposal_sent)
def propose():
    """Proposer une campagne: the moderators read it before anyone else can."""
    form = proposal_form()
    if not form.validate_on_submit():
        return _proposal_page(form, status=form_status())
    try:
        if not form.honeypot_filled():  # a bot is thanked like anyone, and nothing is kept
            proposals.propose(current_user, form.campaign_fields())
    except InvalidCampaign as error:
        form.show_errors(error)
        return _proposal_page(form, status=422)
    if wants_fragment():
        return _proposal_page(proposal_form(formdata=None), sent=True)
    flash(_("Merci : votre proposition est transmise aux modérateurs."), "success")
    return redirect(url_for(".propose"), code=303)


# Moderators ---------------------------------------------------------------------------

@bp.app_template_global()
def proposals_waiting():
    """How many proposals wait, for the link on the moderation page."""
    return proposals.waiting_count()


review.before_request(role_required(
    lambda user: user.is_moderator,
    _l("Les propositions de campagne sont réservées aux modérateurs.")))


def _review_page(status=200, problem=None, refusals=None):
    """The list; `refusals` holds a refusal form sent back with its error, by proposal id."""
    return render_template("proposals/review.html", proposals=campaigns.proposals(),
                           problem=problem, refusals=refusals or {}), status


def _proposal(campaign_id):
    campaign = Campaign.get_or_none(Campaign.id == campaign_id)
    # An admin's own draft was never a proposal: nothing to decide here.
    if campaign is None or (campaign.proposed_by_id is None
                            and campaign.status != Campaign.PROPOSED):
        abort(404)
    return campaign


def _decided(campaign, message, status=200):
    """The proposal's block becomes its outcome; without htmx, back to the list."""
    if wants_fragment():
        return page_or_fragment("proposals/review.html", "proposals/_partials/_outcome.html",
                                status=status, campaign=campaign, message=message,
                                conflict=status != 200)
    if status != 200:
        return _review_page(status, problem=message)
    flash(message, "success")
    return redirect(url_for(".index"), code=303)


@bp.app_template_global()
def decision_label(campaign):
    """What became of a proposal, in a word: a refused one was archived unpublished."""
    if campaign.status == Campaign.ARCHIVED and not campaign.is_published:
        return _("Refusée")
    return str(STATUS_LABELS.get(campaign.status, campaign.status_label))


def _already_decided(campaign):
    """Another moderator was quicker (or the form was old): say so, change nothing."""
    current = Campaign.get_by_id(campaign.id)
    return _decided(current, _("Cette proposition a déjà été traitée (elle est maintenant : "
                               "%(status)s) : rien n'a été changé.",
                               status=decision_label(current).lower()),
                    status=409)


@review.get("")
def index():
    """The proposals waiting for a decision, the oldest first, each readable in full."""
    return _review_page()


@review.post("/<int:campaign_id>/accepter")
def approve(campaign_id):
    """Accepter: the proposal becomes a draft that an admin completes and publishes."""
    campaign = _proposal(campaign_id)
    try:
        campaign = proposals.approve(current_user, campaign)
    except WrongStatus:
        return _already_decided(campaign)
    return _decided(campaign, _("« %(title)s » est acceptée : elle attend parmi les "
                                "brouillons qu'un administrateur la publie.", title=campaign.title))


@review.post("/<int:campaign_id>/refuser")
def refuse(campaign_id):
    """Refuser: the proposal is set aside and its author gets the moderator's message."""
    campaign = _proposal(campaign_id)
    if not campaigns.can("refuse", campaign):
        return _already_decided(campaign)
    form = RefusalForm()
    if not form.validate_on_submit():
        if wants_fragment():
            return page_or_fragment("proposals/review.html", "proposals/_partials/_proposal.html",
                                    status=422, campaign=campaign,
                                    refusals={campaign.id: form})
        return _review_page(422, refusals={campaign.id: form})
    try:
        campaign = proposals.refuse_and_tell(current_user, campaign, form.message.data)
    except WrongStatus:
        return _already_decided(campaign)
    return _decided(campaign, _("« %(title)s » est refusée : son auteur reçoit votre "
                                "message par courriel.", title=campaign.title))


bp.register_blueprint(review)
