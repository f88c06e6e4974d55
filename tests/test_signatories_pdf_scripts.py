"""The signatories' PDF draws names in every script the sign-up forms accept."""
import io
import os
import re
import shutil
import subprocess
import unicodedata

import pypdf
import pytest
import uharfbuzz
from fontTools.ttLib import TTFont
from pypdf.generic import ContentStream

from conftest import DEMO_PETITION, campaign_at
from models import Signature
from services import bilans, signatories_pdf

PROJECT_FONTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fonts")
LEFT_TO_RIGHT = {
    "devanagari": ("शर्मा", "अनिल"),  # ि in नि is drawn before its consonant
    "thai": ("ใจดี", "สมชาย"),
    "chinese": ("王", "小明"),
    "japanese": ("山田", "はなこ"),
    "korean": ("김", "민준"),
    "latin and cjk": ("Dupont-山本", "Yuki 雪"),
}
RIGHT_TO_LEFT = {
    "arabic": ("محمد", "بلال"),  # lam-alef: one ligature, copied out as its two letters
    "hebrew": ("כהן", "שרה"),
}


def add_signature(campaign, number, last_name, first_name, **fields):
    return Signature.create(
        campaign=campaign, email=f"s{number}@example.net", email_key=f"s{number}@example.net",
        last_name=last_name, first_name=first_name, postal_code="35000", city="Rennes",
        country="FR", confirm_nonce=f"{number:032d}", status=Signature.CONFIRMED, **fields)


def pdf_text(campaign):
    """The text pypdf reads, less the codes of the glyphs that stand for no letter (a consonant
    whose vowel sign, drawn before it, carries both letters): the PDF maps them to no text,
    and pypdf writes their raw codes, control characters, where a reader writes nothing."""
    content, _ = bilans.pdf_bytes(campaign)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    return re.sub("[\x00-\x09\x0b-\x1f]", "", text)


def signed_by(names):
    campaign = campaign_at(DEMO_PETITION)
    for number, (last, first) in enumerate(names):
        add_signature(campaign, number, last, first)
    return campaign


def test_names_in_other_scripts_are_drawn_not_replaced_by_question_marks(database):
    text = pdf_text(signed_by(LEFT_TO_RIGHT.values()))
    for script, (last, first) in LEFT_TO_RIGHT.items():
        assert f"{last} {first} 35000 Rennes" in text, script
    assert "?" not in text


def test_right_to_left_names_copy_out_as_typed(database):
    """pypdf reads right-to-left glyphs back to front: drawn in visual order, each name comes
    out as it was typed (drawn in typing order, it would come out reversed), and Arabic's
    joined forms as their plain letters."""
    text = pdf_text(signed_by(RIGHT_TO_LEFT.values()))
    for script, (last, first) in RIGHT_TO_LEFT.items():
        assert f"{last}{first} 35000 Rennes" in text, script
    assert "?" not in text


def test_indic_vowel_signs_are_drawn_before_their_consonant_as_harfbuzz_shapes_them(database):
    """In अनिल and किरण the vowel sign ि is typed after its consonant and drawn before it;
    letter by letter, in typing order, it would stand after the consonant."""
    content, _ = bilans.pdf_bytes(signed_by([("किरण", "अनिल")]))
    drawn = drawn_outlines(content, "NotoSansDevanagari")
    for name in ("किरण", "अनिल"):
        shaped = harfbuzz_outlines(name, "NotoSansDevanagari-Regular.ttf")
        assert shaped != cmap_outlines(name, "NotoSansDevanagari-Regular.ttf")
        assert contains(drawn, shaped), name


def test_arabic_letters_are_drawn_joined_as_harfbuzz_shapes_them(database):
    """Initial, medial and final forms, and lam-alef as one ligature: DejaVu Sans' own."""
    content, _ = bilans.pdf_bytes(signed_by([("محمد", "بلال")]))
    drawn = drawn_outlines(content, "DejaVuSans")
    for name in ("محمد", "بلال"):
        shaped = harfbuzz_outlines(name, "DejaVuSans.ttf")
        assert shaped != cmap_outlines(name[::-1], "DejaVuSans.ttf")  # not letters apart
        assert contains(drawn, shaped), name


def test_indic_names_copy_out_whole_in_a_reader_that_follows_actual_text(database, tmp_path):
    """Poppler (pdftotext) reads each shaped cell's ActualText: the names as they were typed."""
    if shutil.which("pdftotext") is None:
        pytest.skip("Poppler's pdftotext is not installed (apt-get install poppler-utils)")
    output = tmp_path / "signataires.pdf"
    output.write_bytes(bilans.pdf_bytes(signed_by([("किरण", "अनिल"), ("शर्मा", "ใจดี")]))[0])
    text = subprocess.run(["pdftotext", str(output), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert {"किरण", "अनिल", "शर्मा", "ใจดี"} <= set(text.split())


def test_a_long_name_in_another_script_is_cut_inside_its_column(database):
    long_name = "王" * 40
    campaign = signed_by([(long_name, "小明")])
    line = next(line for line in pdf_text(campaign).splitlines() if line.startswith("王"))
    cut = re.fullmatch(r"(王+…) 小明 35000 Rennes \S+", line)
    assert cut is not None, line
    column = signatories_pdf.WIDTHS[0] - 2 * signatories_pdf.PADDING  # millimetres
    assert points(cut.group(1), signatories_pdf.ROW_FONT_SIZE) * 25.4 / 72 <= column
    assert len(cut.group(1)) > 10  # cut by the ideographs' real width, not DejaVu's


def test_a_long_indic_name_is_cut_between_letters_not_inside_one(database):
    """Not before a vowel sign, nor after a virama, whose consonant joins the next."""
    long_name = "शर्मा" * 12
    text = pdf_text(signed_by([(long_name, "अनिल")]))
    cut = re.search(r"^(\S+)… अनिल 35000", text, re.M).group(1)
    assert long_name.startswith(cut) and 10 < len(cut) < len(long_name)
    following = long_name[len(cut)]
    assert not unicodedata.category(following).startswith("M") and cut[-1] != "\u094d"


def test_a_name_repeated_on_later_pages_is_drawn_on_each(database):
    """A cell is encoded once and reused: every page lists the fallback fonts it may use."""
    campaign = signed_by([(f"Nom{number}", "小明") for number in range(160)])
    content, _ = bilans.pdf_bytes(campaign)
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    assert len(pages) >= 3
    for page in pages:
        assert "/Font" in page["/Resources"]
        text = page.extract_text()
        assert len(re.findall(r"^Nom\d+ 小明 35000", text, re.M)) > 10
        assert "?" not in text


def test_names_dejavu_draws_read_no_other_font(database):
    campaign = signed_by([("Lefèvre", "François"), ("Łukasiewicz", "Paweł")])
    pdf = signatories_pdf.SignatoriesPdf(campaign, 2, bilans.PDF_COLUMNS, ["Pétition", "2"])
    for signature in bilans.confirmed_signatures(campaign):
        pdf.add_row(bilans.pdf_row(signature))
    pdf.output(io.BytesIO())
    assert {os.path.basename(font.ttffile) for font in pdf.fonts.values()} == {
        "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}


def test_the_fallback_fonts_come_from_the_project_with_their_licences(database):
    campaign = signed_by(list(LEFT_TO_RIGHT.values()) + list(RIGHT_TO_LEFT.values()))
    pdf = signatories_pdf.SignatoriesPdf(campaign, 8, bilans.PDF_COLUMNS, ["Pétition", "8"])
    for signature in bilans.confirmed_signatures(campaign):
        pdf.add_row(bilans.pdf_row(signature))
    content = io.BytesIO()
    pdf.output(content)
    used = {os.path.basename(font.ttffile) for font in pdf.fonts.values()}
    assert {"NotoSansDevanagari-Regular.ttf", "NotoSansThai-Regular.ttf",
            "DroidSansFallbackFull.ttf", "NanumGothic.ttf"} <= used
    for font in pdf.fonts.values():
        assert os.path.dirname(os.path.abspath(font.ttffile)) == PROJECT_FONTS
    for name, words in (("LICENSE-Noto.txt", "SIL Open Font License"),
                        ("LICENSE-Nanum.txt", "SIL Open Font License"),
                        ("LICENSE-DroidSansFallback.txt", "Apache License")):
        assert words in open(os.path.join(PROJECT_FONTS, name), encoding="utf-8").read()
    # The fonts are embedded as subsets: the CJK font alone is 4 MB.
    assert len(content.getvalue()) < 150_000


def test_a_letter_no_font_has_still_shows_as_a_question_mark(database):
    text = pdf_text(signed_by([("\U0001fa77", "Wei")]))  # a heart no font here draws
    assert "? Wei 35000 Rennes" in text


def points(text, size):
    """The width of a string in points, each character in the first shipped font that has
    it, in the order the PDF tries them."""
    files = ["DejaVuSans.ttf"] + [name for name, _ in signatories_pdf.FALLBACKS]
    fonts = [TTFont(os.path.join(PROJECT_FONTS, name), lazy=True) for name in files]
    total = 0
    for char in text:
        font = next(font for font in fonts if ord(char) in font.getBestCmap())
        glyph = font.getBestCmap()[ord(char)]
        total += font["hmtx"][glyph][0] * size / font["head"].unitsPerEm
    return total


def drawn_outlines(content, font_name):
    """The outline of each glyph the first page draws in the font, in the order drawn."""
    page = pypdf.PdfReader(io.BytesIO(content)).pages[0]
    fonts = {key: font.get_object() for key, font in page["/Resources"]["/Font"].items()}
    current, saved, drawn = None, [], []
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"Tf":
            current = fonts[operands[0]]
        elif operator == b"q":  # the font belongs to the graphics state q saves, Q restores
            saved.append(current)
        elif operator == b"Q":
            current = saved.pop()
        elif operator == b"Tj" and font_name in current["/BaseFont"]:
            codes = operands[0].original_bytes
            drawn += [embedded_outline(current, int.from_bytes(codes[index:index + 2], "big"))
                      for index in range(0, len(codes), 2)]
    return drawn


def embedded_outline(font, code):
    """The outline of the glyph a code stands for in a font the PDF embeds (a subset)."""
    descendant = font["/DescendantFonts"][0].get_object()
    embedded = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_data()))
    glyph_ids = descendant["/CIDToGIDMap"].get_data()
    return outline(embedded, embedded.getGlyphName(
        int.from_bytes(glyph_ids[2 * code:2 * code + 2], "big")))


def harfbuzz_outlines(text, file_name):
    """The glyphs HarfBuzz draws for the text, in visual order."""
    path = os.path.join(PROJECT_FONTS, file_name)
    buffer = uharfbuzz.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    uharfbuzz.shape(uharfbuzz.Font(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(path))), buffer)
    font = TTFont(path)
    return [outline(font, font.getGlyphName(info.codepoint)) for info in buffer.glyph_infos]


def cmap_outlines(text, file_name):
    """The glyphs of the letters one by one, in the order given."""
    font = TTFont(os.path.join(PROJECT_FONTS, file_name))
    return [outline(font, font.getBestCmap()[ord(char)]) for char in text]


def outline(font, glyph_name):
    """A glyph's points: the same in the whole font and in the PDF's subset of it."""
    coordinates, ends, _ = font["glyf"][glyph_name].getCoordinates(font["glyf"])
    return tuple(coordinates), tuple(ends)


def contains(sequence, part):
    return any(sequence[start:start + len(part)] == part for start in range(len(sequence)))
