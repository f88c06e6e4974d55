"""Importers of open data: communes, députés, and communes → circonscriptions.

Each is idempotent: importing the same file twice changes nothing the second
time, and a new file updates what changed and removes what is gone. Each
returns an `ImportReport` saying what it did.
"""
import csv
import io
import json
import os
import zipfile
from dataclasses import dataclass, field

from models import Commune, CommuneCirconscription, Elu, db
from services.elus import circonscription_code, departement_code

BATCH = 500


class UnknownFormat(ValueError):
    """The file is none of the formats the importers know."""


@dataclass
class ImportReport:
    source: str
    kind: str
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list = field(default_factory=list)

    def summary(self):
        return (f"{self.source} ({self.kind}) : {self.created} ajouté(s), {self.updated} modifié(s), "
                f"{self.removed} retiré(s), {self.unchanged} inchangé(s)"
                + (f", {len(self.skipped)} ignoré(s)" if self.skipped else ""))


# Communes ---------------------------------------------------------------

COMMUNE_FIELDS = ["postal_code", "insee_code", "name", "departement", "parent_insee"]


def import_communes(path):
    """Load data/communes.csv (see scripts/build_communes.py): replace what differs."""
    with open(path, encoding="utf-8", newline="") as handle:
        wanted = {(row["postal_code"], row["insee_code"]): row for row in csv.DictReader(handle)}
    report = ImportReport(os.path.basename(path), "communes")
    with db.atomic():
        existing = {(c.postal_code, c.insee_code): c for c in Commune.select()}
        stale = [c.id for key, c in existing.items() if key not in wanted]
        report.removed = _delete_ids(Commune, stale)
        new_rows = []
        for key, row in wanted.items():
            current = existing.get(key)
            values = {name: row[name] for name in COMMUNE_FIELDS}
            if current is None:
                new_rows.append(values)
            elif any(getattr(current, name) != values[name] for name in COMMUNE_FIELDS):
                Commune.update(**values).where(Commune.id == current.id).execute()
                report.updated += 1
            else:
                report.unchanged += 1
        _insert_batches(Commune, new_rows)
        report.created = len(new_rows)
    return report


# Élus ---------------------------------------------------------------------

def import_elus_file(path):
    """Import one file, whatever its format: AMO10 JSON (or zip), NosDéputés CSV, bureaux CSV."""
    name = os.path.basename(path)
    if zipfile.is_zipfile(path):
        return import_deputes(name, "AMO10", list(_amo10_from_zip(path)))
    with open(path, encoding="utf-8-sig") as handle:
        head = handle.read(4096)
    stripped = head.lstrip()
    if stripped.startswith(("{", "[")):
        with open(path, encoding="utf-8") as handle:
            return import_deputes(name, "AMO10", list(_amo10_deputes(json.load(handle))))
    first_line = stripped.splitlines()[0] if stripped else ""
    if first_line.startswith("id;nom;nom_de_famille;prenom"):
        return import_deputes(name, "NosDéputés", list(_nosdeputes(path)))
    if first_line.startswith("codeDepartement,") and "codeCirconscription" in first_line:
        return import_circonscriptions(name, path)
    raise UnknownFormat(f"{name} : format inconnu (AMO10 JSON, CSV NosDéputés ou "
                        "bureaux-de-vote-circonscriptions.csv attendus)")


def import_deputes(source, kind, deputes):
    """Make the active députés exactly the ones given: add, update, remove the rest."""
    if not deputes:
        raise UnknownFormat(f"{source} : aucun député en mandat trouvé, rien n'a été changé")
    report = ImportReport(source, kind)
    seen = set()
    with db.atomic():
        for values in deputes:
            seen.add(values["external_id"])
            _upsert_elu(values, report)
        gone = Elu.select(Elu.id).where((Elu.role == Elu.DEPUTE) & Elu.external_id.not_in(seen))
        report.removed = _delete_ids(Elu, [elu.id for elu in gone])
    return report


ELU_FIELDS = ["civility", "first_name", "last_name", "group", "departement",
              "circonscription", "emails", "active"]


def _upsert_elu(values, report):
    current = Elu.get_or_none((Elu.role == Elu.DEPUTE) & (Elu.external_id == values["external_id"]))
    if current is None:
        Elu.create(role=Elu.DEPUTE, **values)
        report.created += 1
    elif any(getattr(current, name) != values[name] for name in ELU_FIELDS):
        Elu.update(**{name: values[name] for name in ELU_FIELDS}).where(
            Elu.id == current.id).execute()
        report.updated += 1
    else:
        report.unchanged += 1


def _elu_values(external_id, civility, first_name, last_name, group, departement, number, emails):
    departement = departement_code(departement)
    return {
        "external_id": external_id,
        "civility": civility or "",
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "group": group or "",
        "departement": departement,
        "circonscription": circonscription_code(departement, number),
        "emails": ",".join(dict.fromkeys(email.strip().lower() for email in emails if email.strip())),
        "active": True,
    }


# AMO10: the Assemblée nationale's export of active deputies.

def _as_list(value):
    """The export writes a lone item as an object and several as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value):
    return value.get("#text", "") if isinstance(value, dict) else (value or "")


def _amo10_from_zip(path):
    with zipfile.ZipFile(path) as archive:
        documents = [json.load(io.TextIOWrapper(archive.open(member), encoding="utf-8"))
                     for member in archive.namelist() if member.endswith(".json")]
    organes = _amo10_group_names(documents)
    for document in documents:
        yield from _amo10_deputes(document, organes)


def _amo10_group_names(documents):
    names = {}
    for document in documents:
        for organe in _amo10_items(document, "organes", "organe"):
            names[_text(organe.get("uid"))] = organe.get("libelle") or organe.get("libelleAbrege", "")
    return names


def _amo10_items(document, plural, singular):
    if singular in document:
        return _as_list(document[singular])
    export = document.get("export", document)
    return _as_list((export.get(plural) or {}).get(singular))


def _amo10_deputes(document, organes=None):
    organes = organes if organes is not None else _amo10_group_names([document])
    for acteur in _amo10_items(document, "acteurs", "acteur"):
        mandates = _as_list((acteur.get("mandats") or {}).get("mandat"))
        seat = next((m for m in mandates
                     if m.get("typeOrgane") == "ASSEMBLEE" and not m.get("dateFin")), None)
        if seat is None:
            continue
        place = (seat.get("election") or {}).get("lieu") or {}
        identity = (acteur.get("etatCivil") or {}).get("ident") or {}
        group_ref = next((_text((m.get("organes") or {}).get("organeRef")) for m in mandates
                          if m.get("typeOrgane") == "GP" and not m.get("dateFin")), "")
        emails = [address.get("valElec", "")
                  for address in _as_list((acteur.get("adresses") or {}).get("adresse"))
                  if address.get("@xsi:type") == "AdresseMail_Type"]
        yield _elu_values(_text(acteur.get("uid")), identity.get("civ"), identity.get("prenom", ""),
                          identity.get("nom", ""), organes.get(group_ref, ""),
                          place.get("numDepartement", ""), place.get("numCirco", 0), emails)


# NosDéputés CSV.

def _nosdeputes(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            if row.get("mandat_fin"):
                continue
            external_id = f"PA{row['id_an']}" if row.get("id_an") else f"ND{row['id']}"
            civility = {"H": "M.", "F": "Mme"}.get(row.get("sexe", ""), "")
            yield _elu_values(external_id, civility, row["prenom"], row["nom_de_famille"],
                              row.get("groupe_sigle", ""), row["num_deptmt"], row["num_circo"],
                              (row.get("emails") or "").split("|"))


# Communes → circonscriptions, from the polling-station table.

def import_circonscriptions(source, path):
    """Replace the commune → circonscription table by the one the file describes."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        wanted = {
            (row["codeCommune"].strip().upper(),
             circonscription_code(row["codeDepartement"], row["codeCirconscription"].strip()[-2:]))
            for row in csv.DictReader(handle) if row.get("codeCommune")
        }
    report = ImportReport(source, "circonscriptions")
    with db.atomic():
        existing = {(row.insee_code, row.circonscription): row.id
                    for row in CommuneCirconscription.select()}
        report.removed = _delete_ids(CommuneCirconscription,
                                     [row_id for key, row_id in existing.items() if key not in wanted])
        new_rows = [{"insee_code": insee, "circonscription": circo}
                    for insee, circo in sorted(wanted - existing.keys())]
        _insert_batches(CommuneCirconscription, new_rows)
        report.created = len(new_rows)
        report.unchanged = len(wanted & existing.keys())
    return report


# Helpers ----------------------------------------------------------------

def _insert_batches(model, rows):
    for start in range(0, len(rows), BATCH):
        model.insert_many(rows[start:start + BATCH]).execute()


def _delete_ids(model, ids):
    for start in range(0, len(ids), BATCH):
        model.delete().where(model.id.in_(ids[start:start + BATCH])).execute()
    return len(ids)
