"""Admin: the Lettre d'infos. Subscribers' count, announcements and their sending's
progress, the announcement form with its buttons, the preview, the confirmation to send."""
from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from limits import parse as parse_rate
from playhouse.flask_utils import get_object_or_404
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from blueprints.admin import bp
from blueprints.forms import EmptyForm, length, letter_text, one_line, one_newline, strip
from blueprints.languages import LANGUAGE_NAMES
from blueprints.rendering import form_status
from models import Announcement
from services import newsletter

SAVED = _l("La lettre est enregistrée.")
READ_ONLY = _l("Cette lettre est partie (ou part en ce moment) : elle ne change plus.")
STATUS_LABELS = {Announcement.DRAFT: _l("Brouillon"), Announcement.SENDING: _l("En cours d'envoi"),
                 Announcement.SENT: _l("Envoyée")}
# Subscribers read the frame of the email (greeting, links, footer) in their own language.
PREVIEW_LANGUAGES = LANGUAGE_NAMES
# The raw email shown inside the preview page: its own inline styles, nothing else at all.
EMAIL_PREVIEW_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: "
                        "data:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'")


class AnnouncementForm(FlaskForm):
    """Nouvelle lettre: Objet, Texte, Campagnes présentées."""

    subject = StringField(_l("Objet"), filters=[strip], validators=[
        DataRequired(_l("L'objet ne peut pas être vide.")), length(200), one_line])
    body = TextAreaField(_l("Texte"), filters=[one_newline, strip], validators=[
        DataRequired(_l("Le texte ne peut pas être vide.")), length(20000), letter_text],
        description=_l("En Markdown : **gras**, *italique*, listes, liens."))
    # Ids no longer published are dropped on saving, not refused (see `fields`).
    campaigns = SelectMultipleField(_l("Campagnes présentées"), coerce=int, validate_choice=False,
                                    widget=ListWidget(prefix_label=False),
                                    option_widget=CheckboxInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaigns.choices = [(campaign.id, campaign.title)
                                  for campaign in newsletter.presentable_campaigns()]

    @classmethod
    def for_announcement(cls, announcement):
        fields = newsletter.AnnouncementFields.of(announcement)
        return cls(data={"subject": fields.subject, "body": fields.body,
                         "campaigns": fields.campaign_ids})

    def fields(self):
        offered = {value for value, _ in self.campaigns.choices}
        return newsletter.AnnouncementFields(
            self.subject.data, self.body.data,
            [i for i in self.campaigns.data or [] if i in offered])


def rate_in_words():
    """NEWSLETTER_RATE as the admin reads it: "3000 per hour" is "3000 courriels par heure",
    "3000 per 2 hours" is "3000 courriels par 2 heures"."""
    rate = parse_rate(current_app.config["NEWSLETTER_RATE"])
    amount, every = rate.amount, rate.multiples
    phrases = {
        "second": ngettext("%(amount)s courriels par seconde",
                           "%(amount)s courriels par %(num)s secondes", every, amount=amount),
        "minute": ngettext("%(amount)s courriels par minute",
                           "%(amount)s courriels par %(num)s minutes", every, amount=amount),
        "hour": ngettext("%(amount)s courriels par heure",
                         "%(amount)s courriels par %(num)s heures", every, amount=amount),
        "day": ngettext("%(amount)s courriels par jour",
                        "%(amount)s courriels par %(num)s jours", every, amount=amount),
        "month": ngettext("%(amount)s courriels par mois",
                          "%(amount)s courriels par %(num)s mois", every, amount=amount),
        "year": ngettext("%(amount)s courriels par an",
                         "%(amount)s courriels par %(num)s ans", every, amount=amount),
    }
    return phrases.get(rate.GRANULARITY.name, current_app.config["NEWSLETTER_RATE"])


def announcement_or_404(announcement_id):
    return get_object_or_404(Announcement.select(), Announcement.id == announcement_id)


def form_page(form, announcement=None, status=200, error=None):
    return make_response(render_template(
        "admin/newsletter_form.html", form=form, announcement=announcement, error=error,
        status_labels=STATUS_LABELS), status)


def chosen_action():
    """The button pressed; Enter in a field submits the first one, Enregistrer."""
    action = request.form.get("action", "save")
    return action if action in ("save", "preview", "test", "send") else "save"


def after_saving(announcement, action):
    """Post/Redirect/Get to what the button asked for, once what was typed is saved."""
    if action == "preview":
        return redirect(url_for(".announcement_preview", announcement_id=announcement.id), 303)
    if action == "send":
        return redirect(url_for(".send_announcement", announcement_id=announcement.id), 303)
    if action == "test":
        newsletter.send_test(current_user, announcement)
        flash(_("Lettre enregistrée ; un essai part vers %(email)s.", email=current_user.email),
              "success")
    else:
        flash(str(SAVED), "success")
    return redirect(url_for(".edit_announcement", announcement_id=announcement.id), 303)


@bp.get("/lettre-d-infos")
def newsletter_index():
    """The subscribers' count and every announcement with its sending's progress."""
    announcements = newsletter.all_announcements()
    return render_template("admin/newsletter.html", counts=newsletter.counts(),
                           announcements=announcements,
                           progress=newsletter.progress(announcements),
                           status_labels=STATUS_LABELS)


@bp.route("/lettre-d-infos/nouvelle", methods=["GET", "POST"])
def new_announcement():
    """Nouvelle lettre: saved as a draft, then previewed, tried, or sent."""
    form = AnnouncementForm()
    if not form.validate_on_submit():
        return form_page(form, status=form_status())
    announcement = newsletter.create(current_user, form.fields())
    return after_saving(announcement, chosen_action())


@bp.route("/lettre-d-infos/<int:announcement_id>", methods=["GET", "POST"])
def edit_announcement(announcement_id):
    """A draft, to change; a sent one, to read. Every button saves first."""
    announcement = announcement_or_404(announcement_id)
    if request.method == "GET":
        return form_page(AnnouncementForm.for_announcement(announcement), announcement)
    if announcement.status != Announcement.DRAFT:
        return form_page(AnnouncementForm(), announcement, status=409, error=READ_ONLY)
    form = AnnouncementForm()
    if not form.validate_on_submit():
        return form_page(form, announcement, status=422)
    try:
        announcement = newsletter.update(current_user, announcement, form.fields())
    except newsletter.NotDraft:
        return form_page(form, announcement_or_404(announcement_id), status=409, error=READ_ONLY)
    return after_saving(announcement, chosen_action())


def previewed_language():
    """?langue=en: the email as a subscriber who reads English gets it; French otherwise."""
    language = request.args.get("langue", "")
    return language if language in PREVIEW_LANGUAGES else "fr"


@bp.get("/lettre-d-infos/<int:announcement_id>/apercu")
def announcement_preview(announcement_id):
    """Aperçu: the email as subscribers will get it, HTML and text, in either language."""
    announcement = announcement_or_404(announcement_id)
    language = previewed_language()
    return render_template("admin/newsletter_preview.html", announcement=announcement,
                           message=newsletter.preview(announcement, language),
                           language=language, languages=PREVIEW_LANGUAGES,
                           status_labels=STATUS_LABELS)


@bp.get("/lettre-d-infos/<int:announcement_id>/apercu/courriel")
def announcement_email(announcement_id):
    """The HTML email alone, framed by the preview page (and by no other)."""
    message = newsletter.preview(announcement_or_404(announcement_id), previewed_language())
    response = make_response(message["body_html"])
    response.headers["Content-Security-Policy"] = EMAIL_PREVIEW_POLICY
    return response


@bp.route("/lettre-d-infos/<int:announcement_id>/envoyer", methods=["GET", "POST"])
def send_announcement(announcement_id):
    """Envoyer: asked once more, then the sending starts and the lettre is read-only."""
    announcement = announcement_or_404(announcement_id)
    if request.method == "GET" or announcement.status != Announcement.DRAFT:
        status = 200 if request.method == "GET" else 409
        return render_template("admin/newsletter_send.html", announcement=announcement,
                               form=EmptyForm(), counts=newsletter.counts(),
                               rate=rate_in_words(), status_labels=STATUS_LABELS), status
    try:
        newsletter.start_sending(current_user, announcement)
    except newsletter.NotDraft:
        flash(str(READ_ONLY), "error")
    else:
        flash(_("La lettre part : les messages sont mis en file au rythme prévu."), "success")
    return redirect(url_for(".newsletter_index"), 303)
