"""Comments under a campaign: reading, posting, deleting one's own, reporting."""
from flask import (
    Blueprint, abort, flash, make_response, redirect, render_template, request,
    url_for,
)
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Optional

from blueprints.accounts.forms import LoginForm
from blueprints.accounts.routes import attempt_login
from blueprints.campaigns.pages import KINDS, get_campaign, inline_login_refused, sign_area
from blueprints.forms import Honeypot, honeypot, length, letter_text, one_newline, strip
from blueprints.rendering import page_or_fragment, wants_fragment
from blueprints.limits import configured, member, typed_address
from blueprints.errors import error_response
from extensions import limiter
from services import comments

bp = Blueprint("comments", __name__)

LOGIN_PREFIX = "connexion-commentaire"
CONTEXTS = ("campagne", "moderation")


class CommentForm(FlaskForm, Honeypot):
    site_web = honeypot("site-web-commentaire")
    text = TextAreaField(
        _l("Votre commentaire"), id="commentaire-texte", filters=[one_newline, strip],
        description=_l("Texte brut, 3\u202f000 caractères au plus ; les liens deviennent "
                       "cliquables."),
        validators=[DataRequired(_l("Le commentaire ne peut pas être vide.")),
                    length(comments.MAX_LENGTH), letter_text])


class ReasonForm(FlaskForm):
    """A reason, optional (Signaler, Rétablir…); its field is drawn by _comment.html."""

    reason = TextAreaField(_l("Raison"), filters=[one_newline, strip], validators=[
        Optional(), length(comments.REASON_MAX_LENGTH), letter_text])


class RequiredReasonForm(ReasonForm):
    """Masquer and blocking say why: the audit log keeps it."""

    reason = TextAreaField(_l("Raison"), filters=[one_newline, strip], validators=[
        DataRequired(_l("Indiquez la raison : elle est gardée au journal de modération.")),
        length(comments.REASON_MAX_LENGTH), letter_text])


# Helpers shared with the moderation blueprint -------------------------------------------


def before_id():
    """The `avant` of a "voir plus" link: an id, or None for the first page."""
    return id_or_none(request.args.get("avant", ""))


def id_or_none(value):
    """A row id typed into a URL or a form, or None: never '²', never past a 64-bit integer."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def forbidden():
    return error_response(403, _("Action non autorisée"),
                          _("Votre compte ne permet pas cette action."))


def shown_comment(comment_id):
    """The comment as the current user may see it, or a 404 (hidden ones for moderators only)."""
    comment = comments.comment_for(comment_id, current_user)
    if comment is None:
        abort(404)
    return comment


def list_context():
    """Where the comment was drawn: under its campaign, or on the moderation page."""
    context = request.values.get("contexte", "campagne")
    return context if context in CONTEXTS else "campagne"


def back_url(comment, anchor=True):
    if list_context() == "moderation":
        return url_for("moderation.queue", _anchor=f"commentaire-{comment.id}" if anchor else None)
    campaign = comment.campaign
    return url_for("campaigns.show", kind=campaign.kind, slug=campaign.slug,
                   _anchor=f"commentaire-{comment.id}" if anchor else "commentaires")


def comment_swap(comment_id, status=200, **extra):
    """The comment redrawn in place (or its removal note), and the count out of band."""
    comment = comments.comment_for(comment_id, current_user)
    thread = None
    if list_context() == "campagne" and (comment or extra.get("campaign")):
        campaign = comment.campaign if comment else extra["campaign"]
        count, hidden = comments.count_for(campaign, current_user)
        thread = comments.Thread(comments=[], count=count, hidden_count=hidden)
    extra.setdefault("comment_id", comment_id)
    response = make_response(render_template(
        "comments/_partials/_comment_swap.html", comment=comment, thread=thread,
        context=list_context(), **extra), status)
    response.vary.add("HX-Request")
    return response


def action_failed(comment, action, form):
    """A reason refused: the comment comes back with its form open and the message under it."""
    extra = dict(open_action=action, action_errors=form.reason.errors,
                 reason_value=form.reason.data or "")
    if wants_fragment():
        return comment_swap(comment.id, status=422, **extra)
    return render_template("comments/action.html", comment=comment, context=list_context(),
                           **extra), 422


def done(comment, message, anchor=True, **extra):
    """After an action: the comment in place for htmx, else back where it was shown."""
    if wants_fragment():
        # The redrawn comment says what was done, as the flash does after a redirect.
        extra.setdefault("notice", message)
        return comment_swap(comment.id, **extra)
    flash(message, "success")
    return redirect(back_url(comment, anchor), code=303)


@bp.app_template_global()
def comment_thread(campaign):
    """The first page of a campaign's comments, as the current user may see them."""
    return comments.thread_for(campaign, current_user)


@bp.app_template_global()
def new_comment_login_form():
    """The login under the comments: its own prefix keeps the page's ids unique.

    Unbound: a page redrawn after another form failed must not echo that form here."""
    return comment_login_form(formdata=None)


def comment_login_form(**options):
    """The login form as the comments word it ("Courriel")."""
    form = LoginForm(prefix=LOGIN_PREFIX, **options)
    form.email.label.text = _("Courriel")
    return form


@bp.app_template_global()
def new_comment_form():
    return CommentForm(formdata=None)


@bp.app_template_global()
def comment_author(user):
    return comments.public_name(user)


# Views ---------------------------------------------------------------------------------

@bp.get(f"/{KINDS}/<slug>/commentaires")
def index(kind, slug):
    """Voir plus: the next page of comments, in place or as a page of its own."""
    campaign = get_campaign(kind, slug)
    thread = comments.thread_for(campaign, current_user, before=before_id())
    return page_or_fragment("comments/comments.html", "comments/_partials/_comment_page.html",
                            campaign=campaign, thread=thread, context="campagne")


@bp.post(f"/{KINDS}/<slug>/commentaires")
@login_required
@limiter.limit(configured("COMMENT_RATE_LIMIT"), key_func=member)
def create(kind, slug):
    """Publish a comment: it tops the list and the count moves, without a reload."""
    campaign = get_campaign(kind, slug)
    form = CommentForm()
    if not form.validate_on_submit():
        return _form_again(campaign, form, status=422)
    if form.honeypot_filled():
        return _as_if_posted(campaign)
    try:
        comment = comments.post(campaign, current_user, form.text.data)
    except comments.CommentingBlocked:
        return forbidden()
    if not wants_fragment():
        flash(_("Votre commentaire est publié."), "success")
        return redirect(url_for("campaigns.show", kind=kind, slug=slug,
                                _anchor=f"commentaire-{comment.id}"), code=303)
    count, hidden = comments.count_for(campaign, current_user)
    response = make_response(render_template(
        "comments/_partials/_comment_posted.html", campaign=campaign,
        comment_form=CommentForm(formdata=None), posted=True, context="campagne",
        thread=comments.Thread(comments=[], count=count, hidden_count=hidden),
        comment=comments.comment_for(comment.id, current_user)))
    response.vary.add("HX-Request")
    return response


def _as_if_posted(campaign):
    """A bot that filled the honeypot is told its comment is published; nothing is."""
    if not wants_fragment():
        flash(_("Votre commentaire est publié."), "success")
        return redirect(url_for("campaigns.show", kind=campaign.kind, slug=campaign.slug,
                                _anchor="commentaires"), code=303)
    return render_template("comments/_partials/_comment_form.html", campaign=campaign,
                           comment_form=CommentForm(formdata=None), posted=True)


def _form_again(campaign, form, status):
    if wants_fragment():
        return render_template("comments/_partials/_comment_form.html", campaign=campaign,
                               comment_form=form), status
    return render_template("campaigns/campaign.html", comment_form=form,
                           **sign_area(campaign)), status


@bp.post(f"/{KINDS}/<slug>/commentaires/connexion")
@limiter.limit(configured("LOGIN_RATE_LIMIT"))
@limiter.limit(configured("ACCOUNT_RATE_LIMIT"), key_func=typed_address(f"{LOGIN_PREFIX}-email"))
def login(kind, slug):
    """Log in from the comments; the page comes back with the member's comment form."""
    campaign = get_campaign(kind, slug)
    form = comment_login_form()
    if not (form.validate_on_submit() and attempt_login(form)):
        return inline_login_refused(campaign, form, LOGIN_PREFIX,
                                    url_for(".login", kind=kind, slug=slug), "comment_login_form")
    target = url_for("campaigns.show", kind=kind, slug=slug, _anchor="commentaires")
    if not wants_fragment():
        return redirect(target, code=303)
    # The whole page changes with the login (nav, signing side, comment actions): reload
    # it at the comments rather than patch every part.
    response = make_response("", 200)
    response.headers["HX-Redirect"] = target
    response.headers["HX-Refresh"] = "true"
    return response


@bp.post("/commentaires/<int:comment_id>/supprimer")
@login_required
def delete(comment_id):
    """The author withdraws their comment."""
    comment = shown_comment(comment_id)
    try:
        comments.delete_own(comment, current_user)
    except comments.NotAllowed:
        return forbidden()
    return done(comment, _("Votre commentaire est supprimé."), anchor=False, gone=True,
                campaign=comment.campaign)


@bp.post("/commentaires/<int:comment_id>/signaler")
@login_required
@limiter.limit(configured("REPORT_RATE_LIMIT"), key_func=member)
def report(comment_id):
    """Signaler: the moderators see it first on their page."""
    comment = shown_comment(comment_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return action_failed(comment, "signaler", form)
    try:
        comments.report(comment, current_user, form.reason.data)
    except comments.NotAllowed:
        return forbidden()
    thanks = _("Merci : votre signalement est transmis aux modérateurs.")
    return done(comment, thanks, notice=thanks)
