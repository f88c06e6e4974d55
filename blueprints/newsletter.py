"""The *Lettre d'infos*, public side: subscribe (double opt-in), confirm, unsubscribe.

Links in mail never act on GET (mail scanners follow them): each opens a page whose
button posts. The one exception is RFC 8058's one-click POST, which mail programs
send without a page, a session or a CSRF token: the random token in the address is
the authority there.
"""
from flask import Blueprint, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from blueprints.forms import REQUIRED, EmptyForm, checked_email, strip
from blueprints.limits import configured, typed_address
from blueprints.rendering import form_status, page_or_fragment
from extensions import csrf, limiter
from services import newsletter

bp = Blueprint("newsletter", __name__, url_prefix="/lettre-d-infos")


class SubscribeForm(FlaskForm):
    email = StringField(_l("Courriel"), filters=[strip], validators=[
        DataRequired(REQUIRED),
        Length(max=254, message=_l("Une adresse électronique ne dépasse pas 254 caractères."))])

    def validate_email(self, field):
        field.data = checked_email(field.data)


def one_click():
    """The POST a mail program sends for its own *unsubscribe* button (RFC 8058)."""
    return request.form.get("List-Unsubscribe") == "One-Click"


@bp.route("", methods=["GET", "POST"])
@limiter.limit(configured("NEWSLETTER_SUBSCRIBE_RATE_LIMIT"), methods=["POST"])
@limiter.limit(configured("NEWSLETTER_SUBSCRIBE_RATE_LIMIT"), key_func=typed_address(),
               methods=["POST"])
def subscribe():
    """S'abonner: the same answer whether the address was already subscribed or not."""
    form = SubscribeForm()
    if form.validate_on_submit():
        newsletter.request_subscription(form.email.data)
        return page_or_fragment("newsletter/index.html", "newsletter/_partials/_requested.html",
                                form=form, requested=True)
    return page_or_fragment("newsletter/index.html", "newsletter/_partials/_subscribe_form.html",
                            status=form_status(), form=form, requested=False)


@bp.route("/confirmer/<token>", methods=["GET", "POST"])
def confirm(token):
    """The link from the confirmation email: its button subscribes the address."""
    try:
        if request.method == "POST":
            newsletter.confirm(token)
            return render_template("newsletter/confirmed.html")
        newsletter.subscriber_for_confirmation(token)
    except (newsletter.InvalidToken, newsletter.ExpiredToken):
        return render_template("newsletter/confirm.html", valid=False), 404
    return render_template("newsletter/confirm.html", valid=True, form=EmptyForm())


@bp.route("/desabonner/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    """Me désabonner: a page with its button, or at once for a one-click POST."""
    if request.method == "POST" and one_click():
        found = newsletter.unsubscribe(token)
        response = make_response("Désabonnement enregistré.\n" if found else "Lien inconnu.\n",
                                 200 if found else 404)
        response.mimetype = "text/plain"
        return response
    if request.method == "POST":
        csrf.protect()
    if newsletter.subscriber_for_unsubscribe(token) is None:
        return render_template("newsletter/unsubscribe.html", valid=False), 404
    done = request.method == "POST" and newsletter.unsubscribe(token)
    return render_template("newsletter/unsubscribe.html", valid=True, done=done,
                           form=EmptyForm())
