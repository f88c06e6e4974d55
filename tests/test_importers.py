"""Importing communes, députés and circonscriptions from the real open-data formats."""
import csv
import json
import os
import zipfile

import pytest

from conftest import SAMPLE_COMMUNES
from models import Commune, CommuneCirconscription, Elu
from services import importers

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "fixtures")
AMO10 = os.path.join(FIXTURES, "deputes-amo10.json")
NOSDEPUTES = os.path.join(FIXTURES, "nosdeputes.csv")
BUREAUX = os.path.join(FIXTURES, "bureaux-de-vote-circonscriptions.csv")


@pytest.fixture
def empty_places(database):
    for model in (Elu, CommuneCirconscription, Commune):
        model.delete().execute()


def elu(external_id):
    return Elu.get(Elu.external_id == external_id)


def test_amo10_export_gives_active_deputes_with_email_group_and_circonscription(empty_places):
    report = importers.import_elus_file(AMO10)
    assert (report.kind, report.created, report.removed) == ("AMO10", 5, 0)
    camille = elu("PA900001")
    assert (camille.civility, camille.first_name, camille.last_name) == ("Mme", "Camille", "Fictif")
    assert camille.group == "Groupe démo A"
    assert (camille.departement, camille.circonscription) == ("75", "7506")
    assert camille.email == "camille.fictif@example.org"
    assert elu("PA900005").email == "lou.essai@example.org"  # its `adresse` is a lone object
    assert not Elu.select().where(Elu.external_id == "PA900006").exists()  # mandate ended


def test_amo10_zip_of_one_file_per_acteur_and_organe(empty_places, tmp_path):
    export = json.load(open(AMO10, encoding="utf-8"))["export"]
    archive = tmp_path / "AMO10.json.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for acteur in export["acteurs"]["acteur"]:
            bundle.writestr(f"json/acteur/{acteur['uid']['#text']}.json", json.dumps({"acteur": acteur}))
        for organe in export["organes"]["organe"]:
            bundle.writestr(f"json/organe/{organe['uid']}.json", json.dumps({"organe": organe}))
    report = importers.import_elus_file(str(archive))
    assert report.created == 5
    assert elu("PA900002").group == "Groupe démo B"


def test_nosdeputes_csv_gives_the_same_people_and_splits_emails(empty_places):
    report = importers.import_elus_file(NOSDEPUTES)
    assert (report.kind, report.created) == ("NosDéputés", 5)
    camille = elu("PA900001")
    assert camille.emails == "camille.fictif@example.org,permanence.fictif@example.org"
    assert (elu("PA900003").departement, elu("PA900003").circonscription) == ("01", "0101")


def test_reimport_updates_changed_and_removes_departed_deputes(empty_places, tmp_path):
    importers.import_elus_file(AMO10)
    again = importers.import_elus_file(AMO10)
    assert (again.created, again.updated, again.removed, again.unchanged) == (0, 0, 0, 5)

    rows = list(csv.reader(open(NOSDEPUTES, encoding="utf-8"), delimiter=";"))
    header, people = rows[0], rows[1:]
    email_column = header.index("emails")
    people[0][email_column] = "camille.nouvelle@example.org"  # Camille changes address
    people = [row for row in people if row[header.index("prenom")] != "Sacha"]  # Sacha leaves
    changed = tmp_path / "nosdeputes.csv"
    with open(changed, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows([header] + people)

    report = importers.import_elus_file(str(changed))
    assert report.updated >= 1 and report.removed == 1
    assert elu("PA900001").email == "camille.nouvelle@example.org"
    assert not Elu.select().where(Elu.external_id == "PA900004").exists()
    assert "1 retiré(s)" in report.summary()


def test_bureaux_table_maps_communes_to_circonscriptions_and_reimport_replaces(empty_places, tmp_path):
    report = importers.import_elus_file(BUREAUX)
    assert (report.kind, report.created) == ("circonscriptions", 6)
    paris_11 = {row.circonscription for row in
                CommuneCirconscription.select().where(CommuneCirconscription.insee_code == "75111")}
    assert paris_11 == {"7506", "7507"}

    lines = open(BUREAUX, encoding="utf-8").read().splitlines()
    smaller = tmp_path / "bureaux-de-vote-circonscriptions.csv"
    smaller.write_text("\n".join(line for line in lines if "7507" not in line) + "\n", encoding="utf-8")
    report = importers.import_elus_file(str(smaller))
    assert (report.created, report.removed, report.unchanged) == (0, 1, 5)


def test_communes_import_is_idempotent_and_reports_changes(empty_places, tmp_path):
    first = importers.import_communes(SAMPLE_COMMUNES)
    assert first.created == 8
    assert importers.import_communes(SAMPLE_COMMUNES).unchanged == 8
    changed = tmp_path / "communes.csv"
    text = open(SAMPLE_COMMUNES, encoding="utf-8").read().replace("Brest", "Brest-Ville")
    changed.write_text("\n".join(line for line in text.splitlines() if "Bourg-en-Bresse" not in line) + "\n",
                       encoding="utf-8")
    report = importers.import_communes(str(changed))
    assert (report.updated, report.removed) == (1, 1)
    assert Commune.get(Commune.insee_code == "29019").name == "Brest-Ville"


def test_shipped_commune_table_covers_france(database):
    path = os.path.join(os.path.dirname(FIXTURES), "communes.csv")
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 35000
    assert {"postal_code": "75011", "insee_code": "75111", "name": "Paris 11e Arrondissement",
            "departement": "75", "parent_insee": "75056"} in rows


def test_unknown_file_is_refused_and_changes_nothing(empty_places, tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(importers.UnknownFormat):
        importers.import_elus_file(str(odd))


def test_import_elus_command_reports_each_file(runner, empty_places):
    result = runner.invoke(args=["import-elus", AMO10, BUREAUX])
    assert result.exit_code == 0
    assert "deputes-amo10.json (AMO10) : 5 ajouté(s)" in result.output
    assert "(circonscriptions) : 6 ajouté(s)" in result.output


def test_import_communes_command(runner, empty_places):
    result = runner.invoke(args=["import-communes", SAMPLE_COMMUNES])
    assert "8 ajouté(s)" in result.output
