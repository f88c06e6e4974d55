"""Same URL, two answers: a full page, or the fragment an htmx request asked for."""
from flask import make_response, render_template, request


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
