"""Passing a campaign on: the share links, the Mastodon instance, the code for other sites.

Plain links only: no network's script, image or font is ever loaded by our pages.
"""
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import idna
from flask_babel import gettext as _
from markupsafe import escape

from services.messages import absolute_url, campaign_url

WIDGET_WIDTH = 340
WIDGET_HEIGHT = 260

# One DNS label: letters, digits, inner hyphens; a name has at least two, the last not numeric.
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class ShareLink:
    network: str
    url: str


def kind_name(campaign):
    """"Cyberaction" or "Pétition" in the reader's language (Campaign.kind_label is French)."""
    return _("Cyberaction") if campaign.is_cyberaction else _("Pétition")


def query(**params):
    """A query string with every reserved character percent-encoded (spaces as %20)."""
    return urlencode(params, quote_via=quote, safe="")


def share_text(campaign):
    return f"{campaign.title} — {campaign_url(campaign)}"


def share_links(campaign):
    """The link to each network's own share page, with the campaign's address in it."""
    url, title, text = campaign_url(campaign), campaign.title, share_text(campaign)
    return [
        ShareLink("Framasphère / diaspora*", "https://share.diasporafoundation.org/?"
                  + query(url=url, title=title)),
        ShareLink("Bluesky", "https://bsky.app/intent/compose?" + query(text=text)),
        ShareLink("Facebook", "https://www.facebook.com/sharer/sharer.php?" + query(u=url)),
        ShareLink("X", "https://x.com/intent/post?" + query(url=url, text=title)),
        ShareLink("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + query(url=url)),
        ShareLink("WhatsApp", "https://wa.me/?" + query(text=text)),
        ShareLink("Telegram", "https://t.me/share/url?" + query(url=url, text=title)),
    ]


class NotAnInstance(ValueError):
    """What was typed is not the name of a Mastodon server."""


def mastodon_instance(typed):
    """The host name of the visitor's Mastodon server, from what they typed:
    "mastodon.social", "https://mastodon.social/", "@moi@mastodon.social"."""
    text = (typed or "").strip()
    text = re.sub(r"^https?://", "", text, flags=re.IGNORECASE).rstrip("/")
    text = text.rpartition("@")[2]
    if not text or len(text) > 253 or any(char in text for char in "/?#:\\ "):
        raise NotAnInstance(typed)
    try:
        host = idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise NotAnInstance(typed) from None
    labels = host.split(".")
    if len(labels) < 2 or not all(LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise NotAnInstance(typed)
    return host


def mastodon_share_url(instance, campaign):
    """Only ever https://<a host name>/share: the campaign is ours, the host theirs."""
    return f"https://{mastodon_instance(instance)}/share?" + query(text=share_text(campaign))


def widget_url(campaign):
    return absolute_url(f"/{campaign.kind}/{campaign.slug}/widget")


def embed_snippet(campaign):
    """The code another site pastes to show the widget."""
    return (f'<iframe src="{escape(widget_url(campaign))}" '
            f'title="{escape(campaign.title)} — {escape(kind_name(campaign))}" '
            f'width="{WIDGET_WIDTH}" height="{WIDGET_HEIGHT}" loading="lazy"></iframe>')
