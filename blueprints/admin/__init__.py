"""The admin area, an audience of its own: every route behind one role check.

`before_request` refuses anyone but an admin before any view runs, so no route
can forget the check; every answer carries `Cache-Control: no-store`.
"""
from flask import Blueprint

from blueprints.access import never_cached, role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(role_required(lambda user: user.is_admin,
                                "Cette partie du site est réservée aux administrateurs."))
bp.after_request(never_cached)


# The modules register their routes on `bp`.
from blueprints.admin import (  # noqa: E402,F401
    campaigns, dashboard, fraud, journal, newsletter, operations, pages, users,
)
