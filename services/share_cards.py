"""The share card: a 1200×630 PNG that social networks show beside a link to a campaign.

What is drawn is decided first (`card_text`), then drawn (`draw`): the drawing is cached
per process on what it shows, and the counter is rounded so that a campaign gaining
participations does not need a new picture for each one.
"""
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _, ngettext
from PIL import Image, ImageDraw, ImageFont

from blueprints.filters import thousands
from services.sharing import kind_name

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
FONTS = Path(__file__).resolve().parent.parent / "fonts"
INK = (28, 36, 48)
ACCENT = (179, 38, 30)
WHITE = (255, 255, 255)
SOFT = (214, 220, 228)
TITLE_SIZES = (68, 58, 50)  # the largest size at which the title fits wins


@dataclass(frozen=True)
class CardText:
    site_name: str
    kind_label: str
    title: str
    counter: str = None  # None when the campaign hides its counter (or has none yet)


def card_text(campaign, site_name):
    """What the card of this campaign shows."""
    counter = None
    if not campaign.hide_counter and campaign.signature_count > 0:
        counter = counter_line(campaign.signature_count, campaign.is_cyberaction)
    return CardText(site_name, kind_name(campaign), campaign.title, counter)


def rounded_count(count):
    """Exact below 100, then down to two significant figures: 1 718 → 1 700."""
    if count < 100:
        return count
    step = 10 ** (len(str(count)) - 2)
    return count // step * step


def counter_line(count, is_cyberaction):
    """1 700 participations, Plus de 120 000 signatures: in the reader's language."""
    shown = rounded_count(count)
    # Flask-Babel's ngettext fills `num` itself, unformatted: the grouped number is `count`.
    if is_cyberaction:
        label = ngettext("%(count)s participation", "%(count)s participations", shown,
                         count=thousands(shown))
    else:
        label = ngettext("%(count)s signature", "%(count)s signatures", shown,
                         count=thousands(shown))
    return _("Plus de %(label)s", label=label) if shown < count else label


@functools.lru_cache(maxsize=16)
def font(size, bold=False):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


@functools.lru_cache(maxsize=256)
def draw(text):
    """The PNG of a card, as bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), INK)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, 24, HEIGHT), fill=ACCENT)
    pen.text((MARGIN, 64), text.site_name, font=font(40, bold=True), fill=WHITE)
    pen.text((MARGIN, 122), text.kind_label.upper(), font=font(28), fill=SOFT)
    _draw_title(pen, text.title, top=186, bottom=HEIGHT - 150)
    if text.counter:
        pen.rectangle((MARGIN, HEIGHT - 128, MARGIN + 90, HEIGHT - 122), fill=ACCENT)
        pen.text((MARGIN, HEIGHT - 106), text.counter, font=font(44, bold=True), fill=WHITE)
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def _draw_title(pen, title, top, bottom):
    size, lines = title_layout(pen, title, bottom - top)
    for number, line in enumerate(lines):
        pen.text((MARGIN, top + number * line_height(size)), line, font=font(size, bold=True),
                 fill=WHITE)


def line_height(size):
    return int(size * 1.2)


def title_layout(pen, title, height):
    """(font size, lines) of the title: the largest size whose lines fit in `height`, or
    the smallest with its last line cut by an ellipsis."""
    width = WIDTH - 2 * MARGIN
    for size in TITLE_SIZES:
        lines = wrapped(pen, title, font(size, bold=True), width)
        if len(lines) * line_height(size) <= height:
            return size, lines
    room = height // line_height(size)
    lines = lines[:room]
    last = lines[-1]
    while last and pen.textlength(last + " …", font=font(size, bold=True)) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1] = last + " …"
    return size, lines


def wrapped(pen, text, typeface, width):
    """Words laid in lines no wider than `width` pixels (a word too long is cut)."""
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if pen.textlength(candidate, font=typeface) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while pen.textlength(current, font=typeface) > width:
            cut = _longest_fitting(pen, current, typeface, width)
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    return lines


def _longest_fitting(pen, word, typeface, width):
    for cut in range(len(word) - 1, 0, -1):
        if pen.textlength(word[:cut], font=typeface) <= width:
            return cut
    return 1
