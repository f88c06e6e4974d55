"""Countries offered on the signing form, France first."""
import unicodedata
from functools import lru_cache

from babel import Locale
from flask_babel import gettext as _

COUNTRIES = [
    ("FR", "France"),
    ("BE", "Belgique"),
    ("CH", "Suisse"),
    ("LU", "Luxembourg"),
    ("MC", "Monaco"),
    ("CA", "Canada"),
    ("DE", "Allemagne"),
    ("AD", "Andorre"),
    ("AT", "Autriche"),
    ("BJ", "Bénin"),
    ("BF", "Burkina Faso"),
    ("CM", "Cameroun"),
    ("CI", "Côte d'Ivoire"),
    ("DK", "Danemark"),
    ("DZ", "Algérie"),
    ("ES", "Espagne"),
    ("US", "États-Unis"),
    ("FI", "Finlande"),
    ("GA", "Gabon"),
    ("GR", "Grèce"),
    ("HT", "Haïti"),
    ("IE", "Irlande"),
    ("IT", "Italie"),
    ("LB", "Liban"),
    ("MA", "Maroc"),
    ("MG", "Madagascar"),
    ("ML", "Mali"),
    ("NL", "Pays-Bas"),
    ("NO", "Norvège"),
    ("PL", "Pologne"),
    ("PT", "Portugal"),
    ("GB", "Royaume-Uni"),
    ("SN", "Sénégal"),
    ("SE", "Suède"),
    ("TN", "Tunisie"),
    ("ZZ", "Autre pays"),
]

COUNTRY_NAMES = dict(COUNTRIES)


def country_name(code):
    return COUNTRY_NAMES.get(code, code)


# France and its French-speaking neighbours first, as the French list has them.
FIRST_COUNTRIES = 6


def country_choices(language):
    """The countries offered on the forms, named in `language`: the list above in French;
    in another language, the same first countries, then the rest in that language's
    alphabetical order, "other country" last. What is stored and exported is the code."""
    if language == "fr":
        return COUNTRIES
    return _translated_choices(language) + [("ZZ", _("Autre pays"))]


@lru_cache(maxsize=8)
def _translated_choices(language):
    territories = Locale.parse(language).territories
    named = [(code, territories.get(code, name)) for code, name in COUNTRIES if code != "ZZ"]
    first, rest = named[:FIRST_COUNTRIES], named[FIRST_COUNTRIES:]
    return first + sorted(rest, key=lambda choice: alphabetical_key(choice[1]))


def alphabetical_key(name):
    """Alphabetical order that ignores accents (Åland next to Albania, not after Z)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
