"""The PDF of signatories that goes to a campaign's recipients (fpdf2, DejaVu Sans)."""
import os

from fpdf import FPDF

FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu"]
WIDTHS = [45, 40, 22, 50, 33]


class SignatoriesPdf(FPDF):
    """A4, one line per signatory, the columns repeated on every page."""

    def __init__(self, campaign, columns):
        super().__init__(format="A4")
        self.campaign = campaign
        self.columns = columns
        self.set_auto_page_break(auto=True, margin=15)
        self.font_name = self._load_font()

    def _load_font(self):
        for folder in FONT_DIRS:
            path = os.path.join(folder, "DejaVuSans.ttf")
            if os.path.exists(path):
                self.add_font("DejaVu", fname=path)
                return "DejaVu"
        return "helvetica"  # Latin-1 only: _fit replaces what it cannot draw

    def header(self):
        self.set_font(self.font_name, size=12)
        self.multi_cell(0, 6, self.campaign.title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.font_name, size=9)
        for label, width in zip(self.columns, WIDTHS):
            self.cell(width, 6, label, border="B")
        self.ln(7)

    def footer(self):
        self.set_y(-12)
        self.set_font(self.font_name, size=8)
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="C")

    def add_row(self, values):
        for value, width in zip(values, WIDTHS):
            self.cell(width, 5, self._fit(value, width))
        self.ln(5)

    def _fit(self, text, width):
        """Shorten a value to its column; keep only what the font can draw."""
        if self.font_name == "helvetica":
            text = text.encode("latin-1", "replace").decode("latin-1")
        while text and self.get_string_width(text) > width - 1:
            text = text[:-1]
        return text
