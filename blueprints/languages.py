"""French by default, English for browsers that ask for it, and a switch that is remembered.

The choice lives in a cookie, so that it holds for visitors without an account; a member's
choice is also kept on the account, in which their emails are written.
"""
from babel import Locale
from flask import Blueprint, current_app, has_request_context, redirect, request
from flask_babel import get_locale
from flask_login import current_user

from blueprints.accounts.session import safe_next
from services import accounts

bp = Blueprint("languages", __name__)

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
COOKIE = "langue"
COOKIE_SECONDS = 365 * 86400
# Parsed once: Flask-Babel takes a Locale as it is, rather than parsing a code per request.
LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def select_locale():
    """The switch's choice, else the browser's preference between French and English
    (outside a request, an email says its own language with `force_locale`)."""
    if not has_request_context():
        return LOCALES[DEFAULT_LANGUAGE]
    chosen = request.cookies.get(COOKIE)
    if chosen not in LANGUAGES:
        chosen = request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
    return LOCALES[chosen]


def current_language():
    """"fr" or "en": what this request is answered in (the default outside a request)."""
    return str(get_locale() or DEFAULT_LANGUAGE)


@bp.post("/langue")
def switch():
    language = request.form.get("langue")
    response = redirect(safe_next(request.form.get("next"), "/"), 303)
    if language not in LANGUAGES:
        return response
    response.set_cookie(COOKIE, language, max_age=COOKIE_SECONDS, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    if current_user.is_authenticated:
        accounts.set_language(current_user, language)
    return response


def register(app):
    app.register_blueprint(bp)

    @app.context_processor
    def _language():
        return {"current_language": current_language(), "other_languages": _others()}

    @app.after_request
    def _vary_on_language(response):
        # The same address answers in French or in English.
        response.vary.update(("Accept-Language", "Cookie"))
        return response


LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def _others():
    here = current_language()
    return [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES if code != here]
