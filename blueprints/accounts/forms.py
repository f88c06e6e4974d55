"""Account forms: the seed's words, messages in the page's language."""
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from blueprints.forms import (
    REQUIRED, Honeypot, IdentityForm, checked_email, no_control_characters, strip,
)

PASSWORD_HINT = _l("Au moins 10 caractères ; évitez les mots de passe courants.")


def normalised_email(form, field):
    field.data = checked_email(field.data)


class LoginForm(FlaskForm):
    """Connexion: Adresse électronique, Mot de passe, Rester connecté-e."""

    email = StringField(_l("Adresse électronique"), filters=[strip],
                        validators=[DataRequired(REQUIRED), Length(max=254), no_control_characters])
    password = PasswordField(_l("Mot de passe"),
                             validators=[DataRequired(REQUIRED), Length(max=200)])
    remember = BooleanField(_l("Rester connecté-e"))
    next = HiddenField()


class RegisterForm(IdentityForm, Honeypot):
    """Inscription: the signing details, and a password."""

    password = PasswordField(_l("Mot de passe"), description=PASSWORD_HINT,
                             validators=[DataRequired(REQUIRED), Length(max=200)])
    password_again = PasswordField(_l("Mot de passe, encore"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("Les deux mots de passe diffèrent."))])


class ProfileForm(IdentityForm):
    """Mon profil: the details used to sign in one click."""

    email = None  # changed through its own, verified, form


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Mot de passe actuel"),
                                     validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(_l("Nouveau mot de passe"), description=PASSWORD_HINT,
                                 validators=[DataRequired(REQUIRED), Length(max=200)])


class EmailChangeForm(FlaskForm):
    new_email = StringField(_l("Nouvelle adresse électronique"), filters=[strip],
                            validators=[DataRequired(REQUIRED), Length(max=254), normalised_email])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(REQUIRED)])


class ForgottenPasswordForm(FlaskForm):
    email = StringField(_l("Adresse électronique"), filters=[strip],
                        validators=[DataRequired(REQUIRED), Length(max=254), no_control_characters])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("Nouveau mot de passe"), description=PASSWORD_HINT,
                             validators=[DataRequired(REQUIRED), Length(max=200)])


class NewsletterChoiceForm(FlaskForm):
    """Mon profil: the Lettre d'infos, yes or no."""

    newsletter = BooleanField(_l("Recevoir la lettre d'infos"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(REQUIRED)])
    confirm = BooleanField(_l("Je comprends que mon compte et mes données seront effacés"))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_("Cochez la case pour confirmer."))
