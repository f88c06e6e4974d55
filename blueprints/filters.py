"""Template filters: French dates and numbers, paragraphs, Markdown and safe links."""
import functools
import re
from zoneinfo import ZoneInfo

import nh3
from markdown_it import MarkdownIt
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
    """One source a line: its text then its address (`label https://…`, `label | https://…`),
    or a bare address."""
    items = []
    for line in (text or "").splitlines():
        label, _, url = line.strip().rpartition(" ")
        url = url.strip()
        if url.startswith(("http://", "https://")):
            label = label.strip().rstrip("|:–-").strip()
            items.append({"label": label or url, "url": url})
    return items


# Markdown written by admins and members: raw HTML is not interpreted, and what the
# renderer makes is cleaned again by an allow-list, so no script or style gets through.
MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "h2", "h3",
                "h4", "code", "pre", "hr"}


@functools.lru_cache(maxsize=256)
def _markdown_html(text):
    html = MARKDOWN.render(text)
    # The page's own title is the only h1: headings written in the text start lower.
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                     url_schemes={"http", "https", "mailto"},
                     link_rel="nofollow ugc noopener")


def markdown(text):
    """Markdown to sanitised HTML (the same text is rendered once per process)."""
    return Markup(_markdown_html(text or ""))


def register(app):
    for function in (local_date, local_datetime, thousands, ordinal, linkify, paragraphs, sources,
                     markdown):
        app.add_template_filter(function)
    app.add_template_filter(elus.departement_name)
