"""Admin: Exploitation, the operator's switches (signing paused site-wide, the read-only
mode, a campaign's counter hidden); each change goes to the journal."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from blueprints.admin import bp
from models import Campaign
from services import switches


class PauseForm(FlaskForm):
    message = TextAreaField(
        _l("Message affiché à la place des formulaires de signature"),
        validators=[Length(max=switches.MESSAGE_MAX_LENGTH,
                           message=_l("500 caractères au plus."))],
        description=_l("Laissé vide : « %(message)s »",
                       message=_l(switches.DEFAULT_PAUSE_MESSAGE)))


def counter_campaigns():
    """The campaigns whose counter is on the site (published or closed), and any hidden."""
    shown = Campaign.status.in_((Campaign.PUBLISHED, Campaign.CLOSED))
    hidden = Campaign.hide_counter == True  # noqa: E712 - peewee builds SQL from ==
    return list(Campaign.select().where(shown | hidden)
                .order_by(Campaign.status.desc(), Campaign.opens_at.desc()))


@bp.get("/exploitation")
def operations(pause_form=None, status=200):
    """The switches as they stand, each with its button."""
    return render_template("admin/operations.html", state=switches.current(),
                           pause_form=pause_form or PauseForm(),
                           campaigns=counter_campaigns()), status


@bp.post("/exploitation/signatures")
def operations_signing():
    """Suspendre les signatures (with the message), or Rétablir les signatures."""
    if request.form.get("action") == "reprendre":
        switches.resume_signing(current_user)
        flash(_("Les signatures sont rétablies."), "success")
        return redirect(url_for(".operations"), code=303)
    form = PauseForm()
    if not form.validate_on_submit():
        return operations(pause_form=form, status=422)
    switches.pause_signing(form.message.data, current_user)
    flash(_("Les signatures sont suspendues sur tout le site."), "success")
    return redirect(url_for(".operations"), code=303)


@bp.post("/exploitation/lecture-seule")
def operations_read_only():
    """Passer le site en lecture seule, or end it (the only write the mode lets through)."""
    on = request.form.get("action") == "activer"
    switches.set_read_only(on, current_user)
    flash(_("Le site est en lecture seule.") if on
          else _("Le site accepte de nouveau les enregistrements."), "success")
    return redirect(url_for(".operations"), code=303)


@bp.post("/exploitation/compteurs/<int:campaign_id>")
def operations_counter(campaign_id):
    """Masquer or Afficher one campaign's counter on the site."""
    campaign = Campaign.get_or_none(Campaign.id == campaign_id)
    if campaign is None:
        abort(404)
    hidden = request.form.get("action") == "masquer"
    switches.set_counter_hidden(campaign, hidden, current_user)
    flash(_("Compteur masqué : %(title)s", title=campaign.title) if hidden
          else _("Compteur affiché : %(title)s", title=campaign.title), "success")
    return redirect(url_for(".operations", _anchor="compteurs"), code=303)
