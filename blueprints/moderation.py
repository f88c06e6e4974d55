"""Moderation: hiding and restoring comments, stopping members from commenting, the audit log.

Every view checks the role on the server, whatever the page showed; the services
check it once more.
"""
from functools import wraps

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.access import never_cached
from blueprints.comments import (
    ReasonForm, RequiredReasonForm, action_failed, before_id, done, forbidden, id_or_none,
    shown_comment,
)
from blueprints.errors import error_response
from blueprints.rendering import page_or_fragment, wants_fragment
from models import User
from services import comments

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


bp.after_request(never_cached)  # hidden comments, reports and the journal


def moderator_required(view):
    @wraps(view)
    @login_required
    def checked(*args, **kwargs):
        if not comments.is_moderator(current_user):
            return forbidden()
        return view(*args, **kwargs)
    return checked


@bp.get("")
@moderator_required
def queue():
    """Reported comments first, then the latest across campaigns, with the same actions."""
    thread = comments.moderation_queue(current_user, before=before_id())
    if wants_fragment():
        return page_or_fragment("moderation/index.html", "comments/_partials/_comment_page.html",
                                thread=thread, context="moderation")
    return render_template("moderation/index.html", thread=thread, context="moderation",
                           blocked=comments.blocked_members(current_user))


@bp.get("/journal")
@login_required
def journal():
    """The audit log of every moderation action; admins only."""
    if not current_user.is_admin:
        return forbidden()
    actions, next_before = comments.journal(current_user, before=before_id())
    return render_template("moderation/journal.html", actions=actions, next_before=next_before)


def _act_on_comment(comment_id, action, form, apply, message):
    """The shared steps of a moderation action on one comment: reason, service, answer."""
    comment = shown_comment(comment_id)
    if not form.validate_on_submit():
        return action_failed(comment, action, form)
    apply(comment, current_user, form.reason.data)
    return done(comment, message)


@bp.post("/commentaires/<int:comment_id>/masquer")
@moderator_required
def hide(comment_id):
    """Masquer: the public no longer sees it; moderators see it greyed, with why."""
    return _act_on_comment(comment_id, "masquer", RequiredReasonForm(), comments.hide,
                           _("Le commentaire est masqué."))


@bp.post("/commentaires/<int:comment_id>/retablir")
@moderator_required
def restore(comment_id):
    """Rétablir: the comment is public again."""
    return _act_on_comment(comment_id, "retablir", ReasonForm(), comments.restore,
                           _("Le commentaire est rétabli."))


@bp.post("/commentaires/<int:comment_id>/classer")
@moderator_required
def dismiss(comment_id):
    """The reports were read and the comment stays as it is."""
    return _act_on_comment(comment_id, "classer", ReasonForm(), comments.dismiss_reports,
                           _("Les signalements sont classés."))


@bp.post("/membres/<int:user_id>/bloquer")
@moderator_required
def block(user_id):
    """Stop a member from commenting (they still read, sign and report)."""
    return _set_commenting(user_id, allowed=False, form=RequiredReasonForm(),
                           message=_("Ce membre ne peut plus commenter."))


@bp.post("/membres/<int:user_id>/autoriser")
@moderator_required
def unblock(user_id):
    """Allow a member to comment again."""
    return _set_commenting(user_id, allowed=True, form=ReasonForm(),
                           message=_("Ce membre peut de nouveau commenter."))


def _set_commenting(user_id, allowed, form, message):
    member = User.get_or_none(User.id == user_id)
    if member is None:
        return error_response(404, _("Membre introuvable"), _("Ce compte n'existe plus."))
    # Drawn from one of the member's comments, the answer redraws that comment.
    comment_id = id_or_none(request.form.get("commentaire", ""))
    comment = shown_comment(comment_id) if comment_id is not None else None
    if not form.validate_on_submit():
        if comment is not None:
            return action_failed(comment, "autoriser" if allowed else "bloquer", form)
        return error_response(422, _("Raison refusée"), " ".join(map(str, form.reason.errors)))
    try:
        comments.set_commenting(member, current_user, allowed, form.reason.data)
    except comments.NotAllowed:
        return forbidden()
    if comment is not None:
        return done(comment, message)
    if wants_fragment():
        response = make_response(render_template("moderation/_partials/_member.html",
                                                 member=member))
        response.vary.add("HX-Request")
        return response
    flash(message, "success")
    return redirect(url_for(".queue", _anchor="membres"), code=303)
