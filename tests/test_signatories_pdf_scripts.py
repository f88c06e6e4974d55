"""The signatories' PDF draws names in every script the sign-up forms accept."""
import io
import os
import re

import pypdf
from fontTools.ttLib import TTFont

from conftest import DEMO_PETITION, campaign_at
from models import Signature
from services import bilans, signatories_pdf

PROJECT_FONTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fonts")
LEFT_TO_RIGHT = {
    "devanagari": ("शर्मा", "अनिल"),
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
    content, _ = bilans.pdf_bytes(campaign)
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


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
    """pypdf reads right-to-left glyphs back to front: drawn in visual order, the names come
    out as they were typed (drawn in typing order, they would come out reversed), and
    Arabic's joined forms as their plain letters."""
    text = pdf_text(signed_by(RIGHT_TO_LEFT.values()))
    for script, (last, first) in RIGHT_TO_LEFT.items():
        # The two columns side by side, read right to left: the first name, then the last.
        assert f"{first}{last} 35000 Rennes" in text, script
    assert "?" not in text


def visual(text):
    glyphs = [signatories_pdf.Glyph(char, None, char) for char in text]
    return "".join(glyph.shown for glyph in signatories_pdf.visual_order(glyphs))


def test_right_to_left_text_is_drawn_in_visual_order():
    assert visual("Lefèvre") == "Lefèvre"
    assert visual("כהן") == "ןהכ"
    assert visual("כהן 2 Paris") == "Paris 2 ןהכ"  # Latin words and numbers stay left to right
    assert visual("שרה (12)") == "(12) הרש"  # brackets mirrored
    assert visual("Ali محمد") == "Ali دمحم"
    assert visual("محمد 12 علي") == "يلع 12 دمحم"


def test_arabic_letters_take_their_joined_forms(database):
    campaign = campaign_at(DEMO_PETITION)
    pdf = signatories_pdf.SignatoriesPdf(campaign, 0, bilans.PDF_COLUMNS, ["Pétition", "0"])
    dejavu = pdf.fonts["dejavu"]

    def joined(text):
        glyphs = [signatories_pdf.Glyph(char, dejavu, char) for char in text]
        return [(glyph.text, glyph.shown) for glyph in signatories_pdf.arabic_joined(glyphs)]

    # Initial, medial, medial, final.
    assert joined("محمد") == [("م", "\ufee3"), ("ح", "\ufea4"), ("م", "\ufee4"), ("د", "\ufeaa")]
    # Lam-alef as one ligature; alef does not join to the left, so the last lam stands alone.
    assert joined("بلال") == [("ب", "\ufe91"), ("لا", "\ufefc"), ("ل", "\ufedd")]


def test_a_long_name_in_another_script_is_cut_inside_its_column(database):
    long_name = "王" * 40
    campaign = signed_by([(long_name, "小明")])
    line = next(line for line in pdf_text(campaign).splitlines() if line.startswith("王"))
    cut = re.fullmatch(r"(王+…) 小明 35000 Rennes \S+", line)
    assert cut is not None, line
    column = signatories_pdf.WIDTHS[0] - 2 * signatories_pdf.PADDING  # millimetres
    assert points(cut.group(1), signatories_pdf.ROW_FONT_SIZE) * 25.4 / 72 <= column
    assert len(cut.group(1)) > 10  # cut by the ideographs' real width, not DejaVu's


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
