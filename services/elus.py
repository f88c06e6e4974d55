"""Finding a signer's commune and élus from their postal code and town."""
import csv
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from peewee import fn

from models import Commune, CommuneCirconscription, Elu


def normalise_name(name):
    """Compare town names without case, accents, hyphens or apostrophes."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    for mark in "-'’":
        plain = plain.replace(mark, " ")
    return " ".join(plain.casefold().replace("saint ", "st ").split())


def departement_code(raw):
    """'1' and '01' are both Ain; '2a' is Corse-du-Sud."""
    code = str(raw).strip().upper()
    return code.zfill(2) if code.isdigit() and len(code) < 2 else code


DEPARTEMENTS_CSV = Path(__file__).resolve().parent.parent / "data" / "departements.csv"


@functools.lru_cache(maxsize=1)
def _departement_names():
    with open(DEPARTEMENTS_CSV, encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def departement_name(code):
    """'Ain' for '01', 'Corse-du-Sud' for '2A'; the code itself when we do not know it."""
    code = departement_code(code)
    names = _departement_names()
    # The Assemblée writes French people abroad as '099'.
    return names.get(code) or names.get(code.lstrip("0").zfill(2)) or code


def circonscription_code(departement, number):
    """Département followed by the two-digit number: '7511', '2A01', '97101'."""
    return f"{departement_code(departement)}{int(number):02d}"


def is_french_postal_code(postal_code):
    return bool(re.fullmatch(r"\d{5}", postal_code or ""))


def communes_for_postal_code(postal_code):
    if not is_french_postal_code(postal_code):
        return []
    return list(Commune.select().where(Commune.postal_code == postal_code)
                .order_by(Commune.parent_insee.desc(), Commune.name))


@dataclass
class ElusLookup:
    """What the postal code and town tell: the commune, if known, and its députés."""

    asked: bool = False
    abroad: bool = False
    postal_code_known: bool = False
    commune: Commune | None = None
    elus: list = field(default_factory=list)


def find_commune(postal_code, city):
    candidates = communes_for_postal_code(postal_code)
    wanted = normalise_name(city)
    for commune in candidates:
        if normalise_name(commune.name) == wanted:
            return candidates, commune
    if len(candidates) == 1:
        return candidates, candidates[0]
    return candidates, None


def related_insee_codes(commune):
    """A commune's own code, its city's (arrondissement), or its arrondissements there."""
    codes = {commune.insee_code}
    if commune.parent_insee:
        codes.add(commune.parent_insee)
    children = Commune.select(Commune.insee_code).where(
        (Commune.parent_insee == commune.insee_code)
        & (Commune.postal_code == commune.postal_code))
    codes.update(child.insee_code for child in children)
    return codes


def deputes_for(postal_code, city, country="FR"):
    """The active députés of the circonscription(s) the signer's commune lies in."""
    if not (postal_code and city):
        return ElusLookup()
    if country != "FR":
        return ElusLookup(asked=True, abroad=True)
    candidates, commune = find_commune(postal_code, city)
    if commune is None:
        return ElusLookup(asked=True, postal_code_known=bool(candidates))
    circonscriptions = CommuneCirconscription.select(CommuneCirconscription.circonscription).where(
        CommuneCirconscription.insee_code.in_(related_insee_codes(commune)))
    elus = list(Elu.select().where(
        (Elu.role == Elu.DEPUTE) & Elu.active & (Elu.emails != "")
        & Elu.circonscription.in_(circonscriptions),
    ).order_by(Elu.circonscription, Elu.last_name))
    return ElusLookup(asked=True, postal_code_known=True, commune=commune, elus=elus)


def chosen_elus(postal_code, city, country, requested_ids):
    """Keep only the requested élus that the signer's commune really maps to."""
    allowed = {elu.id: elu for elu in deputes_for(postal_code, city, country).elus}
    return [allowed[elu_id] for elu_id in sorted(set(requested_ids)) if elu_id in allowed]


def departements_with_elus():
    """(département, number of active députés), for the Liste d'élus page."""
    query = (Elu.select(Elu.departement, fn.COUNT(Elu.id).alias("count"))
             .where(Elu.active).group_by(Elu.departement).order_by(Elu.departement))
    return [(row.departement, row.count) for row in query]


def elus_of_departement(departement):
    return list(Elu.select().where(Elu.active & (Elu.departement == departement))
                .order_by(Elu.circonscription, Elu.last_name))
