"""What the staff's blueprints share: one role check before any view, and no caching."""
from flask_babel import gettext as _
from flask import redirect, request, url_for
from flask_login import current_user

from blueprints.errors import error_response


def never_cached(response):
    """An `after_request` hook: pages for staff or for one member are never kept by a
    browser or a proxy (unpublished texts, hidden comments, forms)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def role_required(has_role, refusal):
    """A `before_request` hook: anonymous visitors go to the login page, accounts
    without the role (`has_role(user)` false) get a 403 saying `refusal`."""
    def check():
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.path))
        if not has_role(current_user):
            return error_response(403, _("Action non autorisée"), refusal)
        return None
    return check
