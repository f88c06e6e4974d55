"""Atom and RSS 2.0 documents, written by feedgenerator (which escapes every text and
attribute it writes), and the lists they are made of.

The entries are what a list page shows anyway: open campaigns, and bilans (closed
campaigns with their result). Never a comment, a signer or an address.
"""
import datetime as dt
from dataclasses import dataclass, field

import feedgenerator

from models import Campaign

FEED_SIZE = 50
FORMATS = {"atom": feedgenerator.Atom1Feed, "rss": feedgenerator.Rss201rev2Feed}
MIMETYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


@dataclass
class Entry:
    title: str
    link: str
    html: str  # the entry's text as HTML, already escaped and sanitised
    published: dt.datetime
    id: str
    categories: list = field(default_factory=list)
    author: str = ""


def aware(moment):
    """Naive UTC from the database, as the feeds write it (RFC 3339 / RFC 822 with +00:00)."""
    return moment.replace(microsecond=0, tzinfo=dt.timezone.utc)


def entry_id(url, published, suffix=""):
    """A tag: URI that never changes: the campaign's address is fixed once it is
    published, and so is the day it was first published."""
    return feedgenerator.get_tag_uri(url, published) + suffix


def open_campaigns(limit=FEED_SIZE):
    return list(Campaign.open_campaigns().limit(limit))


def bilans(limit=FEED_SIZE):
    return list(Campaign.closed_campaigns().where(Campaign.published_at.is_null(False))
                .limit(limit))


def closed_on(campaign):
    """When a bilan's campaign closed (its closing date if it was closed without one)."""
    return campaign.closed_at or campaign.closes_at or campaign.opens_at


def write(format, title, link, self_url, description, entries, language="fr"):
    """The feed as text: `format` is "atom" or "rss"; `language` is that of its own words."""
    feed = FORMATS[format](title=title, link=link, description=description, language=language,
                           feed_url=self_url, feed_guid=self_url)
    for entry in entries:
        feed.add_item(title=entry.title, link=entry.link, description=entry.html,
                      pubdate=entry.published, updateddate=entry.published,
                      unique_id=entry.id, unique_id_is_permalink=False,
                      categories=entry.categories, author_name=entry.author or None)
    return feed.writeString("utf-8")
