"""A short-lived, per-process cache of pages as anonymous visitors see them.

The day a campaign goes viral, almost every request is a new visitor reading
the same page. Rendering it once every few seconds instead of on every request
is what lets one small server keep up. What differs between two anonymous
visitors is only their CSRF token: the cached copy holds a placeholder that
each response fills in. Members, and visitors with a flashed message waiting,
always get a fresh page.
"""
import hashlib
import threading
import time

from flask import current_app, make_response, request, session
from flask_wtf.csrf import generate_csrf

from blueprints.languages import current_language
from services import switches

PLACEHOLDER = "__CSRF_TOKEN__"


class PageCache:
    def __init__(self):
        self._pages = {}
        self._lock = threading.Lock()

    def get(self, key, max_age):
        """The cached (page, digest of the page), or None when absent or too old."""
        with self._lock:
            entry = self._pages.get(key)
        if entry is None or time.monotonic() - entry[0] > max_age:
            return None
        return entry[1:]

    def put(self, key, html):
        """Keep the page with its digest, hashed once here rather than on every hit."""
        digest = hashlib.blake2b(html.encode(), digest_size=16).hexdigest()
        with self._lock:
            if len(self._pages) > 500:  # bounded: drop everything rather than grow
                self._pages.clear()
            self._pages[key] = (time.monotonic(), html, digest)
        return html, digest


def _pages():
    """One cache per application (and so per worker process)."""
    return current_app.extensions.setdefault("page_cache", PageCache())


def is_anonymous_visit():
    return ("_user_id" not in session and "_flashes" not in session
            and "remember_token" not in request.cookies)


def cached_page(key, render, live_parts=()):
    """The page for `key`, from the cache when an anonymous visitor asks for it.

    `live_parts` render the small pieces that must be current on every
    response (a counter): the cached copy holds placeholders for them.
    """
    max_age = current_app.config["PAGE_CACHE_SECONDS"]
    if not max_age or not is_anonymous_visit():
        return _private(make_response(render()))
    # A page rendered before an operator's switch turned (signing paused, read-only)
    # is never served after it; French and English readers each get their own copy.
    key = (key, switches.current().version, current_language())
    fills = {PLACEHOLDER: generate_csrf()}
    fills.update((f"__LIVE_PART_{number}__", part()) for number, part in enumerate(live_parts))
    pages = _pages()
    cached = pages.get(key, max_age)
    if cached is None:
        template = render()
        for placeholder, value in fills.items():
            template = template.replace(value, placeholder)
        cached = pages.put(key, template)
    template, digest = cached
    # The signed token changes every second, the session's raw token does not: a
    # browser revalidating its copy keeps a token that is still good for its session.
    live = [value for placeholder, value in fills.items() if placeholder != PLACEHOLDER]
    fingerprint = "".join([digest, session.get("csrf_token", ""), *live])
    etag = hashlib.blake2b(fingerprint.encode(), digest_size=16).hexdigest()
    if etag in request.if_none_match:
        return _private(make_response("", 304), etag)
    page = template
    for placeholder, value in fills.items():
        page = page.replace(placeholder, value)
    return _private(make_response(page), etag)


def _private(response, etag=None):
    # The page carries the visitor's own CSRF token: browsers may keep it, proxies may not.
    response.headers["Cache-Control"] = "private, no-cache"
    if etag:
        response.set_etag(etag)
    return response
