"""French by default, English for browsers that ask for it, and a switch that is remembered.

The choice lives in a cookie, so that it holds for visitors without an account; a member's
choice is also kept on the account, in which their emails are written.
"""
from babel import Locale
from flask import Blueprint, current_app, has_request_context, redirect, request
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

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
    locale = _locale_in_force()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


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


_TRANSLATIONS = {}


def _locale_in_force():
    """get_locale(), read first where Flask-Babel keeps it (`g._flask_babel`, which
    force_locale sets too): a page reads it for every string it translates."""
    app_context = _cv_app.get(None)
    kept = getattr(app_context.g, "_flask_babel", None) if app_context is not None else None
    return getattr(kept, "babel_locale", None) or get_locale()


def _translations():
    """The catalogue of the language in force (a request's, or an email's under
    force_locale), looked up once per language rather than at every string."""
    locale = _locale_in_force()
    if locale is None:
        return get_translations()
    found = _TRANSLATIONS.get(locale.language)  # a plain string: a Locale hashes slowly
    if found is None:
        found = _TRANSLATIONS[locale.language] = get_translations()
    return found


def _formatted(eval_ctx, text, variables):
    # As Jinja's "newstyle" gettext: formatted ("%%" is "%"), and in an HTML template
    # the translation is markup while the values put into it are escaped.
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


@pass_eval_context
def template_gettext(eval_ctx, string, **variables):
    return _formatted(eval_ctx, _translations().ugettext(string), variables)


@pass_eval_context
def template_ngettext(eval_ctx, singular, plural, count, **variables):
    variables.setdefault("num", count)  # a template may give `num` formatted (1 718)
    return _formatted(eval_ctx, _translations().ungettext(singular, plural, count), variables)


def register(app):
    app.register_blueprint(bp)
    # Templates call these directly: a signing request renders a dozen strings and its
    # email two dozen more, and Flask-Babel's own path costs three lookups a string.
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                                 ngettext=template_ngettext)

    @app.context_processor
    def _language():
        language = current_language()
        return {"current_language": language, "other_languages": OTHER_LANGUAGES[language]}

    @app.after_request
    def _vary_on_language(response):
        # The same address answers in French or in English.
        response.vary.update(("Accept-Language", "Cookie"))
        return response


LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
# What the switch offers on a page in each language: the others, by their own names.
OTHER_LANGUAGES = {here: [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES if code != here]
                   for here in LANGUAGES}
