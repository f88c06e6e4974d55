"""The PDF of signatories that goes to a campaign's recipients (fpdf2, DejaVu Sans).

A campaign that went viral has a hundred thousand signatories or more, so the
rows do not go through fpdf2's `cell()` (a tenth of a millisecond each, six per
row): each row is one text object written with the font's own encoder, and each
finished page is compressed at once, so memory stays flat whatever the count.
The layout is fixed, so the number of pages is known before the first footer.
"""
import logging
import math
import os
import unicodedata
import zlib

from fpdf import FPDF
from fpdf.output import OutputProducer
from fpdf.syntax import Name

# The project's copy first: a fresh machine has no DejaVu, and no other font
# draws every name (Helvetica stops at Latin-1).
PROJECT_FONTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fonts")
FONT_DIRS = [PROJECT_FONTS, "/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu"]
FONT = "DejaVu"
REGULAR_FILE = "DejaVuSans.ttf"
BOLD_FILE = "DejaVuSans-Bold.ttf"

# The font subsetter's INFO lines list the glyphs used: the letters of the signers' names.
logging.getLogger("fontTools").setLevel(logging.WARNING)

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
ELLIPSIS = "…"


class FontMissing(RuntimeError):
    """DejaVu Sans is neither in the project's fonts/ folder nor on the system."""


def font_file(name):
    """The first copy of a DejaVu file: the project's, else the system's."""
    for folder in FONT_DIRS:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    raise FontMissing(f"{name} introuvable (cherché dans {', '.join(FONT_DIRS)})")


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
        self.total_pages = 1
        self.rows_left = 0
        self.rows_on_page = 0
        self.packed = set()
        self._row_font = None
        self._cells = {}
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
        cells = " ".join(step + self._encoded_cell(font, value, width)
                         for step, value, width in zip(self._steps, values, WIDTHS))
        self._out(f"{self._row_start(font)} {cells} ET Q")
        self.y += ROW_HEIGHT
        self.rows_left -= 1
        self.rows_on_page += 1

    def _row_start(self, font):
        """Save the state, draw the stripe, open the text at the row's baseline. Rows sit
        at the same heights on every page: each start is formatted once."""
        striped = self.rows_on_page % 2 == 1
        key = (round(self.y, 3), striped)
        start = self._starts.get(key)
        if start is None:
            top = self.h - self.y  # PDF coordinates run up from the bottom of the page
            stripe = (f"{STRIPE_GREY} g {self.l_margin * self.k:.2f} "
                      f"{(top - ROW_HEIGHT) * self.k:.2f} {self.epw * self.k:.2f} "
                      f"{ROW_HEIGHT * self.k:.2f} re f " if striped else "")
            baseline = (top - ROW_HEIGHT / 2 - 0.3 * ROW_FONT_SIZE / self.k) * self.k
            start = self._starts[key] = (
                f"q {stripe}0 g BT /F{font.i} {ROW_FONT_SIZE:.2f} Tf "
                f"{(self.l_margin + PADDING) * self.k:.2f} {baseline:.2f} Td")
        return start

    def _encoded_cell(self, font, value, width):
        """The text operator for one value; towns, first names, professions and dates
        repeat, and fitting then encoding them is most of the time a row takes."""
        key = (value, width)
        encoded = self._cells.get(key)
        if encoded is None:
            if len(self._cells) >= CELL_CACHE_SIZE:
                self._cells.clear()  # bounded: a list of unique names must not fill memory
            encoded = self._cells[key] = font.encode_text(self.fit(value, width, font,
                                                                   ROW_FONT_SIZE))
        return encoded

    def _select_row_font(self):
        """The regular face; the footer also draws with it, which lists it on every page."""
        self._row_font = self.fonts[FONT.lower()]
        return self._row_font

    def add_note(self, text):
        """A line after the rows (or instead of them), on the last page."""
        self.set_font(FONT, size=10)
        self.ln(3)
        self.cell(0, 6, text)

    def fit(self, text, width, font=None, size=None):
        """The value on one line, in characters the font has, cut with … to its column."""
        font = font or self.current_font
        size = size or self.font_size_pt
        text = unicodedata.normalize("NFC", " ".join(str(text or "").split()))
        text = "".join(char if ord(char) in font.glyph_ids else "?" for char in text)
        room = (width - 2 * PADDING) * self.k * 1000 / size  # in the font's thousandths of em
        widths = font.cw
        if sum(widths[ord(char)] for char in text) <= room:
            return text
        room -= widths[ord(ELLIPSIS)]
        used = 0
        for index, char in enumerate(text):
            used += widths[ord(char)]
            if used > room:
                return text[:index].rstrip() + ELLIPSIS
        return text

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
