"""The PDF of signatories that goes to a campaign's recipients (fpdf2, DejaVu Sans).

A campaign that went viral has a hundred thousand signatories or more, so the
rows do not go through fpdf2's `cell()` (a tenth of a millisecond each, six per
row): each row is one text object written with the font's own encoder, and each
finished page is compressed at once, so memory stays flat whatever the count.
The layout is fixed, so the number of pages is known before the first footer.

A value in a script DejaVu Sans lacks (Devanagari, Thai, Chinese, Korean…) or
written right to left leaves that path: fpdf2's `cell()` draws it, with fpdf2's
Unicode bidirectional algorithm and HarfBuzz's shaping (uharfbuzz), each letter
in the first fallback font that has it; a fallback is read only when a name
needs it, and a drawing is kept for the next row with the same value.
"""
import bisect
import logging
import math
import os
import re
import unicodedata
import zlib
from operator import add

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import PDFResourceType, XPos
from fpdf.output import OutputProducer
from fpdf.syntax import Name

# The project's copy first: a fresh machine has no DejaVu, and no other font
# draws every name (Helvetica stops at Latin-1).
PROJECT_FONTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fonts")
FONT_DIRS = [PROJECT_FONTS, "/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu"]
FONT = "DejaVu"
REGULAR_FILE = "DejaVuSans.ttf"
BOLD_FILE = "DejaVuSans-Bold.ttf"

# For the letters DejaVu Sans lacks, tried in this order. Hangul comes before the CJK font,
# which has only three of its syllables; the Korean font is kept to Hangul, so that Chinese
# names are not drawn half in one font and half in another.
HANGUL = (range(0x1100, 0x1200), range(0x3130, 0x3190), range(0xA960, 0xA980),
          range(0xAC00, 0xD7B0), range(0xD7B0, 0xD800))
FALLBACKS = tuple((f"NotoSans{script}-Regular.ttf", None) for script in (
    "Arabic", "Hebrew", "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil",
    "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai", "Lao", "Khmer", "Myanmar",
    "Armenian", "Georgian", "Ethiopic")) + (
    ("NanumGothic.ttf", HANGUL),
    ("DroidSansFallbackFull.ttf", None),
)
FALLBACK_DIRS = [PROJECT_FONTS, "/usr/share/fonts/truetype/noto",
                 "/usr/share/fonts/truetype/nanum", "/usr/share/fonts/truetype/droid"]

# The font subsetter's INFO lines list the glyphs used: the letters of the signers' names.
logging.getLogger("fontTools").setLevel(logging.WARNING)
# Nanum Gothic carries its hinting sources (TSI* tables), which the subsetter drops, warning.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

# A4 portrait, in millimetres.
MARGIN = 12
TOP = 12
ROWS_END = 297 - 16  # the footer lives below
ROW_HEIGHT = 5.0
PADDING = 1.2
ROW_FONT_SIZE = 8.5
LABEL_HEIGHT = 6.0
CONTINUED_TITLE_HEIGHT = 6.0
# Nom, Prénom, Code postal, Commune, Profession, Date: 186 mm between the margins.
WIDTHS = (36, 31, 23, 41, 35, 20)
STRIPE_GREY = 0.94
CELL_CACHE_SIZE = 20_000
DRAWING_CACHE_SIZE = 5_000  # a shaped cell's operators take a kilobyte or so
ELLIPSIS = "…"
# A cell DejaVu Sans cannot draw on its own, in the cache of encoded cells.
SHAPED = object()
# Bidirectional text: DejaVu Sans has Hebrew and Arabic letters, not their order.
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
JOINERS = "\u200c\u200d"
VIRAMA = 9  # the canonical combining class of the Indic viramas


class FontMissing(RuntimeError):
    """DejaVu Sans is neither in the project's fonts/ folder nor on the system."""


def font_file(name):
    """The first copy of a DejaVu file: the project's, else the system's."""
    path = first_copy(name, FONT_DIRS)
    if path is None:
        raise FontMissing(f"{name} introuvable (cherché dans {', '.join(FONT_DIRS)})")
    return path


def first_copy(name, folders):
    for folder in folders:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    return None


# What each fallback draws, read once per process from its character map alone; a missing
# file draws nothing, and its letters stay "?".
_coverage = {}
_fallback_of = {}


def fallback_for(codepoint):
    """The file name of the first fallback that draws this character, or None."""
    try:
        return _fallback_of[codepoint]
    except KeyError:
        found = next((name for name, _ in FALLBACKS if codepoint in coverage(name)), None)
        _fallback_of[codepoint] = found
        return found


def coverage(name):
    chars = _coverage.get(name)
    if chars is None:
        path = first_copy(name, FALLBACK_DIRS)
        chars = frozenset(TTFont(path, lazy=True).getBestCmap()) if path else frozenset()
        ranges = dict(FALLBACKS)[name]
        if ranges:
            chars = frozenset(char for char in chars if any(char in part for part in ranges))
        _coverage[name] = chars
    return chars


class SignatoriesPdf(FPDF):
    """A4, one line per signatory, the column labels and page numbers on every page.

    `count` (the rows that will be added) fixes the number of pages in advance.
    `summary` holds the lines under the title on the first page.
    """

    def __init__(self, campaign, count, columns, summary):
        super().__init__(format="A4")
        self.campaign = campaign
        self.count = count
        self.columns = columns
        self.summary = summary
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(False)  # add_row breaks pages itself, at a fixed place
        self.alias_nb_pages(None)  # the total is known: no placeholder to replace in packed pages
        self.add_font(FONT, fname=font_file(REGULAR_FILE))
        self.add_font(FONT, style="B", fname=font_file(BOLD_FILE))
        self.font_path = self.fonts[FONT.lower()].ttffile
        self._fallbacks = {}
        self.total_pages = 1
        self.rows_left = 0
        self.rows_on_page = 0
        self.packed = set()
        self._row_font = None
        self._cells = {}
        self._drawings = {}
        self._starts = {}
        # Text moves from column to column by each one's width.
        self._steps = [""] + [f"{width * self.k:.2f} 0 Td " for width in WIDTHS[:-1]]
        self.add_page()

    # Page furniture ------------------------------------------------------------------

    def header(self):
        if self.page == 1:
            self._first_page_header()
        else:
            self._continued_header()
        self._column_labels()
        self._list_fallbacks_on_page()
        self.rows_left = self._rows_fitting()
        self.rows_on_page = 0
        if self.page == 1:
            self.total_pages = 1 + math.ceil(max(0, self.count - self.rows_left)
                                             / self._continued_capacity())

    def _first_page_header(self):
        self.set_font(FONT, "B", 15)
        self.multi_cell(0, 7, self.campaign.title, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)
        self.set_font(FONT, size=10)
        for line in self.summary[:-1]:
            self.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "B", 11)
        self.cell(0, 7, self.summary[-1], new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def _continued_header(self):
        self.set_font(FONT, "B", 10)
        self.cell(0, CONTINUED_TITLE_HEIGHT, self.fit(self.campaign.title, self.epw),
                  new_x="LMARGIN", new_y="NEXT")

    def _continued_capacity(self):
        """Rows on every page after the first: the same short header on each."""
        return int((ROWS_END - TOP - CONTINUED_TITLE_HEIGHT - LABEL_HEIGHT) // ROW_HEIGHT)

    def _column_labels(self):
        self.set_font(FONT, "B", 8.5)
        self.set_fill_color(225)
        self.rect(self.l_margin, self.y, self.epw, LABEL_HEIGHT, style="F")
        self.line(self.l_margin, self.y + LABEL_HEIGHT, self.l_margin + self.epw,
                  self.y + LABEL_HEIGHT)
        for label, width in zip(self.columns, WIDTHS):
            self.cell(width, LABEL_HEIGHT, self.fit(label, width))
        self.ln(LABEL_HEIGHT)

    def _rows_fitting(self):
        return int((ROWS_END - self.y) // ROW_HEIGHT)

    def footer(self):
        self.set_y(ROWS_END + 4)
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        self.cell(self.epw - 30, 5, self.fit(f"Liste des signataires · {self.campaign.title}",
                                             self.epw - 30))
        self.cell(30, 5, f"Page {self.page} / {self.total_pages}", align="R")
        self.set_text_color(0)

    # Rows -------------------------------------------------------------------------------

    def add_row(self, values):
        """One signatory: each value cut to its column, every other row on a grey stripe."""
        if self.rows_left == 0:
            self._next_page()
        font = self._row_font or self._select_row_font()
        cells = [self._encoded_cell(font, value, width) for value, width in zip(values, WIDTHS)]
        if SHAPED in cells:
            self._shaped_row(values, cells)
        else:
            self._out(f"{self._row_start(font)} {' '.join(map(add, self._steps, cells))} ET Q")
        self.y += ROW_HEIGHT
        self.rows_left -= 1
        self.rows_on_page += 1

    def _row_start(self, font):
        """Save the state, draw the stripe, open the text at the row's baseline. Rows sit
        at the same heights on every page: each start is formatted once."""
        striped = self._striped()
        key = (round(self.y, 3), striped)
        start = self._starts.get(key)
        if start is None:
            top = self.h - self.y  # PDF coordinates run up from the bottom of the page
            stripe = (f"{STRIPE_GREY} g {self.l_margin * self.k:.2f} "
                      f"{(top - ROW_HEIGHT) * self.k:.2f} {self.epw * self.k:.2f} "
                      f"{ROW_HEIGHT * self.k:.2f} re f " if striped else "")
            start = self._starts[key] = (
                f"q {stripe}0 g BT /F{font.i} {ROW_FONT_SIZE:.2f} Tf "
                f"{(self.l_margin + PADDING) * self.k:.2f} {self._baseline():.2f} Td")
        return start

    def _striped(self):
        return self.rows_on_page % 2 == 1

    def _baseline(self):
        """The row's baseline in PDF coordinates, which run up from the bottom of the page."""
        return (self.h - self.y - ROW_HEIGHT / 2 - 0.3 * ROW_FONT_SIZE / self.k) * self.k

    def _encoded_cell(self, font, value, width):
        """The text operator for one value, or SHAPED; towns, first names, professions and
        dates repeat, and fitting then encoding them is most of the time a row takes."""
        key = (value, width)
        encoded = self._cells.get(key)
        if encoded is None:
            if len(self._cells) >= CELL_CACHE_SIZE:
                self._cells.clear()  # bounded: a list of unique names must not fill memory
            text = one_line(value)
            if self._row_chars.issuperset(text) and not RIGHT_TO_LEFT.search(text):
                encoded = font.encode_text(self.fit(text, width, font, ROW_FONT_SIZE))
            else:
                encoded = SHAPED
            self._cells[key] = encoded
        return encoded

    def _select_row_font(self):
        """The regular face; the footer also draws with it, which lists it on every page."""
        self._row_font = self.fonts[FONT.lower()]
        self._row_chars = frozenset(map(chr, self._row_font.glyph_ids))
        return self._row_font

    # Rows in other scripts: fpdf2 draws them, shaped by HarfBuzz ---------------------------

    def _shaped_row(self, values, cells):
        """A row with a value DejaVu cannot draw as it is: fpdf2's own cell() draws that
        value, in bidirectional order, shaped by HarfBuzz (joined Arabic letters, Indic
        vowel signs before their consonant), each letter in the first font that has it.
        The row's other values keep their encoded cells, one text object each."""
        with self.local_context(font_family=FONT, font_style="", font_size_pt=ROW_FONT_SIZE,
                                text_color=0):
            if self._striped():
                self.set_fill_color(STRIPE_GREY * 255)
                self.rect(self.l_margin, self.y, self.epw, ROW_HEIGHT, style="F")
            self.set_fill_color(0)  # the colour text is drawn in
            # The row's font set on the page first: otherwise fpdf2 sets the font of the
            # first cell's first letter, or sets DejaVu only inside that cell's own q…Q.
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
            self.set_text_shaping(True)
            left = self.l_margin
            for value, width, encoded in zip(values, WIDTHS, cells):
                if encoded is SHAPED:
                    drawing = self._shaped_drawing(value, width)
                    self._out(b"q 1 0 0 1 %.2f %.2f cm %s Q"
                              % (left * self.k, -self.y * self.k, drawing))
                else:
                    self._out(f"BT {(left + PADDING) * self.k:.2f} {self._baseline():.2f} Td "
                              f"{encoded} ET")
                left += width

    def _shaped_drawing(self, value, width):
        """What fpdf2 draws for the value in the page's top left corner, each cell moving it
        to itself: a shaped cell takes half a millisecond, fifty encoded ones, and names
        repeat."""
        key = (value, width)
        drawing = self._drawings.get(key)
        if drawing is None:
            if len(self._drawings) >= DRAWING_CACHE_SIZE:
                self._drawings.clear()
            text = self._drawable(one_line(value))
            drawing, text_width = self._drawn_in_corner(text, width)
            if text_width > width - 2 * PADDING:
                drawing, _ = self._drawn_in_corner(self._shaped_cut(text, width), width)
            self._drawings[key] = drawing
        return drawing

    def _drawn_in_corner(self, text, width):
        """The operators fpdf2's cell() writes for the text in the page's top left corner,
        taken back out of the page, and the text's width."""
        contents, row_y = self.pages[self.page].contents, self.y
        start = len(contents)
        self.x, self.y = PADDING - self.c_margin, 0  # where encoded cells start in a column
        self._shaped_cell(text, width)  # leaves x at the end of the text
        self.y = row_y
        drawing = bytes(contents[start:]).strip()
        del contents[start:]
        return drawing, self.x - PADDING

    def _shaped_cell(self, text, width):
        """Shaped glyphs are in visual order, a vowel sign before its consonant, and a glyph
        may stand for several letters or none: a reader copies the cell's ActualText, the
        text as typed. Not for right-to-left text, which readers put back in order
        themselves, and whose ActualText Poppler would reverse."""
        marked = not RIGHT_TO_LEFT.search(text)
        if marked:
            self._out(f"/Span <</ActualText <FEFF{text.encode('utf-16-be').hex()}>>> BDC")
        self.cell(width, ROW_HEIGHT, text, new_x=XPos.END)
        if marked:
            self._out("EMC")

    def _drawable(self, text):
        """The text with "?" for the letters no font here draws."""
        return "".join(char if ord(char) in self._row_font.glyph_ids or fallback_for(ord(char))
                       else "?" for char in text)

    def _shaped_cut(self, text, width):
        """The text cut with … to its column, measured as HarfBuzz shapes it, and cut only
        where a cut leaves letters whole."""
        room = width - 2 * PADDING
        cuts = [index for index in range(1, len(text)) if starts_cluster(text, index)]
        fitting = bisect.bisect_right(
            cuts, room, key=lambda index: self.get_string_width(cut_at(text, index)))
        return cut_at(text, cuts[fitting - 1]) if fitting else ELLIPSIS

    def get_fallback_font(self, char, style=""):
        """fpdf2's question for a letter the row's font lacks: the first fallback that has
        it, read the first time a name needs it."""
        name = fallback_for(ord(char))
        return self._fallback_font(name).fontkey if name else None

    def _fallback_font(self, name):
        """The fallback's fpdf2 font, read the first time a name needs it."""
        font = self._fallbacks.get(name)
        if font is None:
            family = f"Fallback-{name.rsplit('.', 1)[0]}"
            self.add_font(family, fname=first_copy(name, FALLBACK_DIRS))
            font = self._fallbacks[name] = self.fonts[family.lower()]
            # Known as a fallback, it is not taken for the cell's own font when it draws first.
            self.set_fallback_fonts([*self._fallback_font_ids, family])
        return font

    def _list_fallbacks_on_page(self):
        """A page lists the fallbacks read so far: cached cells may draw with any of them."""
        for font in self._fallbacks.values():
            self._resource_catalog.add(PDFResourceType.FONT, font.i, self.page)

    def add_note(self, text):
        """A line after the rows (or instead of them), on the last page."""
        self.set_font(FONT, size=10)
        self.ln(3)
        self.cell(0, 6, text)

    def fit(self, text, width, font=None, size=None):
        """The value on one line, in characters the font has, cut with … to its column."""
        font = font or self.current_font
        size = size or self.font_size_pt
        text = "".join(char if ord(char) in font.glyph_ids else "?" for char in one_line(text))
        room = (width - 2 * PADDING) * self.k * 1000 / size  # in the font's thousandths of em
        widths = font.cw
        index = cut_index([widths[ord(char)] for char in text], room, widths[ord(ELLIPSIS)])
        return text if index is None else text[:index].rstrip() + ELLIPSIS

    # Pages compressed as soon as they are finished ------------------------------------------

    def _next_page(self):
        finished = self.page
        self.add_page()  # draws the footer of the finished page first
        self.pack(finished)

    def pack(self, number):
        if number not in self.packed:
            page = self.pages[number]
            page.contents = bytearray(zlib.compress(page.contents))
            self.packed.add(number)

    def output(self, name=""):
        return super().output(name, output_producer_class=PackedPagesOutput)


def one_line(value):
    return unicodedata.normalize("NFC", " ".join(str(value or "").split()))


def cut_index(widths, room, ellipsis_width):
    """None when the widths fit in `room`, else how many fit before an ellipsis."""
    if sum(widths) <= room:
        return None
    room -= ellipsis_width
    used = 0
    for index, width in enumerate(widths):
        used += width
        if used > room:
            return index
    return len(widths)


def starts_cluster(text, index):
    """Whether a cut before text[index] leaves every letter whole: not before a vowel sign,
    an accent or a joiner, nor after a virama, which binds the next consonant to its own."""
    char, previous = text[index], text[index - 1]
    return not (unicodedata.category(char).startswith("M") or char in JOINERS
                or previous in JOINERS or unicodedata.combining(previous) == VIRAMA)


def cut_at(text, index):
    return text[:index].rstrip() + ELLIPSIS


class PackedPagesOutput(OutputProducer):
    """fpdf2's writer, told that the page contents are deflated already."""

    def _add_pages(self, _slice=slice(0, None)):
        fpdf = self.fpdf
        for number in range(1, fpdf.pages_count + 1):
            fpdf.pack(number)  # the last page, finished by output()
        fpdf.compress = False
        try:
            pages = super()._add_pages(_slice)
        finally:
            fpdf.compress = True
        for page in pages:
            page.contents.filter = Name("FlateDecode")
        return pages
