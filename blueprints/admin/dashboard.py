"""Admin: one campaign's dashboard, its failed messages, its PDF for the recipients, its exports.

The buttons are plain POST forms; CSRFProtect checks their token before any view runs.
"""
from flask import (
    Response, flash, make_response, redirect, render_template, send_file, stream_with_context,
    url_for,
)
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from blueprints.filters import local_datetime
from blueprints.rendering import wants_fragment
from blueprints.admin import bp
from models import Campaign
from services import bilans, campaigns, dashboard as figures, exports

CSV_TYPE = "text/csv"  # Flask adds "; charset=utf-8"
BILAN_QUEUED = _l("Le PDF des signataires partira vers les destinataires dans quelques minutes.")


def campaign_or_404(campaign_id):
    return get_object_or_404(Campaign.select(), Campaign.id == campaign_id)


def dashboard_url(campaign, anchor=None):
    return url_for("admin.dashboard", campaign_id=campaign.id, _anchor=anchor)


@bp.get("/campagnes/<int:campaign_id>/tableau")
def dashboard(campaign_id):
    """A campaign's figures, its letters in the outbox and its exports."""
    campaign = campaign_or_404(campaign_id)
    return render_template("admin/dashboard.html", board=figures.for_campaign(campaign),
                           campaign=campaign)


def _fragment(template, status=200, **context):
    response = make_response(render_template(template, notice_ok=status == 200, **context),
                             status)
    response.vary.add("HX-Request")
    return response


def outbox_answer(campaign, message, status=200):
    """The outbox section redrawn in place for htmx, else back to it with a flashed message."""
    if wants_fragment():
        return _fragment("admin/_partials/_dashboard_outbox.html", status, campaign=campaign,
                         outbox=figures.outbox_counts(campaign),
                         failed=figures.failed_messages(campaign), notice=message)
    flash(message, "success" if status == 200 else "info")
    return redirect(dashboard_url(campaign, "courriels"), code=303)


def retried_message(count):
    if not count:
        return _("Aucun courriel en échec à relancer : la liste a changé entre-temps.")
    return ngettext("%(num)s courriel remis en file d'envoi : il partira dans un instant.",
                    "%(num)s courriels remis en file d'envoi : ils partiront dans un instant.",
                    count)


@bp.post("/campagnes/<int:campaign_id>/courriels/relancer")
def retry_all(campaign_id):
    """Relancer tous les échecs: every failed letter and bilan goes back in line."""
    campaign = campaign_or_404(campaign_id)
    count = figures.retry_failed(current_user, campaign)
    return outbox_answer(campaign, retried_message(count), 200 if count else 409)


@bp.post("/campagnes/<int:campaign_id>/courriels/<int:message_id>/relancer")
def retry_one(campaign_id, message_id):
    """Relancer: one failed message goes back in line."""
    campaign = campaign_or_404(campaign_id)
    count = figures.retry_failed(current_user, campaign, message_id=message_id)
    return outbox_answer(campaign, retried_message(count), 200 if count else 409)


def bilan_answer(campaign, message, status=200):
    """The bilan box redrawn in place for htmx, else back to it with a flashed message."""
    if wants_fragment():
        return _fragment("admin/_partials/_dashboard_bilan.html", status, campaign=campaign,
                         bilan_message=figures.bilan_message(campaign), notice=message)
    flash(message, "success" if status == 200 else "info")
    return redirect(dashboard_url(campaign, "bilan"), code=303)


def bilan_refusal(campaign):
    """Why the PDF is not asked for again: not closed yet, or already asked for."""
    if campaign.status != Campaign.CLOSED:
        return _("La campagne n'est pas close : le PDF part une fois la campagne close.")
    if campaign.bilan_sent_at:
        return _("Le PDF a déjà été mis en envoi le %(date)s.",
                 date=local_datetime(campaign.bilan_sent_at))
    return _("L'envoi du PDF est déjà demandé depuis le %(date)s : il part dans quelques minutes.",
             date=local_datetime(campaign.bilan_requested_at))


@bp.post("/campagnes/<int:campaign_id>/bilan")
def send_bilan(campaign_id):
    """Envoyer le PDF aux destinataires: the worker builds it and mails it to the targets."""
    campaign = campaign_or_404(campaign_id)
    try:
        asked = campaigns.request_bilan(current_user, campaign)
    except campaigns.WrongStatus:
        asked = False
    campaign = campaign_or_404(campaign_id)
    if not asked:
        return bilan_answer(campaign, bilan_refusal(campaign), 409)
    return bilan_answer(campaign, str(BILAN_QUEUED))


# Exports ------------------------------------------------------------------------------

def csv_download(chunks, filename):
    """A CSV sent as it is written, never held whole in memory."""
    response = Response(stream_with_context(chunks), mimetype=CSV_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/campagnes/<int:campaign_id>/participations.csv")
def export_participations(campaign_id):
    """Every participation of the campaign with its details, for the association."""
    campaign = campaign_or_404(campaign_id)
    return csv_download(exports.participations(current_user, campaign),
                        exports.participations_filename(campaign))


@bp.get("/campagnes/<int:campaign_id>/signataires.pdf")
def export_pdf(campaign_id):
    """PDF des signataires: the list the recipients get, downloaded."""
    campaign = campaign_or_404(campaign_id)
    handle = exports.signatories_pdf(current_user, campaign)
    return send_file(handle, mimetype=bilans.PDF_TYPE, as_attachment=True,
                     download_name=bilans.pdf_filename(campaign))
