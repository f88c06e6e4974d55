"""Build data/communes.csv from @etalab/decoupage-administratif's communes.json.

Usage: python scripts/build_communes.py path/to/communes.json data/communes.csv
(`make communes` fetches the pinned npm package and runs this.)

One row per (postal code, commune): current communes and the municipal
arrondissements of Paris, Lyon and Marseille, which have postal codes of their own.
Source: Licence Ouverte / Open Licence (Etalab).
"""
import csv
import json
import sys

KEPT_TYPES = {"commune-actuelle", "arrondissement-municipal"}
COLUMNS = ["postal_code", "insee_code", "name", "departement", "parent_insee"]


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


def main(source, target):
    with open(source, encoding="utf-8") as handle:
        communes = json.load(handle)
    ordered = sorted(rows(communes), key=lambda row: (row["postal_code"], row["insee_code"]))
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(ordered)
    print(f"{len(ordered)} postal code–commune pairs written to {target}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
