"""Hostile and broken input: a field error every time, never a 500, never reflected raw."""
import re

import pytest

from conftest import post_signature
from models import Signature

REQUIRED_FIELDS = ["last_name", "first_name", "email", "postal_code", "city"]
OPTIONAL_FIELDS = ["profession", "address"]
LIMITS = {"last_name": 100, "first_name": 100, "email": 254, "postal_code": 10,
          "city": 100, "profession": 100, "address": 200}

HOSTILE = {
    "html": '<b onmouseover="alert(1)">Durand</b>',
    "script": "<script>alert('x')</script>",
    "control": "Dur\x00and\x1b[31m",
    "bidi": "Dur\u202eand",
    "formula": "=HYPERLINK(\"http://evil.example\")",
    "template": "{{ config.SECRET_KEY }}",
}


def field_errors(html, field):
    block = re.search(rf'<div class="field has-error">\s*<label for="{field}".*?</div>', html, re.S)
    return block.group(0) if block else ""


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
def test_required_field_left_empty_gets_a_field_error(htmx, database, field):
    response = post_signature(htmx, **{field: "  "})
    assert response.status_code == 422
    assert "Ce champ est obligatoire." in field_errors(response.get_data(as_text=True), field)
    assert Signature.select().count() == 0


@pytest.mark.parametrize("field", REQUIRED_FIELDS + OPTIONAL_FIELDS)
def test_over_long_value_gets_a_field_error(htmx, database, field):
    too_long = "a" * (LIMITS[field] + 1) if field != "email" else "a" * 250 + "@example.net"
    response = post_signature(htmx, **{field: too_long})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), field)
    assert Signature.select().count() == 0


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("field", REQUIRED_FIELDS + OPTIONAL_FIELDS)
def test_hostile_value_gets_a_field_error_and_is_escaped(htmx, database, field, payload):
    response = post_signature(htmx, **{field: payload})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, field), f"no error shown for {field}"
    assert "<script>alert" not in html and "<b onmouseover" not in html
    assert "test-secret-key" not in html
    assert Signature.select().count() == 0


def test_unknown_country_gets_a_field_error(htmx, database):
    response = post_signature(htmx, country="XX")
    assert response.status_code == 422
    assert "Choisissez un pays dans la liste." in response.get_data(as_text=True)


def test_foreign_postal_code_is_not_held_to_french_rules(htmx, database):
    response = post_signature(htmx, country="BE", postal_code="1000", city="Bruxelles")
    assert response.status_code == 200
    assert Signature.get().country == "BE"


def test_accented_and_compound_names_are_accepted(htmx, database):
    response = post_signature(htmx, last_name="N'Diaye-Lefèvre", first_name="Jean-Éric",
                              city="Saint-Étienne-du-Rouvray")
    assert response.status_code == 200


def test_email_domain_is_normalised_and_kept(htmx, database):
    post_signature(htmx, email="  Helene.Durand@EXAMPLE.NET ")
    signature = Signature.get()
    assert signature.email == "Helene.Durand@example.net"
    assert signature.email_key == "helene.durand@example.net"


def test_accented_local_part_is_refused_in_french_and_the_form_kept(htmx, database):
    response = post_signature(htmx, email="josé@exemple.fr")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Les lettres accentuées ne sont pas acceptées avant le « @ »" in html
    assert 'value="Durand"' in html
    assert Signature.select().count() == 0


def test_internationalised_domain_is_stored_in_its_ascii_form(htmx, database):
    assert post_signature(htmx, email="helene@exemple-éco.fr").status_code == 200
    assert Signature.get().email == "helene@xn--exemple-co-i7a.fr"
