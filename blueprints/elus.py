"""Public pages about places and élus: the Liste d'élus, the communes of a postal code."""
from flask import Blueprint, abort, make_response, render_template, request

from services import elus

bp = Blueprint("elus", __name__)


@bp.get("/communes")
def communes():
    """The towns of a postal code, as options for the Commune field."""
    postal_code = request.args.get("postal_code", "").strip()
    found = elus.communes_for_postal_code(postal_code)
    response = make_response(render_template("elus/_communes.html", communes=found))
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/elus")
def departements():
    """Liste d'élus: the départements that have députés."""
    return render_template("elus/departements.html", departements=elus.departements_with_elus())


@bp.get("/elus/<departement>")
def departement(departement):
    """The députés of one département."""
    found = elus.elus_of_departement(departement.upper())
    if not found:
        abort(404)
    return render_template("elus/departement.html", departement=departement.upper(), elus=found)
