"""Build data/communes.csv and data/departements.csv from @etalab/decoupage-administratif.

Usage: python scripts/build_communes.py path/to/package/data data/
(`make communes` fetches the pinned npm package and runs this.)

One row per (postal code, commune): current communes and the municipal
arrondissements of Paris, Lyon and Marseille, which have postal codes of their own.
Source: Licence Ouverte / Open Licence (Etalab).
"""
import csv
import json
import sys
from pathlib import Path

KEPT_TYPES = {"commune-actuelle", "arrondissement-municipal"}
COLUMNS = ["postal_code", "insee_code", "name", "departement", "parent_insee"]
# The eleven circonscriptions of French people abroad have a "département" of
# their own in the Assemblée's data, which the administrative list has not.
ABROAD = {"code": "99", "nom": "Français établis hors de France"}


def rows(communes):
    for commune in communes:
        if commune["type"] not in KEPT_TYPES:
            continue
        for postal_code in sorted(set(commune.get("codesPostaux", []))):
            yield {
                "postal_code": postal_code,
                "insee_code": commune["code"],
                "name": commune["nom"],
                "departement": commune["departement"],
                "parent_insee": commune.get("commune", ""),
            }


def write_csv(target, columns, rows_to_write):
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows_to_write)


def load(source_dir, name):
    with open(Path(source_dir) / name, encoding="utf-8") as handle:
        return json.load(handle)


def main(source_dir, target_dir):
    communes = sorted(rows(load(source_dir, "communes.json")),
                      key=lambda row: (row["postal_code"], row["insee_code"]))
    write_csv(Path(target_dir) / "communes.csv", COLUMNS, communes)
    print(f"{len(communes)} postal code–commune pairs written to {target_dir}/communes.csv")

    departements = [{"code": item["code"], "name": item["nom"]}
                    for item in [*load(source_dir, "departements.json"), ABROAD]]
    write_csv(Path(target_dir) / "departements.csv", ["code", "name"], departements)
    print(f"{len(departements)} départements written to {target_dir}/departements.csv")


if __name__ == "__main__":
    main(*sys.argv[1:3])
