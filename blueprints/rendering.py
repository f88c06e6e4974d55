"""Same URL, two answers: a full page, or the fragment an htmx request asked for; and the
menus of a visitor, the same on every page."""
from flask import current_app, make_response, render_template, request
from markupsafe import Markup

from blueprints.languages import current_language


def wants_fragment():
    """An htmx request that is not a boosted navigation wants only the fragment."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def page_or_fragment(page, fragment, status=200, **context):
    template = fragment if wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def form_status():
    """422 when a posted form comes back with its errors, 200 when it is first shown."""
    return 422 if request.method == "POST" else 200


def anonymous_nav():
    """The header's menus as every visitor without an account sees them: rendered once per
    language (about forty strings and fifteen addresses), then taken as they are."""
    navs = current_app.extensions.setdefault("anonymous_nav", {})
    key = (current_language(), bool(current_app.config.get("DEV_MAILBOX")))
    nav = navs.get(key)
    if nav is None:
        nav = navs[key] = Markup(render_template("_partials/_nav.html", oob=False))
    return nav


def register(app):
    app.add_template_global(anonymous_nav)
