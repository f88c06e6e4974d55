"""The signatories' list: CSV for the association, PDF for the recipients."""
import io
import re

from conftest import DEMO_CYBERACTION, campaign_at
from models import Signature
from services import bilans


def add_signature(campaign, number, **fields):
    values = {"campaign": campaign, "email": f"s{number}@example.net",
              "email_key": f"s{number}@example.net", "last_name": f"Nom{number}",
              "first_name": "Élise", "postal_code": "35000", "city": "Rennes", "country": "FR",
              "confirm_nonce": f"{number:032d}", "status": Signature.CONFIRMED}
    values.update(fields)
    return Signature.create(**values)


def test_csv_lists_confirmed_signers_hidden_ones_included(database):
    campaign = campaign_at(DEMO_CYBERACTION)
    add_signature(campaign, 1, hide_identity=True)
    add_signature(campaign, 2, status=Signature.PENDING)
    add_signature(campaign, 3, profession="=HYPERLINK(1)", country="BE", city="Liège")
    stream = io.StringIO()
    assert bilans.write_csv(campaign, stream) == 2
    lines = stream.getvalue().lstrip("\ufeff").splitlines()
    assert lines[0] == "Nom;Prénom;Code postal;Commune;Profession"
    assert lines[1] == "Nom1;Élise;35000;Rennes;"
    assert lines[2] == "Nom3;Élise;35000;Liège (Belgique);'=HYPERLINK(1)"
    assert "s1@example.net" not in stream.getvalue()


def test_pdf_holds_every_signatory_over_several_pages(database, tmp_path):
    campaign = campaign_at(DEMO_CYBERACTION)
    for number in range(120):
        add_signature(campaign, number)
    path = tmp_path / "signataires.pdf"
    assert bilans.write_pdf(campaign, str(path)) == 120
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", content)) >= 3


def test_export_command_writes_the_file(runner, database, tmp_path):
    add_signature(campaign_at(DEMO_CYBERACTION), 1)
    output = tmp_path / "out.csv"
    result = runner.invoke(args=["export-signatures", "cyberactions", "arret-migration-m365",
                                 "--output", str(output)])
    assert "1 signataire(s)" in result.output
    assert "Nom1;Élise" in output.read_text(encoding="utf-8")
    unknown = runner.invoke(args=["export-signatures", "petitions", "nope", "--output", str(output)])
    assert unknown.exit_code != 0 and "Campagne inconnue" in unknown.output
