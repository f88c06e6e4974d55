"""The open-data API (issue 10, Open data API): read-only JSON of the listed campaigns and of
one campaign, checked against the JSON Schemas in tests/schemas/; CORS open; cached; never a
name or an address; participations by département with the small ones folded together."""
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from conftest import DEMO_CLOSED, DEMO_CYBERACTION, DEMO_PETITION, campaign_at, post_signature
from models import Campaign, Comment, Signature, utcnow
from services import messages, signing
from services.open_data import API_PAGE_SIZE, SMALL_GROUP
from services.tokens import make_token
from test_lists import make_campaign

SCHEMAS = Path(__file__).resolve().parent / "schemas"


def schema_validator(name):
    resources = [(path.name, Resource.from_contents(json.loads(path.read_text())))
                 for path in SCHEMAS.glob("*.json")]
    registry = Registry().with_resources(resources)
    schema = json.loads((SCHEMAS / name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry)


LIST_SCHEMA = schema_validator("campaign_list.json")
DETAIL_SCHEMA = schema_validator("campaign_detail.json")


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_SECONDS": 0, "API_CACHE_SECONDS": 0}


def valid(validator, document):
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, [f"{list(error.path)}: {error.message}" for error in errors]
    return document


def api(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response


def confirmed(app, client, url, **signer):
    """A participation made through the signing form, then confirmed by its link."""
    assert post_signature(client, url, **signer).status_code == 303
    with app.test_request_context():
        signature = Signature.get(Signature.email == signer["email"])
        signing.confirm(make_token(messages.CONFIRM_PURPOSE, signature.confirm_nonce))


def test_campaign_list_holds_the_listed_campaigns_and_matches_its_schema(client, database):
    hidden = [make_campaign("Un brouillon", status=Campaign.DRAFT),
              make_campaign("Une proposition", status=Campaign.PROPOSED),
              make_campaign("Une campagne archivée", status=Campaign.ARCHIVED),
              make_campaign("Pas encore en ligne", days_ago=-2)]
    closed = make_campaign("Une campagne close", status=Campaign.CLOSED, closed_at=utcnow())

    body = valid(LIST_SCHEMA, api(client, "/api/campaigns").get_json())

    slugs = [item["slug"] for item in body["campaigns"]]
    assert set(slugs) == {"arret-migration-m365", "sauvons-la-ligne-paris-granville",
                          "eau-bien-commun", closed.slug}
    assert not {campaign.slug for campaign in hidden} & set(slugs)
    first = next(item for item in body["campaigns"] if item["slug"] == "arret-migration-m365")
    assert first["url"] == "http://interpelle.test" + DEMO_CYBERACTION
    assert first["api_url"] == "http://interpelle.test/api" + DEMO_CYBERACTION
    assert first["targets"] == ["Premier ministre"]
    assert first["status"] == "published" and first["open"] is True
    assert first["opens_at"].endswith("Z")
    assert body["page"] == 1 and body["next"] is None and body["previous"] is None


def test_one_campaign_has_its_facts_and_matches_its_schema(client, database):
    body = valid(DETAIL_SCHEMA, api(client, "/api" + DEMO_PETITION).get_json())
    petition = campaign_at(DEMO_PETITION)
    assert body["title"] == petition.title
    assert body["kind"] == "petitions" and body["slug"] == petition.slug
    assert body["count"] == petition.signature_count
    assert body["participations_by_departement"] == []

    closed = valid(DETAIL_SCHEMA, api(client, "/api" + DEMO_CLOSED).get_json())
    assert closed["status"] == "closed" and closed["open"] is False
    assert closed["closed_at"].endswith("Z")


def test_unknown_or_unpublished_campaigns_are_a_json_404(client, database):
    draft = make_campaign("Un brouillon", status=Campaign.DRAFT)
    proposed = make_campaign("Une proposition", status=Campaign.PROPOSED)
    future = make_campaign("Pas encore en ligne", days_ago=-2)
    for path in [f"/api/cyberactions/{draft.slug}", f"/api/cyberactions/{proposed.slug}",
                 f"/api/cyberactions/{future.slug}", "/api/cyberactions/inconnue",
                 "/api/petitions/arret-migration-m365", "/api/autre/chose", "/api/"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found", path
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_archived_campaign_is_readable_by_its_address_but_not_listed(client, database):
    archived = make_campaign("Une campagne archivée", status=Campaign.ARCHIVED)
    body = valid(DETAIL_SCHEMA, api(client, f"/api/cyberactions/{archived.slug}").get_json())
    assert body["status"] == "archived"
    listed = api(client, "/api/campaigns").get_json()["campaigns"]
    assert archived.slug not in [item["slug"] for item in listed]


def test_participations_by_departement_fold_small_ones_into_autres(app, client, database):
    for number in range(SMALL_GROUP):
        confirmed(app, client, DEMO_CYBERACTION, email=f"paris{number}@example.net",
                  postal_code="75011", city="Paris")
    confirmed(app, client, DEMO_CYBERACTION, email="rennes@example.net", postal_code="35000",
              city="Rennes")
    confirmed(app, client, DEMO_CYBERACTION, email="caen@example.net", postal_code="14000",
              city="Caen")
    post_signature(client, DEMO_CYBERACTION, email="pending@example.net", postal_code="29200",
                   city="Brest")  # never confirmed: not counted anywhere

    body = valid(DETAIL_SCHEMA, api(client, "/api" + DEMO_CYBERACTION).get_json())

    assert body["count"] == SMALL_GROUP + 2
    assert body["participations_by_departement"] == [
        {"code": "75", "name": "Paris", "count": SMALL_GROUP},
        {"code": "autres", "name": f"Départements de moins de {SMALL_GROUP} participations",
         "count": 2},
    ]


def test_a_hidden_counter_hides_the_count_and_the_departements(app, client, database):
    confirmed(app, client, DEMO_CYBERACTION, email="paris@example.net")
    Campaign.update(hide_counter=True).where(
        Campaign.id == campaign_at(DEMO_CYBERACTION).id).execute()

    body = valid(DETAIL_SCHEMA, api(client, "/api" + DEMO_CYBERACTION).get_json())
    assert body["count"] is None and body["participations_by_departement"] is None
    listed = api(client, "/api/campaigns").get_json()["campaigns"]
    assert next(item for item in listed if item["slug"] == "arret-migration-m365")["count"] is None


def test_never_a_name_or_an_address_in_the_api(app, client, database):
    names = [("Zébulon", "Quidamovitch"), ("Philomène", "Discrétissime")]
    for number, (first, last) in enumerate(names):
        confirmed(app, client, DEMO_CYBERACTION, email=f"signataire{number}@example.net",
                  first_name=first, last_name=last)
    demo = campaign_at(DEMO_CYBERACTION)
    Comment.create(campaign=demo.id, author=None, body="Commentaire masqué X9",
                   hidden_at=utcnow())
    traces = ["@", "Quidamovitch", "Discrétissime", "Zébulon", "Philomène", "X9",
              *[target.email for target in demo.target_list]]

    for path in ["/api/campaigns", "/api" + DEMO_CYBERACTION, "/api" + DEMO_PETITION,
                 "/api" + DEMO_CLOSED]:
        text = api(client, path).get_data(as_text=True)
        assert not [trace for trace in traces if trace in text], path


def test_cors_is_open_to_every_origin_without_credentials(client, database):
    for method in ("get", "options"):
        response = getattr(client, method)("/api/campaigns",
                                           headers={"Origin": "https://autre-site.example"})
        assert response.status_code == 200, method
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in response.headers["Access-Control-Allow-Methods"]
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert "Set-Cookie" not in response.headers
    preflight = client.options("/api" + DEMO_CYBERACTION,
                               headers={"Origin": "https://autre-site.example",
                                        "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_answers_are_cached_publicly_with_an_etag(app, client, database):
    app.config["API_CACHE_SECONDS"] = 30
    first = api(client, "/api" + DEMO_CYBERACTION)
    assert first.headers["Cache-Control"] == "public, max-age=30"
    etag = first.headers["ETag"]
    again = client.get("/api" + DEMO_CYBERACTION, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"

    # Publishing changes the list's key at once: no stale list for the cache's lifetime.
    fresh = make_campaign("Tout juste publiée")
    listed = api(client, "/api/campaigns").get_json()["campaigns"]
    assert fresh.slug in [item["slug"] for item in listed]


def test_the_list_is_paginated_with_links(client, database):
    for number in range(API_PAGE_SIZE):
        make_campaign(f"Campagne numéro {number}", days_ago=2 + number)

    first = valid(LIST_SCHEMA, api(client, "/api/campaigns").get_json())
    assert len(first["campaigns"]) == API_PAGE_SIZE
    assert first["next"] == "http://interpelle.test/api/campaigns?page=2"
    assert first["previous"] is None

    second = valid(LIST_SCHEMA, api(client, "/api/campaigns?page=2").get_json())
    assert second["page"] == 2 and second["next"] is None
    assert second["previous"] == "http://interpelle.test/api/campaigns?page=1"
    seen = [item["slug"] for item in first["campaigns"] + second["campaigns"]]
    assert len(seen) == len(set(seen)) == API_PAGE_SIZE + 3  # and the three demo campaigns
    opened = [item["opens_at"] for item in first["campaigns"] + second["campaigns"]]
    assert opened == sorted(opened, reverse=True)
