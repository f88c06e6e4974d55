"""The site's own pages: /pages/association, /pages/faq, /pages/contact and the
Mentions légales, generated from the configuration."""
from flask import Blueprint, abort, current_app, render_template

from services import site_pages

bp = Blueprint("site_pages", __name__)


def legal_settings():
    """What the Mentions légales say, read from the configuration so the page follows it."""
    config = current_app.config
    return {name: config.get(name) for name in (
        "OPERATOR_NAME", "OPERATOR_ADDRESS", "CONTACT_EMAIL", "IP_RETENTION_DAYS",
        "PURGE_AFTER_MONTHS", "SITE_NAME")}


@bp.get("/pages/<slug>")
def page(slug):
    """A page written by the admins (Markdown, sanitised); 404 for any other slug."""
    found = site_pages.find(slug)
    if found is None:
        abort(404)
    legal = legal_settings() if slug == site_pages.LEGAL_NOTICE else None
    return render_template("site_pages/page.html", page=found, legal=legal)
