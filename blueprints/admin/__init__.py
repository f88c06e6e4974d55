"""The admin area, an audience of its own: every route behind one role check.

`before_request` refuses anyone but an admin before any view runs, so no route
can forget the check; every answer carries `Cache-Control: no-store`.
"""
from flask import Blueprint
from flask_babel import format_decimal, lazy_gettext as _l

from blueprints.access import never_cached, role_required
from models import Campaign

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(role_required(lambda user: user.is_admin,
                                _l("Cette partie du site est réservée aux administrateurs.")))
bp.after_request(never_cached)

# Campaign.status_label is French: the admin reads the status in the page's language.
CAMPAIGN_STATUSES = {Campaign.DRAFT: _l("Brouillon"), Campaign.PROPOSED: _l("Proposée"),
                     Campaign.PUBLISHED: _l("Publiée"), Campaign.CLOSED: _l("Close"),
                     Campaign.ARCHIVED: _l("Archivée")}


def campaign_status(campaign):
    return str(CAMPAIGN_STATUSES.get(campaign.status, campaign.status))


@bp.context_processor
def admin_formats():
    """`campaign_status(campaign)`; `one_decimal(12.5)`: 12,5 in French, 12.5 in English."""
    return {"campaign_status": campaign_status,
            "one_decimal": lambda value: format_decimal(value, format="0.0")}


# The modules register their routes on `bp`.
from blueprints.admin import (  # noqa: E402,F401
    campaigns, dashboard, fraud, journal, newsletter, operations, pages, users,
)
