"""The widget other sites frame, sharing on Mastodon without JavaScript, and recommending
a campaign by email."""
from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from blueprints.campaigns.pages import KINDS, get_campaign
from blueprints.errors import error_response, redraws_expired_form
from blueprints.limits import configured
from blueprints.public_cache import shared_render
from blueprints.reach import bp
from blueprints.reach.forms import RecommendForm
from blueprints.recommenders import may_recommend, sender
from blueprints.rendering import wants_fragment
from extensions import limiter
from services import recommendations, sharing

# The one page any site may frame. It runs no script and posts no form.
WIDGET_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
                 "form-action 'none'; frame-ancestors *")
FORM_PREFIX = "recommander"


@bp.app_template_global()
def share_links(campaign):
    return sharing.share_links(campaign)


@bp.app_template_global()
def embed_snippet(campaign):
    return sharing.embed_snippet(campaign)


@bp.app_template_global()
def campaign_link(campaign):
    """The campaign's address as others should share it (SITE_URL, not the request's host)."""
    return sharing.campaign_url(campaign)


@bp.get(f"/{KINDS}/<slug>/widget")
@limiter.exempt
def widget(kind, slug):
    """The compact widget: title, live counter, goal, and a link to sign."""
    campaign = get_campaign(kind, slug)
    seconds = current_app.config["COUNTER_CACHE_SECONDS"]
    # Framed on every visit of the sites that show it: drawn once per language every
    # few seconds, the counter as fresh as what browsers are told to keep.
    key = ("widget", campaign.id, campaign.content_version, campaign.hide_counter,
           campaign.is_open())
    body, digest = shared_render(
        key, lambda: render_template("reach/widget.html", campaign=campaign), seconds)
    response = make_response(body)
    response.headers["Cache-Control"] = f"public, max-age={seconds}, stale-while-revalidate=30"
    response.headers["Content-Security-Policy"] = WIDGET_POLICY
    response.set_etag(digest)
    return response.make_conditional(request)


@bp.get(f"/{KINDS}/<slug>/partager/mastodon")
def share_on_mastodon(kind, slug):
    """Without JavaScript: a link on to the share page of the visitor's Mastodon server.

    A link, not a redirect: the page's `form-action 'self'` rightly stops a form that
    redirects to another site."""
    campaign = get_campaign(kind, slug)
    try:
        instance = sharing.mastodon_instance(request.args.get("instance", ""))
    except sharing.NotAnInstance:
        return error_response(400, _("Serveur Mastodon non reconnu"),
                              _("Indiquez le nom de votre serveur Mastodon, par exemple "
                                "mastodon.social, puis recommencez."))
    return render_template("reach/mastodon.html", campaign=campaign, instance=instance,
                           share_url=sharing.mastodon_share_url(instance, campaign))


@bp.route(f"/{KINDS}/<slug>/recommander", methods=["GET", "POST"])
@limiter.limit(configured("RECOMMEND_RATE_LIMIT"), methods=["POST"])
@limiter.limit(configured("RECOMMEND_RATE_LIMIT"), key_func=sender, methods=["POST"])
def recommend(kind, slug):
    """Recommander par courriel: one message to each address typed, none of them kept."""
    campaign = get_campaign(kind, slug)
    if not may_recommend(campaign):
        return _not_allowed(campaign)
    if not campaign.is_open():
        return error_response(409, _("Campagne close"),
                              _("Cette campagne est close : elle ne peut plus être recommandée."))
    form = RecommendForm(prefix=FORM_PREFIX)
    if request.method == "GET":
        form.sender_name.data = _member_name()
    if not form.validate_on_submit():
        return _form(campaign, form, status=422 if request.method == "POST" else 200)
    outcome = recommendations.recommend(campaign, _recommendation(form))
    if not outcome.sent:
        return _all_held_back(campaign, form)
    if wants_fragment():
        return render_template("reach/_partials/_recommend_done.html", campaign=campaign,
                               outcome=outcome)
    flash(_done_message(outcome), "success")
    return redirect(url_for(".recommend", kind=kind, slug=slug), code=303)


def _member_name():
    """A member's name, filled in for them (not the placeholder of an account without one)."""
    if not current_user.is_authenticated or current_user.display_name == "Membre":
        return ""
    return current_user.display_name


def _recommendation(form):
    reply_to = current_user.email if current_user.is_authenticated else ""
    return recommendations.Recommendation(
        sender_name=form.sender_name.data, addresses=form.addresses(),
        personal_word=form.personal_word.data or "", reply_to=reply_to)


def _form(campaign, form, status, form_expired=False, held_back=False):
    template = ("reach/_partials/_recommend_form.html" if wants_fragment()
                else "reach/recommend.html")
    response = make_response(render_template(template, campaign=campaign, form=form,
                                             form_expired=form_expired, held_back=held_back),
                             status)
    response.vary.add("HX-Request")
    return response


def _all_held_back(campaign, form):
    if wants_fragment():  # the form stays as typed, this message above it
        return error_response(429, _("Rien n'est parti"), _(
            "Ces adresses ne peuvent pas recevoir de recommandation aujourd'hui : rien ne "
            "leur a été envoyé. Réessayez demain, ou écrivez à d'autres personnes."))
    return _form(campaign, form, status=429, held_back=True)


def _done_message(outcome):
    sent = ngettext("Votre recommandation part vers %(num)s adresse. Merci !",
                    "Votre recommandation part vers %(num)s adresses. Merci !", outcome.sent)
    if outcome.held_back:
        sent += " " + _("Certaines adresses ne peuvent pas recevoir de recommandation "
                        "aujourd'hui : rien ne leur a été envoyé.")
    return sent


def _not_allowed(campaign):
    if request.method == "POST" or wants_fragment():
        return error_response(403, _("Recommandation impossible"),
                              _("Pour recommander cette campagne par courriel, signez-la "
                                "d'abord, ou connectez-vous à votre compte."))
    return render_template("reach/recommend.html", campaign=campaign, allowed=False), 403


@redraws_expired_form("reach.recommend")
def _recommend_form_again(kind, slug):
    """The form as typed, with a fresh token, when the one it was sent with had expired."""
    campaign = get_campaign(kind, slug)
    if not may_recommend(campaign):  # no form of theirs to give back: the token comes first
        return error_response(400, _("Formulaire expiré"),
                              _("Le formulaire a expiré ou n'a pas été envoyé depuis ce site. "
                                "Rechargez la page puis recommencez : rien n'a été envoyé."))
    return _form(campaign, RecommendForm(prefix=FORM_PREFIX), status=422, form_expired=True)
