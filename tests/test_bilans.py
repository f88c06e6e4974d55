"""The signatories' list: CSV for the association, PDF for the recipients."""
import datetime as dt
import io
import os
import re

import pypdf
from fontTools.ttLib import TTFont
from pypdf.generic import ContentStream

from conftest import DEMO_CYBERACTION, DEMO_PETITION, campaign_at
from models import Campaign, Signature
from services import bilans, signatories_pdf

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIRMED_ON = dt.datetime(2026, 2, 1, 23, 30)  # UTC: already 2 February in Paris
NAMES = [("Lefèvre", "François"), ("Garçon", "Cécile"), ("Œuvrard", "Cœur"),
         ("Straße", "Jürgen"), ("Łukasiewicz", "Paweł"), ("Muñoz", "Begoña"),
         ("Dupont (dit) \\ Martin", "Zoé")]


def add_signature(campaign, number, **fields):
    values = {"campaign": campaign, "email": f"s{number}@example.net",
              "email_key": f"s{number}@example.net", "last_name": f"Nom{number}",
              "first_name": "Élise", "postal_code": "35000", "city": "Rennes", "country": "FR",
              "confirm_nonce": f"{number:032d}", "status": Signature.CONFIRMED,
              "confirmed_at": CONFIRMED_ON}
    values.update(fields)
    return Signature.create(**values)


def pdf_pages(content):
    """The text of each page, as a reader copying it out of the PDF gets it."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


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


def test_pdf_names_with_accents_ligatures_and_slavic_letters_come_out_intact(database):
    campaign = campaign_at(DEMO_PETITION)
    for number, (last, first) in enumerate(NAMES):
        add_signature(campaign, number, last_name=last, first_name=first,
                      hide_identity=number % 2 == 0)
    content, count = bilans.pdf_bytes(campaign)
    assert count == len(NAMES)
    text = "\n".join(pdf_pages(content))
    for last, first in NAMES:
        assert f"{last} {first}" in text
    assert "?" not in text
    assert "@" not in text


def test_a_letter_dejavu_lacks_is_drawn_by_a_fallback_font(database):
    campaign = campaign_at(DEMO_PETITION)
    add_signature(campaign, 1, last_name="王", first_name="Wei")
    assert "王 Wei 35000 Rennes" in pdf_pages(bilans.pdf_bytes(campaign)[0])[0]


def test_the_font_comes_from_the_project_with_its_licence(database):
    campaign = campaign_at(DEMO_PETITION)
    pdf = signatories_pdf.SignatoriesPdf(campaign, 0, bilans.PDF_COLUMNS, ["Pétition", "0"])
    fonts = os.path.join(PROJECT_ROOT, "fonts")
    assert os.path.samefile(pdf.font_path, os.path.join(fonts, "DejaVuSans.ttf"))
    assert TTFont(pdf.font_path)["name"].getDebugName(1) == "DejaVu Sans"
    for style in pdf.fonts.values():
        assert os.path.dirname(os.path.abspath(style.ttffile)) == fonts
    licence = open(os.path.join(fonts, "LICENSE-DejaVu.txt"), encoding="utf-8").read()
    assert "Bitstream Vera" in licence and "Permission is hereby granted" in licence


def test_pdf_first_page_has_title_dates_and_count_then_every_confirmed_row(database):
    campaign = campaign_at(DEMO_PETITION)
    Campaign.update(opens_at=dt.datetime(2026, 1, 5, 9, 0), status=Campaign.CLOSED,
                    closed_at=dt.datetime(2026, 3, 31, 22, 30)).where(
        Campaign.id == campaign.id).execute()
    campaign = Campaign.get_by_id(campaign.id)
    add_signature(campaign, 1, last_name="Visible", profession="Boulangère")
    add_signature(campaign, 2, last_name="Cachée", hide_identity=True, country="BE", city="Liège")
    add_signature(campaign, 3, last_name="Attente", status=Signature.PENDING)
    (first,) = pdf_pages(bilans.pdf_bytes(campaign)[0])
    lines = first.splitlines()
    assert lines[0] == campaign.title
    assert "En ligne depuis le 05/01/2026 · close le 01/04/2026" in lines  # Paris days
    assert "2 signataires" in lines
    assert "Nom Prénom Code postal Commune Profession Date" in lines
    assert "Visible Élise 35000 Rennes Boulangère 02/02/2026" in lines
    assert "Cachée Élise 35000 Liège (Belgique) 02/02/2026" in lines
    assert "Attente" not in first
    assert lines[-1].endswith("Page 1 / 1")


def test_pdf_repeats_the_column_labels_and_numbers_every_page(database):
    campaign = campaign_at(DEMO_CYBERACTION)
    for number in range(160):
        add_signature(campaign, number)
    content, count = bilans.pdf_bytes(campaign)
    pages = pdf_pages(content)
    assert count == 160 and len(pages) >= 3
    rows = re.findall(r"^Nom(\d+) Élise 35000 Rennes 02/02/2026$", "\n".join(pages), re.M)
    assert [int(number) for number in rows] == list(range(160))
    for index, text in enumerate(pages, start=1):
        assert "Nom Prénom Code postal Commune Profession Date" in text
        assert text.rstrip().endswith(f"Page {index} / {len(pages)}")


def test_the_number_of_pages_is_right_when_the_last_row_fills_a_page(database, tmp_path):
    campaign = campaign_at(DEMO_CYBERACTION)
    first_page_rows = len(pdf_rows(campaign, 200)[0])
    for count in (first_page_rows, first_page_rows + 1):
        Signature.delete().execute()
        pages = pdf_rows(campaign, count)
        assert sum(len(rows) for rows in pages) == count
        assert len(pages) == (1 if count == first_page_rows else 2)


def pdf_rows(campaign, count):
    """Fill the campaign with `count` signatories; the rows of each page of its PDF."""
    Signature.insert_many([{
        "campaign": campaign.id, "email": f"s{number}@example.net",
        "email_key": f"s{number}@example.net", "last_name": f"Nom{number}", "first_name": "Élise",
        "postal_code": "35000", "city": "Rennes", "country": "FR",
        "confirm_nonce": f"{number:032d}", "status": Signature.CONFIRMED,
        "confirmed_at": CONFIRMED_ON} for number in range(count)]).execute()
    pages = pdf_pages(bilans.pdf_bytes(campaign)[0])
    for index, text in enumerate(pages, start=1):
        assert text.rstrip().endswith(f"Page {index} / {len(pages)}")
    return [re.findall(r"^Nom\d+ ", text, re.M) for text in pages]


def test_long_values_are_cut_with_an_ellipsis_inside_their_column(database):
    campaign = campaign_at(DEMO_PETITION)
    long_values = ["De La Roche-Foucauld-Montmorency-Laval-Bois-Dauphin", "Marie-Thérèse-Ghislaine",
                   "Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson",
                   "Professeure des écoles spécialisée"]
    add_signature(campaign, 1, last_name=long_values[0], first_name=long_values[1],
                  city=long_values[2], profession=long_values[3])
    page = pypdf.PdfReader(io.BytesIO(bilans.pdf_bytes(campaign)[0])).pages[0]
    line = next(text for text in page.extract_text().splitlines() if text.startswith("De La"))
    cut = re.fullmatch(r"(De La \S+…) (Marie\S+…) 35000 (Saint\S+…) (Professeure .+…) 02/02/2026",
                       line)
    assert cut is not None, line
    nom, prenom, commune, profession = cut.groups()
    for value, original in zip(cut.groups(), long_values):
        assert original.startswith(value[:-1])
    starts = column_starts(page)
    regular = TTFont(os.path.join(PROJECT_ROOT, "fonts", "DejaVuSans.ttf"))
    for value, column in ((nom, 0), (prenom, 1), (commune, 3), (profession, 4)):
        assert starts[column] + text_width(regular, value, 8.5) < starts[column + 1]


def column_starts(page):
    """Where the text of each column of the first row starts, in points, read from the
    page's own operators: one text object per row, moved column to column by Td."""
    for moves in row_text_objects(page):
        starts = []
        for move in moves:
            starts.append(float(move) + (starts[-1] if starts else 0))
        return starts
    raise AssertionError("no row of six values on the page")


def row_text_objects(page):
    """The x moves (Td) of each text object that shows six strings: one per row."""
    moves, shown = [], 0
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"BT":
            moves, shown = [], 0
        elif operator == b"Td":
            moves.append(operands[0])
        elif operator == b"Tj":
            shown += 1
        elif operator == b"ET" and shown == 6:
            yield moves


def text_width(font, text, size):
    """Points a string takes, from the font file's own advance widths."""
    cmap, metrics = font.getBestCmap(), font["hmtx"]
    units = sum(metrics[cmap[ord(char)]][0] for char in text)
    return units * size / font["head"].unitsPerEm


def test_export_command_writes_the_file(runner, database, tmp_path):
    add_signature(campaign_at(DEMO_CYBERACTION), 1)
    output = tmp_path / "out.csv"
    result = runner.invoke(args=["export-signatures", "cyberactions", "arret-migration-m365",
                                 "--output", str(output)])
    assert "1 signataire(s)" in result.output
    assert "Nom1;Élise" in output.read_text(encoding="utf-8")
    unknown = runner.invoke(args=["export-signatures", "petitions", "nope", "--output", str(output)])
    assert unknown.exit_code != 0 and "Campagne inconnue" in unknown.output


def test_export_command_writes_the_pdf(runner, database, tmp_path):
    add_signature(campaign_at(DEMO_PETITION), 1, last_name="Œuvrard", hide_identity=True)
    output = tmp_path / "signataires.pdf"
    result = runner.invoke(args=["export-signatures", "petitions",
                                 "sauvons-la-ligne-paris-granville", "--format", "pdf",
                                 "--output", str(output)])
    assert result.exit_code == 0 and "1 signataire(s)" in result.output
    assert "Œuvrard Élise 35000 Rennes" in pdf_pages(output.read_bytes())[0]
