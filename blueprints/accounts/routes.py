"""Account pages. Every answer about an address is the same whether it has an account."""
import json

from flask import (
    Blueprint, flash, make_response, redirect, render_template, request, url_for,
)
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from blueprints.accounts.forms import (
    DeleteAccountForm, EmailChangeForm, ForgottenPasswordForm, LoginForm, NewPasswordForm,
    NewsletterChoiceForm, PasswordChangeForm, ProfileForm, RegisterForm,
)
from blueprints.accounts.session import forget_session, log_in, log_out, safe_next
from blueprints.forms import EmptyForm
from blueprints.rendering import form_status, page_or_fragment, wants_fragment
from blueprints.limits import configured, member, typed_address
from blueprints.errors import error_response
from extensions import limiter
from services import accounts, newsletter

bp = Blueprint("accounts", __name__)

BAD_CREDENTIALS = _l("Adresse électronique ou mot de passe incorrect, ou adresse pas encore "
                     "vérifiée (un nouveau lien de vérification part alors vers elle).")


def attempt_login(form):
    """The member these credentials open, or None with the form's error set."""
    try:
        user = accounts.authenticate(form.email.data, form.password.data)
    except accounts.AccountError as error:
        form.password.errors.append(str(error))
        return None
    if user is None:
        form.password.errors.append(BAD_CREDENTIALS)
        form.email.data = ""  # echoing it back would tell known addresses from unknown ones
        return None
    log_in(user, remember=form.remember.data)
    return user


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(configured("LOGIN_RATE_LIMIT"), methods=["POST"])
@limiter.limit(configured("ACCOUNT_RATE_LIMIT"), key_func=typed_address(), methods=["POST"])
def login():
    """Connexion."""
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit() and attempt_login(form):
        target = safe_next(form.next.data, url_for("accounts.profile"))
        if wants_fragment():  # htmx: the whole page changes, not the form
            response = make_response("", 204)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target, code=303)
    return page_or_fragment("accounts/login.html", "accounts/_partials/_login_form.html",
                            status=form_status(), form=form, action=url_for("accounts.login"))


@bp.post("/deconnexion")
def logout():
    """Déconnexion: this session, the remember cookie and all other sessions end."""
    if current_user.is_authenticated:
        log_out(current_user)
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("campaigns.index"), code=303)


@bp.route("/inscription", methods=["GET", "POST"])
@limiter.limit(configured("ACCOUNT_MAIL_RATE_LIMIT"), methods=["POST"])
@limiter.limit(configured("ACCOUNT_MAIL_RATE_LIMIT"), key_func=typed_address(), methods=["POST"])
def register():
    """Inscription: the account works once its address is verified."""
    form = RegisterForm()
    if form.validate_on_submit():
        profile = accounts.Profile(**form.identity())
        try:
            if not form.honeypot_filled():  # a bot gets the same answer, and no account
                accounts.register(form.email.data, form.password.data, profile,
                                  language=str(get_locale()))
        except accounts.AccountError as error:
            form.password.errors.append(str(error))
        else:
            return render_template("accounts/check_mailbox.html", purpose="inscription")
    return render_template("accounts/register.html", form=form), form_status()


@bp.route("/compte/verifier/<token>", methods=["GET", "POST"])
def verify(token):
    """The link from the email opens this page; its button activates the account."""
    if request.method == "GET":
        return render_template("accounts/verify.html", form=EmptyForm(), token=token)
    try:
        accounts.verify_account(token)
    except (accounts.InvalidToken, accounts.ExpiredToken):
        return _bad_link()
    flash(_("Votre adresse est vérifiée : vous pouvez vous connecter."), "success")
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(configured("ACCOUNT_MAIL_RATE_LIMIT"), methods=["POST"])
@limiter.limit(configured("ACCOUNT_RATE_LIMIT"), key_func=typed_address(), methods=["POST"])
def forgotten_password():
    """Ask for a reset link; the answer is the same for any address."""
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render_template("accounts/check_mailbox.html", purpose="reset")
    return render_template("accounts/forgotten_password.html", form=form), form_status()


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password from the emailed, single-use link."""
    try:
        user = accounts.user_for_reset(token)
    except (accounts.InvalidToken, accounts.ExpiredToken):
        return _bad_link()
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.password.data)
        except accounts.AccountError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Votre mot de passe est changé : connectez-vous avec le nouveau."), "success")
            return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/reset_password.html", form=form, token=token)


@bp.route("/compte", methods=["GET", "POST"])
@login_required
def profile():
    """Mon profil: details, password, address, participations, data."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        accounts.update_profile(current_user, accounts.Profile(**form.identity()))
        flash(_("Vos informations sont enregistrées."), "success")
        return redirect(url_for("accounts.profile"), code=303)
    return _profile_page(form=form, status=form_status())


def _profile_page(status=200, **forms):
    forms.setdefault("form", ProfileForm(obj=current_user))
    forms.setdefault("password_form", PasswordChangeForm())
    forms.setdefault("email_form", EmailChangeForm())
    subscribed = newsletter.member_is_subscribed(current_user)
    forms.setdefault("newsletter_form", NewsletterChoiceForm(
        formdata=None, data={"newsletter": subscribed}))
    return render_template("accounts/profile.html",
                           participations=accounts.participations_of(current_user),
                           comments=accounts.comments_of(current_user), subscribed=subscribed,
                           **forms), status


@bp.post("/compte/lettre-d-infos")
@login_required
def newsletter_choice():
    """Recevoir la lettre d'infos: subscribed at once (the account's address is verified),
    or unsubscribed."""
    form = NewsletterChoiceForm()
    if not form.validate_on_submit():
        return _profile_page(newsletter_form=form, status=422)
    newsletter.set_member_choice(current_user, form.newsletter.data)
    flash(_("Vous recevrez la lettre d'infos.") if form.newsletter.data
          else _("Vous ne recevrez plus la lettre d'infos."), "success")
    return redirect(url_for("accounts.profile") + "#lettre-d-infos", code=303)


# Each of these checks a password with Argon2 (0.2 s and 64 MiB): limited per account, all
# three together, and per client address like a login.
password_checks = limiter.shared_limit(configured("PASSWORD_CHECK_RATE_LIMIT"),
                                       scope="password-check", key_func=member, methods=["POST"])


@bp.post("/compte/mot-de-passe")
@login_required
@limiter.limit(configured("LOGIN_RATE_LIMIT"))
@password_checks
def change_password():
    """Change the password (the current one is asked); other sessions end."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data,
                                     form.new_password.data)
        except accounts.AccountError as error:
            form.new_password.errors.append(str(error))
        else:
            log_in(current_user, remember=False)
            flash(_("Votre mot de passe est changé."), "success")
            return redirect(url_for("accounts.profile"), code=303)
    return _profile_page(password_form=form, status=422)


@bp.post("/compte/courriel")
@login_required
@limiter.limit(configured("ACCOUNT_MAIL_RATE_LIMIT"))
@password_checks
def change_email():
    """Ask to change the address; it changes once the new one is verified."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            accounts.request_email_change(current_user, form.new_email.data, form.password.data)
        except accounts.AccountError as error:
            form.password.errors.append(str(error))
        else:
            flash(_("Un lien de confirmation vient de partir vers la nouvelle adresse."), "success")
            return redirect(url_for("accounts.profile"), code=303)
    return _profile_page(email_form=form, status=422)


@bp.route("/compte/courriel/<token>", methods=["GET", "POST"])
def confirm_email_change(token):
    """The link sent to the new address; its button makes the change."""
    if request.method == "GET":
        return render_template("accounts/verify.html", form=EmptyForm(), token=token,
                               action=url_for("accounts.confirm_email_change", token=token),
                               button=_("Confirmer ma nouvelle adresse"))
    try:
        accounts.confirm_email_change(token)
    except (accounts.InvalidToken, accounts.ExpiredToken):
        return _bad_link()
    except accounts.AccountError as error:
        return error_response(409, _("Adresse déjà prise"), str(error))
    flash(_("Votre nouvelle adresse est enregistrée."), "success")
    return redirect(url_for("accounts.profile"), code=303)


@bp.get("/compte/donnees.json")
@login_required
def export():
    """Everything held about the member, as a JSON download."""
    body = json.dumps(accounts.export_data(current_user), ensure_ascii=False, indent=2)
    response = make_response(body)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/compte/supprimer", methods=["GET", "POST"])
@login_required
@limiter.limit(configured("LOGIN_RATE_LIMIT"), methods=["POST"])
@password_checks
def delete():
    """Delete the account: personal data erased, participations still counted."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            accounts.delete_account(current_user, form.password.data)
        except accounts.AccountError as error:
            form.password.errors.append(str(error))
        else:
            forget_session()
            flash(_("Votre compte et vos données personnelles sont effacés."), "info")
            return redirect(url_for("campaigns.index"), code=303)
    return render_template("accounts/delete.html", form=form), form_status()


def _bad_link():
    return error_response(404, _("Lien invalide ou expiré"),
                          _("Ce lien n'est pas valide ou a expiré. Recommencez la démarche "
                            "pour en recevoir un nouveau."))
