"""The recommendation form: a name, up to five addresses, a short plain-text word."""
import re

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from blueprints.forms import (
    REQUIRED, checked_email, has_control_characters, length, one_newline, person_name, strip,
)
from services.signing import email_key

ADDRESS_COUNT = 5
WORD_LENGTH = 500
# The campaign's own link is in the message; a word carries none, so that nobody can
# use the site to mail their own links.
LINK = re.compile(r"(https?:|www\.|://)", re.IGNORECASE)


def plain_word(form, field):
    value = field.data or ""
    if has_control_characters(value, allowed="\r\n\t"):
        raise ValidationError(_l("Ce texte contient des caractères invisibles non autorisés."))
    if LINK.search(value):
        raise ValidationError(_l("Le mot personnel ne peut pas contenir de lien : celui de la "
                                 "campagne figure déjà dans le message."))


def an_address(form, field):
    """Empty, or an address as the signing form accepts it (normalised the same way)."""
    if field.data:
        field.data = checked_email(field.data)


def address_field(number):
    return StringField(_l("Adresse %(number)s", number=number), filters=[strip], validators=[
        Length(max=254, message=_l("Une adresse électronique ne dépasse pas 254 caractères.")),
        an_address])


class RecommendForm(FlaskForm):
    """Recommander par courriel."""

    sender_name = StringField(_l("Votre nom"), filters=[strip],
                              validators=[DataRequired(REQUIRED), length(100), person_name])
    address_1 = address_field(1)
    address_2 = address_field(2)
    address_3 = address_field(3)
    address_4 = address_field(4)
    address_5 = address_field(5)
    personal_word = TextAreaField(
        _l("Un mot personnel"), filters=[one_newline, strip],
        description=_l("Facultatif, en texte simple, %(length)s caractères au plus.",
                       length=WORD_LENGTH),
        validators=[Length(max=WORD_LENGTH, message=_l(
            "%(length)s caractères au plus, s'il vous plaît.", length=WORD_LENGTH)), plain_word])

    @property
    def address_fields(self):
        return [self[f"address_{number}"] for number in range(1, ADDRESS_COUNT + 1)]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not any(field.data for field in self.address_fields):
            self.address_1.errors.append(_("Indiquez au moins une adresse."))
            valid = False
        return valid

    def addresses(self):
        """The addresses typed, each once (the same mailbox written two ways counts once)."""
        distinct = {}
        for field in self.address_fields:
            if field.data:
                distinct.setdefault(email_key(field.data), field.data)
        return tuple(distinct.values())
