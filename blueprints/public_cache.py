"""Documents that are the same for everyone (feeds, the sitemap, the open-data API):
rendered at most once every few seconds per process, sent with an ETag, and cacheable
by browsers and proxies alike.

Unlike the pages of blueprints/page_cache.py they carry no CSRF token and depend on
no session, so a member gets the same copy as a visitor.
"""
from flask import current_app, make_response, request

from blueprints.languages import current_language
from blueprints.page_cache import PageCache


def _documents():
    return current_app.extensions.setdefault("public_cache", PageCache())


def shared_render(key, render, seconds):
    """(body, digest) of what `render` gives for `key` in this request's language,
    rendered at most once every `seconds` per process."""
    documents = _documents()
    key = (key, current_language())
    cached = documents.get(key, seconds) if seconds else None
    return cached if cached is not None else documents.put(key, render())


def public_document(key, render, mimetype, max_age, server_seconds=None):
    """The document for `key`, kept `server_seconds` (PAGE_CACHE_SECONDS by default),
    and for `max_age` seconds by whoever downloads it; 304 when the client has it."""
    seconds = current_app.config["PAGE_CACHE_SECONDS"] if server_seconds is None \
        else server_seconds
    body, digest = shared_render(key, render, seconds)
    response = make_response(body)
    response.content_type = f"{mimetype}; charset=utf-8"
    response.set_etag(digest)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response.make_conditional(request)
