"""Admin: members and roles (find an account, change its role, block or unblock it), and
the export of the newsletter's subscribers.

No list of every address: the page lists the staff (moderators and admins) and finds
one account by its exact address. The buttons are plain POST forms (CSRFProtect checks
their token before any view runs), redrawn in place by htmx.
"""
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.admin import bp
from blueprints.admin.dashboard import csv_download
from blueprints.comments import id_or_none
from blueprints.errors import error_response
from blueprints.rendering import wants_fragment
from services import exports, members

PLACES = ("trouve", "equipe")  # where a member's row is drawn: the search result, the staff list


def place():
    """Which row sent the form, so that its redraw keeps the same field ids."""
    value = request.values.get("place", "trouve")
    return value if value in PLACES else "trouve"


def users_page(status=200, **context):
    """The members page: the search box, its result, the staff list."""
    address = request.args.get("courriel", "").strip()
    found = context.pop("found", None) or found_member(address)
    page = members.staff(id_or_none(request.args.get("page", "")) or 1)
    return make_response(render_template(
        "admin/users.html", address=address, found=found, staff=page,
        role_labels=members.ROLE_LABELS, **context), status)


def found_member(address):
    """The account searched for by address, or named by id after a change."""
    if address:
        return members.find(address)
    member_id = id_or_none(request.args.get("membre", ""))
    return members.by_id(member_id) if member_id else None


@bp.get("/membres")
def users():
    """Find a member by address; the staff, page by page."""
    return users_page()


def member_answer(member, message, error=False):
    """After a change: the row in place for htmx; else the page again (a refusal, 422,
    beside the buttons) or back to the member's card with a flashed message."""
    status = 422 if error else 200
    row = dict(notice=None if error else message, error=message if error else None)
    if wants_fragment():
        response = make_response(render_template(
            "admin/_partials/_member_row.html", member=member, place=place(),
            role_labels=members.ROLE_LABELS, **row), status)
        response.vary.add("HX-Request")
        return response
    if error:
        return users_page(status, found=member, found_error=message)
    flash(message, "success")
    return redirect(url_for("admin.users", membre=member.id), code=303)


def left_the_admin_area():
    """An admin who just made themself a moderator or member: the admin area is closed now."""
    flash(_("Votre rôle a changé : vous n'avez plus accès à l'administration."), "info")
    target = url_for("campaigns.index")
    if wants_fragment():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


def _change(user_id, apply, message):
    """The shared steps of a change to one member: find them, apply, answer."""
    member = members.by_id(user_id)
    if member is None:
        return members_not_found()
    try:
        member = apply(member)
    except members.MemberError as refusal:
        return member_answer(members.by_id(user_id), str(refusal), error=True)
    if member.id == current_user.id and not member.is_admin:
        return left_the_admin_area()
    return member_answer(member, message(member))


def members_not_found():
    return error_response(404, _("Compte introuvable"), _("Ce compte n'existe pas ou plus."))


@bp.post("/membres/<int:user_id>/role")
def change_role(user_id):
    """Changer le rôle."""
    role = request.form.get("role", "")
    return _change(user_id, lambda member: members.change_role(current_user, member, role),
                   lambda member: _("Rôle changé : %(role)s.", role=members.role_label(member.role)))


@bp.post("/membres/<int:user_id>/bloquer")
def block_user(user_id):
    """Bloquer: the account can no longer log in, its sessions end."""
    return _change(user_id, lambda member: members.block(current_user, member),
                   lambda member: _("Compte bloqué : il ne peut plus se connecter."))


@bp.post("/membres/<int:user_id>/debloquer")
def unblock_user(user_id):
    """Débloquer: the account can log in again."""
    return _change(user_id, lambda member: members.unblock(current_user, member),
                   lambda member: _("Compte débloqué : il peut de nouveau se connecter."))


@bp.get("/abonnes.csv")
def export_subscribers():
    """The newsletter's subscribers: one line per address subscribed now."""
    return csv_download(exports.subscribers(current_user), exports.SUBSCRIBERS_FILENAME)
