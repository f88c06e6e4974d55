"""Forms of the public pages, with their rules and French messages."""
import functools
import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _, lazy_gettext as _l, lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from blueprints.languages import current_language
from services.countries import COUNTRY_NAMES, country_choices
from services import abuse
from services.signing import SignerDetails, email_key

REQUIRED = _l("Ce champ est obligatoire.")
FORMULA_STARTS = ("=", "+", "-", "@")
NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '’.\-]+[^\W\d_]+)*\.?$")
PLACE_PATTERN = re.compile(r"^[\w]+(?:[ '’.\-/,()]+[\w]+)*[.)]?$")
FREE_TEXT_FORBIDDEN = re.compile(r"[<>{}\[\]\\`|^~$]")


def one_newline(value):
    """Browsers send CRLF; length limits count what the person typed."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def strip(value):
    """Trimmed, and in composed form (NFC): "Zoé" typed as e + accent is the same "Zoé"."""
    return unicodedata.normalize("NFC", value.strip()) if isinstance(value, str) else value


def length(maximum, minimum=1):
    return Length(min=minimum, max=maximum,
                  message=_l("Entre %(minimum)s et %(maximum)s caractères, s'il vous plaît.",
                             minimum=minimum, maximum=maximum))


INVISIBLE = _l("Ce champ contient des caractères invisibles non autorisés.")


# Format characters that belong to words: joiners (emoji sequences, Persian, Indic
# scripts) and the soft hyphen. Every other invisible character is refused.
WORD_FORMAT_CHARACTERS = "\u200c\u200d\u00ad"


def has_control_characters(text, allowed=""):
    """Control, format and other invisible characters (Unicode category C), but `allowed`
    and the joiners words need."""
    text = text or ""
    for char in allowed + WORD_FORMAT_CHARACTERS:
        text = text.replace(char, "")
    if text.isprintable():  # no category C at all: the common case, checked in C
        return False
    return any(unicodedata.category(char)[0] == "C" for char in text)


def no_control_characters(form, field):
    if has_control_characters(field.data):
        raise ValidationError(INVISIBLE)


def plain_text(form, field):
    """No control characters, no spreadsheet formulas, no markup."""
    value = field.data or ""
    no_control_characters(form, field)
    if value.startswith(FORMULA_STARTS):
        raise ValidationError(_("Ce champ ne peut pas commencer par = + - ou @."))
    if FREE_TEXT_FORBIDDEN.search(value):
        raise ValidationError(_("Ce champ contient des caractères non autorisés (< > { } …)."))


def one_line(form, field):
    """A subject: one line, no control characters."""
    if has_control_characters(field.data):
        raise ValidationError(_("L'objet tient sur une ligne, sans caractères de contrôle."))


def letter_text(form, field):
    """A letter: plain text, line breaks kept, no other control characters."""
    if has_control_characters(field.data, allowed="\r\n\t"):
        raise ValidationError(_("Le texte contient des caractères invisibles non autorisés."))


def without_marks(text):
    """The text without the combining marks and joiners that follow a letter or a digit
    (Devanagari vowel signs, Persian ZWNJ): the patterns below then read the letters alone.
    A mark that follows nothing it can join stays, and fails the patterns."""
    if text.isascii():
        return text
    kept = []
    for char in text:
        joins = unicodedata.category(char)[0] == "M" or char in WORD_FORMAT_CHARACTERS
        if joins and kept and kept[-1].isalnum():
            continue
        kept.append(char)
    return "".join(kept)


def person_name(form, field):
    plain_text(form, field)
    if not NAME_PATTERN.match(without_marks(field.data or "")):
        raise ValidationError(_("Lettres, espaces, apostrophes et tirets uniquement."))


def place_name(form, field):
    plain_text(form, field)
    if not PLACE_PATTERN.match(without_marks(field.data or "")):
        raise ValidationError(_("Ce nom de commune n'est pas valide."))


class IdentityForm(FlaskForm):
    """Who someone is, as the signing form and the account forms ask it."""

    last_name = StringField(lazy_pgettext("nom de famille", "Nom"), filters=[strip],
                            validators=[DataRequired(REQUIRED), length(100), person_name])
    first_name = StringField(_l("Prénom"), filters=[strip],
                             validators=[DataRequired(REQUIRED), length(100), person_name])
    email = StringField(_l("Courriel"), filters=[strip],
                        validators=[DataRequired(REQUIRED), Length(max=254, message=(
                            _l("Une adresse électronique ne dépasse pas 254 caractères.")))])
    postal_code = StringField(_l("Code postal"), filters=[strip],
                              validators=[DataRequired(REQUIRED), length(10), plain_text])
    city = StringField(_l("Commune"), filters=[strip],
                       validators=[DataRequired(REQUIRED), length(100), place_name])
    country = SelectField(_l("Pays"), default="FR", validate_choice=False)
    profession = StringField(_l("Profession"), filters=[strip],
                             validators=[Optional(), length(100), plain_text])
    address = StringField(_l("Adresse"), filters=[strip],
                          validators=[Optional(), length(200), plain_text])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_select_choices(current_language())

    def validate_email(self, field):
        field.data = checked_email(field.data)
        if abuse.is_blocked(email_key(field.data)):
            raise ValidationError(abuse.BLOCKED_MESSAGE)

    def validate_country(self, field):
        if field.data not in COUNTRY_NAMES:
            raise ValidationError(_("Choisissez un pays dans la liste."))

    def validate_postal_code(self, field):
        if self.country.data == "FR" and not re.fullmatch(r"\d{5}", field.data or ""):
            raise ValidationError(_("5 chiffres attendus (exemple\u00a0: 75011)."))
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 \-]*", field.data or ""):
            raise ValidationError(_("Ce code postal n'est pas valide."))

    def identity(self):
        """The fields every participation and account share, cleaned."""
        return {
            "last_name": self.last_name.data or "",
            "first_name": self.first_name.data or "",
            "postal_code": (self.postal_code.data or "").upper(),
            "city": self.city.data or "",
            "country": self.country.data or "FR",
            "profession": self.profession.data or "",
            "address": self.address.data or "",
        }


@functools.lru_cache(maxsize=8)
def country_select_choices(language):
    """The country options in `language`, built once per process (every form shows them)."""
    return tuple(SelectChoice(code, name) for code, name in country_choices(language))


def checked_email(value):
    """The normalised address, or a French field error."""
    if has_control_characters(value):
        raise ValidationError(INVISIBLE)
    if not (value or "").rpartition("@")[0].isascii():
        # Mail relays rarely accept SMTPUTF8: such an address would never get its link.
        raise ValidationError(_("Les lettres accentuées ne sont pas acceptées avant le « @ » : "
                                "indiquez une autre adresse."))
    try:
        return validate_email(value or "", check_deliverability=False,
                              allow_smtputf8=False).ascii_email
    except EmailNotValidError:
        raise ValidationError(
            _("Cette adresse électronique n'est pas valide (exemple\u00a0: nom@exemple.fr)."))


class LetterFields:
    """Modifier des éléments: the letter's subject and text, and the élus in copy."""

    letter_subject = StringField(_l("Objet"), filters=[strip], validators=[
        DataRequired(_l("L'objet du message ne peut pas être vide.")), length(200), one_line])
    letter_body = TextAreaField(_l("Texte du message"), filters=[one_newline, strip], validators=[
        DataRequired(_l("Le texte du message ne peut pas être vide.")), length(5000), letter_text])
    elus = SelectMultipleField(_l("Copie à mes élus"), coerce=int, choices=[], validate_choice=False)

    def letter(self):
        return {"letter_subject": self.letter_subject.data or "",
                "letter_body": self.letter_body.data or ""}


class ParticipationChoices:
    """What every signer chooses, with an account or without."""

    newsletter = BooleanField(_l("Je souhaite recevoir les prochaines cyberactions par courriel"))
    hide_identity = BooleanField(_l("Ne pas afficher mes nom et commune sur le site "
                                    "(ils figurent quand même dans la liste remise aux destinataires)"))


HONEYPOT_LABEL = _l("Ne remplissez pas ce champ (il sert à repérer les robots)")


def honeypot(field_id):
    """A field people never see (hidden by the `honeypot` CSS class, out of the tab order)
    and form-filling bots fill in. No validator: a filled one never shows an error."""
    return StringField(HONEYPOT_LABEL, id=field_id,
                       render_kw={"tabindex": "-1", "autocomplete": "off"})


class Honeypot:
    """The hidden field of a public form, drawn by templates/_partials/_honeypot.html."""

    site_web = honeypot("site-web")

    def honeypot_filled(self):
        return bool(self.site_web.data and self.site_web.data.strip())


class SignatureForm(IdentityForm, LetterFields, ParticipationChoices, Honeypot):
    """Je signe sans compte."""

    site_web = honeypot("site-web-signer")

    def signer_details(self):
        return SignerDetails(email=self.email.data or "", newsletter=self.newsletter.data,
                             hide_identity=self.hide_identity.data, language=current_language(),
                             **self.identity(), **self.letter())


class MemberSignatureForm(FlaskForm, LetterFields, ParticipationChoices):
    """Je signe en un clic, with the member's stored details."""


class EmptyForm(FlaskForm):
    """A form with nothing but its CSRF token, for button-only POSTs."""
