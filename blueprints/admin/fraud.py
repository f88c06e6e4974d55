"""Admin: Fraude. Participations held as suspect, grouped by network, email domain and
hour, released (their confirmation email then goes) or discarded; confirmed ones
invalidated by criteria after a preview of how many; blocked domains and addresses.

Plain POST forms, then Post/Redirect/Get: every change is in the admin journal.
"""
import ipaddress

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from blueprints.admin import bp
from blueprints.admin.forms import DATETIME_FORMAT, ParisDateTimeField, paris_to_utc, utc_to_paris
from blueprints.comments import id_or_none
from blueprints.forms import REQUIRED, checked_email, length, plain_text, strip
from blueprints.rendering import form_status
from models import BlockedAddress, Campaign
from services import abuse, fraud
from services.signing import ascii_domain

DOMAIN_PATTERN = "abcdefghijklmnopqrstuvwxyz0123456789.-"
# The heading of each grouping (fraud.GROUPINGS names them in the journal, in French).
GROUPING_HEADINGS = {"reseau": _l("Par réseau"), "domaine": _l("Par domaine de courriel"),
                     "heure": _l("Par heure")}


def campaign_choices():
    campaigns = Campaign.select(Campaign.id, Campaign.title).order_by(Campaign.id.desc())
    return [SelectChoice("", _("Toutes les campagnes"))] + [
        SelectChoice(str(campaign.id), campaign.title) for campaign in campaigns]


def valid_domain(form, field):
    value = ascii_domain((field.data or "").lower().lstrip("@"))
    if "." not in value or not set(value) <= set(DOMAIN_PATTERN) or value.startswith((".", "-")):
        raise ValidationError(_("Un domaine ressemble à « exemple.fr »."))
    field.data = value


def valid_network(form, field):
    try:
        address = ipaddress.ip_network(field.data, strict=False).network_address
    except ValueError:
        raise ValidationError(_("Un réseau ressemble à « 203.0.113.0/24 » ou « 2001:db8:1::/48 »."))
    field.data = abuse.network_of(str(address))


class CriteriaForm(FlaskForm):
    """Invalider: which confirmed participations; the preview reads it from the query."""

    campagne = SelectField(_l("Campagne"), choices=[], validate_choice=False, default="")
    reseau = StringField(_l("Réseau (IPv4 /24 ou IPv6 /48)"), filters=[strip],
                         validators=[Optional(), length(64), valid_network])
    domaine = StringField(_l("Domaine de courriel"), filters=[strip],
                          validators=[Optional(), length(253), valid_domain])
    debut = ParisDateTimeField(_l("Confirmées à partir du"), format=DATETIME_FORMAT,
                               validators=[Optional()])
    fin = ParisDateTimeField(_l("Confirmées avant le"), format=DATETIME_FORMAT,
                             validators=[Optional()])
    attendu = HiddenField()

    def criteria(self):
        return fraud.Criteria(campaign_id=id_or_none(self.campagne.data or ""),
                              network=self.reseau.data or "", domain=self.domaine.data or "",
                              start=paris_to_utc(self.debut.data), end=paris_to_utc(self.fin.data))


class BlockForm(FlaskForm):
    """Bloquer un domaine ou une adresse."""

    kind = SelectField(_l("Type"), choices=[SelectChoice(BlockedAddress.DOMAIN, _l("Domaine")),
                                           SelectChoice(BlockedAddress.ADDRESS, _l("Adresse"))],
                       default=BlockedAddress.DOMAIN)
    value = StringField(_l("Domaine ou adresse"), filters=[strip],
                        validators=[DataRequired(REQUIRED), length(254)])
    reason = StringField(_l("Raison"), filters=[strip], validators=[Optional(), length(200),
                                                                   plain_text])

    def validate_value(self, field):
        if self.kind.data == BlockedAddress.ADDRESS:
            field.data = checked_email(field.data)
        else:
            valid_domain(self, field)


# Suspects -----------------------------------------------------------------------------

def fraud_page(campaign_id, status=200, error=None):
    report = fraud.suspect_report(campaign_id)
    return render_template("admin/fraud.html", report=report, campaign_id=campaign_id,
                           campaigns=campaign_choices(), groupings=GROUPING_HEADINGS,
                           reasons=abuse.REASONS, error=error), status


@bp.get("/fraude")
def fraud_overview():
    """The suspects, overall or of one campaign, grouped, with the spikes flagged."""
    return fraud_page(id_or_none(request.args.get("campagne", "")))


def posted_selection():
    ids = tuple(filter(None, (id_or_none(value) for value in request.form.getlist("ids"))))
    return fraud.Selection(ids=ids, grouping=request.form.get("par", ""),
                           value=request.form.get("valeur", ""),
                           campaign_id=id_or_none(request.form.get("campagne", "")))


def act_on_suspects(action, message):
    """`message(count)` is the flash once done."""
    selection = posted_selection()
    try:
        count = action(current_user, selection)
    except fraud.FraudError as refusal:
        return fraud_page(selection.campaign_id, status=422, error=str(refusal))
    flash(message(count), "success")
    return redirect(url_for("admin.fraud_overview", campagne=selection.campaign_id), code=303)


@bp.post("/fraude/liberer")
def release_suspects():
    """Libérer: pending again, and the confirmation email goes."""
    return act_on_suspects(fraud.release, lambda count: ngettext(
        "%(num)s participation libérée : son courriel de confirmation est parti.",
        "%(num)s participations libérées : leurs courriels de confirmation sont partis.", count))


@bp.post("/fraude/ecarter")
def discard_suspects():
    """Écarter: the suspects are deleted."""
    return act_on_suspects(fraud.discard, lambda count: ngettext(
        "%(num)s participation écartée.", "%(num)s participations écartées.", count))


# Invalidating -------------------------------------------------------------------------

def invalidation_page(form, status=200, changed=False):
    criteria = form.criteria()
    preview = None
    if not form.errors and not criteria.is_empty():
        preview = fraud.invalidation_preview(criteria)
    titles = {c.id: c.title for c in Campaign.select(Campaign.id, Campaign.title).where(
        Campaign.id.in_(list(preview or {}) or [0]))}
    return render_template("admin/fraud_invalidate.html", form=form, preview=preview,
                           total=sum((preview or {}).values()), titles=titles,
                           changed=changed, local_time=utc_to_paris), status


def criteria_form(formdata, **options):
    form = CriteriaForm(formdata=formdata, **options)
    form.campagne.choices = campaign_choices()
    return form


@bp.get("/fraude/invalider")
def invalidation_preview():
    """Invalider, first step: the criteria, and how many participations they take."""
    form = criteria_form(request.args or None, meta={"csrf": False})
    if request.args:
        form.validate()
    return invalidation_page(form)


@bp.post("/fraude/invalider")
def invalidate():
    """Invalider, confirmed: those participations stop counting."""
    form = criteria_form(request.form)
    if not form.validate() or form.criteria().is_empty():
        if not form.errors:
            form.reseau.errors = [_("Indiquez au moins un critère : réseau, domaine ou période.")]
        return invalidation_page(form, status=422)
    expected = sum(fraud.invalidation_preview(form.criteria()).values())
    if str(expected) != form.attendu.data:
        return invalidation_page(form, status=409, changed=True)
    count = fraud.invalidate(current_user, form.criteria())
    flash(ngettext("%(num)s participation invalidée : les compteurs sont corrigés.",
                   "%(num)s participations invalidées : les compteurs sont corrigés.", count),
          "success")
    return redirect(url_for("admin.invalidation_preview"), code=303)


# Blocked domains and addresses --------------------------------------------------------

def blocked_page(form, status=200, error=None):
    return render_template("admin/fraud_blocked.html", form=form, entries=fraud.blocked_list(),
                           suggestions=fraud.suggested_domains(), error=error), status


@bp.route("/fraude/adresses-bloquees", methods=["GET", "POST"])
def blocked_addresses():
    """The domains and addresses that may not sign or register; add one."""
    form = BlockForm()
    if form.validate_on_submit():
        try:
            entry = fraud.block(current_user, form.kind.data, form.value.data, form.reason.data)
        except fraud.FraudError as refusal:
            form.value.errors.append(str(refusal))
        else:
            flash(_("« %(value)s » est bloqué.", value=entry.value), "success")
            return redirect(url_for("admin.blocked_addresses"), code=303)
    return blocked_page(form, status=form_status())


@bp.post("/fraude/adresses-bloquees/retirer")
def unblock_address():
    """Retirer de la liste."""
    try:
        entry = fraud.unblock(current_user, id_or_none(request.form.get("entree", "")))
    except fraud.FraudError as refusal:
        return blocked_page(BlockForm(formdata=None), status=422, error=str(refusal))
    flash(_("« %(value)s » n'est plus bloqué.", value=entry.value), "success")
    return redirect(url_for("admin.blocked_addresses"), code=303)
