"""Template filters: dates and numbers in the page's language, paragraphs, Markdown and safe links."""
import functools
import re
from zoneinfo import ZoneInfo

import nh3
from babel.dates import format_date, format_datetime
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from blueprints.languages import LOCALES, current_language
from services import elus

PARIS = ZoneInfo("Europe/Paris")
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")
def to_local(value):
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(PARIS)


def _locale():
    return LOCALES[current_language()]


def local_date(value):
    """28 novembre 2026 / November 28, 2026, in Paris time."""
    if value is None:
        return ""
    return format_date(to_local(value), format="long", locale=_locale())


def short_date(day):
    """A calendar day, short: 03/12/2026 in French, Dec 3, 2026 in English."""
    locale = _locale()
    if locale.language == "fr":
        return day.strftime("%d/%m/%Y")
    return format_date(day, format="medium", locale=locale)


def local_datetime(value):
    """19/04/2025 - 15:54:30 in French, Apr 19, 2025, 3:54:30 PM in English; Paris time."""
    if not value:
        return ""
    locale = _locale()
    if locale.language == "fr":
        return to_local(value).strftime("%d/%m/%Y - %H:%M:%S")
    return format_datetime(to_local(value), format="medium", locale=locale)


# French groups thousands with a narrow no-break space, English with a comma.
GROUP_SEPARATORS = {code: locale.number_symbols["latn"]["group"]
                    for code, locale in LOCALES.items()}


def thousands(number):
    """1 718 in French, 1,718 in English (cheaper than Babel's formatter on long lists)."""
    return f"{number:,}".replace(",", GROUP_SEPARATORS[current_language()])


ENGLISH_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def ordinal(number):
    """1re, 2e, 3e… in French; 1st, 2nd, 3rd, 11th… in English."""
    if _locale().language == "en":
        suffix = "th" if 10 <= number % 100 <= 20 else ENGLISH_SUFFIXES.get(number % 10, "th")
        return f"{number}{suffix}"
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
    for function in (local_date, short_date, local_datetime, thousands, ordinal, linkify,
                     paragraphs, sources, markdown):
        app.add_template_filter(function)
    app.add_template_filter(elus.departement_name)
