"""The admin area, an audience of its own: every route behind one role check.

`before_request` refuses anyone but an admin before any view runs, so no route
can forget the check; every answer carries `Cache-Control: no-store`.
"""
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from blueprints.errors import error_response

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    if not current_user.is_admin:
        return error_response(403, "Action non autorisée",
                              "Cette partie du site est réservée aux administrateurs.")
    return None


@bp.after_request
def _never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# The modules register their routes on `bp`.
from blueprints.admin import campaigns, dashboard, journal, users  # noqa: E402,F401
