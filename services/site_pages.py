"""The site's own pages (L'association, FAQ, Contact, Mentions légales…), written by its
admins in Markdown. Only the slugs listed here exist: the menu links to each of them."""
from flask_babel import lazy_gettext as _l

from models import Page, db, utcnow
from services import audit

# Until an admin names a page, it is called by these, in the reader's language (French
# outside a request: what `seed` stores).
TITLES = {
    "association": _l("L'association"),
    "faq": _l("FAQ"),
    "contact": _l("Contact"),
    "mentions-legales": _l("Mentions légales et données personnelles"),
}
# Generated from the configuration; the admins' text, if any, is added below it.
LEGAL_NOTICE = "mentions-legales"


def exists(slug):
    return slug in TITLES


def find(slug):
    """The stored page, or an unsaved one with its default title and no text yet."""
    if not exists(slug):
        return None
    page = Page.get_or_none(Page.slug == slug)
    return page or Page(slug=slug, title=str(TITLES[slug]), body="")


def listed():
    """Every page, in the menu's order, stored or not."""
    return [find(slug) for slug in TITLES]


def save(author, slug, title, body):
    """Write the page and a line of the journal, together."""
    with db.atomic():
        page = find(slug)
        page.title, page.body = title, body
        page.updated_at, page.updated_by = utcnow(), author.id
        page.save()
        audit.record(author, "page.update", detail=f"{slug} : {title}")
    return page


def seed(texts):
    """First versions (the demo): a page an admin already wrote is left as it is."""
    created = 0
    for slug, body in texts.items():
        if Page.get_or_none(Page.slug == slug) is None:
            Page.create(slug=slug, title=str(TITLES[slug]), body=body)
            created += 1
    return created
