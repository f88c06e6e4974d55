"""The campaign pages, signing without an account, and confirming by the emailed link."""
from flask_babel import gettext as _
from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.accounts.forms import LoginForm
from blueprints.campaigns import bp
from blueprints.forms import EmptyForm, MemberSignatureForm, SignatureForm
from blueprints.page_cache import cached_page
from blueprints.rendering import page_or_fragment, wants_fragment
from blueprints.limits import configured, typed_address
from blueprints.errors import error_response, redraws_expired_form
from blueprints.recommenders import remember_signer
from extensions import limiter
from models import Campaign
from services import abuse, elus, letters, signing

KINDS = "<any(cyberactions, petitions):kind>"


def get_campaign(kind, slug):
    campaign = Campaign.by_slug(kind, slug)
    if campaign is None or not campaign.is_public():
        abort(404)
    return campaign


def signature_form(campaign):
    """The signing form, its letter fields pre-filled with the campaign's letter."""
    return SignatureForm(letter_subject=campaign.letter_subject, letter_body=campaign.letter_body)


def inline_login_form():
    """J'ai un compte, beside the signing form: its own prefix keeps the page's ids unique."""
    return LoginForm(prefix="connexion")


def inline_login_refused(campaign, form, form_id, action, page_form_name):
    """A login on a campaign page that failed: the login form with its error (htmx), or
    the whole page with that form in its place (422 both)."""
    if wants_fragment():
        return render_template("accounts/_partials/_login_form.html", form=form,
                               form_id=form_id, action=action), 422
    return render_template("campaigns/campaign.html",
                           **sign_area(campaign, **{page_form_name: form})), 422


def member_form(campaign):
    return MemberSignatureForm(letter_subject=campaign.letter_subject,
                               letter_body=campaign.letter_body)


def elus_lookup(campaign, postal_code, city, country):
    """The signer's députés, when the campaign lets them copy one."""
    if not campaign.copies_elus:
        return None
    return elus.deputes_for(postal_code, city, country or "FR")


def sign_area(campaign, as_visitor=False, **forms):
    """The signing side of the page: the member's one click, or the form and the login
    (`as_visitor`: the latter whoever asks, for the admin's preview)."""
    if current_user.is_authenticated and not as_visitor:
        forms.setdefault("member_form", member_form(campaign))
        lookup = elus_lookup(campaign, current_user.postal_code, current_user.city,
                             current_user.country)
        own = signing.member_signature(campaign, current_user)
        form = forms["member_form"]
    else:
        forms.setdefault("form", signature_form(campaign))
        forms.setdefault("login_form", inline_login_form())
        form = forms["form"]
        lookup = elus_lookup(campaign, form.postal_code.data, form.city.data, form.country.data)
        own = None
    can_sign_here = not current_user.is_authenticated or (
        (own is None or own.status != own.CONFIRMED) and signing.profile_complete(current_user))
    return dict(campaign=campaign, lookup=lookup, own_signature=own, can_sign_here=can_sign_here,
                preview=letter_preview(campaign, form, lookup), **forms)


def letter_preview(campaign, form, lookup):
    chosen = set(form.elus.data or [])
    cc = [elu for elu in (lookup.elus if lookup else []) if elu.id in chosen]
    return letters.preview(campaign, signer_details(form), cc)


def signer_details(form):
    """What the signer typed, or the member's stored details with their letter."""
    if isinstance(form, SignatureForm):
        return form.signer_details()
    return signing.SignerDetails.of_member(current_user, form.letter())


@bp.get("/")
@limiter.exempt
def index():
    """The open campaigns with their counters (anonymous visitors share a copy a few
    seconds old, like the lists)."""
    return cached_page(("home", Campaign.lists_version()), lambda: render_template(
        "campaigns/index.html", campaigns=list(Campaign.open_campaigns()),
        closed_campaigns=list(Campaign.recently_closed())))


@bp.get(f"/{KINDS}/<slug>")
@limiter.exempt  # reading is never limited; skipping the check is a tenth of a view's cost
def show(kind, slug):
    """The campaign page: what it asks, of whom, and the signing form."""
    campaign = get_campaign(kind, slug)
    return cached_page(
        ("campaign", campaign.id, campaign.content_version),
        lambda: render_template("campaigns/campaign.html", **sign_area(campaign)),
        live_parts=[lambda: render_template("campaigns/_partials/_counter.html", campaign=campaign)])


@bp.get(f"/{KINDS}/<slug>/compteur")
@limiter.exempt
def counter(kind, slug):
    """The live participation counter, polled by the page."""
    campaign = get_campaign(kind, slug)
    response = make_response(render_template("campaigns/_partials/_counter.html",
                                             campaign=campaign))
    seconds = current_app.config["COUNTER_CACHE_SECONDS"]
    response.headers["Cache-Control"] = f"public, max-age={seconds}, stale-while-revalidate=30"
    return response


@bp.post(f"/{KINDS}/<slug>/signer")
@limiter.limit(configured("SIGN_RATE_LIMIT"))
@limiter.limit(configured("SIGN_ADDRESS_RATE_LIMIT"), key_func=typed_address())
def sign(kind, slug):
    """Record a participation; the form comes back with its errors, or the thanks."""
    campaign = get_campaign(kind, slug)
    form = signature_form(campaign)
    if not campaign.is_open():
        return _sign_page(campaign, form, status=409)
    if request.form.get("action") == "elus":  # "Afficher mes élus", without JavaScript
        return _sign_page(campaign, form, status=200)
    if not form.validate_on_submit():
        return _sign_page(campaign, form, status=422)
    try:
        signing.sign(campaign, form.signer_details(), requested_elu_ids=form.elus.data or [],
                     origin=abuse.Origin(request.remote_addr, form.honeypot_filled()))
    except signing.CampaignClosed:
        return _sign_page(campaign, form, status=409)
    remember_signer(campaign)  # they may now recommend it by email
    if not wants_fragment():
        return redirect(url_for(".thanks", kind=kind, slug=slug), code=303)
    response = make_response(render_template("campaigns/_partials/_sign_done.html",
                                             campaign=campaign, email=form.email.data))
    response.vary.add("HX-Request")
    return response


def _sign_page(campaign, form, status, form_expired=False):
    return page_or_fragment("campaigns/campaign.html", "campaigns/_partials/_sign_form.html",
                            status=status, form_expired=form_expired,
                            **sign_area(campaign, form=form))


@redraws_expired_form("campaigns.sign")
def _sign_form_again(kind, slug):
    """The signing form, as typed, after its token expired (a long letter takes time)."""
    campaign = get_campaign(kind, slug)
    return _sign_page(campaign, signature_form(campaign), status=422, form_expired=True)


@bp.get(f"/{KINDS}/<slug>/elus")
def elus_choice(kind, slug):
    """The signer's députés for the postal code and town typed so far."""
    campaign = get_campaign(kind, slug)
    form = SignatureForm(formdata=request.args, meta={"csrf": False})
    lookup = elus_lookup(campaign, form.postal_code.data, form.city.data, form.country.data)
    return render_template("campaigns/_partials/_elus_list.html", campaign=campaign, form=form,
                           lookup=lookup)


@bp.post(f"/{KINDS}/<slug>/apercu")
@limiter.limit(configured("PREVIEW_RATE_LIMIT"))
def preview(kind, slug):
    """The récapitulatif of the letter as the signer has edited it so far."""
    campaign = get_campaign(kind, slug)
    form = signature_form(campaign)
    lookup = elus_lookup(campaign, form.postal_code.data, form.city.data, form.country.data)
    return render_template("campaigns/_partials/_recap.html", campaign=campaign,
                           preview=letter_preview(campaign, form, lookup))


@bp.get(f"/{KINDS}/<slug>/merci")
def thanks(kind, slug):
    """After signing without JavaScript: the next step is in the mailbox."""
    campaign = get_campaign(kind, slug)
    return render_template("campaigns/thanks.html", campaign=campaign)


@bp.get("/confirmer/<token>")
def confirm_page(token):
    """The link from the email opens this page; only its button confirms."""
    try:
        signature = signing.signature_for_token(token)
    except (signing.InvalidToken, signing.ExpiredToken) as error:
        return _bad_link(error)
    return render_template("campaigns/confirm.html", signature=signature, token=token,
                           campaign=signature.campaign, form=EmptyForm())


@bp.post("/confirmer/<token>")
@limiter.limit(configured("CONFIRM_RATE_LIMIT"))
def confirm(token):
    """Confirm the participation: counted, and the letter leaves."""
    try:
        result = signing.confirm(token)
    except (signing.InvalidToken, signing.ExpiredToken) as error:
        return _bad_link(error)
    except signing.CampaignClosed:
        return error_response(
            409, _("Campagne close"),
            _("Cette campagne est close : votre participation n'a pas pu être confirmée."))
    remember_signer(result.campaign)
    return render_template("campaigns/confirmed.html", result=result,
                           campaign=result.campaign, signature=result.signature)


def _bad_link(error):
    if isinstance(error, signing.ExpiredToken):
        message = _("Ce lien de confirmation a expiré. Signez de nouveau la campagne avec la même "
                    "adresse : vous recevrez un nouveau lien.")
        return error_response(410, _("Lien expiré"), message)
    message = _("Ce lien de confirmation n'est pas valide. Vérifiez qu'il a été copié en entier.")
    return error_response(404, _("Lien invalide"), message)
