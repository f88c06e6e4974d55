"""Template filters: French dates and numbers, paragraphs and safe links."""
import re
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from services import elus

PARIS = ZoneInfo("Europe/Paris")
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]


def to_local(value):
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(PARIS)


def local_date(value):
    """28 novembre 2026, in Paris time."""
    if value is None:
        return ""
    local = to_local(value)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def local_datetime(value):
    """19/04/2025 - 15:54:30, in Paris time."""
    return to_local(value).strftime("%d/%m/%Y - %H:%M:%S") if value else ""


def thousands(number):
    """1 718, with a narrow no-break space as French typography wants."""
    return f"{number:,}".replace(",", "\u202f")


def ordinal(number):
    """1re, 2e, 3e… as French writes them."""
    return f"{number}re" if number == 1 else f"{number}e"


def linkify(text):
    """Escape the text, then make its http(s) addresses clickable."""
    pieces, last = [], 0
    for match in URL.finditer(text or ""):
        pieces.append(escape(text[last:match.start()]))
        url = escape(match.group(0))
        pieces.append(Markup(f'<a href="{url}" rel="nofollow ugc noopener">{url}</a>'))
        last = match.end()
    pieces.append(escape((text or "")[last:]))
    return Markup("").join(pieces)


def paragraphs(text, links=True):
    """Plain text to paragraphs: blank lines split them, line breaks are kept.

    `links=False` leaves addresses as text: for what visitors wrote into an
    email the site sends on their behalf, so that it relays no clickable link.
    """
    line_html = linkify if links else escape
    blocks = [block.strip() for block in re.split(r"\n\s*\n", (text or "").replace("\r", ""))]
    html = [Markup("<p>") + Markup("<br>\n").join(line_html(line) for line in block.split("\n"))
            + Markup("</p>") for block in blocks if block]
    return Markup("\n").join(html)


def sources(text):
    """One source a line, `label | https://…` or a bare address."""
    items = []
    for line in (text or "").splitlines():
        label, _, url = line.rpartition("|") if "|" in line else ("", "", line)
        url = url.strip()
        if url.startswith(("http://", "https://")):
            items.append({"label": label.strip() or url, "url": url})
    return items


def register(app):
    for function in (local_date, local_datetime, thousands, ordinal, linkify, paragraphs, sources):
        app.add_template_filter(function)
    app.add_template_filter(elus.departement_name)
