"""Admin: the journal of administrative actions, newest first."""
from flask import render_template

from blueprints.admin import bp
from blueprints.comments import before_id
from services import audit


@bp.get("/journal")
def journal():
    """Who did what, to which campaign or member, and when; fifty lines a page."""
    entries, next_before = audit.entries(before=before_id())
    return render_template("admin/journal.html", entries=entries, next_before=next_before,
                           label=audit.label)
