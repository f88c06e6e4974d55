"""The campaign form (admins) and the proposal form (members), their messages in the page's language.

The French labels are an interface: operators' scripts and tests find the fields by them.
"""
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import gettext as _, lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import (
    BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError

from blueprints.forms import (
    REQUIRED, Honeypot, length, letter_text, no_control_characters, one_line, one_newline, strip,
)
from services.campaigns import CampaignFields, parse_targets, targets_text

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class LazyText(LazyString):
    """A lazy translation that templates escape like any text: Flask-Babel's own lazy
    strings pass as markup, and these show "<adresse>"."""

    def __html__(self):
        return str(escape(str(self)))


def as_text(lazy):
    return LazyText(str, lazy)


NO_TARGET = as_text(_l("Indiquez au moins un destinataire : « Libellé <adresse> »."))
BAD_DATE = _l("Date et heure attendues (exemple : 2027-01-31 18:00).")


def paris_to_utc(value):
    """A date typed in Paris time, as the database keeps it (naive UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)


def utc_to_paris(value):
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(PARIS).replace(tzinfo=None, second=0,
                                                              microsecond=0)


def multiline_text(form, field):
    """Free text over several lines: line breaks and tabs, no other control characters."""
    letter_text(form, field)


def sources_lines(form, field):
    """One source a line: its text, then its address (https://…)."""
    for number, line in enumerate((field.data or "").splitlines(), start=1):
        line = line.strip()
        if line and not line.rsplit(None, 1)[-1].startswith(("http://", "https://")):
            raise ValidationError(_("Ligne %(number)s : écrivez le texte de la source, puis "
                                    "son adresse (https://…).", number=number))


def https_address(form, field):
    """An absolute https:// address: social networks fetch the share image from it."""
    try:
        parts = urlsplit(field.data)
        host = parts.hostname or ""
    except ValueError:  # a malformed [IPv6] host
        parts, host = None, ""
    if (parts is None or parts.scheme != "https" or "." not in host
            or parts.username is not None
            or any(char.isspace() or not char.isprintable() for char in field.data)):
        raise ValidationError(_("Indiquez une adresse complète qui commence par https://, par "
                                "exemple https://exemple.org/images/campagne.png."))


def target_lines(form, field):
    try:
        targets = parse_targets(field.data)
    except ValueError as error:
        raise ValidationError(str(error))
    if not targets:
        raise ValidationError(NO_TARGET)


class ParisDateTimeField(DateTimeLocalField):
    """A date and time typed in Paris time, refused in French when it is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(BAD_DATE)


class CampaignForm(FlaskForm):
    """Nouvelle campagne / modifier une campagne."""

    kind = SelectField(_l("Type"), choices=[SelectChoice("cyberactions", _l("Cyberaction")),
                                            SelectChoice("petitions", _l("Pétition"))],
                       default="cyberactions")
    title = StringField(_l("Titre"), filters=[strip],
                        validators=[DataRequired(_l("Le titre ne peut pas être vide.")), length(200),
                                    no_control_characters])
    slug = StringField(_l("Adresse de la page"), filters=[strip],
                       validators=[Optional(), length(120)],
                       description=_l("Proposée d'après le titre si vous la laissez vide ; "
                                      "elle ne change plus une fois la campagne publiée."))
    tags = StringField(_l("Mots-clés"), filters=[strip],
                       validators=[Optional(), length(300), no_control_characters],
                       description=_l("Séparés par des virgules."))
    summary = TextAreaField(_l("Résumé"), filters=[one_newline, strip],
                            validators=[Optional(), length(600), multiline_text])
    body = TextAreaField(_l("Texte"), filters=[one_newline, strip],
                         validators=[Optional(), length(20000), multiline_text],
                         description=_l("En Markdown : **gras**, *italique*, listes, liens."))
    sources = TextAreaField(_l("Sources"), filters=[one_newline, strip],
                            validators=[Optional(), length(5000), multiline_text, sources_lines],
                            description=_l("Une par ligne : le texte, puis l'adresse (https://…)."))
    image_url = URLField(_l("Image de partage (adresse https)"), filters=[strip],
                         validators=[Optional(), length(500), https_address],
                         description=_l("Facultative : l'image que les réseaux sociaux montrent "
                                        "avec le lien de la campagne (idéalement 1200 × 630). "
                                        "Sans elle, une carte est dessinée avec le titre et le "
                                        "compteur."))
    proposer = StringField(_l("Proposée par"), filters=[strip],
                           validators=[DataRequired(REQUIRED), length(120), no_control_characters])
    targets = TextAreaField(_l("Destinataires"), filters=[one_newline, strip],
                            validators=[DataRequired(NO_TARGET), length(5000), target_lines],
                            description=as_text(_l(
                                "Un par ligne : Libellé <adresse>, par exemple "
                                "Premier ministre <contact@example.org>.")))
    letter_subject = StringField(_l("Objet du message"), filters=[strip], validators=[
        DataRequired(_l("L'objet du message ne peut pas être vide.")), length(200), one_line])
    letter_body = TextAreaField(_l("Texte du message"), filters=[one_newline, strip], validators=[
        DataRequired(_l("Le texte du message ne peut pas être vide.")), length(5000),
        letter_text])
    letter_editable = BooleanField(_l("Les signataires peuvent modifier le message"),
                                   default=True)
    allow_elu_copy = BooleanField(_l("Copie au député"),
                                  description=_l("Les signataires peuvent mettre leur député·e "
                                                 "en copie (cyberactions)."))
    opens_at = ParisDateTimeField(_l("Mise en ligne le"), format=DATETIME_FORMAT,
                                  validators=[Optional()],
                                  description=_l("Heure de Paris ; maintenant si vide."))
    closes_at = ParisDateTimeField(_l("Date de clôture"), format=DATETIME_FORMAT,
                                   validators=[Optional()], description=_l("Heure de Paris."))
    goal = IntegerField(_l("Objectif"), validators=[Optional(), NumberRange(
        min=1, max=100_000_000, message=_l("Un nombre de participations, au moins 1."))],
        description=_l("Nombre de participations visé (facultatif)."))
    result_text = TextAreaField(_l("Bilan"), filters=[one_newline, strip],
                                validators=[Optional(), length(20000), multiline_text],
                                description=_l("Le résultat de la campagne, affiché sur la page "
                                               "Bilans une fois close (Markdown)."))

    @classmethod
    def for_campaign(cls, campaign, **kwargs):
        """The form filled with a stored campaign (dates in Paris time)."""
        values = CampaignFields.of(campaign)
        data = {name: getattr(values, name) for name in values.__dataclass_fields__}
        data["targets"] = targets_text(values.targets)
        data["letter_editable"] = not values.letter_locked
        data["opens_at"] = utc_to_paris(values.opens_at)
        data["closes_at"] = utc_to_paris(values.closes_at)
        return cls(data=data, **kwargs)

    def campaign_fields(self):
        """What was typed, as the service takes it (dates in UTC)."""
        def value(name, default=None):
            field = getattr(self, name, None)
            return field.data if field is not None else default
        return CampaignFields(
            kind=value("kind"), title=value("title"), slug=value("slug", "") or "",
            tags=value("tags", "") or "", summary=value("summary", "") or "",
            body=value("body", "") or "", sources=value("sources", "") or "",
            image_url=value("image_url", "") or "",
            proposer=value("proposer"), targets=parse_targets(value("targets")),
            letter_subject=value("letter_subject"), letter_body=value("letter_body"),
            letter_locked=not value("letter_editable", True),
            allow_elu_copy=bool(value("allow_elu_copy", False)),
            opens_at=paris_to_utc(value("opens_at")), closes_at=paris_to_utc(value("closes_at")),
            goal=value("goal"), result_text=value("result_text", "") or "")

    def show_errors(self, invalid):
        """Put the service's refusals (InvalidCampaign) beside their fields."""
        for name, message in invalid.errors.items():
            field = getattr(self, name, None) or self.title
            field.errors = list(field.errors) + [message]

    @property
    def first_error(self):
        return next((name for name, field in self._fields.items() if field.errors), None)


class ProposalForm(CampaignForm, Honeypot):
    """Proposer une campagne: the same fields without those of publishing."""

    slug = None
    image_url = None
    opens_at = None
    closes_at = None
    goal = None
    result_text = None

