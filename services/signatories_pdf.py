"""The PDF of signatories that goes to a campaign's recipients (fpdf2, DejaVu Sans).

A campaign that went viral has a hundred thousand signatories or more, so the
rows do not go through fpdf2's `cell()` (a tenth of a millisecond each, six per
row): each row is one text object written with the font's own encoder, and each
finished page is compressed at once, so memory stays flat whatever the count.
The layout is fixed, so the number of pages is known before the first footer.

Names in scripts DejaVu Sans lacks (Devanagari, Thai, Chinese, Korean…) are
split into runs, each drawn with the first fallback font that has its letters;
a fallback is read only when a name needs it. Right-to-left runs are drawn in
visual order, and Arabic letters in their joined forms.
"""
import logging
import math
import os
import re
import unicodedata
import zlib
from typing import NamedTuple

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import PDFResourceType
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
ELLIPSIS = "…"


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
            text = one_line(value)
            if self._row_chars.issuperset(text) and not RIGHT_TO_LEFT.search(text):
                encoded = font.encode_text(self.fit(text, width, font, ROW_FONT_SIZE))
            else:
                encoded = self._runs_cell(font, text, width)
            self._cells[key] = encoded
        return encoded

    def _select_row_font(self):
        """The regular face; the footer also draws with it, which lists it on every page."""
        self._row_font = self.fonts[FONT.lower()]
        self._row_chars = frozenset(map(chr, self._row_font.glyph_ids))
        return self._row_font

    # Rows in other scripts: runs of fallback fonts ------------------------------------------

    def _runs_cell(self, row_font, text, width):
        """Each letter in the first font that has it, cut to the column by each one's width,
        in visual order; the cell ends in the row's font, where the next one starts."""
        glyphs = self._fonts_of(row_font, text)
        if ARABIC.search(text):
            glyphs = arabic_joined(glyphs)
        glyphs = self._cut(glyphs, width, row_font)
        if RIGHT_TO_LEFT.search(text):
            glyphs = visual_order(glyphs)
        parts, current = [], row_font
        for font, run in runs(glyphs):
            if font is not current:
                parts.append(f"/F{font.i} {ROW_FONT_SIZE:.2f} Tf")
                current = font
            parts.append(encode_run(font, run))
        if current is not row_font:
            parts.append(f"/F{row_font.i} {ROW_FONT_SIZE:.2f} Tf")
        return " ".join(parts)

    def _fonts_of(self, row_font, text):
        """The text as glyphs; a combining mark stays in its letter's font if it can."""
        glyphs = []
        for char in text:
            previous = glyphs[-1].font if glyphs else None
            if previous is not None and unicodedata.category(char).startswith("M") \
                    and ord(char) in previous.glyph_ids:
                font = previous
            elif ord(char) in row_font.glyph_ids:
                font = row_font
            else:
                name = fallback_for(ord(char))
                font = self._fallback_font(name) if name else row_font
                char = char if name else "?"
            glyphs.append(Glyph(char, font, char))
        return glyphs

    def _cut(self, glyphs, width, row_font):
        room = (width - 2 * PADDING) * self.k * 1000 / ROW_FONT_SIZE
        index = cut_index([glyph.font.cw[ord(glyph.shown)] for glyph in glyphs], room,
                          row_font.cw[ord(ELLIPSIS)])
        if index is None:
            return glyphs
        kept = glyphs[:index]
        while kept and kept[-1].text.isspace():
            kept.pop()
        return kept + [Glyph(ELLIPSIS, row_font, ELLIPSIS)]

    def _fallback_font(self, name):
        """The fallback's fpdf2 font, read the first time a name needs it."""
        font = self._fallbacks.get(name)
        if font is None:
            family = f"Fallback-{name.rsplit('.', 1)[0]}"
            self.add_font(family, fname=first_copy(name, FALLBACK_DIRS))
            font = self._fallbacks[name] = self.fonts[family.lower()]
            self._resource_catalog.add(PDFResourceType.FONT, font.i, self.page)
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


class Glyph(NamedTuple):
    """What a cell draws: `shown`'s glyph in `font`, copied out of the PDF as `text` (one
    letter, or two for Arabic's lam-alef)."""
    text: str
    font: object
    shown: str


def runs(glyphs):
    """Consecutive glyphs of one font grouped: (font, [glyphs])."""
    grouped = []
    for glyph in glyphs:
        if grouped and grouped[-1][0] is glyph.font:
            grouped[-1][1].append(glyph)
        else:
            grouped.append((glyph.font, [glyph]))
    return grouped


def encode_run(font, glyphs):
    """A Tj of one run, in the codes of the font's subset."""
    codes = []
    for glyph in glyphs:
        code = font.subset.pick(ord(glyph.text)) if glyph.text == glyph.shown \
            else form_code(font, glyph)
        if code is not None:
            codes.append(chr(code))
    return f"({font.escape_text(''.join(codes))}) Tj"


def form_code(font, glyph):
    """The subset's code for a joined Arabic form: its own glyph, the plain letters as text,
    so that a name copied out of the PDF is the name that was typed."""
    shown = ord(glyph.shown)
    subset_glyph = font.subset.get_glyph(
        glyph=font.glyph_ids[shown], unicode=tuple(map(ord, glyph.text)),
        glyph_name=font.cmap[shown], glyph_width=int(font.cw[shown]))
    return font.subset.pick_glyph(subset_glyph)


# Right-to-left text ------------------------------------------------------------------------

RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
RTL_CLASSES = {"R", "AL"}
NUMBER_CLASSES = {"EN", "AN"}
MIRRORED = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹"))


def visual_order(glyphs):
    """The glyphs left to right as drawn: the Unicode bidirectional algorithm for one line
    without explicit embeddings (rules W1-W7, N1-N2, I1-I2, L2, L4 for brackets)."""
    classes = [unicodedata.bidirectional(glyph.text[0]) or "L" for glyph in glyphs]
    if not RTL_CLASSES.intersection(classes):
        return glyphs
    base = 1 if next((kind for kind in classes if kind in RTL_CLASSES or kind == "L"),
                     "L") != "L" else 0
    levels = embedding_levels(resolved_weak(classes, base), base)
    glyphs = [mirrored(glyph) if level % 2 else glyph for glyph, level in zip(glyphs, levels)]
    order = list(range(len(glyphs)))
    for level in range(max(levels), 0, -1):
        start = None
        for position in range(len(order) + 1):
            inside = position < len(order) and levels[order[position]] >= level
            if inside and start is None:
                start = position
            elif not inside and start is not None:
                order[start:position] = reversed(order[start:position])
                start = None
    return [glyphs[index] for index in order]


def resolved_weak(classes, base):
    """Marks take their letter's class, numbers after Arabic letters are Arabic numbers,
    European numbers after Latin letters are Latin; the rest is strong or neutral."""
    resolved, last_strong = [], "R" if base else "L"
    for kind in classes:
        if kind == "NSM":
            kind = resolved[-1] if resolved else last_strong
        if kind == "EN" and last_strong == "AL":
            kind = "AN"
        elif kind == "EN" and last_strong == "L":
            kind = "L"
        if kind in RTL_CLASSES or kind == "L":
            last_strong = kind
        resolved.append("R" if kind == "AL" else kind)
    return resolved


def embedding_levels(kinds, base):
    """Neutrals between two runs of one direction take it, other neutrals the line's; then
    right-to-left letters are odd, numbers and left-to-right letters in RTL even."""
    def direction(kind):
        return "R" if kind == "R" or kind in NUMBER_CLASSES else "L"
    edge = "R" if base else "L"
    levels, index = [], 0
    while index < len(kinds):
        kind = kinds[index]
        if kind in RTL_CLASSES or kind == "L" or kind in NUMBER_CLASSES:
            levels.append(level_of(kind, base))
            index += 1
            continue
        end = index
        while end < len(kinds) and kinds[end] not in ("R", "L", "EN", "AN"):
            end += 1
        before = direction(kinds[index - 1]) if index else edge
        after = direction(kinds[end]) if end < len(kinds) else edge
        neutral = before if before == after else edge
        levels.extend([level_of(neutral, base)] * (end - index))
        index = end
    return levels


def level_of(kind, base):
    if base == 0:
        return {"L": 0, "R": 1}.get(kind, 2)
    return 1 if kind == "R" else 2


def mirrored(glyph):
    if glyph.text in MIRRORED and glyph.text == glyph.shown:
        return glyph._replace(shown=MIRRORED[glyph.text])
    return glyph


# Arabic letters joined ----------------------------------------------------------------------

def presentation_forms():
    """{(letter, form): presentation character} and {(lam, alef, form): ligature}, read from
    Unicode's own decompositions of the presentation forms."""
    forms, ligatures = {}, {}
    for code in [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFEFF)]:
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) < 2 or parts[0] not in ("<isolated>", "<final>", "<initial>", "<medial>"):
            continue
        letters = tuple(chr(int(part, 16)) for part in parts[1:])
        form = parts[0].strip("<>")
        if len(letters) == 1:
            forms.setdefault((letters[0], form), chr(code))
        elif len(letters) == 2 and letters[0] == LAM and letters[1] in ALEFS:
            ligatures.setdefault((*letters, form), chr(code))
    return forms, ligatures


LAM = "\u0644"
ALEFS = "\u0622\u0623\u0625\u0627"  # with madda, hamza above, hamza below, plain
ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
FORMS, LAM_ALEFS = presentation_forms()
DUAL_JOINING = {letter for letter, form in FORMS if form in ("initial", "medial")} | {"\u0640"}
RIGHT_JOINING = {letter for letter, form in FORMS if form == "final"} - DUAL_JOINING


def arabic_joined(glyphs):
    """Each Arabic letter in its isolated, initial, medial or final form, and lam-alef as one
    ligature, where the letter's font has the form: without shaping, letters stand apart."""
    letters = [index for index, glyph in enumerate(glyphs)
               if unicodedata.category(glyph.text) not in ("Mn", "Me")]
    joined = list(glyphs)
    for position, index in enumerate(letters):
        if joined[index] is None:  # the alef of a lam-alef
            continue
        glyph = glyphs[index]
        before = glyphs[letters[position - 1]].text if position else ""
        after_index = letters[position + 1] if position + 1 < len(letters) else None
        after = glyphs[after_index].text if after_index is not None else ""
        joins_before = before in DUAL_JOINING and (glyph.text in DUAL_JOINING
                                                   or glyph.text in RIGHT_JOINING)
        ligature = LAM_ALEFS.get((glyph.text, after, "final" if joins_before else "isolated"))
        if ligature and has_glyph(glyph.font, ligature) and glyphs[after_index].font is glyph.font:
            joined[index] = Glyph(glyph.text + after, glyph.font, ligature)
            joined[after_index] = None
            continue
        joins_after = glyph.text in DUAL_JOINING and (after in DUAL_JOINING
                                                      or after in RIGHT_JOINING)
        form = FORM_BY_JOINS[joins_before, joins_after]
        shown = FORMS.get((glyph.text, form))
        if shown and has_glyph(glyph.font, shown):
            joined[index] = glyph._replace(shown=shown)
    return [glyph for glyph in joined if glyph is not None]


FORM_BY_JOINS = {(False, False): "isolated", (True, False): "final",
                 (False, True): "initial", (True, True): "medial"}


def has_glyph(font, char):
    return ord(char) in font.glyph_ids


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
